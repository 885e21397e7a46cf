// SPDX-License-Identifier: GPL-2.0
/* A fixture the build leaves unsigned, for the signature-enforcement test. */
#include "fixture.h"

FIXTURE_MODULE((void)0);

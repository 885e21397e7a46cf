// SPDX-License-Identifier: GPL-2.0
/* A fixture with no symbol dependencies. */
#include "fixture.h"

FIXTURE_MODULE((void)0);

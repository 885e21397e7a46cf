// SPDX-License-Identifier: GPL-2.0
/* A fixture that uses pl_dep's symbol: plain insmod fails without pl_dep. */
#include "fixture.h"

FIXTURE_MODULE(pr_info(KBUILD_MODNAME ": pl_dep_value() = %d\n", pl_dep_value()));

// SPDX-License-Identifier: GPL-2.0
/*
 * A consumer whose load fails after preload planned its bindings and before
 * it comes: it calls sample_lib_compute (bound to an interposer it lists)
 * and pl_dep_value, so a plain insmod without pl_dep loaded fails with
 * "Unknown symbol".
 */
#include "fixture.h"
#include "sample_lib.h"

FIXTURE_MODULE(pr_info(KBUILD_MODNAME ": %d %d\n", sample_lib_compute(21), pl_dep_value()));

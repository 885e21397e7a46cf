// SPDX-License-Identifier: GPL-2.0
/* The other half of the load-time cycle: needs pl_loop_x's symbol. */
#include "fixture.h"

FIXTURE_MODULE(pr_info(KBUILD_MODNAME ": pl_loop_x_value() = %d\n", pl_loop_x_value()));

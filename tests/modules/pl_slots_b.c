// SPDX-License-Identifier: GPL-2.0
/* pl_slots_a's twin, answering plus 2000. */
#define SLOTS_ADD 2000
#include "pl_slots_a.c"

// SPDX-License-Identifier: GPL-2.0
/* A caller of interposable symbols; see caller.h. */
#include "caller.h"

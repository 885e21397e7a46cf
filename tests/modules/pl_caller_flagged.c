// SPDX-License-Identifier: GPL-2.0
/* A caller that accepts another definition of sample_lib_compute only. */
#include "caller.h"

PRELOAD_INTERPOSABLE(sample_lib_compute);

// SPDX-License-Identifier: GPL-2.0
/* A call benchmark fixture; see bench_calls.h. */
#include "bench_calls.h"

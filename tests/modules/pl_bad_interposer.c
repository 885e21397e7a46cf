// SPDX-License-Identifier: GPL-2.0
/*
 * Declares that it redefines sample_lib_compute without importing it (a
 * hand-written declaration instead of PRELOAD_INTERPOSE()): preload must
 * refuse it at its own load.
 */
#include "fixture.h"

int pl_bad_replacement(int x);
int pl_bad_replacement(int x)
{
	return x;
}
EXPORT_SYMBOL_GPL(pl_bad_replacement);

MODULE_INFO(interpose, "sample_lib_compute:pl_bad_replacement");
FIXTURE_MODULE();

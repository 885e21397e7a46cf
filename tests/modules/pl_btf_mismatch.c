// SPDX-License-Identifier: GPL-2.0
/*
 * Declares by hand, without PRELOAD_INTERPOSE() and its compile-time type
 * check, that bad_step() redefines sample_lib_step(), though its type is
 * int (int), not long int (long int). Where BTF describes both, preload must
 * refuse it at its own load.
 */
#include "fixture.h"
#include "sample_lib.h"

static int bad_step(int x)
{
	return x + 2;
}

MODULE_INFO(interpose, "sample_lib_step:bad_step");
/* Imports the original and keeps the replacement, as the macro does. */
static const void *const pl_btf_mismatch_refs[2] __used = { &sample_lib_step, &bad_step };
FIXTURE_MODULE();

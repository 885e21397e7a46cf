// SPDX-License-Identifier: GPL-2.0
/* A fixture that exports a symbol, for pl_user. */
#include "fixture.h"

int pl_dep_value(void)
{
	return 42;
}
EXPORT_SYMBOL_GPL(pl_dep_value);

FIXTURE_MODULE((void)0);

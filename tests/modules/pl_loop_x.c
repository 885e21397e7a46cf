// SPDX-License-Identifier: GPL-2.0
/* Half of a load-time cycle: pl_loop_y uses this symbol (a modinfo
 * dependency), and the test lists pl_loop_y as a dependency of pl_loop_x. */
#include "fixture.h"

int pl_loop_x_value(void)
{
	return 7;
}
EXPORT_SYMBOL_GPL(pl_loop_x_value);

FIXTURE_MODULE((void)0);

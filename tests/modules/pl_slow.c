// SPDX-License-Identifier: GPL-2.0
/* A fixture whose init takes 2 seconds, to catch preload mid-load. */
#include <linux/delay.h>
#include "fixture.h"

FIXTURE_MODULE(msleep(2000));

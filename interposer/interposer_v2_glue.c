// SPDX-License-Identifier: GPL-2.0
/* interposer_v2's _printk() replacement: the sample's, with its own tag. */
#define INTERPOSER_TAG "[interposer v2] "
#include "interposer_glue.c"

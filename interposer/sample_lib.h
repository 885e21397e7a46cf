/* SPDX-License-Identifier: GPL-2.0 */
/* The functions sample_lib.ko exports, and the sample interposer redefines. */
#ifndef SAMPLE_LIB_H
#define SAMPLE_LIB_H

int sample_lib_compute(int x);
long sample_lib_step(long x);
long sample_lib_wait(long ms);

#endif

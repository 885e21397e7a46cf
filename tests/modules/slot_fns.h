/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pl_slot_lib's 33 exports, which pl_slots_a and pl_slots_b each redefine:
 * two swappable interposers of 33 symbols need 66 swap slots, and preload
 * has 64, so the second to load fails at its coming.
 */
#define SLOT_FNS(X)								\
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12)	\
	X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23)	\
	X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32)

#define SLOT_FN_DECLARE(n) long pl_slot_fn##n(long x);
SLOT_FNS(SLOT_FN_DECLARE)

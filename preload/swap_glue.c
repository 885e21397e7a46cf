// SPDX-License-Identifier: GPL-2.0
/*
 * Swap slots: a fixed pool of the kernel's static calls. A consumer of a
 * swappable interposer binds to a slot's trampoline, which is one direct
 * `jmp` to the replacement; a swap retargets the trampoline with
 * __static_call_update(), which patches it atomically (text_poke_bp). The
 * trampoline has no ENDBR: consumers reach it by a direct call, and it
 * reaches the replacement by a direct jump.
 */
#include <linux/static_call.h>

#include "glue.h"

static void __maybe_unused preload_slot_unset(void)
{
}

#define SLOT(n) DEFINE_STATIC_CALL_NULL(preload_slot_##n, preload_slot_unset);
#define SLOTS8(n) SLOT(n##0) SLOT(n##1) SLOT(n##2) SLOT(n##3) \
		  SLOT(n##4) SLOT(n##5) SLOT(n##6) SLOT(n##7)
SLOTS8(0) SLOTS8(1) SLOTS8(2) SLOTS8(3) SLOTS8(4) SLOTS8(5) SLOTS8(6) SLOTS8(7)

#define ENTRY(n) { &STATIC_CALL_KEY(preload_slot_##n), STATIC_CALL_TRAMP_ADDR(preload_slot_##n) },
#define ENTRIES8(n) ENTRY(n##0) ENTRY(n##1) ENTRY(n##2) ENTRY(n##3) \
		    ENTRY(n##4) ENTRY(n##5) ENTRY(n##6) ENTRY(n##7)

static const struct {
	struct static_call_key *key;
	void *tramp;
} slots[] = {
	ENTRIES8(0) ENTRIES8(1) ENTRIES8(2) ENTRIES8(3)
	ENTRIES8(4) ENTRIES8(5) ENTRIES8(6) ENTRIES8(7)
};

size_t preload_slot_count(void)
{
	return ARRAY_SIZE(slots);
}

/* The address consumers bind to: the trampoline. */
unsigned long preload_slot_address(size_t slot)
{
	return slot < ARRAY_SIZE(slots) ? (unsigned long)slots[slot].tramp : 0;
}

/* Points the slot's trampoline at @func (0: a plain return). Sleeps. */
void preload_slot_set(size_t slot, unsigned long func)
{
	if (slot < ARRAY_SIZE(slots))
		__static_call_update(slots[slot].key, slots[slot].tramp, (void *)func);
}

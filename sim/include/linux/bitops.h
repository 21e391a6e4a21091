/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tools bitops, with test_bit() as the kernel has it: a relaxed atomic
 * read (asm-generic/bitops/instrumented-non-atomic.h), not the tools'
 * plain one, which ThreadSanitizer reports against set_bit() and friends.
 */
#ifndef NVRMAP_SIM_LINUX_BITOPS_H
#define NVRMAP_SIM_LINUX_BITOPS_H

#include_next <linux/bitops.h>

#undef test_bit
#define test_bit(nr, addr)						\
	((__atomic_load_n((addr) + BIT_WORD(nr), __ATOMIC_RELAXED) >>	\
	  ((nr) % BITS_PER_LONG)) & 1)

#endif

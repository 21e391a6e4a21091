/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness stand-in for tools/include/asm/atomic.h. On x86 the tools headers
 * pick tools/arch/x86/include/asm/atomic.h, whose test_and_clear_bit()
 * (hence clear_bit()) uses BTC, which toggles the bit instead of clearing
 * it (Linux 7.3). The compiler-builtin version is correct on any host, so
 * the harness uses it everywhere.
 */
#ifndef NVRMAP_SIM_ASM_ATOMIC_H
#define NVRMAP_SIM_ASM_ATOMIC_H

#include <asm-generic/atomic-gcc.h>

/*
 * atomic_read()/atomic_set() are relaxed atomic accesses in the kernel; the
 * tools versions are volatile accesses, which ThreadSanitizer takes for
 * plain ones racing with the atomic read-modify-writes.
 */
#define atomic_read(v)		__atomic_load_n(&(v)->counter, __ATOMIC_RELAXED)
#define atomic_set(v, i)	__atomic_store_n(&(v)->counter, (i), __ATOMIC_RELAXED)

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The tools compiler.h, with READ_ONCE()/WRITE_ONCE() as relaxed atomic
 * accesses for word sizes. In the kernel they are marked accesses that the
 * memory model (and KCSAN) treats as racing legitimately with atomics;
 * the tools versions are volatile accesses, which ThreadSanitizer takes
 * for plain ones. Code generation is the same on the hosts we run on.
 */
#ifndef NVRMAP_SIM_LINUX_COMPILER_H
#define NVRMAP_SIM_LINUX_COMPILER_H

#include_next <linux/compiler.h>

#define __sim_once_case(size, type, op)					\
	case size:							\
		op;							\
		break

static __always_inline void __sim_read_once_size(const volatile void *p,
						 void *res, int size)
{
	switch (size) {
	__sim_once_case(1, __u8_alias_t, *(__u8_alias_t *)res =
		__atomic_load_n((const volatile __u8_alias_t *)p,
				__ATOMIC_RELAXED));
	__sim_once_case(2, __u16_alias_t, *(__u16_alias_t *)res =
		__atomic_load_n((const volatile __u16_alias_t *)p,
				__ATOMIC_RELAXED));
	__sim_once_case(4, __u32_alias_t, *(__u32_alias_t *)res =
		__atomic_load_n((const volatile __u32_alias_t *)p,
				__ATOMIC_RELAXED));
	__sim_once_case(8, __u64_alias_t, *(__u64_alias_t *)res =
		__atomic_load_n((const volatile __u64_alias_t *)p,
				__ATOMIC_RELAXED));
	default:
		__read_once_size(p, res, size);
	}
}

static __always_inline void __sim_write_once_size(volatile void *p,
						  void *res, int size)
{
	switch (size) {
	__sim_once_case(1, __u8_alias_t,
		__atomic_store_n((volatile __u8_alias_t *)p,
				 *(__u8_alias_t *)res, __ATOMIC_RELAXED));
	__sim_once_case(2, __u16_alias_t,
		__atomic_store_n((volatile __u16_alias_t *)p,
				 *(__u16_alias_t *)res, __ATOMIC_RELAXED));
	__sim_once_case(4, __u32_alias_t,
		__atomic_store_n((volatile __u32_alias_t *)p,
				 *(__u32_alias_t *)res, __ATOMIC_RELAXED));
	__sim_once_case(8, __u64_alias_t,
		__atomic_store_n((volatile __u64_alias_t *)p,
				 *(__u64_alias_t *)res, __ATOMIC_RELAXED));
	default:
		__write_once_size(p, res, size);
	}
}

#undef READ_ONCE
#define READ_ONCE(x)							\
({									\
	union { typeof(x) __val; char __c[1]; } __u = { .__c = { 0 } }; \
	__sim_read_once_size(&(x), __u.__c, sizeof(x));			\
	__u.__val;							\
})

#undef WRITE_ONCE
#define WRITE_ONCE(x, val)						\
({									\
	union { typeof(x) __val; char __c[1]; } __u =			\
		{ .__val = (val) };					\
	__sim_write_once_size(&(x), __u.__c, sizeof(x));		\
	__u.__val;							\
})

#endif

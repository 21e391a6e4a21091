/* SPDX-License-Identifier: GPL-2.0 */
/* What every cmocka test of the harness shares. */
#ifndef NVRMAP_TESTS_H
#define NVRMAP_TESTS_H

#include <stdlib.h>

#include "maple-shared.h"
#include <linux/maple_tree.h>

/* Long randomized runs take NVRMAP_TEST_EVENTS events instead of @dflt. */
static inline u64 events_from_env(u64 dflt)
{
	const char *s = getenv("NVRMAP_TEST_EVENTS");

	return s ? strtoull(s, NULL, 0) : dflt;
}

/* cmocka_run_group_tests() with the maple tree and RCU set up around it. */
#define nvrmap_run_tests(tests)						\
	({								\
		int __ret;						\
									\
		maple_tree_init();					\
		rcu_register_thread();					\
		__ret = cmocka_run_group_tests(tests, NULL, NULL);	\
		rcu_unregister_thread();				\
		rcu_barrier();						\
		__ret;							\
	})

#endif

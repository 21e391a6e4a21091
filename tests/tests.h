/* SPDX-License-Identifier: GPL-2.0 */
/* What every cmocka test of the harness shares. */
#ifndef NVRMAP_TESTS_H
#define NVRMAP_TESTS_H

#include <stdlib.h>

#include "maple-shared.h"
#include <linux/maple_tree.h>

#include "alloc_fail.h"

/* Long randomized runs take NVRMAP_TEST_EVENTS events instead of @dflt. */
static inline u64 events_from_env(u64 dflt)
{
	const char *s = getenv("NVRMAP_TEST_EVENTS");

	return s ? strtoull(s, NULL, 0) : dflt;
}

/*
 * Until leave_failing(), this thread is in a strategy call at @site whose
 * allocations fail (failure injection at 100% there, alloc_fail.h).
 */
static inline void enter_failing(enum alloc_site site)
{
	unsigned int pct[NR_ALLOC_SITES] = { 0 };

	pct[site] = 100;
	alloc_fail_configure(pct, 0);
	alloc_site_enter(site);
}

/* Out of that call, and no failure injection anywhere. */
static inline void leave_failing(void)
{
	static const unsigned int none[NR_ALLOC_SITES];

	alloc_site_exit();
	alloc_fail_configure(none, 0);
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

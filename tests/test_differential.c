// SPDX-License-Identifier: GPL-2.0
/*
 * One randomized event stream per seed, replayed against every strategy:
 * all must be safe; the exact ones (revmap, pagearray) must zap only what
 * had to go and never fall back, and must agree on what they zap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests.h"

#include "run.h"

static void same_stream_all_strategies(void **state)
{
	u64 events = events_from_env(1000000) / 2;
	struct run_result r[8];
	struct world_config wc;
	struct gen_params gp;
	int n = 0, exact = -1;

	world_default(&wc);
	gen_default(&gp, 2026);
	for (; strategies[n]; n++) {
		const struct rmap_strategy *s = strategies[n];

		assert_true(n < 8);
		assert_int_equal(run_random(&wc, &gp, s, events, true, &r[n]),
				 0);
		print_message("# %-10s faults %llu zapped %llu needed %llu fallbacks %llu\n",
			      s->name,
			      (unsigned long long)r[n].stats.shadow_faults,
			      (unsigned long long)r[n].stats.host_zapped,
			      (unsigned long long)r[n].stats.host_needed,
			      (unsigned long long)r[n].counters.fallbacks);
		assert_int_equal(r[n].stats.violations, 0);
		assert_int_equal(r[n].vcpu_errors, 0);
		if (!s->exact)
			continue;
		/* exact: nothing zapped that did not have to go */
		assert_int_equal(r[n].stats.host_zapped, r[n].stats.host_needed);
		assert_int_equal(r[n].counters.fallbacks, 0);
		if (exact >= 0) {
			/* same world, same decisions, same work */
			assert_int_equal(r[n].stats.shadow_faults,
					 r[exact].stats.shadow_faults);
			assert_int_equal(r[n].stats.host_zapped,
					 r[exact].stats.host_zapped);
			assert_int_equal(r[n].stats.wp_leaves,
					 r[exact].stats.wp_leaves);
		}
		exact = n;
	}
	assert_true(n >= 4);
	assert_true(exact >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_stream_all_strategies),
	};
	return nvrmap_run_tests(tests);
}

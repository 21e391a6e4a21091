/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Randomized world runs shared by the cmocka tests (include cmocka.h
 * first): run a mix under the oracle and hold the result to what every
 * run owes.
 */
#ifndef NVRMAP_TESTS_WORLD_RUNS_H
#define NVRMAP_TESTS_WORLD_RUNS_H

#include "run.h"

/* @events events with @strat, oracle on: all applied, no violation. */
static inline struct run_result run_checked(const struct world_config *wc,
					    const struct gen_params *gp,
					    const struct rmap_strategy *strat,
					    u64 events)
{
	struct run_result r;

	assert_int_equal(run_random(wc, gp, strat, events, true, &r), 0);
	assert_int_equal(r.stats.events, events);
	assert_int_equal(r.stats.violations, 0);
	return r;
}

/* The same, and no vCPU failed. */
static inline struct run_result run_mix(const struct world_config *wc,
					const struct gen_params *gp,
					const struct rmap_strategy *strat,
					u64 events)
{
	struct run_result r = run_checked(wc, gp, strat, events);

	assert_int_equal(r.vcpu_errors, 0);
	return r;
}

/*
 * R3 under injected failures: recording failed, and the MMUs it failed
 * on were unmapped in full; a fallback only ever follows a failure on
 * that MMU, and several failures before one unmap cost one fallback.
 */
static inline void assert_falls_back(const struct run_result *r)
{
	assert_true(r->counters.failures > 0);
	assert_true(r->counters.fallbacks > 0);
	assert_true(r->counters.fallbacks <= r->counters.failures);
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The concurrent harness: every strategy survives vCPU threads faulting in
 * parallel with a host thread and an L1 thread, with the oracle checking
 * at quiescent points; with injected allocation failure too; and without
 * the fault path's invalidation retry the oracle finds stale leaves (so
 * the concurrent checks can fail). Durations come from
 * NVRMAP_STRESS_SECONDS (default 2 s per run); `make stress` runs longer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "concurrent.h"
#include "tests.h"

static double seconds_from_env(double dflt)
{
	const char *s = getenv("NVRMAP_STRESS_SECONDS");

	return s ? strtod(s, NULL) : dflt;
}

/* A small world, so that threads meet on the same pages and MMUs. */
static void small_world(struct world_config *wc, struct gen_params *gp,
			u64 seed)
{
	assert_int_equal(gen_mix("default", seed, wc, gp), 0);
	wc->vm.check = true;
	wc->vm.audit_every = 0;
}

static void print_conc(const char *what, const struct conc_result *r)
{
	print_message("%s %s: %.1f s, %u threads, %llu vcpu / %llu host / %llu l1 events, %llu shadow faults, %llu retries, %llu quiescent checks, %llu violations, %llu failures, %llu fallbacks\n",
		      r->run.strategy, what, r->run.seconds, r->threads,
		      (unsigned long long)r->vcpu_events,
		      (unsigned long long)r->host_events,
		      (unsigned long long)r->l1_events,
		      (unsigned long long)r->run.stats.shadow_faults,
		      (unsigned long long)r->run.stats.fault_retries,
		      (unsigned long long)r->quiescent_checks,
		      (unsigned long long)r->run.stats.violations,
		      (unsigned long long)r->run.counters.failures,
		      (unsigned long long)r->run.counters.fallbacks);
}

static void run_one(const struct rmap_strategy *s, unsigned int fail_pct,
		    struct conc_result *r)
{
	struct conc_params cp = {
		.seconds = seconds_from_env(2), .seed = 1,
		.quiesce_ms = 200, .stall_ms = 20000,
	};
	struct world_config wc;
	struct gen_params gp;

	small_world(&wc, &gp, 1);
	wc.vm.fail_pct = fail_pct;
	assert_int_equal(conc_run(&wc, &gp, s, &cp, r), 0);
}

static void assert_clean(const struct conc_result *r)
{
	assert_int_equal(r->run.stats.violations, 0);
	assert_int_equal(r->run.vcpu_errors, 0);
	assert_int_equal(r->run.errors, 0);
	/*
	 * Every role ran. Counts, not rates: a 1 s TSan run on a loaded
	 * machine managed fewer than 1,000 vCPU events.
	 */
	assert_true(r->vcpu_events > 100);
	assert_true(r->host_events > 10);
	assert_true(r->l1_events > 10);
	assert_true(r->quiescent_checks >= 2);
}

static void every_strategy_holds(void **state)
{
	(void)state;
	for (const struct rmap_strategy *const *s = strategies; *s; s++) {
		struct conc_result r;

		run_one(*s, 0, &r);
		print_conc("no failures", &r);
		assert_clean(&r);
	}
}

static void failures_end_in_fallbacks(void **state)
{
	static const unsigned int pct[] = { 10, 50, 100 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(pct); i++) {
		struct conc_result r;
		char what[32];

		run_one(&strategy_revmap, pct[i], &r);
		snprintf(what, sizeof(what), "%u%% failing", pct[i]);
		print_conc(what, &r);
		assert_clean(&r);
		assert_true(r.run.counters.failures > 0);
		assert_true(r.run.counters.fallbacks <=
			    r.run.counters.failures);
	}
}

/*
 * A cramped world: L2 memory of 16 MiB per context in a 64 MiB pool, so
 * that host invalidations often meet the pages vCPUs are faulting in.
 */
static void cramped_world(struct world_config *wc, struct gen_params *gp,
			  u64 seed)
{
	small_world(wc, gp, seed);
	wc->vm.nr_slots = 2;
	wc->vm.slots[0].size = SZ_64M;
	wc->vm.slots[1].size = SZ_64M;
	wc->vm.slots[1].backing = BACKING_4K;
	wc->l1.nr_ctx = 4;
	wc->l1.nr_pgshift = 1;		/* 4K: blocks of 2M fit */
	wc->l1.l2_mem_size = SZ_16M;
	wc->l1.pool_size = SZ_64M;
	wc->l1.table_size = SZ_64M;
	gp->weight[EV_HOST_MIGRATE] = 600;
	gp->weight[EV_HOST_RECLAIM] = 600;
}

static void missing_retry_is_caught(void **state)
{
	struct conc_params cp = {
		.seconds = seconds_from_env(2), .seed = 3,
		.quiesce_ms = 20, .stall_ms = 20000,
	};
	struct world_config wc;
	struct gen_params gp;
	struct conc_result r;

	(void)state;
	cramped_world(&wc, &gp, 3);
	assert_int_equal(conc_run(&wc, &gp, &strategy_revmap, &cp, &r), 0);
	print_conc("cramped", &r);
	assert_clean(&r);
	assert_true(r.run.stats.fault_retries > 0);

	/*
	 * A few stale leaves a second is typical: run until one is seen, at
	 * most ten times, so that a slow machine does not flake.
	 */
	wc.vm.no_fault_retry = true;
	for (int i = 0; i < 10; i++) {
		cp.seed = 3 + i;
		assert_int_equal(conc_run(&wc, &gp, &strategy_revmap, &cp, &r),
				 0);
		print_conc("cramped, without the fault retry", &r);
		if (r.run.stats.violations)
			break;
	}
	assert_true(r.run.stats.violations > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_strategy_holds),
		cmocka_unit_test(failures_end_in_fallbacks),
		cmocka_unit_test(missing_retry_is_caught),
	};

	return nvrmap_run_tests(tests);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The safety oracle against the `full` baseline (upstream 7.3) over a long
 * randomized run, and against deliberately broken strategies that it must
 * catch: one that forgets host unmaps, one that ignores guest TLBIs, one
 * that forgets write-protection.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests.h"

#include "run.h"

static struct run_result run(const struct rmap_strategy *s, u64 events,
			     u64 seed)
{
	struct world_config wc;
	struct gen_params gp;
	struct run_result r;

	world_default(&wc);
	gen_default(&gp, seed);
	assert_int_equal(run_random(&wc, &gp, s, events, true, &r), 0);
	return r;
}

static void full_is_safe(void **state)
{
	u64 events = events_from_env(1000000);
	struct run_result r = run(&strategy_full, events, 42);

	assert_int_equal(r.stats.events, events);
	assert_int_equal(r.stats.violations, 0);
	assert_int_equal(r.vcpu_errors, 0);
	/* The run must exercise what the oracle checks. */
	assert_true(r.stats.shadow_faults > events / 20);
	assert_true(r.stats.host_zapped > 0);
	assert_true(r.stats.guest_zapped > 0);
	assert_true(r.stats.wp_leaves > 0);
	assert_true(r.stats.recycles > 0);
	assert_true(r.stats.tlbis > 0);
	/* upstream zaps everything: collateral is the rule, not the exception */
	assert_true(r.stats.host_zapped > r.stats.host_needed);
}

/* Broken on purpose: host unmaps leave the shadow stage-2s alone. */
static void no_unmap_canonical(struct kvm *kvm, gpa_t start, u64 size,
			       bool may_block)
{
}

/* Broken on purpose: guest TLBIs are ignored. */
static void no_unmap_nested(struct kvm_s2_mmu *mmu, gpa_t start, u64 size,
			    bool may_block)
{
}

/* Broken on purpose: dirty logging never write-protects shadows. */
static void no_wp(struct kvm *kvm, gpa_t start, u64 size)
{
}

static struct rmap_strategy broken(void (*uc)(struct kvm *, gpa_t, u64, bool),
				   void (*un)(struct kvm_s2_mmu *, gpa_t, u64,
					      bool),
				   void (*wp)(struct kvm *, gpa_t, u64))
{
	struct rmap_strategy s = strategy_full;

	s.name = "broken";
	if (uc)
		s.unmap_canonical = uc;
	if (un)
		s.unmap_nested = un;
	if (wp)
		s.wp_canonical = wp;
	return s;
}

static void catches_missed_host_unmap(void **state)
{
	struct rmap_strategy s = broken(no_unmap_canonical, NULL, NULL);

	assert_true(run(&s, 50000, 7).stats.violations > 0);
}

static void catches_ignored_tlbi(void **state)
{
	struct rmap_strategy s = broken(NULL, no_unmap_nested, NULL);

	assert_true(run(&s, 50000, 7).stats.violations > 0);
}

static void catches_missed_wp(void **state)
{
	struct rmap_strategy s = broken(NULL, NULL, no_wp);

	assert_true(run(&s, 50000, 7).stats.violations > 0);
}

static void same_seed_same_run(void **state)
{
	struct run_result a = run(&strategy_full, 20000, 3);
	struct run_result b = run(&strategy_full, 20000, 3);

	assert_int_equal(a.stats.shadow_faults, b.stats.shadow_faults);
	assert_int_equal(a.stats.host_zapped, b.stats.host_zapped);
	assert_int_equal(a.stats.guest_zapped, b.stats.guest_zapped);
	assert_int_equal(a.stats.walk_steps, b.stats.walk_steps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_is_safe),
		cmocka_unit_test(catches_missed_host_unmap),
		cmocka_unit_test(catches_ignored_tlbi),
		cmocka_unit_test(catches_missed_wp),
		cmocka_unit_test(same_seed_same_run),
	};
	return nvrmap_run_tests(tests);
}

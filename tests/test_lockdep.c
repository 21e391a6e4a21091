// SPDX-License-Identifier: GPL-2.0
/*
 * The harness's lockdep: it reports what lockdep would (an inverted order,
 * a class taken twice without a nesting annotation), and it sees the lock
 * order that docs/DESIGN.md documents for the reverse map when a world
 * runs: mmu_lock, then an MMU's tree, then the VM's index.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/rwlock.h>
#include <linux/spinlock.h>

#include "run.h"
#include "tests.h"

static char last_report[512];
static int nr_reports;

static void record_report(const char *msg)
{
	snprintf(last_report, sizeof(last_report), "%s", msg);
	nr_reports++;
}

static int setup(void **state)
{
	(void)state;
	nr_reports = 0;
	last_report[0] = '\0';
	sim_lockdep_set_report(record_report);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_lockdep_set_report(NULL);
	sim_lockdep_reset();
	return 0;
}

static void init_pair(spinlock_t *outer, spinlock_t *inner)
{
	spin_lock_init(outer);
	spin_lock_init(inner);
}

static void inversion_is_reported(void **state)
{
	spinlock_t a, b;

	(void)state;
	init_pair(&a, &b);
	spin_lock(&a);
	spin_lock(&b);
	spin_unlock(&b);
	spin_unlock(&a);
	assert_int_equal(nr_reports, 0);
	assert_true(sim_lockdep_order_seen("outer", "inner"));

	/* No deadlock happens here: one thread. The order alone is wrong. */
	spin_lock(&b);
	spin_lock(&a);
	spin_unlock(&a);
	spin_unlock(&b);
	assert_int_equal(nr_reports, 1);
	assert_non_null(strstr(last_report, "lock order inversion"));
}

static void transitive_inversion_is_reported(void **state)
{
	spinlock_t x, y, z;
	rwlock_t rw;

	(void)state;
	spin_lock_init(&x);
	spin_lock_init(&y);
	spin_lock_init(&z);
	rwlock_init(&rw);
	write_lock(&rw);
	spin_lock(&x);
	spin_unlock(&x);
	write_unlock(&rw);
	spin_lock(&x);
	spin_lock(&y);
	spin_unlock(&y);
	spin_unlock(&x);
	assert_int_equal(nr_reports, 0);
	/* y -> rw closes rw -> x -> y. */
	spin_lock(&y);
	read_lock(&rw);
	read_unlock(&rw);
	spin_unlock(&y);
	assert_int_equal(nr_reports, 1);
	assert_non_null(strstr(last_report, "through other locks"));
}

static void recursion_needs_a_subclass(void **state)
{
	spinlock_t one, two;

	(void)state;
	/* One init site, one class: the maple tree's case. */
	for (int i = 0; i < 2; i++)
		spin_lock_init(i ? &two : &one);
	spin_lock(&one);
	spin_lock_nested(&two, SINGLE_DEPTH_NESTING);
	spin_unlock(&two);
	spin_unlock(&one);
	assert_int_equal(nr_reports, 0);

	spin_lock(&one);
	spin_lock(&two);
	spin_unlock(&two);
	spin_unlock(&one);
	assert_int_equal(nr_reports, 1);
	assert_non_null(strstr(last_report, "recursive locking"));
}

static void held_asserts(void **state)
{
	rwlock_t rw;

	(void)state;
	rwlock_init(&rw);
	read_lock(&rw);
	lockdep_assert_held(&rw);
	assert_int_equal(nr_reports, 0);
	lockdep_assert_held_write(&rw);
	assert_int_equal(nr_reports, 1);
	read_unlock(&rw);
	lockdep_assert_held(&rw);
	assert_int_equal(nr_reports, 2);
	write_lock(&rw);
	lockdep_assert_held_write(&rw);
	write_unlock(&rw);
	assert_int_equal(nr_reports, 2);
}

/* The documented order, as a world run takes the locks. */
static void revmap_order_in_a_run(void **state)
{
	struct world_config wc;
	struct gen_params gp;
	struct run_result r;

	(void)state;
	world_default(&wc);
	gen_default(&gp, 7);
	assert_int_equal(run_random(&wc, &gp, &strategy_revmap,
				    events_from_env(20000), true, &r), 0);
	assert_int_equal(nr_reports, 0);
	assert_int_equal(r.stats.violations, 0);
	assert_true(sim_lockdep_order_seen("&kvm->mmu_lock", "&mt->ma_lock"));
	assert_true(sim_lockdep_order_seen("&mt->ma_lock",
					   "&mt->ma_lock/1"));
	assert_false(sim_lockdep_order_seen("&mt->ma_lock/1",
					    "&mt->ma_lock"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(inversion_is_reported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(transitive_inversion_is_reported,
						setup, teardown),
		cmocka_unit_test_setup_teardown(recursion_needs_a_subclass,
						setup, teardown),
		cmocka_unit_test_setup_teardown(held_asserts, setup, teardown),
		cmocka_unit_test_setup_teardown(revmap_order_in_a_run, setup,
						teardown),
	};

	return nvrmap_run_tests(tests);
}

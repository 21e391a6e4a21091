// SPDX-License-Identifier: GPL-2.0
/*
 * Findings of the fuzzers (fuzz/), each kept as a test of the fixed
 * behaviour. Their inputs also stay in fuzz/regressions/, which
 * make fuzz-smoke replays.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "gen.h"
#include "tests.h"

/*
 * fuzz_events: a host range whose end wraps past 2^64 passed the "inside
 * the slot" check; the event then read far outside the slot's folio array,
 * or unmapped from its start to the end of the address space.
 */
static void host_ranges_that_wrap_are_refused(void **state)
{
	static const struct sim_event wraps[] = {
		{ .kind = EV_HOST_RECLAIM, .addr = 0x80001000,
		  .size = 0xfffffffffffff000ULL },
		{ .kind = EV_HOST_MIGRATE, .addr = 0x426a4000,
		  .size = 0xffffffffffff8000ULL },
		{ .kind = EV_HOST_DISCARD, .addr = 0x40000000,
		  .size = 0xffffffffc0000000ULL },
		{ .kind = EV_AGE, .addr = 0x80200000,
		  .size = 0xffffffffffe00000ULL },
	};
	struct world_config wc;
	struct sim_vm vm;

	(void)state;
	world_default(&wc);
	wc.vm.check = true;
	assert_int_equal(world_create(&vm, &wc, &strategy_revmap), 0);
	/* Something mapped in both slots, so that a wrong unmap would show. */
	for (u64 a = 0; a < SZ_2M; a += SZ_4K) {
		assert_int_equal(vm_l1_access(&vm, 0x40000000 + a, true), 0);
		assert_int_equal(vm_l1_access(&vm, 0x80000000 + a, true), 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(wraps); i++) {
		u64 leaves = vm.canonical_pgt.nr_leaves;

		assert_int_equal(vm_apply(&vm, &wraps[i]), -EINVAL);
		assert_int_equal(vm.canonical_pgt.nr_leaves, leaves);
	}
	assert_int_equal(vm.stats.violations, 0);
	world_destroy(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(host_ranges_that_wrap_are_refused),
	};

	return nvrmap_run_tests(tests);
}

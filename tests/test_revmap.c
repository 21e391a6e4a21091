// SPDX-License-Identifier: GPL-2.0
/*
 * The reverse map of kernel/ (R1-R6 of the design): exact canonical
 * unmaps with aliases and mixed sizes, lockstep with guest TLBIs and
 * replaced leaves, failures confined to the MMU they hit, and long
 * randomized runs under the oracle with several mixes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests.h"

#include <asm/kvm_nested_revmap.h>

#include "kshim.h"
#include "world_runs.h"

static struct sim_vm vm;

static int setup(void **state)
{
	struct world_config wc;

	/*
	 * No oracle: these leaves are installed by hand and map no host
	 * memory; check_tracking() holds the reverse map to the tables.
	 */
	world_default(&wc);
	return world_create(&vm, &wc, &strategy_revmap);
}

static int teardown(void **state)
{
	world_destroy(&vm);
	return 0;
}

static struct kvm_s2_mmu *mmu(int i)
{
	return vm.kvm.arch.nested_mmus[i];
}

/* A fault's work, by hand: install the leaf (tag = canonical), record it. */
static void map_leaf(int m, u64 canonical, u64 nested, u64 size)
{
	struct kvm_s2_mmu *s2 = mmu(m);

	/* a nested MMU in use has a valid context */
	s2->tlb_vttbr = (u64)(m + 1) << VTTBR_VMID_SHIFT;
	kvm_nested_revmap_topup(&vm.vcpus[0].vcpu);
	read_lock(&vm.kvm.mmu_lock);
	assert_int_equal(s2_map(s2->pgt, nested, size, canonical, S2_PROT_R,
				0, canonical), 0);
	kvm_nested_revmap_record(&vm.vcpus[0].vcpu, s2, canonical, nested,
				 size);
	read_unlock(&vm.kvm.mmu_lock);
}

static bool mapped(int m, u64 nested)
{
	u64 desc;

	return !s2_get_leaf(mmu(m)->pgt, nested, &desc, NULL, NULL) &&
	       s2_pte_valid(desc);
}

static void unmap_canonical(u64 start, u64 size)
{
	write_lock(&vm.kvm.mmu_lock);
	kvm_nested_revmap_unmap_canonical(&vm.kvm, start, size, true);
	write_unlock(&vm.kvm.mmu_lock);
}

/* R2: every live leaf is tracked both ways, and nothing else is. */
static void check_tracking(void)
{
	for (size_t i = 0; i < vm.kvm.arch.nested_mmus_size; i++) {
		s64 n = kvm_nested_revmap_mmu_entries(mmu(i));
		struct s2_leaf *l;
		size_t nr;

		if (n < 0)
			continue;
		assert_int_equal(n, mmu(i)->pgt->nr_leaves);
		l = s2_collect_leaves(mmu(i)->pgt, 0, ~0ULL, &nr);
		for (size_t j = 0; j < nr; j++)
			assert_true(kvm_nested_revmap_tracks(mmu(i), l[j].addr,
							     l[j].tag,
							     s2_level_size(l[j].level)));
		free(l);
	}
}

/* R1: aliases in one MMU and across MMUs, and a 4K leaf in a 2M block. */
static void exact_with_aliases_and_sizes(void **state)
{
	const u64 c2m = 0x80000000, c4k = c2m + 0x5000;

	map_leaf(0, c2m, 0x40000000, SZ_2M);	/* block */
	map_leaf(0, c4k, 0x1000, SZ_4K);	/* page inside it */
	map_leaf(0, c4k, 0x7000, SZ_4K);	/* alias, same MMU */
	map_leaf(0, c4k, 0x9000, SZ_4K);	/* and another */
	map_leaf(3, c4k, 0x1000, SZ_4K);	/* alias, other MMU */
	map_leaf(3, c2m + SZ_2M, 0x2000, SZ_4K);	/* next block: stays */
	map_leaf(5, 0x100000000ULL, 0x1000, SZ_4K);	/* elsewhere: stays */
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(0)), 4);
	assert_true(kvm_nested_revmap_tracks(mmu(0), 0x7000, c4k, SZ_4K));
	check_tracking();

	/* A page of the block that only the block maps. */
	unmap_canonical(c2m + 0x100000, SZ_4K);
	assert_false(mapped(0, 0x40000000));
	assert_true(mapped(0, 0x1000) && mapped(0, 0x7000) &&
		    mapped(0, 0x9000) && mapped(3, 0x1000));

	/* The aliased page: every alias goes, nothing else. */
	unmap_canonical(c4k, SZ_4K);
	assert_false(mapped(0, 0x1000) || mapped(0, 0x7000) ||
		     mapped(0, 0x9000) || mapped(3, 0x1000));
	assert_true(mapped(3, 0x2000) && mapped(5, 0x1000));
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(0)), 0);
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(3)), 1);
	assert_int_equal(vm.stats.full_mmu_unmaps, 0);
	check_tracking();
}

/* R2: a guest TLBI and a replacing leaf both update the reverse map. */
static void lockstep_with_tlbi_and_remap(void **state)
{
	map_leaf(1, 0x80000000, 0x200000, SZ_2M);
	map_leaf(1, 0x80400000, 0x10000, SZ_4K);
	map_leaf(1, 0x80401000, 0x11000, SZ_4K);

	/* TLBI of one nested page: its entry goes, the rest stays. */
	write_lock(&vm.kvm.mmu_lock);
	kvm_nested_revmap_unmap_nested(mmu(1), 0x10000, SZ_4K, true);
	write_unlock(&vm.kvm.mmu_lock);
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(1)), 2);
	assert_false(kvm_nested_revmap_tracks(mmu(1), 0x10000, 0x80400000,
					      SZ_4K));
	check_tracking();

	/*
	 * A page mapped into the 2M nested block with the block's offset (a
	 * split for dirty logging) replaces the block in the reverse map.
	 */
	map_leaf(1, 0x80003000, 0x203000, SZ_4K);
	assert_false(kvm_nested_revmap_tracks(mmu(1), 0x200000, 0x80000000,
					      SZ_2M));
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(1)), 2);
	check_tracking();
	unmap_canonical(0x80003000, SZ_4K);
	assert_false(mapped(1, 0x203000));
	assert_true(mapped(1, 0x11000));
	assert_int_equal(vm.stats.full_mmu_unmaps, 0);

	/*
	 * Another canonical page over nested 0x11000 with no TLBI between:
	 * only vCPUs racing to install different leaves under the read lock
	 * get here, and which leaf won is not known. The MMU's mappings
	 * become unknown, and the next canonical unmap takes it whole.
	 */
	map_leaf(1, 0x90000000, 0x11000, SZ_4K);
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(1)), -1);
	unmap_canonical(0xa0000000, SZ_4K);
	assert_false(mapped(1, 0x11000));
	assert_int_equal(vm.stats.full_mmu_unmaps, 1);
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(1)), 0);
}

/* R3: a failed recording costs a full unmap of that MMU only, once. */
static void failure_confined_to_its_mmu(void **state)
{
	map_leaf(2, 0x80000000, 0x1000, SZ_4K);
	map_leaf(4, 0x80001000, 0x1000, SZ_4K);

	/* An alias needs a descriptor, and the vCPU has none prepared. */
	kvm_nested_revmap_free_cache(&vm.vcpus[0].vcpu);
	read_lock(&vm.kvm.mmu_lock);
	s2_map(mmu(2)->pgt, 0x300000, SZ_4K, 0x80000000, S2_PROT_R, 0,
	       0x80000000);
	kvm_nested_revmap_record(&vm.vcpus[0].vcpu, mmu(2), 0x80000000,
				 0x300000, SZ_4K);
	read_unlock(&vm.kvm.mmu_lock);
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(2)), -1);

	/* A canonical unmap nobody maps: MMU 2 goes whole, MMU 4 stays. */
	unmap_canonical(0xa0000000, SZ_4K);
	assert_int_equal(vm.stats.full_mmu_unmaps, 1);
	assert_false(mapped(2, 0x1000) || mapped(2, 0x300000));
	assert_true(mapped(4, 0x1000));

	/* Tracking restarted: exact again, no more fallbacks. */
	map_leaf(2, 0x80000000, 0x1000, SZ_4K);
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(2)), 1);
	unmap_canonical(0xa0000000, SZ_4K);
	assert_int_equal(vm.stats.full_mmu_unmaps, 1);
	check_tracking();
}

/* R6: write-protect and aging act on exactly the leaves of the range. */
static void wp_and_age_are_exact(void **state)
{
	u64 desc;

	map_leaf(6, 0x80000000, 0x1000, SZ_4K);
	map_leaf(6, 0x80001000, 0x2000, SZ_4K);
	s2_relax_perms(mmu(6)->pgt, 0x1000, S2_PROT_W);
	s2_relax_perms(mmu(6)->pgt, 0x2000, S2_PROT_W);

	write_lock(&vm.kvm.mmu_lock);
	kvm_nested_revmap_wp(&vm.kvm, 0x80000000, SZ_4K);
	assert_true(kvm_nested_revmap_age(&vm.kvm, 0x80001000, SZ_4K, true));
	assert_false(kvm_nested_revmap_age(&vm.kvm, 0x80001000, SZ_4K, true));
	assert_false(kvm_nested_revmap_age(&vm.kvm, 0x90000000, SZ_2M, true));
	write_unlock(&vm.kvm.mmu_lock);

	s2_get_leaf(mmu(6)->pgt, 0x1000, &desc, NULL, NULL);
	assert_false(desc & S2_PTE_S2AP_W);
	s2_get_leaf(mmu(6)->pgt, 0x2000, &desc, NULL, NULL);
	assert_true(desc & S2_PTE_S2AP_W);
	assert_false(desc & S2_PTE_AF);
}

/* R7: misaligned input is refused loudly and costs only precision. */
static void misaligned_input_marks_unknown(void **state)
{
	map_leaf(7, 0x80000000, 0x200000, SZ_2M);
	kvm_nested_revmap_topup(&vm.vcpus[0].vcpu);
	read_lock(&vm.kvm.mmu_lock);
	kvm_nested_revmap_record(&vm.vcpus[0].vcpu, mmu(7), 0x80001000,
				 0x400000, SZ_2M);
	read_unlock(&vm.kvm.mmu_lock);
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(7)), -1);
	unmap_canonical(0xa0000000, SZ_4K);
	assert_false(mapped(7, 0x200000));
	assert_int_equal(kvm_nested_revmap_mmu_entries(mmu(7)), 0);
}

static void assert_exact(const struct run_result *r)
{
	assert_int_equal(r->stats.host_zapped, r->stats.host_needed);
	assert_int_equal(r->counters.fallbacks, 0);
	assert_int_equal(r->counters.failures, 0);
	/* coverage: host events did hit leaves (short runs may not) */
	if (r->stats.events >= 100000)
		assert_true(r->stats.host_needed > 0);
}

static void random_mix(const char *name, u64 seed, u64 events)
{
	struct world_config wc;
	struct gen_params gp;
	struct run_result r;

	assert_int_equal(gen_mix(name, seed, &wc, &gp), 0);
	r = run_mix(&wc, &gp, &strategy_revmap, events);
	assert_exact(&r);
	if (!strcmp(name, "tlbi-heavy"))
		assert_true(r.stats.tlbis > r.stats.events / 20);
	if (!strcmp(name, "recycling-heavy"))
		assert_true(r.stats.recycles > events / 200);
	if (!strcmp(name, "default"))
		assert_true(r.stats.guest_zapped > 0 && r.stats.recycles > 0 &&
			    r.stats.young > 0 && r.stats.wp_leaves > 0);
}

/* The default mix at full length, every other named mix at a fifth. */
static void random_mixes(void **state)
{
	u64 events = events_from_env(1000000);

	for (int i = 0; gen_mix_names[i]; i++)
		random_mix(gen_mix_names[i], 40 + i,
			   i ? events / 5 : events);
}

/* R3 at 10/50/100% failing allocations: safe, and fallbacks happen. */
static void random_with_failures(void **state)
{
	static const unsigned int pct[] = { 10, 50, 100 };
	/* aliases too: a failed index removal must keep its alias set */
	static const char *const mix[] = {
		"default", "alias-heavy", "tlbi-heavy",
	};

	for (int i = 0; i < 3; i++) {
		struct world_config wc;
		struct gen_params gp;
		struct run_result r;

		assert_int_equal(gen_mix(mix[i], 12 + i, &wc, &gp), 0);
		wc.vm.fail_pct = pct[i];
		wc.vm.fail_seed = 11 + i;
		r = run_mix(&wc, &gp, &strategy_revmap,
			    events_from_env(1000000) / 5);
		assert_falls_back(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(exact_with_aliases_and_sizes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(lockstep_with_tlbi_and_remap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(failure_confined_to_its_mmu,
						setup, teardown),
		cmocka_unit_test_setup_teardown(wp_and_age_are_exact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(misaligned_input_marks_unknown,
						setup, teardown),
		cmocka_unit_test(random_mixes),
		cmocka_unit_test(random_with_failures),
	};
	return nvrmap_run_tests(tests);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The "pagearray" peer (the x86 shadow-MMU rmap design): safe and exact
 * over a long randomized run, one host unmap for every alias of a page,
 * the 1000-entry cap, a lost descriptor allocation, and what it costs in
 * memory per live mapping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests.h"

#include "host_mem.h"
#include "run.h"

extern const struct rmap_strategy strategy_pagearray;

#define DESC_BYTES	128
#define DESC_ENTRIES	14
#define CAP		1000	/* x86's RMAP_RECYCLE_THRESHOLD */

static struct sim_vm vm;

/* ------------------------------------------------------------------ */
/* Memory: what the figure must be, from the world alone               */

struct mem_figure {
	u64 live;		/* live shadow leaves */
	u64 total;		/* mem_bytes() */
	u64 heads;		/* 8 bytes per page of each size per slot */
	u64 gfn_arrays;		/* 4 KiB per shadow table page */
	u64 descs;		/* the rest: descriptors */
	u64 desc_min;		/* ceil(n / 14) per head of n >= 2 */
	u64 desc_max;		/* + one per head of 1 (may keep its desc) */
	u64 aliased;		/* leaves sharing their canonical block */
	u64 max_alias;
	u64 slot_pages;		/* 4K pages in all memslots */
};

struct keys {
	u64 *k;
	u64 nr, cap;
};

static int key_visitor(const struct s2_visit_ctx *ctx,
		       enum s2_walk_flags visit)
{
	struct keys *ks = ctx->arg;

	if (!s2_pte_valid(ctx->old))
		return 0;
	if (ks->nr == ks->cap) {
		ks->cap = ks->cap ? 2 * ks->cap : 4096;
		ks->k = realloc(ks->k, ks->cap * sizeof(*ks->k));
		assert_non_null(ks->k);
	}
	/* The test may read the harness's tags: canonical block | level */
	ks->k[ks->nr++] = *ctx->tagp | ctx->level;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 expected_head_bytes(struct sim_vm *v)
{
	u64 bytes = 0;

	for (unsigned int i = 0; i < v->cfg.nr_slots; i++) {
		u64 base = v->slots[i].base, last = base + v->slots[i].size - 1;

		for (unsigned int shift = 12; shift <= 30; shift += 9)
			bytes += 8 * ((last >> shift) - (base >> shift) + 1);
	}
	return bytes;
}

/* ------------------------------------------------------------------ */
/* The strategy, watched: did the oracle's R2 checks really ask?       */

static u64 entries_calls, entries_unknown, tracks_calls, tracks_false;
static s64 entries_skew;	/* added to every non-zero answer */
/* From mem_bytes(), called after every event: descriptors in use. */
static u64 peak_descs, peak_live, peak_live_bytes, odd_figures;

static s64 watched_mmu_entries(struct kvm_s2_mmu *mmu)
{
	s64 n = strategy_pagearray.mmu_entries(mmu);

	entries_calls++;
	if (n < 0)
		entries_unknown++;
	return n > 0 ? n + entries_skew : n;
}

static bool watched_tracks(struct kvm_s2_mmu *mmu, gpa_t nested,
			   gpa_t canonical, u64 size)
{
	bool t = strategy_pagearray.tracks(mmu, nested, canonical, size);

	tracks_calls++;
	tracks_false += !t;
	return t;
}

static u64 watched_mem_bytes(struct kvm *kvm)
{
	struct sim_vm *v = kvm_to_vm(kvm);
	u64 total = strategy_pagearray.mem_bytes(kvm);
	u64 fixed = expected_head_bytes(v), live = 0;

	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		fixed += v->nested_pgt[i].nr_tables * 4096;
		live += v->nested_pgt[i].nr_leaves;
	}
	if (total < fixed || (total - fixed) % DESC_BYTES)
		odd_figures++;
	else
		peak_descs = max(peak_descs, (total - fixed) / DESC_BYTES);
	if (live > peak_live) {
		peak_live = live;
		peak_live_bytes = total;
	}
	return total;
}

static struct rmap_strategy watched(s64 skew)
{
	struct rmap_strategy s = strategy_pagearray;

	entries_calls = entries_unknown = tracks_calls = tracks_false = 0;
	peak_descs = peak_live = peak_live_bytes = odd_figures = 0;
	entries_skew = skew;
	s.mmu_entries = watched_mmu_entries;
	s.tracks = watched_tracks;
	s.mem_bytes = watched_mem_bytes;
	return s;
}

static void measure(struct sim_vm *v, struct mem_figure *m)
{
	struct keys ks = { 0 };
	struct s2_walker w = {
		.cb = key_visitor, .arg = &ks, .flags = S2_WALK_LEAF,
	};

	*m = (struct mem_figure){ 0 };
	for (size_t i = 0; i < v->kvm.arch.nested_mmus_size; i++) {
		s2_pgt_walk(&v->nested_pgt[i], 0, ~0ULL, &w);
		m->live += v->nested_pgt[i].nr_leaves;
		m->gfn_arrays += v->nested_pgt[i].nr_tables * 4096;
	}
	assert_int_equal(ks.nr, m->live);
	qsort(ks.k, ks.nr, sizeof(*ks.k), cmp_u64);
	for (u64 i = 0, j; i < ks.nr; i = j) {
		u64 n;

		for (j = i; j < ks.nr && ks.k[j] == ks.k[i]; j++)
			;
		n = j - i;
		if (n == 1) {
			m->desc_max++;
			continue;
		}
		m->desc_min += DIV_ROUND_UP(n, DESC_ENTRIES);
		m->desc_max += DIV_ROUND_UP(n, DESC_ENTRIES);
		m->aliased += n;
		m->max_alias = max(m->max_alias, n);
	}
	free(ks.k);
	for (unsigned int i = 0; i < v->cfg.nr_slots; i++)
		m->slot_pages += v->slots[i].size >> 12;
	m->total = v->strat->mem_bytes(&v->kvm);
	m->heads = expected_head_bytes(v);
	assert_true(m->total >= m->heads + m->gfn_arrays);
	m->descs = m->total - m->heads - m->gfn_arrays;
}

/* ------------------------------------------------------------------ */
/* A long run that keeps the world until it has been looked at         */

struct long_run {
	struct sim_stats stats;
	struct rmap_counters c;
	struct mem_figure mem;
	u64 errors, vcpu_errors;
};

static void long_run(const struct rmap_strategy *s, u64 events, u64 seed,
		     bool check, struct long_run *out)
{
	struct run_result step = { 0 };
	struct world_config wc;
	struct gen_params gp;
	struct gen g;

	world_default(&wc);
	wc.vm.check = check;
	gen_default(&gp, seed);
	assert_int_equal(world_create(&vm, &wc, s), 0);
	gen_init(&g, &vm, &gp);
	*out = (struct long_run){ 0 };
	for (u64 i = 0; i < events; i++)
		run_step(&vm, &g, &step);
	out->errors = step.errors;
	out->vcpu_errors = step.vcpu_errors;
	if (vm.oracle)
		oracle_audit(vm.oracle);
	out->stats = vm.stats;
	s->counters(&vm.kvm, &out->c);
	measure(&vm, &out->mem);
	world_destroy(&vm);
}

/* 1. Randomized world: safe, no collateral, exact per MMU. */
static void random_world_is_exact(void **state)
{
	u64 events = events_from_env(1000000);
	struct rmap_strategy s = watched(0);
	struct long_run r;

	long_run(&s, events, 42, true, &r);
	print_message("# pagearray: %llu events, %llu shadow faults, %llu host zapped (%llu needed), %llu guest zapped, %llu wp leaves, %llu violations\n",
		      (unsigned long long)r.stats.events,
		      (unsigned long long)r.stats.shadow_faults,
		      (unsigned long long)r.stats.host_zapped,
		      (unsigned long long)r.stats.host_needed,
		      (unsigned long long)r.stats.guest_zapped,
		      (unsigned long long)r.stats.wp_leaves,
		      (unsigned long long)r.stats.violations);
	print_message("# pagearray: %llu recycles, at most %llu live mappings and %llu descriptors at once\n",
		      (unsigned long long)r.stats.recycles,
		      (unsigned long long)peak_live,
		      (unsigned long long)peak_descs);
	assert_int_equal(r.stats.events, events);
	assert_int_equal(r.stats.violations, 0);
	assert_int_equal(r.vcpu_errors, 0);
	/* Exactly the leaves over each host range, nothing else. */
	assert_int_equal(r.stats.host_zapped, r.stats.host_needed);
	/* Exactly the writable leaves over each range are write-protected. */
	assert_int_equal(r.stats.wp_leaves, r.stats.wp_needed);
	assert_int_equal(r.c.fallbacks, 0);
	assert_int_equal(r.c.failures, 0);
	/* The run must exercise what the oracle checks. */
	assert_true(r.stats.shadow_faults > events / 20);
	assert_true(r.stats.host_zapped > 0);
	assert_true(r.stats.guest_zapped > 0);
	assert_true(r.stats.wp_leaves > 0);
	assert_true(r.stats.recycles > 0);
	assert_true(r.stats.young > 0);
	/* After every event, mem_bytes() was heads + gfn arrays + descs. */
	assert_int_equal(odd_figures, 0);
	/*
	 * R2 ran: the oracle asked every MMU after every event and never got
	 * "unknown", and the audits asked leaf by leaf and got yes.
	 */
	assert_true(entries_calls >= events * 8);
	assert_int_equal(entries_unknown, 0);
	assert_true(tracks_calls > 0);
	assert_int_equal(tracks_false, 0);
}

/* The R2 check bites: one entry too many per MMU is reported at once. */
static void oracle_catches_a_miscount(void **state)
{
	struct rmap_strategy s = watched(1);
	struct long_run r;

	long_run(&s, 20000, 7, true, &r);
	assert_true(r.stats.violations > 0);
}

/* ------------------------------------------------------------------ */
/* Hand-built worlds                                                   */

/* One vCPU (two nested MMUs), L2 memory from the 4K-backed slot. */
static int setup(void **state)
{
	struct world_config wc;

	world_default(&wc);
	wc.vm.nr_vcpus = 1;
	wc.vm.check = true;
	wc.l1.pool_base = 4ULL * SZ_1G;
	wc.l1.pool_size = 2ULL * SZ_1G;
	return world_create(&vm, &wc, &strategy_pagearray);
}

static int teardown(void **state)
{
	world_destroy(&vm);
	return 0;
}

static void apply(struct sim_event ev)
{
	assert_int_equal(vm_apply(&vm, &ev), 0);
}

/* ctx 0 and 3 have the 4K granule (granules go 4K, 16K, 64K). */
static struct kvm_s2_mmu *enter(int ctx)
{
	apply((struct sim_event){ .kind = EV_SWITCH, .vcpu = 0, .ctx = ctx });
	return vm.vcpus[0].vcpu.arch.hw_mmu;
}

static void touch(u64 nested, bool write)
{
	apply((struct sim_event){ .kind = EV_L2_ACCESS, .vcpu = 0,
				  .addr = nested, .write = write });
}

/* L1's KSM: (ctx2, n2) now shares the L1 page behind (ctx, n). */
static void l1_merge(int ctx, u64 n, int ctx2, u64 n2)
{
	apply((struct sim_event){ .kind = EV_L1_KSM, .ctx = ctx, .addr = n,
				  .ctx2 = ctx2, .addr2 = n2 });
}

static bool mapped(struct kvm_s2_mmu *mmu, u64 nested, u64 *canonical)
{
	u64 desc, tag;

	if (s2_get_leaf(mmu->pgt, nested, &desc, NULL, &tag) ||
	    !s2_pte_valid(desc))
		return false;
	if (canonical)
		*canonical = tag;
	return true;
}

static void assert_exact(void)
{
	for (size_t i = 0; i < vm.kvm.arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = vm.kvm.arch.nested_mmus[i];

		assert_int_equal(strategy_pagearray.mmu_entries(mmu),
				 mmu->pgt->nr_leaves);
	}
}

/* Descriptors in use, from mem_bytes() less the fixed parts. */
static u64 descs_in_use(void)
{
	u64 fixed = expected_head_bytes(&vm), total;

	for (size_t i = 0; i < vm.kvm.arch.nested_mmus_size; i++)
		fixed += vm.nested_pgt[i].nr_tables * 4096;
	total = strategy_pagearray.mem_bytes(&vm.kvm);
	assert_true(total >= fixed);
	assert_int_equal((total - fixed) % DESC_BYTES, 0);
	return (total - fixed) / DESC_BYTES;
}

/* 2. Three nested pages, two MMUs, one canonical page: one host unmap. */
static void aliases_go_with_one_host_unmap(void **state)
{
	const u64 a = 0x10000, a2 = 0x234000, x = 0x400000;
	const u64 b = 0x50000, y = 0x600000;
	struct kvm_s2_mmu *m0, *m1;
	u64 c = 0, ca2 = 0, cb = 0, cx = 0, cy = 0, zapped, needed, l0, l1;
	struct rmap_counters cnt;

	m0 = enter(0);
	touch(a, true);
	touch(a2, true);
	m1 = enter(3);
	assert_ptr_not_equal(m0, m1);
	touch(b, true);

	/* L1 merges b (ctx 3) and a2 (ctx 0) into a (ctx 0). */
	l1_merge(0, a, 3, b);
	l1_merge(0, a, 0, a2);
	touch(b, false);
	touch(y, true);
	assert_ptr_equal(enter(0), m0);
	touch(a, false);
	touch(a2, false);
	touch(x, true);

	assert_true(mapped(m0, a, &c));
	assert_true(mapped(m0, a2, &ca2));
	assert_true(mapped(m1, b, &cb));
	assert_true(mapped(m0, x, &cx));
	assert_true(mapped(m1, y, &cy));
	assert_int_equal(ca2, c);
	assert_int_equal(cb, c);
	assert_int_not_equal(cx, c);
	assert_int_not_equal(cy, c);
	assert_true(strategy_pagearray.tracks(m0, a, c, SZ_4K));
	assert_true(strategy_pagearray.tracks(m0, a2, c, SZ_4K));
	assert_true(strategy_pagearray.tracks(m1, b, c, SZ_4K));
	assert_exact();
	/* One head of three: one descriptor; every other head is inline. */
	assert_int_equal(descs_in_use(), 1);

	zapped = vm.stats.host_zapped;
	needed = vm.stats.host_needed;
	l0 = m0->pgt->nr_leaves;
	l1 = m1->pgt->nr_leaves;
	apply((struct sim_event){ .kind = EV_HOST_RECLAIM, .addr = c,
				  .size = SZ_4K });

	/* All three aliases went, in both MMUs, and nothing else. */
	assert_int_equal(vm.stats.host_zapped - zapped, 3);
	assert_int_equal(vm.stats.host_needed - needed, 3);
	assert_false(mapped(m0, a, NULL));
	assert_false(mapped(m0, a2, NULL));
	assert_false(mapped(m1, b, NULL));
	assert_true(mapped(m0, x, NULL));
	assert_true(mapped(m1, y, NULL));
	assert_int_equal(m0->pgt->nr_leaves, l0 - 2);
	assert_int_equal(m1->pgt->nr_leaves, l1 - 1);
	assert_int_equal(vm.stats.full_mmu_unmaps, 0);
	assert_false(strategy_pagearray.tracks(m0, a, c, SZ_4K));
	assert_false(strategy_pagearray.tracks(m1, b, c, SZ_4K));
	assert_exact();
	assert_int_equal(descs_in_use(), 0);
	strategy_pagearray.counters(&vm.kvm, &cnt);
	assert_int_equal(cnt.fallbacks, 0);
	assert_int_equal(vm.stats.violations, 0);

	/* Touched again, the page comes back from the host: still exact. */
	touch(a, false);
	assert_true(mapped(m0, a, NULL));
	assert_exact();
	assert_int_equal(vm.stats.violations, 0);
}

/* More than 1000 mappings of one page: the head is zapped, then reused. */
static void cap_zaps_the_head(void **state)
{
	const u64 a = 0x10000, extra = 100;
	const u64 n = CAP + 1 + extra;	/* aliases recorded after a's */
	struct kvm_s2_mmu *m;
	struct rmap_counters cnt;
	u64 c = 0, cb = 0, guest_zapped;

	m = enter(0);
	touch(a, true);
	assert_true(mapped(m, a, &c));
	for (u64 i = 1; i <= n; i++) {
		u64 b = a + i * SZ_4K;

		touch(b, true);
		l1_merge(0, a, 0, b);
		guest_zapped = vm.stats.guest_zapped;
		touch(b, false);
		assert_true(mapped(m, b, &cb));
		assert_int_equal(cb, c);
		strategy_pagearray.counters(&vm.kvm, &cnt);
		/*
		 * a's own leaf went read-only at the first merge (TLBI), so
		 * the head holds b_1 .. b_i; recording b_1002 finds 1001.
		 */
		assert_int_equal(cnt.fallbacks, i > CAP + 1);
		if (i == CAP + 1)	/* 1001 entries: 72 full + 1 */
			assert_int_equal(descs_in_use(),
					 DIV_ROUND_UP(CAP + 1, DESC_ENTRIES));
		if (i == CAP + 2) {
			assert_int_equal(vm.stats.guest_zapped - guest_zapped,
					 CAP + 1);
			/* zapped, then b_1002 went in inline */
			assert_int_equal(descs_in_use(), 0);
		}
		assert_exact();
	}
	/* The first 1001 aliases are gone, the ones after are tracked. */
	assert_false(mapped(m, a + SZ_4K, NULL));
	assert_false(mapped(m, a + (CAP + 1) * SZ_4K, NULL));
	assert_true(strategy_pagearray.tracks(m, a + n * SZ_4K, c, SZ_4K));
	assert_true(mapped(m, a + (CAP + 2) * SZ_4K, NULL));
	assert_int_equal(cnt.failures, 0);
	assert_int_equal(vm.stats.violations, 0);
}

/*
 * A record that finds no descriptor (the cache was not topped up, and the
 * atomic allocation fails: failure injection in that call): the MMU is
 * handled whole from then on, so the untracked leaf still goes with its
 * page.
 */
static void lost_record_is_safe(void **state)
{
	const u64 a = 0x10000, n = 0x800000;
	struct kvm_vcpu *vcpu = &vm.vcpus[0].vcpu;
	struct rmap_counters cnt;
	struct kvm_s2_mmu *m;
	u64 c = 0;

	m = enter(0);
	touch(a, true);
	assert_true(mapped(m, a, &c));
	assert_false(mapped(m, n, NULL));

	strategy_pagearray.vcpu_destroy(vcpu);
	read_lock(&vm.kvm.mmu_lock);
	enter_failing(ALLOC_SITE_RECORD);
	strategy_pagearray.record(vcpu, m, c, n, SZ_4K);
	leave_failing();
	assert_int_equal(s2_map(m->pgt, n, SZ_4K,
				frame_pa(vm_page_pfn(&vm, c)), S2_PROT_R, 3,
				c), 0);
	read_unlock(&vm.kvm.mmu_lock);

	strategy_pagearray.counters(&vm.kvm, &cnt);
	assert_int_equal(cnt.failures, 1);
	assert_int_equal(strategy_pagearray.mmu_entries(m), -1);

	apply((struct sim_event){ .kind = EV_HOST_RECLAIM, .addr = c,
				  .size = SZ_4K });
	assert_false(mapped(m, a, NULL));
	assert_false(mapped(m, n, NULL));
	strategy_pagearray.counters(&vm.kvm, &cnt);
	assert_int_equal(cnt.fallbacks, 1);
	/* Emptied: tracked exactly again. */
	assert_int_equal(strategy_pagearray.mmu_entries(m), 0);
	assert_int_equal(m->pgt->nr_leaves, 0);
	touch(a, false);
	assert_exact();
	assert_int_equal(vm.stats.violations, 0);
}

/* 3. Bytes per live mapping at the end of a long run. */
static void memory_per_mapping(void **state)
{
	u64 events = events_from_env(1000000);
	struct rmap_strategy s = watched(0);
	struct long_run r;
	struct mem_figure *m = &r.mem;
	double per;

	long_run(&s, events, 43, false, &r);
	assert_true(m->live > 0);
	per = (double)m->total / m->live;
	print_message("# pagearray: %llu live mappings (%llu aliased, at most %llu per page): %.1f bytes each = heads %.1f + gfn arrays %.1f + descriptors %.1f (%llu B total)\n",
		      (unsigned long long)m->live,
		      (unsigned long long)m->aliased,
		      (unsigned long long)m->max_alias, per,
		      (double)m->heads / m->live,
		      (double)m->gfn_arrays / m->live,
		      (double)m->descs / m->live,
		      (unsigned long long)m->total);
	print_message("# pagearray: at the peak of %llu live mappings: %.1f bytes each; at most %llu descriptors in use\n",
		      (unsigned long long)peak_live,
		      (double)peak_live_bytes / peak_live,
		      (unsigned long long)peak_descs);

	/*
	 * The figure, derived from the design: the head arrays are fixed at
	 * 8 bytes per 4K, 2M and 1G page of every memslot, i.e. 8 bytes per
	 * 4 KiB of memslot and 1/512 + 1/2^18 more (plus one head per level
	 * and slot for unaligned ends); the gfn arrays are 4 KiB per shadow
	 * table; and the descriptors are exactly ceil(n / 14) per head
	 * holding n >= 2 mappings, plus at most one per head that is down to
	 * one mapping (x86 does not fold it back into the head).
	 */
	assert_int_equal(m->descs % DESC_BYTES, 0);
	assert_in_range(m->descs / DESC_BYTES, m->desc_min, m->desc_max);
	assert_true(m->heads >= 8 * m->slot_pages);
	assert_true(m->heads <= 8 * (m->slot_pages + m->slot_pages / 256 +
				     3 * SIM_MAX_SLOTS));
	/* So: per mapping, the fixed heads, the tables, and <= 128 B. */
	assert_true(per <= (8.0 * m->slot_pages * (1 + 1.0 / 256) +
			    3 * 8 * SIM_MAX_SLOTS + m->gfn_arrays) / m->live +
			   DESC_BYTES);
	assert_true(per >= 8.0 * m->slot_pages / m->live);
	assert_int_equal(r.c.failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_world_is_exact),
		cmocka_unit_test(oracle_catches_a_miscount),
		cmocka_unit_test_setup_teardown(aliases_go_with_one_host_unmap,
						setup, teardown),
		cmocka_unit_test_setup_teardown(cap_zaps_the_head, setup,
						teardown),
		cmocka_unit_test_setup_teardown(lost_record_is_safe, setup,
						teardown),
		cmocka_unit_test(memory_per_mapping),
	};
	return nvrmap_run_tests(tests);
}

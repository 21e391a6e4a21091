// SPDX-License-Identifier: GPL-2.0
/*
 * "seed": v2 of the public series "KVM: arm64: nv: Implement nested
 * stage-2 reverse map" (April 2026), as posted, before review.
 *
 * Each nested MMU has a maple tree keyed by canonical IPA range. A new
 * shadow leaf stores its nested IPA under its canonical block; a block that
 * overlaps anything already in the tree turns the overlapped ranges and
 * itself into one span whose nested IPAs are unknown. A canonical unmap
 * erases the entries it meets and unmaps their nested ranges, or resets the
 * MMU (empty tree, full unmap) on an unknown span or after a failed store.
 * Guest TLBIs do not touch the tree: entries outlive the leaves they stood
 * for, which is what the review of v2 pointed out.
 *
 * Where v2 keeps the tree and its "broken" flag in struct kvm_s2_mmu, this
 * model keeps them in mmu->peer; the harness-only counters sit beside them.
 */
#include <errno.h>

#include <linux/slab.h>
#include <urcu/uatomic.h>

#include "kshim.h"
#include "maple_nodes.h"
#include "strategies_seed.h"

/* v2's additions to struct kvm_s2_mmu, and the harness's bookkeeping. */
struct seed_revmap {
	struct maple_tree mt;		/* nested_revmap_mt */
	bool broken;			/* nested_revmap_broken */
	/* Harness only: nodes in mt, recounted when the tree changed. */
	bool nodes_stale;
	unsigned long nodes;
};

/* Bytes v2 adds to each kvm_s2_mmu (padding aside). */
#define SEED_MMU_BYTES	(sizeof(struct maple_tree) + sizeof(bool))

/* Harness only: per-VM counters. */
struct seed_vm {
	struct seed_stats st;
};

static inline u64 seed_entry(void *p)
{
	return (u64)(unsigned long)p;
}

static inline void *seed_value(u64 v)
{
	return (void *)(unsigned long)v;
}

static void seed_trace_visit(struct seed_trace *trace,
			     const struct ma_state *mas, u64 entry)
{
	if (!trace)
		return;
	if (trace->nr < SEED_TRACE_MAX) {
		trace->visit[trace->nr].index = mas->index;
		trace->visit[trace->nr].last = mas->last;
		trace->visit[trace->nr].entry = entry;
	}
	trace->nr++;
}

/* mas_find_range(), noting what it returned when a trace is wanted. */
static u64 seed_find(struct ma_state *mas, unsigned long max,
		     struct seed_trace *trace)
{
	u64 entry = seed_entry(mas_find_range(mas, max));

	seed_trace_visit(trace, mas, entry);
	return entry;
}

/*
 * kvm_record_nested_revmap() of v2. The first mas_find_range() returns the
 * first entry at or after @ipa; each later call returns the next range,
 * gap or entry, so the loop that widens the span stops at the first gap.
 * The store over [start, end] still overwrites whatever lies past that gap
 * inside the span; only a range reaching past @end is cut, not absorbed.
 */
enum seed_record_result seed_record_range(struct maple_tree *mt, bool *broken,
					  gpa_t ipa, gpa_t fault_ipa,
					  u64 map_size,
					  struct seed_trace *trace)
{
	unsigned long start = ipa;
	unsigned long end = ipa + map_size - 1;
	enum seed_record_result ret;
	u64 entry, new_entry = 0;
	MA_STATE(mas, mt, start, end);

	if (*broken)
		return SEED_RECORD_SKIPPED;

	mtree_lock(mt);
	entry = seed_find(&mas, end, trace);

	if (entry) {
		/* The same leaf again (a permission change): nothing new. */
		if (!(entry & SEED_UNKNOWN_IPA) && mas.index == start &&
		    mas.last == end &&
		    fault_ipa == (entry & SEED_NESTED_IPA_MASK)) {
			ret = SEED_RECORD_SAME;
			goto unlock;
		}
		/* One unknown span over everything the loop meets. */
		while (entry && mas.index <= end) {
			start = min(mas.index, start);
			end = max(mas.last, end);
			entry = seed_find(&mas, end, trace);
		}
		new_entry |= SEED_UNKNOWN_IPA;
		ret = SEED_RECORD_UNKNOWN;
	} else {
		new_entry |= fault_ipa;
		new_entry |= SEED_VALID_ENTRY;
		ret = SEED_RECORD_EXACT;
	}

	mas_set_range(&mas, start, end);
	if (mas_store_gfp(&mas, seed_value(new_entry),
			  GFP_NOWAIT | __GFP_ACCOUNT)) {
		*broken = true;
		ret = SEED_RECORD_FAILED;
	}
unlock:
	mtree_unlock(mt);
	return ret;
}

struct maple_tree *seed_mmu_tree(struct kvm_s2_mmu *mmu)
{
	struct seed_revmap *rm = mmu->peer;

	return rm ? &rm->mt : NULL;
}

bool seed_mmu_broken(struct kvm_s2_mmu *mmu)
{
	struct seed_revmap *rm = mmu->peer;

	return rm && rm->broken;
}

void seed_get_stats(struct kvm *kvm, struct seed_stats *st)
{
	struct seed_vm *sv = kvm->arch.peer;

	*st = sv ? sv->st : (struct seed_stats){ 0 };
}

static void seed_vm_destroy(struct kvm *kvm)
{
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];
		struct seed_revmap *rm = mmu->peer;

		if (!rm)
			continue;
		mtree_destroy(&rm->mt);
		kfree(rm);
		mmu->peer = NULL;
	}
	kfree(kvm->arch.peer);
	kvm->arch.peer = NULL;
}

/* kvm_init_nested_s2_mmu() of v2: an empty tree, not broken. */
static int seed_vm_init(struct kvm *kvm)
{
	kvm->arch.peer = kzalloc(sizeof(struct seed_vm), GFP_KERNEL_ACCOUNT);
	if (!kvm->arch.peer)
		return -ENOMEM;
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];
		struct seed_revmap *rm = kzalloc(sizeof(*rm),
						 GFP_KERNEL_ACCOUNT);

		if (!rm) {
			seed_vm_destroy(kvm);
			return -ENOMEM;
		}
		mt_init(&rm->mt);
		rm->broken = false;
		mmu->peer = rm;
	}
	return 0;
}

static void seed_record(struct kvm_vcpu *vcpu, struct kvm_s2_mmu *mmu,
			gpa_t canonical, gpa_t nested, u64 size)
{
	struct seed_vm *sv = vcpu->kvm->arch.peer;
	struct seed_revmap *rm = mmu->peer;
	struct seed_stats *st = &sv->st;

	lockdep_assert_held(&vcpu->kvm->mmu_lock);
	switch (seed_record_range(&rm->mt, &rm->broken, canonical, nested,
				  size, NULL)) {
	case SEED_RECORD_SKIPPED:
		uatomic_inc(&st->skipped);
		return;
	case SEED_RECORD_SAME:
		uatomic_inc(&st->same);
		return;
	case SEED_RECORD_EXACT:
		uatomic_inc(&st->exact);
		break;
	case SEED_RECORD_UNKNOWN:
		uatomic_inc(&st->unknown);
		break;
	case SEED_RECORD_FAILED:
		uatomic_inc(&st->store_failures);
		break;
	}
	WRITE_ONCE(rm->nodes_stale, true);
}

/* reset_revmap_and_unmap() of v2. */
static void seed_reset_and_unmap(struct kvm_s2_mmu *mmu, bool may_block)
{
	struct seed_revmap *rm = mmu->peer;

	mtree_destroy(&rm->mt);
	kvm_stage2_unmap_range(mmu, 0, kvm_phys_size(mmu), may_block);
	rm->broken = false;
	WRITE_ONCE(rm->nodes_stale, true);
}

/*
 * unmap_mmu_ipa_range() of v2, with the early returns the review asked
 * for in place of its unlock/fallback booleans (same behaviour).
 */
static void seed_unmap_mmu_range(struct seed_vm *sv, struct kvm_s2_mmu *mmu,
				 gpa_t gpa, u64 unmap_size, bool may_block)
{
	struct seed_revmap *rm = mmu->peer;
	struct maple_tree *mt = &rm->mt;
	unsigned long start = gpa;
	unsigned long end = gpa + unmap_size - 1;
	u64 entry, entry_size;
	MA_STATE(mas, mt, gpa, end);

	if (rm->broken) {
		sv->st.resets_broken++;
		seed_reset_and_unmap(mmu, may_block);
		return;
	}

	mtree_lock(mt);
	entry = seed_entry(mas_find_range(&mas, end));

	while (entry && mas.index <= end) {
		start = mas.last + 1;
		entry_size = mas.last - mas.index + 1;
		/* Nested IPAs unknown: give up on this MMU. */
		if (entry & SEED_UNKNOWN_IPA) {
			mtree_unlock(mt);
			sv->st.resets_unknown++;
			seed_reset_and_unmap(mmu, may_block);
			return;
		}

		/* v2 ignores a failed erase: the entry just stays. */
		if (mas_store_gfp(&mas, NULL, GFP_NOWAIT | __GFP_ACCOUNT))
			sv->st.erase_failures++;
		WRITE_ONCE(rm->nodes_stale, true);

		mtree_unlock(mt);
		kvm_stage2_unmap_range(mmu, entry & SEED_NESTED_IPA_MASK,
				       entry_size, may_block);
		sv->st.entry_unmaps++;
		mtree_lock(mt);
		/* The tree may have changed meanwhile: walk again from start. */
		mas_set_range(&mas, start, end);
		entry = seed_entry(mas_find_range(&mas, end));
	}
	mtree_unlock(mt);
}

/* kvm_unmap_gfn_range_nested() of v2: every valid nested MMU. */
static void seed_unmap_canonical(struct kvm *kvm, gpa_t start, u64 size,
				 bool may_block)
{
	struct seed_vm *sv = kvm->arch.peer;

	lockdep_assert_held_write(&kvm->mmu_lock);
	if (!kvm->arch.nested_mmus_size)
		return;

	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];

		if (kvm_s2_mmu_valid(mmu))
			seed_unmap_mmu_range(sv, mmu, start, size, may_block);
	}
}

/* Guest TLBI: v2 unmaps the shadow range and leaves the tree alone. */
static void seed_unmap_nested(struct kvm_s2_mmu *mmu, gpa_t start, u64 size,
			      bool may_block)
{
	lockdep_assert_held_write(&kvm_s2_mmu_to_kvm(mmu)->mmu_lock);
	kvm_stage2_unmap_range(mmu, start, size, may_block);
}

/* Recycling (pending_unmap) and ALLE1: v2's reset_revmap_and_unmap(). */
static void seed_unmap_mmu(struct kvm_s2_mmu *mmu, bool may_block)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);
	struct seed_vm *sv = kvm->arch.peer;

	lockdep_assert_held_write(&kvm->mmu_lock);
	sv->st.resets_mmu++;
	seed_reset_and_unmap(mmu, may_block);
}

/* kvm_nested_s2_wp(), unchanged by v2. */
static void seed_wp_canonical(struct kvm *kvm, gpa_t start, u64 size)
{
	lockdep_assert_held_write(&kvm->mmu_lock);
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];

		if (kvm_s2_mmu_valid(mmu))
			kvm_stage2_wp_range(mmu, 0, kvm_phys_size(mmu));
	}
}


/*
 * The maple nodes of every tree, counted tree by tree by walking it (not
 * the allocator's global figure, which mixes trees and lags behind
 * RCU-deferred frees), plus what v2 embeds in each kvm_s2_mmu.
 */
static u64 seed_mem_bytes(struct kvm *kvm)
{
	u64 bytes = 0;

	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct seed_revmap *rm = kvm->arch.nested_mmus[i]->peer;

		if (READ_ONCE(rm->nodes_stale)) {
			WRITE_ONCE(rm->nodes_stale, false);
			rm->nodes = maple_tree_nodes(&rm->mt);
		}
		bytes += rm->nodes * maple_node_bytes() + SEED_MMU_BYTES;
	}
	return bytes;
}

/* The seed does not know its mappings one by one: R2 does not apply. */
static s64 seed_mmu_entries(struct kvm_s2_mmu *mmu)
{
	return -1;
}

static void seed_counters(struct kvm *kvm, struct rmap_counters *c)
{
	struct seed_vm *sv = kvm->arch.peer;

	c->fallbacks = sv->st.resets_unknown + sv->st.resets_broken;
	c->failures = uatomic_read(&sv->st.store_failures);
}

const struct rmap_strategy strategy_seed = {
	.name = "seed",
	.summary = "v2 of the public series: per-MMU tree, unknown spans, no TLBI tracking",
	/* unknown spans fall back to full unmaps, stale entries over-unmap */
	.exact = false,
	.record_before_map = true,
	.vm_init = seed_vm_init,
	.vm_destroy = seed_vm_destroy,
	.record = seed_record,
	.unmap_canonical = seed_unmap_canonical,
	.unmap_nested = seed_unmap_nested,
	.unmap_mmu = seed_unmap_mmu,
	.wp_canonical = seed_wp_canonical,
	.age_canonical = NULL,
	.mem_bytes = seed_mem_bytes,
	.mmu_entries = seed_mmu_entries,
	.tracks = NULL,
	.counters = seed_counters,
};

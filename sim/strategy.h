/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a reverse-map strategy provides to the simulated KVM. Each hook has
 * the locking context of the upstream call site it stands for; every
 * strategy is measured through these same calls.
 */
#ifndef NVRMAP_SIM_STRATEGY_H
#define NVRMAP_SIM_STRATEGY_H

#include <linux/kvm_host.h>
#include <asm/kvm_mmu.h>

struct rmap_counters {
	u64 fallbacks;		/* full unmaps of one MMU the strategy chose */
	u64 failures;		/* recording failures (allocation, store) */
};

struct rmap_strategy {
	const char *name;
	const char *summary;
	/*
	 * Promises that a host-side event zaps exactly the shadow leaves made
	 * from its range, with no fallback unless an allocation failed.
	 */
	bool exact;
	/*
	 * Called before the new leaf is installed (v2, and x86, which finds
	 * the leaves it replaces in the tables); otherwise after it.
	 */
	bool record_before_map;

	/* VM creation/destruction, no lock held. */
	int (*vm_init)(struct kvm *kvm);
	void (*vm_destroy)(struct kvm *kvm);

	/* Before mmu_lock in the fault path (memcache top-up); may fail. */
	int (*vcpu_topup)(struct kvm_vcpu *vcpu);
	void (*vcpu_destroy)(struct kvm_vcpu *vcpu);

	/*
	 * A new shadow leaf: @nested (in @mmu) maps @canonical, both aligned
	 * to @size, replacing whatever @mmu mapped in that nested range.
	 * mmu_lock held for read.
	 */
	void (*record)(struct kvm_vcpu *vcpu, struct kvm_s2_mmu *mmu,
		       gpa_t canonical, gpa_t nested, u64 size);

	/* MMU notifier / memslot flush of a canonical range. Write lock. */
	void (*unmap_canonical)(struct kvm *kvm, gpa_t start, u64 size,
				bool may_block);
	/* Guest TLBI of a nested range in one MMU. Write lock. */
	void (*unmap_nested)(struct kvm_s2_mmu *mmu, gpa_t start, u64 size,
			     bool may_block);
	/* Whole MMU: recycling (pending_unmap), ALLE1*. Write lock. */
	void (*unmap_mmu)(struct kvm_s2_mmu *mmu, bool may_block);
	/* Dirty-log write-protect of a canonical range. Write lock. */
	void (*wp_canonical)(struct kvm *kvm, gpa_t start, u64 size);
	/* Aging of a canonical range; true if any shadow leaf was young. */
	bool (*age_canonical)(struct kvm *kvm, gpa_t start, u64 size,
			      bool mkold);

	/* Bytes of reverse-map memory (structures and their allocations). */
	u64 (*mem_bytes)(struct kvm *kvm);
	/*
	 * Shadow leaves the strategy tracks for @mmu one by one, or -1 when
	 * it does not track them exactly right now (not at all, or an
	 * "unknown" state after a failure). The oracle holds a tracked MMU
	 * to exactly its live shadow leaves.
	 */
	s64 (*mmu_entries)(struct kvm_s2_mmu *mmu);
	/*
	 * Does the strategy know that @nested (@size) in @mmu maps
	 * @canonical, in both directions? Only asked for tracked MMUs.
	 */
	bool (*tracks)(struct kvm_s2_mmu *mmu, gpa_t nested, gpa_t canonical,
		       u64 size);
	void (*counters)(struct kvm *kvm, struct rmap_counters *c);
};

extern const struct rmap_strategy strategy_full;
extern const struct rmap_strategy strategy_revmap;
extern const struct rmap_strategy strategy_pagearray;
extern const struct rmap_strategy strategy_seed;
extern const struct rmap_strategy strategy_test_broken;

const struct rmap_strategy *strategy_find(const char *name);
/* NULL-terminated list of every strategy the harness knows. */
extern const struct rmap_strategy *const strategies[];

#endif

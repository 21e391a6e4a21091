// SPDX-License-Identifier: GPL-2.0
/*
 * "test-broken": upstream's behaviour minus the nested unmap on host-side
 * events, i.e. a reverse map that loses mappings. Deliberately unsafe, for
 * checking that the oracle and nvrmap's exit status catch it; never listed
 * with the real strategies.
 */
#include "strategy.h"

static void broken_unmap_canonical(struct kvm *kvm, gpa_t start, u64 size,
				   bool may_block)
{
	lockdep_assert_held_write(&kvm->mmu_lock);
}

static void broken_unmap_nested(struct kvm_s2_mmu *mmu, gpa_t start,
				u64 size, bool may_block)
{
	kvm_stage2_unmap_range(mmu, start, size, may_block);
}

static void broken_unmap_mmu(struct kvm_s2_mmu *mmu, bool may_block)
{
	kvm_stage2_unmap_range(mmu, 0, kvm_phys_size(mmu), may_block);
}

static void broken_wp_canonical(struct kvm *kvm, gpa_t start, u64 size)
{
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++)
		kvm_stage2_wp_range(kvm->arch.nested_mmus[i], 0,
				    kvm_phys_size(kvm->arch.nested_mmus[i]));
}

const struct rmap_strategy strategy_test_broken = {
	.name = "test-broken",
	.summary = "deliberately unsafe: ignores host unmaps (tests only)",
	.unmap_canonical = broken_unmap_canonical,
	.unmap_nested = broken_unmap_nested,
	.unmap_mmu = broken_unmap_mmu,
	.wp_canonical = broken_wp_canonical,
};

// SPDX-License-Identifier: GPL-2.0
/*
 * "full": what Linux 7.3 does. No reverse map: every host-side unmap and
 * every write-protect acts on every valid shadow stage-2 in full
 * (kvm_nested_s2_unmap, kvm_nested_s2_wp), and aging ignores shadow
 * stage-2s.
 */
#include "strategy.h"

static void full_unmap_canonical(struct kvm *kvm, gpa_t start, u64 size,
				 bool may_block)
{
	(void)start;
	(void)size;
	lockdep_assert_held_write(&kvm->mmu_lock);
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];

		if (kvm_s2_mmu_valid(mmu))
			kvm_stage2_unmap_range(mmu, 0, kvm_phys_size(mmu),
					       may_block);
	}
}

static void full_unmap_nested(struct kvm_s2_mmu *mmu, gpa_t start, u64 size,
			      bool may_block)
{
	kvm_stage2_unmap_range(mmu, start, size, may_block);
}

static void full_unmap_mmu(struct kvm_s2_mmu *mmu, bool may_block)
{
	kvm_stage2_unmap_range(mmu, 0, kvm_phys_size(mmu), may_block);
}

static void full_wp_canonical(struct kvm *kvm, gpa_t start, u64 size)
{
	(void)start;
	(void)size;
	lockdep_assert_held_write(&kvm->mmu_lock);
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];

		if (kvm_s2_mmu_valid(mmu))
			kvm_stage2_wp_range(mmu, 0, kvm_phys_size(mmu));
	}
}

const struct rmap_strategy strategy_full = {
	.name = "full",
	.summary = "upstream Linux 7.3: full unmap/wp of every shadow stage-2",
	.unmap_canonical = full_unmap_canonical,
	.unmap_nested = full_unmap_nested,
	.unmap_mmu = full_unmap_mmu,
	.wp_canonical = full_wp_canonical,
};

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness stand-in for <asm/kvm_mmu.h>: the helpers the nested stage-2 code
 * uses, with upstream's names and meanings (kvm_phys_size is a macro on
 * the MMU's VTCR upstream; here the L1 IPA size).
 */
#ifndef NVRMAP_SIM_ASM_KVM_MMU_H
#define NVRMAP_SIM_ASM_KVM_MMU_H

#include <linux/kvm_host.h>

static inline struct kvm *kvm_s2_mmu_to_kvm(struct kvm_s2_mmu *mmu)
{
	return container_of(mmu->arch, struct kvm, arch);
}

static inline bool kvm_s2_mmu_valid(struct kvm_s2_mmu *mmu)
{
	return !(mmu->tlb_vttbr & VTTBR_CNP_BIT);
}

static inline bool kvm_is_nested_s2_mmu(struct kvm *kvm, struct kvm_s2_mmu *mmu)
{
	return &kvm->arch.mmu != mmu;
}

static inline u16 get_vmid(u64 vttbr)
{
	return (vttbr & VTTBR_VMID_MASK) >> VTTBR_VMID_SHIFT;
}

/* Implemented by the harness (sim/vm.c) on its simulated tables. */
u64 kvm_phys_size(struct kvm_s2_mmu *mmu);
void kvm_stage2_unmap_range(struct kvm_s2_mmu *mmu, phys_addr_t start,
			    u64 size, bool may_block);
void kvm_stage2_wp_range(struct kvm_s2_mmu *mmu, phys_addr_t addr,
			 phys_addr_t end);

#endif

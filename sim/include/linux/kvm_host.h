/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness stand-in for <linux/kvm_host.h> and the arm64 parts of
 * <asm/kvm_host.h>: only the fields and calls that the nested stage-2 code
 * under test uses, with upstream's names and meanings. Upstream reference:
 * struct kvm_s2_mmu, struct kvm_arch and struct kvm in Linux 7.3.
 */
#ifndef NVRMAP_SIM_LINUX_KVM_HOST_H
#define NVRMAP_SIM_LINUX_KVM_HOST_H

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/atomic.h>
#include <linux/sizes.h>
#include <linux/align.h>
#include <linux/rwlock.h>
#include <linux/compiler.h>

#include <linux/slab.h>

/* Upstream gets these through <linux/mm.h>, which tools/ cannot offer. */
#ifndef PAGE_SIZE
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#endif
#ifndef PAGE_MASK
#define PAGE_MASK	(~(PAGE_SIZE - 1))
#endif

#include <linux/kvm_types.h>

/* Upstream gets these through <linux/mm.h>; no vmalloc here. */
static inline void *kvzalloc(size_t size, gfp_t gfp)
{
	return kzalloc(size, gfp);
}

static inline void kvfree(const void *p)
{
	kfree((void *)p);
}

#ifndef SINGLE_DEPTH_NESTING
#define SINGLE_DEPTH_NESTING	1	/* <linux/lockdep_types.h> */
#endif

struct kvm_pgtable;
struct kvm_nested_revmap;
struct kvm_nested_revmap_vm;
struct kvm_nested_revmap_cache;

/* VTTBR_EL2.CnP set marks an unused nested MMU, as upstream does. */
#define VTTBR_CNP_BIT		BIT_ULL(0)
#define VTTBR_VMID_SHIFT	48
#define VTTBR_VMID_MASK		GENMASK_ULL(63, 48)

struct kvm_s2_mmu {
	struct kvm_pgtable *pgt;
	struct kvm_arch *arch;

	/* Nested context key: guest VTTBR (CnP clear) and VTCR */
	u64 tlb_vttbr;
	u64 tlb_vtcr;
	bool nested_stage2_enabled;
	bool pending_unmap;
	atomic_t refcnt;

	/* Added by the reverse-map series (kernel/). */
	struct kvm_nested_revmap *nested_revmap;
	u16 nested_revmap_id;

	/* Harness only: state of a peer strategy (sim/strategies/). */
	void *peer;
	/* Harness only: index in kvm->arch.nested_mmus, -1 for canonical. */
	int sim_index;
};

struct kvm_arch {
	struct kvm_s2_mmu mmu;		/* canonical stage-2 */
	struct kvm_s2_mmu **nested_mmus;
	size_t nested_mmus_size;
	int nested_mmus_next;
	unsigned int ipa_bits;		/* L1's IPA size */
	/* Added by the reverse-map series (kernel/). */
	struct kvm_nested_revmap_vm *nested_revmap_vm;
	/* Harness only: per-VM state of a peer strategy. */
	void *peer;
};

struct kvm {
	rwlock_t mmu_lock;
	struct kvm_arch arch;
	unsigned long mmu_invalidate_seq;
	long mmu_invalidate_in_progress;
	gfn_t mmu_invalidate_range_start;
	gfn_t mmu_invalidate_range_end;
};

struct kvm_vcpu_arch {
	struct kvm_s2_mmu *hw_mmu;
	/* Added by the reverse-map series (kernel/). */
	struct kvm_nested_revmap_cache *nested_revmap_cache;
	/* Harness only: a peer strategy's per-vCPU cache. */
	void *peer_cache;
};

struct kvm_vcpu {
	struct kvm *kvm;
	int vcpu_id;
	struct kvm_vcpu_arch arch;
};

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Nested MMU contexts and the guest's stage-2 TLB invalidations, modelled on
 * upstream nested.c (lookup_s2_mmu, get_s2_mmu_nested, kvm_vcpu_load_hw_mmu,
 * kvm_vcpu_put_hw_mmu, check_nested_vcpu_requests, get_guest_mapping_ttl,
 * compute_tlb_inval_range) and sys_regs.c (handle_ipas2e1is,
 * handle_ripas2e1is, handle_vmalls12e1is, handle_alle1is).
 */
#include <linux/bitfield.h>

#include "guest_s2.h"
#include "l1.h"
#include "oracle.h"
#include "tlbi.h"
#include "vm.h"

static struct kvm_s2_mmu *lookup_s2_mmu(struct kvm *kvm,
					const struct l1_regs *r)
{
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];

		if (!kvm_s2_mmu_valid(mmu))
			continue;
		if (r->s2_enabled && mmu->nested_stage2_enabled &&
		    r->vttbr == mmu->tlb_vttbr && r->vtcr == mmu->tlb_vtcr)
			return mmu;
		if (!r->s2_enabled && !mmu->nested_stage2_enabled &&
		    get_vmid(r->vttbr) == get_vmid(mmu->tlb_vttbr))
			return mmu;
	}
	return NULL;
}

static struct kvm_s2_mmu *get_s2_mmu_nested(struct kvm *kvm,
					    const struct l1_regs *r)
{
	size_t n = kvm->arch.nested_mmus_size;
	struct kvm_s2_mmu *mmu;
	size_t i;

	lockdep_assert_held_write(&kvm->mmu_lock);
	mmu = lookup_s2_mmu(kvm, r);
	if (mmu)
		goto out;

	/* Round robin from where the last search stopped: a free one. */
	for (i = kvm->arch.nested_mmus_next;
	     i < n + kvm->arch.nested_mmus_next; i++) {
		if (!atomic_read(&kvm->arch.nested_mmus[i % n]->refcnt)) {
			mmu = kvm->arch.nested_mmus[i % n];
			break;
		}
	}
	BUG_ON(!mmu);
	kvm->arch.nested_mmus_next = (i + 1) % n;

	if (kvm_s2_mmu_valid(mmu)) {
		mmu->pending_unmap = true;
		kvm_to_vm(kvm)->stats.recycles++;
	}
	mmu->tlb_vttbr = r->vttbr & ~VTTBR_CNP_BIT;
	mmu->tlb_vtcr = r->vtcr;
	mmu->nested_stage2_enabled = r->s2_enabled;
out:
	atomic_inc(&mmu->refcnt);
	return mmu;
}

void vm_load_hw_mmu(struct sim_vm *vm, struct sim_vcpu *v)
{
	struct kvm *kvm = &vm->kvm;
	struct kvm_s2_mmu *mmu;
	struct l1_regs r;
	bool pending;

	if (v->ctx < 0) {
		v->vcpu.arch.hw_mmu = &kvm->arch.mmu;
		return;
	}
	spin_lock(&vm->l1_lock);
	l1_ctx_regs(vm->l1, v->ctx, &r);
	spin_unlock(&vm->l1_lock);
	write_lock(&kvm->mmu_lock);
	mmu = get_s2_mmu_nested(kvm, &r);
	pending = mmu->pending_unmap;
	write_unlock(&kvm->mmu_lock);
	v->vcpu.arch.hw_mmu = mmu;

	/*
	 * KVM_REQ_NESTED_S2_UNMAP: whichever vCPU picks the MMU up finishes
	 * the laundry before running on it.
	 */
	if (pending) {
		write_lock(&kvm->mmu_lock);
		if (mmu->pending_unmap) {
			alloc_site_enter(ALLOC_SITE_UNMAP_MMU);
			vm->strat->unmap_mmu(mmu, true);
			alloc_site_exit();
			mmu->pending_unmap = false;
		}
		write_unlock(&kvm->mmu_lock);
	}
}

void vm_put_hw_mmu(struct sim_vm *vm, struct sim_vcpu *v)
{
	struct kvm_s2_mmu *mmu = v->vcpu.arch.hw_mmu;

	if (mmu && kvm_is_nested_s2_mmu(&vm->kvm, mmu))
		(void)atomic_dec_and_test(&mmu->refcnt);
	v->vcpu.arch.hw_mmu = NULL;
}

static unsigned int mmu_guest_pgshift(struct kvm_s2_mmu *mmu)
{
	struct guest_s2_cfg cfg;

	guest_s2_cfg_from_regs(&cfg, mmu->tlb_vttbr, mmu->tlb_vtcr,
			       kvm_s2_mmu_to_kvm(mmu)->arch.ipa_bits);
	return cfg.pgshift;
}

/*
 * Without a TTL from the guest, the shadow stage-2 remembers the guest's
 * level in its leaves: try the blocks that could hold @ipa, smallest
 * first, and use the first level found if its size covers @ipa.
 */
static u8 shadow_ttl(void *arg, u64 ipa)
{
	struct kvm_s2_mmu *mmu = arg;
	unsigned int shift = mmu_guest_pgshift(mmu);
	int levels = shift == 12 ? 3 : 2;

	for (int i = 0; i < levels; i++) {
		u64 sz = guest_s2_level_size(shift, 3 - i);
		u64 base = ALIGN_DOWN(ipa, sz);
		u64 desc;
		int glevel;
		u8 ttl;

		if (s2_get_leaf(mmu->pgt, base, &desc, NULL, NULL) ||
		    !s2_pte_valid(desc))
			continue;
		glevel = FIELD_GET(S2_PTE_GUEST_LEVEL, desc);
		if (!glevel)
			continue;
		ttl = tlbi_ttl(shift, glevel);
		return ipa < base + tlbi_ttl_size(ttl) ? ttl : 0;
	}
	return 0;
}

static void tlbi_one(struct sim_vm *vm, struct kvm_s2_mmu *mmu, int op,
		     u64 operand)
{
	u64 limit = kvm_phys_size(mmu);
	u64 base = 0, size = limit;

	switch (op) {
	case TLBI_IPAS2E1:
	case TLBI_IPAS2LE1:
		tlbi_ipas2_range(operand, mmu_guest_pgshift(mmu), true,
				 shadow_ttl, mmu, &base, &size);
		break;
	case TLBI_RIPAS2E1:
	case TLBI_RIPAS2LE1:
		base = tlbi_ripas2_decode(operand, &size);
		if (!tlbi_ripas2_clamp(base, &size, vm->kvm.arch.ipa_bits))
			return;
		break;
	case TLBI_VMALLS12E1:
		break;
	}
	alloc_site_enter(ALLOC_SITE_UNMAP_NESTED);
	vm->strat->unmap_nested(mmu, base, size, true);
	alloc_site_exit();
	if (vm->oracle)
		oracle_check_tlbi(vm->oracle, mmu, base, size);
}

void vm_guest_tlbi(struct sim_vm *vm, u16 vmid, int op, u64 operand)
{
	struct kvm *kvm = &vm->kvm;

	vm_stat_inc(vm, tlbis);
	write_lock(&kvm->mmu_lock);
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];

		if (!kvm_s2_mmu_valid(mmu))
			continue;
		if (op == TLBI_ALLE1) {
			alloc_site_enter(ALLOC_SITE_UNMAP_MMU);
			vm->strat->unmap_mmu(mmu, true);
			alloc_site_exit();
			if (vm->oracle)
				oracle_check_tlbi(vm->oracle, mmu, 0,
						  kvm_phys_size(mmu));
		} else if (get_vmid(mmu->tlb_vttbr) == vmid) {
			tlbi_one(vm, mmu, op, operand);
		}
	}
	write_unlock(&kvm->mmu_lock);
}

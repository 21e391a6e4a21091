// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow stage-2 fault path, modelled on upstream kvm_handle_guest_abort
 * -> kvm_walk_nested_s2 -> user_mem_abort (kvm_s2_resolve_vma_size,
 * kvm_s2_fault_map), plus the host fault-in behind __kvm_faultin_pfn.
 */
#include <errno.h>

#include "host_events.h"
#include "l1.h"
#include "vm.h"

#define MAX_FAULT_TRIES	8

static bool mmu_invalidate_retry(struct kvm *kvm, unsigned long seq)
{
	return kvm->mmu_invalidate_in_progress ||
	       kvm->mmu_invalidate_seq != seq;
}

static u64 folio_size(const struct memslot *s, u64 ipa)
{
	return 1ULL << (12 + s->order[(ipa - s->base) >> 21]);
}

/* Mapping size: min(backing, PUD, guest block), on a host level. */
static u64 nested_map_size(const struct memslot *s, u64 ipa, u64 guest_block)
{
	u64 size = s->logging ? SZ_4K : min(folio_size(s, ipa), (u64)SZ_1G);

	size = min(size, guest_block);
	if (size >= SZ_1G)
		return SZ_1G;
	return size >= SZ_2M ? SZ_2M : SZ_4K;
}

static enum s2_prot fault_prot(struct sim_vm *vm, const struct memslot *s,
			       u64 ipa, bool write, bool guest_w)
{
	enum s2_prot prot = S2_PROT_R;

	/*
	 * A read fault maps writable unless dirty logging wants to see the
	 * first write, or the host page is shared (KSM).
	 */
	if (write || (!s->logging && vm->hm.ref[vm_page_pfn(vm, ipa)] == 1))
		prot |= S2_PROT_W;
	if (!guest_w)
		prot &= ~S2_PROT_W;
	return prot;
}

static bool shadow_hit(struct kvm_pgtable *pgt, u64 ipa, bool write)
{
	u64 desc;

	if (s2_get_leaf(pgt, ipa, &desc, NULL, NULL) || !s2_pte_valid(desc))
		return false;
	if (write ? !(desc & S2_PTE_S2AP_W) : !(desc & S2_PTE_S2AP_R))
		return false;
	s2_mkyoung(pgt, ipa);
	return true;
}

static void record(struct sim_vm *vm, struct sim_vcpu *v,
		   struct kvm_s2_mmu *mmu, u64 canonical, u64 nested, u64 size)
{
	u64 t0;

	if (!vm->strat->record)
		return;
	alloc_site_enter(ALLOC_SITE_RECORD);
	t0 = sim_now_ns();
	vm->strat->record(&v->vcpu, mmu, canonical, nested, size);
	alloc_site_exit();
	vm->stats.fault_ns += sim_now_ns() - t0;
}

/* Install (or relax) the shadow leaf; mmu_lock held for read. */
static void fault_map(struct sim_vm *vm, struct sim_vcpu *v,
		      struct kvm_s2_mmu *mmu, u64 nested, u64 canonical,
		      u64 size, enum s2_prot prot, int guest_level)
{
	u64 nbase = ALIGN_DOWN(nested, size), cbase = ALIGN_DOWN(canonical, size);
	u64 pa = frame_pa(vm_page_pfn(vm, cbase));
	u64 desc, tag;
	int level;

	if (!s2_get_leaf(mmu->pgt, nested, &desc, &level, &tag) &&
	    s2_pte_valid(desc) && s2_level_size(level) == size &&
	    tag == cbase && s2_pte_pa(desc) == pa) {
		s2_relax_perms(mmu->pgt, nested, prot);
		return;
	}
	if (vm->strat->record_before_map)
		record(vm, v, mmu, cbase, nbase, size);
	WARN_ON(s2_map(mmu->pgt, nbase, size, pa, prot, guest_level, cbase));
	if (!vm->strat->record_before_map)
		record(vm, v, mmu, cbase, nbase, size);
}

int vm_l2_access(struct sim_vm *vm, struct sim_vcpu *v, u64 nested_ipa,
		 bool write)
{
	struct kvm_s2_mmu *mmu = v->vcpu.arch.hw_mmu;
	struct kvm *kvm = &vm->kvm;

	if (v->ctx < 0 || !mmu)
		return -EINVAL;
	vm->stats.l2_accesses++;
	if (shadow_hit(mmu->pgt, nested_ipa, write))
		return 0;

	for (int tries = 0; tries < MAX_FAULT_TRIES; tries++) {
		struct guest_s2_trans tr;
		struct memslot *s;
		unsigned long seq;
		u64 canonical, size;
		int ret;

		if (vm->strat->vcpu_topup) {
			u64 t0 = sim_now_ns();

			alloc_site_enter(ALLOC_SITE_TOPUP);
			ret = vm->strat->vcpu_topup(&v->vcpu);
			alloc_site_exit();
			vm->stats.fault_ns += sim_now_ns() - t0;
			if (ret)
				return -ENOMEM;
		}
		seq = kvm->mmu_invalidate_seq;

		ret = l1_walk(vm->l1, v->ctx, nested_ipa, &tr);
		if (ret < 0)
			return ret;
		if (ret > 0 || (write && !tr.writable)) {
			/* Reflected to L1, which fixes its tables; retry. */
			vm->stats.l1_faults++;
			ret = l1_handle_fault(vm->l1, v->ctx, nested_ipa, write,
					      &tr);
			if (ret)
				return ret;
			continue;
		}
		canonical = tr.output;
		s = vm_find_slot(vm, canonical);
		if (!s) {
			vm->stats.mmio_accesses++;
			return 0;
		}
		host_fault_in(vm, s, canonical, write);
		size = nested_map_size(s, canonical, tr.block_size);

		read_lock(&kvm->mmu_lock);
		if (mmu_invalidate_retry(kvm, seq) && !vm->no_fault_retry) {
			read_unlock(&kvm->mmu_lock);
			vm->stats.fault_retries++;
			continue;
		}
		fault_map(vm, v, mmu, nested_ipa, canonical, size,
			  fault_prot(vm, s, canonical, write, tr.writable),
			  tr.level);
		read_unlock(&kvm->mmu_lock);
		vm->stats.shadow_faults++;
		return 0;
	}
	return -EAGAIN;
}

/* L1's own access through the canonical stage-2. */
int vm_l1_access(struct sim_vm *vm, u64 ipa, bool write)
{
	struct kvm_pgtable *pgt = &vm->canonical_pgt;
	struct memslot *s = vm_find_slot(vm, ipa);
	u64 size;

	if (!s)
		return 0;
	if (shadow_hit(pgt, ipa, write))
		return 0;
	host_fault_in(vm, s, ipa, write);
	size = s->logging ? SZ_4K : min(folio_size(s, ipa), (u64)SZ_1G);
	read_lock(&vm->kvm.mmu_lock);
	s2_map(pgt, ALIGN_DOWN(ipa, size), size,
	       frame_pa(vm_page_pfn(vm, ALIGN_DOWN(ipa, size))),
	       fault_prot(vm, s, ipa, write, true), 0, ALIGN_DOWN(ipa, size));
	read_unlock(&vm->kvm.mmu_lock);
	return 0;
}

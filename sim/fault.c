// SPDX-License-Identifier: GPL-2.0
/*
 * The shadow stage-2 fault path, modelled on upstream kvm_handle_guest_abort
 * -> kvm_walk_nested_s2 -> user_mem_abort (kvm_s2_resolve_vma_size,
 * kvm_s2_fault_map), plus the host fault-in behind __kvm_faultin_pfn.
 */
#include <errno.h>

#include "host_events.h"
#include "rcu.h"
#include "l1.h"
#include "vm.h"

/* Reflections to L1 before the access counts as failed (L1 is broken). */
#define MAX_L1_FAULTS	8

/* Sampled with no lock held; invalidations move it under the write lock. */
static unsigned long mmu_invalidate_seq(struct kvm *kvm)
{
	return __atomic_load_n(&kvm->mmu_invalidate_seq, __ATOMIC_ACQUIRE);
}

/* mmu_lock held: did an invalidation start or run since @seq? */
static bool mmu_invalidate_retry(struct sim_vm *vm, unsigned long seq)
{
	struct kvm *kvm = &vm->kvm;

	if (vm->cfg.no_fault_retry)
		return false;
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

static bool shadow_hit_locked(struct kvm_pgtable *pgt, u64 ipa, bool write)
{
	u64 desc;

	if (s2_get_leaf(pgt, ipa, &desc, NULL, NULL) || !s2_pte_valid(desc))
		return false;
	if (write ? !(desc & S2_PTE_S2AP_W) : !(desc & S2_PTE_S2AP_R))
		return false;
	s2_mkyoung(pgt, ipa);
	return true;
}

/*
 * The hardware's walk. It takes no lock, but never sees a table that an
 * unmap has freed (TLBI, RCU); the harness's tables get that from the
 * read lock.
 */
static bool shadow_hit(struct sim_vm *vm, struct kvm_pgtable *pgt, u64 ipa,
		       bool write)
{
	bool hit;

	read_lock(&vm->kvm.mmu_lock);
	hit = shadow_hit_locked(pgt, ipa, write);
	read_unlock(&vm->kvm.mmu_lock);
	return hit;
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
	vm_stat_add(vm, fault_ns, sim_now_ns() - t0);
}

/* What the host gave the fault (gup): where, how big, with what rights. */
struct fault_pfn {
	u64 size;
	u64 pa;
	enum s2_prot prot;
};

/*
 * Install (or relax) the shadow leaf; mmu_lock held for read. @pf was
 * obtained before the lock: the retry check has made sure it still holds.
 */
static void fault_map(struct sim_vm *vm, struct sim_vcpu *v,
		      struct kvm_s2_mmu *mmu, u64 nested, u64 canonical,
		      const struct fault_pfn *pf, int guest_level)
{
	u64 size = pf->size, pa = pf->pa;
	u64 nbase = ALIGN_DOWN(nested, size), cbase = ALIGN_DOWN(canonical, size);
	enum s2_prot prot = pf->prot;
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

/*
 * __kvm_faultin_pfn(): fault the page in on the host and read what the
 * mapping may be, under the host mm's locks. False for MMIO (no slot).
 */
static bool host_faultin(struct sim_vm *vm, u64 canonical, bool write,
			 bool guest_w, u64 guest_block, struct fault_pfn *pf)
{
	struct memslot *s = vm_find_slot(vm, canonical);

	if (!s)
		return false;
	spin_lock(&vm->host_lock);
	host_fault_in(vm, s, canonical, write);
	pf->size = nested_map_size(s, canonical, guest_block);
	pf->pa = frame_pa(vm_page_pfn(vm, ALIGN_DOWN(canonical, pf->size)));
	pf->prot = fault_prot(vm, s, canonical, write, guest_w);
	spin_unlock(&vm->host_lock);
	return true;
}

static int topup(struct sim_vm *vm, struct sim_vcpu *v)
{
	u64 t0 = sim_now_ns();
	int ret;

	if (!vm->strat->vcpu_topup)
		return 0;
	alloc_site_enter(ALLOC_SITE_TOPUP);
	ret = vm->strat->vcpu_topup(&v->vcpu);
	alloc_site_exit();
	vm_stat_add(vm, fault_ns, sim_now_ns() - t0);
	return ret;
}

/* L1's stage-2 translation of @nested_ipa, L1 fixing faults it owns. */
static int l1_translate(struct sim_vm *vm, struct sim_vcpu *v, u64 nested_ipa,
			bool write, struct guest_s2_trans *tr)
{
	for (int tries = 0; tries < MAX_L1_FAULTS; tries++) {
		int ret;

		spin_lock(&vm->l1_lock);
		ret = l1_walk(vm->l1, v->ctx, nested_ipa, tr);
		if (ret > 0 || (!ret && write && !tr->writable)) {
			/* Reflected to L1, which fixes its tables; retry. */
			vm_stat_inc(vm, l1_faults);
			ret = l1_handle_fault(vm->l1, v->ctx, nested_ipa,
					      write, tr);
			spin_unlock(&vm->l1_lock);
			if (ret)
				return ret;
			continue;
		}
		spin_unlock(&vm->l1_lock);
		return ret;
	}
	return -EAGAIN;
}

static int l2_fault(struct sim_vm *vm, struct sim_vcpu *v, u64 nested_ipa,
		    bool write)
{
	struct kvm_s2_mmu *mmu = v->vcpu.arch.hw_mmu;
	struct kvm *kvm = &vm->kvm;

	for (;;) {
		struct guest_s2_trans tr;
		struct fault_pfn pf;
		unsigned long seq;
		int ret;

		if (topup(vm, v))
			return -ENOMEM;
		seq = mmu_invalidate_seq(kvm);
		ret = l1_translate(vm, v, nested_ipa, write, &tr);
		if (ret)
			return ret;
		if (!host_faultin(vm, tr.output, write, tr.writable,
				  tr.block_size, &pf)) {
			vm_stat_inc(vm, mmio_accesses);
			return 0;
		}

		read_lock(&kvm->mmu_lock);
		if (mmu_invalidate_retry(vm, seq)) {
			read_unlock(&kvm->mmu_lock);
			vm_stat_inc(vm, fault_retries);
			continue;
		}
		fault_map(vm, v, mmu, nested_ipa, tr.output, &pf, tr.level);
		read_unlock(&kvm->mmu_lock);
		vm_stat_inc(vm, shadow_faults);
		return 0;
	}
}

int vm_l2_access(struct sim_vm *vm, struct sim_vcpu *v, u64 nested_ipa,
		 bool write)
{
	struct kvm_s2_mmu *mmu = v->vcpu.arch.hw_mmu;
	int ret;

	if (v->ctx < 0 || !mmu)
		return -EINVAL;
	vm_stat_inc(vm, l2_accesses);
	if (shadow_hit(vm, mmu->pgt, nested_ipa, write))
		return 0;
	/* The memslots' SRCU read side, across the whole fault. */
	memslots_read_lock();
	ret = l2_fault(vm, v, nested_ipa, write);
	memslots_read_unlock();
	return ret;
}

/* L1's own access through the canonical stage-2. */
int vm_l1_access(struct sim_vm *vm, u64 ipa, bool write)
{
	struct kvm_pgtable *pgt = &vm->canonical_pgt;
	struct kvm *kvm = &vm->kvm;
	struct fault_pfn pf;
	bool mapped = false;

	if (shadow_hit(vm, pgt, ipa, write))
		return 0;
	memslots_read_lock();
	while (!mapped) {
		unsigned long seq = mmu_invalidate_seq(kvm);

		if (!host_faultin(vm, ipa, write, true, SZ_1G, &pf))
			break;
		read_lock(&kvm->mmu_lock);
		mapped = !mmu_invalidate_retry(vm, seq);
		if (mapped)
			s2_map(pgt, ALIGN_DOWN(ipa, pf.size), pf.size, pf.pa,
			       pf.prot, 0, ALIGN_DOWN(ipa, pf.size));
		read_unlock(&kvm->mmu_lock);
	}
	memslots_read_unlock();
	return 0;
}

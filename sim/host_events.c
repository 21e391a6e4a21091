// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side events on L1 memory: the host mm changes the pages behind a
 * memslot between the MMU notifier's invalidate_range_start (KVM unmaps:
 * kvm_unmap_gfn_range) and invalidate_range_end (mmu_invalidate_seq moves
 * on); memslot flushes (kvm_arch_flush_shadow_memslot); dirty logging
 * (kvm_mmu_wp_memory_region, kvm_arch_mmu_enable_log_dirty_pt_masked) and
 * aging (kvm_age_gfn).
 */
#include <errno.h>
#include <string.h>

#include "host_events.h"
#include "rcu.h"
#include "oracle.h"

static u64 region_idx(const struct memslot *s, u64 ipa)
{
	return (ipa - s->base) >> 21;
}

static u32 *pfnp(struct memslot *s, u64 ipa)
{
	return &s->pfn[(ipa - s->base) >> 12];
}

void host_fault_in(struct sim_vm *vm, struct memslot *s, u64 ipa, bool write)
{
	u64 r = region_idx(s, ipa);
	u32 *p = pfnp(s, ipa);

	(void)write;
	if (*p)
		return;
	if (s->backing == BACKING_HUGETLB) {
		u64 base = ALIGN_DOWN(ipa, SZ_1G);
		u32 f = host_alloc(&vm->hm, HOST_ORDER_1G);

		for (u64 i = 0; i < (SZ_1G >> 12); i++)
			*pfnp(s, base + (i << 12)) = f + i;
		memset(&s->order[region_idx(s, base)], HOST_ORDER_1G, 512);
		return;
	}
	if (s->backing == BACKING_THP) {
		u64 base = ALIGN_DOWN(ipa, SZ_2M);
		bool empty = true;

		for (u64 i = 0; i < 512 && empty; i++)
			empty = !*pfnp(s, base + (i << 12));
		if (empty) {
			u32 f = host_alloc(&vm->hm, HOST_ORDER_2M);

			for (u64 i = 0; i < 512; i++)
				*pfnp(s, base + (i << 12)) = f + i;
			s->order[r] = HOST_ORDER_2M;
			return;
		}
	}
	*p = host_alloc(&vm->hm, 0);
}

/*
 * Grow [start, end) to whole folios: the host acts on folios, and the
 * notifier range it sends covers them.
 */
static void folio_range(struct memslot *s, u64 *start, u64 *end)
{
	u64 a = *start, b = *end;
	u8 oa = s->order[region_idx(s, a)], ob = s->order[region_idx(s, b - 1)];

	if (oa)
		a = ALIGN_DOWN(a, 1ULL << (12 + oa));
	if (ob)
		b = ALIGN(b, 1ULL << (12 + ob));
	*start = a;
	*end = b;
}

static void put_region_pages(struct sim_vm *vm, struct memslot *s, u64 start,
			     u64 end)
{
	for (u64 a = start; a < end;) {
		u64 r = region_idx(s, a);

		if (s->order[r] == HOST_ORDER_2M) {
			host_put_folio(&vm->hm, *pfnp(s, a), HOST_ORDER_2M);
			memset(pfnp(s, a), 0, 512 * sizeof(u32));
			s->order[r] = 0;
			a += SZ_2M;
			continue;
		}
		if (*pfnp(s, a))
			host_put(&vm->hm, *pfnp(s, a));
		*pfnp(s, a) = 0;
		a += SZ_4K;
	}
}

static void move_pages(struct sim_vm *vm, struct memslot *s, u64 start,
		       u64 end)
{
	for (u64 a = start; a < end;) {
		u64 r = region_idx(s, a);

		if (s->order[r] == HOST_ORDER_2M) {
			u32 f = host_alloc(&vm->hm, HOST_ORDER_2M);

			host_put_folio(&vm->hm, *pfnp(s, a), HOST_ORDER_2M);
			for (u64 i = 0; i < 512; i++)
				*pfnp(s, a + (i << 12)) = f + i;
			a += SZ_2M;
			continue;
		}
		if (*pfnp(s, a)) {
			u32 f = host_alloc(&vm->hm, 0);

			host_put(&vm->hm, *pfnp(s, a));
			*pfnp(s, a) = f;
		}
		a += SZ_4K;
	}
}

/*
 * invalidate_range_start: KVM unmaps canonical and shadow mappings; faults
 * that sampled mmu_invalidate_seq before this will retry.
 */
static void notifier_start(struct sim_vm *vm, u64 start, u64 end)
{
	struct kvm *kvm = &vm->kvm;
	u64 t0;

	write_lock(&kvm->mmu_lock);
	kvm->mmu_invalidate_in_progress++;
	kvm->mmu_invalidate_range_start = start >> 12;
	kvm->mmu_invalidate_range_end = end >> 12;
	if (vm->oracle)
		vm->stats.host_needed +=
			oracle_count_intersecting(vm->oracle, start,
						  end - start, false);
	s2_unmap(&vm->canonical_pgt, start, end - start);
	alloc_site_enter(ALLOC_SITE_UNMAP_CANONICAL);
	t0 = sim_now_ns();
	vm->strat->unmap_canonical(kvm, start, end - start, true);
	vm->event_ns += sim_now_ns() - t0;
	alloc_site_exit();
	write_unlock(&kvm->mmu_lock);
}

/* invalidate_range_end: the host's change is done; faults may map it. */
static void notifier_end(struct sim_vm *vm, u64 start, u64 end)
{
	struct kvm *kvm = &vm->kvm;

	write_lock(&kvm->mmu_lock);
	__atomic_store_n(&kvm->mmu_invalidate_seq, kvm->mmu_invalidate_seq + 1,
			 __ATOMIC_RELEASE);
	kvm->mmu_invalidate_in_progress--;
	if (vm->oracle)
		oracle_check_canonical(vm->oracle, start, end - start);
	write_unlock(&kvm->mmu_lock);
}

static void write_protect(struct sim_vm *vm, u64 start, u64 size)
{
	struct kvm *kvm = &vm->kvm;
	u64 t0;

	write_lock(&kvm->mmu_lock);
	if (vm->oracle)
		vm->stats.wp_needed +=
			oracle_count_intersecting(vm->oracle, start, size,
						  true);
	s2_wrprotect(&vm->canonical_pgt, start, size);
	alloc_site_enter(ALLOC_SITE_WP);
	t0 = sim_now_ns();
	vm->strat->wp_canonical(kvm, start, size);
	vm->event_ns += sim_now_ns() - t0;
	alloc_site_exit();
	if (vm->oracle)
		oracle_check_wp(vm->oracle, start, size);
	write_unlock(&kvm->mmu_lock);
}

/* Written not to wrap: @size comes from a trace or a fuzzer. */
static bool range_in_slot(struct memslot *s, u64 start, u64 size)
{
	return s && size && size <= s->size &&
	       start - s->base <= s->size - size &&
	       IS_ALIGNED(start, SZ_4K) && IS_ALIGNED(size, SZ_4K);
}

static int mm_change_locked(struct sim_vm *vm, const struct sim_event *ev)
{
	struct memslot *s = vm_find_slot(vm, ev->addr);
	u64 start = ev->addr, end = ev->addr + ev->size;
	struct memslot *s2;
	u64 r;

	if (!range_in_slot(s, ev->addr, ev->size))
		return -EINVAL;
	if (s->backing == BACKING_HUGETLB &&
	    ev->kind != EV_HOST_NUMA)
		return 0;	/* hugetlb pages are not reclaimed or merged */
	r = region_idx(s, start);

	switch (ev->kind) {
	case EV_HOST_RECLAIM:
	case EV_HOST_DISCARD:
		folio_range(s, &start, &end);
		notifier_start(vm, start, end);
		put_region_pages(vm, s, start, end);
		break;
	case EV_HOST_MIGRATE:
		folio_range(s, &start, &end);
		notifier_start(vm, start, end);
		move_pages(vm, s, start, end);
		break;
	case EV_HOST_NUMA:
		folio_range(s, &start, &end);
		notifier_start(vm, start, end);
		break;
	case EV_HOST_KSM:
		s2 = vm_find_slot(vm, ev->addr2);
		if (ev->size != SZ_4K || !s2 || s2->backing == BACKING_HUGETLB ||
		    s->order[r] || s2->order[region_idx(s2, ev->addr2)] ||
		    !*pfnp(s, start) || !*pfnp(s2, ev->addr2) ||
		    *pfnp(s, start) == *pfnp(s2, ev->addr2))
			return 0;
		notifier_start(vm, start, end);
		host_put(&vm->hm, *pfnp(s, start));
		*pfnp(s, start) = *pfnp(s2, ev->addr2);
		host_get(&vm->hm, *pfnp(s, start));
		break;
	case EV_HOST_THP_SPLIT:
		start = ALIGN_DOWN(start, SZ_2M);
		end = start + SZ_2M;
		if (s->order[r] != HOST_ORDER_2M)
			return 0;
		notifier_start(vm, start, end);
		s->order[r] = 0;
		break;
	case EV_HOST_THP_COLLAPSE:
		start = ALIGN_DOWN(start, SZ_2M);
		end = start + SZ_2M;
		if (s->backing != BACKING_THP || s->order[r] ||
		    start + SZ_2M > s->base + s->size)
			return 0;
		notifier_start(vm, start, end);
		put_region_pages(vm, s, start, end);
		host_fault_in(vm, s, start, false);
		break;
	default:
		return -EINVAL;
	}
	notifier_end(vm, start, end);
	return 0;
}

/* The mm holds its locks from the decision to the notifier's end. */
static int mm_change(struct sim_vm *vm, const struct sim_event *ev)
{
	int ret;

	spin_lock(&vm->host_lock);
	ret = mm_change_locked(vm, ev);
	spin_unlock(&vm->host_lock);
	return ret;
}

static struct memslot *slot_arg(struct sim_vm *vm, int idx)
{
	return idx >= 0 && (unsigned int)idx < vm->cfg.nr_slots ?
	       &vm->slots[idx] : NULL;
}

/* Delete and re-add the slot: its memory comes back empty. */
static int memslot_delete(struct sim_vm *vm, struct memslot *s)
{
	u64 start = s->base, end = s->base + s->size;

	spin_lock(&vm->host_lock);
	notifier_start(vm, start, end);
	put_region_pages(vm, s, start, end);
	memset(s->pfn, 0, (s->size >> 12) * sizeof(*s->pfn));
	memset(s->order, 0, s->size >> 21);
	notifier_end(vm, start, end);
	spin_unlock(&vm->host_lock);
	return 0;
}

/*
 * A memslot flags update (KVM_MEM_LOG_DIRTY_PAGES): faults read the flags
 * under the memslots' SRCU, so the new flags are published and a grace
 * period passes before the write-protect, as kvm_set_memslot() does;
 * a fault that saw the old flags cannot map writable after it.
 */
static void set_logging(struct sim_vm *vm, struct memslot *s, bool on)
{
	spin_lock(&vm->host_lock);
	s->logging = on;
	spin_unlock(&vm->host_lock);
	memslots_synchronize();
	if (on)
		write_protect(vm, s->base, s->size);
}

static bool slot_logging(struct sim_vm *vm, struct memslot *s)
{
	bool on;

	spin_lock(&vm->host_lock);
	on = s->logging;
	spin_unlock(&vm->host_lock);
	return on;
}

int vm_host_event(struct sim_vm *vm, const struct sim_event *ev)
{
	struct memslot *s;
	bool young;
	u64 t0;

	switch (ev->kind) {
	case EV_MEMSLOT_DELETE:
		s = slot_arg(vm, ev->ctx);
		if (!s)
			return -EINVAL;
		if (s->backing == BACKING_HUGETLB)
			return 0;
		return memslot_delete(vm, s);
	case EV_DIRTY_ENABLE:
		s = slot_arg(vm, ev->ctx);
		if (!s)
			return -EINVAL;
		set_logging(vm, s, true);
		return 0;
	case EV_DIRTY_DISABLE:
		s = slot_arg(vm, ev->ctx);
		if (!s)
			return -EINVAL;
		set_logging(vm, s, false);
		return 0;
	case EV_DIRTY_CLEAR:
		s = vm_find_slot(vm, ev->addr);
		if (!range_in_slot(s, ev->addr, 64 * SZ_4K))
			return -EINVAL;
		if (slot_logging(vm, s))
			write_protect(vm, ev->addr, 64 * SZ_4K);
		return 0;
	case EV_AGE:
		if (!range_in_slot(vm_find_slot(vm, ev->addr), ev->addr,
				   ev->size))
			return -EINVAL;
		write_lock(&vm->kvm.mmu_lock);
		s2_test_clear_young(&vm->canonical_pgt, ev->addr, ev->size,
				    true);
		alloc_site_enter(ALLOC_SITE_AGE);
		t0 = sim_now_ns();
		young = vm->strat->age_canonical &&
			vm->strat->age_canonical(&vm->kvm, ev->addr, ev->size,
						 true);
		alloc_site_exit();
		vm->event_ns += sim_now_ns() - t0;
		write_unlock(&vm->kvm.mmu_lock);
		vm->stats.young += young;
		return 0;
	default:
		return mm_change(vm, ev);
	}
}

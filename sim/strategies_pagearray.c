// SPDX-License-Identifier: GPL-2.0
/*
 * "pagearray": the x86 shadow-MMU reverse map, transposed to nested stage-2.
 *
 * x86 keeps, for every memslot and every page size, an array with one
 * 8-byte head per guest frame of that size (slot->arch.rmap[level][index]).
 * A head is empty, holds one entry inline, or (low tag bit set) points at a
 * chain of 128-byte descriptors of 14 entries each (struct pte_list_desc).
 * New descriptors become the head of the chain, so every descriptor behind
 * the first is full and a head knows its length without walking. They come
 * from a per-vCPU cache filled before mmu_lock is taken, so adding an entry
 * never allocates under the lock. A head that would grow past 1000 entries
 * (RMAP_RECYCLE_THRESHOLD) has all its mappings zapped instead.
 *
 * Here an entry is a shadow stage-2 leaf, packed in one word as (nested MMU
 * index, nested IPA); the arrays are indexed by canonical IPA. A host-side
 * unmap, write-protect or aging of a canonical range visits exactly the
 * heads over the range, whatever the number of nested MMUs.
 *
 * Removing the entry of a leaf that goes away for another reason (a guest
 * TLBI, recycling, a leaf replaced by a new mapping) needs the leaf's
 * canonical IPA. x86 keeps the gfn of every spte beside the shadow page
 * (kvm_mmu_page::shadowed_translation, read by kvm_mmu_page_get_gfn). The
 * harness keeps exactly such an array beside every simulated shadow table:
 * the per-leaf tag, which holds the canonical IPA the leaf was made from.
 * Reading the tag therefore models x86 faithfully, and its cost is charged
 * in pagearray_mem_bytes(): 8 bytes per descriptor slot of every shadow
 * table page, i.e. one 4 KiB array per table.
 */
#include <errno.h>
#include <stdint.h>

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "pgtable.h"
#include "strategy.h"
#include "vm.h"

/* As x86's PTE_LIST_EXT: a descriptor is 128 bytes, two cache lines. */
#define PA_DESC_ENTRIES		14
/* As x86's RMAP_RECYCLE_THRESHOLD: past this many entries, zap the head. */
#define PA_RMAP_RECYCLE_THRESHOLD	1000

/* Host levels 3, 2, 1 (4K, 2M, 1G) -> array 0, 1, 2. */
#define PA_NR_LEVELS		3

/* Head: bit 0 set means a descriptor pointer, as x86's KVM_RMAP_MANY. */
#define PA_HEAD_MANY		BIT_ULL(0)
/* Entry: bit 1 always set, so that no entry reads as an empty head. */
#define PA_ENT_PRESENT		BIT_ULL(1)
#define PA_ENT_NESTED		GENMASK_ULL(47, 12)
#define PA_ENT_MMU_SHIFT	48
#define PA_MAX_MMUS		(1U << (64 - PA_ENT_MMU_SHIFT))

/* Per-vCPU cache: filled to capacity whenever it holds less than min. */
#define PA_CACHE_MIN		1	/* one record adds at most one desc */
#define PA_CACHE_CAPACITY	8

struct pa_desc {
	struct pa_desc *more;
	u32 count;		/* entries in this descriptor */
	u32 tail_count;		/* entries in every descriptor after it */
	u64 ent[PA_DESC_ENTRIES];
};
static_assert(sizeof(struct pa_desc) == 128, "pa_desc is two cache lines");

struct pa_slot {
	u64 base;
	u64 size;
	u64 *heads[PA_NR_LEVELS];
	u64 nr_heads[PA_NR_LEVELS];
};

struct pa_vm {
	spinlock_t lock;	/* heads and counters, against other records */
	unsigned int nr_slots;
	struct pa_slot slots[SIM_MAX_SLOTS];
	size_t nr_mmus;
	u64 *mmu_entries;	/* mappings tracked per nested MMU */
	/*
	 * An MMU whose leaf could not be recorded (no descriptor): it is
	 * handled as a whole, like upstream, until it is emptied.
	 */
	bool *lost;
	unsigned int nr_lost;
	u64 head_bytes;
	u64 nr_desc;		/* descriptors linked from heads */
	u64 fallbacks;
	u64 failures;
};

struct pa_cache {
	int nobjs;
	struct pa_desc *objs[PA_CACHE_CAPACITY];
};

static struct pa_vm *to_pa(struct kvm *kvm)
{
	return kvm->arch.peer;
}

static int level_idx(int level)
{
	return S2_LAST_LEVEL - level;
}

static unsigned int level_shift(int idx)
{
	return 12 + 9 * idx;
}

static u64 pack(unsigned int mmu_idx, u64 nested)
{
	return (nested & PA_ENT_NESTED) | ((u64)mmu_idx << PA_ENT_MMU_SHIFT) |
	       PA_ENT_PRESENT;
}

static unsigned int ent_mmu(u64 ent)
{
	return ent >> PA_ENT_MMU_SHIFT;
}

static u64 ent_nested(u64 ent)
{
	return ent & PA_ENT_NESTED;
}

static struct pa_desc *head_desc(u64 head)
{
	return (struct pa_desc *)(uintptr_t)(head & ~PA_HEAD_MANY);
}

static struct pa_slot *find_slot(struct pa_vm *pv, u64 ipa)
{
	for (unsigned int i = 0; i < pv->nr_slots; i++) {
		struct pa_slot *s = &pv->slots[i];

		if (ipa >= s->base && ipa - s->base < s->size)
			return s;
	}
	return NULL;
}

/* x86's gfn_to_index(), in bytes of canonical IPA. */
static u64 head_index(const struct pa_slot *s, u64 ipa, int idx)
{
	return (ipa >> level_shift(idx)) - (s->base >> level_shift(idx));
}

static u64 *find_head(struct pa_vm *pv, u64 canonical, int idx)
{
	struct pa_slot *s = find_slot(pv, canonical);

	return s ? &s->heads[idx][head_index(s, canonical, idx)] : NULL;
}

static u64 head_count(u64 head)
{
	struct pa_desc *d;

	if (!head)
		return 0;
	if (!(head & PA_HEAD_MANY))
		return 1;
	d = head_desc(head);
	return d->count + d->tail_count;
}

static struct kvm_s2_mmu *idx_mmu(struct kvm *kvm, unsigned int mmu_idx)
{
	return kvm->arch.nested_mmus[mmu_idx];
}

/* -------------------------------------------------------------------- */
/* The descriptor cache (kvm_mmu_memory_cache's role)                    */

static int pagearray_vcpu_topup(struct kvm_vcpu *vcpu)
{
	struct pa_cache *mc = vcpu->arch.peer_cache;

	if (!mc) {
		mc = kzalloc_obj(*mc, GFP_KERNEL_ACCOUNT);
		if (!mc)
			return -ENOMEM;
		vcpu->arch.peer_cache = mc;
	}
	if (mc->nobjs >= PA_CACHE_MIN)
		return 0;
	while (mc->nobjs < PA_CACHE_CAPACITY) {
		struct pa_desc *d = kmalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);

		if (!d)
			return mc->nobjs >= PA_CACHE_MIN ? 0 : -ENOMEM;
		mc->objs[mc->nobjs++] = d;
	}
	return 0;
}

static void pagearray_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	struct pa_cache *mc = vcpu->arch.peer_cache;

	if (!mc)
		return;
	while (mc->nobjs)
		kfree(mc->objs[--mc->nobjs]);
	kfree(mc);
	vcpu->arch.peer_cache = NULL;
}

/*
 * Under mmu_lock (read): the cache was filled before the lock was taken.
 * An empty cache is a bug in the caller; try an atomic allocation as the
 * kernel's cache does, and let the caller degrade if that fails too.
 */
static struct pa_desc *desc_alloc(struct pa_vm *pv, struct pa_cache *mc)
{
	struct pa_desc *d;

	if (mc && mc->nobjs)
		d = mc->objs[--mc->nobjs];
	else
		d = kmalloc(sizeof(*d), GFP_ATOMIC | __GFP_ACCOUNT);
	if (!d)
		return NULL;
	pv->nr_desc++;
	return d;
}

static void desc_free(struct pa_vm *pv, struct pa_desc *d)
{
	pv->nr_desc--;
	kfree(d);
}

/* -------------------------------------------------------------------- */
/* Heads (pte_list_add / pte_list_remove's roles)                        */

/* Add @ent to @head; false if a descriptor was needed and none came. */
static bool head_add(struct pa_vm *pv, struct pa_cache *mc, u64 *head,
		     u64 ent)
{
	struct pa_desc *d, *first;
	u64 total;

	if (!*head) {
		*head = ent;
		return true;
	}
	if (!(*head & PA_HEAD_MANY)) {
		d = desc_alloc(pv, mc);
		if (!d)
			return false;
		d->more = NULL;
		d->tail_count = 0;
		d->count = 2;
		d->ent[0] = *head;
		d->ent[1] = ent;
		*head = (u64)(uintptr_t)d | PA_HEAD_MANY;
		return true;
	}
	first = head_desc(*head);
	if (first->count < PA_DESC_ENTRIES) {
		first->ent[first->count++] = ent;
		return true;
	}
	/* The first descriptor is full: a new one goes in front of it. */
	total = first->count + first->tail_count;
	d = desc_alloc(pv, mc);
	if (!d)
		return false;
	d->more = first;
	d->tail_count = total;
	d->count = 1;
	d->ent[0] = ent;
	*head = (u64)(uintptr_t)d | PA_HEAD_MANY;
	return true;
}

/*
 * Remove entry @i of descriptor @d: the last entry of the first descriptor
 * fills the hole, which keeps every descriptor after the first full.
 */
static void desc_remove_at(struct pa_vm *pv, u64 *head, struct pa_desc *d,
			   int i)
{
	struct pa_desc *first = head_desc(*head);

	d->ent[i] = first->ent[first->count - 1];
	first->ent[--first->count] = 0;
	if (first->count)
		return;
	*head = first->more ? (u64)(uintptr_t)first->more | PA_HEAD_MANY : 0;
	desc_free(pv, first);
}

static bool head_remove(struct pa_vm *pv, u64 *head, u64 ent)
{
	if (!*head)
		return false;
	if (!(*head & PA_HEAD_MANY)) {
		if (*head != ent)
			return false;
		*head = 0;
		return true;
	}
	for (struct pa_desc *d = head_desc(*head); d; d = d->more) {
		for (u32 i = 0; i < d->count; i++) {
			if (d->ent[i] == ent) {
				desc_remove_at(pv, head, d, i);
				return true;
			}
		}
	}
	return false;
}

static bool head_contains(u64 head, u64 ent)
{
	if (!(head & PA_HEAD_MANY))
		return head && head == ent;
	for (struct pa_desc *d = head_desc(head); d; d = d->more)
		for (u32 i = 0; i < d->count; i++)
			if (d->ent[i] == ent)
				return true;
	return false;
}

typedef void (*ent_fn)(struct kvm *kvm, u64 ent, u64 size, void *arg);

static void head_for_each(struct kvm *kvm, u64 head, u64 size, ent_fn fn,
			  void *arg)
{
	if (!head)
		return;
	if (!(head & PA_HEAD_MANY)) {
		fn(kvm, head, size, arg);
		return;
	}
	for (struct pa_desc *d = head_desc(head); d; d = d->more)
		for (u32 i = 0; i < d->count; i++)
			fn(kvm, d->ent[i], size, arg);
}

/* Empty @head, freeing its descriptors (after its entries were handled). */
static void head_clear(struct pa_vm *pv, u64 *head)
{
	if (*head & PA_HEAD_MANY) {
		struct pa_desc *d = head_desc(*head), *next;

		for (; d; d = next) {
			next = d->more;
			desc_free(pv, d);
		}
	}
	*head = 0;
}

/* Drop the entry of a shadow leaf that is going away (rmap_remove). */
static void forget_leaf(struct pa_vm *pv, unsigned int mmu_idx, u64 nested,
			u64 canonical, int level)
{
	int idx = level_idx(level);
	u64 *head = find_head(pv, canonical, idx);

	if (head && head_remove(pv, head, pack(mmu_idx, nested))) {
		pv->mmu_entries[mmu_idx]--;
		return;
	}
	/* Only a lost MMU has leaves without entries. */
	if (WARN_ON(!pv->lost[mmu_idx]))
		pv->failures++;
}

/* -------------------------------------------------------------------- */
/* Shadow leaves of one MMU, with the canonical IPA of each              */

struct forget_ctx {
	struct pa_vm *pv;
	unsigned int mmu_idx;
};

static int forget_visitor(const struct s2_visit_ctx *ctx,
			  enum s2_walk_flags visit)
{
	struct forget_ctx *f = ctx->arg;

	(void)visit;
	/* *ctx->tagp plays shadowed_translation[index] (see the top). */
	if (s2_pte_valid(ctx->old))
		forget_leaf(f->pv, f->mmu_idx, ctx->addr, *ctx->tagp,
			    ctx->level);
	return 0;
}

/* Forget every leaf of @mmu that meets [start, start + size). */
static void forget_range(struct pa_vm *pv, struct kvm_s2_mmu *mmu, u64 start,
			 u64 size)
{
	struct forget_ctx f = { .pv = pv, .mmu_idx = mmu->sim_index };
	struct s2_walker w = {
		.cb = forget_visitor, .arg = &f, .flags = S2_WALK_LEAF,
	};

	s2_pgt_walk(mmu->pgt, start, size, &w);
}

/* -------------------------------------------------------------------- */
/* VM                                                                    */

static void pa_free(struct pa_vm *pv)
{
	for (unsigned int i = 0; i < pv->nr_slots; i++) {
		struct pa_slot *s = &pv->slots[i];

		for (int l = 0; l < PA_NR_LEVELS; l++) {
			if (!s->heads[l])
				continue;
			for (u64 h = 0; h < s->nr_heads[l]; h++)
				head_clear(pv, &s->heads[l][h]);
			kfree(s->heads[l]);
		}
	}
	kfree(pv->mmu_entries);
	kfree(pv->lost);
	kfree(pv);
}

static int pagearray_vm_init(struct kvm *kvm)
{
	struct sim_vm *vm = kvm_to_vm(kvm);
	struct pa_vm *pv;

	if (kvm->arch.nested_mmus_size > PA_MAX_MMUS)
		return -EINVAL;
	pv = kzalloc_obj(*pv, GFP_KERNEL_ACCOUNT);
	if (!pv)
		return -ENOMEM;
	spin_lock_init(&pv->lock);
	pv->nr_mmus = kvm->arch.nested_mmus_size;
	pv->mmu_entries = kmalloc_array(pv->nr_mmus, sizeof(u64),
					GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	pv->lost = kmalloc_array(pv->nr_mmus, sizeof(bool),
				 GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!pv->mmu_entries || !pv->lost)
		goto fail;

	/* One array per slot and level, as kvm_alloc_memslot_metadata. */
	for (unsigned int i = 0; i < vm->cfg.nr_slots; i++) {
		struct pa_slot *s = &pv->slots[i];

		s->base = vm->slots[i].base;
		s->size = vm->slots[i].size;
		pv->nr_slots++;
		for (int l = 0; l < PA_NR_LEVELS; l++) {
			s->nr_heads[l] = head_index(s, s->base + s->size - 1,
						    l) + 1;
			s->heads[l] = kmalloc_array(s->nr_heads[l], sizeof(u64),
						    GFP_KERNEL_ACCOUNT |
						    __GFP_ZERO);
			if (!s->heads[l])
				goto fail;
			pv->head_bytes += s->nr_heads[l] * sizeof(u64);
		}
	}
	kvm->arch.peer = pv;
	return 0;
fail:
	pa_free(pv);
	return -ENOMEM;
}

static void pagearray_vm_destroy(struct kvm *kvm)
{
	struct pa_vm *pv = to_pa(kvm);

	if (!pv)
		return;
	pa_free(pv);
	kvm->arch.peer = NULL;
}

/* -------------------------------------------------------------------- */
/* Faults                                                                */

static void zap_ent_shared(struct kvm *kvm, u64 ent, u64 size, void *arg)
{
	struct pa_vm *pv = arg;
	unsigned int mmu_idx = ent_mmu(ent);

	/*
	 * x86 zaps the sptes of a too-long rmap from the fault path
	 * (kvm_zap_all_rmap_sptes). Here the fault holds mmu_lock for read,
	 * and kvm_stage2_unmap_range() wants it for write: clear the leaf
	 * in the simulated table directly. In arm64 KVM this is the shared
	 * walker's break of a valid leaf (as a fault replacing a leaf does),
	 * without freeing tables under the read lock.
	 */
	s2_unmap(idx_mmu(kvm, mmu_idx)->pgt, ent_nested(ent), size);
	pv->mmu_entries[mmu_idx]--;
}

static void lose_mmu(struct pa_vm *pv, unsigned int mmu_idx)
{
	if (!pv->lost[mmu_idx]) {
		pv->lost[mmu_idx] = true;
		pv->nr_lost++;
	}
}

static void pagearray_record(struct kvm_vcpu *vcpu, struct kvm_s2_mmu *mmu,
			     gpa_t canonical, gpa_t nested, u64 size)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);
	struct pa_vm *pv = to_pa(kvm);
	unsigned int mmu_idx = mmu->sim_index;
	int level = s2_size_level(size);
	int idx = level_idx(level);
	u64 *head = NULL;

	lockdep_assert_held(&kvm->mmu_lock);
	spin_lock(&pv->lock);

	/* The leaves this mapping replaces leave their heads. */
	forget_range(pv, mmu, nested, size);

	if (level >= 0 && idx < PA_NR_LEVELS)
		head = find_head(pv, canonical, idx);
	if (WARN_ON(!head)) {
		pv->failures++;
		lose_mmu(pv, mmu_idx);
		goto out;
	}
	if (head_count(*head) > PA_RMAP_RECYCLE_THRESHOLD) {
		head_for_each(kvm, *head, 1ULL << level_shift(idx),
			      zap_ent_shared, pv);
		head_clear(pv, head);
		pv->fallbacks++;
	}
	if (head_add(pv, vcpu->arch.peer_cache, head, pack(mmu_idx, nested))) {
		pv->mmu_entries[mmu_idx]++;
	} else {
		/* Not tracked: the MMU is handled whole until emptied. */
		pv->failures++;
		lose_mmu(pv, mmu_idx);
	}
out:
	spin_unlock(&pv->lock);
}

/* -------------------------------------------------------------------- */
/* Host side: canonical ranges                                           */

typedef void (*head_fn)(struct kvm *kvm, u64 *head, u64 size, void *arg);

/* Every head whose canonical block meets [start, start + size). */
static void walk_heads(struct kvm *kvm, u64 start, u64 size, head_fn fn,
			  void *arg)
{
	struct pa_vm *pv = to_pa(kvm);
	u64 end = start + size;

	if (end < start)
		end = ~0ULL;
	for (unsigned int i = 0; i < pv->nr_slots; i++) {
		struct pa_slot *s = &pv->slots[i];
		u64 lo = max(start, s->base);
		u64 hi = min(end, s->base + s->size);

		if (lo >= hi)
			continue;
		for (int l = 0; l < PA_NR_LEVELS; l++) {
			u64 first = head_index(s, lo, l);
			u64 last = head_index(s, hi - 1, l);

			for (u64 h = first; h <= last; h++)
				if (s->heads[l][h])
					fn(kvm, &s->heads[l][h],
					   1ULL << level_shift(l), arg);
		}
	}
}

static void unmap_ent(struct kvm *kvm, u64 ent, u64 size, void *arg)
{
	bool may_block = *(bool *)arg;

	kvm_stage2_unmap_range(idx_mmu(kvm, ent_mmu(ent)), ent_nested(ent),
			       size, may_block);
	to_pa(kvm)->mmu_entries[ent_mmu(ent)]--;
}

static void unmap_head(struct kvm *kvm, u64 *head, u64 size, void *arg)
{
	head_for_each(kvm, *head, size, unmap_ent, arg);
	head_clear(to_pa(kvm), head);
}

static void unmap_lost(struct kvm *kvm, struct pa_vm *pv, bool may_block);

static void pagearray_unmap_canonical(struct kvm *kvm, gpa_t start, u64 size,
				      bool may_block)
{
	struct pa_vm *pv = to_pa(kvm);

	lockdep_assert_held_write(&kvm->mmu_lock);
	walk_heads(kvm, start, size, unmap_head, &may_block);
	if (pv->nr_lost)
		unmap_lost(kvm, pv, may_block);
}

static void wp_ent(struct kvm *kvm, u64 ent, u64 size, void *arg)
{
	u64 nested = ent_nested(ent);

	kvm_stage2_wp_range(idx_mmu(kvm, ent_mmu(ent)), nested, nested + size);
}

static void wp_head(struct kvm *kvm, u64 *head, u64 size, void *arg)
{
	head_for_each(kvm, *head, size, wp_ent, arg);
}

static void pagearray_wp_canonical(struct kvm *kvm, gpa_t start, u64 size)
{
	struct pa_vm *pv = to_pa(kvm);

	lockdep_assert_held_write(&kvm->mmu_lock);
	walk_heads(kvm, start, size, wp_head, NULL);
	for (size_t i = 0; pv->nr_lost && i < pv->nr_mmus; i++) {
		struct kvm_s2_mmu *mmu = idx_mmu(kvm, i);

		if (pv->lost[i] && kvm_s2_mmu_valid(mmu))
			kvm_stage2_wp_range(mmu, 0, kvm_phys_size(mmu));
	}
}

struct age_args {
	bool mkold;
	bool young;
};

static void age_ent(struct kvm *kvm, u64 ent, u64 size, void *arg)
{
	struct age_args *a = arg;
	struct kvm_s2_mmu *mmu = idx_mmu(kvm, ent_mmu(ent));

	a->young |= kvm_pgtable_stage2_test_clear_young(mmu->pgt,
							ent_nested(ent), size,
							a->mkold);
}

static void age_head(struct kvm *kvm, u64 *head, u64 size, void *arg)
{
	head_for_each(kvm, *head, size, age_ent, arg);
}

static bool pagearray_age_canonical(struct kvm *kvm, gpa_t start, u64 size,
				    bool mkold)
{
	struct age_args a = { .mkold = mkold };

	lockdep_assert_held_write(&kvm->mmu_lock);
	walk_heads(kvm, start, size, age_head, &a);
	/* A lost MMU's untracked leaves are not aged, as upstream. */
	return a.young;
}

/* -------------------------------------------------------------------- */
/* Guest side: nested ranges, whole MMUs                                 */

static void pagearray_unmap_nested(struct kvm_s2_mmu *mmu, gpa_t start,
				   u64 size, bool may_block)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);
	struct pa_vm *pv = to_pa(kvm);

	lockdep_assert_held_write(&kvm->mmu_lock);
	/* x86 drops the rmap entry of every spte it zaps: same here. */
	forget_range(pv, mmu, start, size);
	kvm_stage2_unmap_range(mmu, start, size, may_block);
}

static void unmap_whole(struct pa_vm *pv, struct kvm_s2_mmu *mmu,
			bool may_block)
{
	unsigned int mmu_idx = mmu->sim_index;

	/* Without lost leaves, no entries means no leaves: skip the walk. */
	if (pv->mmu_entries[mmu_idx] || pv->lost[mmu_idx])
		forget_range(pv, mmu, 0, kvm_phys_size(mmu));
	kvm_stage2_unmap_range(mmu, 0, kvm_phys_size(mmu), may_block);
	WARN_ON(pv->mmu_entries[mmu_idx]);
	if (pv->lost[mmu_idx]) {
		pv->lost[mmu_idx] = false;
		pv->nr_lost--;
	}
}

static void pagearray_unmap_mmu(struct kvm_s2_mmu *mmu, bool may_block)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);

	lockdep_assert_held_write(&kvm->mmu_lock);
	unmap_whole(to_pa(kvm), mmu, may_block);
}

/* What upstream does for every MMU, for the MMUs we lost track of. */
static void unmap_lost(struct kvm *kvm, struct pa_vm *pv, bool may_block)
{
	for (size_t i = 0; pv->nr_lost && i < pv->nr_mmus; i++) {
		if (!pv->lost[i])
			continue;
		unmap_whole(pv, idx_mmu(kvm, i), may_block);
		pv->fallbacks++;
	}
}

/* -------------------------------------------------------------------- */
/* Accounting                                                            */

static u64 pagearray_mem_bytes(struct kvm *kvm)
{
	struct pa_vm *pv = to_pa(kvm);
	u64 gfn_arrays = 0;

	/* shadowed_translation: 8 bytes per slot of every shadow table */
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++)
		gfn_arrays += idx_mmu(kvm, i)->pgt->nr_tables *
			      S2_PTRS_PER_TABLE * sizeof(u64);
	return pv->head_bytes + pv->nr_desc * sizeof(struct pa_desc) +
	       gfn_arrays;
}

static s64 pagearray_mmu_entries(struct kvm_s2_mmu *mmu)
{
	struct pa_vm *pv = to_pa(kvm_s2_mmu_to_kvm(mmu));

	if (mmu->sim_index < 0 || (size_t)mmu->sim_index >= pv->nr_mmus ||
	    pv->lost[mmu->sim_index])
		return -1;
	return pv->mmu_entries[mmu->sim_index];
}

static bool pagearray_tracks(struct kvm_s2_mmu *mmu, gpa_t nested,
			     gpa_t canonical, u64 size)
{
	struct pa_vm *pv = to_pa(kvm_s2_mmu_to_kvm(mmu));
	int level = s2_size_level(size);
	u64 *head;

	if (level < 0 || mmu->sim_index < 0)
		return false;
	head = find_head(pv, canonical, level_idx(level));
	return head && head_contains(*head, pack(mmu->sim_index, nested));
}

static void pagearray_counters(struct kvm *kvm, struct rmap_counters *c)
{
	struct pa_vm *pv = to_pa(kvm);

	c->fallbacks = pv->fallbacks;
	c->failures = pv->failures;
}

const struct rmap_strategy strategy_pagearray = {
	.name = "pagearray",
	.summary = "x86 shadow-MMU rmap design: per-memslot, per-level heads, 14-entry descriptors",
	.exact = true,
	.record_before_map = true,
	.vm_init = pagearray_vm_init,
	.vm_destroy = pagearray_vm_destroy,
	.vcpu_topup = pagearray_vcpu_topup,
	.vcpu_destroy = pagearray_vcpu_destroy,
	.record = pagearray_record,
	.unmap_canonical = pagearray_unmap_canonical,
	.unmap_nested = pagearray_unmap_nested,
	.unmap_mmu = pagearray_unmap_mmu,
	.wp_canonical = pagearray_wp_canonical,
	.age_canonical = pagearray_age_canonical,
	.mem_bytes = pagearray_mem_bytes,
	.mmu_entries = pagearray_mmu_entries,
	.tracks = pagearray_tracks,
	.counters = pagearray_counters,
};

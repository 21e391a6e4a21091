// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reverse map for nested stage-2 page tables.
 *
 * Per nested MMU, struct kvm_nested_revmap (mmu->nested_revmap) holds one
 * maple tree with four key spaces (bits 63:56 of a key; the IPA below):
 *
 *  - the nested space: the nested IPA range of every shadow leaf, mapped
 *    to the canonical IPA and level the leaf was made from. Guest TLB
 *    invalidations and replaced leaves find their entries here, so the
 *    reverse map follows the shadow stage-2 exactly.
 *  - one canonical space per leaf level: the canonical block of every
 *    leaf of that level, mapped to the nested IPA of the leaf, or to an
 *    alias set when several leaves of the MMU were made from the same
 *    block. Levels get spaces of their own because blocks of one level
 *    never partially overlap, while a page-sized leaf can be made from a
 *    page inside the block of another.
 *
 * One tree means one lock, the tree's own: a maple tree with an external
 * lock must not allocate without blocking (mas_nomem() warns), and
 * recording has to.
 *
 * Per VM, struct kvm_nested_revmap_vm splits canonical IPA space in at most
 * 2^REVMAP_REGION_BITS regions and keeps, per region, a bitmap of the
 * nested MMUs that may have leaves made from it, plus a bitmap of the MMUs
 * whose leaves are unknown. A canonical unmap visits only those MMUs.
 *
 * Locking: kvm->mmu_lock, then the tree's lock. Recording runs with
 * mmu_lock held for read, possibly on several vCPUs at once; everything
 * else holds it for write. The tree's lock is never held across
 * kvm_stage2_*() calls, which may drop mmu_lock to reschedule.
 *
 * Failures: what recording needs beyond maple tree nodes (the reverse map
 * of an MMU that had none, an alias descriptor) is allocated by
 * kvm_nested_revmap_topup() before mmu_lock is taken; maple tree nodes are
 * allocated without blocking. If anything still fails, the MMU's mappings
 * become unknown: its reverse map is unhooked and freed after an RCU grace
 * period (other vCPUs may still be using it), and the next canonical unmap
 * falls back to unmapping that MMU in full, after which tracking restarts.
 * A failure under the write lock falls back at once.
 */
#include <linux/kvm_host.h>
#include <linux/maple_tree.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/xarray.h>

#include <asm/kvm_mmu.h>
#include <asm/kvm_nested_revmap.h>
#include <asm/kvm_pgtable.h>

#define REVMAP_NESTED		0	/* key space; 1..3: canonical, by level */
#define REVMAP_SPACE_SHIFT	56
#define REVMAP_REGION_BITS	12
#define REVMAP_ALIAS_SLOTS	6
#define REVMAP_BATCH		16
#define REVMAP_GFP		(GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN)

/* Nested IPAs of the leaves made from one canonical block, beyond one. */
struct revmap_alias {
	struct revmap_alias *next;
	unsigned int nr;
	gpa_t nested[REVMAP_ALIAS_SLOTS];
};

struct kvm_nested_revmap {
	struct maple_tree tree;
	unsigned long nr_entries;
	unsigned long nr_alias;
	struct rcu_head rcu;
};

/* Filled before mmu_lock is taken; used by recording under it. */
struct kvm_nested_revmap_cache {
	struct kvm_nested_revmap *revmap;
	struct revmap_alias *alias;
};

struct kvm_nested_revmap_vm {
	unsigned int region_shift;
	unsigned int nr_regions;
	unsigned int nr_mmus;
	unsigned int words;		/* longs per MMU bitmap */
	unsigned long fallbacks;
	atomic_t failures;
	unsigned long *unknown;
	unsigned long regions[];	/* nr_regions bitmaps of nr_mmus */
};

/* Mappings gathered under revmap->lock, acted on without it. */
struct revmap_batch {
	unsigned int nr;
	gpa_t nested[REVMAP_BATCH];
};

/*
 * Maple tree values. Inline entries are xarray value entries: always odd,
 * so neither the normal nor the advanced maple tree API can take them for
 * NULL or for one of its reserved internal entries (even, below 4096), and
 * a nested IPA of 0 is still a present entry. xa_mk_value() gives up bit
 * 63, which no IPA uses. An alias set is a pointer, hence even.
 *
 * nested tree:    xa_mk_value(canonical IPA | level)
 * canonical tree: xa_mk_value(nested IPA), or struct revmap_alias *
 */
static void *nested_entry(gpa_t canonical, int level)
{
	return xa_mk_value(canonical | level);
}

static gpa_t nested_entry_canonical(void *entry)
{
	return xa_to_value(entry) & PAGE_MASK;
}

static int nested_entry_level(void *entry)
{
	return xa_to_value(entry) & ~PAGE_MASK;
}

static void *canonical_entry(gpa_t nested)
{
	return xa_mk_value(nested);
}

static u64 level_size(int level)
{
	return BIT_ULL(PAGE_SHIFT + (KVM_PGTABLE_LAST_LEVEL - level) *
		       (PAGE_SHIFT - 3));
}

static int size_level(u64 size)
{
	for (int level = 1; level <= KVM_PGTABLE_LAST_LEVEL; level++)
		if (size == level_size(level))
			return level;
	return -1;
}

static unsigned long rkey(int space, gpa_t ipa)
{
	return ((unsigned long)space << REVMAP_SPACE_SHIFT) | ipa;
}

static gpa_t key_ipa(unsigned long key)
{
	return key & GENMASK_ULL(REVMAP_SPACE_SHIFT - 1, 0);
}

static struct kvm_nested_revmap_vm *revmap_vm(struct kvm *kvm)
{
	return kvm->arch.nested_revmap_vm;
}

static unsigned long *region_bits(struct kvm_nested_revmap_vm *vm,
				  unsigned long region)
{
	return &vm->regions[region * vm->words];
}

static unsigned long region_of(struct kvm_nested_revmap_vm *vm, gpa_t ipa)
{
	return ipa >> vm->region_shift;
}

static struct kvm_nested_revmap *revmap_alloc(gfp_t gfp)
{
	struct kvm_nested_revmap *rm = kzalloc(sizeof(*rm), gfp);

	if (!rm)
		return NULL;
	mt_init(&rm->tree);
	return rm;
}

static void alias_free(struct kvm_nested_revmap *rm, struct revmap_alias *set)
{
	while (set) {
		struct revmap_alias *next = set->next;

		kfree(set);
		rm->nr_alias--;
		set = next;
	}
}

/* Empty the tree, keeping @rm usable. Tree lock held. */
static void revmap_clear(struct kvm_nested_revmap *rm)
{
	MA_STATE(mas, &rm->tree, rkey(1, 0), rkey(1, 0));
	void *entry;

	/* Alias sets live in the canonical spaces, after the nested one. */
	mas_for_each(&mas, entry, ULONG_MAX)
		if (!xa_is_value(entry))
			alias_free(rm, entry);
	__mt_destroy(&rm->tree);
	rm->nr_entries = 0;
}

static void revmap_free(struct kvm_nested_revmap *rm)
{
	mtree_lock(&rm->tree);
	revmap_clear(rm);
	mtree_unlock(&rm->tree);
	kfree(rm);
}

static void revmap_free_rcu(struct rcu_head *head)
{
	revmap_free(container_of(head, struct kvm_nested_revmap, rcu));
}

static struct revmap_alias *cache_take_alias(struct kvm_nested_revmap_cache *c)
{
	struct revmap_alias *set = c ? c->alias : NULL;

	if (set)
		c->alias = NULL;
	return set;
}

/* Add @nested to the leaves made from the block an alias set stands for. */
static int alias_add(struct kvm_nested_revmap *rm,
		     struct kvm_nested_revmap_cache *cache,
		     struct revmap_alias *set, gpa_t nested)
{
	struct revmap_alias *d, *fresh;

	for (d = set; d; d = d->next) {
		if (d->nr < REVMAP_ALIAS_SLOTS) {
			d->nested[d->nr++] = nested;
			return 0;
		}
	}
	/* Link behind the head, so that the tree's pointer stays valid. */
	fresh = cache_take_alias(cache);
	if (!fresh)
		return -ENOMEM;
	fresh->nr = 1;
	fresh->nested[0] = nested;
	fresh->next = set->next;
	set->next = fresh;
	rm->nr_alias++;
	return 0;
}

static int canonical_add(struct kvm_nested_revmap *rm,
			 struct kvm_nested_revmap_cache *cache,
			 gpa_t canonical, int level, gpa_t nested)
{
	u64 size = level_size(level);
	MA_STATE(mas, &rm->tree, rkey(level, canonical), rkey(level, canonical));
	struct revmap_alias *set;
	void *entry = mas_walk(&mas);
	int ret;

	mas_set_range(&mas, rkey(level, canonical),
		      rkey(level, canonical + size - 1));
	if (!entry)
		return mas_store_gfp(&mas, canonical_entry(nested), REVMAP_GFP);
	if (!xa_is_value(entry))
		return alias_add(rm, cache, entry, nested);

	set = cache_take_alias(cache);
	if (!set)
		return -ENOMEM;
	set->next = NULL;
	set->nr = 2;
	set->nested[0] = xa_to_value(entry);
	set->nested[1] = nested;
	ret = mas_store_gfp(&mas, set, REVMAP_GFP);
	if (ret)
		kfree(set);
	else
		rm->nr_alias++;
	return ret;
}

/* Take @nested out of an alias set; back to an inline entry at one left. */
static int alias_del(struct kvm_nested_revmap *rm, struct ma_state *mas,
		     struct revmap_alias *set, gpa_t nested)
{
	struct revmap_alias *d, *prev = NULL;
	unsigned int i;

	for (d = set; d; prev = d, d = d->next) {
		for (i = 0; i < d->nr; i++)
			if (d->nested[i] == nested)
				goto found;
	}
	return -ENOENT;
found:
	d->nested[i] = d->nested[--d->nr];
	if (!d->nr && prev) {
		prev->next = d->next;
		kfree(d);
		rm->nr_alias--;
	} else if (!d->nr && set->next) {
		d = set->next;
		*set = *d;
		kfree(d);
		rm->nr_alias--;
	}
	if (set->nr > 1 || set->next)
		return 0;
	if (mas_store_gfp(mas, canonical_entry(set->nested[0]), REVMAP_GFP))
		return -ENOMEM;
	kfree(set);
	rm->nr_alias--;
	return 0;
}

static int canonical_del(struct kvm_nested_revmap *rm, gpa_t canonical,
			 int level, gpa_t nested)
{
	u64 size = level_size(level);
	MA_STATE(mas, &rm->tree, rkey(level, canonical), rkey(level, canonical));
	void *entry = mas_walk(&mas);

	mas_set_range(&mas, rkey(level, canonical),
		      rkey(level, canonical + size - 1));
	if (WARN_ON_ONCE(!entry))
		return -ENOENT;
	if (!xa_is_value(entry))
		return alias_del(rm, &mas, entry, nested);
	if (WARN_ON_ONCE(xa_to_value(entry) != nested))
		return -ENOENT;
	return mas_store_gfp(&mas, NULL, REVMAP_GFP);
}

/* Forget one mapping in both directions. Tree lock held. */
static int revmap_remove(struct kvm_nested_revmap *rm, gpa_t nested,
			 gpa_t canonical, int level)
{
	MA_STATE(mas, &rm->tree, rkey(REVMAP_NESTED, nested),
		 rkey(REVMAP_NESTED, nested + level_size(level) - 1));
	int ret = canonical_del(rm, canonical, level, nested);

	if (ret)
		return ret;
	ret = mas_store_gfp(&mas, NULL, REVMAP_GFP);
	if (!ret)
		rm->nr_entries--;
	return ret;
}

/* Forget every mapping whose nested range meets [first, last]. */
static int revmap_drop_nested(struct kvm_nested_revmap *rm, gpa_t first,
			      gpa_t last)
{
	MA_STATE(mas, &rm->tree, rkey(REVMAP_NESTED, first),
		 rkey(REVMAP_NESTED, first));
	void *entry;
	int ret;

	while ((entry = mas_find(&mas, rkey(REVMAP_NESTED, last)))) {
		gpa_t start = key_ipa(mas.index), end = key_ipa(mas.last);

		ret = revmap_remove(rm, start, nested_entry_canonical(entry),
				    nested_entry_level(entry));
		if (ret)
			return ret;
		if (end >= last)
			break;
		mas_set(&mas, rkey(REVMAP_NESTED, end + 1));
	}
	return 0;
}

static void region_mark(struct kvm_nested_revmap_vm *vm, u16 id,
			gpa_t canonical, u64 size)
{
	for (unsigned long r = region_of(vm, canonical);
	     r <= region_of(vm, canonical + size - 1); r++)
		set_bit(id, region_bits(vm, r));
}

static int revmap_insert(struct kvm_nested_revmap_vm *vm,
			 struct kvm_nested_revmap *rm,
			 struct kvm_nested_revmap_cache *cache, u16 id,
			 gpa_t canonical, gpa_t nested, int level)
{
	u64 size = level_size(level);
	MA_STATE(mas, &rm->tree, rkey(REVMAP_NESTED, nested),
		 rkey(REVMAP_NESTED, nested));
	void *old = mas_walk(&mas);
	int ret;

	/* The same leaf again, e.g. after a permission fault. */
	if (old == nested_entry(canonical, level) &&
	    key_ipa(mas.index) == nested &&
	    key_ipa(mas.last) == nested + size - 1)
		return 0;

	/* Mapping the leaf replaced whatever the MMU mapped in its range. */
	ret = revmap_drop_nested(rm, nested, nested + size - 1);
	if (ret)
		return ret;

	mas_set_range(&mas, rkey(REVMAP_NESTED, nested),
		      rkey(REVMAP_NESTED, nested + size - 1));
	ret = mas_store_gfp(&mas, nested_entry(canonical, level), REVMAP_GFP);
	if (ret)
		return ret;
	ret = canonical_add(rm, cache, canonical, level, nested);
	if (ret)
		return ret;
	rm->nr_entries++;
	/* Under the tree lock, after the insert: see region_settle(). */
	region_mark(vm, id, canonical, size);
	return 0;
}

/*
 * The reverse map of @mmu for recording, installing the vCPU's spare if
 * the MMU has none yet. NULL when the MMU's mappings are unknown, or when
 * it needs a spare and the vCPU has none.
 */
static struct kvm_nested_revmap *
revmap_get(struct kvm_nested_revmap_vm *vm,
	   struct kvm_nested_revmap_cache *cache, struct kvm_s2_mmu *mmu)
{
	struct kvm_nested_revmap *rm;

	if (test_bit(mmu->nested_revmap_id, vm->unknown))
		return NULL;
	rm = rcu_dereference(mmu->nested_revmap);
	if (rm || !cache || !cache->revmap)
		return rm;
	if (!cmpxchg(&mmu->nested_revmap, NULL, cache->revmap)) {
		rm = cache->revmap;
		cache->revmap = NULL;
		return rm;
	}
	return rcu_dereference(mmu->nested_revmap);
}

/* Recording failed: the MMU's mappings are unknown from now on. */
static void revmap_fail(struct kvm *kvm, struct kvm_s2_mmu *mmu)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	struct kvm_nested_revmap *rm;

	set_bit(mmu->nested_revmap_id, vm->unknown);
	atomic_inc(&vm->failures);
	rm = READ_ONCE(mmu->nested_revmap);
	/* Several vCPUs may fail at once: one of them frees it. */
	if (rm && cmpxchg(&mmu->nested_revmap, rm, NULL) == rm)
		call_rcu(&rm->rcu, revmap_free_rcu);
}

/**
 * kvm_nested_revmap_record() - Record a new shadow stage-2 leaf.
 * @vcpu:	the vCPU whose fault maps the leaf
 * @mmu:	the nested MMU the leaf goes into
 * @canonical:	canonical IPA of the block the leaf maps, aligned to @size
 * @nested:	nested IPA of the leaf, aligned to @size
 * @size:	size of the leaf, a stage-2 block or page size
 *
 * Call with kvm->mmu_lock held (for read is enough) before the leaf is
 * installed, after kvm_nested_revmap_topup() with no lock held. Whatever
 * @mmu mapped in the nested range of the leaf is forgotten, as installing
 * the leaf removes it. Never fails: on any failure the mappings of @mmu
 * become unknown and the next canonical unmap unmaps @mmu in full.
 */
void kvm_nested_revmap_record(struct kvm_vcpu *vcpu, struct kvm_s2_mmu *mmu,
			      gpa_t canonical, gpa_t nested, u64 size)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	struct kvm_nested_revmap *rm;
	int level = size_level(size);
	int ret = -ENOMEM;

	lockdep_assert_held(&kvm->mmu_lock);
	if (!vm)
		return;
	if (WARN_ON_ONCE(level < 0 || !IS_ALIGNED(canonical, size) ||
			 !IS_ALIGNED(nested, size) ||
			 region_of(vm, canonical + size - 1) >= vm->nr_regions)) {
		revmap_fail(kvm, mmu);
		return;
	}

	rcu_read_lock();
	rm = revmap_get(vm, vcpu->arch.nested_revmap_cache, mmu);
	if (rm) {
		mtree_lock(&rm->tree);
		ret = revmap_insert(vm, rm, vcpu->arch.nested_revmap_cache,
				    mmu->nested_revmap_id, canonical, nested,
				    level);
		mtree_unlock(&rm->tree);
	} else if (test_bit(mmu->nested_revmap_id, vm->unknown)) {
		ret = 0;	/* already unknown: nothing more to lose */
	}
	rcu_read_unlock();
	if (ret)
		revmap_fail(kvm, mmu);
}

static struct kvm_nested_revmap *revmap_locked(struct kvm_s2_mmu *mmu)
{
	return rcu_dereference_protected(mmu->nested_revmap,
					 lockdep_is_held(&kvm_s2_mmu_to_kvm(mmu)->mmu_lock));
}

/* Start @mmu afresh: no mappings, none unknown. Its tables are empty. */
static void revmap_reset(struct kvm *kvm, struct kvm_s2_mmu *mmu)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	struct kvm_nested_revmap *rm = revmap_locked(mmu);

	if (rm) {
		mtree_lock(&rm->tree);
		revmap_clear(rm);
		mtree_unlock(&rm->tree);
	}
	clear_bit(mmu->nested_revmap_id, vm->unknown);
	for (unsigned long r = 0; r < vm->nr_regions; r++)
		clear_bit(mmu->nested_revmap_id, region_bits(vm, r));
}

/**
 * kvm_nested_revmap_unmap_mmu() - Unmap a nested MMU in full.
 * @mmu:	the nested MMU
 * @may_block:	whether the unmap may drop mmu_lock to reschedule
 *
 * For recycling (pending_unmap), TLBI ALLE1* and fallbacks. Call with
 * kvm->mmu_lock held for write.
 */
void kvm_nested_revmap_unmap_mmu(struct kvm_s2_mmu *mmu, bool may_block)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);

	lockdep_assert_held_write(&kvm->mmu_lock);
	kvm_stage2_unmap_range(mmu, 0, kvm_phys_size(mmu), may_block);
	if (revmap_vm(kvm))
		revmap_reset(kvm, mmu);
}

static void revmap_fallback(struct kvm *kvm, struct kvm_s2_mmu *mmu,
			    bool may_block)
{
	revmap_vm(kvm)->fallbacks++;
	kvm_nested_revmap_unmap_mmu(mmu, may_block);
}

/*
 * Take up to a batch of mappings made from canonical blocks of @level in
 * [*pos, last] out of the reverse map. Tree lock held.
 */
static int revmap_take(struct kvm_nested_revmap *rm, int level, gpa_t *pos,
		       gpa_t last, struct revmap_batch *b)
{
	MA_STATE(mas, &rm->tree, rkey(level, *pos), rkey(level, *pos));
	void *entry;
	int ret;

	while (b->nr < REVMAP_BATCH &&
	       (entry = mas_find(&mas, rkey(level, last)))) {
		gpa_t canonical = key_ipa(mas.index);
		gpa_t nested;

		if (xa_is_value(entry))
			nested = xa_to_value(entry);
		else
			nested = ((struct revmap_alias *)entry)->nested[0];
		ret = revmap_remove(rm, nested, canonical, level);
		if (ret)
			return ret;
		b->nested[b->nr++] = nested;
		/* The block may have more aliases: look at it again. */
		*pos = canonical;
		mas_set(&mas, rkey(level, canonical));
	}
	return 0;
}

/* No more leaves of @mmu from region @r: stop visiting it there. */
static void region_settle(struct kvm_nested_revmap_vm *vm,
			  struct kvm_nested_revmap *rm, u16 id,
			  unsigned long r)
{
	gpa_t first = (gpa_t)r << vm->region_shift;
	gpa_t last = first + BIT_ULL(vm->region_shift) - 1;

	for (int level = 1; level <= KVM_PGTABLE_LAST_LEVEL; level++) {
		gpa_t from = ALIGN_DOWN(first, level_size(level));
		MA_STATE(mas, &rm->tree, rkey(level, from), rkey(level, from));

		if (mas_find(&mas, rkey(level, last)))
			return;
	}
	clear_bit(id, region_bits(vm, r));
}

/* Unmap the leaves of @mmu made from canonical [start, end) of region @r. */
static void revmap_unmap_region(struct kvm *kvm, struct kvm_s2_mmu *mmu,
				unsigned long r, gpa_t start, gpa_t end,
				bool may_block)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);

	for (int level = 1; level <= KVM_PGTABLE_LAST_LEVEL; level++) {
		u64 size = level_size(level);
		gpa_t pos = ALIGN_DOWN(start, size);
		struct revmap_batch b;
		int ret;

		do {
			/* mmu_lock may have been dropped: look again. */
			struct kvm_nested_revmap *rm = revmap_locked(mmu);

			if (!rm) {
				revmap_fallback(kvm, mmu, may_block);
				return;
			}
			b.nr = 0;
			mtree_lock(&rm->tree);
			ret = revmap_take(rm, level, &pos, end - 1, &b);
			mtree_unlock(&rm->tree);
			if (ret) {
				atomic_inc(&vm->failures);
				revmap_fallback(kvm, mmu, may_block);
				return;
			}
			for (unsigned int i = 0; i < b.nr; i++)
				kvm_stage2_unmap_range(mmu, b.nested[i], size,
						       may_block);
		} while (b.nr == REVMAP_BATCH);
	}

	if (revmap_locked(mmu)) {
		struct kvm_nested_revmap *rm = revmap_locked(mmu);

		mtree_lock(&rm->tree);
		region_settle(vm, rm, mmu->nested_revmap_id, r);
		mtree_unlock(&rm->tree);
	}
}

static void for_each_unknown_mmu(struct kvm *kvm,
				 void (*fn)(struct kvm_s2_mmu *mmu, void *arg),
				 void *arg)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	unsigned long i;

	for_each_set_bit(i, vm->unknown, vm->nr_mmus)
		fn(kvm->arch.nested_mmus[i], arg);
}

static void fallback_fn(struct kvm_s2_mmu *mmu, void *arg)
{
	revmap_fallback(kvm_s2_mmu_to_kvm(mmu), mmu, *(bool *)arg);
}

/**
 * kvm_nested_revmap_unmap_canonical() - Unmap the shadow leaves made from
 *	a canonical IPA range.
 * @kvm:	the VM
 * @start:	start of the canonical range
 * @size:	size of the canonical range
 * @may_block:	whether unmapping may drop mmu_lock to reschedule
 *
 * Every shadow leaf whose canonical block meets the range is unmapped, and
 * no other. MMUs whose mappings are unknown are unmapped in full. Call with
 * kvm->mmu_lock held for write, in place of kvm_nested_s2_unmap().
 */
void kvm_nested_revmap_unmap_canonical(struct kvm *kvm, gpa_t start,
				       u64 size, bool may_block)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	gpa_t end = start + size;
	unsigned long r, last;

	lockdep_assert_held_write(&kvm->mmu_lock);
	if (!vm || !size)
		return;
	for_each_unknown_mmu(kvm, fallback_fn, &may_block);

	end = min_t(gpa_t, end, (gpa_t)vm->nr_regions << vm->region_shift);
	if (start >= end)
		return;
	last = region_of(vm, end - 1);
	for (r = region_of(vm, start); r <= last; r++) {
		gpa_t rs = max_t(gpa_t, start, (gpa_t)r << vm->region_shift);
		gpa_t re = min_t(gpa_t, end,
				 (gpa_t)(r + 1) << vm->region_shift);
		unsigned long i;

		for_each_set_bit(i, region_bits(vm, r), vm->nr_mmus)
			revmap_unmap_region(kvm, kvm->arch.nested_mmus[i], r,
					    rs, re, may_block);
	}
}

/**
 * kvm_nested_revmap_unmap_nested() - Unmap a nested IPA range of one MMU.
 * @mmu:	the nested MMU
 * @start:	start of the nested range
 * @size:	size of the nested range
 * @may_block:	whether unmapping may drop mmu_lock to reschedule
 *
 * For guest TLB invalidations: the leaves that meet the range are
 * unmapped whole and forgotten by the reverse map. Call with
 * kvm->mmu_lock held for write, in place of kvm_stage2_unmap_range().
 */
void kvm_nested_revmap_unmap_nested(struct kvm_s2_mmu *mmu, gpa_t start,
				    u64 size, bool may_block)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);
	struct kvm_nested_revmap *rm;
	int ret = 0;

	lockdep_assert_held_write(&kvm->mmu_lock);
	if (revmap_vm(kvm) && !start && size >= kvm_phys_size(mmu)) {
		kvm_nested_revmap_unmap_mmu(mmu, may_block);
		return;
	}
	rm = revmap_vm(kvm) ? revmap_locked(mmu) : NULL;
	if (rm && size) {
		mtree_lock(&rm->tree);
		ret = revmap_drop_nested(rm, start, start + size - 1);
		mtree_unlock(&rm->tree);
	}
	if (ret) {
		atomic_inc(&revmap_vm(kvm)->failures);
		revmap_fallback(kvm, mmu, may_block);
		return;
	}
	kvm_stage2_unmap_range(mmu, start, size, may_block);
}

/*
 * Gather up to a batch of the nested IPAs made from canonical blocks of
 * @level in [*pos, last], without taking them out; *skip counts the
 * aliases of the block at *pos already gathered. Tree lock held.
 */
static void revmap_collect(struct kvm_nested_revmap *rm, int level,
			   gpa_t *pos, unsigned int *skip, gpa_t last,
			   struct revmap_batch *b)
{
	MA_STATE(mas, &rm->tree, rkey(level, *pos), rkey(level, *pos));
	void *entry;

	while (b->nr < REVMAP_BATCH &&
	       (entry = mas_find(&mas, rkey(level, last)))) {
		unsigned int n = 0;

		if (key_ipa(mas.index) != *pos)
			*skip = 0;
		*pos = key_ipa(mas.index);
		if (xa_is_value(entry)) {
			b->nested[b->nr++] = xa_to_value(entry);
		} else {
			for (struct revmap_alias *d = entry; d; d = d->next) {
				for (unsigned int i = 0; i < d->nr; i++, n++) {
					if (n < *skip)
						continue;
					if (b->nr == REVMAP_BATCH) {
						*skip = n;
						return;
					}
					b->nested[b->nr++] = d->nested[i];
				}
			}
		}
		*skip = 0;
		if (key_ipa(mas.last) >= last) {
			*pos = last;
			*skip = UINT_MAX;	/* done */
			return;
		}
		*pos = key_ipa(mas.last) + 1;
	}
}

typedef bool (*revmap_leaf_fn)(struct kvm_s2_mmu *mmu, gpa_t nested,
			       u64 size, void *arg);

/* Apply @fn to every leaf of @mmu made from canonical [start, end). */
static bool revmap_apply(struct kvm_s2_mmu *mmu, gpa_t start, gpa_t end,
			 revmap_leaf_fn fn, void *arg)
{
	bool any = false;

	for (int level = 1; level <= KVM_PGTABLE_LAST_LEVEL; level++) {
		u64 size = level_size(level);
		gpa_t pos = ALIGN_DOWN(start, size);
		unsigned int skip = 0;
		struct revmap_batch b;

		do {
			struct kvm_nested_revmap *rm = revmap_locked(mmu);

			if (!rm)
				return any;
			b.nr = 0;
			mtree_lock(&rm->tree);
			revmap_collect(rm, level, &pos, &skip, end - 1, &b);
			mtree_unlock(&rm->tree);
			for (unsigned int i = 0; i < b.nr; i++)
				any |= fn(mmu, b.nested[i], size, arg);
		} while (b.nr == REVMAP_BATCH && skip != UINT_MAX);
	}
	return any;
}

/* Apply @fn to the leaves made from canonical [start, start + size). */
static bool revmap_apply_range(struct kvm *kvm, gpa_t start, u64 size,
			       revmap_leaf_fn fn, void *arg)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	gpa_t end = min_t(gpa_t, start + size,
			  (gpa_t)vm->nr_regions << vm->region_shift);
	bool any = false;

	if (start >= end)
		return false;
	for (unsigned long r = region_of(vm, start);
	     r <= region_of(vm, end - 1); r++) {
		gpa_t rs = max_t(gpa_t, start, (gpa_t)r << vm->region_shift);
		gpa_t re = min_t(gpa_t, end,
				 (gpa_t)(r + 1) << vm->region_shift);
		unsigned long i;

		for_each_set_bit(i, region_bits(vm, r), vm->nr_mmus)
			any |= revmap_apply(kvm->arch.nested_mmus[i], rs, re,
					    fn, arg);
	}
	return any;
}

static bool wp_fn(struct kvm_s2_mmu *mmu, gpa_t nested, u64 size, void *arg)
{
	kvm_stage2_wp_range(mmu, nested, nested + size);
	return false;
}

static void wp_unknown_fn(struct kvm_s2_mmu *mmu, void *arg)
{
	kvm_stage2_wp_range(mmu, 0, kvm_phys_size(mmu));
}

/**
 * kvm_nested_revmap_wp() - Write-protect the shadow leaves made from a
 *	canonical IPA range.
 * @kvm:	the VM
 * @start:	start of the canonical range
 * @size:	size of the canonical range
 *
 * For dirty logging. MMUs whose mappings are unknown are write-protected
 * in full. Call with kvm->mmu_lock held for write, in place of
 * kvm_nested_s2_wp().
 */
void kvm_nested_revmap_wp(struct kvm *kvm, gpa_t start, u64 size)
{
	lockdep_assert_held_write(&kvm->mmu_lock);
	if (!revmap_vm(kvm) || !size)
		return;
	for_each_unknown_mmu(kvm, wp_unknown_fn, NULL);
	revmap_apply_range(kvm, start, size, wp_fn, NULL);
}

static bool age_fn(struct kvm_s2_mmu *mmu, gpa_t nested, u64 size, void *arg)
{
	return kvm_pgtable_stage2_test_clear_young(mmu->pgt, nested, size,
						   *(bool *)arg);
}

/**
 * kvm_nested_revmap_age() - Test, and optionally clear, the access flag of
 *	the shadow leaves made from a canonical IPA range.
 * @kvm:	the VM
 * @start:	start of the canonical range
 * @size:	size of the canonical range
 * @mkold:	clear the access flags
 *
 * Upstream ages canonical mappings only; with the reverse map, an L2
 * guest's use of L1 memory keeps it young too. MMUs whose mappings are
 * unknown are not aged. Call with kvm->mmu_lock held for write.
 *
 * Return: true if any of the leaves was young.
 */
bool kvm_nested_revmap_age(struct kvm *kvm, gpa_t start, u64 size,
			   bool mkold)
{
	lockdep_assert_held_write(&kvm->mmu_lock);
	if (!revmap_vm(kvm) || !size)
		return false;
	return revmap_apply_range(kvm, start, size, age_fn, &mkold);
}

/**
 * kvm_nested_revmap_topup() - Prepare what recording a leaf may need.
 * @vcpu:	the vCPU about to handle a nested stage-2 fault
 *
 * Call with no lock held, like the page-table memory cache top-up. A
 * failure here is not an error: recording then marks the MMU unknown.
 */
void kvm_nested_revmap_topup(struct kvm_vcpu *vcpu)
{
	struct kvm_nested_revmap_cache *cache = vcpu->arch.nested_revmap_cache;

	if (!cache) {
		cache = kzalloc(sizeof(*cache), GFP_KERNEL_ACCOUNT);
		if (!cache)
			return;
		vcpu->arch.nested_revmap_cache = cache;
	}
	if (!cache->revmap)
		cache->revmap = revmap_alloc(GFP_KERNEL_ACCOUNT);
	if (!cache->alias)
		cache->alias = kzalloc(sizeof(*cache->alias),
				       GFP_KERNEL_ACCOUNT);
}

/**
 * kvm_nested_revmap_free_cache() - Free a vCPU's prepared allocations.
 * @vcpu:	the vCPU being destroyed
 */
void kvm_nested_revmap_free_cache(struct kvm_vcpu *vcpu)
{
	struct kvm_nested_revmap_cache *cache = vcpu->arch.nested_revmap_cache;

	if (!cache)
		return;
	if (cache->revmap)
		revmap_free(cache->revmap);
	kfree(cache->alias);
	kfree(cache);
	vcpu->arch.nested_revmap_cache = NULL;
}

/**
 * kvm_nested_revmap_init_vm() - Set up, or grow, the per-VM reverse map.
 * @kvm:	the VM, which runs nested guests
 * @nr_mmus:	nested MMUs to provide for
 *
 * Call with no lock held whenever kvm->arch.nested_mmus grows; the new
 * state is swapped in under kvm->mmu_lock. VMs without nested MMUs never
 * call it and carry nothing but a NULL pointer.
 *
 * Return: 0, or -ENOMEM.
 */
int kvm_nested_revmap_init_vm(struct kvm *kvm, unsigned int nr_mmus)
{
	struct kvm_nested_revmap_vm *old = revmap_vm(kvm), *vm;
	unsigned int ipa_bits = ilog2(kvm_phys_size(&kvm->arch.mmu));
	/* Regions of at least a level-2 block: no block spans two. */
	unsigned int shift = max_t(unsigned int,
				   ilog2(level_size(KVM_PGTABLE_LAST_LEVEL - 1)),
				   ipa_bits > REVMAP_REGION_BITS ?
				   ipa_bits - REVMAP_REGION_BITS : 0);
	unsigned int nr_regions = 1U << (ipa_bits - min(shift, ipa_bits));
	unsigned int words = BITS_TO_LONGS(nr_mmus);

	if (old && old->nr_mmus >= nr_mmus)
		return 0;
	vm = kvzalloc(struct_size(vm, regions, (size_t)nr_regions * words),
		      GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	vm->unknown = kzalloc(words * sizeof(long), GFP_KERNEL_ACCOUNT);
	if (!vm->unknown) {
		kvfree(vm);
		return -ENOMEM;
	}
	vm->region_shift = shift;
	vm->nr_regions = nr_regions;
	vm->nr_mmus = nr_mmus;
	vm->words = words;

	write_lock(&kvm->mmu_lock);
	if (old) {
		for (unsigned long r = 0; r < nr_regions; r++)
			bitmap_copy(region_bits(vm, r), region_bits(old, r),
				    old->nr_mmus);
		bitmap_copy(vm->unknown, old->unknown, old->nr_mmus);
		vm->fallbacks = old->fallbacks;
		atomic_set(&vm->failures, atomic_read(&old->failures));
	}
	kvm->arch.nested_revmap_vm = vm;
	write_unlock(&kvm->mmu_lock);

	if (old) {
		kfree(old->unknown);
		kvfree(old);
	}
	return 0;
}

/**
 * kvm_nested_revmap_destroy_vm() - Free the per-VM reverse map.
 * @kvm:	the VM, with every nested MMU already freed
 */
void kvm_nested_revmap_destroy_vm(struct kvm *kvm)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);

	if (!vm)
		return;
	kfree(vm->unknown);
	kvfree(vm);
	kvm->arch.nested_revmap_vm = NULL;
}

/**
 * kvm_nested_revmap_init_mmu() - Give a new nested MMU its reverse-map id.
 * @mmu:	the nested MMU
 * @id:		its index in kvm->arch.nested_mmus
 */
void kvm_nested_revmap_init_mmu(struct kvm_s2_mmu *mmu, u16 id)
{
	RCU_INIT_POINTER(mmu->nested_revmap, NULL);
	mmu->nested_revmap_id = id;
}

/**
 * kvm_nested_revmap_free_mmu() - Free the reverse map of a nested MMU.
 * @mmu:	the nested MMU, no longer in use by any vCPU
 */
void kvm_nested_revmap_free_mmu(struct kvm_s2_mmu *mmu)
{
	struct kvm_nested_revmap *rm = rcu_dereference_protected(mmu->nested_revmap,
								 true);

	RCU_INIT_POINTER(mmu->nested_revmap, NULL);
	if (rm)
		revmap_free(rm);
}

/**
 * kvm_nested_revmap_mmu_entries() - Count the leaves tracked for an MMU.
 * @mmu:	the nested MMU
 *
 * Return: the number of shadow leaves of @mmu the reverse map knows, or
 * -1 if they are unknown after a failure.
 */
s64 kvm_nested_revmap_mmu_entries(struct kvm_s2_mmu *mmu)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm_s2_mmu_to_kvm(mmu));
	struct kvm_nested_revmap *rm;

	if (!vm || test_bit(mmu->nested_revmap_id, vm->unknown))
		return -1;
	rm = revmap_locked(mmu);
	return rm ? rm->nr_entries : 0;
}

static bool nested_has(struct kvm_nested_revmap *rm, gpa_t nested,
		       gpa_t canonical, int level)
{
	MA_STATE(mas, &rm->tree, rkey(REVMAP_NESTED, nested),
		 rkey(REVMAP_NESTED, nested));

	return mas_walk(&mas) == nested_entry(canonical, level) &&
	       key_ipa(mas.index) == nested &&
	       key_ipa(mas.last) == nested + level_size(level) - 1;
}

static bool canonical_has(struct kvm_nested_revmap *rm, gpa_t canonical,
			  int level, gpa_t nested)
{
	MA_STATE(mas, &rm->tree, rkey(level, canonical), rkey(level, canonical));
	void *entry = mas_walk(&mas);

	if (!entry || key_ipa(mas.index) != canonical ||
	    key_ipa(mas.last) != canonical + level_size(level) - 1)
		return false;
	if (xa_is_value(entry))
		return xa_to_value(entry) == nested;
	for (struct revmap_alias *d = entry; d; d = d->next)
		for (unsigned int i = 0; i < d->nr; i++)
			if (d->nested[i] == nested)
				return true;
	return false;
}

/**
 * kvm_nested_revmap_tracks() - Check that a leaf is known both ways.
 * @mmu:	the nested MMU
 * @nested:	nested IPA of the leaf
 * @canonical:	canonical IPA of the block it maps
 * @size:	size of the leaf
 *
 * For self-tests and debugging.
 *
 * Return: true if the reverse map holds the leaf in both directions.
 */
bool kvm_nested_revmap_tracks(struct kvm_s2_mmu *mmu, gpa_t nested,
			      gpa_t canonical, u64 size)
{
	struct kvm_nested_revmap *rm = revmap_locked(mmu);
	int level = size_level(size);
	bool ok;

	if (!rm || level < 0)
		return false;
	mtree_lock(&rm->tree);
	ok = nested_has(rm, nested, canonical, level) &&
	     canonical_has(rm, canonical, level, nested);
	mtree_unlock(&rm->tree);
	return ok;
}

/**
 * kvm_nested_revmap_get_stats() - Report the reverse map's counters.
 * @kvm:	the VM
 * @stats:	filled in; bytes do not include maple tree nodes
 */
void kvm_nested_revmap_get_stats(struct kvm *kvm,
				 struct kvm_nested_revmap_stats *stats)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);

	memset(stats, 0, sizeof(*stats));
	if (!vm)
		return;
	stats->fallbacks = vm->fallbacks;
	stats->failures = atomic_read(&vm->failures);
	stats->bytes = struct_size(vm, regions,
				   (size_t)vm->nr_regions * vm->words) +
		       vm->words * sizeof(long);
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_nested_revmap *rm =
			revmap_locked(kvm->arch.nested_mmus[i]);

		if (!rm)
			continue;
		stats->revmaps++;
		stats->entries += rm->nr_entries;
		stats->alias_descs += rm->nr_alias;
	}
	stats->bytes += stats->revmaps * sizeof(struct kvm_nested_revmap) +
			stats->alias_descs * sizeof(struct revmap_alias);
}

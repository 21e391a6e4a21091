// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reverse map for nested stage-2 page tables.
 *
 * A shadow stage-2 leaf maps a nested IPA block of a nested MMU to the
 * host memory behind a canonical IPA block of the same size. For every
 * leaf, the reverse map keeps both directions:
 *
 *  - per VM, one maple tree (the index) from canonical block to the
 *    leaves made from it: a mapping (nested IPA and MMU id packed in one
 *    word), or an alias set when several leaves were made from one block.
 *    Each leaf level has its own key space (bits 63:56 of a key; the IPA
 *    below), as blocks of one level never partially overlap while a
 *    page-sized leaf can be made from a page inside the block of another.
 *    A canonical unmap is a walk of the index over the range, whatever
 *    the number of nested MMUs.
 *
 *  - per nested MMU, a maple tree (mmu->nested_revmap) from the nested IPA
 *    range of each leaf to its canonical block and level. Guest TLB
 *    invalidations, leaves replaced by new ones, and recycling find their
 *    mappings here, so the index follows the shadow stage-2s exactly.
 *
 * The per-MMU tree is the authority: an index mapping is acted on only if
 * the MMU's tree confirms it. An index entry left behind by a failed
 * removal is therefore harmless, and is dropped when next met.
 *
 * Locking: kvm->mmu_lock, then an MMU's tree lock, then the index lock
 * (nested annotation). Recording runs with mmu_lock held for read, on
 * several vCPUs at once; everything else holds it for write. No tree lock
 * is held across kvm_stage2_*() calls, which may drop mmu_lock to
 * reschedule.
 *
 * Failures: what recording needs beyond maple tree nodes (the tree of an
 * MMU that had none, an alias set) is allocated by kvm_nested_revmap_topup()
 * before mmu_lock is taken; maple tree nodes are allocated without
 * blocking. If the per-MMU tree cannot be updated, the MMU's mappings
 * become unknown: the next canonical unmap unmaps that MMU in full, purges
 * its index mappings, and tracking restarts.
 */
#include <linux/kvm_host.h>
#include <linux/maple_tree.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <asm/kvm_mmu.h>
#include <asm/kvm_nested_revmap.h>
#include <asm/kvm_pgtable.h>

#define REVMAP_SPACE_SHIFT	56	/* index key: level << 56 | IPA */
#define REVMAP_MMU_ID_MASK	GENMASK_ULL(PAGE_SHIFT - 1, 0)
#define REVMAP_ALIAS_SLOTS	6
#define REVMAP_BATCH		16
#define REVMAP_GFP		(GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN)

/* Leaves made from one canonical block, when there are several. */
struct revmap_alias {
	struct revmap_alias *next;
	unsigned int nr;
	u64 map[REVMAP_ALIAS_SLOTS];
};

struct kvm_nested_revmap {
	struct maple_tree tree;
	unsigned long nr_entries;
};

/* Filled before mmu_lock is taken; used by recording under it. */
struct kvm_nested_revmap_cache {
	struct kvm_nested_revmap *revmap;
	struct revmap_alias *alias;
};

struct kvm_nested_revmap_vm {
	struct maple_tree index;
	unsigned long nr_alias;
	unsigned long fallbacks;
	atomic_t failures;
	unsigned int nr_mmus;
	unsigned long unknown[];	/* MMUs whose mappings are unknown */
};

/* Whether the leaves a walk acts on leave the reverse map. */
enum revmap_walk {
	REVMAP_KEEP,		/* write-protect, age */
	REVMAP_TAKE,		/* unmap */
};

/* Mappings gathered under a tree lock, acted on without it. */
struct revmap_batch {
	unsigned int nr;
	u64 map[REVMAP_BATCH];
	gpa_t canonical[REVMAP_BATCH];
};

/*
 * Maple tree values. Inline values are xarray value entries: always odd,
 * so neither the normal nor the advanced maple tree API can take them for
 * NULL or for one of its reserved internal entries (even, below 4096), and
 * nested IPA 0 of MMU 0 is still a present entry. xa_mk_value() gives up
 * bit 63, which no IPA uses. An alias set is a pointer, hence even.
 *
 * per-MMU tree:  nested IPA range -> xa_mk_value(canonical IPA | level)
 * index:         (level, canonical block) -> xa_mk_value(mapping), or an
 *                alias set of mappings; mapping = nested IPA | MMU id
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

static u64 mapping(gpa_t nested, u16 id)
{
	return nested | id;
}

static gpa_t mapping_nested(u64 map)
{
	return map & ~REVMAP_MMU_ID_MASK;
}

static u16 mapping_id(u64 map)
{
	return map & REVMAP_MMU_ID_MASK;
}

static unsigned long ikey(int level, gpa_t ipa)
{
	return ((unsigned long)level << REVMAP_SPACE_SHIFT) | ipa;
}

static gpa_t key_ipa(unsigned long key)
{
	return key & GENMASK_ULL(REVMAP_SPACE_SHIFT - 1, 0);
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

static struct kvm_nested_revmap_vm *revmap_vm(struct kvm *kvm)
{
	return kvm->arch.nested_revmap_vm;
}

static struct kvm_nested_revmap *mmu_revmap(struct kvm_s2_mmu *mmu)
{
	return READ_ONCE(mmu->nested_revmap);
}

static bool mmu_unknown(struct kvm_nested_revmap_vm *vm,
			struct kvm_s2_mmu *mmu)
{
	return test_bit(mmu->nested_revmap_id, vm->unknown);
}

/*
 * Taken inside an MMU tree's lock, a lock of the same class: hence the
 * nesting annotation. (mtree_lock_nested() names a variable it is not
 * given, so it cannot be used here.)
 */
static void index_lock(struct kvm_nested_revmap_vm *vm)
{
	spin_lock_nested(&vm->index.ma_lock, SINGLE_DEPTH_NESTING);
}

static void index_unlock(struct kvm_nested_revmap_vm *vm)
{
	mtree_unlock(&vm->index);
}

static struct revmap_alias *cache_take_alias(struct kvm_nested_revmap_cache *c)
{
	struct revmap_alias *set = c ? c->alias : NULL;

	if (set)
		c->alias = NULL;
	return set;
}

static void alias_free(struct kvm_nested_revmap_vm *vm,
		       struct revmap_alias *set)
{
	while (set) {
		struct revmap_alias *next = set->next;

		kfree(set);
		vm->nr_alias--;
		set = next;
	}
}

static bool alias_has(struct revmap_alias *set, u64 map)
{
	for (; set; set = set->next)
		for (unsigned int i = 0; i < set->nr; i++)
			if (set->map[i] == map)
				return true;
	return false;
}

/* Add @map to an alias set; a new descriptor goes behind the head. */
static int alias_add(struct kvm_nested_revmap_vm *vm,
		     struct kvm_nested_revmap_cache *cache,
		     struct revmap_alias *set, u64 map)
{
	struct revmap_alias *d, *fresh;

	for (d = set; d; d = d->next) {
		if (d->nr < REVMAP_ALIAS_SLOTS) {
			d->map[d->nr++] = map;
			return 0;
		}
	}
	fresh = cache_take_alias(cache);
	if (!fresh)
		return -ENOMEM;
	fresh->nr = 1;
	fresh->map[0] = map;
	fresh->next = set->next;
	set->next = fresh;
	vm->nr_alias++;
	return 0;
}

/* Index the leaf @map made from @canonical. Index lock held. */
static int index_add(struct kvm_nested_revmap_vm *vm,
		     struct kvm_nested_revmap_cache *cache, gpa_t canonical,
		     int level, u64 map)
{
	MA_STATE(mas, &vm->index, ikey(level, canonical),
		 ikey(level, canonical + level_size(level) - 1));
	struct revmap_alias *set;
	void *entry = mas_walk(&mas);
	int ret;

	mas_set_range(&mas, ikey(level, canonical),
		      ikey(level, canonical + level_size(level) - 1));
	if (!entry)
		return mas_store_gfp(&mas, xa_mk_value(map), REVMAP_GFP);
	/* A mapping left behind by a failed removal is reused. */
	if (entry == xa_mk_value(map))
		return 0;
	if (!xa_is_value(entry))
		return alias_has(entry, map) ? 0 :
		       alias_add(vm, cache, entry, map);

	set = cache_take_alias(cache);
	if (!set)
		return -ENOMEM;
	set->next = NULL;
	set->nr = 2;
	set->map[0] = xa_to_value(entry);
	set->map[1] = map;
	ret = mas_store_gfp(&mas, set, REVMAP_GFP);
	if (ret)
		kfree(set);
	else
		vm->nr_alias++;
	return ret;
}

/* Take @map out of an alias set; back to an inline value at one left. */
static int alias_del(struct kvm_nested_revmap_vm *vm, struct ma_state *mas,
		     struct revmap_alias *set, u64 map)
{
	struct revmap_alias *d, *prev = NULL;
	unsigned int i;

	for (d = set; d; prev = d, d = d->next) {
		for (i = 0; i < d->nr; i++)
			if (d->map[i] == map)
				goto found;
	}
	return -ENOENT;
found:
	d->map[i] = d->map[--d->nr];
	if (!d->nr && prev) {
		prev->next = d->next;
		kfree(d);
		vm->nr_alias--;
	} else if (!d->nr && set->next) {
		d = set->next;
		*set = *d;
		kfree(d);
		vm->nr_alias--;
	}
	if (set->nr > 1 || set->next)
		return 0;
	if (mas_store_gfp(mas, xa_mk_value(set->map[0]), REVMAP_GFP))
		return -ENOMEM;
	kfree(set);
	vm->nr_alias--;
	return 0;
}

/* Forget the index mapping @map of @canonical. Index lock held. */
static int index_del(struct kvm_nested_revmap_vm *vm, gpa_t canonical,
		     int level, u64 map)
{
	MA_STATE(mas, &vm->index, ikey(level, canonical),
		 ikey(level, canonical));
	void *entry = mas_walk(&mas);

	mas_set_range(&mas, ikey(level, canonical),
		      ikey(level, canonical + level_size(level) - 1));
	if (!entry)
		return -ENOENT;
	if (!xa_is_value(entry))
		return alias_del(vm, &mas, entry, map);
	if (xa_to_value(entry) != map)
		return -ENOENT;
	return mas_store_gfp(&mas, NULL, REVMAP_GFP);
}

/* The offset from nested to canonical IPA that no remapping changes. */
static gpa_t nested_offset(gpa_t nested, gpa_t canonical)
{
	return canonical - nested;
}

/*
 * Forget every leaf of an MMU whose nested range meets [first, last], in
 * both directions. Its tree lock held. A failure to update the MMU's tree
 * is returned; one in the index only leaves a mapping that no longer
 * checks out. With @offset, a leaf with another nested-to-canonical offset
 * is not forgotten but reported (-EEXIST).
 */
static int revmap_drop_nested(struct kvm_nested_revmap_vm *vm,
			      struct kvm_nested_revmap *rm, u16 id,
			      gpa_t first, gpa_t last, const gpa_t *offset)
{
	MA_STATE(mas, &rm->tree, first, first);
	void *entry;
	int ret;

	while ((entry = mas_find(&mas, last))) {
		gpa_t start = mas.index, end = mas.last;

		if (offset && nested_offset(start, nested_entry_canonical(entry)) !=
		    *offset)
			return -EEXIST;

		mas_set_range(&mas, start, end);
		ret = mas_store_gfp(&mas, NULL, REVMAP_GFP);
		if (ret)
			return ret;
		rm->nr_entries--;
		index_lock(vm);
		if (index_del(vm, nested_entry_canonical(entry),
			      nested_entry_level(entry), mapping(start, id)))
			atomic_inc(&vm->failures);
		index_unlock(vm);
		if (end >= last)
			break;
		mas_set(&mas, end + 1);
	}
	return 0;
}

static int revmap_insert(struct kvm_nested_revmap_vm *vm,
			 struct kvm_nested_revmap *rm,
			 struct kvm_nested_revmap_cache *cache, u16 id,
			 gpa_t canonical, gpa_t nested, int level)
{
	MA_STATE(mas, &rm->tree, nested, nested);
	u64 size = level_size(level);
	void *old = mas_walk(&mas);
	gpa_t offset;
	int ret;

	/* The same leaf again, e.g. after a permission fault. */
	if (old == nested_entry(canonical, level) && mas.index == nested &&
	    mas.last == nested + size - 1)
		return 0;

	/*
	 * The new leaf replaced whatever the MMU mapped in its range. That
	 * is known only if the old leaves had the same offset (a block split
	 * for dirty logging, pages merged into a block): leaves of another
	 * offset mean that vCPUs raced to install different leaves under the
	 * read lock, and which one won is not known here.
	 */
	offset = nested_offset(nested, canonical);
	ret = revmap_drop_nested(vm, rm, id, nested, nested + size - 1,
				 &offset);
	if (ret)
		return ret;

	mas_set_range(&mas, nested, nested + size - 1);
	ret = mas_store_gfp(&mas, nested_entry(canonical, level), REVMAP_GFP);
	if (ret)
		return ret;
	rm->nr_entries++;

	index_lock(vm);
	ret = index_add(vm, cache, canonical, level, mapping(nested, id));
	index_unlock(vm);
	return ret;
}

static struct kvm_nested_revmap *revmap_alloc(gfp_t gfp)
{
	struct kvm_nested_revmap *rm = kzalloc_obj(*rm, gfp);

	if (rm)
		mt_init(&rm->tree);
	return rm;
}

/*
 * The reverse map of @mmu for recording, installing the vCPU's spare if
 * the MMU has none yet; NULL if it needs one and the vCPU has none.
 */
static struct kvm_nested_revmap *
revmap_get(struct kvm_nested_revmap_cache *cache, struct kvm_s2_mmu *mmu)
{
	struct kvm_nested_revmap *rm = mmu_revmap(mmu);

	if (rm || !cache || !cache->revmap)
		return rm;
	if (!cmpxchg(&mmu->nested_revmap, NULL, cache->revmap)) {
		rm = cache->revmap;
		cache->revmap = NULL;
		return rm;
	}
	return mmu_revmap(mmu);
}

/* The MMU's mappings are unknown until the next canonical unmap. */
static void revmap_fail(struct kvm_nested_revmap_vm *vm,
			struct kvm_s2_mmu *mmu)
{
	set_bit(mmu->nested_revmap_id, vm->unknown);
	atomic_inc(&vm->failures);
}

/**
 * kvm_nested_revmap_record() - Record a new shadow stage-2 leaf.
 * @vcpu:	the vCPU whose fault maps the leaf
 * @mmu:	the nested MMU the leaf goes into
 * @canonical:	canonical IPA of the block the leaf maps, aligned to @size
 * @nested:	nested IPA of the leaf, aligned to @size
 * @size:	size of the leaf, a stage-2 block or page size
 *
 * Call with kvm->mmu_lock held (for read is enough) once the leaf is
 * installed, after kvm_nested_revmap_topup() with no lock held. What @mmu
 * mapped in the nested range of the leaf with the same nested-to-canonical
 * offset is forgotten, as installing the leaf removed it; a leaf of another
 * offset there means vCPUs raced to install different leaves, and @mmu's
 * mappings become unknown. Never fails: on failure the mappings of @mmu
 * become unknown, and the next canonical unmap unmaps @mmu in full.
 */
void kvm_nested_revmap_record(struct kvm_vcpu *vcpu, struct kvm_s2_mmu *mmu,
			      gpa_t canonical, gpa_t nested, u64 size)
{
	struct kvm_nested_revmap_cache *cache = vcpu->arch.nested_revmap_cache;
	struct kvm_nested_revmap_vm *vm = revmap_vm(vcpu->kvm);
	struct kvm_nested_revmap *rm;
	int level = size_level(size);
	int ret;

	lockdep_assert_held(&vcpu->kvm->mmu_lock);
	if (!vm || mmu_unknown(vm, mmu))
		return;
	if (WARN_ON_ONCE(level < 0 || !IS_ALIGNED(canonical, size) ||
			 !IS_ALIGNED(nested, size) ||
			 mmu->nested_revmap_id >= vm->nr_mmus)) {
		revmap_fail(vm, mmu);
		return;
	}
	rm = revmap_get(cache, mmu);
	if (!rm) {
		revmap_fail(vm, mmu);
		return;
	}
	mtree_lock(&rm->tree);
	ret = revmap_insert(vm, rm, cache, mmu->nested_revmap_id, canonical,
			    nested, level);
	mtree_unlock(&rm->tree);
	if (ret)
		revmap_fail(vm, mmu);
}

/* Forget every leaf of @mmu, in both directions. mmu_lock held for write. */
static void revmap_reset(struct kvm_nested_revmap_vm *vm,
			 struct kvm_s2_mmu *mmu)
{
	struct kvm_nested_revmap *rm = mmu_revmap(mmu);
	u16 id = mmu->nested_revmap_id;

	if (rm) {
		MA_STATE(mas, &rm->tree, 0, 0);
		void *entry;

		mtree_lock(&rm->tree);
		index_lock(vm);
		mas_for_each(&mas, entry, ULONG_MAX) {
			/* What fails here stays behind, harmless: see top. */
			if (index_del(vm, nested_entry_canonical(entry),
				      nested_entry_level(entry),
				      mapping(mas.index, id)))
				atomic_inc(&vm->failures);
		}
		index_unlock(vm);
		__mt_destroy(&rm->tree);
		rm->nr_entries = 0;
		mtree_unlock(&rm->tree);
	}
	clear_bit(id, vm->unknown);
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
		revmap_reset(revmap_vm(kvm), mmu);
}

static void revmap_fallback(struct kvm *kvm, struct kvm_s2_mmu *mmu,
			    bool may_block)
{
	revmap_vm(kvm)->fallbacks++;
	kvm_nested_revmap_unmap_mmu(mmu, may_block);
}

static void fallback_unknown(struct kvm *kvm, bool may_block)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	unsigned long i;

	for_each_set_bit(i, vm->unknown, vm->nr_mmus)
		revmap_fallback(kvm, kvm->arch.nested_mmus[i], may_block);
}

/*
 * Does the MMU of @map still have that leaf, made from @canonical? With
 * REVMAP_TAKE, forget it there too. Returns the MMU, or NULL for an index
 * mapping left behind by a failure.
 */
static struct kvm_s2_mmu *revmap_confirm(struct kvm *kvm, u64 map,
					 gpa_t canonical, int level,
					 enum revmap_walk walk)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	struct kvm_s2_mmu *mmu;
	struct kvm_nested_revmap *rm;
	gpa_t nested = mapping_nested(map);
	bool ok;

	if (mapping_id(map) >= vm->nr_mmus)
		return NULL;
	mmu = kvm->arch.nested_mmus[mapping_id(map)];
	rm = mmu_revmap(mmu);
	if (!rm)
		return NULL;

	mtree_lock(&rm->tree);
	{
		MA_STATE(mas, &rm->tree, nested, nested);

		ok = mas_walk(&mas) == nested_entry(canonical, level) &&
		     mas.index == nested &&
		     mas.last == nested + level_size(level) - 1;
		if (ok && walk == REVMAP_TAKE) {
			mas_set_range(&mas, nested,
				      nested + level_size(level) - 1);
			if (mas_store_gfp(&mas, NULL, REVMAP_GFP))
				revmap_fail(vm, mmu);
			else
				rm->nr_entries--;
		}
	}
	mtree_unlock(&rm->tree);
	return ok ? mmu : NULL;
}

/*
 * Gather up to a batch of the index mappings of @level in [*pos, last];
 * *skip counts the mappings of the block at *pos gathered already. With
 * REVMAP_TAKE, they leave the index. Returns false when the range is exhausted.
 */
static bool index_collect(struct kvm_nested_revmap_vm *vm, int level,
			  gpa_t *pos, unsigned int *skip, gpa_t last,
			  enum revmap_walk walk, struct revmap_batch *b)
{
	MA_STATE(mas, &vm->index, ikey(level, *pos), ikey(level, *pos));
	void *entry;

	b->nr = 0;
	index_lock(vm);
	while ((entry = mas_find(&mas, ikey(level, last)))) {
		gpa_t canonical = key_ipa(mas.index);
		struct revmap_alias *d = entry;
		unsigned int n = 0;

		if (canonical != *pos)
			*skip = 0;
		*pos = canonical;
		for (; d; d = xa_is_value(entry) ? NULL : d->next) {
			unsigned int nr = xa_is_value(entry) ? 1 : d->nr;

			for (unsigned int i = 0; i < nr; i++, n++) {
				u64 map = xa_is_value(entry) ?
					  xa_to_value(entry) : d->map[i];

				if (n < *skip)
					continue;
				if (b->nr == REVMAP_BATCH) {
					*skip = n;
					goto out;
				}
				b->map[b->nr] = map;
				b->canonical[b->nr++] = canonical;
			}
		}
		if (walk == REVMAP_TAKE) {
			/*
			 * Whole entry gathered: it leaves the index. If it
			 * cannot, it stays, stale but intact, and goes when
			 * next met.
			 */
			mas_set_range(&mas, mas.index, mas.last);
			if (mas_store_gfp(&mas, NULL, REVMAP_GFP))
				atomic_inc(&vm->failures);
			else if (!xa_is_value(entry))
				alias_free(vm, entry);
		}
		*skip = 0;
		if (canonical + level_size(level) - 1 >= last) {
			index_unlock(vm);
			return false;
		}
		*pos = canonical + level_size(level);
		mas_set(&mas, ikey(level, *pos));
	}
	index_unlock(vm);
	return false;
out:
	index_unlock(vm);
	return true;
}

typedef bool (*revmap_leaf_fn)(struct kvm_s2_mmu *mmu, gpa_t nested,
			       u64 size, void *arg);

/*
 * Apply @fn to every leaf made from canonical [start, start + size),
 * confirmed by its MMU; with REVMAP_TAKE, the leaves leave the reverse map.
 */
static bool revmap_apply(struct kvm *kvm, gpa_t start, u64 size,
			 enum revmap_walk walk,
			 revmap_leaf_fn fn, void *arg)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	bool any = false;

	for (int level = 1; level <= KVM_PGTABLE_LAST_LEVEL; level++) {
		u64 lsize = level_size(level);
		gpa_t pos = ALIGN_DOWN(start, lsize);
		struct revmap_batch b;
		unsigned int skip = 0;
		bool more;

		do {
			more = index_collect(vm, level, &pos, &skip,
					     start + size - 1, walk, &b);
			for (unsigned int i = 0; i < b.nr; i++) {
				struct kvm_s2_mmu *mmu;

				mmu = revmap_confirm(kvm, b.map[i],
						     b.canonical[i], level,
						     walk);
				if (mmu)
					any |= fn(mmu, mapping_nested(b.map[i]),
						  lsize, arg);
			}
		} while (more);
	}
	return any;
}

static bool unmap_fn(struct kvm_s2_mmu *mmu, gpa_t nested, u64 size,
		     void *arg)
{
	kvm_stage2_unmap_range(mmu, nested, size, *(bool *)arg);
	return true;
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
	lockdep_assert_held_write(&kvm->mmu_lock);
	if (!revmap_vm(kvm) || !size)
		return;
	fallback_unknown(kvm, may_block);
	revmap_apply(kvm, start, size, REVMAP_TAKE, unmap_fn, &may_block);
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
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	struct kvm_nested_revmap *rm = mmu_revmap(mmu);
	int ret = 0;

	lockdep_assert_held_write(&kvm->mmu_lock);
	if (vm && !start && size >= kvm_phys_size(mmu)) {
		kvm_nested_revmap_unmap_mmu(mmu, may_block);
		return;
	}
	if (vm && rm && size) {
		mtree_lock(&rm->tree);
		ret = revmap_drop_nested(vm, rm, mmu->nested_revmap_id, start,
					 start + size - 1, NULL);
		mtree_unlock(&rm->tree);
	}
	if (ret) {
		atomic_inc(&vm->failures);
		revmap_fallback(kvm, mmu, may_block);
		return;
	}
	kvm_stage2_unmap_range(mmu, start, size, may_block);
}

static bool wp_fn(struct kvm_s2_mmu *mmu, gpa_t nested, u64 size, void *arg)
{
	kvm_stage2_wp_range(mmu, nested, nested + size);
	return true;
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
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	unsigned long i;

	lockdep_assert_held_write(&kvm->mmu_lock);
	if (!vm || !size)
		return;
	for_each_set_bit(i, vm->unknown, vm->nr_mmus) {
		struct kvm_s2_mmu *mmu = kvm->arch.nested_mmus[i];

		kvm_stage2_wp_range(mmu, 0, kvm_phys_size(mmu));
	}
	revmap_apply(kvm, start, size, REVMAP_KEEP, wp_fn, NULL);
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
	return revmap_apply(kvm, start, size, REVMAP_KEEP, age_fn, &mkold);
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
		cache = kzalloc_obj(*cache, GFP_KERNEL_ACCOUNT);
		if (!cache)
			return;
		vcpu->arch.nested_revmap_cache = cache;
	}
	if (!cache->revmap)
		cache->revmap = revmap_alloc(GFP_KERNEL_ACCOUNT);
	if (!cache->alias)
		cache->alias = kzalloc_obj(*cache->alias, GFP_KERNEL_ACCOUNT);
}

static void revmap_free(struct kvm_nested_revmap *rm)
{
	mtree_destroy(&rm->tree);
	kfree(rm);
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
 * Return: 0, -EINVAL for more MMUs than ids, or -ENOMEM.
 */
int kvm_nested_revmap_init_vm(struct kvm *kvm, unsigned int nr_mmus)
{
	struct kvm_nested_revmap_vm *old = revmap_vm(kvm), *vm;
	size_t words = BITS_TO_LONGS(nr_mmus);

	if (nr_mmus > REVMAP_MMU_ID_MASK + 1)
		return -EINVAL;
	if (old && old->nr_mmus >= nr_mmus)
		return 0;
	vm = kzalloc(struct_size(vm, unknown, words), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return -ENOMEM;
	vm->nr_mmus = nr_mmus;
	mt_init(&vm->index);

	write_lock(&kvm->mmu_lock);
	if (old) {
		/* The index moves over whole; only its holder changes. */
		vm->index = old->index;
		vm->nr_alias = old->nr_alias;
		vm->fallbacks = old->fallbacks;
		atomic_set(&vm->failures, atomic_read(&old->failures));
		bitmap_copy(vm->unknown, old->unknown, old->nr_mmus);
	}
	kvm->arch.nested_revmap_vm = vm;
	write_unlock(&kvm->mmu_lock);

	kfree(old);
	return 0;
}

static void index_destroy(struct kvm_nested_revmap_vm *vm)
{
	MA_STATE(mas, &vm->index, 0, 0);
	void *entry;

	mtree_lock(&vm->index);
	mas_for_each(&mas, entry, ULONG_MAX)
		if (!xa_is_value(entry))
			alias_free(vm, entry);
	__mt_destroy(&vm->index);
	mtree_unlock(&vm->index);
}

/**
 * kvm_nested_revmap_destroy_vm() - Free the per-VM reverse map.
 * @kvm:	the VM, with every nested MMU's reverse map already freed
 */
void kvm_nested_revmap_destroy_vm(struct kvm *kvm)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);

	if (!vm)
		return;
	index_destroy(vm);
	kfree(vm);
	kvm->arch.nested_revmap_vm = NULL;
}

/**
 * kvm_nested_revmap_init_mmu() - Give a new nested MMU its reverse-map id.
 * @mmu:	the nested MMU
 * @id:		its index in kvm->arch.nested_mmus
 */
void kvm_nested_revmap_init_mmu(struct kvm_s2_mmu *mmu, u16 id)
{
	mmu->nested_revmap = NULL;
	mmu->nested_revmap_id = id;
}

/**
 * kvm_nested_revmap_free_mmu() - Free the reverse map of a nested MMU.
 * @mmu:	the nested MMU, no longer in use
 *
 * Its index mappings must be gone (kvm_nested_revmap_unmap_mmu()), or the
 * whole VM is going away.
 */
void kvm_nested_revmap_free_mmu(struct kvm_s2_mmu *mmu)
{
	struct kvm_nested_revmap *rm = mmu_revmap(mmu);

	mmu->nested_revmap = NULL;
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
	struct kvm_nested_revmap *rm = mmu_revmap(mmu);

	if (!vm || mmu_unknown(vm, mmu))
		return -1;
	return rm ? rm->nr_entries : 0;
}

/**
 * kvm_nested_revmap_tracks() - Check that a leaf is known both ways.
 * @mmu:	the nested MMU
 * @nested:	nested IPA of the leaf
 * @canonical:	canonical IPA of the block it maps
 * @size:	size of the leaf
 *
 * For self-tests and debugging, with the VM quiescent.
 *
 * Return: true if the reverse map holds the leaf in both directions.
 */
bool kvm_nested_revmap_tracks(struct kvm_s2_mmu *mmu, gpa_t nested,
			      gpa_t canonical, u64 size)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);
	u64 map = mapping(nested, mmu->nested_revmap_id);
	int level = size_level(size);
	bool ok;

	if (!vm || level < 0 ||
	    revmap_confirm(kvm, map, canonical, level, REVMAP_KEEP) != mmu)
		return false;
	index_lock(vm);
	{
		MA_STATE(mas, &vm->index, ikey(level, canonical),
			 ikey(level, canonical));
		void *entry = mas_walk(&mas);

		ok = entry && key_ipa(mas.index) == canonical &&
		     (xa_is_value(entry) ? entry == xa_mk_value(map) :
		      alias_has(entry, map));
	}
	index_unlock(vm);
	return ok;
}

/**
 * kvm_nested_revmap_visit_trees() - Visit the reverse map's maple trees.
 * @kvm:	the VM, quiescent
 * @fn:		called with each tree: the index, then each MMU's
 * @arg:	passed to @fn
 *
 * For memory accounting by whoever can size maple tree nodes.
 */
void kvm_nested_revmap_visit_trees(struct kvm *kvm,
				   kvm_nested_revmap_tree_fn fn, void *arg)
{
	struct kvm_nested_revmap_vm *vm = revmap_vm(kvm);

	if (!vm)
		return;
	fn(&vm->index, arg);
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_nested_revmap *rm =
			mmu_revmap(kvm->arch.nested_mmus[i]);

		if (rm)
			fn(&rm->tree, arg);
	}
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
	stats->alias_descs = vm->nr_alias;
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++) {
		struct kvm_nested_revmap *rm =
			mmu_revmap(kvm->arch.nested_mmus[i]);

		if (!rm)
			continue;
		stats->revmaps++;
		stats->entries += rm->nr_entries;
	}
	stats->bytes = struct_size(vm, unknown, BITS_TO_LONGS(vm->nr_mmus)) +
		       stats->revmaps * sizeof(struct kvm_nested_revmap) +
		       stats->alias_descs * sizeof(struct revmap_alias);
}

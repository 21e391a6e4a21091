// SPDX-License-Identifier: GPL-2.0
/*
 * The safety oracle: an index of shadow leaves by canonical block, built
 * from the harness's tags (never from the strategy under test), and the
 * checks that run against it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <linux/hash.h>

#include "oracle.h"
#include "vm.h"

#define ORACLE_REPORT_MAX	10

struct oleaf {
	struct oleaf *next;
	u64 ckey;		/* canonical block base | level */
	u64 nested;
	struct kvm_pgtable *pgt;
};

struct oracle {
	struct sim_vm *vm;
	struct oleaf **bucket;
	unsigned int bits;
	u64 nr;
};

static u64 ckey(u64 canonical, int level)
{
	return canonical | (u64)level;
}

static struct oleaf **slot(struct oracle *o, u64 key)
{
	return &o->bucket[hash_64(key, o->bits)];
}

static void rehash(struct oracle *o, unsigned int bits)
{
	struct oleaf **old = o->bucket;
	u64 n = 1ULL << o->bits;

	o->bucket = calloc(1ULL << bits, sizeof(*o->bucket));
	if (!o->bucket)
		abort();
	o->bits = bits;
	for (u64 i = 0; old && i < n; i++) {
		while (old[i]) {
			struct oleaf *l = old[i];

			old[i] = l->next;
			l->next = *slot(o, l->ckey);
			*slot(o, l->ckey) = l;
		}
	}
	free(old);
}

struct oracle *oracle_create(struct sim_vm *vm)
{
	struct oracle *o = calloc(1, sizeof(*o));

	if (!o)
		abort();
	o->vm = vm;
	o->bits = 0;
	rehash(o, 12);
	return o;
}

void oracle_destroy(struct oracle *o)
{
	for (u64 i = 0; i < (1ULL << o->bits); i++) {
		while (o->bucket[i]) {
			struct oleaf *l = o->bucket[i];

			o->bucket[i] = l->next;
			free(l);
		}
	}
	free(o->bucket);
	free(o);
}

void oracle_violation(struct oracle *o, const char *fmt, ...)
{
	va_list ap;

	if (o->vm->stats.violations++ >= ORACLE_REPORT_MAX)
		return;
	fprintf(stderr, "violation at event %llu: ",
		(unsigned long long)__atomic_load_n(&o->vm->event_no,
						    __ATOMIC_RELAXED));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void oracle_leaf_set(struct oracle *o, struct kvm_pgtable *pgt, u64 addr,
		     int level, u64 tag)
{
	struct oleaf *l = malloc(sizeof(*l));

	if (!l)
		abort();
	l->ckey = ckey(tag, level);
	l->nested = addr;
	l->pgt = pgt;
	l->next = *slot(o, l->ckey);
	*slot(o, l->ckey) = l;
	if (++o->nr > (2ULL << o->bits))
		rehash(o, o->bits + 1);
}

void oracle_leaf_clear(struct oracle *o, struct kvm_pgtable *pgt, u64 addr,
		       int level, u64 tag)
{
	for (struct oleaf **pp = slot(o, ckey(tag, level)); *pp;
	     pp = &(*pp)->next) {
		struct oleaf *l = *pp;

		if (l->ckey == ckey(tag, level) && l->pgt == pgt &&
		    l->nested == addr) {
			*pp = l->next;
			free(l);
			o->nr--;
			return;
		}
	}
	oracle_violation(o, "harness: leaf %#llx not indexed",
			 (unsigned long long)addr);
}

/* Does the host still map [canonical, +size) to [pa, +size)? */
static bool leaf_current(struct oracle *o, u64 canonical, u64 size, u64 pa)
{
	struct memslot *s = vm_find_slot(o->vm, canonical);

	if (!s || canonical + size - s->base > s->size)
		return false;
	for (u64 off = 0; off < size; off += SZ_4K)
		if (frame_pa(s->pfn[(canonical + off - s->base) >> 12]) !=
		    pa + off)
			return false;
	return true;
}

typedef void (*leaf_fn)(struct oracle *o, struct oleaf *l, u64 desc,
			void *arg);

/* Every indexed leaf whose canonical block intersects the range. */
static void for_each_intersecting(struct oracle *o, u64 start, u64 size,
				  leaf_fn fn, void *arg)
{
	for (int level = 1; level <= S2_LAST_LEVEL; level++) {
		u64 bs = s2_level_size(level);

		for (u64 b = ALIGN_DOWN(start, bs); b < start + size; b += bs) {
			u64 key = ckey(b, level);

			for (struct oleaf *l = *slot(o, key); l; l = l->next) {
				u64 desc = 0;

				if (l->ckey != key)
					continue;
				s2_get_leaf(l->pgt, l->nested, &desc, NULL,
					    NULL);
				fn(o, l, desc, arg);
			}
		}
	}
}

static void count_fn(struct oracle *o, struct oleaf *l, u64 desc, void *arg)
{
	bool *writable_only = ((bool **)arg)[0];
	u64 *n = ((u64 **)arg)[1];

	(void)o;
	(void)l;
	if (!*writable_only || (desc & S2_PTE_S2AP_W))
		(*n)++;
}

u64 oracle_count_intersecting(struct oracle *o, u64 start, u64 size,
			      bool writable_only)
{
	u64 n = 0;
	void *arg[2] = { &writable_only, &n };

	for_each_intersecting(o, start, size, count_fn, arg);
	return n;
}

static void stale_fn(struct oracle *o, struct oleaf *l, u64 desc, void *arg)
{
	u64 canonical = l->ckey & ~0xfffULL;
	u64 size = s2_level_size(l->ckey & 0xfff);

	(void)arg;
	if (!leaf_current(o, canonical, size, s2_pte_pa(desc)))
		oracle_violation(o,
			"(a) MMU %d nested %#llx maps PA %#llx, canonical %#llx no longer does",
			l->pgt->mmu->sim_index, (unsigned long long)l->nested,
			(unsigned long long)s2_pte_pa(desc),
			(unsigned long long)canonical);
}

void oracle_check_canonical(struct oracle *o, u64 start, u64 size)
{
	for_each_intersecting(o, start, size, stale_fn, NULL);
}

static void wp_fn(struct oracle *o, struct oleaf *l, u64 desc, void *arg)
{
	(void)arg;
	if (desc & S2_PTE_S2AP_W)
		oracle_violation(o,
			"(c) MMU %d nested %#llx writable after write-protect",
			l->pgt->mmu->sim_index, (unsigned long long)l->nested);
}

void oracle_check_wp(struct oracle *o, u64 start, u64 size)
{
	for_each_intersecting(o, start, size, wp_fn, NULL);
}

void oracle_check_tlbi(struct oracle *o, struct kvm_s2_mmu *mmu, u64 start,
		       u64 size)
{
	u64 *steps = s2_walk_steps;
	u64 n;

	/* The oracle's walks are not the strategy's cost. */
	s2_walk_steps = NULL;
	n = s2_count_leaves(mmu->pgt, start, size);
	s2_walk_steps = steps;
	if (n)
		oracle_violation(o,
			"(b) MMU %d: %llu leaves left in TLBI range %#llx+%#llx",
			mmu->sim_index, (unsigned long long)n,
			(unsigned long long)start, (unsigned long long)size);
}

static u64 nested_leaves(struct sim_vm *vm)
{
	u64 n = 0;

	for (size_t i = 0; i < vm->kvm.arch.nested_mmus_size; i++)
		n += vm->nested_pgt[i].nr_leaves;
	return n;
}

/* R2: a tracked MMU's entries are exactly as many as its live leaves. */
void oracle_check_tracking(struct oracle *o)
{
	struct sim_vm *vm = o->vm;

	if (!vm->strat->mmu_entries)
		return;
	for (size_t i = 0; i < vm->kvm.arch.nested_mmus_size; i++) {
		struct kvm_s2_mmu *mmu = vm->kvm.arch.nested_mmus[i];
		s64 n = vm->strat->mmu_entries(mmu);

		if (n >= 0 && (u64)n != mmu->pgt->nr_leaves)
			oracle_violation(o, "(R2) MMU %zu: strategy tracks %lld mappings, %llu shadow leaves live",
					 i, (long long)n,
					 (unsigned long long)mmu->pgt->nr_leaves);
	}
}

static void audit_leaf(struct oracle *o, struct kvm_s2_mmu *mmu,
		       const struct s2_leaf *l)
{
	const struct rmap_strategy *strat = o->vm->strat;
	u64 size = s2_level_size(l->level);

	if (!leaf_current(o, l->tag, size, s2_pte_pa(l->desc)))
		oracle_violation(o, "(a) audit: MMU %d nested %#llx is stale",
				 mmu->sim_index, (unsigned long long)l->addr);
	/* R2, entry by entry: the strategy knows this leaf both ways. */
	if (strat->tracks && strat->mmu_entries(mmu) >= 0 &&
	    !strat->tracks(mmu, l->addr, l->tag, size))
		oracle_violation(o, "(R2) audit: MMU %d nested %#llx -> canonical %#llx not tracked",
				 mmu->sim_index, (unsigned long long)l->addr,
				 (unsigned long long)l->tag);
}

/*
 * Every shadow leaf of every MMU against the host, and the index size.
 * The leaves are gathered before the strategy is asked about them, so
 * that no strategy lock is taken under the tables' lock.
 */
void oracle_audit(struct oracle *o)
{
	struct sim_vm *vm = o->vm;

	for (size_t i = 0; i < vm->kvm.arch.nested_mmus_size; i++) {
		struct kvm_pgtable *pgt = &vm->nested_pgt[i];
		size_t nr;
		struct s2_leaf *l = s2_collect_leaves(pgt, 0, ~0ULL, &nr);

		for (size_t j = 0; j < nr; j++)
			audit_leaf(o, pgt->mmu, &l[j]);
		free(l);
	}
	if (o->nr != nested_leaves(vm))
		oracle_violation(o, "harness: index holds %llu leaves, tables %llu",
				 (unsigned long long)o->nr,
				 (unsigned long long)nested_leaves(vm));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Simulated arm64 stage-2 page tables: the walker and the few operations KVM
 * performs on canonical and shadow stage-2s. Each table page holds 512
 * descriptors followed by 512 tags; a table descriptor points at the table
 * by its address, which is page aligned and below 2^48 like a PA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bitfield.h>

#include "pgtable.h"

#define TABLE_BYTES	(2 * S2_PTRS_PER_TABLE * sizeof(u64))

__thread u64 *s2_walk_steps;

static u64 *table_alloc(struct kvm_pgtable *pgt)
{
	u64 *t = aligned_alloc(SZ_4K, TABLE_BYTES);

	if (!t)
		abort();	/* the harness has no use for a partial table */
	memset(t, 0, TABLE_BYTES);
	pgt->nr_tables++;
	return t;
}

static u64 *pte_follow(u64 pte)
{
	return (u64 *)(uintptr_t)s2_pte_pa(pte);
}

static u64 make_table_pte(u64 *table)
{
	return ((u64)(uintptr_t)table & S2_PTE_OA) | S2_PTE_TYPE | S2_PTE_VALID;
}

static u64 level_index(u64 addr, int level)
{
	return (addr >> (12 + 9 * (S2_LAST_LEVEL - level))) &
	       (S2_PTRS_PER_TABLE - 1);
}

static void note_set(struct kvm_pgtable *pgt, u64 addr, int level, u64 pte,
		     u64 tag)
{
	pgt->nr_leaves++;
	if (pgt->obs && pgt->obs->leaf_set)
		pgt->obs->leaf_set(pgt->obs->arg, pgt, addr, level, pte, tag);
}

static void note_clear(struct kvm_pgtable *pgt, u64 addr, int level, u64 pte,
		       u64 tag)
{
	pgt->nr_leaves--;
	if (pgt->obs && pgt->obs->leaf_clear)
		pgt->obs->leaf_clear(pgt->obs->arg, pgt, addr, level, pte, tag);
}

/* Tear down a table that has been unlinked, reporting each of its leaves. */
static void free_unlinked(struct kvm_pgtable *pgt, u64 *table, u64 base,
			  int level)
{
	for (int i = 0; i < S2_PTRS_PER_TABLE; i++) {
		u64 pte = table[i];
		u64 addr = base + i * s2_level_size(level);

		if (!s2_pte_valid(pte))
			continue;
		if (s2_pte_table(pte, level))
			free_unlinked(pgt, pte_follow(pte), addr, level + 1);
		else
			note_clear(pgt, addr, level, pte,
				   table[S2_PTRS_PER_TABLE + i]);
	}
	free(table);
	pgt->nr_tables--;
}

static bool table_empty(const u64 *table)
{
	for (int i = 0; i < S2_PTRS_PER_TABLE; i++)
		if (s2_pte_valid(table[i]))
			return false;
	return true;
}

static int walk_table(struct kvm_pgtable *pgt, u64 *table, u64 base,
		      int level, u64 addr, u64 end, struct s2_walker *w)
{
	u64 size = s2_level_size(level);
	u64 idx = level_index(addr, level);
	int ret = 0;

	for (u64 a = base + idx * size; idx < S2_PTRS_PER_TABLE && a < end;
	     idx++, a += size) {
		struct s2_visit_ctx ctx = {
			.pgt = pgt, .ptep = &table[idx],
			.tagp = &table[S2_PTRS_PER_TABLE + idx],
			.old = table[idx], .addr = a, .end = end,
			.level = level, .arg = w->arg,
		};
		bool is_table = s2_pte_table(ctx.old, level);

		/* The cost of host-side events on shadow tables. */
		if (s2_walk_steps && pgt->mmu && pgt->mmu->sim_index >= 0)
			(*s2_walk_steps)++;

		if (is_table && (w->flags & S2_WALK_TABLE_PRE)) {
			ret = w->cb(&ctx, S2_WALK_TABLE_PRE);
			if (ret)
				return ret;
			ctx.old = table[idx];
			is_table = s2_pte_table(ctx.old, level);
		}
		if (!is_table && (w->flags & S2_WALK_LEAF)) {
			ret = w->cb(&ctx, S2_WALK_LEAF);
			if (ret)
				return ret;
			ctx.old = table[idx];
			is_table = s2_pte_table(ctx.old, level);
		}
		if (!is_table)
			continue;

		ret = walk_table(pgt, pte_follow(ctx.old), a, level + 1,
				 max(addr, a), end, w);
		if (ret)
			return ret;
		if (w->flags & S2_WALK_TABLE_POST) {
			ret = w->cb(&ctx, S2_WALK_TABLE_POST);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int s2_pgt_walk(struct kvm_pgtable *pgt, u64 addr, u64 size,
		struct s2_walker *walker)
{
	u64 limit = 1ULL << pgt->ia_bits;
	u64 end = addr + size;

	int ret;

	if (addr >= limit)
		return 0;
	if (end > limit || end < addr)
		end = limit;
	if (pgt->lock)
		spin_lock(pgt->lock);
	ret = walk_table(pgt, pgt->pgd, 0, pgt->start_level, addr, end,
			 walker);
	if (pgt->lock)
		spin_unlock(pgt->lock);
	return ret;
}

int s2_pgt_init(struct kvm_pgtable *pgt, u32 ia_bits, struct kvm_s2_mmu *mmu,
		const struct s2_observer *obs)
{
	if (ia_bits < 32 || ia_bits > 48)
		return -EINVAL;
	memset(pgt, 0, sizeof(*pgt));
	pgt->ia_bits = ia_bits;
	/* One start-level table, as KVM does without concatenation. */
	pgt->start_level = S2_LAST_LEVEL - (ia_bits - 12 - 1) / 9;
	pgt->mmu = mmu;
	pgt->obs = obs;
	pgt->pgd = table_alloc(pgt);
	return 0;
}

void s2_pgt_destroy(struct kvm_pgtable *pgt)
{
	if (!pgt->pgd)
		return;
	free_unlinked(pgt, pgt->pgd, 0, pgt->start_level);
	pgt->pgd = NULL;
}

u64 s2_make_leaf(u64 pa, int level, enum s2_prot prot, int guest_level)
{
	u64 pte = (pa & S2_PTE_OA) | S2_PTE_VALID | S2_PTE_AF | S2_PTE_SH_IS |
		  FIELD_PREP(S2_PTE_MEMATTR, 0xf);

	if (level == S2_LAST_LEVEL)
		pte |= S2_PTE_TYPE;
	if (prot & S2_PROT_R)
		pte |= S2_PTE_S2AP_R;
	if (prot & S2_PROT_W)
		pte |= S2_PTE_S2AP_W;
	if (!(prot & S2_PROT_X))
		pte |= S2_PTE_XN;
	if (guest_level > 0)
		pte |= FIELD_PREP(S2_PTE_GUEST_LEVEL, guest_level);
	return pte;
}

struct map_data {
	u64 pa;
	u64 base;
	int level;
	enum s2_prot prot;
	int guest_level;
	u64 tag;
};

static void clear_entry(const struct s2_visit_ctx *ctx)
{
	if (s2_pte_table(ctx->old, ctx->level))
		free_unlinked(ctx->pgt, pte_follow(ctx->old), ctx->addr,
			      ctx->level + 1);
	else if (s2_pte_valid(ctx->old))
		note_clear(ctx->pgt, ctx->addr, ctx->level, ctx->old,
			   *ctx->tagp);
	*ctx->ptep = 0;
	*ctx->tagp = 0;
}

static int map_visitor(const struct s2_visit_ctx *ctx, enum s2_walk_flags visit)
{
	struct map_data *d = ctx->arg;

	if (ctx->level == d->level) {
		/* A table or leaf where the new leaf goes is replaced whole. */
		u64 pte = s2_make_leaf(d->pa, d->level, d->prot, d->guest_level);

		clear_entry(ctx);
		*ctx->ptep = pte;
		*ctx->tagp = d->tag;
		note_set(ctx->pgt, ctx->addr, ctx->level, pte, d->tag);
		return 0;
	}
	if (visit == S2_WALK_TABLE_PRE)
		return 0;
	/*
	 * Above the target level: a larger block is replaced by an empty
	 * table (the rest of it faults back in lazily, as upstream).
	 */
	clear_entry(ctx);
	*ctx->ptep = make_table_pte(table_alloc(ctx->pgt));
	return 0;
}

int s2_map(struct kvm_pgtable *pgt, u64 addr, u64 size, u64 pa,
	   enum s2_prot prot, int guest_level, u64 tag)
{
	struct map_data d = {
		.pa = pa, .base = addr, .level = s2_size_level(size),
		.prot = prot, .guest_level = guest_level, .tag = tag,
	};
	struct s2_walker w = {
		.cb = map_visitor, .arg = &d,
		.flags = S2_WALK_LEAF | S2_WALK_TABLE_PRE,
	};

	if (d.level < pgt->start_level || !IS_ALIGNED(addr, size) ||
	    !IS_ALIGNED(pa, size) || addr + size > (1ULL << pgt->ia_bits))
		return -EINVAL;
	return s2_pgt_walk(pgt, addr, size, &w);
}

static int unmap_visitor(const struct s2_visit_ctx *ctx,
			 enum s2_walk_flags visit)
{
	u64 *zapped = ctx->arg;

	if (visit == S2_WALK_TABLE_POST) {
		/* Free a table that the walk has emptied. */
		if (table_empty(pte_follow(ctx->old))) {
			free(pte_follow(ctx->old));
			ctx->pgt->nr_tables--;
			*ctx->ptep = 0;
		}
		return 0;
	}
	if (s2_pte_valid(ctx->old)) {
		clear_entry(ctx);
		(*zapped)++;
	}
	return 0;
}

u64 s2_unmap(struct kvm_pgtable *pgt, u64 addr, u64 size)
{
	u64 zapped = 0;
	struct s2_walker w = {
		.cb = unmap_visitor, .arg = &zapped,
		.flags = S2_WALK_LEAF | S2_WALK_TABLE_POST,
	};

	s2_pgt_walk(pgt, addr, size, &w);
	return zapped;
}

struct attr_data {
	u64 clr;
	bool young;
	u64 changed;
};

static int attr_visitor(const struct s2_visit_ctx *ctx,
			enum s2_walk_flags visit)
{
	struct attr_data *d = ctx->arg;

	(void)visit;
	if (!s2_pte_valid(ctx->old))
		return 0;
	if (ctx->old & S2_PTE_AF)
		d->young = true;
	if (ctx->old & d->clr) {
		*ctx->ptep = ctx->old & ~d->clr;
		d->changed++;
	}
	return 0;
}

static struct attr_data s2_clear_attr(struct kvm_pgtable *pgt, u64 addr,
				      u64 size, u64 clr)
{
	struct attr_data d = { .clr = clr };
	struct s2_walker w = {
		.cb = attr_visitor, .arg = &d, .flags = S2_WALK_LEAF,
	};

	s2_pgt_walk(pgt, addr, size, &w);
	return d;
}

u64 s2_wrprotect(struct kvm_pgtable *pgt, u64 addr, u64 size)
{
	return s2_clear_attr(pgt, addr, size, S2_PTE_S2AP_W).changed;
}

bool s2_test_clear_young(struct kvm_pgtable *pgt, u64 addr, u64 size,
			 bool mkold)
{
	return s2_clear_attr(pgt, addr, size, mkold ? S2_PTE_AF : 0).young;
}

/* What a walk to the leaf over one address found, and did there. */
struct leaf_data {
	enum { LEAF_GET, LEAF_RELAX, LEAF_MKYOUNG } op;
	enum s2_prot prot;
	bool found;
	u64 desc;
	u64 tag;
	int level;
};

static int leaf_visitor(const struct s2_visit_ctx *ctx,
			enum s2_walk_flags visit)
{
	struct leaf_data *d = ctx->arg;
	u64 desc = ctx->old;

	(void)visit;
	d->found = true;
	d->tag = *ctx->tagp;
	d->level = ctx->level;
	if (d->op != LEAF_GET && s2_pte_valid(desc)) {
		if (d->prot & S2_PROT_R)
			desc |= S2_PTE_S2AP_R;
		if (d->prot & S2_PROT_W)
			desc |= S2_PTE_S2AP_W;
		if (d->prot & S2_PROT_X)
			desc &= ~S2_PTE_XN;
		*ctx->ptep = desc | S2_PTE_AF;
	}
	d->desc = desc;
	return 0;
}

static struct leaf_data leaf_op(struct kvm_pgtable *pgt, u64 addr,
				struct leaf_data d)
{
	struct s2_walker w = {
		.cb = leaf_visitor, .arg = &d, .flags = S2_WALK_LEAF,
	};

	s2_pgt_walk(pgt, ALIGN_DOWN(addr, SZ_4K), SZ_4K, &w);
	return d;
}

int s2_get_leaf(struct kvm_pgtable *pgt, u64 addr, u64 *desc, int *level,
		u64 *tag)
{
	struct leaf_data d = leaf_op(pgt, addr,
				     (struct leaf_data){ .op = LEAF_GET });

	if (!d.found)
		return -EINVAL;
	if (desc)
		*desc = d.desc;
	if (level)
		*level = d.level;
	if (tag)
		*tag = d.tag;
	return 0;
}

int s2_relax_perms(struct kvm_pgtable *pgt, u64 addr, enum s2_prot prot)
{
	struct leaf_data d = leaf_op(pgt, addr, (struct leaf_data){
		.op = LEAF_RELAX, .prot = prot,
	});

	return d.found && s2_pte_valid(d.desc) ? 0 : -EAGAIN;
}

/* Hardware access-flag update on an access through a valid leaf. */
void s2_mkyoung(struct kvm_pgtable *pgt, u64 addr)
{
	leaf_op(pgt, addr, (struct leaf_data){ .op = LEAF_MKYOUNG });
}

static int count_visitor(const struct s2_visit_ctx *ctx,
			 enum s2_walk_flags visit)
{
	u64 *n = ctx->arg;

	(void)visit;
	if (s2_pte_valid(ctx->old))
		(*n)++;
	return 0;
}

u64 s2_count_leaves(struct kvm_pgtable *pgt, u64 addr, u64 size)
{
	u64 n = 0;
	struct s2_walker w = {
		.cb = count_visitor, .arg = &n, .flags = S2_WALK_LEAF,
	};

	s2_pgt_walk(pgt, addr, size, &w);
	return n;
}

struct leaf_list {
	struct s2_leaf *v;
	size_t nr, cap;
};

static int collect_visitor(const struct s2_visit_ctx *ctx,
			   enum s2_walk_flags visit)
{
	struct leaf_list *l = ctx->arg;

	(void)visit;
	if (!s2_pte_valid(ctx->old))
		return 0;
	if (l->nr == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->nr++] = (struct s2_leaf){
		.addr = ctx->addr, .tag = *ctx->tagp, .desc = ctx->old,
		.level = ctx->level,
	};
	return 0;
}

struct s2_leaf *s2_collect_leaves(struct kvm_pgtable *pgt, u64 addr,
				  u64 size, size_t *nr)
{
	struct leaf_list l = { 0 };
	struct s2_walker w = {
		.cb = collect_visitor, .arg = &l, .flags = S2_WALK_LEAF,
	};

	s2_pgt_walk(pgt, addr, size, &w);
	*nr = l.nr;
	return l.v;
}

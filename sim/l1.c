// SPDX-License-Identifier: GPL-2.0
/*
 * The guest hypervisor model. L1's memory for its L2s comes from a pool
 * with LIFO free lists, so freed L1 pages are soon used again by another
 * nested IPA: remapping and aliasing arise the way they do in a real L1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/align.h>

#include "l1.h"
#include "l1_mem.h"
#include "tlbi.h"
#include "vm.h"

#define POOL_ORDERS	19	/* 4K .. 1G chunks */

struct addr_stack {
	u64 *a;
	u64 nr, cap;
};

/* An allocator of naturally aligned chunks of L1 RAM. */
struct l1_pool {
	u64 base, size, bump;
	struct addr_stack free[POOL_ORDERS];
	u16 *ref;		/* per 4K page: users of the chunk it starts */
};

enum region_state {
	REGION_UNTOUCHED,
	REGION_PAGES,		/* backed granule by granule */
	REGION_BLOCK,		/* backed by one contiguous chunk */
};

struct l2_ctx {
	u16 vmid;
	u64 root;
	int root_order;
	u64 vtcr;
	struct guest_s2_cfg cfg;
	unsigned int pgshift;
	u64 gran, blk;
	u64 mem_size;
	u64 *backing;		/* canonical IPA per granule page, 0: none */
	u8 *region;		/* enum region_state per block region */
	struct addr_stack tables;
};

struct l1_hyp {
	struct sim_vm *vm;
	struct l1_config cfg;
	struct l1_mem *mem;
	struct l1_pool pool;
	struct l1_pool tpool;
	struct l2_ctx *ctx;
	u16 next_vmid;
	u64 reclaim_cursor;	/* next region L1 reclaims under pressure */
};

static bool make_room(struct l1_hyp *l1, struct l2_ctx *busy, u64 busy_r);

static void push(struct addr_stack *s, u64 v)
{
	if (s->nr == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->a = realloc(s->a, s->cap * sizeof(*s->a));
		if (!s->a)
			abort();
	}
	s->a[s->nr++] = v;
}

static void pool_init(struct l1_pool *p, u64 base, u64 size)
{
	memset(p, 0, sizeof(*p));
	p->base = base;
	p->size = size;
	p->bump = base;
	p->ref = calloc(size >> 12, sizeof(*p->ref));
	if (!p->ref)
		abort();
}

static void pool_destroy(struct l1_pool *p)
{
	for (int i = 0; i < POOL_ORDERS; i++)
		free(p->free[i].a);
	free(p->ref);
}

static u16 *pool_ref(struct l1_pool *p, u64 addr)
{
	return &p->ref[(addr - p->base) >> 12];
}

static void set_refs(struct l1_pool *p, u64 addr, int order, u16 v)
{
	for (u64 i = 0; i < (1ULL << order); i++)
		p->ref[((addr - p->base) >> 12) + i] = v;
}

static u64 pool_take(struct l1_pool *p, int order)
{
	u64 sz = 1ULL << (order + 12);
	u64 a;

	if (p->free[order].nr)
		return p->free[order].a[--p->free[order].nr];
	/* Split the smallest larger free chunk. */
	for (int up = order + 1; up < POOL_ORDERS; up++) {
		if (!p->free[up].nr)
			continue;
		a = p->free[up].a[--p->free[up].nr];
		for (int o = up - 1; o >= order; o--)
			push(&p->free[o], a + (1ULL << (o + 12)));
		return a;
	}
	a = ALIGN(p->bump, sz);
	if (a + sz > p->base + p->size)
		return 0;
	p->bump = a + sz;
	return a;
}

static u64 pool_alloc(struct l1_pool *p, int order)
{
	u64 a = pool_take(p, order);

	if (a)
		set_refs(p, a, order, 1);
	return a;
}

static void pool_put(struct l1_pool *p, u64 addr, int order)
{
	u16 *ref = pool_ref(p, addr);

	if (WARN_ON(!*ref) || --*ref)
		return;
	set_refs(p, addr, order, 0);
	push(&p->free[order], addr);
}

static struct l2_ctx *ctx_of(struct l1_hyp *l1, int ctx)
{
	return &l1->ctx[ctx];
}

static int gorder(const struct l2_ctx *c)
{
	return c->pgshift - 12;
}

static int border(const struct l2_ctx *c)
{
	return ilog2(c->blk) - 12;
}

static u64 page_of(const struct l2_ctx *c, u64 nested)
{
	return nested >> c->pgshift;
}

static u64 region_of(const struct l2_ctx *c, u64 nested)
{
	return nested / c->blk;
}

/* A cheap deterministic hash, so that region policy replays exactly. */
static u32 mix(u64 a, u64 b)
{
	u64 x = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL);

	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	return (u32)(x >> 32);
}

static void issue(struct l1_hyp *l1, struct l2_ctx *c, int op, u64 operand)
{
	vm_guest_tlbi(l1->vm, c->vmid, op, operand);
}

static void issue_range(struct l1_hyp *l1, struct l2_ctx *c, u64 base,
			u64 size)
{
	u64 ops[64], leftover = 0;
	int n = tlbi_ripas2_split(c->pgshift, base, size, ops,
				  ARRAY_SIZE(ops), &leftover);

	if (n < 0) {
		/* Too many operands: L1's KVM gives up and drops the VM. */
		issue(l1, c, TLBI_VMALLS12E1, 0);
		return;
	}
	for (int i = 0; i < n; i++)
		issue(l1, c, TLBI_RIPAS2E1, ops[i]);
	if (leftover)
		issue(l1, c, TLBI_IPAS2E1,
		      tlbi_ipas2_operand(base + size - leftover,
					 tlbi_ttl(c->pgshift, 3)));
}

/* Invalidate one leaf the way L1's KVM would after clearing it. */
static void tlbi_leaf(struct l1_hyp *l1, struct l2_ctx *c,
		      const struct guest_s2_leaf *leaf)
{
	if (leaf->desc & GS2_DESC_CONT) {
		u64 run = guest_s2_contig_entries(c->pgshift, leaf->level) *
			  guest_s2_level_size(c->pgshift, leaf->level);

		issue_range(l1, c, ALIGN_DOWN(leaf->nested_ipa, run), run);
		return;
	}
	/*
	 * Some guest hypervisors pass no TTL hint (no FEAT_TTL use): KVM then
	 * reads the level from the shadow stage-2 or falls back to the
	 * largest size. A quarter of the leaves, chosen by address, go that way.
	 */
	u8 ttl = tlbi_ttl(c->pgshift, leaf->level);

	if (!(mix(c->vmid, leaf->nested_ipa) % 4))
		ttl = 0;
	issue(l1, c, TLBI_IPAS2E1, tlbi_ipas2_operand(leaf->nested_ipa, ttl));
}

static int alloc_table(void *arg, u64 *ipa)
{
	struct l2_ctx *c = ((void **)arg)[1];
	struct l1_hyp *l1 = ((void **)arg)[0];
	u64 t = pool_alloc(&l1->tpool, gorder(c));

	if (!t)
		return -ENOMEM;
	l1_mem_zero(l1->mem, t, c->gran);
	push(&c->tables, t);
	*ipa = t;
	return 0;
}

static int map(struct l1_hyp *l1, struct l2_ctx *c, u64 nested, u64 canonical,
	       int level, unsigned int prot, bool contig)
{
	void *arg[2] = { l1, c };

	return guest_s2_map(l1->mem, &c->cfg, nested, canonical, level, prot,
			    contig, alloc_table, arg);
}

/* Clear the leaf mapping @nested, if any, and invalidate it. */
static bool unmap_leaf(struct l1_hyp *l1, struct l2_ctx *c, u64 nested)
{
	struct guest_s2_leaf leaf;

	if (guest_s2_unmap(l1->mem, &c->cfg, nested, &leaf))
		return false;
	tlbi_leaf(l1, c, &leaf);
	return true;
}

/* Clear every leaf in [base, base + size) without per-leaf TLBIs. */
static void clear_leaves(struct l1_hyp *l1, struct l2_ctx *c, u64 base,
			 u64 size)
{
	struct guest_s2_leaf leaf;

	for (u64 a = base; a < base + size; a += c->gran)
		guest_s2_unmap(l1->mem, &c->cfg, a, &leaf);
}

/* A block-backed region becomes granule pages (THP split in L1). */
static void split_region(struct l1_hyp *l1, struct l2_ctx *c, u64 r)
{
	u64 base = r * c->blk;

	if (c->region[r] != REGION_BLOCK)
		return;
	clear_leaves(l1, c, base, c->blk);
	issue_range(l1, c, base, c->blk);
	c->region[r] = REGION_PAGES;
}

static void ensure_backed(struct l1_hyp *l1, struct l2_ctx *c, u64 nested)
{
	u64 r = region_of(c, nested), p = page_of(c, nested);

	if (c->region[r] == REGION_UNTOUCHED) {
		u64 chunk = 0;

		if (mix(c->vmid, r) % 100 < l1->cfg.block_pct)
			chunk = pool_alloc(&l1->pool, border(c));
		if (chunk) {
			u64 first = r * (c->blk >> c->pgshift);

			for (u64 i = 0; i < (c->blk >> c->pgshift); i++)
				c->backing[first + i] = chunk + (i << c->pgshift);
			c->region[r] = REGION_BLOCK;
			return;
		}
		c->region[r] = REGION_PAGES;
	}
	if (!c->backing[p])
		c->backing[p] = pool_alloc(&l1->pool, gorder(c));
}

static bool shared(struct l1_hyp *l1, struct l2_ctx *c, u64 p)
{
	return *pool_ref(&l1->pool, c->backing[p]) > 1;
}

static int map_page(struct l1_hyp *l1, struct l2_ctx *c, u64 nested)
{
	u64 r = region_of(c, nested), p = page_of(c, nested);
	unsigned int prot = GS2_PROT_R | GS2_PROT_W;

	if (!c->backing[p])
		return -ENOMEM;
	if (c->region[r] == REGION_BLOCK) {
		u64 base = r * c->blk;
		u64 run = guest_s2_contig_entries(c->pgshift, 3) * c->gran;

		if (mix(c->vmid ^ 0x5a5a, r) % 100 >= l1->cfg.contig_pct)
			return map(l1, c, base, c->backing[page_of(c, base)],
				   2, prot, false);
		base = ALIGN_DOWN(nested, run);
		return map(l1, c, base, c->backing[page_of(c, base)], 3, prot,
			   true);
	}
	/* KSM-merged pages are mapped read-only; a write breaks the COW. */
	if (shared(l1, c, p))
		prot = GS2_PROT_R;
	return map(l1, c, ALIGN_DOWN(nested, c->gran), c->backing[p], 3, prot,
		   false);
}

static int cow(struct l1_hyp *l1, struct l2_ctx *c, u64 nested)
{
	u64 p = page_of(c, nested);
	u64 fresh = pool_alloc(&l1->pool, gorder(c));

	/* Out of memory: L1 reclaims other L2 memory, as on a first touch. */
	while (!fresh && make_room(l1, c, region_of(c, nested)))
		fresh = pool_alloc(&l1->pool, gorder(c));
	if (!fresh)
		return -ENOMEM;
	unmap_leaf(l1, c, nested);
	pool_put(&l1->pool, c->backing[p], gorder(c));
	c->backing[p] = fresh;
	return map_page(l1, c, nested);
}

int l1_handle_fault(struct l1_hyp *l1, int ctx, u64 nested_ipa, bool write,
		    const struct guest_s2_trans *trans)
{
	struct l2_ctx *c = ctx_of(l1, ctx);
	u64 p = page_of(c, nested_ipa);

	if (nested_ipa >= c->mem_size)
		return -EFAULT;
	switch (trans->fault) {
	case GS2_OK:
		/* A permission fault: L1 write-protected the page. */
		if (!write)
			return -EINVAL;
		if (c->region[region_of(c, nested_ipa)] != REGION_BLOCK &&
		    shared(l1, c, p))
			return cow(l1, c, nested_ipa);
		return guest_s2_set_prot(l1->mem, &c->cfg, nested_ipa,
					 GS2_PROT_R | GS2_PROT_W);
	case GS2_FAULT_TRANSLATION:
		ensure_backed(l1, c, nested_ipa);
		/* Out of memory: L1 reclaims other L2 memory, as Linux would. */
		while (!c->backing[p] &&
		       make_room(l1, c, region_of(c, nested_ipa)))
			ensure_backed(l1, c, nested_ipa);
		return map_page(l1, c, nested_ipa);
	default:
		return -EINVAL;
	}
}

int l1_walk(struct l1_hyp *l1, int ctx, u64 nested_ipa,
	    struct guest_s2_trans *out)
{
	struct l2_ctx *c = ctx_of(l1, ctx);

	return guest_s2_walk(l1->mem, &c->cfg, nested_ipa, out);
}

bool l1_is_mapped(struct l1_hyp *l1, int ctx, u64 nested_ipa)
{
	struct l2_ctx *c = ctx_of(l1, ctx);

	return nested_ipa < c->mem_size && c->backing[page_of(c, nested_ipa)];
}

static void drop_page(struct l1_hyp *l1, struct l2_ctx *c, u64 nested)
{
	u64 p = page_of(c, nested);

	split_region(l1, c, region_of(c, nested));
	unmap_leaf(l1, c, nested);
	pool_put(&l1->pool, c->backing[p], gorder(c));
	c->backing[p] = 0;
}

void l1_reclaim(struct l1_hyp *l1, int ctx, u64 nested_ipa)
{
	struct l2_ctx *c = ctx_of(l1, ctx);

	if (l1_is_mapped(l1, ctx, nested_ipa))
		drop_page(l1, c, nested_ipa);
}

void l1_migrate(struct l1_hyp *l1, int ctx, u64 nested_ipa)
{
	struct l2_ctx *c = ctx_of(l1, ctx);

	if (!l1_is_mapped(l1, ctx, nested_ipa))
		return;
	drop_page(l1, c, nested_ipa);
	c->backing[page_of(c, nested_ipa)] = pool_alloc(&l1->pool, gorder(c));
}

void l1_ksm(struct l1_hyp *l1, int ctx, u64 nested_ipa, int ctx2,
	    u64 nested_ipa2)
{
	struct l2_ctx *a = ctx_of(l1, ctx), *b = ctx_of(l1, ctx2);
	u64 pa = page_of(a, nested_ipa), pb = page_of(b, nested_ipa2);
	struct guest_s2_leaf leaf;

	if (a->pgshift != b->pgshift || !l1_is_mapped(l1, ctx, nested_ipa) ||
	    !l1_is_mapped(l1, ctx2, nested_ipa2) ||
	    a->backing[pa] == b->backing[pb])
		return;
	split_region(l1, a, region_of(a, nested_ipa));
	split_region(l1, b, region_of(b, nested_ipa2));
	/* The stable page becomes read-only for every user. */
	if (!guest_s2_lookup(l1->mem, &a->cfg, nested_ipa, &leaf) &&
	    (leaf.desc & GS2_DESC_S2AP_W)) {
		guest_s2_set_prot(l1->mem, &a->cfg, nested_ipa, GS2_PROT_R);
		tlbi_leaf(l1, a, &leaf);
	}
	unmap_leaf(l1, b, nested_ipa2);
	pool_put(&l1->pool, b->backing[pb], gorder(b));
	b->backing[pb] = a->backing[pa];
	(*pool_ref(&l1->pool, a->backing[pa]))++;
}

void l1_thp_split(struct l1_hyp *l1, int ctx, u64 nested_ipa)
{
	struct l2_ctx *c = ctx_of(l1, ctx);

	if (nested_ipa < c->mem_size)
		split_region(l1, c, region_of(c, nested_ipa));
}

void l1_thp_collapse(struct l1_hyp *l1, int ctx, u64 nested_ipa)
{
	struct l2_ctx *c = ctx_of(l1, ctx);
	u64 r = region_of(c, nested_ipa), base = r * c->blk;
	u64 first = r * (c->blk >> c->pgshift);
	u64 chunk;

	if (nested_ipa >= c->mem_size || c->region[r] != REGION_PAGES)
		return;
	chunk = pool_alloc(&l1->pool, border(c));
	if (!chunk)
		return;
	clear_leaves(l1, c, base, c->blk);
	issue_range(l1, c, base, c->blk);
	for (u64 i = 0; i < (c->blk >> c->pgshift); i++) {
		if (c->backing[first + i])
			pool_put(&l1->pool, c->backing[first + i], gorder(c));
		c->backing[first + i] = chunk + (i << c->pgshift);
	}
	c->region[r] = REGION_BLOCK;
}

void l1_range_unmap(struct l1_hyp *l1, int ctx, u64 nested_ipa, u64 size)
{
	struct l2_ctx *c = ctx_of(l1, ctx);
	u64 base = ALIGN_DOWN(nested_ipa, c->gran);
	u64 end = min_t(u64, ALIGN(nested_ipa + size, c->gran), c->mem_size);

	if (base >= end)
		return;
	for (u64 r = region_of(c, base); r <= region_of(c, end - 1); r++)
		split_region(l1, c, r);
	clear_leaves(l1, c, base, end - base);
	for (u64 a = base; a < end; a += c->gran) {
		u64 p = page_of(c, a);

		if (c->backing[p])
			pool_put(&l1->pool, c->backing[p], gorder(c));
		c->backing[p] = 0;
	}
	issue_range(l1, c, base, end - base);
}

/*
 * Reclaim one whole block region of some L2 (not the one faulting), round
 * robin over contexts and regions. False when there is nothing to take.
 */
static bool make_room(struct l1_hyp *l1, struct l2_ctx *busy, u64 busy_r)
{
	u64 total = 0;

	for (unsigned int i = 0; i < l1->cfg.nr_ctx; i++)
		total += l1->ctx[i].mem_size / l1->ctx[i].blk;
	for (u64 tries = 0; tries < total; tries++) {
		u64 n = l1->reclaim_cursor++ % total;

		for (unsigned int i = 0; i < l1->cfg.nr_ctx; i++) {
			struct l2_ctx *c = &l1->ctx[i];
			u64 regions = c->mem_size / c->blk;

			if (n >= regions) {
				n -= regions;
				continue;
			}
			if ((c == busy && n == busy_r) ||
			    c->region[n] == REGION_UNTOUCHED)
				break;
			l1_range_unmap(l1, i, n * c->blk, c->blk);
			c->region[n] = REGION_UNTOUCHED;
			return true;
		}
	}
	return false;
}

void l1_dirty_log(struct l1_hyp *l1, int ctx)
{
	struct l2_ctx *c = ctx_of(l1, ctx);
	struct guest_s2_leaf leaf;

	for (u64 a = 0; a < c->mem_size; a += c->gran) {
		if (!c->backing[page_of(c, a)] ||
		    guest_s2_lookup(l1->mem, &c->cfg, a, &leaf) ||
		    !(leaf.desc & GS2_DESC_S2AP_W))
			continue;
		guest_s2_set_prot(l1->mem, &c->cfg, a, GS2_PROT_R);
	}
	issue(l1, c, TLBI_VMALLS12E1, 0);
}

static void ctx_regs_update(struct l2_ctx *c)
{
	c->cfg.baddr = c->root;
}

static void ctx_free_memory(struct l1_hyp *l1, struct l2_ctx *c)
{
	for (u64 r = 0; r < c->mem_size / c->blk; r++) {
		u64 first = r * (c->blk >> c->pgshift);

		if (c->region[r] == REGION_BLOCK) {
			pool_put(&l1->pool, c->backing[first], border(c));
			memset(&c->backing[first], 0,
			       (c->blk >> c->pgshift) * sizeof(u64));
		}
		c->region[r] = REGION_UNTOUCHED;
	}
	for (u64 p = 0; p < (c->mem_size >> c->pgshift); p++) {
		if (c->backing[p])
			pool_put(&l1->pool, c->backing[p], gorder(c));
		c->backing[p] = 0;
	}
	for (u64 i = 0; i < c->tables.nr; i++)
		pool_put(&l1->tpool, c->tables.a[i], gorder(c));
	c->tables.nr = 0;
	pool_put(&l1->tpool, c->root, c->root_order);
}

/* The start level may concatenate several tables: one aligned chunk. */
static int ctx_new_root(struct l1_hyp *l1, struct l2_ctx *c)
{
	u64 size = guest_s2_root_size(&c->cfg);
	u64 root = size ? pool_alloc(&l1->tpool, ilog2(size) - 12) : 0;

	if (!root)
		return -ENOMEM;
	l1_mem_zero(l1->mem, root, size);
	c->root = root;
	c->root_order = ilog2(size) - 12;
	ctx_regs_update(c);
	return 0;
}

void l1_restart(struct l1_hyp *l1, int ctx)
{
	struct l2_ctx *c = ctx_of(l1, ctx);

	ctx_free_memory(l1, c);
	if (ctx_new_root(l1, c))
		abort();
	issue(l1, c, TLBI_VMALLS12E1, 0);
}

static u16 next_vmid(struct l1_hyp *l1)
{
	/* 8-bit VMIDs; 0 is L1's own. */
	l1->next_vmid = l1->next_vmid % 255 + 1;
	return l1->next_vmid;
}

void l1_vmid_rollover(struct l1_hyp *l1)
{
	for (unsigned int i = 0; i < l1->cfg.nr_ctx; i++)
		l1->ctx[i].vmid = next_vmid(l1);
	issue(l1, &l1->ctx[0], TLBI_ALLE1, 0);
}

unsigned int l1_nr_ctx(const struct l1_hyp *l1)
{
	return l1->cfg.nr_ctx;
}

u64 l1_ctx_mem_size(const struct l1_hyp *l1, int ctx)
{
	return l1->ctx[ctx].mem_size;
}

u64 l1_ctx_granule(const struct l1_hyp *l1, int ctx)
{
	return l1->ctx[ctx].gran;
}

void l1_ctx_regs(const struct l1_hyp *l1, int ctx, struct l1_regs *r)
{
	const struct l2_ctx *c = &l1->ctx[ctx];

	r->vttbr = ((u64)c->vmid << VTTBR_VMID_SHIFT) | c->root;
	r->vtcr = c->vtcr;
	r->s2_enabled = true;
}

static int ctx_init(struct l1_hyp *l1, struct l2_ctx *c, unsigned int i)
{
	const struct l1_config *cfg = &l1->cfg;
	unsigned int ipa = l1->vm->kvm.arch.ipa_bits;

	c->pgshift = cfg->pgshift[i % cfg->nr_pgshift];
	c->gran = 1ULL << c->pgshift;
	c->blk = guest_s2_level_size(c->pgshift, 2);
	c->mem_size = cfg->l2_mem_size;
	if (!IS_ALIGNED(c->mem_size, c->blk))
		return -EINVAL;
	c->vmid = next_vmid(l1);
	c->vtcr = guest_s2_make_vtcr(c->pgshift, cfg->l2_ipa_bits,
				     guest_s2_pick_start_level(c->pgshift,
							       cfg->l2_ipa_bits),
				     ipa, true);
	guest_s2_cfg_from_regs(&c->cfg, 0, c->vtcr, ipa);
	c->backing = calloc(c->mem_size >> c->pgshift, sizeof(u64));
	c->region = calloc(c->mem_size / c->blk, 1);
	if (!c->backing || !c->region)
		abort();
	return ctx_new_root(l1, c);
}

struct l1_hyp *l1_create(struct sim_vm *vm, const struct l1_config *cfg)
{
	struct l1_hyp *l1 = calloc(1, sizeof(*l1));

	if (!l1)
		abort();
	l1->vm = vm;
	l1->cfg = *cfg;
	l1->mem = l1_mem_create();
	for (unsigned int i = 0; i < vm->cfg.nr_slots; i++)
		l1_mem_add_ram(l1->mem, vm->slots[i].base, vm->slots[i].size);
	pool_init(&l1->pool, cfg->pool_base, cfg->pool_size);
	pool_init(&l1->tpool, cfg->table_base, cfg->table_size);
	l1->ctx = calloc(cfg->nr_ctx, sizeof(*l1->ctx));
	if (!l1->ctx || !cfg->nr_pgshift)
		abort();
	for (unsigned int i = 0; i < cfg->nr_ctx; i++) {
		if (ctx_init(l1, &l1->ctx[i], i)) {
			l1->cfg.nr_ctx = i + 1;
			l1_destroy(l1);
			return NULL;
		}
	}
	return l1;
}

void l1_destroy(struct l1_hyp *l1)
{
	for (unsigned int i = 0; i < l1->cfg.nr_ctx; i++) {
		free(l1->ctx[i].backing);
		free(l1->ctx[i].region);
		free(l1->ctx[i].tables.a);
	}
	free(l1->ctx);
	pool_destroy(&l1->pool);
	pool_destroy(&l1->tpool);
	l1_mem_destroy(l1->mem);
	free(l1);
}

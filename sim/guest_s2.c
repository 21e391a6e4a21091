// SPDX-License-Identifier: GPL-2.0
/*
 * L1's stage-2 tables in L1 memory: the nested walker KVM runs on a
 * nested stage-2 fault, and the builder the simulated L1 edits them with.
 *
 * The walker follows walk_nested_s2_pgd() step for step, including its
 * shortcuts (input bits above the IA size are ignored, a misaligned base
 * is silently masked, the contiguous hint only widens output alignment),
 * since the point of the simulation is to see what KVM would see.
 */
#include <errno.h>
#include <string.h>

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/kernel.h>

#include "guest_s2.h"

#define GS2_VTCR_RES1		BIT_ULL(31)
/* IRGN0/ORGN0 = WBWA, SH0 = Inner: how KVM walks its own stage 2 */
#define GS2_VTCR_WALK_ATTRS	((1ULL << 8) | (1ULL << 10) | (3ULL << 12))

#define GS2_MAX_TABLE_LEVELS	3

/* The walk parameters fixed by VTTBR/VTCR. */
struct gs2_geom {
	unsigned int pgshift;
	unsigned int stride;
	unsigned int ia_bits;
	int start_level;
	int first_block_level;
	u64 root;
};

/* Where a leaf was found, so a run around it can be rewritten. */
struct gs2_pos {
	u64 table;
	u64 paddr;
	u64 desc;
	int level;
};

static bool gs2_pgshift_ok(unsigned int pgshift)
{
	return pgshift == 12 || pgshift == 14 || pgshift == 16;
}

static inline unsigned int gs2_level_shift(unsigned int pgshift, int level)
{
	return (3 - level) * (pgshift - 3) + pgshift;
}

u64 guest_s2_level_size(unsigned int pgshift, int level)
{
	/* 64K has no level 0 without 52-bit addressing */
	int min_level = pgshift == 16 ? 1 : 0;

	if (!gs2_pgshift_ok(pgshift) || level < min_level || level > 3)
		return 0;
	return 1ULL << gs2_level_shift(pgshift, level);
}

bool guest_s2_leaf_level_ok(unsigned int pgshift, int level)
{
	if (!gs2_pgshift_ok(pgshift) || level > 3)
		return false;
	return level >= (pgshift == 12 ? 1 : 2);
}

/* log2 of the run length, per the contiguous bit rules of the Arm ARM. */
static unsigned int gs2_contig_shift(unsigned int pgshift, int level)
{
	switch (pgshift) {
	case 12:
		return 4;
	case 14:
		return level == 2 ? 5 : 7;
	default:
		return 5;
	}
}

unsigned int guest_s2_contig_entries(unsigned int pgshift, int level)
{
	if (!guest_s2_leaf_level_ok(pgshift, level))
		return 0;
	return 1U << gs2_contig_shift(pgshift, level);
}

static unsigned int gs2_ps_to_bits(unsigned int ps)
{
	static const unsigned int bits[] = { 32, 36, 40, 42, 44, 48 };

	/* No LPA: a 52-bit PS reads as 48, as does anything reserved. */
	return ps < ARRAY_SIZE(bits) ? bits[ps] : 48;
}

static int gs2_bits_to_ps(unsigned int ps_bits)
{
	switch (ps_bits) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	case 48: return 5;
	case 52: return 6;
	default: return -EINVAL;
	}
}

u64 guest_s2_make_vtcr(unsigned int pgshift, unsigned int ia_bits,
		       int start_level, unsigned int ps_bits, bool ha)
{
	u64 tg0, vtcr;
	int sl0, ps;

	switch (pgshift) {
	case 12:
		tg0 = VTCR_TG0_4K;
		sl0 = 2 - start_level;
		break;
	case 14:
		tg0 = VTCR_TG0_16K;
		sl0 = 3 - start_level;
		break;
	case 16:
		tg0 = VTCR_TG0_64K;
		sl0 = 3 - start_level;
		break;
	default:
		return 0;
	}
	ps = gs2_bits_to_ps(ps_bits);
	if (sl0 < 0 || sl0 > 3 || ps < 0 || !ia_bits || ia_bits > 63)
		return 0;

	vtcr = GS2_VTCR_RES1 | GS2_VTCR_WALK_ATTRS;
	vtcr |= (64 - ia_bits) & VTCR_T0SZ_MASK;
	vtcr |= (u64)sl0 << VTCR_SL0_SHIFT;
	vtcr |= tg0 << VTCR_TG0_SHIFT;
	vtcr |= (u64)ps << VTCR_PS_SHIFT;
	if (ha)
		vtcr |= VTCR_HA;
	return vtcr;
}

int guest_s2_pick_start_level(unsigned int pgshift, unsigned int ia_bits)
{
	unsigned int stride = pgshift - 3, levels;
	int level;

	if (!gs2_pgshift_ok(pgshift) || ia_bits < 25 || ia_bits > 48)
		return -EINVAL;

	/* Up to 16 concatenated tables buy back 4 bits at the start level. */
	levels = (ia_bits - 4 - pgshift + stride - 1) / stride;
	level = 4 - levels;
	if (pgshift == 12 && level > 2)
		level = 2;
	return level;
}

void guest_s2_cfg_from_regs(struct guest_s2_cfg *cfg, u64 vttbr, u64 vtcr,
			    unsigned int pa_bits)
{
	unsigned int oa_bits;

	memset(cfg, 0, sizeof(*cfg));
	cfg->baddr = vttbr & VTTBR_BADDR_MASK;
	cfg->t0sz = vtcr & VTCR_T0SZ_MASK;
	cfg->sl0 = (vtcr & VTCR_SL0_MASK) >> VTCR_SL0_SHIFT;

	switch ((vtcr & VTCR_TG0_MASK) >> VTCR_TG0_SHIFT) {
	case VTCR_TG0_4K:
		cfg->pgshift = 12;
		break;
	case VTCR_TG0_16K:
		cfg->pgshift = 14;
		break;
	default:
		/* 64K, and the reserved encoding, which is IMPDEF: as upstream */
		cfg->pgshift = 16;
		break;
	}

	oa_bits = gs2_ps_to_bits((vtcr & VTCR_PS_MASK) >> VTCR_PS_SHIFT);
	cfg->max_oa_bits = pa_bits < oa_bits ? pa_bits : oa_bits;
	cfg->pa_bits = pa_bits;
	cfg->ha = vtcr & VTCR_HA;
}

int guest_s2_start_level(const struct guest_s2_cfg *cfg)
{
	return (cfg->pgshift == 12 ? 2 : 3) - (int)cfg->sl0;
}

/*
 * check_base_s2_limits() plus the IA size check before it. Fails with
 * the fault upstream ends up reflecting for each kind of bad VTCR.
 */
static int gs2_geom_init(const struct guest_s2_cfg *cfg, struct gs2_geom *g,
			 enum guest_s2_fault *fault)
{
	int ia_bits, level, start_bits;

	*fault = GS2_FAULT_BAD_CONFIG;
	if (!gs2_pgshift_ok(cfg->pgshift) || cfg->sl0 > 3)
		return -EINVAL;

	g->pgshift = cfg->pgshift;
	g->stride = cfg->pgshift - 3;
	g->first_block_level = cfg->pgshift == 12 ? 1 : 2;
	level = guest_s2_start_level(cfg);
	g->start_level = level;

	ia_bits = 64 - (int)cfg->t0sz;
	if (ia_bits > 48 || ia_bits < 25) {
		*fault = GS2_FAULT_ADDR_SIZE;
		return -EINVAL;
	}
	g->ia_bits = ia_bits;

	switch (cfg->pgshift) {
	case 16:
		if (level == 0 || (level == 1 && cfg->pa_bits <= 42))
			return -EINVAL;
		break;
	case 14:
		if (level == 0 || (level == 1 && cfg->pa_bits <= 40))
			return -EINVAL;
		break;
	default:
		if (level < 0 || (level == 0 && cfg->pa_bits <= 42))
			return -EINVAL;
		break;
	}
	if (ia_bits > (int)cfg->pa_bits)
		return -EINVAL;

	/* log2 of the start table's entries: 1 up to 16 concatenated pages */
	start_bits = ia_bits - (int)gs2_level_shift(cfg->pgshift, level);
	if (start_bits < 1 || start_bits > (int)g->stride + 4)
		return -EINVAL;

	/* The table is aligned to its own size; lower VTTBR bits are ignored. */
	g->root = cfg->baddr & GENMASK_ULL(GS2_OA_BITS - 1, 3 + start_bits);
	*fault = GS2_OK;
	return 0;
}

u64 guest_s2_root_size(const struct guest_s2_cfg *cfg)
{
	enum guest_s2_fault fault;
	struct gs2_geom g;

	if (gs2_geom_init(cfg, &g, &fault))
		return 0;
	return 8ULL << (g.ia_bits - gs2_level_shift(g.pgshift, g.start_level));
}

/* Address of the descriptor for ipa in the table at base, for level. */
static inline u64 gs2_entry(const struct gs2_geom *g, u64 base, int level,
			    u64 ipa)
{
	unsigned int bottom = gs2_level_shift(g->pgshift, level);
	unsigned int top;

	top = level == g->start_level ? g->ia_bits - 1 : bottom + g->stride - 1;
	return base | ((ipa & GENMASK_ULL(top, bottom)) >> (bottom - 3));
}

/* GENMASK_ULL(bits - 1, 0), which trips -Wtype-limits with a variable */
static inline u64 gs2_low_mask(unsigned int bits)
{
	return (1ULL << bits) - 1;
}

static inline u64 gs2_table_addr(const struct gs2_geom *g, u64 desc)
{
	return desc & GENMASK_ULL(GS2_OA_BITS - 1, g->pgshift);
}

static inline bool gs2_is_table(u64 desc, int level)
{
	return (desc & GS2_DESC_VALID) && (desc & GS2_DESC_TYPE) && level < 3;
}

/* The R_BFHQH check: any address bit at or above the OA size. */
static inline bool gs2_oa_too_big(const struct guest_s2_cfg *cfg, u64 addr)
{
	if (cfg->max_oa_bits >= GS2_OA_BITS)
		return false;
	return addr & GENMASK_ULL(GS2_OA_BITS - 1, cfg->max_oa_bits);
}

static inline unsigned int gs2_desc_contig_shift(const struct gs2_geom *g,
						 u64 desc, int level)
{
	return desc & GS2_DESC_CONT ? gs2_contig_shift(g->pgshift, level) : 0;
}

static int gs2_fault(struct guest_s2_trans *out, enum guest_s2_fault fault,
		     int level, u64 desc)
{
	out->fault = fault;
	out->level = level;
	out->desc = desc;
	return 1;
}

int guest_s2_walk(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		  u64 nested_ipa, struct guest_s2_trans *out)
{
	unsigned int bottom;
	struct gs2_geom g;
	u64 table, paddr, desc;
	int level, ret;

	memset(out, 0, sizeof(*out));
	ret = gs2_geom_init(cfg, &g, &out->fault);
	if (ret)
		return ret;

	if (gs2_oa_too_big(cfg, g.root))
		return gs2_fault(out, GS2_FAULT_ADDR_SIZE, 0, 0);

	table = g.root;
	for (level = g.start_level;; level++) {
		paddr = gs2_entry(&g, table, level, nested_ipa);
		out->steps++;
		if (l1_mem_read64(mem, paddr, &desc))
			return gs2_fault(out, GS2_FAULT_EXTABT, level, 0);

		if (!(desc & GS2_DESC_VALID))
			return gs2_fault(out, GS2_FAULT_TRANSLATION, level, desc);

		if (!(desc & GS2_DESC_TYPE)) {
			if (level < 3)
				break;
			/* the block encoding is reserved at level 3 */
			return gs2_fault(out, GS2_FAULT_TRANSLATION, level, desc);
		}
		if (level == 3)
			break;

		if (gs2_oa_too_big(cfg, desc))
			return gs2_fault(out, GS2_FAULT_ADDR_SIZE, level, desc);
		table = gs2_table_addr(&g, desc);
	}

	if (level < g.first_block_level)
		return gs2_fault(out, GS2_FAULT_TRANSLATION, level, desc);

	if (gs2_oa_too_big(cfg, desc))
		return gs2_fault(out, GS2_FAULT_ADDR_SIZE, level, desc);

	if (cfg->ha && !(desc & GS2_DESC_AF)) {
		ret = l1_mem_cmpxchg64(mem, paddr, desc, desc | GS2_DESC_AF);
		if (ret == -EAGAIN)
			return ret;
		if (ret)
			return gs2_fault(out, GS2_FAULT_EXTABT, level, desc);
		desc |= GS2_DESC_AF;
	}

	if (!(desc & GS2_DESC_AF))
		return gs2_fault(out, GS2_FAULT_ACCESS, level, desc);

	bottom = gs2_level_shift(g.pgshift, level);
	out->block_size = 1ULL << bottom;
	bottom += gs2_desc_contig_shift(&g, desc, level);
	out->output = (desc & GENMASK_ULL(GS2_OA_BITS - 1, bottom)) |
		      (nested_ipa & gs2_low_mask(bottom));
	out->readable = desc & GS2_DESC_S2AP_R;
	out->writable = desc & GS2_DESC_S2AP_W;
	out->level = level;
	out->desc = desc;
	out->fault = GS2_OK;
	return 0;
}

unsigned int guest_s2_fsc(const struct guest_s2_trans *trans)
{
	unsigned int level = trans->level & 3;

	switch (trans->fault) {
	case GS2_FAULT_TRANSLATION:
		return 0x04 | level;
	case GS2_FAULT_ACCESS:
		return 0x08 | level;
	case GS2_FAULT_ADDR_SIZE:
		return 0x00 | level;
	case GS2_FAULT_EXTABT:
		return 0x14 + level;
	case GS2_FAULT_BAD_CONFIG:
		return 0x04;
	default:
		return 0;
	}
}

static u64 gs2_prot_bits(unsigned int prot)
{
	return (prot & GS2_PROT_R ? GS2_DESC_S2AP_R : 0) |
	       (prot & GS2_PROT_W ? GS2_DESC_S2AP_W : 0);
}

u64 guest_s2_make_leaf(u64 canonical_ipa, int level, unsigned int prot,
		       bool contiguous)
{
	u64 desc = canonical_ipa & GENMASK_ULL(GS2_OA_BITS - 1, 12);

	desc |= GS2_DESC_VALID | GS2_DESC_MEMATTR_NORMAL | GS2_DESC_SH_INNER |
		GS2_DESC_AF | gs2_prot_bits(prot);
	if (level == 3)
		desc |= GS2_DESC_TYPE;
	if (contiguous)
		desc |= GS2_DESC_CONT;
	return desc;
}

u64 guest_s2_make_table(u64 table_ipa)
{
	return (table_ipa & GENMASK_ULL(GS2_OA_BITS - 1, 12)) |
	       GS2_DESC_VALID | GS2_DESC_TYPE;
}

/* The builder only deals in IPAs the walker can index without aliasing. */
static int gs2_builder_init(const struct guest_s2_cfg *cfg,
			    struct gs2_geom *g, u64 nested_ipa)
{
	enum guest_s2_fault fault;

	if (gs2_geom_init(cfg, g, &fault))
		return -EINVAL;
	if (nested_ipa >> g->ia_bits)
		return -EINVAL;
	return 0;
}

/* The leaf the walker would use for ipa, ignoring AF and output size. */
static int gs2_find_leaf(const struct l1_mem *mem, const struct gs2_geom *g,
			 u64 ipa, struct gs2_pos *pos)
{
	u64 table = g->root;
	int level;

	for (level = g->start_level; level <= 3; level++) {
		u64 paddr = gs2_entry(g, table, level, ipa);
		u64 desc;

		if (l1_mem_read64(mem, paddr, &desc))
			return -EFAULT;
		if (!(desc & GS2_DESC_VALID))
			return -ENOENT;
		if (gs2_is_table(desc, level)) {
			table = gs2_table_addr(g, desc);
			continue;
		}
		if (level == 3 ? !(desc & GS2_DESC_TYPE) :
				 level < g->first_block_level)
			return -ENOENT;

		pos->table = table;
		pos->paddr = paddr;
		pos->desc = desc;
		pos->level = level;
		return 0;
	}
	return -ENOENT;
}

static void gs2_fill_leaf(const struct gs2_geom *g, const struct gs2_pos *pos,
			  u64 ipa, struct guest_s2_leaf *leaf)
{
	unsigned int shift = gs2_level_shift(g->pgshift, pos->level);
	unsigned int bottom = shift + gs2_desc_contig_shift(g, pos->desc,
							     pos->level);

	leaf->size = 1ULL << shift;
	leaf->run_size = 1ULL << bottom;
	leaf->nested_ipa = ipa & ~(leaf->size - 1);
	leaf->canonical_ipa = (pos->desc & GENMASK_ULL(GS2_OA_BITS - 1, bottom)) |
			      (leaf->nested_ipa & gs2_low_mask(bottom));
	leaf->level = pos->level;
	leaf->desc = pos->desc;
}

/*
 * The entries of the aligned run of 2^cshift entries around ipa in the
 * table at level. A run in a start table smaller than the run is cut at
 * the end of the IA space, as there are no entries beyond it.
 */
static unsigned int gs2_run(const struct gs2_geom *g, int level, u64 ipa,
			    unsigned int cshift, u64 *first_ipa)
{
	unsigned int shift = gs2_level_shift(g->pgshift, level);
	u64 start = ipa & ~((1ULL << (shift + cshift)) - 1);
	u64 n = 1ULL << cshift;

	if (level == g->start_level) {
		u64 left = ((1ULL << g->ia_bits) - start) >> shift;

		if (left < n)
			n = left;
	}
	*first_ipa = start;
	return n;
}

/*
 * Invalidate the whole run that the leaf at pos belongs to (just the
 * leaf if it is not contiguous).
 */
static int gs2_clear_run(struct l1_mem *mem, const struct gs2_geom *g,
			 const struct gs2_pos *pos, u64 ipa)
{
	unsigned int cshift = gs2_desc_contig_shift(g, pos->desc, pos->level);
	u64 size = 1ULL << gs2_level_shift(g->pgshift, pos->level);
	unsigned int i, n;
	u64 first;
	int ret;

	n = gs2_run(g, pos->level, ipa, cshift, &first);
	for (i = 0; i < n; i++) {
		ret = l1_mem_write64(mem, gs2_entry(g, pos->table, pos->level,
						    first + i * size), 0);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Hand a detached table and everything below it to free_table, deepest
 * first. Pages that cannot be read never came from the allocator.
 */
static void gs2_free_subtree(const struct l1_mem *mem,
			     const struct gs2_geom *g, u64 table, int level,
			     guest_s2_free_fn free_table, void *ctx)
{
	u64 nr = 1ULL << g->stride, i, desc;

	if (!l1_mem_range_is_ram(mem, table, 1ULL << g->pgshift))
		return;
	if (level < 3) {
		for (i = 0; i < nr; i++) {
			if (l1_mem_read64(mem, table + i * 8, &desc))
				continue;
			if (gs2_is_table(desc, level))
				gs2_free_subtree(mem, g, gs2_table_addr(g, desc),
						 level + 1, free_table, ctx);
		}
	}
	free_table(ctx, table, level);
}

static int gs2_alloc_tables(struct l1_mem *mem, const struct gs2_geom *g,
			    u64 *pages, int nr, int first_level,
			    guest_s2_alloc_fn alloc, guest_s2_free_fn free_table,
			    void *ctx)
{
	u64 granule = 1ULL << g->pgshift;
	int i, ret = 0;

	for (i = 0; i < nr; i++) {
		ret = alloc(ctx, &pages[i]);
		if (ret)
			break;
		if ((pages[i] & (granule - 1)) || pages[i] >> GS2_OA_BITS ||
		    !l1_mem_range_is_ram(mem, pages[i], granule)) {
			/* Not a page the allocator can take back either. */
			ret = -EINVAL;
			break;
		}
	}
	if (!ret)
		return 0;

	while (free_table && i-- > 0)
		free_table(ctx, pages[i], first_level + i);
	return ret;
}

int guest_s2_map_free(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		      u64 nested_ipa, u64 canonical_ipa, int level,
		      unsigned int prot, bool contiguous,
		      guest_s2_alloc_fn alloc, guest_s2_free_fn free_table,
		      void *ctx)
{
	u64 pages[GS2_MAX_TABLE_LEVELS];
	u64 table, paddr = 0, desc = 0, size, run;
	unsigned int i, n = 1;
	struct gs2_geom g;
	struct gs2_pos pos;
	int l, nr_new, ret;

	ret = gs2_builder_init(cfg, &g, nested_ipa);
	if (ret)
		return ret;
	if (!guest_s2_leaf_level_ok(g.pgshift, level) ||
	    level < g.start_level || prot & ~GS2_PROT_RW || !alloc)
		return -EINVAL;

	size = 1ULL << gs2_level_shift(g.pgshift, level);
	if (contiguous)
		n = guest_s2_contig_entries(g.pgshift, level);
	run = size * n;
	if ((nested_ipa | canonical_ipa) & (run - 1))
		return -EINVAL;
	if (canonical_ipa >> GS2_OA_BITS ||
	    run > (1ULL << GS2_OA_BITS) - canonical_ipa ||
	    run > (1ULL << g.ia_bits) - nested_ipa)
		return -EINVAL;

	/* Follow existing tables as far as they go. */
	table = g.root;
	for (l = g.start_level; l < level; l++) {
		paddr = gs2_entry(&g, table, l, nested_ipa);
		ret = l1_mem_read64(mem, paddr, &desc);
		if (ret)
			return ret;
		if (!gs2_is_table(desc, l))
			break;
		table = gs2_table_addr(&g, desc);
	}

	/*
	 * Get every missing table before touching anything, so a failed
	 * allocation leaves the tree as it was.
	 */
	nr_new = level - l;
	if (nr_new) {
		ret = gs2_alloc_tables(mem, &g, pages, nr_new, l + 1, alloc,
				       free_table, ctx);
		if (ret)
			return ret;

		/* A leaf in the way is unmapped, along with its whole run. */
		if ((desc & GS2_DESC_VALID) &&
		    guest_s2_leaf_level_ok(g.pgshift, l)) {
			pos.table = table;
			pos.paddr = paddr;
			pos.desc = desc;
			pos.level = l;
			ret = gs2_clear_run(mem, &g, &pos, nested_ipa);
			if (ret)
				return ret;
		}

		/* Link bottom-up so the chain is whole once it is reachable. */
		for (i = nr_new - 1; i > 0; i--) {
			ret = l1_mem_write64(mem,
					     gs2_entry(&g, pages[i - 1], l + i,
						       nested_ipa),
					     guest_s2_make_table(pages[i]));
			if (ret)
				return ret;
		}
		ret = l1_mem_write64(mem, paddr, guest_s2_make_table(pages[0]));
		if (ret)
			return ret;
		table = pages[nr_new - 1];
	}

	for (i = 0; i < n; i++) {
		u64 ipa = nested_ipa + i * size;

		paddr = gs2_entry(&g, table, level, ipa);
		ret = l1_mem_read64(mem, paddr, &desc);
		if (ret)
			return ret;

		/*
		 * A new run covers any old run at this level exactly; a
		 * single leaf would leave the rest of an old run stale.
		 */
		if (!contiguous && (desc & GS2_DESC_VALID) &&
		    (desc & GS2_DESC_CONT) && !gs2_is_table(desc, level)) {
			pos.table = table;
			pos.paddr = paddr;
			pos.desc = desc;
			pos.level = level;
			ret = gs2_clear_run(mem, &g, &pos, ipa);
			if (ret)
				return ret;
		}

		ret = l1_mem_write64(mem, paddr,
				     guest_s2_make_leaf(canonical_ipa + i * size,
							level, prot, contiguous));
		if (ret)
			return ret;

		if (free_table && gs2_is_table(desc, level))
			gs2_free_subtree(mem, &g, gs2_table_addr(&g, desc),
					 level + 1, free_table, ctx);
	}
	return 0;
}

int guest_s2_map(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		 u64 nested_ipa, u64 canonical_ipa, int level,
		 unsigned int prot, bool contiguous, guest_s2_alloc_fn alloc,
		 void *ctx)
{
	return guest_s2_map_free(mem, cfg, nested_ipa, canonical_ipa, level,
				 prot, contiguous, alloc, NULL, ctx);
}

int guest_s2_lookup(const struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		    u64 nested_ipa, struct guest_s2_leaf *leaf)
{
	struct gs2_geom g;
	struct gs2_pos pos;
	int ret;

	ret = gs2_builder_init(cfg, &g, nested_ipa);
	if (ret)
		return ret;
	ret = gs2_find_leaf(mem, &g, nested_ipa, &pos);
	if (ret)
		return ret;
	gs2_fill_leaf(&g, &pos, nested_ipa, leaf);
	return 0;
}

int guest_s2_unmap(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		   u64 nested_ipa, struct guest_s2_leaf *old)
{
	struct gs2_geom g;
	struct gs2_pos pos;
	int ret;

	ret = gs2_builder_init(cfg, &g, nested_ipa);
	if (ret)
		return ret;
	ret = gs2_find_leaf(mem, &g, nested_ipa, &pos);
	if (ret)
		return ret;
	if (old)
		gs2_fill_leaf(&g, &pos, nested_ipa, old);
	return gs2_clear_run(mem, &g, &pos, nested_ipa);
}

int guest_s2_set_prot(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		      u64 nested_ipa, unsigned int prot)
{
	u64 size, first, desc, paddr;
	unsigned int cshift, i, n;
	struct gs2_geom g;
	struct gs2_pos pos;
	int ret;

	if (prot & ~GS2_PROT_RW)
		return -EINVAL;
	ret = gs2_builder_init(cfg, &g, nested_ipa);
	if (ret)
		return ret;
	ret = gs2_find_leaf(mem, &g, nested_ipa, &pos);
	if (ret)
		return ret;

	/* Permissions must agree across a run, or the TLB may use either. */
	cshift = gs2_desc_contig_shift(&g, pos.desc, pos.level);
	size = 1ULL << gs2_level_shift(g.pgshift, pos.level);
	n = gs2_run(&g, pos.level, nested_ipa, cshift, &first);
	for (i = 0; i < n; i++) {
		paddr = gs2_entry(&g, pos.table, pos.level, first + i * size);
		ret = l1_mem_read64(mem, paddr, &desc);
		if (ret)
			return ret;
		if (!(desc & GS2_DESC_VALID))
			continue;
		desc &= ~(GS2_DESC_S2AP_R | GS2_DESC_S2AP_W);
		ret = l1_mem_write64(mem, paddr, desc | gs2_prot_bits(prot));
		if (ret)
			return ret;
	}
	return 0;
}

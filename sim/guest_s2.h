/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest hypervisor's (L1's) stage-2 page tables, kept in L1 memory in
 * the VMSAv8-64 stage-2 descriptor format (little-endian, 48-bit OA, no
 * LPA/LPA2).
 *
 * Two halves: a walker that models what KVM does on a nested stage-2 fault
 * (kvm_walk_nested_s2() / walk_nested_s2_pgd()), and a builder the
 * simulated L1 uses to map and unmap L2 memory in those same tables.
 */
#ifndef NVRMAP_GUEST_S2_H
#define NVRMAP_GUEST_S2_H

#include <linux/types.h>
#include <linux/bits.h>

#include "l1_mem.h"

/* VTCR_EL2 fields */
#define VTCR_T0SZ_MASK		GENMASK_ULL(5, 0)
#define VTCR_SL0_SHIFT		6
#define VTCR_SL0_MASK		GENMASK_ULL(7, 6)
#define VTCR_TG0_SHIFT		14
#define VTCR_TG0_MASK		GENMASK_ULL(15, 14)
#define VTCR_TG0_4K		0ULL
#define VTCR_TG0_64K		1ULL
#define VTCR_TG0_16K		2ULL
#define VTCR_PS_SHIFT		16
#define VTCR_PS_MASK		GENMASK_ULL(18, 16)
#define VTCR_HA			BIT_ULL(21)

/* VTTBR_EL2 fields */
#define VTTBR_CNP		BIT_ULL(0)
#define VTTBR_BADDR_MASK	GENMASK_ULL(47, 1)
#define VTTBR_VMID_SHIFT	48
#define VTTBR_VMID_MASK		GENMASK_ULL(63, 48)

/* Stage-2 descriptor bits */
#define GS2_DESC_VALID		BIT_ULL(0)
#define GS2_DESC_TYPE		BIT_ULL(1)	/* table/page = 1, block = 0 */
#define GS2_DESC_MEMATTR	GENMASK_ULL(5, 2)
#define GS2_DESC_MEMATTR_NORMAL	(0xfULL << 2)	/* Normal, Inner+Outer WB */
#define GS2_DESC_S2AP_R		BIT_ULL(6)
#define GS2_DESC_S2AP_W		BIT_ULL(7)
#define GS2_DESC_SH		GENMASK_ULL(9, 8)
#define GS2_DESC_SH_INNER	(3ULL << 8)
#define GS2_DESC_AF		BIT_ULL(10)
#define GS2_DESC_CONT		BIT_ULL(52)
#define GS2_DESC_XN		GENMASK_ULL(54, 53)
#define GS2_OA_BITS		48

/* Builder permissions */
#define GS2_PROT_R		1U
#define GS2_PROT_W		2U
#define GS2_PROT_RW		(GS2_PROT_R | GS2_PROT_W)

/*
 * What the walker works from, as setup_s2_walk() derives it from
 * VTTBR_EL2/VTCR_EL2. pa_bits is the L1 VM's PA size: upstream bounds the
 * start level and input size by kvm_get_pa_bits() and the output size by
 * the host IPA limit; the simulation uses the one value for both.
 */
struct guest_s2_cfg {
	u64 baddr;			/* VTTBR_EL2 & VTTBR_BADDR_MASK */
	unsigned int pgshift;		/* 12, 14 or 16 */
	unsigned int t0sz;
	unsigned int sl0;
	unsigned int max_oa_bits;	/* min(pa_bits, PS) */
	unsigned int pa_bits;
	bool ha;
};

/*
 * VTCR_EL2 for the simulated L1. start_level is decoded by upstream as
 * 2 - SL0 (4K) or 3 - SL0 (16K/64K), so 4K accepts -1..2 and 16K/64K
 * 0..3; whether the combination is usable is the walker's business.
 * ps_bits is one of 32, 36, 40, 42, 44, 48, 52. Returns 0 (never a valid
 * VTCR, as T0SZ would be 0) if an argument cannot be encoded.
 */
u64 guest_s2_make_vtcr(unsigned int pgshift, unsigned int ia_bits,
		       int start_level, unsigned int ps_bits, bool ha);
/*
 * The start level KVM itself would pick for its stage 2: the fewest
 * levels, concatenating up to 16 start tables, but never a 4K level 3
 * start (not encodable in SL0). -EINVAL on a bad granule or size.
 */
int guest_s2_pick_start_level(unsigned int pgshift, unsigned int ia_bits);

void guest_s2_cfg_from_regs(struct guest_s2_cfg *cfg, u64 vttbr, u64 vtcr,
			    unsigned int pa_bits);
static inline unsigned int guest_s2_ia_bits(const struct guest_s2_cfg *cfg)
{
	return 64 - cfg->t0sz;
}

int guest_s2_start_level(const struct guest_s2_cfg *cfg);
/* Bytes (and alignment) of the start table; 0 if the cfg is unusable. */
u64 guest_s2_root_size(const struct guest_s2_cfg *cfg);
/* 0 for a level the granule has no tables at. */
u64 guest_s2_level_size(unsigned int pgshift, int level);
/* Entries in a contiguous run at this level, 0 if it cannot be one. */
unsigned int guest_s2_contig_entries(unsigned int pgshift, int level);
/* Whether the granule allows a block/page descriptor at this level. */
bool guest_s2_leaf_level_ok(unsigned int pgshift, int level);

enum guest_s2_fault {
	GS2_OK = 0,
	GS2_FAULT_TRANSLATION,
	GS2_FAULT_ACCESS,
	GS2_FAULT_ADDR_SIZE,
	GS2_FAULT_EXTABT,	/* descriptor read failed: SEA on walk */
	GS2_FAULT_BAD_CONFIG,	/* upstream WARNs, reflects a level 0 fault */
};

struct guest_s2_trans {
	u64 output;		/* canonical IPA the nested IPA translates to */
	u64 block_size;		/* leaf size, contiguous NOT included */
	int level;		/* leaf level, or the faulting level */
	bool readable, writable;
	u64 desc;		/* leaf / faulting descriptor (0 if none read) */
	enum guest_s2_fault fault;
	unsigned int steps;	/* descriptors read */
};

/*
 * Walk L1's stage 2 for nested_ipa, as walk_nested_s2_pgd() does:
 *   0        translated (out->fault == GS2_OK)
 *   1        fault for KVM to reflect to L1 (out->fault, out->level);
 *            this includes GS2_FAULT_EXTABT, for which upstream passes
 *            the failed read's error up but injects the SEA all the same
 *   -EINVAL  VTCR unusable; upstream still reflects a fault, which
 *            out->fault/level describe: GS2_FAULT_BAD_CONFIG at level 0
 *            when the start level/table size is illegal, and
 *            GS2_FAULT_ADDR_SIZE at level 0 when 64 - T0SZ is outside
 *            25..48 (upstream returns before setting the FSC, so the
 *            syndrome it injects is FSC 0, address size at level 0)
 *   -EAGAIN  the AF update lost a race; retry the fault
 * Like upstream, input bits at and above 64 - T0SZ are ignored rather
 * than faulted, and permissions are reported, not checked.
 * With cfg->ha a leaf lacking AF gets it set in L1 memory.
 * out->steps counts descriptor reads attempted, the failed one included.
 */
int guest_s2_walk(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		  u64 nested_ipa, struct guest_s2_trans *out);
/* ESR_ELx.FSC that upstream reflects for a walk that did not return 0. */
unsigned int guest_s2_fsc(const struct guest_s2_trans *trans);

/* Descriptor encoders (AF, Normal WB memory, Inner Shareable). */
u64 guest_s2_make_leaf(u64 canonical_ipa, int level, unsigned int prot,
		       bool contiguous);
u64 guest_s2_make_table(u64 table_ipa);

/*
 * Returns a granule-sized, granule-aligned, ZEROED table page in L1 RAM,
 * or -ENOMEM.
 */
typedef int (*guest_s2_alloc_fn)(void *ctx, u64 *table_ipa);
/*
 * Receives each table page the builder detaches from the tree, deepest
 * first, with its contents intact (a real hypervisor would free it after
 * its TLBI; the simulation can l1_mem_zero() it to drop the backing).
 */
typedef void (*guest_s2_free_fn)(void *ctx, u64 table_ipa, int level);

/*
 * Map one leaf of guest_s2_level_size(level) at nested_ipa ->
 * canonical_ipa with prot (GS2_PROT_*), creating tables with alloc.
 *
 * -EINVAL: unusable cfg, level that cannot hold a leaf for the granule
 * (4K: 1..3, 16K/64K: 2..3) or above the start level, misaligned IPAs,
 * nested_ipa beyond 64 - T0SZ bits, canonical_ipa beyond 48 bits, unknown
 * prot bits, or a table page from alloc that is not granule aligned.
 * Outputs beyond cfg->max_oa_bits are accepted on purpose: a misbehaving
 * L1 is something to simulate, and the walker reports them.
 * -EFAULT: a table on the way lies outside L1 RAM; -ENOMEM from alloc.
 *
 * With contiguous, the whole aligned run of guest_s2_contig_entries() is
 * mapped with consecutive outputs and the contiguous bit; both IPAs must
 * then be aligned to the run.
 *
 * What was there goes:
 *  - a leaf above the target level covering nested_ipa becomes a table
 *    whose other entries are invalid, i.e. the rest of it is unmapped;
 *  - a table where the new leaf goes is replaced, and its subtree is
 *    forgotten (guest_s2_map()) or handed to free (guest_s2_map_free());
 *  - a contiguous run that the change would only partly overwrite is
 *    unmapped in full first, as a run must stay consistent.
 * The caller issues the TLB invalidation for whatever it replaced.
 */
int guest_s2_map(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		 u64 nested_ipa, u64 canonical_ipa, int level,
		 unsigned int prot, bool contiguous, guest_s2_alloc_fn alloc,
		 void *ctx);
int guest_s2_map_free(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		      u64 nested_ipa, u64 canonical_ipa, int level,
		      unsigned int prot, bool contiguous,
		      guest_s2_alloc_fn alloc, guest_s2_free_fn free_table,
		      void *ctx);

/*
 * A leaf as the builder sees it. nested_ipa/size describe the descriptor
 * covering the address (size = level size); canonical_ipa is what
 * nested_ipa translates to, computed as the walker does. run_size is
 * size times the run length for a contiguous entry, else size; the run
 * starts at nested_ipa aligned down to run_size.
 */
struct guest_s2_leaf {
	u64 nested_ipa;
	u64 canonical_ipa;
	u64 size;
	u64 run_size;
	int level;
	u64 desc;
};

/*
 * Invalidate the leaf covering nested_ipa (every entry of a contiguous
 * run) and describe it in *old (may be NULL). -ENOENT if no valid leaf
 * maps it, -EINVAL for an unusable cfg, -EFAULT for a table outside
 * RAM. Tables are left in place, even empty ones.
 */
int guest_s2_unmap(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		   u64 nested_ipa, struct guest_s2_leaf *old);
/* Rewrite S2AP of the leaf (whole run) covering nested_ipa. */
int guest_s2_set_prot(struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		      u64 nested_ipa, unsigned int prot);
/*
 * Side-effect free. A valid descriptor only counts as a leaf where the
 * walker would take it as one (not a 4K L0 / 16K,64K L0-L1 block, not a
 * block-type L3 entry); AF and output size are not checked.
 */
int guest_s2_lookup(const struct l1_mem *mem, const struct guest_s2_cfg *cfg,
		    u64 nested_ipa, struct guest_s2_leaf *leaf);

#endif /* NVRMAP_GUEST_S2_H */

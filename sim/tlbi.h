/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stage-2 TLB invalidation operands as a guest hypervisor (L1) writes
 * them, and the invalidation ranges host KVM derives from them for the
 * shadow stage-2 page tables.
 *
 * Only the non-LPA2 encodings are modelled: nested KVM does not support
 * 52bit IPAs, so IPA[51:48] is never looked at.
 */
#ifndef NVRMAP_SIM_TLBI_H
#define NVRMAP_SIM_TLBI_H

#include <linux/types.h>
#include <linux/bits.h>

/* IS/OS/nXS variants behave the same for KVM */
enum tlbi_op {
	TLBI_IPAS2E1,
	TLBI_IPAS2LE1,
	TLBI_RIPAS2E1,
	TLBI_RIPAS2LE1,
	TLBI_VMALLS12E1,
	TLBI_ALLE1,
};

#define TLBI_OP_NR		(TLBI_ALLE1 + 1)

/* Translation granule encodings shared by TTL.TG and the range TG field */
#define TLBI_TG_4K		1
#define TLBI_TG_16K		2
#define TLBI_TG_64K		3

/* IPAS2E1* operand */
#define TLBI_IPAS2_TTL_MASK	GENMASK_ULL(47, 44)
#define TLBI_IPAS2_IPA_MASK	GENMASK_ULL(35, 0)
#define TLBI_IPAS2_IPA_SHIFT	12

/* RIPAS2E1* operand */
#define TLBI_RANGE_TG_MASK	GENMASK_ULL(47, 46)
#define TLBI_RANGE_SCALE_MASK	GENMASK_ULL(45, 44)
#define TLBI_RANGE_NUM_MASK	GENMASK_ULL(43, 39)
#define TLBI_RANGE_TTL_MASK	GENMASK_ULL(38, 37)
#define TLBI_RANGE_BADDR_MASK	GENMASK_ULL(36, 0)

/* Granules covered by one range operand */
#define TLBI_RANGE_GRANULES(num, scale)	\
	((u64)((num) + 1) << (5 * (scale) + 1))
#define TLBI_RANGE_MAX_GRANULES		TLBI_RANGE_GRANULES(31, 3)

/* Top of the IPA space the range operands can describe (sign bit 48) */
#define TLBI_IPA_LIMIT		BIT_ULL(48)

/* "ipas2e1", "ipas2le1", ...; NULL for a value outside the enum */
const char *tlbi_op_name(enum tlbi_op op);
/* Inverse of tlbi_op_name(); -EINVAL for anything else */
int tlbi_op_parse(const char *name, enum tlbi_op *op);

/* TG field value for a granule shift, 0 when the shift is not 12/14/16 */
u8 tlbi_tg(unsigned int pgshift);

/*
 * TTL field (operand bits [47:44]): TG in [3:2], level in [1:0].
 * 0 ("no hint") when level is outside 0..3 or pgshift is unknown.
 */
u8 tlbi_ttl(unsigned int pgshift, int level);
/* Like upstream __ttl_to_size(): 0 when the TTL carries no size */
u64 tlbi_ttl_size(u8 ttl);
/* Fallback when nothing is known: 1G (4K), 32M (16K), 512M (64K/other) */
u64 tlbi_max_inval_size(unsigned int pgshift);

/* IPAS2E1* operand: IPA[47:12] in bits [35:0], TTL in [47:44] */
u64 tlbi_ipas2_operand(u64 ipa, u8 ttl);
/* The (4K aligned) IPA an IPAS2E1* operand names */
u64 tlbi_ipas2_ipa(u64 operand);
u8 tlbi_ipas2_ttl(u64 operand);

/*
 * Returns the TTL the shadow stage-2 suggests for @ipa, 0 if none
 * (upstream's get_guest_mapping_ttl()).
 */
typedef u8 (*tlbi_shadow_ttl_fn)(void *ctx, u64 ipa);

/*
 * What KVM invalidates in a shadow stage-2 for an IPAS2E1* operand:
 * the size comes from the operand's TTL when it has one and the VM has
 * FEAT_TTL (@has_ttl), otherwise from @shadow_ttl (may be NULL); when
 * that gives no size, tlbi_max_inval_size(@guest_pgshift). *@base is the
 * operand's IPA aligned down to *@size.
 */
void tlbi_ipas2_range(u64 operand, unsigned int guest_pgshift, bool has_ttl,
		      tlbi_shadow_ttl_fn shadow_ttl, void *ctx,
		      u64 *base, u64 *size);

/*
 * RIPAS2E1* operand: TG [47:46], SCALE [45:44], NUM [43:39],
 * TTL [38:37], BaseADDR [36:0] in granule units. It covers
 * (NUM + 1) * 2^(5 * SCALE + 1) granules from BaseADDR.
 *
 * An unknown @pgshift encodes TG 0 and @base in 64K units, which is how
 * KVM reads TG 0. @scale and @num are truncated to their fields, a
 * @ttl_level above 3 encodes "no level hint" (0).
 */
u64 tlbi_ripas2_operand(unsigned int pgshift, u64 base, unsigned int scale,
			unsigned int num, unsigned int ttl_level);

/*
 * Split [@base, @base + @size) into range operands, scale from 0 up as
 * older Linux __flush_tlb_range_op() loops do, range operands only. The
 * ranges come out contiguous and in ascending address order.
 * An odd granule left at the end is covered by a final NUM=0, SCALE=0
 * operand ending at @base + @size (overlapping the granule before it),
 * which is possible whenever @size is at least two granules. Only a
 * single-granule request cannot be encoded: it yields no operand and
 * *@leftover is set to the granule size; the uncovered bytes are always
 * [@base + @size - *@leftover, @base + @size). @leftover may be NULL as
 * long as nothing is left over.
 *
 * Returns the number of operands written to @ops, -E2BIG if more than
 * @max are needed (the content of @ops is then unspecified), -EINVAL
 * for an unknown @pgshift, a @base or @size that is not granule aligned,
 * a range reaching past TLBI_IPA_LIMIT, or a leftover with no @leftover.
 */
int tlbi_ripas2_split(unsigned int pgshift, u64 base, u64 size,
		      u64 *ops, int max, u64 *leftover);

/*
 * decode_range_tlbi() semantics: returns the base address, BaseADDR
 * shifted by the granule and sign-extended from bit 48; *@range is the
 * size in bytes, capped to the half of the address space the base is
 * in. TG 0 is read as 64K (IMPDEF, as upstream).
 */
u64 tlbi_ripas2_decode(u64 operand, u64 *range);
/* Level hint of a range operand, 0 for none */
unsigned int tlbi_ripas2_ttl(u64 operand);

/*
 * handle_ripas2e1is(): false when the TLBI must be ignored because
 * @base lies beyond @pa_bits, otherwise true with *@range capped to
 * [@base, 2^@pa_bits).
 */
bool tlbi_ripas2_clamp(u64 base, u64 *range, unsigned int pa_bits);

/* handle_vmalls12e1is(): the whole IPA space, [0, 2^@pa_bits) */
void tlbi_vmalls12e1_range(unsigned int pa_bits, u64 *base, u64 *size);

#endif /* NVRMAP_SIM_TLBI_H */

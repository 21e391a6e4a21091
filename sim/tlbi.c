// SPDX-License-Identifier: GPL-2.0
/*
 * Stage-2 TLBI operand encoding (guest hypervisor side) and decoding
 * (host KVM side). The decoding follows what KVM does for a nested
 * guest in arch/arm64/kvm/{nested,sys_regs}.c, the encoding what a
 * Linux guest hypervisor builds in asm/tlbflush.h.
 */
#include <errno.h>
#include <string.h>

#include "tlbi.h"

#define SZ_4K	0x00001000ULL
#define SZ_16K	0x00004000ULL
#define SZ_64K	0x00010000ULL
#define SZ_2M	0x00200000ULL
#define SZ_32M	0x02000000ULL
#define SZ_512M	0x20000000ULL
#define SZ_1G	0x40000000ULL

static const char *const tlbi_op_names[TLBI_OP_NR] = {
	[TLBI_IPAS2E1]		= "ipas2e1",
	[TLBI_IPAS2LE1]		= "ipas2le1",
	[TLBI_RIPAS2E1]		= "ripas2e1",
	[TLBI_RIPAS2LE1]	= "ripas2le1",
	[TLBI_VMALLS12E1]	= "vmalls12e1",
	[TLBI_ALLE1]		= "alle1",
};

/* Bit fields are handled by hand: tools' bitfield.h drags in more */
static inline u64 field_get(u64 mask, u64 val)
{
	return (val & mask) >> __builtin_ctzll(mask);
}

static inline u64 field_prep(u64 mask, u64 val)
{
	return (val << __builtin_ctzll(mask)) & mask;
}

const char *tlbi_op_name(enum tlbi_op op)
{
	if ((unsigned int)op >= TLBI_OP_NR)
		return NULL;
	return tlbi_op_names[op];
}

int tlbi_op_parse(const char *name, enum tlbi_op *op)
{
	unsigned int i;

	if (!name || !op)
		return -EINVAL;

	for (i = 0; i < TLBI_OP_NR; i++) {
		if (!strcmp(name, tlbi_op_names[i])) {
			*op = i;
			return 0;
		}
	}

	return -EINVAL;
}

u8 tlbi_tg(unsigned int pgshift)
{
	switch (pgshift) {
	case 12:
		return TLBI_TG_4K;
	case 14:
		return TLBI_TG_16K;
	case 16:
		return TLBI_TG_64K;
	default:
		return 0;
	}
}

/* TG 0 is IMPDEF; KVM reads it as 64K everywhere, so do we */
static unsigned int tg_to_pgshift(unsigned int tg)
{
	switch (tg) {
	case TLBI_TG_4K:
		return 12;
	case TLBI_TG_16K:
		return 14;
	default:
		return 16;
	}
}

u8 tlbi_ttl(unsigned int pgshift, int level)
{
	u8 tg = tlbi_tg(pgshift);

	/*
	 * A TTL with TG 0 means "no information" to the CPU, so a level
	 * without a known granule would be silently dropped anyway.
	 */
	if (level < 0 || level > 3 || !tg)
		return 0;

	return (tg << 2) | level;
}

u64 tlbi_ttl_size(u8 ttl)
{
	unsigned int level = ttl & 3;
	unsigned int tg = (ttl >> 2) & 3;

	/*
	 * Levels whose block would exceed what a non-LPA2 stage-2 can map
	 * (or that only exist with 52bit IPAs) give no size: the caller
	 * must fall back to a wider invalidation.
	 */
	switch (tg) {
	case TLBI_TG_4K: {
		static const u64 sz[4] = { 0, SZ_1G, SZ_2M, SZ_4K };

		return sz[level];
	}
	case TLBI_TG_16K: {
		static const u64 sz[4] = { 0, 0, SZ_32M, SZ_16K };

		return sz[level];
	}
	case TLBI_TG_64K: {
		static const u64 sz[4] = { 0, 0, SZ_512M, SZ_64K };

		return sz[level];
	}
	default:
		return 0;
	}
}

u64 tlbi_max_inval_size(unsigned int pgshift)
{
	/*
	 * The largest block a shadow stage-2 may use for that granule: an
	 * invalidation of that size around the IPA is guaranteed to hit
	 * whatever mapping the TLBI targeted.
	 */
	switch (pgshift) {
	case 12:
		return SZ_1G;
	case 14:
		return SZ_32M;
	default:
		return SZ_512M;
	}
}

u64 tlbi_ipas2_operand(u64 ipa, u8 ttl)
{
	return field_prep(TLBI_IPAS2_IPA_MASK, ipa >> TLBI_IPAS2_IPA_SHIFT) |
	       field_prep(TLBI_IPAS2_TTL_MASK, ttl);
}

u64 tlbi_ipas2_ipa(u64 operand)
{
	return field_get(TLBI_IPAS2_IPA_MASK, operand) << TLBI_IPAS2_IPA_SHIFT;
}

u8 tlbi_ipas2_ttl(u64 operand)
{
	return field_get(TLBI_IPAS2_TTL_MASK, operand);
}

void tlbi_ipas2_range(u64 operand, unsigned int guest_pgshift, bool has_ttl,
		      tlbi_shadow_ttl_fn shadow_ttl, void *ctx,
		      u64 *base, u64 *size)
{
	u64 ipa = tlbi_ipas2_ipa(operand);
	u8 ttl = tlbi_ipas2_ttl(operand);
	u64 sz;

	/*
	 * Without FEAT_TTL exposed to the guest the field is RES0 and
	 * cannot be trusted. A guest-supplied TTL that gives no size is not
	 * second-guessed with the shadow: it still means "any level".
	 */
	if (!ttl || !has_ttl)
		ttl = shadow_ttl ? shadow_ttl(ctx, ipa) : 0;

	sz = tlbi_ttl_size(ttl);
	if (!sz)
		sz = tlbi_max_inval_size(guest_pgshift);

	*base = ipa & ~(sz - 1);
	*size = sz;
}

u64 tlbi_ripas2_operand(unsigned int pgshift, u64 base, unsigned int scale,
			unsigned int num, unsigned int ttl_level)
{
	unsigned int tg = tlbi_tg(pgshift);

	return field_prep(TLBI_RANGE_BADDR_MASK, base >> tg_to_pgshift(tg)) |
	       field_prep(TLBI_RANGE_TTL_MASK, ttl_level > 3 ? 0 : ttl_level) |
	       field_prep(TLBI_RANGE_NUM_MASK, num) |
	       field_prep(TLBI_RANGE_SCALE_MASK, scale) |
	       field_prep(TLBI_RANGE_TG_MASK, tg);
}

struct split_state {
	unsigned int pgshift;
	u64 *ops;
	int max;
	int n;
};

static int split_emit(struct split_state *s, u64 addr, unsigned int scale,
		      unsigned int num)
{
	if (s->n >= s->max)
		return -E2BIG;

	s->ops[s->n++] = tlbi_ripas2_operand(s->pgshift, addr, scale, num, 0);
	return 0;
}

int tlbi_ripas2_split(unsigned int pgshift, u64 base, u64 size,
		      u64 *ops, int max, u64 *leftover)
{
	struct split_state s = {
		.pgshift = pgshift, .ops = ops, .max = max, .n = 0,
	};
	u64 gran, pages, addr = base;
	unsigned int scale;
	int ret;

	if (!tlbi_tg(pgshift) || max < 0 || (max && !ops))
		return -EINVAL;

	gran = BIT_ULL(pgshift);
	if ((base | size) & (gran - 1))
		return -EINVAL;
	/* Past bit 48 KVM would sign-extend the base to another range */
	if (base > TLBI_IPA_LIMIT || size > TLBI_IPA_LIMIT - base)
		return -EINVAL;

	pages = size >> pgshift;

	/*
	 * Each scale can only express a 5-bit count of its own unit, so
	 * walking the scales upwards peels bits [5:1], [10:6], [15:11] and
	 * [20:16] off the granule count.
	 */
	for (scale = 0; scale <= 3; scale++) {
		unsigned int shift = 5 * scale + 1;
		u64 count = (pages >> shift) & 31;

		if (!count)
			continue;

		ret = split_emit(&s, addr, scale, count - 1);
		if (ret)
			return ret;
		addr += (count << shift) << pgshift;
		pages -= count << shift;
	}

	/* What is above bit 20 needs whole maximal operands */
	while (pages >= TLBI_RANGE_MAX_GRANULES) {
		ret = split_emit(&s, addr, 3, 31);
		if (ret)
			return ret;
		addr += TLBI_RANGE_MAX_GRANULES << pgshift;
		pages -= TLBI_RANGE_MAX_GRANULES;
	}

	if (leftover)
		*leftover = 0;

	if (pages) {
		/*
		 * Range operands always cover an even number of granules:
		 * re-invalidating the previous granule is harmless and
		 * keeps the operand inside the requested range.
		 */
		if (size >= 2 * gran) {
			ret = split_emit(&s, base + size - 2 * gran, 0, 0);
			if (ret)
				return ret;
		} else if (leftover) {
			*leftover = gran;
		} else {
			return -EINVAL;
		}
	}

	return s.n;
}

u64 tlbi_ripas2_decode(u64 operand, u64 *range)
{
	unsigned int shift = tg_to_pgshift(field_get(TLBI_RANGE_TG_MASK, operand));
	unsigned int scale = field_get(TLBI_RANGE_SCALE_MASK, operand);
	unsigned int num = field_get(TLBI_RANGE_NUM_MASK, operand);
	u64 base, r;

	base = field_get(TLBI_RANGE_BADDR_MASK, operand) << shift;

	/*
	 * Without 52bit support bit 48 is the top of the address and
	 * anything above it only mirrors it (64K granules can carry bits
	 * up to 52 in BaseADDR; those are dropped).
	 */
	if (base & BIT_ULL(48))
		base |= GENMASK_ULL(63, 49);
	else
		base &= GENMASK_ULL(47, 0);

	r = TLBI_RANGE_GRANULES(num, scale) << shift;

	/* A range never spills from one half of the address space to the other */
	if (base & BIT_ULL(48)) {
		if (r > -base)
			r = -base;
	} else {
		if (r > TLBI_IPA_LIMIT - base)
			r = TLBI_IPA_LIMIT - base;
	}

	*range = r;
	return base;
}

unsigned int tlbi_ripas2_ttl(u64 operand)
{
	return field_get(TLBI_RANGE_TTL_MASK, operand);
}

bool tlbi_ripas2_clamp(u64 base, u64 *range, unsigned int pa_bits)
{
	u64 limit;

	if (pa_bits >= 64)
		return true;

	limit = BIT_ULL(pa_bits);
	if (base >= limit)
		return false;

	if (*range > limit - base)
		*range = limit - base;

	return true;
}

void tlbi_vmalls12e1_range(unsigned int pa_bits, u64 *base, u64 *size)
{
	*base = 0;
	*size = pa_bits >= 64 ? ~0ULL : BIT_ULL(pa_bits);
}

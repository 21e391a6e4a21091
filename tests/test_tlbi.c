// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for sim/tlbi.c. Expected values are worked out by hand from
 * the Arm ARM operand layouts (TLBI IPAS2E1, TLBI RIPAS2E1, TTL) and the
 * KVM nested stage-2 invalidation rules, not from the implementation.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/kernel.h>

#include "tlbi.h"

#define KB(x)	((u64)(x) << 10)
#define MB(x)	((u64)(x) << 20)
#define GB(x)	((u64)(x) << 30)

/* Operand layout helpers, written out so they do not reuse tlbi.h masks */
#define RANGE_OP(tg, scale, num, ttl, baddr)			\
	(((u64)(tg) << 46) | ((u64)(scale) << 44) |		\
	 ((u64)(num) << 39) | ((u64)(ttl) << 37) | (u64)(baddr))

static void test_op_names(void **state)
{
	static const struct {
		enum tlbi_op op;
		const char *name;
	} tbl[] = {
		{ TLBI_IPAS2E1,		"ipas2e1" },
		{ TLBI_IPAS2LE1,	"ipas2le1" },
		{ TLBI_RIPAS2E1,	"ripas2e1" },
		{ TLBI_RIPAS2LE1,	"ripas2le1" },
		{ TLBI_VMALLS12E1,	"vmalls12e1" },
		{ TLBI_ALLE1,		"alle1" },
	};
	unsigned int i;

	(void)state;

	assert_int_equal(TLBI_OP_NR, ARRAY_SIZE(tbl));

	for (i = 0; i < ARRAY_SIZE(tbl); i++) {
		enum tlbi_op op = TLBI_ALLE1 - tbl[i].op;

		assert_string_equal(tlbi_op_name(tbl[i].op), tbl[i].name);
		/* start from a different value so a no-op parse fails */
		assert_int_equal(tlbi_op_parse(tbl[i].name, &op), 0);
		assert_int_equal(op, tbl[i].op);
		assert_int_equal(tlbi_op_parse(tlbi_op_name(op), &op), 0);
		assert_int_equal(op, tbl[i].op);
	}

	assert_null(tlbi_op_name(TLBI_OP_NR));
	assert_null(tlbi_op_name((enum tlbi_op)-1));
}

static void test_op_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "IPAS2E1", "ipas2e1is", "ipas2e", "ipas2e1 ", " alle1",
		"alle1x", "vmalle1", "vmalls12e1os", "ripas2", "tlbi ipas2e1",
	};
	enum tlbi_op op = TLBI_VMALLS12E1;
	unsigned int i;

	(void)state;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(tlbi_op_parse(bad[i], &op), -EINVAL);
		/* a failed parse leaves the output alone */
		assert_int_equal(op, TLBI_VMALLS12E1);
	}
	assert_int_equal(tlbi_op_parse(NULL, &op), -EINVAL);
	assert_int_equal(tlbi_op_parse("alle1", NULL), -EINVAL);
}

static void test_ttl_encode(void **state)
{
	(void)state;

	/* TTL = TG:level, TG 0b01 4K, 0b10 16K, 0b11 64K */
	assert_int_equal(tlbi_ttl(12, 0), 0x4);
	assert_int_equal(tlbi_ttl(12, 1), 0x5);
	assert_int_equal(tlbi_ttl(12, 2), 0x6);
	assert_int_equal(tlbi_ttl(12, 3), 0x7);
	assert_int_equal(tlbi_ttl(14, 1), 0x9);
	assert_int_equal(tlbi_ttl(14, 2), 0xa);
	assert_int_equal(tlbi_ttl(14, 3), 0xb);
	assert_int_equal(tlbi_ttl(16, 2), 0xe);
	assert_int_equal(tlbi_ttl(16, 3), 0xf);

	/* no hint */
	assert_int_equal(tlbi_ttl(12, -1), 0);
	assert_int_equal(tlbi_ttl(16, -1), 0);
	assert_int_equal(tlbi_ttl(12, 4), 0);
	assert_int_equal(tlbi_ttl(13, 3), 0);

	assert_int_equal(tlbi_tg(12), 1);
	assert_int_equal(tlbi_tg(14), 2);
	assert_int_equal(tlbi_tg(16), 3);
	assert_int_equal(tlbi_tg(15), 0);
}

static void test_ttl_size_all(void **state)
{
	/* indexed by TTL[3:0] */
	static const u64 expect[16] = {
		/* TG 0: no size information at all */
		[0x0] = 0, [0x1] = 0, [0x2] = 0, [0x3] = 0,
		/* 4K: level 0 is a 512G table, never a block */
		[0x4] = 0, [0x5] = GB(1), [0x6] = MB(2), [0x7] = KB(4),
		/* 16K: levels 0/1 have no block without LPA2 */
		[0x8] = 0, [0x9] = 0, [0xa] = MB(32), [0xb] = KB(16),
		/* 64K: level 1 only with 52bit IPA, level 0 never */
		[0xc] = 0, [0xd] = 0, [0xe] = MB(512), [0xf] = KB(64),
	};
	unsigned int ttl;

	(void)state;

	for (ttl = 0; ttl < 16; ttl++) {
		assert_int_equal(tlbi_ttl_size(ttl), expect[ttl]);
		/* only TTL[3:0] is meaningful */
		assert_int_equal(tlbi_ttl_size(ttl | 0xf0), expect[ttl]);
	}
}

static void test_ttl_roundtrip(void **state)
{
	(void)state;

	assert_int_equal(tlbi_ttl_size(tlbi_ttl(12, 3)), KB(4));
	assert_int_equal(tlbi_ttl_size(tlbi_ttl(12, 2)), MB(2));
	assert_int_equal(tlbi_ttl_size(tlbi_ttl(12, 1)), GB(1));
	assert_int_equal(tlbi_ttl_size(tlbi_ttl(14, 2)), MB(32));
	assert_int_equal(tlbi_ttl_size(tlbi_ttl(16, 3)), KB(64));
	assert_int_equal(tlbi_ttl_size(tlbi_ttl(16, 2)), MB(512));
	assert_int_equal(tlbi_ttl_size(tlbi_ttl(16, -1)), 0);
}

static void test_max_inval_size(void **state)
{
	(void)state;

	assert_int_equal(tlbi_max_inval_size(12), GB(1));
	assert_int_equal(tlbi_max_inval_size(14), MB(32));
	assert_int_equal(tlbi_max_inval_size(16), MB(512));
	/* IMPDEF granule: treated as 64K */
	assert_int_equal(tlbi_max_inval_size(13), MB(512));
}

static void test_ipas2_operand(void **state)
{
	u64 op;

	(void)state;

	/* IPA[47:12] goes to bits [35:0], TTL to [47:44] */
	op = tlbi_ipas2_operand(0x12345678000ULL, 0x6);
	assert_int_equal(op, 0x0000600012345678ULL);
	assert_int_equal(tlbi_ipas2_ipa(op), 0x12345678000ULL);
	assert_int_equal(tlbi_ipas2_ttl(op), 0x6);

	/* page offset and IPA[63:48] are dropped */
	op = tlbi_ipas2_operand(0xabcd000012345678ULL, 0);
	assert_int_equal(op, 0x12345ULL);
	assert_int_equal(tlbi_ipas2_ipa(op), 0x12345000ULL);
	assert_int_equal(tlbi_ipas2_ttl(op), 0);

	/* IPA bit 47 is the top bit kept, landing in operand bit 35 */
	op = tlbi_ipas2_operand(0xffff800000001fffULL, 0xf);
	assert_int_equal(op, 0x0000f00800000001ULL);
	assert_int_equal(tlbi_ipas2_ipa(op), 0x800000001000ULL);
	assert_int_equal(tlbi_ipas2_ttl(op), 0xf);

	/* bits [43:36] stay RES0 whatever the IPA */
	op = tlbi_ipas2_operand(~0ULL, 0);
	assert_int_equal(op, 0xfffffffffULL);
	assert_int_equal(tlbi_ipas2_ipa(op), 0xfffffffff000ULL);
}

struct shadow_ctx {
	u8 ttl;
	unsigned int calls;
	u64 ipa;
};

static u8 shadow_hint(void *ctx, u64 ipa)
{
	struct shadow_ctx *sc = ctx;

	sc->calls++;
	sc->ipa = ipa;
	return sc->ttl;
}

static void test_ipas2_range_guest_ttl(void **state)
{
	struct shadow_ctx sc = { .ttl = 0x7 };
	u64 base, size;

	(void)state;

	/* 4K level 2 hint: the 2M block around the IPA */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x40312000ULL, 0x6), 12, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(size, MB(2));
	assert_int_equal(base, 0x40200000ULL);
	/* a usable guest TTL makes the shadow walk unnecessary */
	assert_int_equal(sc.calls, 0);

	/* 16K level 3 */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x87654000ULL, 0xb), 14, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(size, KB(16));
	assert_int_equal(base, 0x87654000ULL);

	/* 64K level 3, IPA not 64K aligned */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x87654000ULL, 0xf), 16, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(size, KB(64));
	assert_int_equal(base, 0x87650000ULL);

	/* 64K level 2 */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x7fffe000ULL, 0xe), 16, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(size, MB(512));
	assert_int_equal(base, 0x60000000ULL);

	/* 4K level 1 */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x1c0001000ULL, 0x5), 12, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(size, GB(1));
	assert_int_equal(base, 0x1c0000000ULL);
	assert_int_equal(sc.calls, 0);
}

static void test_ipas2_range_guest_ttl_nosize(void **state)
{
	struct shadow_ctx sc = { .ttl = 0x7 };
	u64 base, size;

	(void)state;

	/*
	 * 4K level 0 is a valid TTL that names no block size: KVM goes
	 * straight to the maximum, without asking the shadow.
	 */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x2345678000ULL, 0x4), 12, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(size, GB(1));
	assert_int_equal(base, 0x2340000000ULL);
	assert_int_equal(sc.calls, 0);

	/* 16K level 1 */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x2345678000ULL, 0x9), 14, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(size, MB(32));
	assert_int_equal(base, 0x2344000000ULL);
	assert_int_equal(sc.calls, 0);
}

static void test_ipas2_range_no_feat_ttl(void **state)
{
	struct shadow_ctx sc = { .ttl = 0x6 };
	u64 base, size;

	(void)state;

	/*
	 * Without FEAT_TTL the guest's 4K level 3 TTL must be ignored and
	 * the shadow's 2M hint used instead.
	 */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x40312345ULL, 0x7), 12, false,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(sc.calls, 1);
	/* the shadow is asked about the page-aligned IPA */
	assert_int_equal(sc.ipa, 0x40312000ULL);
	assert_int_equal(size, MB(2));
	assert_int_equal(base, 0x40200000ULL);

	/* shadow knows nothing: 4K fallback */
	sc.ttl = 0;
	tlbi_ipas2_range(tlbi_ipas2_operand(0x40312345ULL, 0x7), 12, false,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(sc.calls, 2);
	assert_int_equal(size, GB(1));
	assert_int_equal(base, 0x40000000ULL);
}

static void test_ipas2_range_no_guest_ttl(void **state)
{
	struct shadow_ctx sc = { .ttl = 0xb };
	u64 base, size;

	(void)state;

	/* FEAT_TTL but TTL 0: the shadow's 16K level 3 hint applies */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x123456000ULL, 0), 14, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(sc.calls, 1);
	assert_int_equal(sc.ipa, 0x123456000ULL);
	assert_int_equal(size, KB(16));
	assert_int_equal(base, 0x123454000ULL);

	/* shadow hint with no size (16K level 1): 16K fallback */
	sc.ttl = 0x9;
	tlbi_ipas2_range(tlbi_ipas2_operand(0x123456000ULL, 0), 14, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(sc.calls, 2);
	assert_int_equal(size, MB(32));
	assert_int_equal(base, 0x122000000ULL);
}

static void test_ipas2_range_fallback(void **state)
{
	struct shadow_ctx sc = { .ttl = 0 };
	u64 base, size;

	(void)state;

	/* no shadow callback at all */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x7fff1234f000ULL, 0), 12, false,
			 NULL, NULL, &base, &size);
	assert_int_equal(size, GB(1));
	assert_int_equal(base, 0x7fff00000000ULL);

	tlbi_ipas2_range(tlbi_ipas2_operand(0x7fff1234f000ULL, 0), 14, true,
			 NULL, NULL, &base, &size);
	assert_int_equal(size, MB(32));
	assert_int_equal(base, 0x7fff12000000ULL);

	tlbi_ipas2_range(tlbi_ipas2_operand(0x7fff1234f000ULL, 0), 16, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(sc.calls, 1);
	assert_int_equal(size, MB(512));
	assert_int_equal(base, 0x7fff00000000ULL);

	tlbi_ipas2_range(tlbi_ipas2_operand(0x7fff3234f000ULL, 0), 16, true,
			 shadow_hint, &sc, &base, &size);
	assert_int_equal(size, MB(512));
	assert_int_equal(base, 0x7fff20000000ULL);

	/* a guest TTL with no FEAT_TTL and no shadow: fallback */
	tlbi_ipas2_range(tlbi_ipas2_operand(0x7fff1234f000ULL, 0x7), 12, false,
			 NULL, NULL, &base, &size);
	assert_int_equal(size, GB(1));
	assert_int_equal(base, 0x7fff00000000ULL);
}

static void test_ripas2_operand(void **state)
{
	(void)state;

	/* 4K: BaseADDR is the page number */
	assert_int_equal(tlbi_ripas2_operand(12, 0x12345000ULL, 1, 7, 2),
			 RANGE_OP(1, 1, 7, 2, 0x12345));
	/* 16K */
	assert_int_equal(tlbi_ripas2_operand(14, 0x12344000ULL, 3, 31, 0),
			 RANGE_OP(2, 3, 31, 0, 0x48d1));
	/* 64K, top IPA bit */
	assert_int_equal(tlbi_ripas2_operand(16, 0xffff00000000ULL, 0, 0, 3),
			 RANGE_OP(3, 0, 0, 3, 0xffff0000));
	/* level above 3 means no hint, not a truncated level */
	assert_int_equal(tlbi_ripas2_operand(12, 0, 0, 0, 4),
			 RANGE_OP(1, 0, 0, 0, 0));
	assert_int_equal(tlbi_ripas2_operand(12, 0, 0, 0, 7),
			 RANGE_OP(1, 0, 0, 0, 0));
	/* unknown granule: TG 0, base in 64K units */
	assert_int_equal(tlbi_ripas2_operand(13, 0x30000ULL, 2, 1, 0),
			 RANGE_OP(0, 2, 1, 0, 3));
	/* 4K BaseADDR holds IPA[48:12], nothing above */
	assert_int_equal(tlbi_ripas2_operand(12, 0xfff1ffff0000f000ULL, 0, 0, 0),
			 RANGE_OP(1, 0, 0, 0, 0x1ffff0000fULL));
	assert_int_equal(tlbi_ripas2_ttl(RANGE_OP(1, 0, 0, 2, 0)), 2);
}

static void test_ripas2_decode_4k(void **state)
{
	u64 range;

	(void)state;

	/* SCALE=0 NUM=0: 2 pages */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 0, 0, 0, 0x40000),
					    &range), 0x40000000ULL);
	assert_int_equal(range, KB(8));

	/* SCALE=0 NUM=31: 64 pages */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 0, 31, 0, 0x1),
					    &range), 0x1000ULL);
	assert_int_equal(range, KB(256));

	/* SCALE=1 NUM=2: 3 * 64 pages */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 1, 2, 3, 0x200),
					    &range), 0x200000ULL);
	assert_int_equal(range, KB(768));

	/* SCALE=2 NUM=0: 2^11 pages */
	tlbi_ripas2_decode(RANGE_OP(1, 2, 0, 0, 0), &range);
	assert_int_equal(range, MB(8));

	/* SCALE=3 NUM=31: 32 * 2^16 pages */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 3, 31, 1, 0x100000),
					    &range), GB(4));
	assert_int_equal(range, GB(8));
}

static void test_ripas2_decode_16k(void **state)
{
	u64 range;

	(void)state;

	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(2, 0, 0, 0, 0x3),
					    &range), 0xc000ULL);
	assert_int_equal(range, KB(32));

	/* SCALE=2 NUM=5: 6 * 2^11 pages of 16K */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(2, 2, 5, 0, 0x10000),
					    &range), GB(1));
	assert_int_equal(range, MB(192));

	/* SCALE=3 NUM=31 */
	tlbi_ripas2_decode(RANGE_OP(2, 3, 31, 0, 0), &range);
	assert_int_equal(range, GB(32));
}

static void test_ripas2_decode_64k(void **state)
{
	u64 range;

	(void)state;

	/* SCALE=1 NUM=3: 4 * 64 pages of 64K */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(3, 1, 3, 0, 0x100),
					    &range), MB(16));
	assert_int_equal(range, MB(16));

	/* SCALE=0 NUM=1: 4 pages */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(3, 0, 1, 0, 0x7),
					    &range), 0x70000ULL);
	assert_int_equal(range, KB(256));

	/* SCALE=3 NUM=0: 2^16 pages */
	tlbi_ripas2_decode(RANGE_OP(3, 3, 0, 0, 0), &range);
	assert_int_equal(range, GB(4));
}

static void test_ripas2_decode_tg0(void **state)
{
	u64 range;

	(void)state;

	/* TG 0 is read as 64K */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(0, 0, 1, 0, 0x10),
					    &range), 0x100000ULL);
	assert_int_equal(range, KB(256));

	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(0, 1, 3, 0, 0x100),
					    &range), MB(16));
	assert_int_equal(range, MB(16));
}

static void test_ripas2_decode_sign_extend(void **state)
{
	u64 range;

	(void)state;

	/* 4K: BaseADDR bit 36 is address bit 48 */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 0, 0, 0,
						     0x1000000000ULL),
					    &range), 0xffff000000000000ULL);
	assert_int_equal(range, KB(8));

	/* last page of the upper half: the range stops at 2^64 */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 0, 0, 0,
						     0x1fffffffffULL),
					    &range), 0xfffffffffffff000ULL);
	assert_int_equal(range, KB(4));

	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 3, 31, 0,
						     0x1ffff00000ULL),
					    &range), 0xffffffff00000000ULL);
	assert_int_equal(range, GB(4));

	/* 64K: BaseADDR bit 32 is address bit 48 */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(3, 0, 0, 0,
						     0x100000000ULL),
					    &range), 0xffff000000000000ULL);
	assert_int_equal(range, KB(128));

	/* 64K: address bits above 48 do not survive */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(3, 0, 0, 0,
						     0x1000000001ULL),
					    &range), 0x10000ULL);
	assert_int_equal(range, KB(128));
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(3, 0, 0, 0,
						     0x0e00000001ULL),
					    &range), 0x10000ULL);

	/* 16K: bit 48 set along with bits above it */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(2, 0, 0, 0,
						     0x1c00000000ULL),
					    &range), 0xffff000000000000ULL);
	assert_int_equal(range, KB(32));
}

static void test_ripas2_decode_cap(void **state)
{
	u64 range;

	(void)state;

	/* last 4K page below 2^48: 2 pages requested, 1 left */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 0, 0, 0,
						     0xfffffffffULL),
					    &range), 0xfffffffff000ULL);
	assert_int_equal(range, KB(4));

	/* 8G from 4G below the top: capped to 4G */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(1, 3, 31, 0,
						     0xffff00000ULL),
					    &range), 0xffff00000000ULL);
	assert_int_equal(range, GB(4));

	/* 64K, 32G (SCALE=3 NUM=7) from 16G below the top */
	assert_int_equal(tlbi_ripas2_decode(RANGE_OP(3, 3, 7, 0,
						     0xfffc0000ULL),
					    &range), 0xfffc00000000ULL);
	assert_int_equal(range, GB(16));

	/* exactly reaching 2^48 is not capped */
	tlbi_ripas2_decode(RANGE_OP(1, 0, 0, 0, 0xffffffffeULL), &range);
	assert_int_equal(range, KB(8));
}

static void test_ripas2_clamp(void **state)
{
	u64 range;

	(void)state;

	/* base at 2^pa_bits: ignored */
	range = KB(8);
	assert_false(tlbi_ripas2_clamp(GB(1024), &range, 40));
	assert_int_equal(range, KB(8));

	/* base above: ignored */
	range = KB(8);
	assert_false(tlbi_ripas2_clamp(0x123456789000ULL, &range, 40));

	/* sign-extended base: ignored */
	range = KB(8);
	assert_false(tlbi_ripas2_clamp(0xffff000000000000ULL, &range, 48));

	/* straddling the limit: capped */
	range = KB(16);
	assert_true(tlbi_ripas2_clamp(GB(1024) - KB(8), &range, 40));
	assert_int_equal(range, KB(8));

	range = GB(8);
	assert_true(tlbi_ripas2_clamp(0, &range, 32));
	assert_int_equal(range, GB(4));

	/* inside: untouched */
	range = MB(2);
	assert_true(tlbi_ripas2_clamp(GB(1), &range, 40));
	assert_int_equal(range, MB(2));

	/* last byte of the IPA space is still in */
	range = KB(8);
	assert_true(tlbi_ripas2_clamp(GB(4) - KB(4), &range, 32));
	assert_int_equal(range, KB(4));
}

static void test_vmalls12e1_range(void **state)
{
	u64 base = 1, size = 0;

	(void)state;

	tlbi_vmalls12e1_range(40, &base, &size);
	assert_int_equal(base, 0);
	assert_int_equal(size, GB(1024));

	tlbi_vmalls12e1_range(48, &base, &size);
	assert_int_equal(size, 0x1000000000000ULL);
}

static void test_split_examples(void **state)
{
	u64 ops[8], left = 0xdead;
	u64 range;

	(void)state;

	/* 3 pages: 2 from base, then 2 ending at the end */
	assert_int_equal(tlbi_ripas2_split(12, 0x10000, KB(12), ops, 8, &left),
			 2);
	assert_int_equal(left, 0);
	assert_int_equal(ops[0], RANGE_OP(1, 0, 0, 0, 0x10));
	assert_int_equal(ops[1], RANGE_OP(1, 0, 0, 0, 0x11));

	/* 66 pages: 2 at SCALE=0, 64 at SCALE=1 */
	assert_int_equal(tlbi_ripas2_split(12, 0, 66 * KB(4), ops, 8, &left),
			 2);
	assert_int_equal(ops[0], RANGE_OP(1, 0, 0, 0, 0));
	assert_int_equal(ops[1], RANGE_OP(1, 1, 0, 0, 2));

	/* 64K granule, 2M = 32 pages: SCALE=0 NUM=15 */
	assert_int_equal(tlbi_ripas2_split(16, MB(2), MB(2), ops, 8, &left),
			 1);
	assert_int_equal(ops[0], RANGE_OP(3, 0, 15, 0, 0x20));
	assert_int_equal(tlbi_ripas2_decode(ops[0], &range), MB(2));
	assert_int_equal(range, MB(2));

	/* 16K, 2^21 pages: one maximal operand */
	assert_int_equal(tlbi_ripas2_split(14, 0, GB(32), ops, 8, &left), 1);
	assert_int_equal(ops[0], RANGE_OP(2, 3, 31, 0, 0));

	/* 4K, 2^22 + 1 pages: two maximal operands and the odd page */
	assert_int_equal(tlbi_ripas2_split(12, 0, GB(16) + KB(4), ops, 8,
					   &left), 3);
	assert_int_equal(ops[0], RANGE_OP(1, 3, 31, 0, 0));
	assert_int_equal(ops[1], RANGE_OP(1, 3, 31, 0, 0x200000));
	assert_int_equal(ops[2], RANGE_OP(1, 0, 0, 0, 0x3fffff));

	/* nothing to do */
	left = 0xdead;
	assert_int_equal(tlbi_ripas2_split(12, 0x5000, 0, ops, 8, &left), 0);
	assert_int_equal(left, 0);

	/* a lone granule cannot be a range */
	assert_int_equal(tlbi_ripas2_split(14, 0xc000, KB(16), ops, 8, &left),
			 0);
	assert_int_equal(left, KB(16));
	assert_int_equal(tlbi_ripas2_split(14, 0xc000, KB(16), ops, 8, NULL),
			 -EINVAL);
	/* ...but NULL is fine when nothing is left over */
	assert_int_equal(tlbi_ripas2_split(14, 0xc000, KB(32), ops, 8, NULL),
			 1);
}

static void test_split_errors(void **state)
{
	u64 ops[4], left;

	(void)state;

	/* misaligned base or size */
	assert_int_equal(tlbi_ripas2_split(12, 0x800, KB(8), ops, 4, &left),
			 -EINVAL);
	assert_int_equal(tlbi_ripas2_split(12, 0, KB(6), ops, 4, &left),
			 -EINVAL);
	assert_int_equal(tlbi_ripas2_split(16, KB(16), KB(128), ops, 4, &left),
			 -EINVAL);
	/* unknown granule */
	assert_int_equal(tlbi_ripas2_split(13, 0, KB(16), ops, 4, &left),
			 -EINVAL);
	/* past the 48bit IPA space, or wrapping */
	assert_int_equal(tlbi_ripas2_split(12, 0xfffffffff000ULL, KB(8), ops,
					   4, &left), -EINVAL);
	assert_int_equal(tlbi_ripas2_split(12, 0xfffffffff000ULL,
					   0xffff000000001000ULL, ops, 4,
					   &left), -EINVAL);
	/* up to the top of it is fine */
	assert_int_equal(tlbi_ripas2_split(12, 0xffffffffe000ULL, KB(8), ops,
					   4, &left), 1);
	/* 63 pages: 62 at SCALE=0, then 2 overlapping */
	assert_int_equal(tlbi_ripas2_split(12, 0, 63 * KB(4), ops, 1, &left),
			 -E2BIG);
	assert_int_equal(tlbi_ripas2_split(12, 0, 63 * KB(4), ops, 2, &left),
			 2);
	/* 67 pages: 2 at SCALE=0, 64 at SCALE=1, 2 overlapping */
	assert_int_equal(tlbi_ripas2_split(12, 0, 67 * KB(4), ops, 2, &left),
			 -E2BIG);
	assert_int_equal(tlbi_ripas2_split(12, 0, 67 * KB(4), ops, 3, &left),
			 3);
	assert_int_equal(tlbi_ripas2_split(12, 0, KB(8), NULL, 0, &left),
			 -E2BIG);
	assert_int_equal(tlbi_ripas2_split(12, 0, KB(8), ops, -1, &left),
			 -EINVAL);
}

/* splitmix64: deterministic, and local state only */
static u64 rnd(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct iv {
	u64 start, end;
};

static int iv_cmp(const void *a, const void *b)
{
	const struct iv *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

#define SPLIT_MAX_OPS	40000

static void check_split(unsigned int pgshift, u64 base, u64 size,
			u64 *ops, struct iv *iv)
{
	u64 gran = 1ULL << pgshift, left = 0xdead, cover, pages;
	int n, i;

	n = tlbi_ripas2_split(pgshift, base, size, ops, SPLIT_MAX_OPS, &left);
	assert_true(n >= 0);
	pages = size / gran;

	/* only a single granule is ever left out */
	assert_int_equal(left, pages == 1 ? gran : 0);
	/* never more than one operand per scale plus the odd granule */
	assert_true((u64)n <= 5 + pages / TLBI_RANGE_MAX_GRANULES);

	for (i = 0; i < n; i++) {
		u64 r, b = tlbi_ripas2_decode(ops[i], &r);

		assert_int_equal(ops[i] >> 46, tlbi_tg(pgshift));
		assert_int_equal(tlbi_ripas2_ttl(ops[i]), 0);
		assert_true(r >= 2 * gran);
		assert_true(b >= base);
		assert_true(r <= base + size - b);
		iv[i].start = b;
		iv[i].end = b + r;
	}

	qsort(iv, n, sizeof(*iv), iv_cmp);
	cover = base;
	for (i = 0; i < n; i++) {
		/* no hole before this operand */
		assert_true(iv[i].start <= cover);
		if (iv[i].end > cover)
			cover = iv[i].end;
	}
	assert_int_equal(cover, base + size - left);
}

static void test_split_roundtrip_random(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	u64 seed = 0x6e76726d6170ULL;
	u64 *ops = calloc(SPLIT_MAX_OPS, sizeof(*ops));
	struct iv *iv = calloc(SPLIT_MAX_OPS, sizeof(*iv));
	unsigned int i;

	(void)state;
	assert_non_null(ops);
	assert_non_null(iv);

	for (i = 0; i < 20000; i++) {
		unsigned int pgshift = shifts[rnd(&seed) % 3];
		u64 space = TLBI_IPA_LIMIT >> pgshift;	/* in granules */
		u64 r = rnd(&seed), pages, first;

		/* mostly small and medium ranges, a few huge ones */
		switch (r & 63) {
		case 0:
			pages = rnd(&seed) % (space + 1);
			break;
		case 1 ... 16:
			pages = rnd(&seed) % (1ULL << 24);
			break;
		case 17 ... 20:
			pages = 1ULL << (rnd(&seed) % 24);
			break;
		default:
			pages = rnd(&seed) % 200;
			break;
		}
		first = rnd(&seed) % (space - pages + 1);

		check_split(pgshift, first << pgshift, pages << pgshift,
			    ops, iv);
	}

	/* the whole IPA space, for every granule */
	for (i = 0; i < 3; i++)
		check_split(shifts[i], 0, TLBI_IPA_LIMIT, ops, iv);

	free(ops);
	free(iv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_op_names),
		cmocka_unit_test(test_op_parse_rejects),
		cmocka_unit_test(test_ttl_encode),
		cmocka_unit_test(test_ttl_size_all),
		cmocka_unit_test(test_ttl_roundtrip),
		cmocka_unit_test(test_max_inval_size),
		cmocka_unit_test(test_ipas2_operand),
		cmocka_unit_test(test_ipas2_range_guest_ttl),
		cmocka_unit_test(test_ipas2_range_guest_ttl_nosize),
		cmocka_unit_test(test_ipas2_range_no_feat_ttl),
		cmocka_unit_test(test_ipas2_range_no_guest_ttl),
		cmocka_unit_test(test_ipas2_range_fallback),
		cmocka_unit_test(test_ripas2_operand),
		cmocka_unit_test(test_ripas2_decode_4k),
		cmocka_unit_test(test_ripas2_decode_16k),
		cmocka_unit_test(test_ripas2_decode_64k),
		cmocka_unit_test(test_ripas2_decode_tg0),
		cmocka_unit_test(test_ripas2_decode_sign_extend),
		cmocka_unit_test(test_ripas2_decode_cap),
		cmocka_unit_test(test_ripas2_clamp),
		cmocka_unit_test(test_vmalls12e1_range),
		cmocka_unit_test(test_split_examples),
		cmocka_unit_test(test_split_errors),
		cmocka_unit_test(test_split_roundtrip_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

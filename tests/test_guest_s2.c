// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for l1_mem and guest_s2.
 *
 * Expected values are worked out by hand from the VMSAv8-64 rules (and
 * walk_nested_s2_pgd()), and tables for the walker tests are written as
 * raw descriptors, so that the walker is not checked against the builder
 * that shares its code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/kernel.h>

#include "l1_mem.h"
#include "guest_s2.h"

#define SZ_4K	0x1000ULL
#define SZ_16K	0x4000ULL
#define SZ_64K	0x10000ULL
#define SZ_2M	0x200000ULL
#define SZ_32M	0x2000000ULL
#define SZ_512M	0x20000000ULL
#define SZ_1G	0x40000000ULL

/* Raw descriptors, spelled out independently of the code under test */
#define RAW_TABLE(a)	((a) | 0x3ULL)
#define RAW_PAGE(a)	((a) | 0x4c3ULL)	/* AF, S2AP RW, page */
#define RAW_BLOCK(a)	((a) | 0x4c1ULL)	/* AF, S2AP RW, block */
#define RAW_CONT	(1ULL << 52)

/* Tables live in [RAM_BASE, RAM_BASE + RAM_SIZE): root first, then a heap */
#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	(4 * SZ_1G)
#define ROOT		RAM_BASE
#define HEAP_BASE	(RAM_BASE + 0x100000ULL)
#define VMID		(5ULL << 48)

struct tenv {
	struct l1_mem *mem;
	struct guest_s2_cfg cfg;
	u64 vtcr;
	u64 next;		/* bump allocator for table pages */
	u64 limit;
	u64 *freelist;		/* recycled (re-zeroed) table pages */
	size_t nr_free, cap_free;
	unsigned int nr_allocs, nr_frees;
	u64 last_freed;
	int last_freed_level;
	bool fail_alloc;
	enum { ALLOC_GOOD, ALLOC_MISALIGNED, ALLOC_NOT_RAM } bad_alloc;
};

static int tenv_alloc(void *ctx, u64 *table_ipa)
{
	struct tenv *e = ctx;
	u64 granule = 1ULL << e->cfg.pgshift;

	if (e->fail_alloc)
		return -ENOMEM;
	if (e->bad_alloc == ALLOC_MISALIGNED) {
		*table_ipa = e->next + 0x800;
		return 0;
	}
	if (e->bad_alloc == ALLOC_NOT_RAM) {
		*table_ipa = RAM_BASE + RAM_SIZE;
		return 0;
	}
	if (e->nr_free) {
		*table_ipa = e->freelist[--e->nr_free];
	} else {
		if (e->next + granule > e->limit)
			return -ENOMEM;
		*table_ipa = e->next;
		e->next += granule;
	}
	e->nr_allocs++;
	return 0;
}

/* The allocator hands out zeroed pages: zero on the way back in. */
static void tenv_free(void *ctx, u64 table_ipa, int level)
{
	struct tenv *e = ctx;

	assert_int_equal(l1_mem_zero(e->mem, table_ipa, 1ULL << e->cfg.pgshift),
			 0);
	if (e->nr_free == e->cap_free) {
		e->cap_free = e->cap_free ? 2 * e->cap_free : 64;
		e->freelist = realloc(e->freelist,
				      e->cap_free * sizeof(*e->freelist));
		assert_non_null(e->freelist);
	}
	e->freelist[e->nr_free++] = table_ipa;
	e->nr_frees++;
	e->last_freed = table_ipa;
	e->last_freed_level = level;
}

static void tenv_setup(struct tenv *e, unsigned int pgshift,
		       unsigned int ia_bits, int start_level,
		       unsigned int ps_bits, unsigned int pa_bits, bool ha)
{
	memset(e, 0, sizeof(*e));
	e->mem = l1_mem_create();
	assert_non_null(e->mem);
	assert_int_equal(l1_mem_add_ram(e->mem, RAM_BASE, RAM_SIZE), 0);
	e->vtcr = guest_s2_make_vtcr(pgshift, ia_bits, start_level, ps_bits,
				     ha);
	assert_int_not_equal(e->vtcr, 0);
	guest_s2_cfg_from_regs(&e->cfg, ROOT | VMID | VTTBR_CNP, e->vtcr,
			       pa_bits);
	e->next = HEAP_BASE;
	e->limit = RAM_BASE + RAM_SIZE;
}

static void tenv_teardown(struct tenv *e)
{
	l1_mem_destroy(e->mem);
	free(e->freelist);
}

static void wr(struct tenv *e, u64 ipa, u64 val)
{
	assert_int_equal(l1_mem_write64(e->mem, ipa, val), 0);
}

static u64 rd(struct tenv *e, u64 ipa)
{
	u64 val = 0xdeadbeef;

	assert_int_equal(l1_mem_read64(e->mem, ipa, &val), 0);
	return val;
}

static void expect_ok(struct tenv *e, u64 ipa, u64 output, int level,
		      u64 block_size, unsigned int steps)
{
	struct guest_s2_trans t;

	assert_int_equal(guest_s2_walk(e->mem, &e->cfg, ipa, &t), 0);
	assert_int_equal(t.fault, GS2_OK);
	assert_int_equal(t.output, output);
	assert_int_equal(t.level, level);
	assert_int_equal(t.block_size, block_size);
	assert_int_equal(t.steps, steps);
}

static void expect_fault(struct tenv *e, u64 ipa, enum guest_s2_fault fault,
			 int level, unsigned int steps)
{
	struct guest_s2_trans t;

	assert_int_equal(guest_s2_walk(e->mem, &e->cfg, ipa, &t), 1);
	assert_int_equal(t.fault, fault);
	assert_int_equal(t.level, level);
	assert_int_equal(t.steps, steps);
}

static void map_ok(struct tenv *e, u64 ipa, u64 out, int level,
		   unsigned int prot, bool cont)
{
	assert_int_equal(guest_s2_map_free(e->mem, &e->cfg, ipa, out, level,
					   prot, cont, tenv_alloc, tenv_free,
					   e), 0);
}

/* ---------------------------------------------------------------- l1_mem */

static void test_l1_mem_ram_ranges(void **state)
{
	struct l1_mem *mem = l1_mem_create();
	unsigned int i;

	(void)state;
	assert_non_null(mem);
	assert_false(l1_mem_is_ram(mem, 0));

	assert_int_equal(l1_mem_add_ram(mem, 0x1000, 0), -EINVAL);
	assert_int_equal(l1_mem_add_ram(mem, 0x1800, 0x1000), -EINVAL);
	assert_int_equal(l1_mem_add_ram(mem, 0x1000, 0x800), -EINVAL);
	assert_int_equal(l1_mem_add_ram(mem, 0xfffffffffffff000ULL, 0x2000),
			 -EINVAL);

	assert_int_equal(l1_mem_add_ram(mem, 0x10000, 0x10000), 0);
	assert_int_equal(l1_mem_add_ram(mem, 0x20000, 0x10000), 0);
	assert_int_equal(l1_mem_add_ram(mem, 0x18000, 0x1000), -EEXIST);
	assert_int_equal(l1_mem_add_ram(mem, 0x0, 0x11000), -EEXIST);
	/* the very top page of the address space is fine */
	assert_int_equal(l1_mem_add_ram(mem, 0xfffffffffffff000ULL, 0x1000), 0);

	assert_false(l1_mem_is_ram(mem, 0xffff));
	assert_true(l1_mem_is_ram(mem, 0x10000));
	assert_true(l1_mem_is_ram(mem, 0x2ffff));
	assert_false(l1_mem_is_ram(mem, 0x30000));
	assert_true(l1_mem_is_ram(mem, ~0ULL));

	/* abutting ranges form one span */
	assert_true(l1_mem_range_is_ram(mem, 0x10000, 0x20000));
	assert_true(l1_mem_range_is_ram(mem, 0x1f000, 0x2000));
	assert_false(l1_mem_range_is_ram(mem, 0x10000, 0x20001));
	assert_false(l1_mem_range_is_ram(mem, 0xf000, 0x2000));
	assert_true(l1_mem_range_is_ram(mem, 0x5, 0));

	for (i = 3; i < L1_MEM_MAX_RANGES; i++)
		assert_int_equal(l1_mem_add_ram(mem, 0x100000ULL * (i + 1),
						0x1000), 0);
	assert_int_equal(l1_mem_add_ram(mem, 0x80000000ULL, 0x1000), -ENOSPC);
	l1_mem_destroy(mem);
}

static void test_l1_mem_access(void **state)
{
	struct l1_mem *mem = l1_mem_create();
	u64 v = 1;

	(void)state;
	assert_int_equal(l1_mem_add_ram(mem, 0x40000000, 0x100000), 0);

	/* never-written RAM reads as zero, costs nothing */
	assert_int_equal(l1_mem_read64(mem, 0x40000008, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(l1_mem_bytes(mem), 0);
	assert_int_equal(l1_mem_write64(mem, 0x40000010, 0), 0);
	assert_int_equal(l1_mem_bytes(mem), 0);

	assert_int_equal(l1_mem_read64(mem, 0x3ffffff8, &v), -EFAULT);
	assert_int_equal(l1_mem_write64(mem, 0x40100000, 1), -EFAULT);
	assert_int_equal(l1_mem_read64(mem, 0x40000004, &v), -EINVAL);
	assert_int_equal(l1_mem_write64(mem, 0x40000001, 1), -EINVAL);

	assert_int_equal(l1_mem_write64(mem, 0x40000ff8, 0x1122334455667788ULL),
			 0);
	assert_int_equal(l1_mem_bytes(mem), L1_MEM_PAGE_SIZE);
	assert_int_equal(l1_mem_write64(mem, 0x40000000, 7), 0);
	assert_int_equal(l1_mem_bytes(mem), L1_MEM_PAGE_SIZE);
	assert_int_equal(l1_mem_write64(mem, 0x40001000, 9), 0);
	assert_int_equal(l1_mem_bytes(mem), 2 * L1_MEM_PAGE_SIZE);

	assert_int_equal(l1_mem_read64(mem, 0x40000ff8, &v), 0);
	assert_int_equal(v, 0x1122334455667788ULL);
	assert_int_equal(l1_mem_read64(mem, 0x40000000, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(l1_mem_read64(mem, 0x40000ff0, &v), 0);
	assert_int_equal(v, 0);

	/* a page whose last non-zero word is cleared is dropped */
	assert_int_equal(l1_mem_write64(mem, 0x40000000, 0), 0);
	assert_int_equal(l1_mem_bytes(mem), 2 * L1_MEM_PAGE_SIZE);
	assert_int_equal(l1_mem_write64(mem, 0x40000ff8, 0), 0);
	assert_int_equal(l1_mem_bytes(mem), L1_MEM_PAGE_SIZE);
	assert_int_equal(l1_mem_read64(mem, 0x40000ff8, &v), 0);
	assert_int_equal(v, 0);

	/* cmpxchg: only swaps on a match */
	assert_int_equal(l1_mem_cmpxchg64(mem, 0x40001000, 8, 10), -EAGAIN);
	assert_int_equal(l1_mem_read64(mem, 0x40001000, &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(l1_mem_cmpxchg64(mem, 0x40001000, 9, 10), 0);
	assert_int_equal(l1_mem_read64(mem, 0x40001000, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(l1_mem_cmpxchg64(mem, 0x40002000, 0, 3), 0);
	assert_int_equal(l1_mem_bytes(mem), 2 * L1_MEM_PAGE_SIZE);
	assert_int_equal(l1_mem_cmpxchg64(mem, 0x50000000, 0, 3), -EFAULT);
	l1_mem_destroy(mem);
}

static void test_l1_mem_zero(void **state)
{
	struct l1_mem *mem = l1_mem_create();
	u64 a, v;

	(void)state;
	assert_int_equal(l1_mem_add_ram(mem, 0x100000, 0x100000), 0);
	for (a = 0x100000; a < 0x108000; a += 0x800)
		assert_int_equal(l1_mem_write64(mem, a, a), 0);
	assert_int_equal(l1_mem_bytes(mem), 8 * L1_MEM_PAGE_SIZE);

	assert_int_equal(l1_mem_zero(mem, 0x100004, 8), -EINVAL);
	assert_int_equal(l1_mem_zero(mem, 0x1ff000, 0x2000), -EFAULT);
	assert_int_equal(l1_mem_bytes(mem), 8 * L1_MEM_PAGE_SIZE);
	assert_int_equal(l1_mem_zero(mem, 0x100000, 0), 0);

	/* partial page: one of its two words goes, the page stays */
	assert_int_equal(l1_mem_zero(mem, 0x100800, 8), 0);
	assert_int_equal(l1_mem_read64(mem, 0x100800, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(l1_mem_read64(mem, 0x100000, &v), 0);
	assert_int_equal(v, 0x100000);
	assert_int_equal(l1_mem_bytes(mem), 8 * L1_MEM_PAGE_SIZE);

	/* [0x101800, 0x104800): tail of page 1, pages 2-3, head of page 4 */
	assert_int_equal(l1_mem_zero(mem, 0x101800, 0x3000), 0);
	assert_int_equal(l1_mem_bytes(mem), 6 * L1_MEM_PAGE_SIZE);
	assert_int_equal(l1_mem_read64(mem, 0x101000, &v), 0);
	assert_int_equal(v, 0x101000);
	assert_int_equal(l1_mem_read64(mem, 0x101800, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(l1_mem_read64(mem, 0x104000, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(l1_mem_read64(mem, 0x104800, &v), 0);
	assert_int_equal(v, 0x104800);

	/* wider than the hash table: takes the scanning path */
	assert_int_equal(l1_mem_zero(mem, 0x100000, 0x100000), 0);
	assert_int_equal(l1_mem_bytes(mem), 0);
	assert_int_equal(l1_mem_read64(mem, 0x104800, &v), 0);
	assert_int_equal(v, 0);
	l1_mem_destroy(mem);
}

/* Pseudo-random numbers with the state on the caller's stack. */
static u64 rnd(u64 *s)
{
	u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static void test_l1_mem_random(void **state)
{
	enum { NPAGES = 3000, NWORDS = 4 };
	struct l1_mem *mem = l1_mem_create();
	u64 *ref = calloc(NPAGES * NWORDS, sizeof(*ref));
	u64 seed = 0x1234567887654321ULL, v;
	size_t i, p, w, live;
	int round;

	(void)state;
	assert_non_null(ref);
	/* pages spread over a wide range so that hash chains interleave */
	assert_int_equal(l1_mem_add_ram(mem, 0, 0x100000000000ULL), 0);

	for (round = 0; round < 40000; round++) {
		p = rnd(&seed) % NPAGES;
		w = rnd(&seed) % NWORDS;
		v = (rnd(&seed) & 1) ? rnd(&seed) | 1 : 0;
		assert_int_equal(l1_mem_write64(mem, p * 0x3f7000ULL + w * 8, v),
				 0);
		ref[p * NWORDS + w] = v;
		if (round % 5000 == 4999) {
			/* drop a slice of pages wholesale */
			u64 lo = (rnd(&seed) % NPAGES) * 0x3f7000ULL;

			assert_int_equal(l1_mem_zero(mem, lo, 200 * 0x3f7000ULL),
					 0);
			for (p = 0; p < NPAGES; p++) {
				if (p * 0x3f7000ULL >= lo &&
				    p * 0x3f7000ULL < lo + 200 * 0x3f7000ULL)
					memset(&ref[p * NWORDS], 0,
					       NWORDS * sizeof(*ref));
			}
		}
	}

	live = 0;
	for (p = 0; p < NPAGES; p++) {
		bool any = false;

		for (w = 0; w < NWORDS; w++) {
			i = p * NWORDS + w;
			assert_int_equal(l1_mem_read64(mem, p * 0x3f7000ULL +
						       w * 8, &v), 0);
			assert_int_equal(v, ref[i]);
			any |= ref[i] != 0;
		}
		live += any;
	}
	assert_true(live > 100);
	assert_int_equal(l1_mem_bytes(mem), live * L1_MEM_PAGE_SIZE);
	free(ref);
	l1_mem_destroy(mem);
}

/* ------------------------------------------------------- encodings, sizes */

static void test_level_sizes(void **state)
{
	(void)state;
	assert_int_equal(guest_s2_level_size(12, 3), SZ_4K);
	assert_int_equal(guest_s2_level_size(12, 2), SZ_2M);
	assert_int_equal(guest_s2_level_size(12, 1), SZ_1G);
	assert_int_equal(guest_s2_level_size(12, 0), 512 * SZ_1G);
	assert_int_equal(guest_s2_level_size(14, 3), SZ_16K);
	assert_int_equal(guest_s2_level_size(14, 2), SZ_32M);
	assert_int_equal(guest_s2_level_size(14, 1), 64 * SZ_1G);
	assert_int_equal(guest_s2_level_size(14, 0), 128 * 1024 * SZ_1G);
	assert_int_equal(guest_s2_level_size(16, 3), SZ_64K);
	assert_int_equal(guest_s2_level_size(16, 2), SZ_512M);
	assert_int_equal(guest_s2_level_size(16, 1), 4096 * SZ_1G);
	assert_int_equal(guest_s2_level_size(16, 0), 0);
	assert_int_equal(guest_s2_level_size(12, -1), 0);
	assert_int_equal(guest_s2_level_size(12, 4), 0);
	assert_int_equal(guest_s2_level_size(13, 3), 0);

	assert_int_equal(guest_s2_contig_entries(12, 1), 16);
	assert_int_equal(guest_s2_contig_entries(12, 2), 16);
	assert_int_equal(guest_s2_contig_entries(12, 3), 16);
	assert_int_equal(guest_s2_contig_entries(12, 0), 0);
	assert_int_equal(guest_s2_contig_entries(14, 2), 32);
	assert_int_equal(guest_s2_contig_entries(14, 3), 128);
	assert_int_equal(guest_s2_contig_entries(14, 1), 0);
	assert_int_equal(guest_s2_contig_entries(16, 2), 32);
	assert_int_equal(guest_s2_contig_entries(16, 3), 32);
	assert_int_equal(guest_s2_contig_entries(16, 1), 0);

	assert_true(guest_s2_leaf_level_ok(12, 1));
	assert_false(guest_s2_leaf_level_ok(12, 0));
	assert_true(guest_s2_leaf_level_ok(14, 2));
	assert_false(guest_s2_leaf_level_ok(14, 1));
	assert_true(guest_s2_leaf_level_ok(16, 3));
	assert_false(guest_s2_leaf_level_ok(16, 1));
	assert_false(guest_s2_leaf_level_ok(16, 4));
}

static void test_make_vtcr_values(void **state)
{
	struct guest_s2_cfg cfg;

	(void)state;
	/*
	 * 4K, 40-bit IA, start L1, PS 40: T0SZ 24, SL0 1, TG0 0, PS 2,
	 * plus RES1 bit 31 and the WBWA/inner-shareable walk attributes.
	 */
	assert_int_equal(guest_s2_make_vtcr(12, 40, 1, 40, false), 0x80023558);
	/* 64K, 42-bit IA, start L2, PS 48, HA: T0SZ 22, SL0 1, TG0 1, PS 5 */
	assert_int_equal(guest_s2_make_vtcr(16, 42, 2, 48, true), 0x80257556);
	/* 16K, 36-bit IA, start L3, PS 36: T0SZ 28, SL0 0, TG0 2, PS 1 */
	assert_int_equal(guest_s2_make_vtcr(14, 36, 3, 36, false), 0x8001b51c);
	/* 4K SL0 = 2 is the level 0 start */
	assert_int_equal(guest_s2_make_vtcr(12, 48, 0, 52, false), 0x80063590);

	assert_int_equal(guest_s2_make_vtcr(13, 40, 1, 40, false), 0);
	assert_int_equal(guest_s2_make_vtcr(12, 40, 3, 40, false), 0);
	assert_int_equal(guest_s2_make_vtcr(12, 40, -2, 40, false), 0);
	assert_int_equal(guest_s2_make_vtcr(16, 40, -1, 40, false), 0);
	assert_int_equal(guest_s2_make_vtcr(16, 40, 4, 40, false), 0);
	assert_int_equal(guest_s2_make_vtcr(12, 40, 1, 41, false), 0);
	assert_int_equal(guest_s2_make_vtcr(12, 64, 1, 40, false), 0);
	assert_int_equal(guest_s2_make_vtcr(12, 0, 1, 40, false), 0);

	/* VTTBR: VMID and CnP are not part of the base address */
	guest_s2_cfg_from_regs(&cfg, 0xabcd000012345000ULL | VTTBR_CNP,
			       0x80023558, 48);
	assert_int_equal(cfg.baddr, 0x12345000);
	assert_int_equal(cfg.pgshift, 12);
	assert_int_equal(cfg.t0sz, 24);
	assert_int_equal(cfg.sl0, 1);
	assert_int_equal(cfg.max_oa_bits, 40);
	assert_int_equal(cfg.pa_bits, 48);
	assert_false(cfg.ha);
	assert_int_equal(guest_s2_start_level(&cfg), 1);

	/* TG0 = 3 is reserved; treated as 64K like upstream */
	guest_s2_cfg_from_regs(&cfg, 0, 0x80023558 | (3ULL << 14), 48);
	assert_int_equal(cfg.pgshift, 16);
	assert_int_equal(guest_s2_start_level(&cfg), 2);

	/* PS 6 (52 bits) reads as 48 without LPA; pa_bits caps it */
	guest_s2_cfg_from_regs(&cfg, 0, 0x80063590, 48);
	assert_int_equal(cfg.max_oa_bits, 48);
	guest_s2_cfg_from_regs(&cfg, 0, 0x80063590, 44);
	assert_int_equal(cfg.max_oa_bits, 44);
	/* PS 7 is reserved: 48 as well */
	guest_s2_cfg_from_regs(&cfg, 0, 0x80073590, 48);
	assert_int_equal(cfg.max_oa_bits, 48);
}

/* Returns whether the combination was encodable (and checked). */
static unsigned int roundtrip_one(unsigned int pgshift, unsigned int ia,
				  int level, unsigned int ps, bool ha)
{
	u64 vtcr = guest_s2_make_vtcr(pgshift, ia, level, ps, ha);
	unsigned int oa = ps == 52 ? 48 : ps;
	struct guest_s2_cfg cfg;

	if (pgshift == 12 ? level == 3 : level == -1) {
		assert_int_equal(vtcr, 0);
		return 0;
	}
	assert_int_not_equal(vtcr, 0);
	guest_s2_cfg_from_regs(&cfg, 0x8000, vtcr, 44);
	assert_int_equal(cfg.pgshift, pgshift);
	assert_int_equal(guest_s2_ia_bits(&cfg), ia);
	assert_int_equal(guest_s2_start_level(&cfg), level);
	assert_int_equal(cfg.max_oa_bits, oa < 44 ? oa : 44);
	assert_int_equal(cfg.ha, ha);
	assert_int_equal(cfg.baddr, 0x8000);
	return 1;
}

static void test_make_vtcr_roundtrip(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	static const unsigned int ps[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int i, j, ia, ok = 0;
	int level;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		for (ia = 25; ia <= 48; ia++) {
			for (level = -1; level <= 3; level++) {
				for (j = 0; j < ARRAY_SIZE(ps); j++)
					ok += roundtrip_one(shifts[i], ia,
							    level, ps[j],
							    (ia + j) & 1);
			}
		}
	}
	/* 3 granules x 24 sizes x 4 levels x 7 PS values */
	assert_int_equal(ok, 3 * 24 * 4 * 7);
}

static void test_pick_start_level(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	struct guest_s2_cfg cfg;
	struct guest_s2_trans t;
	struct l1_mem *mem = l1_mem_create();
	unsigned int i, ia;
	int level;

	(void)state;
	assert_int_equal(guest_s2_pick_start_level(12, 48), 0);
	assert_int_equal(guest_s2_pick_start_level(12, 44), 0);
	assert_int_equal(guest_s2_pick_start_level(12, 40), 1);
	assert_int_equal(guest_s2_pick_start_level(12, 35), 1);
	assert_int_equal(guest_s2_pick_start_level(12, 34), 2);
	assert_int_equal(guest_s2_pick_start_level(12, 25), 2);
	assert_int_equal(guest_s2_pick_start_level(14, 48), 1);
	assert_int_equal(guest_s2_pick_start_level(14, 36), 2);
	assert_int_equal(guest_s2_pick_start_level(14, 29), 3);
	assert_int_equal(guest_s2_pick_start_level(16, 48), 1);
	assert_int_equal(guest_s2_pick_start_level(16, 42), 2);
	assert_int_equal(guest_s2_pick_start_level(16, 33), 3);
	assert_int_equal(guest_s2_pick_start_level(16, 49), -EINVAL);
	assert_int_equal(guest_s2_pick_start_level(11, 40), -EINVAL);

	/* whatever it picks, the walker accepts (it faults, but not config) */
	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		for (ia = 25; ia <= 48; ia++) {
			u64 vtcr;

			level = guest_s2_pick_start_level(shifts[i], ia);
			vtcr = guest_s2_make_vtcr(shifts[i], ia, level, 48,
						  false);
			guest_s2_cfg_from_regs(&cfg, 0, vtcr, 48);
			assert_int_equal(guest_s2_walk(mem, &cfg, 0, &t), 1);
			assert_int_equal(t.fault, GS2_FAULT_EXTABT);
			assert_int_equal(t.level, level);
		}
	}
	l1_mem_destroy(mem);
}

static void test_root_size(void **state)
{
	struct guest_s2_cfg cfg;

	(void)state;
	guest_s2_cfg_from_regs(&cfg, 0, guest_s2_make_vtcr(12, 40, 1, 48, 0), 48);
	assert_int_equal(guest_s2_root_size(&cfg), 0x2000);
	guest_s2_cfg_from_regs(&cfg, 0, guest_s2_make_vtcr(12, 48, 0, 48, 0), 48);
	assert_int_equal(guest_s2_root_size(&cfg), 0x1000);
	guest_s2_cfg_from_regs(&cfg, 0, guest_s2_make_vtcr(16, 42, 2, 48, 0), 48);
	assert_int_equal(guest_s2_root_size(&cfg), 0x10000);
	guest_s2_cfg_from_regs(&cfg, 0, guest_s2_make_vtcr(16, 30, 3, 48, 0), 48);
	assert_int_equal(guest_s2_root_size(&cfg), 0x20000);
	guest_s2_cfg_from_regs(&cfg, 0, guest_s2_make_vtcr(16, 48, 1, 48, 0), 48);
	assert_int_equal(guest_s2_root_size(&cfg), 0x200);
	guest_s2_cfg_from_regs(&cfg, 0, guest_s2_make_vtcr(14, 36, 2, 48, 0), 48);
	assert_int_equal(guest_s2_root_size(&cfg), 0x4000);
	guest_s2_cfg_from_regs(&cfg, 0, guest_s2_make_vtcr(14, 41, 2, 48, 0), 48);
	assert_int_equal(guest_s2_root_size(&cfg), 0);
}

/* -------------------------------------------------- walker, raw tables */

static void test_walk_4k_l1_start(void **state)
{
	struct tenv e;
	struct guest_s2_trans t;

	(void)state;
	tenv_setup(&e, 12, 40, 1, 40, 40, false);
	/*
	 * 10 bits of IA resolved at L1: two concatenated 4K root pages.
	 * 0x96_0040_3abc = L1 index 600, L2 index 2, L3 index 3, 0xabc.
	 */
	wr(&e, ROOT + 600 * 8, RAW_TABLE(0x40200000));
	wr(&e, 0x40200000 + 2 * 8, RAW_TABLE(0x40201000));
	wr(&e, 0x40201000 + 3 * 8, RAW_PAGE(0x87654000));
	expect_ok(&e, 0x9600403abcULL, 0x87654abc, 3, SZ_4K, 3);

	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 0x9600403abcULL, &t), 0);
	assert_true(t.readable);
	assert_true(t.writable);
	assert_int_equal(t.desc, RAW_PAGE(0x87654000));

	/* L2 block: L1 index 600, L2 index 5, offset 0x12345 */
	wr(&e, 0x40200000 + 5 * 8, RAW_BLOCK(0x123400000ULL));
	expect_ok(&e, 0x9600a12345ULL, 0x123412345ULL, 2, SZ_2M, 2);

	/* L1 block at index 7 */
	wr(&e, ROOT + 7 * 8, RAW_BLOCK(0x4000000000ULL));
	expect_ok(&e, 0x1d2345678ULL, 0x4012345678ULL, 1, SZ_1G, 1);

	/* misaligned VTTBR: bits below the 8K table alignment are ignored */
	e.cfg.baddr = ROOT | 0x1000;
	expect_ok(&e, 0x1d2345678ULL, 0x4012345678ULL, 1, SZ_1G, 1);

	/* as upstream, IA bits at and above bit 40 are dropped, not faulted */
	expect_ok(&e, 0x1d2345678ULL | (1ULL << 40), 0x4012345678ULL, 1,
		  SZ_1G, 1);

	/* neighbours: translation faults at each level */
	expect_fault(&e, 0x9600000000ULL + 0x40000000ULL,
		     GS2_FAULT_TRANSLATION, 1, 1);
	expect_fault(&e, 0x9600600000ULL, GS2_FAULT_TRANSLATION, 2, 2);
	expect_fault(&e, 0x9600404000ULL, GS2_FAULT_TRANSLATION, 3, 3);
	tenv_teardown(&e);
}

static void test_walk_4k_l0_start(void **state)
{
	struct tenv e;
	struct guest_s2_trans t;
	/* L0 index 1, L1 index 2, L2 index 3, L3 index 4, offset 0x567 */
	const u64 ipa = 0x8080604567ULL;

	(void)state;
	tenv_setup(&e, 12, 48, 0, 48, 48, false);
	assert_int_equal(e.cfg.sl0, 2);
	wr(&e, ROOT + 1 * 8, RAW_TABLE(0x40200000));
	wr(&e, 0x40200000 + 2 * 8, RAW_TABLE(0x40201000));
	wr(&e, 0x40201000 + 3 * 8, RAW_TABLE(0x40202000));
	wr(&e, 0x40202000 + 4 * 8, RAW_PAGE(0xabcdef01000ULL));
	expect_ok(&e, ipa, 0xabcdef01567ULL, 3, SZ_4K, 4);

	expect_fault(&e, 0x1000000000ULL | (2ULL << 39),
		     GS2_FAULT_TRANSLATION, 0, 1);
	expect_fault(&e, (1ULL << 39) | (3ULL << 30),
		     GS2_FAULT_TRANSLATION, 1, 2);
	expect_fault(&e, (1ULL << 39) | (2ULL << 30) | (4ULL << 21),
		     GS2_FAULT_TRANSLATION, 2, 3);
	expect_fault(&e, ipa + SZ_4K, GS2_FAULT_TRANSLATION, 3, 4);

	/* no blocks at 4K level 0 */
	wr(&e, ROOT + 3 * 8, RAW_BLOCK(0));
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 3ULL << 39, &t), 1);
	assert_int_equal(t.fault, GS2_FAULT_TRANSLATION);
	assert_int_equal(t.level, 0);
	assert_int_equal(t.desc, RAW_BLOCK(0));
	assert_int_equal(guest_s2_fsc(&t), 0x04);

	/* the same VTCR is illegal once the PA size is 42 bits or less */
	guest_s2_cfg_from_regs(&e.cfg, ROOT, e.vtcr, 42);
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, ipa, &t), -EINVAL);
	assert_int_equal(t.fault, GS2_FAULT_BAD_CONFIG);
	assert_int_equal(t.level, 0);
	assert_int_equal(t.steps, 0);
	assert_int_equal(guest_s2_fsc(&t), 0x04);
	tenv_teardown(&e);
}

static void test_walk_4k_l2_start(void **state)
{
	struct tenv e;

	(void)state;
	/* 32-bit IA from L2: 11 bits at the start level, four root pages */
	tenv_setup(&e, 12, 32, 2, 48, 48, false);
	assert_int_equal(guest_s2_root_size(&e.cfg), 0x4000);
	/* 0xfe00_1234 = L2 index 0x7f0 (in the fourth page), L3 index 1 */
	wr(&e, ROOT + 0x7f0 * 8, RAW_TABLE(0x40200000));
	wr(&e, 0x40200000 + 1 * 8, RAW_PAGE(0x5000));
	expect_ok(&e, 0xfe001234, 0x5234, 3, SZ_4K, 2);
	wr(&e, ROOT + 0x7f1 * 8, RAW_BLOCK(0x7fe00000));
	expect_ok(&e, 0xfe3fffff, 0x7fffffff, 2, SZ_2M, 1);
	tenv_teardown(&e);
}

static void test_walk_16k(void **state)
{
	struct tenv e;

	(void)state;
	/* 36-bit IA from L2: 11 bits at L2, a single 16K root */
	tenv_setup(&e, 14, 36, 2, 40, 40, false);
	assert_int_equal(e.cfg.sl0, 1);
	/* 0x601_5234 = L2 index 3, L3 index 5, offset 0x1234 */
	wr(&e, ROOT + 3 * 8, RAW_TABLE(0x40204000));
	wr(&e, 0x40204000 + 5 * 8, RAW_PAGE(0x90004000));
	expect_ok(&e, 0x6015234, 0x90005234, 3, SZ_16K, 2);
	/* L2 block: index 7, offset 0x1ab_cdef */
	wr(&e, ROOT + 7 * 8, RAW_BLOCK(0x100000000ULL));
	expect_ok(&e, 0xfabcdef, 0x101abcdefULL, 2, SZ_32M, 1);
	/* block encoding at L3 is reserved */
	wr(&e, 0x40204000 + 6 * 8, RAW_BLOCK(0x90008000));
	expect_fault(&e, 0x6018000, GS2_FAULT_TRANSLATION, 3, 2);
	tenv_teardown(&e);

	/* 47-bit IA from L1 (SL0 2), allowed as PA is over 40 bits */
	tenv_setup(&e, 14, 47, 1, 48, 48, false);
	assert_int_equal(e.cfg.sl0, 2);
	/* no L1 blocks with 16K */
	wr(&e, ROOT + 1 * 8, RAW_BLOCK(0x1000000000ULL));
	expect_fault(&e, 1ULL << 36, GS2_FAULT_TRANSLATION, 1, 1);
	/* L1 index 2, L2 index 1, L3 index 2, offset 0x10 */
	wr(&e, ROOT + 2 * 8, RAW_TABLE(0x40204000));
	wr(&e, 0x40204000 + 1 * 8, RAW_TABLE(0x40208000));
	wr(&e, 0x40208000 + 2 * 8, RAW_PAGE(0x555554000ULL));
	expect_ok(&e, 0x2002008010ULL, 0x555554010ULL, 3, SZ_16K, 3);
	tenv_teardown(&e);

	/* 28-bit IA from L3 (SL0 0): 14 bits at L3, eight 16K root pages */
	tenv_setup(&e, 14, 28, 3, 48, 48, false);
	assert_int_equal(guest_s2_root_size(&e.cfg), 0x20000);
	/* 0xabc_d123: L3 index 0x2af3, offset 0x1123 */
	wr(&e, ROOT + 0x2af3 * 8, RAW_PAGE(0x3c000));
	expect_ok(&e, 0xabcd123, 0x3d123, 3, SZ_16K, 1);
	tenv_teardown(&e);
}

static void test_walk_64k(void **state)
{
	struct tenv e;

	(void)state;
	/* 42-bit IA from L2: 13 bits at L2, one 64K root */
	tenv_setup(&e, 16, 42, 2, 48, 48, false);
	/* 0x3f_f234_fedc = L2 index 0x1ff, L3 index 0x1234, offset 0xfedc */
	wr(&e, ROOT + 0x1ff * 8, RAW_TABLE(0x40300000));
	wr(&e, 0x40300000 + 0x1234 * 8, RAW_PAGE(0xa1230000));
	expect_ok(&e, 0x3ff234fedcULL, 0xa123fedc, 3, SZ_64K, 2);
	/* L2 block at index 0x10 */
	wr(&e, ROOT + 0x10 * 8, RAW_BLOCK(0x600000000ULL));
	expect_ok(&e, 0x21abcdef0ULL, 0x61abcdef0ULL, 2, SZ_512M, 1);
	tenv_teardown(&e);

	/* 48-bit IA from L1 (SL0 2): 6 bits at L1, a 512-byte root */
	tenv_setup(&e, 16, 48, 1, 48, 48, false);
	wr(&e, ROOT + 1 * 8, RAW_BLOCK(0x40000000000ULL));
	expect_fault(&e, 1ULL << 42, GS2_FAULT_TRANSLATION, 1, 1);
	/* L1 index 2, L2 index 3, L3 index 4, offset 0x5 */
	wr(&e, ROOT + 2 * 8, RAW_TABLE(0x40300000));
	wr(&e, 0x40300000 + 3 * 8, RAW_TABLE(0x40310000));
	wr(&e, 0x40310000 + 4 * 8, RAW_PAGE(0x770000));
	expect_ok(&e, (2ULL << 42) | (3ULL << 29) | (4ULL << 16) | 5,
		  0x770005, 3, SZ_64K, 3);
	tenv_teardown(&e);

	/* 30-bit IA from L3 (SL0 0): 14 bits at L3, a 128K root */
	tenv_setup(&e, 16, 30, 3, 48, 48, false);
	/* 0x2abc_1234: L3 index 0x2abc */
	wr(&e, ROOT + 0x2abc * 8, RAW_PAGE(0x700000000ULL));
	expect_ok(&e, 0x2abc1234, 0x700001234ULL, 3, SZ_64K, 1);
	wr(&e, ROOT + 0x2abd * 8, RAW_BLOCK(0x700010000ULL));
	expect_fault(&e, 0x2abd0000, GS2_FAULT_TRANSLATION, 3, 1);
	tenv_teardown(&e);
}

static void expect_bad(unsigned int pgshift, unsigned int ia, int level,
		       unsigned int pa, enum guest_s2_fault fault)
{
	struct l1_mem *mem = l1_mem_create();
	struct guest_s2_cfg cfg;
	struct guest_s2_trans t;
	u64 vtcr = guest_s2_make_vtcr(pgshift, ia, level, 48, false);

	assert_int_not_equal(vtcr, 0);
	assert_int_equal(l1_mem_add_ram(mem, RAM_BASE, SZ_1G), 0);
	guest_s2_cfg_from_regs(&cfg, ROOT, vtcr, pa);
	t.steps = 99;
	assert_int_equal(guest_s2_walk(mem, &cfg, 0x1000, &t), -EINVAL);
	assert_int_equal(t.fault, fault);
	assert_int_equal(t.level, 0);
	assert_int_equal(t.steps, 0);
	assert_int_equal(guest_s2_root_size(&cfg), 0);
	l1_mem_destroy(mem);
}

static void test_walk_bad_config(void **state)
{
	(void)state;
	/* start level not allowed for the granule */
	expect_bad(12, 40, -1, 48, GS2_FAULT_BAD_CONFIG);
	expect_bad(14, 47, 0, 48, GS2_FAULT_BAD_CONFIG);
	expect_bad(16, 48, 0, 48, GS2_FAULT_BAD_CONFIG);
	/* (also caught by the table size check: 64K L1 needs IA > 42) */
	expect_bad(16, 42, 1, 42, GS2_FAULT_BAD_CONFIG);
	expect_bad(14, 40, 1, 40, GS2_FAULT_BAD_CONFIG);
	expect_bad(12, 40, 0, 42, GS2_FAULT_BAD_CONFIG);
	/* IA wider than the PA size */
	expect_bad(12, 40, 1, 36, GS2_FAULT_BAD_CONFIG);
	expect_bad(12, 44, 0, 40, GS2_FAULT_BAD_CONFIG);
	/* start table of 2^19 entries (> stride + 4 = 13 bits) */
	expect_bad(12, 40, 2, 48, GS2_FAULT_BAD_CONFIG);
	/* start table of less than 2 entries: 30 - 39 bits */
	expect_bad(12, 30, 0, 48, GS2_FAULT_BAD_CONFIG);
	/* 64K, 42-bit from L3: 26 bits > 17 */
	expect_bad(16, 42, 3, 48, GS2_FAULT_BAD_CONFIG);
	/* T0SZ out of range: upstream reflects FSC 0, address size L0 */
	expect_bad(12, 49, 0, 48, GS2_FAULT_ADDR_SIZE);
	expect_bad(12, 24, 2, 48, GS2_FAULT_ADDR_SIZE);
}

static void test_walk_access_flag(void **state)
{
	struct tenv e;
	struct guest_s2_trans t;
	const u64 noaf = 0x80000000ULL | 0xc3;	/* page, RW, no AF */

	(void)state;
	tenv_setup(&e, 12, 32, 2, 48, 48, false);
	wr(&e, ROOT, RAW_TABLE(0x40200000));
	wr(&e, 0x40200000 + 8, noaf);
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 0x1010, &t), 1);
	assert_int_equal(t.fault, GS2_FAULT_ACCESS);
	assert_int_equal(t.level, 3);
	assert_int_equal(t.desc, noaf);
	assert_int_equal(guest_s2_fsc(&t), 0x0b);
	assert_int_equal(rd(&e, 0x40200000 + 8), noaf);

	/* a block without AF faults at its own level */
	wr(&e, ROOT + 8, 0xc1);
	expect_fault(&e, SZ_2M, GS2_FAULT_ACCESS, 2, 1);

	/* with HA the walker sets AF in L1's table and carries on */
	guest_s2_cfg_from_regs(&e.cfg, ROOT,
			       guest_s2_make_vtcr(12, 32, 2, 48, true), 48);
	assert_true(e.cfg.ha);
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 0x1010, &t), 0);
	assert_int_equal(t.output, 0x80000010);
	assert_int_equal(t.desc, noaf | 0x400);
	assert_int_equal(rd(&e, 0x40200000 + 8), noaf | 0x400);
	expect_ok(&e, SZ_2M + 4, 4, 2, SZ_2M, 1);
	assert_int_equal(rd(&e, ROOT + 8), 0x4c1);

	/* but not on a leaf that fails the output size check first */
	guest_s2_cfg_from_regs(&e.cfg, ROOT,
			       guest_s2_make_vtcr(12, 32, 2, 36, true), 48);
	wr(&e, 0x40200000 + 16, (1ULL << 40) | 0xc3);
	expect_fault(&e, 0x2000, GS2_FAULT_ADDR_SIZE, 3, 2);
	assert_int_equal(rd(&e, 0x40200000 + 16), (1ULL << 40) | 0xc3);
	tenv_teardown(&e);
}

static void test_walk_addr_size(void **state)
{
	struct tenv e;
	struct guest_s2_trans t;

	(void)state;
	/* OA limited to 40 bits by PS */
	tenv_setup(&e, 12, 40, 1, 40, 48, false);
	assert_int_equal(e.cfg.max_oa_bits, 40);
	wr(&e, ROOT + 8, RAW_TABLE(1ULL << 41));
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, SZ_1G, &t), 1);
	assert_int_equal(t.fault, GS2_FAULT_ADDR_SIZE);
	assert_int_equal(t.level, 1);
	assert_int_equal(t.desc, RAW_TABLE(1ULL << 41));
	assert_int_equal(guest_s2_fsc(&t), 0x01);

	wr(&e, ROOT + 16, RAW_TABLE(0x40200000));
	wr(&e, 0x40200000, RAW_BLOCK(1ULL << 40));
	expect_fault(&e, 2 * SZ_1G, GS2_FAULT_ADDR_SIZE, 2, 2);
	wr(&e, 0x40200000, RAW_BLOCK((1ULL << 40) - SZ_2M));
	expect_ok(&e, 2 * SZ_1G + 1, (1ULL << 40) - SZ_2M + 1, 2, SZ_2M, 2);

	/* the base address itself */
	e.cfg.baddr = 1ULL << 42;
	expect_fault(&e, 0, GS2_FAULT_ADDR_SIZE, 0, 0);
	tenv_teardown(&e);

	/* OA limited to 36 bits by the VM's PA size, PS says 48 */
	tenv_setup(&e, 12, 36, 1, 48, 36, false);
	assert_int_equal(e.cfg.max_oa_bits, 36);
	wr(&e, ROOT, RAW_BLOCK(1ULL << 36));
	expect_fault(&e, 0, GS2_FAULT_ADDR_SIZE, 1, 1);
	wr(&e, ROOT, RAW_BLOCK(1ULL << 35));
	expect_ok(&e, 0, 1ULL << 35, 1, SZ_1G, 1);
	tenv_teardown(&e);
}

static void test_walk_extabt(void **state)
{
	struct tenv e;
	struct guest_s2_trans t;

	(void)state;
	tenv_setup(&e, 16, 42, 2, 48, 48, false);
	/* a table outside L1 RAM: the read at the next level aborts */
	wr(&e, ROOT, RAW_TABLE(0x800000000ULL));
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 0x10000, &t), 1);
	assert_int_equal(t.fault, GS2_FAULT_EXTABT);
	assert_int_equal(t.level, 3);
	assert_int_equal(t.steps, 2);
	assert_int_equal(t.desc, 0);
	assert_int_equal(guest_s2_fsc(&t), 0x17);

	/* the root outside RAM aborts at the start level */
	e.cfg.baddr = 0x800000000ULL;
	expect_fault(&e, 0, GS2_FAULT_EXTABT, 2, 1);
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 0, &t), 1);
	assert_int_equal(guest_s2_fsc(&t), 0x16);
	tenv_teardown(&e);
}

static void test_walk_contiguous(void **state)
{
	struct tenv e;
	struct guest_s2_trans t;

	(void)state;
	/* 4K L3: a run of 16 pages, output aligned to 64K */
	tenv_setup(&e, 12, 32, 2, 48, 48, false);
	wr(&e, ROOT, RAW_TABLE(0x40200000));
	/*
	 * Entry 2 of the run names 0x8000_5000, but with the hint only
	 * bits [47:16] count and the rest comes from the IPA.
	 */
	wr(&e, 0x40200000 + 2 * 8, RAW_PAGE(0x80005000) | RAW_CONT);
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 0x2abc, &t), 0);
	assert_int_equal(t.output, 0x80002abc);
	assert_int_equal(t.block_size, SZ_4K);
	/* 4K L2: 16 x 2M, aligned to 32M */
	wr(&e, ROOT + 17 * 8, RAW_BLOCK(0x12200000) | RAW_CONT);
	/* 17 x 2M is 34M: 2M into its 32M run */
	expect_ok(&e, 17 * SZ_2M + 5, 0x12200005, 2, SZ_2M, 1);
	tenv_teardown(&e);

	/* 4K L1: 16 x 1G, aligned to 16G */
	tenv_setup(&e, 12, 40, 1, 48, 48, false);
	wr(&e, ROOT + 3 * 8, RAW_BLOCK(0x7c0000000ULL) | RAW_CONT);
	expect_ok(&e, 3 * SZ_1G + 9, 0x400000000ULL + 3 * SZ_1G + 9, 1, SZ_1G,
		  1);
	tenv_teardown(&e);

	/* 16K L3: 128 x 16K = 2M; 16K L2: 32 x 32M = 1G */
	tenv_setup(&e, 14, 36, 2, 48, 48, false);
	wr(&e, ROOT, RAW_TABLE(0x40204000));
	wr(&e, 0x40204000 + 100 * 8, RAW_PAGE(0x9fffc000) | RAW_CONT);
	expect_ok(&e, 100 * SZ_16K + 3, 0x9fe00000 + 100 * SZ_16K + 3, 3,
		  SZ_16K, 2);
	wr(&e, ROOT + 33 * 8, RAW_BLOCK(0x7e000000) | RAW_CONT);
	expect_ok(&e, 33 * SZ_32M + 7, 0x40000000 + SZ_32M + 7, 2, SZ_32M, 1);
	tenv_teardown(&e);

	/* 64K L3: 32 x 64K = 2M; 64K L2: 32 x 512M = 16G */
	tenv_setup(&e, 16, 42, 2, 48, 48, false);
	wr(&e, ROOT, RAW_TABLE(0x40300000));
	wr(&e, 0x40300000 + 33 * 8, RAW_PAGE(0x301f0000) | RAW_CONT);
	expect_ok(&e, 33 * SZ_64K + 1, 0x30000000 + SZ_64K + 1, 3, SZ_64K, 2);
	wr(&e, ROOT + 40 * 8, RAW_BLOCK(0x7e0000000ULL) | RAW_CONT);
	expect_ok(&e, 40 * SZ_512M, 0x400000000ULL + 8 * SZ_512M, 2, SZ_512M,
		  1);
	tenv_teardown(&e);
}

static void test_walk_permissions(void **state)
{
	static const struct {
		unsigned int prot;
		bool r, w;
		u64 ap;
	} cases[] = {
		{ 0, false, false, 0x00 },
		{ GS2_PROT_R, true, false, 0x40 },
		{ GS2_PROT_W, false, true, 0x80 },
		{ GS2_PROT_RW, true, true, 0xc0 },
	};
	struct tenv e;
	struct guest_s2_trans t;
	unsigned int i;

	(void)state;
	tenv_setup(&e, 12, 32, 2, 48, 48, false);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 ipa = i * SZ_4K;

		map_ok(&e, ipa, 0x80000000 + ipa, 3, cases[i].prot, false);
		assert_int_equal(guest_s2_walk(e.mem, &e.cfg, ipa, &t), 0);
		assert_int_equal(t.readable, cases[i].r);
		assert_int_equal(t.writable, cases[i].w);
		assert_int_equal(t.desc & 0xc0, cases[i].ap);
		/* AF, normal WB memory, inner shareable, page */
		assert_int_equal(t.desc & ~0xc0ULL,
				 0x80000000 + ipa + 0x73f);
	}

	/* L1 write-protects for its own dirty tracking, then restores */
	assert_int_equal(guest_s2_set_prot(e.mem, &e.cfg, 3 * SZ_4K + 8,
					   GS2_PROT_R), 0);
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 3 * SZ_4K, &t), 0);
	assert_true(t.readable);
	assert_false(t.writable);
	assert_int_equal(guest_s2_set_prot(e.mem, &e.cfg, 3 * SZ_4K,
					   GS2_PROT_RW), 0);
	assert_int_equal(guest_s2_walk(e.mem, &e.cfg, 3 * SZ_4K, &t), 0);
	assert_true(t.writable);
	assert_int_equal(guest_s2_set_prot(e.mem, &e.cfg, 9 * SZ_4K,
					   GS2_PROT_R), -ENOENT);
	assert_int_equal(guest_s2_set_prot(e.mem, &e.cfg, 0, 4), -EINVAL);
	tenv_teardown(&e);
}

/* ------------------------------------------------------------ builder */

static void test_map_blocks_every_level(void **state)
{
	struct tenv e;
	struct guest_s2_leaf leaf;

	(void)state;
	tenv_setup(&e, 12, 48, 0, 48, 48, false);
	map_ok(&e, 5 * SZ_1G, 0x3c0000000ULL, 1, GS2_PROT_RW, false);
	map_ok(&e, 6 * SZ_1G + 3 * SZ_2M, 0x12600000, 2, GS2_PROT_RW, false);
	map_ok(&e, 7 * SZ_1G + 0x5000, 0x9000, 3, GS2_PROT_RW, false);
	expect_ok(&e, 5 * SZ_1G + 0x123, 0x3c0000123ULL, 1, SZ_1G, 2);
	expect_ok(&e, 6 * SZ_1G + 3 * SZ_2M + 0x1fffff, 0x127fffff, 2, SZ_2M,
		  3);
	expect_ok(&e, 7 * SZ_1G + 0x5fff, 0x9fff, 3, SZ_4K, 4);
	/* one L1 table, two L2 tables, one L3 table */
	assert_int_equal(e.nr_allocs, 4);

	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, 6 * SZ_1G + 3 * SZ_2M
					 + 0x1234, &leaf), 0);
	assert_int_equal(leaf.nested_ipa, 6 * SZ_1G + 3 * SZ_2M);
	assert_int_equal(leaf.canonical_ipa, 0x12600000);
	assert_int_equal(leaf.size, SZ_2M);
	assert_int_equal(leaf.run_size, SZ_2M);
	assert_int_equal(leaf.level, 2);
	assert_int_equal(leaf.desc, 0x12600000 | 0x7fd);

	/* illegal levels and alignment */
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 0, 0, GS2_PROT_RW,
				      false, tenv_alloc, &e), -EINVAL);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 0, 4, GS2_PROT_RW,
				      false, tenv_alloc, &e), -EINVAL);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, SZ_4K, 0, 2, GS2_PROT_RW,
				      false, tenv_alloc, &e), -EINVAL);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, SZ_4K, 2, GS2_PROT_RW,
				      false, tenv_alloc, &e), -EINVAL);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 0, 3, 4, false,
				      tenv_alloc, &e), -EINVAL);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 1ULL << 48, 0, 3,
				      GS2_PROT_RW, false, tenv_alloc, &e),
			 -EINVAL);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 1ULL << 48, 3,
				      GS2_PROT_RW, false, tenv_alloc, &e),
			 -EINVAL);
	/* a contiguous run must be aligned to the whole run */
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, SZ_4K, 0, 3, GS2_PROT_RW,
				      true, tenv_alloc, &e), -EINVAL);
	tenv_teardown(&e);

	tenv_setup(&e, 14, 47, 1, 48, 48, false);
	map_ok(&e, 3 * SZ_32M, 0x80000000, 2, GS2_PROT_R, false);
	map_ok(&e, 0x4000, 0x8000, 3, GS2_PROT_R, false);
	expect_ok(&e, 3 * SZ_32M + 1, 0x80000001, 2, SZ_32M, 2);
	expect_ok(&e, 0x4001, 0x8001, 3, SZ_16K, 3);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 0, 1, GS2_PROT_RW,
				      false, tenv_alloc, &e), -EINVAL);
	tenv_teardown(&e);

	tenv_setup(&e, 16, 42, 2, 48, 48, false);
	map_ok(&e, SZ_512M, 0x100000000ULL, 2, GS2_PROT_W, false);
	map_ok(&e, SZ_64K, 0x20000, 3, GS2_PROT_W, false);
	expect_ok(&e, 2 * SZ_512M - 1, 0x100000000ULL + SZ_512M - 1, 2,
		  SZ_512M, 1);
	expect_ok(&e, SZ_64K + 2, 0x20002, 3, SZ_64K, 2);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 0, 1, GS2_PROT_RW,
				      false, tenv_alloc, &e), -EINVAL);
	tenv_teardown(&e);

	/* 4K starting at L2: no room for an L1 block */
	tenv_setup(&e, 12, 32, 2, 48, 48, false);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 0, 1, GS2_PROT_RW,
				      false, tenv_alloc, &e), -EINVAL);
	tenv_teardown(&e);
}

static void test_map_contiguous(void **state)
{
	struct tenv e;
	struct guest_s2_leaf leaf;
	struct guest_s2_trans t;
	unsigned int i;

	(void)state;
	tenv_setup(&e, 12, 40, 1, 48, 48, false);
	map_ok(&e, 0x10000, 0x80000000, 3, GS2_PROT_RW, true);
	for (i = 0; i < 16; i++) {
		u64 d = rd(&e, HEAP_BASE + SZ_4K + (16 + i) * 8);

		assert_int_equal(d, (0x80000000 + i * SZ_4K) | 0x100000000007ffULL);
		expect_ok(&e, 0x10000 + i * SZ_4K + 7,
			  0x80000000 + i * SZ_4K + 7, 3, SZ_4K, 3);
	}
	expect_fault(&e, 0x20000, GS2_FAULT_TRANSLATION, 3, 3);

	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, 0x1a000, &leaf), 0);
	assert_int_equal(leaf.nested_ipa, 0x1a000);
	assert_int_equal(leaf.canonical_ipa, 0x8000a000);
	assert_int_equal(leaf.size, SZ_4K);
	assert_int_equal(leaf.run_size, 0x10000);

	/* write-protecting one page of a run protects the whole run */
	assert_int_equal(guest_s2_set_prot(e.mem, &e.cfg, 0x13000, GS2_PROT_R),
			 0);
	for (i = 0; i < 16; i++) {
		assert_int_equal(guest_s2_walk(e.mem, &e.cfg,
					       0x10000 + i * SZ_4K, &t), 0);
		assert_false(t.writable);
	}

	/* unmapping any page of a run takes out all 16 entries */
	assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, 0x15008, &leaf), 0);
	assert_int_equal(leaf.nested_ipa, 0x15000);
	assert_int_equal(leaf.canonical_ipa, 0x80005000);
	assert_int_equal(leaf.run_size, 0x10000);
	assert_true(leaf.desc & GS2_DESC_CONT);
	for (i = 0; i < 16; i++) {
		assert_int_equal(rd(&e, HEAP_BASE + SZ_4K + (16 + i) * 8), 0);
		expect_fault(&e, 0x10000 + i * SZ_4K, GS2_FAULT_TRANSLATION,
			     3, 3);
	}
	assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, 0x15000, &leaf),
			 -ENOENT);

	/* contiguous 1G blocks: 16G, in the concatenated root */
	map_ok(&e, 0x800000000ULL, 0x400000000ULL, 1, GS2_PROT_RW, true);
	expect_ok(&e, 0x800000000ULL + 15 * SZ_1G + 0x123, 0x7c0000123ULL, 1,
		  SZ_1G, 1);
	expect_fault(&e, 0x800000000ULL + 16 * SZ_1G, GS2_FAULT_TRANSLATION,
		     1, 1);
	tenv_teardown(&e);

	/* 16K L3 runs are 128 entries (2M); 64K L2 runs 32 x 512M (16G) */
	tenv_setup(&e, 14, 36, 2, 48, 48, false);
	map_ok(&e, 2 * SZ_2M, 0x40000000, 3, GS2_PROT_RW, true);
	expect_ok(&e, 2 * SZ_2M + 127 * SZ_16K + 5, 0x40000000 + 127 * SZ_16K
		  + 5, 3, SZ_16K, 2);
	expect_fault(&e, 3 * SZ_2M, GS2_FAULT_TRANSLATION, 3, 2);
	assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, 2 * SZ_2M + SZ_16K,
					&leaf), 0);
	assert_int_equal(leaf.run_size, SZ_2M);
	expect_fault(&e, 2 * SZ_2M + 127 * SZ_16K, GS2_FAULT_TRANSLATION, 3, 2);
	tenv_teardown(&e);

	tenv_setup(&e, 16, 42, 2, 48, 48, false);
	map_ok(&e, 16 * SZ_1G, 0x800000000ULL, 2, GS2_PROT_RW, true);
	expect_ok(&e, 32 * SZ_1G - 1, 0x800000000ULL + 16 * SZ_1G - 1, 2,
		  SZ_512M, 1);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, SZ_1G, 0, 2, GS2_PROT_RW,
				      true, tenv_alloc, &e), -EINVAL);
	tenv_teardown(&e);

	/* a run must fit in the IA space: 16 x 1G does not fit in 8G */
	tenv_setup(&e, 12, 33, 1, 48, 48, false);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 0, 1, GS2_PROT_RW,
				      true, tenv_alloc, &e), -EINVAL);
	tenv_teardown(&e);
}

static void test_replace_block_by_table(void **state)
{
	struct tenv e;
	struct guest_s2_leaf leaf;

	(void)state;
	tenv_setup(&e, 12, 40, 1, 48, 48, false);
	map_ok(&e, SZ_1G + 4 * SZ_2M, 0x10000000, 2, GS2_PROT_RW, false);
	expect_ok(&e, SZ_1G + 4 * SZ_2M + 0x5000, 0x10005000, 2, SZ_2M, 2);
	assert_int_equal(e.nr_allocs, 1);

	/* a page inside the block: the block becomes an L3 table */
	map_ok(&e, SZ_1G + 4 * SZ_2M + 0x5000, 0x90000000, 3, GS2_PROT_R,
	       false);
	assert_int_equal(e.nr_allocs, 2);
	expect_ok(&e, SZ_1G + 4 * SZ_2M + 0x5abc, 0x90000abc, 3, SZ_4K, 3);
	/* the rest of the old block is now unmapped */
	expect_fault(&e, SZ_1G + 4 * SZ_2M, GS2_FAULT_TRANSLATION, 3, 3);
	expect_fault(&e, SZ_1G + 5 * SZ_2M - 1, GS2_FAULT_TRANSLATION, 3, 3);
	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, SZ_1G + 4 * SZ_2M,
					 &leaf), -ENOENT);
	assert_int_equal(rd(&e, HEAP_BASE + 4 * 8),
			 RAW_TABLE(HEAP_BASE + SZ_4K));

	/* the same through a 1G block, two new levels at once */
	map_ok(&e, 3 * SZ_1G, 0x40000000, 1, GS2_PROT_RW, false);
	map_ok(&e, 3 * SZ_1G + SZ_2M + SZ_4K, 0x7000, 3, GS2_PROT_RW, false);
	assert_int_equal(e.nr_allocs, 4);
	expect_ok(&e, 3 * SZ_1G + SZ_2M + SZ_4K, 0x7000, 3, SZ_4K, 3);
	expect_fault(&e, 3 * SZ_1G, GS2_FAULT_TRANSLATION, 2, 2);

	/* splitting one block of a contiguous run takes out the whole run */
	map_ok(&e, 16 * SZ_2M, 0x20000000, 2, GS2_PROT_RW, true);
	map_ok(&e, 20 * SZ_2M, 0x55000, 3, GS2_PROT_RW, false);
	expect_ok(&e, 20 * SZ_2M, 0x55000, 3, SZ_4K, 3);
	expect_fault(&e, 16 * SZ_2M, GS2_FAULT_TRANSLATION, 2, 2);
	expect_fault(&e, 31 * SZ_2M, GS2_FAULT_TRANSLATION, 2, 2);

	/* as does overwriting one page of a run with a plain page */
	map_ok(&e, 0x100000, 0x800000, 3, GS2_PROT_RW, true);
	map_ok(&e, 0x104000, 0x1000, 3, GS2_PROT_RW, false);
	expect_ok(&e, 0x104000, 0x1000, 3, SZ_4K, 3);
	/* seventh table page; entry 0x104 is a plain page now */
	assert_int_equal(e.nr_allocs, 7);
	assert_int_equal(rd(&e, HEAP_BASE + 6 * SZ_4K + 0x104 * 8),
			 0x1000 | 0x7ff);
	expect_fault(&e, 0x100000, GS2_FAULT_TRANSLATION, 3, 3);
	expect_fault(&e, 0x10f000, GS2_FAULT_TRANSLATION, 3, 3);
	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, 0x104000, &leaf), 0);
	assert_int_equal(leaf.run_size, SZ_4K);
	tenv_teardown(&e);
}

static void test_replace_table_by_block(void **state)
{
	struct tenv e;
	u64 l3;

	(void)state;
	tenv_setup(&e, 12, 40, 1, 48, 48, false);
	map_ok(&e, 0x200000, 0x1000, 3, GS2_PROT_RW, false);
	map_ok(&e, 0x3ff000, 0x2000, 3, GS2_PROT_RW, false);
	assert_int_equal(e.nr_allocs, 2);
	l3 = HEAP_BASE + SZ_4K;
	assert_int_equal(rd(&e, HEAP_BASE + 8), RAW_TABLE(l3));

	/* a 2M block over the L3 table: the table goes to free_table */
	map_ok(&e, 0x200000, 0x600000, 2, GS2_PROT_R, false);
	assert_int_equal(e.nr_frees, 1);
	assert_int_equal(e.last_freed, l3);
	assert_int_equal(e.last_freed_level, 3);
	expect_ok(&e, 0x3ff123, 0x7ff123, 2, SZ_2M, 2);
	expect_ok(&e, 0x200000, 0x600000, 2, SZ_2M, 2);

	/* a 1G block over a two-level subtree: deepest table first */
	map_ok(&e, SZ_1G + 0x5000, 0x5000, 3, GS2_PROT_R, false);
	map_ok(&e, SZ_1G + SZ_2M, 0x5000, 3, GS2_PROT_R, false);
	assert_int_equal(e.nr_frees, 1);
	map_ok(&e, SZ_1G, 0x80000000, 1, GS2_PROT_RW, false);
	assert_int_equal(e.nr_frees, 4);
	assert_int_equal(e.last_freed_level, 2);
	expect_ok(&e, SZ_1G + 0x5000, 0x80005000, 1, SZ_1G, 1);

	/* without a free callback the subtree is simply forgotten */
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 2 * SZ_1G + SZ_4K, 0x3000,
				      3, GS2_PROT_R, false, tenv_alloc, &e), 0);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 2 * SZ_1G, 0, 1,
				      GS2_PROT_R, false, tenv_alloc, &e), 0);
	assert_int_equal(e.nr_frees, 4);
	expect_ok(&e, 2 * SZ_1G + SZ_4K, SZ_4K, 1, SZ_1G, 1);
	tenv_teardown(&e);
}

static void test_map_errors(void **state)
{
	struct tenv e;
	struct guest_s2_leaf leaf;
	size_t bytes;

	(void)state;
	tenv_setup(&e, 12, 48, 0, 48, 48, false);
	map_ok(&e, 0, 0, 3, GS2_PROT_RW, false);
	bytes = l1_mem_bytes(e.mem);

	/* allocation failing half-way leaves the tree as it was */
	map_ok(&e, 1ULL << 39, 0x200000, 2, GS2_PROT_RW, false);
	assert_int_equal(e.nr_allocs, 5);
	e.limit = e.next + SZ_4K;
	assert_int_equal(guest_s2_map_free(e.mem, &e.cfg, 2ULL << 39, 0, 3,
					   GS2_PROT_RW, false, tenv_alloc,
					   tenv_free, &e), -ENOMEM);
	assert_int_equal(e.nr_frees, 1);
	assert_int_equal(rd(&e, ROOT + 2 * 8), 0);
	expect_fault(&e, 2ULL << 39, GS2_FAULT_TRANSLATION, 0, 1);
	/* a failing split keeps the block */
	e.fail_alloc = true;
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, (1ULL << 39) + SZ_4K, 0, 3,
				      GS2_PROT_RW, false, tenv_alloc, &e),
			 -ENOMEM);
	expect_ok(&e, (1ULL << 39) + SZ_4K, 0x201000, 2, SZ_2M, 3);
	e.fail_alloc = false;

	/* the allocator must hand out granule-aligned RAM */
	e.bad_alloc = ALLOC_MISALIGNED;
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 3ULL << 39, 0, 3,
				      GS2_PROT_RW, false, tenv_alloc, &e),
			 -EINVAL);
	e.bad_alloc = ALLOC_NOT_RAM;
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 3ULL << 39, 0, 3,
				      GS2_PROT_RW, false, tenv_alloc, &e),
			 -EINVAL);
	e.bad_alloc = ALLOC_GOOD;
	assert_int_equal(rd(&e, ROOT + 3 * 8), 0);

	/* a table outside RAM on the way */
	wr(&e, ROOT + 4 * 8, RAW_TABLE(0x800000000ULL));
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 4ULL << 39, 0, 3,
				      GS2_PROT_RW, false, tenv_alloc, &e),
			 -EFAULT);
	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, 4ULL << 39, &leaf),
			 -EFAULT);
	assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, 4ULL << 39, &leaf),
			 -EFAULT);
	/*
	 * A block over such a table is fine, but the table is not L1 RAM
	 * and so not something to hand back to the allocator.
	 */
	e.limit = RAM_BASE + RAM_SIZE;
	wr(&e, HEAP_BASE + 8, RAW_TABLE(0x800000000ULL));
	map_ok(&e, SZ_1G, 0x40000000, 1, GS2_PROT_RW, false);
	assert_int_equal(e.nr_frees, 1);
	expect_ok(&e, SZ_1G + 1, 0x40000001, 1, SZ_1G, 2);

	/* nothing there */
	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, 5ULL << 39, &leaf),
			 -ENOENT);
	assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, 5ULL << 39, NULL),
			 -ENOENT);
	/* a 4K L0 block is no leaf */
	wr(&e, ROOT + 6 * 8, RAW_BLOCK(0));
	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, 6ULL << 39, &leaf),
			 -ENOENT);
	/* nor an L3 block encoding */
	wr(&e, HEAP_BASE + 2 * SZ_4K + 8, RAW_BLOCK(0x1000));
	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, SZ_4K, &leaf),
			 -ENOENT);
	/* out of the IA range or unusable config */
	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, 1ULL << 48, &leaf),
			 -EINVAL);
	e.cfg.t0sz = 10;
	assert_int_equal(guest_s2_lookup(e.mem, &e.cfg, 0, &leaf), -EINVAL);
	assert_int_equal(guest_s2_map(e.mem, &e.cfg, 0, 0, 3, GS2_PROT_RW,
				      false, tenv_alloc, &e), -EINVAL);
	assert_true(l1_mem_bytes(e.mem) > bytes);
	tenv_teardown(&e);
}

static void test_unmap(void **state)
{
	struct tenv e;
	struct guest_s2_leaf leaf;

	(void)state;
	tenv_setup(&e, 16, 42, 2, 48, 48, false);
	map_ok(&e, 0x30000, 0x1230000, 3, GS2_PROT_RW, false);
	map_ok(&e, 2 * SZ_512M, 0x2000000000ULL, 2, GS2_PROT_R, false);

	assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, 0x3abcd, &leaf), 0);
	assert_int_equal(leaf.nested_ipa, 0x30000);
	assert_int_equal(leaf.canonical_ipa, 0x1230000);
	assert_int_equal(leaf.size, SZ_64K);
	assert_int_equal(leaf.level, 3);
	expect_fault(&e, 0x30000, GS2_FAULT_TRANSLATION, 3, 2);

	assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, 3 * SZ_512M - 1, &leaf),
			 0);
	assert_int_equal(leaf.nested_ipa, 2 * SZ_512M);
	assert_int_equal(leaf.canonical_ipa, 0x2000000000ULL);
	assert_int_equal(leaf.level, 2);
	assert_int_equal(leaf.desc & 0xc0, 0x40);
	expect_fault(&e, 2 * SZ_512M, GS2_FAULT_TRANSLATION, 2, 1);

	/* the emptied tables are left behind, but hold no backing */
	assert_int_equal(rd(&e, ROOT), RAW_TABLE(HEAP_BASE));
	assert_int_equal(l1_mem_bytes(e.mem), L1_MEM_PAGE_SIZE);
	tenv_teardown(&e);

	/*
	 * A hand-made contiguous 1G entry in an 8-entry root (33-bit IA):
	 * its run of 16 is cut at the end of the table, and whatever lies
	 * beyond the table is not L1's stage 2 and must survive.
	 */
	tenv_setup(&e, 12, 33, 1, 48, 48, false);
	assert_int_equal(guest_s2_root_size(&e.cfg), 64);
	wr(&e, ROOT, RAW_BLOCK(0x400000000ULL) | RAW_CONT);
	wr(&e, ROOT + 5 * 8, RAW_BLOCK(0x540000000ULL) | RAW_CONT);
	wr(&e, ROOT + 8 * 8, 0x5a5a5a5a);
	expect_ok(&e, 5 * SZ_1G + 3, 0x540000003ULL, 1, SZ_1G, 1);
	assert_int_equal(guest_s2_set_prot(e.mem, &e.cfg, 5 * SZ_1G,
					   GS2_PROT_R), 0);
	assert_int_equal(rd(&e, ROOT), RAW_BLOCK(0x400000000ULL) - 0x80 +
			 RAW_CONT);
	assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, 5 * SZ_1G, &leaf), 0);
	assert_int_equal(leaf.run_size, 16 * SZ_1G);
	assert_int_equal(rd(&e, ROOT), 0);
	assert_int_equal(rd(&e, ROOT + 5 * 8), 0);
	assert_int_equal(rd(&e, ROOT + 8 * 8), 0x5a5a5a5a);
	tenv_teardown(&e);
}

static void test_fsc(void **state)
{
	struct guest_s2_trans t = { .level = 2 };

	(void)state;
	t.fault = GS2_FAULT_TRANSLATION;
	assert_int_equal(guest_s2_fsc(&t), 0x06);
	t.fault = GS2_FAULT_ACCESS;
	assert_int_equal(guest_s2_fsc(&t), 0x0a);
	t.fault = GS2_FAULT_ADDR_SIZE;
	assert_int_equal(guest_s2_fsc(&t), 0x02);
	t.fault = GS2_FAULT_EXTABT;
	assert_int_equal(guest_s2_fsc(&t), 0x16);
	t.fault = GS2_FAULT_BAD_CONFIG;
	assert_int_equal(guest_s2_fsc(&t), 0x04);
}

/* ------------------------------------------------------------- random */

struct ref_map {
	u64 ipa, out, size;	/* size: the whole run when contiguous */
	u64 leaf_size;
	int level;
	unsigned int prot;
	bool live;
};

static bool ref_overlaps(const struct ref_map *m, size_t nr, u64 ipa,
			 u64 size)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (m[i].live && ipa < m[i].ipa + m[i].size &&
		    m[i].ipa < ipa + size)
			return true;
	}
	return false;
}

static const struct ref_map *ref_find(const struct ref_map *m, size_t nr,
				      u64 ipa)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (m[i].live && ipa >= m[i].ipa && ipa < m[i].ipa + m[i].size)
			return &m[i];
	}
	return NULL;
}

static void check_translation(struct tenv *e, const struct ref_map *m,
			      u64 ipa)
{
	struct guest_s2_trans t;

	assert_int_equal(guest_s2_walk(e->mem, &e->cfg, ipa, &t), 0);
	assert_int_equal(t.output, m->out + (ipa - m->ipa));
	assert_int_equal(t.level, m->level);
	assert_int_equal(t.block_size, m->leaf_size);
	assert_int_equal(t.readable, !!(m->prot & GS2_PROT_R));
	assert_int_equal(t.writable, !!(m->prot & GS2_PROT_W));
}

struct random_stats {
	unsigned int blocks, runs, unmaps, frees;
};

static void random_run(u64 *seed, unsigned int pgshift, unsigned int nmaps,
		       struct random_stats *st)
{
	struct ref_map *m = calloc(nmaps, sizeof(*m));
	unsigned int ia = 36 + rnd(seed) % 13, attempts = 0;
	int start, first_leaf, level;
	size_t nr = 0, i, live = 0;
	struct tenv e;

	assert_non_null(m);
	start = guest_s2_pick_start_level(pgshift, ia);
	/* sometimes one level deeper in, with concatenation instead */
	if (start < 3 && rnd(seed) % 2) {
		u64 vtcr = guest_s2_make_vtcr(pgshift, ia, start + 1, 48,
					      false);
		struct guest_s2_cfg c;

		guest_s2_cfg_from_regs(&c, 0, vtcr, 48);
		if (guest_s2_root_size(&c))
			start++;
	}
	tenv_setup(&e, pgshift, ia, start, 48, 48, false);
	assert_int_not_equal(guest_s2_root_size(&e.cfg), 0);
	first_leaf = pgshift == 12 ? 1 : 2;
	if (first_leaf < start)
		first_leaf = start;

	while (nr < nmaps && attempts++ < nmaps * 20) {
		u64 leaf, run, ipa, out, span = 1ULL << ia;
		unsigned int n = 1, prot = rnd(seed) % 4;
		bool cont;

		/* mostly pages, some blocks */
		level = 3 - (int)(rnd(seed) % 8 == 0) - (int)(rnd(seed) % 16 == 0);
		if (level < first_leaf)
			level = first_leaf;
		cont = rnd(seed) % 6 == 0;
		leaf = guest_s2_level_size(pgshift, level);
		if (cont)
			n = guest_s2_contig_entries(pgshift, level);
		run = leaf * n;
		if (run > span / 4)
			continue;
		/* cluster addresses so that tables get shared */
		ipa = (rnd(seed) % (span / run)) * run;
		if (rnd(seed) % 2)
			ipa &= ~(GENMASK_ULL(ia - 1, 30) & rnd(seed));
		out = (rnd(seed) % ((1ULL << 40) / run)) * run;

		if (rnd(seed) % 8 == 0 && nr) {
			/* unmap something that is mapped */
			struct ref_map *v = &m[rnd(seed) % nr];
			struct guest_s2_leaf old;
			u64 at;

			if (!v->live)
				continue;
			at = v->ipa + rnd(seed) % v->size;
			assert_int_equal(guest_s2_unmap(e.mem, &e.cfg, at, &old),
					 0);
			assert_int_equal(old.run_size, v->size);
			assert_int_equal(old.size, v->leaf_size);
			v->live = false;
			st->unmaps++;
			continue;
		}
		if (ref_overlaps(m, nr, ipa, run))
			continue;

		map_ok(&e, ipa, out, level, prot, cont);
		m[nr].ipa = ipa;
		m[nr].out = out;
		m[nr].size = run;
		m[nr].leaf_size = leaf;
		m[nr].level = level;
		m[nr].prot = prot;
		m[nr].live = true;
		nr++;
		st->blocks += level < 3;
		st->runs += cont;
	}
	assert_true(nr > nmaps / 2);

	for (i = 0; i < nr; i++) {
		struct guest_s2_trans t;
		u64 ipa;

		if (!m[i].live) {
			/* what was unmapped (and not remapped) faults */
			if (!ref_find(m, nr, m[i].ipa)) {
				assert_int_equal(guest_s2_walk(e.mem, &e.cfg,
							       m[i].ipa, &t), 1);
				assert_int_equal(t.fault,
						 GS2_FAULT_TRANSLATION);
			}
			continue;
		}
		live++;
		check_translation(&e, &m[i], m[i].ipa);
		check_translation(&e, &m[i], m[i].ipa + m[i].size - 1);
		ipa = m[i].ipa + rnd(seed) % m[i].size;
		check_translation(&e, &m[i], ipa);
	}
	assert_true(live > nmaps / 3);

	/* random holes fault */
	for (i = 0; i < 2000; i++) {
		u64 ipa = rnd(seed) & ((1ULL << ia) - 1);
		struct guest_s2_trans t;

		if (rnd(seed) % 2 && nr)
			ipa = m[rnd(seed) % nr].ipa + (ipa & 0xfffffULL) * 8 *
			      (rnd(seed) % 3);
		ipa &= (1ULL << ia) - 1;
		if (ref_find(m, nr, ipa))
			continue;
		assert_int_equal(guest_s2_walk(e.mem, &e.cfg, ipa, &t), 1);
		assert_int_equal(t.fault, GS2_FAULT_TRANSLATION);
	}
	st->frees += e.nr_frees;
	free(m);
	tenv_teardown(&e);
}

static void test_random_maps(void **state)
{
	u64 seed = 0x9e3779b97f4a7c15ULL;
	struct random_stats st = { 0 };
	int run;

	(void)state;
	/* every granule at least once, then whichever the dice say */
	for (run = 0; run < 9; run++) {
		unsigned int pgshift = 12 + 2 * (run < 3 ? (unsigned int)run :
						     rnd(&seed) % 3);

		random_run(&seed, pgshift, 3000, &st);
	}
	/* the mix did exercise blocks, runs, unmaps and table reuse */
	assert_true(st.blocks > 500);
	assert_true(st.runs > 500);
	assert_true(st.unmaps > 500);
	assert_true(st.frees > 0);
	print_message("# random: %u blocks, %u runs, %u unmaps, %u freed tables\n",
		      st.blocks, st.runs, st.unmaps, st.frees);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_l1_mem_ram_ranges),
		cmocka_unit_test(test_l1_mem_access),
		cmocka_unit_test(test_l1_mem_zero),
		cmocka_unit_test(test_l1_mem_random),
		cmocka_unit_test(test_level_sizes),
		cmocka_unit_test(test_make_vtcr_values),
		cmocka_unit_test(test_make_vtcr_roundtrip),
		cmocka_unit_test(test_pick_start_level),
		cmocka_unit_test(test_root_size),
		cmocka_unit_test(test_walk_4k_l1_start),
		cmocka_unit_test(test_walk_4k_l0_start),
		cmocka_unit_test(test_walk_4k_l2_start),
		cmocka_unit_test(test_walk_16k),
		cmocka_unit_test(test_walk_64k),
		cmocka_unit_test(test_walk_bad_config),
		cmocka_unit_test(test_walk_access_flag),
		cmocka_unit_test(test_walk_addr_size),
		cmocka_unit_test(test_walk_extabt),
		cmocka_unit_test(test_walk_contiguous),
		cmocka_unit_test(test_walk_permissions),
		cmocka_unit_test(test_map_blocks_every_level),
		cmocka_unit_test(test_map_contiguous),
		cmocka_unit_test(test_replace_block_by_table),
		cmocka_unit_test(test_replace_table_by_block),
		cmocka_unit_test(test_map_errors),
		cmocka_unit_test(test_unmap),
		cmocka_unit_test(test_fsc),
		cmocka_unit_test(test_random_maps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

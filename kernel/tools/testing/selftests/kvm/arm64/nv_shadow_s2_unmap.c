// SPDX-License-Identifier: GPL-2.0-only
/*
 * nv_shadow_s2_unmap - L2 memory must survive host unmaps of L1 memory
 *
 * The guest starts at virtual EL2 and is a minimal guest hypervisor (L1):
 * it builds stage-2 tables for NR_CTX L2 contexts, each with its own VMID,
 * maps their memory with 4K pages and a 2M block, with aliases (two nested
 * IPAs on one canonical page, in one context and across contexts), and runs
 * them in turn at EL1 with ERET. L2 checks an address-derived pattern in
 * all of its memory, rewrites part of it, and calls L1 with HVC; L1 checks
 * what L2 wrote through its own mapping of the canonical pages, writes some
 * pages itself, changes its stage-2 tables (break-before-make with the TLBIs
 * a real L1 issues) and maps what L2 faults on.
 *
 * Meanwhile host threads keep invalidating the VM's memory without changing
 * its content (mprotect round trips, MADV_PAGEOUT, KSM, compaction, THP
 * collapse and split), and the host zaps a page now and then at L1's request
 * (MADV_DONTNEED), which L1 then initialises again. A shadow stage-2 entry
 * that outlived the canonical mapping it was made from shows up as wrong
 * data, in L2 or in L1.
 *
 * Copyright 2026 The nvrmap authors
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <linux/sizes.h>

#include "kvm_util.h"
#include "processor.h"
#include "test_util.h"
#include "ucall.h"

#include <asm/sysreg.h>

#define NR_CTX		3
#define NR_WIN		32	/* 4K pages in each context's window */
#define NR_ALIAS	8	/* window pages with a second nested IPA */
#define NR_SHARED	64	/* canonical 4K pages the windows draw from */
#define BLOCK_STEP	64	/* L2 checks every 64th page of its block */
#define NR_SAMPLES	4

#define POOL_GPA	0x40000000UL
#define POOL_SIZE	SZ_8M
#define POOL_PAGES	(POOL_SIZE / SZ_4K)
#define BLOCK_PAGE0	(SZ_4M / SZ_4K)	/* first page of the 2M blocks */

#define PRIV_GPA	0x30000000UL	/* L1's own: tables, mailbox, stacks */
#define PRIV_PAGES	256
#define MBOX_GPA	PRIV_GPA
#define MBOX_PAGES	4
#define STACK_GPA	(PRIV_GPA + MBOX_PAGES * SZ_4K)
#define TABLE_GPA	(STACK_GPA + NR_CTX * SZ_4K)

/* The nested IPA space of every context (39 bits, 3 levels of 4K) */
#define MBOX_NIPA	0x70000000UL
#define STACK_NIPA	(MBOX_NIPA + MBOX_PAGES * SZ_4K)
#define WIN_NIPA	0x80000000UL
#define ALIAS_NIPA	0x80200000UL
#define BLOCK_NIPA	0x80400000UL

#define S2_VALID	BIT(0)
#define S2_TABLE	BIT(1)
#define S2_PAGE		BIT(1)
#define S2_ATTR		(GENMASK(5, 2) | GENMASK(9, 6) | BIT(10))
#define S2_ADDR		GENMASK(47, 12)

#define VTCR_L2		(25 | (1 << 6) | (1 << 8) | (1 << 10) | (3 << 12) | \
			 (2 << 16) | BIT(31))
#define HCR_L2		(HCR_EL2_E2H | HCR_EL2_RW | HCR_EL2_VM)
#define SPSR_L2		0x3c5	/* EL1h, DAIF masked */
#define SCTLR_L2	0x30d00800	/* RES1 bits, stage 1 off */

#define SYNC_TICK	1	/* every TICK rounds: storm budget, zap */
#define TICK		4

#define L1_VER		BIT(29)	/* versions that L1 wrote */
#define CODE_PAGES	2	/* l2_round() and what follows */

struct mailbox {
	u16 map[NR_CTX][NR_WIN];	/* window page -> canonical page */
	u64 block[NR_CTX];		/* canonical page of each 2M block */
	u32 ver[POOL_PAGES];		/* version of each canonical page */
};

/* Set by the host before the guest runs */
static u64 nr_rounds;
static u64 code_start, code_pages;
static u64 code_gpa[CODE_PAGES];
static bool skip_tlbi;	/* -n: a guest hypervisor bug the test must catch */

/* L1's state */
static u64 s2_root[NR_CTX];
static u64 next_table = TABLE_GPA;
static u64 cur_ctx;
static u64 l1_s2_faults, l1_tlbis, l1_remaps, l1_zaps;

/* The pattern of word @w of canonical page @idx at version @ver. */
static __always_inline u64 pattern(u64 idx, u64 ver, u64 w)
{
	/* Every fourth page looks like others of its version: KSM merges them. */
	u64 tag = idx % 4 == 3 ? 0 : idx + 1;

	return BIT_ULL(63) | tag << 40 | ver << 10 | w;
}

static __always_inline u64 sample(u64 i)
{
	return (i * 173 + 1) % 512;
}

static __always_inline u64 rd(u64 addr)
{
	return READ_ONCE(*(u64 *)addr);
}

static __always_inline void wr(u64 addr, u64 val)
{
	WRITE_ONCE(*(u64 *)addr, val);
}

/*
 * L2, at EL1 with stage 1 off: one round in context @c. It sees only its
 * nested IPA space (the mailbox, its stack, its window, its aliases and its
 * block, and the code), so it uses no global and calls no function.
 */
static void l2_round(u64 r, u64 c)
{
	struct mailbox *mb = (struct mailbox *)MBOX_NIPA;
	u64 errs = 0, bad = 0, got = 0, want = 0;
	u64 j, i, p, base, idx, ver, v;

	for (j = 0; j < NR_WIN; j++) {
		idx = mb->map[c][j];
		ver = mb->ver[idx];
		base = (r & 1) && j < NR_ALIAS ? ALIAS_NIPA : WIN_NIPA;
		base += j * SZ_4K;
		for (i = 0; i < NR_SAMPLES; i++) {
			v = rd(base + sample(i) * 8);
			if (v != pattern(idx, ver, sample(i)) && !errs++) {
				bad = base + sample(i) * 8;
				got = v;
				want = pattern(idx, ver, sample(i));
			}
		}
	}
	for (p = 0; p < 512; p += BLOCK_STEP) {
		idx = mb->block[c] + p;
		ver = mb->ver[idx];
		for (i = 0; i < NR_SAMPLES; i++) {
			v = rd(BLOCK_NIPA + p * SZ_4K + sample(i) * 8);
			if (v != pattern(idx, ver, sample(i)) && !errs++) {
				bad = BLOCK_NIPA + p * SZ_4K + sample(i) * 8;
				got = v;
				want = pattern(idx, ver, sample(i));
			}
		}
	}

	/* Rewrite an eighth of the window, every other time by its alias */
	for (j = (r / NR_CTX) % 8; j < NR_WIN; j += 8) {
		idx = mb->map[c][j];
		base = (r & 2) && j < NR_ALIAS ? ALIAS_NIPA : WIN_NIPA;
		base += j * SZ_4K;
		for (i = 0; i < 512; i++)
			wr(base + i * 8, pattern(idx, r + 1, i));
	}
	/* and two pages of the block */
	for (p = (r * 67) % 512, j = 0; j < 2; j++, p = (p + 256) % 512) {
		idx = mb->block[c] + p;
		for (i = 0; i < 512; i++)
			wr(BLOCK_NIPA + p * SZ_4K + i * 8, pattern(idx, r + 1, i));
	}

	{
		register u64 x0 asm("x0") = r;
		register u64 x1 asm("x1") = errs;
		register u64 x2 asm("x2") = bad;
		register u64 x3 asm("x3") = got;
		register u64 x4 asm("x4") = want;

		asm volatile("hvc #0" : : "r"(x0), "r"(x1), "r"(x2), "r"(x3),
			     "r"(x4) : "memory");
	}
	for (;;)
		asm volatile("wfi");
}

static struct mailbox *l1_mbox(void)
{
	return (struct mailbox *)MBOX_GPA;
}

static u64 *table_alloc(void)
{
	u64 *t = (u64 *)next_table;

	GUEST_ASSERT(next_table < PRIV_GPA + PRIV_PAGES * SZ_4K);
	next_table += SZ_4K;
	memset(t, 0, SZ_4K);
	return t;
}

/* The descriptor of @nipa at @level (2: 2M, 3: 4K) in context @c. */
static u64 *s2_desc(u64 c, u64 nipa, int level)
{
	u64 *table = (u64 *)s2_root[c];
	int l, shift;

	for (l = 1; l < level; l++) {
		u64 *d = &table[(nipa >> (39 - 9 * l)) & 511];

		if (!(*d & S2_VALID))
			WRITE_ONCE(*d, (u64)table_alloc() | S2_TABLE | S2_VALID);
		table = (u64 *)(*d & S2_ADDR);
	}
	shift = 39 - 9 * level;
	return &table[(nipa >> shift) & 511];
}

static void s2_map(u64 c, u64 nipa, u64 gpa, int level)
{
	u64 desc = gpa | S2_ATTR | S2_VALID | (level == 3 ? S2_PAGE : 0);

	WRITE_ONCE(*s2_desc(c, nipa, level), desc);
	dsb(ishst);
}

/* Break: the TLBIs that a guest hypervisor issues for one nested IPA. */
static void s2_unmap(u64 c, u64 nipa, int level)
{
	WRITE_ONCE(*s2_desc(c, nipa, level), 0);
	dsb(ishst);
	if (skip_tlbi)
		return;
	asm volatile("tlbi ipas2e1is, %0" : : "r"(nipa >> 12));
	dsb(ish);
	asm volatile("tlbi vmalle1is");
	dsb(ish);
	isb();
	l1_tlbis++;
}

/* What L1 maps at @nipa of context @c, on demand. */
static void s2_fault_in(u64 c, u64 nipa)
{
	struct mailbox *mb = l1_mbox();
	u64 j;

	nipa &= ~(SZ_4K - 1);
	if (nipa >= WIN_NIPA && nipa < WIN_NIPA + NR_WIN * SZ_4K) {
		j = (nipa - WIN_NIPA) / SZ_4K;
		s2_map(c, nipa, POOL_GPA + mb->map[c][j] * SZ_4K, 3);
	} else if (nipa >= ALIAS_NIPA && nipa < ALIAS_NIPA + NR_ALIAS * SZ_4K) {
		j = (nipa - ALIAS_NIPA) / SZ_4K;
		s2_map(c, nipa, POOL_GPA + mb->map[c][j] * SZ_4K, 3);
	} else if (nipa >= BLOCK_NIPA && nipa < BLOCK_NIPA + SZ_2M) {
		s2_map(c, BLOCK_NIPA, POOL_GPA + mb->block[c] * SZ_4K, 2);
	} else {
		__GUEST_ASSERT(0, "ctx %lu: stage-2 fault at nested IPA 0x%lx, ELR 0x%lx ESR 0x%lx",
			       c, nipa, read_sysreg(elr_el2), read_sysreg(esr_el2));
	}
	l1_s2_faults++;
}

static void s2_build(u64 c)
{
	u64 i;

	s2_root[c] = (u64)table_alloc();
	for (i = 0; i < code_pages; i++)
		s2_map(c, code_start + i * SZ_4K, code_gpa[i], 3);
	for (i = 0; i < MBOX_PAGES; i++)
		s2_map(c, MBOX_NIPA + i * SZ_4K, MBOX_GPA + i * SZ_4K, 3);
	s2_map(c, STACK_NIPA, STACK_GPA + c * SZ_4K, 3);
}

static void page_fill(u64 idx, u64 ver)
{
	u64 i, va = POOL_GPA + idx * SZ_4K;

	for (i = 0; i < 512; i++)
		wr(va + i * 8, pattern(idx, ver, i));
	l1_mbox()->ver[idx] = ver;
}

static void page_check(u64 r, u64 idx)
{
	u64 ver = l1_mbox()->ver[idx], i, v;

	for (i = 0; i < NR_SAMPLES; i++) {
		v = rd(POOL_GPA + idx * SZ_4K + sample(i) * 8);
		__GUEST_ASSERT(v == pattern(idx, ver, sample(i)),
			       "round %lu: L1 reads 0x%lx at canonical 0x%lx, expected 0x%lx",
			       r, v, POOL_GPA + idx * SZ_4K + sample(i) * 8,
			       pattern(idx, ver, sample(i)));
	}
}

/* Enter round @r: the context's VMID and tables, L2's registers. */
static void l1_enter(struct ex_regs *regs, u64 r)
{
	cur_ctx = r % NR_CTX;
	write_sysreg(s2_root[cur_ctx] | (cur_ctx + 1) << 48, vttbr_el2);
	write_sysreg(STACK_NIPA + SZ_4K, sp_el1);
	isb();
	regs->pc = (u64)l2_round;
	regs->pstate = SPSR_L2;
	regs->regs[0] = r;
	regs->regs[1] = cur_ctx;
}

/* Swap the canonical pages of two window pages: break, TLBI, make lazily */
static void l1_remap(u64 c, u64 j1, u64 j2)
{
	struct mailbox *mb = l1_mbox();
	u16 t;

	s2_unmap(c, WIN_NIPA + j1 * SZ_4K, 3);
	s2_unmap(c, WIN_NIPA + j2 * SZ_4K, 3);
	if (j1 < NR_ALIAS)
		s2_unmap(c, ALIAS_NIPA + j1 * SZ_4K, 3);
	if (j2 < NR_ALIAS)
		s2_unmap(c, ALIAS_NIPA + j2 * SZ_4K, 3);
	t = mb->map[c][j1];
	mb->map[c][j1] = mb->map[c][j2];
	mb->map[c][j2] = t;
	l1_remaps++;
}

static void l1_after_round(u64 r, u64 c)
{
	struct mailbox *mb = l1_mbox();
	u64 j, p, idx;

	/* What L2 wrote, read back through L1's own mapping */
	for (j = (r / NR_CTX) % 8; j < NR_WIN; j += 8) {
		mb->ver[mb->map[c][j]] = r + 1;
		page_check(r, mb->map[c][j]);
	}
	for (p = (r * 67) % 512, j = 0; j < 2; j++, p = (p + 256) % 512) {
		mb->ver[mb->block[c] + p] = r + 1;
		page_check(r, mb->block[c] + p);
	}

	/* L1 writes a page that other contexts map too */
	page_fill((r * 13) % NR_SHARED, (r + 1) | L1_VER);

	/* Stage-2 changes with their TLBIs, for the context that ran */
	if (r % 8 == 7)
		l1_remap(c, (r / 8) % NR_WIN, (r / 8 + 21) % NR_WIN);
	if (r % 32 == 15)
		s2_unmap(c, BLOCK_NIPA, 2);
	if (r % 64 == 31) {
		asm volatile("tlbi vmalls12e1is");
		dsb(ish);
		isb();
		l1_tlbis++;
	}

	/*
	 * Every TICK rounds the host gets its budget of unmaps for the next
	 * TICK rounds, and every 4 ticks it zaps a page, which L1 then
	 * initialises again.
	 */
	if (r % TICK == TICK - 1) {
		idx = (r * 7) % NR_SHARED;
		if (r % (4 * TICK) != TICK - 1) {
			GUEST_SYNC2(SYNC_TICK, 0);
			return;
		}
		GUEST_SYNC2(SYNC_TICK, POOL_GPA + idx * SZ_4K);
		GUEST_ASSERT_EQ(rd(POOL_GPA + idx * SZ_4K), 0);
		page_fill(idx, (r + 1) | L1_VER);
		l1_zaps++;
	}
}

static void l1_hvc(struct ex_regs *regs)
{
	u64 r = regs->regs[0];

	__GUEST_ASSERT(!regs->regs[1],
		       "round %lu ctx %lu: L2 read %lu wrong words, first 0x%lx at nested IPA 0x%lx, expected 0x%lx",
		       r, cur_ctx, regs->regs[1], regs->regs[3], regs->regs[2],
		       regs->regs[4]);
	l1_after_round(r, cur_ctx);
	if (r + 1 == nr_rounds) {
		GUEST_SYNC6(0, l1_s2_faults, l1_tlbis, l1_remaps, l1_zaps, r + 1);
		GUEST_DONE();
	}
	l1_enter(regs, r + 1);
}

static void l1_abort(struct ex_regs *regs)
{
	/* HPFAR_EL2.FIPA holds bits 51:12 of the faulting nested IPA */
	s2_fault_in(cur_ctx, (read_sysreg(hpfar_el2) & GENMASK(43, 4)) << 8);
}

static void l1_main(void)
{
	struct mailbox *mb = l1_mbox();
	struct ex_regs regs = {};
	u64 c, j, idx;

	GUEST_ASSERT_EQ(get_current_el(), 2);

	for (idx = 0; idx < POOL_PAGES; idx++)
		page_fill(idx, 0);
	for (c = 0; c < NR_CTX; c++) {
		for (j = 0; j < NR_WIN; j++)
			mb->map[c][j] = (j * 5 + c * 37) % NR_SHARED;
		mb->block[c] = BLOCK_PAGE0 + (c % 2) * 512;
		s2_build(c);
	}

	write_sysreg(VTCR_L2, vtcr_el2);
	write_sysreg_s(SCTLR_L2, SYS_SCTLR_EL12);
	write_sysreg_s(3 << 20, SYS_CPACR_EL12);
	write_sysreg(HCR_L2, hcr_el2);
	isb();

	l1_enter(&regs, 0);
	{
		register u64 x0 asm("x0") = regs.regs[0];
		register u64 x1 asm("x1") = regs.regs[1];

		asm volatile("msr elr_el2, %2\n"
			     "msr spsr_el2, %3\n"
			     "isb\n"
			     "eret\n"
			     : : "r"(x0), "r"(x1), "r"(regs.pc), "r"(regs.pstate)
			     : "memory");
	}
	GUEST_FAIL("L2 returned to L1's entry");
}

/* --- the host -------------------------------------------------------------- */

enum storm {
	STORM_MPROTECT,
	STORM_PAGEOUT,
	STORM_KSM,
	STORM_COMPACT,
	STORM_THP,
	NR_STORMS,
};

static const char * const storm_names[NR_STORMS] = {
	"mprotect", "pageout", "ksm", "compact", "thp",
};

static u8 *pool;
static bool stop;
static int budget;	/* unmaps that the storm threads may still do */
static bool verbose;
static u32 storm_mask = BIT(NR_STORMS) - 1;
static u64 storm_ops[NR_STORMS];
static u64 storm_errs[NR_STORMS];

static void storm_count(int s, int ret)
{
	__atomic_add_fetch(ret ? &storm_errs[s] : &storm_ops[s], 1,
			   __ATOMIC_RELAXED);
}

static u64 ksm_read(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/mm/ksm/%s", name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* One unmap of part of L2's memory that keeps its content. */
static void storm_one(unsigned int *seed)
{
	u64 off = (rand_r(seed) % POOL_PAGES) * SZ_4K;
	u64 len = SZ_4K * (1 + rand_r(seed) % 16);
	u64 blk = (rand_r(seed) % (POOL_SIZE / SZ_2M)) * SZ_2M;
	int s = rand_r(seed) % NR_STORMS;
	u64 scans;
	int fd, i;

	while (!(storm_mask & BIT(s)))
		s = (s + 1) % NR_STORMS;

	if (off + len > POOL_SIZE)
		len = POOL_SIZE - off;
	if (verbose)
		pr_info("storm %s: offset 0x%lx length 0x%lx block 0x%lx\n",
			storm_names[s], off, len, blk);
	switch (s) {
	case STORM_MPROTECT:
		/* A change of protection unmaps; the memory stays writable. */
		storm_count(s, mprotect(pool + off, len,
					PROT_READ | PROT_WRITE | PROT_EXEC));
		storm_count(s, mprotect(pool + off, len, PROT_READ | PROT_WRITE));
		break;
	case STORM_PAGEOUT:
		storm_count(s, madvise(pool + off, len, MADV_PAGEOUT));
		break;
	case STORM_KSM:
		/*
		 * Let ksmd merge what it can in a block for two full scans,
		 * then unmerge it. Left mergeable, ksmd would write-protect
		 * and merge its pages every few milliseconds, and a kernel
		 * that unmaps every shadow stage-2 on each of those would
		 * leave L2 no time to fault its memory back in.
		 */
		scans = ksm_read("full_scans");
		storm_count(s, madvise(pool + blk, SZ_2M, MADV_MERGEABLE));
		for (i = 0; i < 1000 && ksm_read("full_scans") < scans + 2; i++)
			usleep(5000);
		storm_count(s, madvise(pool + blk, SZ_2M, MADV_UNMERGEABLE));
		break;
	case STORM_COMPACT:
		fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
		storm_count(s, fd < 0 || write(fd, "1", 1) != 1);
		if (fd >= 0)
			close(fd);
		break;
	case STORM_THP:
		storm_count(s, madvise(pool + blk, SZ_2M, MADV_NOHUGEPAGE));
		storm_count(s, madvise(pool + blk, SZ_2M, MADV_HUGEPAGE));
		storm_count(s, madvise(pool + blk, SZ_2M, MADV_COLLAPSE));
		break;
	}
}

/*
 * The storm threads run concurrently with the vCPU, but within a budget
 * that the vCPU thread raises every TICK rounds: both kernels see the same
 * number of host unmaps for the same number of rounds.
 */
static void *storm_thread(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	int left;

	while (!READ_ONCE(stop)) {
		left = __atomic_load_n(&budget, __ATOMIC_RELAXED);
		if (left <= 0 ||
		    !__atomic_compare_exchange_n(&budget, &left, left - 1, false,
						 __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			usleep(200);
			continue;
		}
		storm_one(&seed);
	}
	return NULL;
}

/*
 * What shows the storms at work: counters of /proc/vmstat (absent without
 * CONFIG_VM_EVENT_COUNTERS), swap in use, and the KSM counters.
 */
static const char * const vmstat_names[] = {
	"pswpout", "pswpin", "pgmigrate_success", "thp_collapse_alloc",
	"thp_split_pmd", "cow_ksm",
};

#define NR_VMSTAT ARRAY_SIZE(vmstat_names)

static int vmstat_read(const char *file, const char *name, u64 *val)
{
	char key[64];
	unsigned long long v;
	int found = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		return 0;
	while (!found && fscanf(f, "%63s %llu%*[^\n]", key, &v) == 2) {
		if (!strcmp(key, name)) {
			*val = v;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static void print_debugfs(struct kvm_vm *vm)
{
	char path[128], key[64];
	unsigned long long val;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/kvm/%d-%d/nested_revmap",
		 getpid(), vm->fd);
	f = fopen(path, "r");
	if (!f) {
		printf("E2E-STAT revmap_debugfs absent\n");
		return;
	}
	while (fscanf(f, "%63s %llu", key, &val) == 2)
		printf("E2E-STAT revmap_%s %llu\n", key, val);
	fclose(f);
}

static void help(const char *name)
{
	printf("usage: %s [-r rounds] [-t threads] [-b budget] [-S storms] [-s] [-n] [-v]\n"
	       "  -r  L1<->L2 round trips (default 1000)\n"
	       "  -t  host threads unmapping L1 memory (default 2)\n"
	       "  -b  host unmaps every %d rounds (default 1)\n"
	       "  -S  storms, comma-separated: mprotect,pageout,ksm,compact,thp (default all)\n"
	       "  -s  no storms (same as -t 0)\n"
	       "  -n  L1 leaves out its TLBIs: the test must fail (a check of the check)\n"
	       "  -v  print every tick and every host unmap\n", name, TICK);
	exit(KSFT_SKIP);
}

int main(int argc, char *argv[])
{
	u64 rounds = 1000, zaps = 0, ticks = 0, gva, start, end;
	u64 vm0[NR_VMSTAT], vm1, ksm_scans, swap_total = 0, swap_free = 0;
	int nr_threads = 2, per_tick = 1, opt, i;
	struct kvm_vcpu_init init;
	struct kvm_vcpu *vcpu[2];
	pthread_t threads[8];
	struct kvm_vm *vm;
	struct ucall uc;

	while ((opt = getopt(argc, argv, "r:t:b:S:snvh")) != -1) {
		switch (opt) {
		case 'r':
			rounds = atoll(optarg);
			break;
		case 't':
			nr_threads = atoi(optarg);
			break;
		case 'b':
			per_tick = atoi(optarg);
			break;
		case 's':
			nr_threads = 0;
			break;
		case 'v':
			verbose = true;
			break;
		case 'n':
			skip_tlbi = true;
			break;
		case 'S':
			storm_mask = 0;
			for (i = 0; i < NR_STORMS; i++)
				if (strstr(optarg, storm_names[i]))
					storm_mask |= BIT(i);
			break;
		default:
			help(argv[0]);
		}
	}
	TEST_ASSERT(rounds > 0 && nr_threads >= 0 && nr_threads <= 8 &&
		    per_tick >= 0 && storm_mask, "bad arguments");
	TEST_REQUIRE(kvm_check_cap(KVM_CAP_ARM_EL2));

	/*
	 * Two vCPUs, of which only the first runs, so that KVM has four
	 * nested MMUs for the NR_CTX contexts.
	 */
	vm = vm_create(2);
	kvm_get_default_vcpu_target(vm, &init);
	init.features[0] |= BIT(KVM_ARM_VCPU_HAS_EL2);
	vcpu[0] = aarch64_vcpu_add(vm, 0, &init, l1_main);
	vcpu[1] = aarch64_vcpu_add(vm, 1, &init, l1_main);
	kvm_arch_vm_finalize_vcpus(vm);

	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS_THP, POOL_GPA, 1,
				    POOL_PAGES, 0);
	virt_map(vm, POOL_GPA, POOL_GPA, POOL_PAGES);
	vm_userspace_mem_region_add(vm, VM_MEM_SRC_ANONYMOUS, PRIV_GPA, 2,
				    PRIV_PAGES, 0);
	virt_map(vm, PRIV_GPA, PRIV_GPA, PRIV_PAGES);
	pool = addr_gpa2hva(vm, POOL_GPA);

	/* L2 runs l2_round() at L1's address for it, with stage 1 off. */
	start = (u64)l2_round & ~(SZ_4K - 1);
	end = start + CODE_PAGES * SZ_4K;
	code_start = start;
	code_pages = CODE_PAGES;
	for (gva = start; gva < end; gva += SZ_4K)
		code_gpa[(gva - start) / SZ_4K] = addr_gva2gpa(vm, gva);
	nr_rounds = rounds;
	sync_global_to_guest(vm, code_start);
	sync_global_to_guest(vm, code_pages);
	sync_global_to_guest(vm, code_gpa);
	sync_global_to_guest(vm, nr_rounds);
	sync_global_to_guest(vm, skip_tlbi);

	vm_init_descriptor_tables(vm);
	vcpu_init_descriptor_tables(vcpu[0]);
	vm_install_sync_handler(vm, VECTOR_SYNC_LOWER_64, ESR_ELx_EC_HVC64, l1_hvc);
	vm_install_sync_handler(vm, VECTOR_SYNC_LOWER_64, ESR_ELx_EC_DABT_LOW,
				l1_abort);
	vm_install_sync_handler(vm, VECTOR_SYNC_LOWER_64, ESR_ELx_EC_IABT_LOW,
				l1_abort);

	for (i = 0; i < (int)NR_VMSTAT; i++)
		if (!vmstat_read("/proc/vmstat", vmstat_names[i], &vm0[i]))
			vm0[i] = ~0ULL;
	ksm_scans = ksm_read("full_scans");
	for (i = 0; i < nr_threads; i++)
		pthread_create(&threads[i], NULL, storm_thread,
			       (void *)(unsigned long)(i + 1));

	for (;;) {
		vcpu_run(vcpu[0]);
		switch (get_ucall(vcpu[0], &uc)) {
		case UCALL_SYNC:
			if (uc.args[0] == SYNC_TICK) {
				if (uc.args[1]) {
					TEST_ASSERT(!madvise(addr_gpa2hva(vm, uc.args[1]),
							     SZ_4K, MADV_DONTNEED),
						    "MADV_DONTNEED");
					zaps++;
				}
				if (nr_threads)
					__atomic_add_fetch(&budget, per_tick,
							   __ATOMIC_RELAXED);
				ticks++;
				if (verbose || ticks % 25 == 0)
					pr_info("round %lu\n", ticks * TICK);
				continue;
			}
			printf("E2E-STAT rounds %lu\n", uc.args[5]);
			printf("E2E-STAT l1_s2_faults %lu\n", uc.args[1]);
			printf("E2E-STAT l1_tlbis %lu\n", uc.args[2]);
			printf("E2E-STAT l1_remaps %lu\n", uc.args[3]);
			printf("E2E-STAT l1_zaps %lu\n", uc.args[4]);
			continue;
		case UCALL_DONE:
			break;
		case UCALL_ABORT:
			REPORT_GUEST_ASSERT(uc);
			break;
		default:
			TEST_FAIL("Unhandled ucall: %ld", uc.cmd);
		}
		break;
	}

	WRITE_ONCE(stop, true);
	for (i = 0; i < nr_threads; i++)
		pthread_join(threads[i], NULL);

	printf("E2E-STAT mismatches 0\n");
	printf("E2E-STAT host_zaps %lu\n", zaps);
	printf("E2E-STAT host_ticks %lu\n", ticks);
	printf("E2E-STAT vcpu_exits %lu\n", vcpu_get_stat(vcpu[0], exits));
	printf("E2E-STAT vcpu_hvc_exits %lu\n",
	       vcpu_get_stat(vcpu[0], hvc_exit_stat));
	for (i = 0; i < NR_STORMS; i++)
		printf("E2E-STAT storm_%s %lu ok, %lu failed\n", storm_names[i],
		       storm_ops[i], storm_errs[i]);
	for (i = 0; i < (int)NR_VMSTAT; i++)
		if (vm0[i] != ~0ULL &&
		    vmstat_read("/proc/vmstat", vmstat_names[i], &vm1))
			printf("E2E-STAT vmstat_%s +%lu\n", vmstat_names[i],
			       vm1 - vm0[i]);
	if (vmstat_read("/proc/meminfo", "SwapTotal:", &swap_total) &&
	    vmstat_read("/proc/meminfo", "SwapFree:", &swap_free))
		printf("E2E-STAT swap_used_kb %lu\n", swap_total - swap_free);
	printf("E2E-STAT ksm_full_scans +%lu\n", ksm_read("full_scans") - ksm_scans);
	printf("E2E-STAT ksm_pages_sharing %lu\n", ksm_read("pages_sharing"));
	print_debugfs(vm);

	kvm_vm_free(vm);
	return 0;
}

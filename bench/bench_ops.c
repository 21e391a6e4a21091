// SPDX-License-Identifier: GPL-2.0
/*
 * Micro-benchmarks of one strategy at one size: the reverse map's cost per
 * operation on the real maple tree, with @mappings live 4K shadow leaves
 * spread over @mmus nested MMUs.
 *
 *   bench_ops STRATEGY MAPPINGS MMUS [--alloc stock|cached] [--rounds R]
 *	       [--budget SECONDS] [--ops OP,...] [--callgrind] [--header]
 *
 * Every MMU maps per = MAPPINGS / MMUS pages: nested page j of MMU m (j
 * dense from 0, as an L2 touches its memory) maps a canonical page of the
 * MMU's own chunk of canonical memory, scattered in it by an odd multiplier
 * modulo the chunk's power-of-two size (so that neither tree sees runs of
 * consecutive keys). Leaves are installed directly through the strategy's
 * hooks, as the fault path calls them (topup, then record before or after
 * the shadow map under mmu_lock for read), not through simulated faults.
 *
 * Operations (each timed alone, under the lock of its upstream call site):
 *   record   topup + record of one leaf (the fault-path overhead); the leaf
 *	      was dropped just before by the tlbi4k of the same round
 *   tlbi4k   unmap_nested of one 4K leaf (a guest TLBI IPAS2E1)
 *   unmap4k, unmap2m, unmap1g
 *	      unmap_canonical of a random aligned canonical range (MMU notifier)
 *   wp64     wp_canonical of 64 pages (one dirty-log clear)
 *   age2m    age_canonical of a 2M range, mkold
 * What an operation took away is put back, untimed, before the next round.
 *
 * Prints CSV: one line per operation (see HEADER). Timings subtract the
 * clock's own overhead. With --callgrind (run under valgrind
 * --tool=callgrind --collect-atstart=no --instr-atstart=no), only the
 * timed calls are collected, and each operation's loop ends with a dump
 * named after it: instructions per operation = the dump's total / rounds.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "maple-shared.h"
#include <linux/maple_tree.h>

#include "maple_nodes.h"
#include "run.h"

#define HEADER	"alloc,strategy,mappings,mmus,op,rounds,median_ns,p99_ns," \
		"mean_ns,mem_bytes,bytes_per_leaf,rss_kb,populate_s"
#define CBASE	(4ULL * SZ_1G)

enum op { OP_RECORD, OP_TLBI4K, OP_UNMAP4K, OP_UNMAP2M, OP_UNMAP1G,
	  OP_WP64, OP_AGE2M, NR_OPS };

static const char *const op_names[NR_OPS] = {
	"record", "tlbi4k", "unmap4k", "unmap2m", "unmap1g", "wp64", "age2m",
};

static struct {
	const struct rmap_strategy *s;
	struct sim_vm vm;
	unsigned int mmus;
	u64 per;		/* leaves per MMU */
	u64 chunk_pages;	/* canonical pages per MMU, a power of two */
	u64 mul, mul_inv;	/* the scattering multiplier and its inverse */
	u64 rng;
	bool callgrind;
	double clock_ns;	/* overhead of one now_ns() pair */
} b;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static u64 rnd(u64 n)
{
	u64 z = (b.rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) % n;
}

static int cmp_double(const void *x, const void *y)
{
	double p = *(const double *)x, q = *(const double *)y;

	return p < q ? -1 : p > q;
}

static u64 nested_of(u64 j)
{
	return j * SZ_4K;
}

static u64 canonical_of(unsigned int m, u64 j)
{
	u64 q = (j * b.mul) & (b.chunk_pages - 1);

	return CBASE + (m * b.chunk_pages + q) * SZ_4K;
}

/* The leaf made from canonical page @c, if any. */
static bool leaf_of(u64 c, unsigned int *m, u64 *j)
{
	u64 off = (c - CBASE) / SZ_4K;

	*m = off / b.chunk_pages;
	*j = ((off % b.chunk_pages) * b.mul_inv) & (b.chunk_pages - 1);
	return *m < b.mmus && *j < b.per;
}

/* Callgrind collects only between a pair of these (--collect-atstart=no). */
static inline void collect(bool measured)
{
	if (b.callgrind && measured)
		CALLGRIND_TOGGLE_COLLECT;
}

/*
 * Topup and record of one leaf, as sim/fault.c calls them; returns their
 * ns, collected by callgrind if @measured.
 */
static double map_leaf(unsigned int m, u64 j, bool measured)
{
	struct kvm_s2_mmu *mmu = b.vm.kvm.arch.nested_mmus[m];
	struct kvm_vcpu *vcpu = &b.vm.vcpus[0].vcpu;
	u64 nested = nested_of(j), canonical = canonical_of(m, j);
	const struct rmap_strategy *s = b.s;
	double t0, t = 0;

	if (s->vcpu_topup) {
		collect(measured);
		t0 = now_ns();
		s->vcpu_topup(vcpu);
		t += now_ns() - t0 - b.clock_ns;
		collect(measured);
	}
	read_lock(&b.vm.kvm.mmu_lock);
	if (s->record && s->record_before_map) {
		collect(measured);
		t0 = now_ns();
		s->record(vcpu, mmu, canonical, nested, SZ_4K);
		t += now_ns() - t0 - b.clock_ns;
		collect(measured);
	}
	s2_map(mmu->pgt, nested, SZ_4K, canonical, S2_PROT_R | S2_PROT_W, 0,
	       canonical);
	if (s->record && !s->record_before_map) {
		collect(measured);
		t0 = now_ns();
		s->record(vcpu, mmu, canonical, nested, SZ_4K);
		t += now_ns() - t0 - b.clock_ns;
		collect(measured);
	}
	read_unlock(&b.vm.kvm.mmu_lock);
	return t > 0 ? t : 0;
}

static bool leaf_present(unsigned int m, u64 j)
{
	struct kvm_s2_mmu *mmu = b.vm.kvm.arch.nested_mmus[m];
	u64 desc, tag;
	int level;

	return !s2_get_leaf(mmu->pgt, nested_of(j), &desc, &level, &tag) &&
	       s2_pte_valid(desc);
}

/*
 * Put back what an operation over the canonical range took, and what a
 * strategy that is not exact took beyond it (upstream: everything).
 */
static void restore(u64 start, u64 size, enum op op)
{
	for (u64 c = start; c < start + size; c += SZ_4K) {
		struct kvm_s2_mmu *mmu;
		unsigned int m;
		u64 j;

		if (!leaf_of(c, &m, &j))
			continue;
		mmu = b.vm.kvm.arch.nested_mmus[m];
		if (op == OP_WP64) {
			s2_relax_perms(mmu->pgt, nested_of(j),
				       S2_PROT_R | S2_PROT_W);
		} else if (op == OP_AGE2M) {
			s2_mkyoung(mmu->pgt, nested_of(j));
		} else if (!leaf_present(m, j)) {
			map_leaf(m, j, false);
		}
	}
	if (op == OP_WP64 || op == OP_AGE2M)
		return;
	for (unsigned int m = 0; m < b.mmus; m++) {
		struct kvm_s2_mmu *mmu = b.vm.kvm.arch.nested_mmus[m];

		if (mmu->pgt->nr_leaves >= b.per)
			continue;
		for (u64 j = 0; j < b.per; j++)
			if (!leaf_present(m, j))
				map_leaf(m, j, false);
	}
}

/*
 * A random leaf leaves its MMU (guest TLBI) and is recorded again; @op says
 * which of the two is measured. False if the strategy records nothing.
 */
static bool one_leaf_op(enum op op, double *t)
{
	unsigned int m = rnd(b.mmus);
	u64 j = rnd(b.per);
	struct kvm_s2_mmu *mmu = b.vm.kvm.arch.nested_mmus[m];
	bool tlbi = op == OP_TLBI4K;
	double t0;

	if (op == OP_RECORD && !b.s->record)
		return false;
	write_lock(&b.vm.kvm.mmu_lock);
	collect(tlbi);
	t0 = now_ns();
	b.s->unmap_nested(mmu, nested_of(j), SZ_4K, true);
	if (tlbi)
		*t = now_ns() - t0 - b.clock_ns;
	collect(tlbi);
	write_unlock(&b.vm.kvm.mmu_lock);
	t0 = map_leaf(m, j, !tlbi);
	if (!tlbi)
		*t = t0;
	return true;
}

static u64 range_size(enum op op)
{
	switch (op) {
	case OP_UNMAP2M:
	case OP_AGE2M:
		return SZ_2M;
	case OP_UNMAP1G:
		return SZ_1G;
	case OP_WP64:
		return 64 * SZ_4K;
	default:
		return SZ_4K;
	}
}

/* One canonical-range operation, timed; false if the strategy has none. */
static bool canonical_op(enum op op, u64 start, u64 size, double *t)
{
	struct kvm *kvm = &b.vm.kvm;
	const struct rmap_strategy *s = b.s;
	double t0;

	if (op == OP_WP64 && !s->wp_canonical)
		return false;
	if (op == OP_AGE2M && !s->age_canonical)
		return false;
	write_lock(&kvm->mmu_lock);
	collect(true);
	t0 = now_ns();
	if (op == OP_WP64)
		s->wp_canonical(kvm, start, size);
	else if (op == OP_AGE2M)
		s->age_canonical(kvm, start, size, true);
	else
		s->unmap_canonical(kvm, start, size, true);
	*t = now_ns() - t0 - b.clock_ns;
	collect(false);
	write_unlock(&kvm->mmu_lock);
	return true;
}

static void report(const char *alloc, u64 mappings, enum op op, double *t,
		   unsigned int n, u64 mem, long rss_kb, double populate_s)
{
	double sum = 0;

	if (!n)
		return;
	qsort(t, n, sizeof(*t), cmp_double);
	for (unsigned int i = 0; i < n; i++)
		sum += t[i];
	printf("%s,%s,%" PRIu64 ",%u,%s,%u,%.0f,%.0f,%.0f,%" PRIu64
	       ",%.1f,%ld,%.2f\n", alloc, b.s->name, mappings, b.mmus,
	       op_names[op], n, t[n / 2], t[(n * 99 + 99) / 100 - 1],
	       sum / n, mem, mappings ? (double)mem / mappings : 0.0, rss_kb,
	       populate_s);
	fflush(stdout);
}

static long rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void calibrate(void)
{
	double t[101];

	for (int i = 0; i < 101; i++) {
		double t0 = now_ns();

		t[i] = now_ns() - t0;
	}
	qsort(t, 101, sizeof(*t), cmp_double);
	b.clock_ns = b.callgrind ? 0 : t[50];
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_ops STRATEGY MAPPINGS MMUS [--alloc stock|cached]\n"
		"\t[--rounds R] [--budget SECONDS] [--ops OP,...] [--callgrind] [--header]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "alloc", required_argument, NULL, 'a' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "budget", required_argument, NULL, 'b' },
		{ "ops", required_argument, NULL, 'o' },
		{ "callgrind", no_argument, NULL, 'c' },
		{ "header", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *alloc = "stock";
	unsigned int rounds = 1001;
	double budget = 2.0, populate_s, t0;
	bool want[NR_OPS], header = false;
	struct world_config wc;
	u64 mappings, mem, slot_size;
	long rss;
	int c;

	for (int i = 0; i < NR_OPS; i++)
		want[i] = true;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			alloc = optarg;
			if (strcmp(alloc, "stock") && strcmp(alloc, "cached"))
				usage();
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'b':
			budget = atof(optarg);
			break;
		case 'o':
			for (int i = 0; i < NR_OPS; i++)
				want[i] = false;
			for (char *tok = strtok(optarg, ","); tok;
			     tok = strtok(NULL, ",")) {
				int i;

				for (i = 0; i < NR_OPS; i++)
					if (!strcmp(tok, op_names[i]))
						break;
				if (i == NR_OPS)
					usage();
				want[i] = true;
			}
			break;
		case 'c':
			b.callgrind = true;
			break;
		case 'H':
			header = true;
			break;
		default:
			usage();
		}
	}
	if (header)
		printf("%s\n", HEADER);
	if (argc - optind == 0 && header)
		return 0;
	if (argc - optind != 3)
		usage();
	b.s = strategy_find(argv[optind]);
	mappings = strtoull(argv[optind + 1], NULL, 0);
	b.mmus = strtoul(argv[optind + 2], NULL, 0);
	if (!b.s || b.mmus < 2 || b.mmus > 1024 || b.mmus % S2_MMU_PER_VCPU)
		usage();
	b.per = mappings / b.mmus;
	mappings = b.per * b.mmus;
	b.chunk_pages = 1;
	while (b.chunk_pages < b.per)
		b.chunk_pages <<= 1;
	b.mul = (0x9e3779b97f4a7c15ULL & (b.chunk_pages - 1)) | 1;
	b.mul_inv = b.mul;	/* Newton: inverse of an odd number mod 2^64 */
	for (int i = 0; i < 6; i++)
		b.mul_inv *= 2 - b.mul * b.mul_inv;
	b.rng = 1;

	maple_tree_init();
	rcu_register_thread();
	if (!strcmp(alloc, "cached"))
		alloc_cache_enable(maple_node_bytes());
	calibrate();

	/* the default world, with the 4K slot grown to every MMU's chunk */
	world_default(&wc);
	wc.vm.nr_vcpus = b.mmus / S2_MMU_PER_VCPU;
	slot_size = ALIGN(b.mmus * b.chunk_pages * SZ_4K, SZ_1G);
	if (slot_size < 2ULL * SZ_1G)
		slot_size = 2ULL * SZ_1G;
	wc.vm.slots[2].size = slot_size;
	wc.vm.slots[3].base = CBASE + slot_size;
	while ((wc.vm.slots[3].base + wc.vm.slots[3].size) >> wc.vm.ipa_bits)
		wc.vm.ipa_bits++;
	if (world_create(&b.vm, &wc, b.s)) {
		fprintf(stderr, "bench_ops: cannot create the world\n");
		return 1;
	}
	for (unsigned int m = 0; m < b.mmus; m++)
		b.vm.kvm.arch.nested_mmus[m]->tlb_vttbr =
			(u64)(m + 1) << VTTBR_VMID_SHIFT;

	t0 = now_ns();
	for (unsigned int m = 0; m < b.mmus; m++)
		for (u64 j = 0; j < b.per; j++)
			map_leaf(m, j, false);
	populate_s = (now_ns() - t0) / 1e9;
	mem = b.s->mem_bytes ? b.s->mem_bytes(&b.vm.kvm) : 0;
	rss = rss_kb();
	if (b.callgrind)
		CALLGRIND_START_INSTRUMENTATION;

	for (int op = 0; op < NR_OPS && mappings; op++) {
		/* a 1G unmap takes up to 262,144 leaves to put back */
		unsigned int n = op == OP_UNMAP1G ? min(rounds, b.callgrind ? 2U : 5U) :
			rounds, k;
		double *t, start = now_ns();

		if (!want[op])
			continue;
		t = calloc(n, sizeof(*t));
		if (!t)
			abort();
		for (k = 0; k < n; k++) {
			if (k >= 3 && now_ns() - start > budget * 1e9)
				break;
			if (op == OP_RECORD || op == OP_TLBI4K) {
				if (!one_leaf_op(op, &t[k]))
					break;
			} else {
				u64 size = range_size(op);
				u64 pages = b.mmus * b.chunk_pages;
				u64 s0 = ALIGN_DOWN(CBASE + rnd(pages) * SZ_4K,
						    size);

				if (s0 < CBASE)
					s0 = CBASE;
				if (!canonical_op(op, s0, size, &t[k]))
					break;
				restore(s0, size, op);
			}
		}
		if (b.callgrind)
			CALLGRIND_DUMP_STATS_AT(op_names[op]);
		report(alloc, mappings, op, t, k, mem, rss, populate_s);
		free(t);
	}
	if (!mappings) {
		/* MMUS nested MMUs, set up by vm_init, never used */
		printf("%s,%s,0,%u,unused,0,0,0,0,%" PRIu64 ",0,%ld,0\n",
		       alloc, b.s->name, b.mmus, mem, rss);
		/*
		 * A VM without nested MMUs: KVM never calls the reverse map's
		 * init for it (kvm_nested_revmap_init_vm()), so its kvm is as
		 * zeroed here. Only revmap says what it holds then.
		 */
		if (b.s == &strategy_revmap) {
			static struct kvm no_nv;

			printf("%s,%s,0,0,no-nested-mmus,0,0,0,0,%" PRIu64
			       ",0,%ld,0\n", alloc, b.s->name,
			       b.s->mem_bytes(&no_nv), rss);
		}
	}
	if (b.callgrind)
		CALLGRIND_STOP_INSTRUMENTATION;
	world_destroy(&b.vm);
	rcu_barrier();
	alloc_cache_disable();
	rcu_unregister_thread();
	return 0;
}

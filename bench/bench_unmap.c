// SPDX-License-Identifier: GPL-2.0
/*
 * Cost of one canonical 4K unmap (an MMU notifier for one page) against the
 * number of nested MMUs, for each strategy. Every MMU maps @per_mmu pages of
 * its own canonical memory; the page unmapped is mapped by one MMU only, and
 * is mapped again (not timed) before the next round.
 *
 *   bench_unmap [PER_MMU [ROUNDS]]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "maple-shared.h"
#include <linux/maple_tree.h>

#include "run.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void map_page(struct sim_vm *vm, struct kvm_s2_mmu *mmu, u64 canonical,
		     u64 nested)
{
	struct kvm_vcpu *vcpu = &vm->vcpus[0].vcpu;

	if (vm->strat->vcpu_topup)
		vm->strat->vcpu_topup(vcpu);
	read_lock(&vm->kvm.mmu_lock);
	if (vm->strat->record)
		vm->strat->record(vcpu, mmu, canonical, nested, SZ_4K);
	s2_map(mmu->pgt, nested, SZ_4K, canonical, S2_PROT_R, 0, canonical);
	read_unlock(&vm->kvm.mmu_lock);
}

static double bench(const struct rmap_strategy *s, unsigned int nr_mmus,
		    u64 per_mmu, unsigned int rounds)
{
	struct world_config wc;
	struct sim_vm vm;
	double *t = calloc(rounds, sizeof(*t)), med;

	world_default(&wc);
	wc.vm.nr_vcpus = nr_mmus / S2_MMU_PER_VCPU;
	if (world_create(&vm, &wc, s) || !t)
		abort();
	for (unsigned int m = 0; m < nr_mmus; m++) {
		struct kvm_s2_mmu *mmu = vm.kvm.arch.nested_mmus[m];

		mmu->tlb_vttbr = (u64)(m + 1) << VTTBR_VMID_SHIFT;
		for (u64 i = 0; i < per_mmu; i++)
			map_page(&vm, mmu, 4ULL * SZ_1G + m * SZ_16M +
				 i * SZ_4K, i * SZ_4K);
	}
	for (unsigned int r = 0; r < rounds; r++) {
		u64 page = r % per_mmu;
		u64 canonical = 4ULL * SZ_1G + page * SZ_4K;
		double t0;

		write_lock(&vm.kvm.mmu_lock);
		t0 = now_ns();
		s->unmap_canonical(&vm.kvm, canonical, SZ_4K, true);
		t[r] = now_ns() - t0;
		write_unlock(&vm.kvm.mmu_lock);
		/* put back what the unmap took (full takes everything) */
		for (unsigned int m = 0; m < nr_mmus; m++) {
			struct kvm_s2_mmu *mmu = vm.kvm.arch.nested_mmus[m];

			if (mmu->pgt->nr_leaves == per_mmu)
				continue;
			for (u64 i = 0; i < per_mmu; i++)
				if (s2_count_leaves(mmu->pgt, i * SZ_4K, SZ_4K) == 0)
					map_page(&vm, mmu, 4ULL * SZ_1G +
						 m * SZ_16M + i * SZ_4K,
						 i * SZ_4K);
		}
	}
	qsort(t, rounds, sizeof(*t), cmp_double);
	med = t[rounds / 2];
	free(t);
	world_destroy(&vm);
	return med;
}

int main(int argc, char **argv)
{
	static const unsigned int mmus[] = { 2, 8, 64, 256 };
	u64 per_mmu = argc > 1 ? strtoull(argv[1], NULL, 0) : 256;
	unsigned int rounds = argc > 2 ? atoi(argv[2]) : 201;

	maple_tree_init();
	rcu_register_thread();
	printf("# median ns per canonical 4K unmap, %" PRIu64 " pages per MMU\n",
	       per_mmu);
	printf("%-10s", "mmus");
	for (int i = 0; strategies[i]; i++)
		printf(" %12s", strategies[i]->name);
	printf("\n");
	for (unsigned int k = 0; k < sizeof(mmus) / sizeof(mmus[0]); k++) {
		printf("%-10u", mmus[k]);
		for (int i = 0; strategies[i]; i++) {
			/* upstream unmaps everything: fewer rounds suffice */
			unsigned int n = strategies[i]->exact ? rounds : 21;

			printf(" %12.0f", bench(strategies[i], mmus[k],
						per_mmu, n));
			fflush(stdout);
		}
		printf("\n");
	}
	rcu_unregister_thread();
	rcu_barrier();
	return 0;
}

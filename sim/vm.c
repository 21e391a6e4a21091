// SPDX-License-Identifier: GPL-2.0
/*
 * The world's construction, its memslots, and the mmu.c helpers that the
 * code under test calls (kvm_stage2_unmap_range() and friends), acting on
 * the simulated tables.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l1.h"
#include "oracle.h"
#include "vm.h"

__thread enum stat_phase sim_phase;

static void obs_leaf_set(void *arg, struct kvm_pgtable *pgt, u64 addr,
			 int level, u64 desc, u64 tag)
{
	struct sim_vm *vm = arg;

	(void)desc;
	if (vm->oracle)
		oracle_leaf_set(vm->oracle, pgt, addr, level, tag);
}

static void obs_leaf_clear(void *arg, struct kvm_pgtable *pgt, u64 addr,
			   int level, u64 desc, u64 tag)
{
	struct sim_vm *vm = arg;

	(void)desc;
	if (sim_phase == PHASE_HOST)
		vm->stats.host_zapped++;
	else
		vm->stats.guest_zapped++;
	if (vm->oracle)
		oracle_leaf_clear(vm->oracle, pgt, addr, level, tag);
}

u64 kvm_phys_size(struct kvm_s2_mmu *mmu)
{
	return 1ULL << kvm_s2_mmu_to_kvm(mmu)->arch.ipa_bits;
}

void kvm_stage2_unmap_range(struct kvm_s2_mmu *mmu, phys_addr_t start,
			    u64 size, bool may_block)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);

	(void)may_block;
	lockdep_assert_held_write(&kvm->mmu_lock);
	if (kvm_is_nested_s2_mmu(kvm, mmu) && start == 0 &&
	    size >= kvm_phys_size(mmu))
		kvm_to_vm(kvm)->stats.full_mmu_unmaps++;
	s2_unmap(mmu->pgt, start, size);
}

void kvm_stage2_wp_range(struct kvm_s2_mmu *mmu, phys_addr_t addr,
			 phys_addr_t end)
{
	struct kvm *kvm = kvm_s2_mmu_to_kvm(mmu);

	lockdep_assert_held_write(&kvm->mmu_lock);
	kvm_to_vm(kvm)->stats.wp_leaves += s2_wrprotect(mmu->pgt, addr,
							end - addr);
}

bool kvm_pgtable_stage2_test_clear_young(struct kvm_pgtable *pgt, u64 addr,
					 u64 size, bool mkold)
{
	return s2_test_clear_young(pgt, addr, size, mkold);
}

u64 sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct memslot *vm_find_slot(struct sim_vm *vm, u64 ipa)
{
	for (unsigned int i = 0; i < vm->cfg.nr_slots; i++) {
		struct memslot *s = &vm->slots[i];

		if (ipa >= s->base && ipa - s->base < s->size)
			return s;
	}
	return NULL;
}

u32 vm_page_pfn(struct sim_vm *vm, u64 ipa)
{
	struct memslot *s = vm_find_slot(vm, ipa);

	return s ? s->pfn[(ipa - s->base) >> 12] : 0;
}

bool vm_page_present(struct sim_vm *vm, u64 ipa)
{
	return vm_page_pfn(vm, ipa) != 0;
}

static void *zalloc_or_die(size_t n)
{
	void *p = calloc(1, n);

	if (!p && n)
		abort();
	return p;
}

static int slot_init(struct memslot *s, u64 base, u64 size, enum backing b)
{
	u64 align = b == BACKING_HUGETLB ? SZ_1G : SZ_2M;

	if (!size || !IS_ALIGNED(base, align) || !IS_ALIGNED(size, align))
		return -EINVAL;
	s->base = base;
	s->size = size;
	s->backing = b;
	s->logging = false;
	s->pfn = zalloc_or_die((size >> 12) * sizeof(*s->pfn));
	s->order = zalloc_or_die(size >> 21);
	return 0;
}

/* Each site fails at the larger of fail_pct and its own rate. */
static void configure_alloc_fail(const struct vm_config *cfg)
{
	unsigned int pct[NR_ALLOC_SITES];

	for (unsigned int i = 0; i < NR_ALLOC_SITES; i++)
		pct[i] = max(cfg->fail_pct, cfg->fail_site_pct[i]);
	WARN_ON(alloc_fail_configure(pct, cfg->fail_seed));
}

static int check_config(const struct vm_config *cfg)
{
	if (!cfg->nr_vcpus || cfg->nr_vcpus > 512)
		return -EINVAL;
	if (cfg->ipa_bits < 32 || cfg->ipa_bits > 48)
		return -EINVAL;
	if (!cfg->nr_slots || cfg->nr_slots > SIM_MAX_SLOTS)
		return -EINVAL;
	if (cfg->fail_pct > 100)
		return -EINVAL;
	for (unsigned int i = 0; i < NR_ALLOC_SITES; i++)
		if (cfg->fail_site_pct[i] > 100)
			return -EINVAL;
	for (unsigned int i = 0; i < cfg->nr_slots; i++) {
		u64 end = cfg->slots[i].base + cfg->slots[i].size;

		if (end > (1ULL << cfg->ipa_bits) || end < cfg->slots[i].base)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++) {
			if (cfg->slots[i].base < cfg->slots[j].base +
						 cfg->slots[j].size &&
			    cfg->slots[j].base < end)
				return -EINVAL;
		}
	}
	return 0;
}

int vm_create(struct sim_vm *vm, const struct vm_config *cfg,
	      const struct rmap_strategy *strat)
{
	unsigned int nr_mmus = cfg->nr_vcpus * S2_MMU_PER_VCPU;
	struct kvm *kvm = &vm->kvm;
	int ret;

	memset(vm, 0, sizeof(*vm));
	ret = check_config(cfg);
	if (ret)
		return ret;
	vm->cfg = *cfg;
	vm->strat = strat;
	configure_alloc_fail(cfg);
	host_mem_init(&vm->hm);
	rwlock_init(&kvm->mmu_lock);
	spin_lock_init(&vm->l1_lock);
	spin_lock_init(&vm->host_lock);
	spin_lock_init(&vm->pgt_lock);
	kvm->arch.ipa_bits = cfg->ipa_bits;
	kvm->arch.mmu.arch = &kvm->arch;
	kvm->arch.mmu.sim_index = -1;
	s2_pgt_init(&vm->canonical_pgt, cfg->ipa_bits, &kvm->arch.mmu, NULL);
	vm->canonical_pgt.lock = &vm->pgt_lock;
	kvm->arch.mmu.pgt = &vm->canonical_pgt;

	for (unsigned int i = 0; i < cfg->nr_slots; i++) {
		ret = slot_init(&vm->slots[i], cfg->slots[i].base,
				cfg->slots[i].size, cfg->slots[i].backing);
		if (ret) {
			vm->cfg.nr_slots = i;
			vm_destroy(vm);
			return ret;
		}
	}

	vm->obs = (struct s2_observer){
		.leaf_set = obs_leaf_set, .leaf_clear = obs_leaf_clear,
		.arg = vm,
	};
	vm->nested = zalloc_or_die(nr_mmus * sizeof(*vm->nested));
	vm->nested_ptrs = zalloc_or_die(nr_mmus * sizeof(*vm->nested_ptrs));
	vm->nested_pgt = zalloc_or_die(nr_mmus * sizeof(*vm->nested_pgt));
	for (unsigned int i = 0; i < nr_mmus; i++) {
		struct kvm_s2_mmu *mmu = &vm->nested[i];

		mmu->arch = &kvm->arch;
		mmu->tlb_vttbr = VTTBR_CNP_BIT;
		mmu->sim_index = i;
		s2_pgt_init(&vm->nested_pgt[i], cfg->ipa_bits, mmu, &vm->obs);
		vm->nested_pgt[i].lock = &vm->pgt_lock;
		mmu->pgt = &vm->nested_pgt[i];
		vm->nested_ptrs[i] = mmu;
	}
	kvm->arch.nested_mmus = vm->nested_ptrs;
	kvm->arch.nested_mmus_size = nr_mmus;

	vm->vcpus = zalloc_or_die(cfg->nr_vcpus * sizeof(*vm->vcpus));
	for (unsigned int i = 0; i < cfg->nr_vcpus; i++) {
		vm->vcpus[i].vcpu.kvm = kvm;
		vm->vcpus[i].vcpu.vcpu_id = i;
		vm->vcpus[i].ctx = -1;
	}
	if (cfg->check)
		vm->oracle = oracle_create(vm);
	if (strat->vm_init) {
		ret = strat->vm_init(kvm);
		if (ret) {
			vm->strat = &strategy_full;
			vm_destroy(vm);
			return ret;
		}
	}
	return 0;
}

static void slot_free(struct sim_vm *vm, struct memslot *s)
{
	u64 pages = s->size >> 12;

	for (u64 r = 0; r < (s->size >> 21); r++) {
		u64 first = r << 9;

		if (s->order[r] && s->pfn[first]) {
			int order = s->order[r];

			/* A 1G folio is released by its first region. */
			if (order == HOST_ORDER_1G && (r & 511))
				continue;
			host_put_folio(&vm->hm, s->pfn[first], order);
			continue;
		}
		for (u64 p = first; p < first + 512 && p < pages; p++)
			if (s->pfn[p])
				host_put(&vm->hm, s->pfn[p]);
	}
	memset(s->pfn, 0, pages * sizeof(*s->pfn));
	memset(s->order, 0, s->size >> 21);
}

void vm_destroy(struct sim_vm *vm)
{
	unsigned int nr_mmus = vm->cfg.nr_vcpus * S2_MMU_PER_VCPU;

	if (vm->strat && vm->strat->vcpu_destroy)
		for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++)
			vm->strat->vcpu_destroy(&vm->vcpus[i].vcpu);
	if (vm->strat && vm->strat->vm_destroy)
		vm->strat->vm_destroy(&vm->kvm);
	if (vm->nested_pgt) {
		/* Teardown is not an event: keep the counters as they were. */
		vm->obs.leaf_clear = NULL;
		for (unsigned int i = 0; i < nr_mmus; i++)
			s2_pgt_destroy(&vm->nested_pgt[i]);
	}
	s2_pgt_destroy(&vm->canonical_pgt);
	if (vm->oracle)
		oracle_destroy(vm->oracle);
	for (unsigned int i = 0; i < vm->cfg.nr_slots; i++) {
		if (!vm->slots[i].pfn)
			continue;
		slot_free(vm, &vm->slots[i]);
		free(vm->slots[i].pfn);
		free(vm->slots[i].order);
	}
	host_mem_destroy(&vm->hm);
	free(vm->host_samples);
	free(vm->vcpus);
	free(vm->nested);
	free(vm->nested_ptrs);
	free(vm->nested_pgt);
	memset(vm, 0, sizeof(*vm));
}

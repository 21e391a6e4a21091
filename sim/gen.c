// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "gen.h"

/* splitmix64: small, fast, and the same on every machine. */
u64 gen_rand(struct gen *g)
{
	u64 z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 below(struct gen *g, u64 n)
{
	return n ? gen_rand(g) % n : 0;
}

void gen_init(struct gen *g, struct sim_vm *vm, const struct gen_params *p)
{
	memset(g, 0, sizeof(*g));
	g->vm = vm;
	g->p = *p;
	g->rng = p->seed;
	for (int k = 0; k < EV_NR_KINDS; k++) {
		g->role_weight[GEN_ANY] += p->weight[k];
		g->role_weight[gen_kind_role(k)] += p->weight[k];
	}
}

enum gen_role gen_kind_role(enum ev_kind kind)
{
	switch (kind) {
	case EV_L2_ACCESS:
	case EV_L1_ACCESS:
	case EV_SWITCH:
		return GEN_VCPU;
	default:
		return ev_kind_is_host(kind) ? GEN_HOST : GEN_L1;
	}
}

static bool in_role(enum ev_kind kind, enum gen_role role)
{
	return role == GEN_ANY || gen_kind_role(kind) == role;
}

static enum ev_kind pick_kind(struct gen *g, enum gen_role role)
{
	u64 r = below(g, g->role_weight[role]);

	for (int k = 0; k < EV_NR_KINDS; k++) {
		if (!in_role(k, role))
			continue;
		if (r < g->p.weight[k])
			return k;
		r -= g->p.weight[k];
	}
	return EV_L2_ACCESS;
}

static int pick_slot(struct gen *g)
{
	return below(g, g->vm->cfg.nr_slots);
}

static u64 pick_page(struct gen *g, u64 align)
{
	struct memslot *s = &g->vm->slots[pick_slot(g)];

	return s->base + ALIGN_DOWN(below(g, s->size), align);
}

static int pick_ctx(struct gen *g)
{
	return below(g, l1_nr_ctx(g->vm->l1));
}

static u64 pick_nested(struct gen *g, int ctx)
{
	u64 size = l1_ctx_mem_size(g->vm->l1, ctx);
	u64 hot = size / 100 * g->p.hot_frac;

	if (hot && below(g, 100) < g->p.hot_pct)
		return ALIGN_DOWN(below(g, hot), 8);
	return ALIGN_DOWN(below(g, size), 8);
}

static int pick_vcpu(struct gen *g, int vcpu)
{
	return vcpu >= 0 ? vcpu : (int)below(g, g->vm->cfg.nr_vcpus);
}

static void gen_l2_access(struct gen *g, struct sim_event *ev, int vcpu)
{
	struct sim_vcpu *v;

	ev->vcpu = pick_vcpu(g, vcpu);
	v = &g->vm->vcpus[ev->vcpu];
	if (v->ctx < 0) {
		ev->kind = EV_SWITCH;
		ev->ctx = pick_ctx(g);
		return;
	}
	ev->addr = pick_nested(g, v->ctx);
	ev->write = below(g, 3) == 0;
}

void gen_next(struct gen *g, struct sim_event *ev)
{
	gen_next_role(g, ev, GEN_ANY, -1);
}

void gen_next_role(struct gen *g, struct sim_event *ev, enum gen_role role,
		   int vcpu)
{
	memset(ev, 0, sizeof(*ev));
	ev->kind = pick_kind(g, role);
	ev->ctx = -1;
	ev->ctx2 = -1;

	switch (ev->kind) {
	case EV_L2_ACCESS:
		gen_l2_access(g, ev, vcpu);
		break;
	case EV_L1_ACCESS:
		ev->addr = pick_page(g, 8);
		ev->write = below(g, 2);
		break;
	case EV_SWITCH:
		ev->vcpu = pick_vcpu(g, vcpu);
		ev->ctx = below(g, 10) ? pick_ctx(g) : -1;
		break;
	case EV_HOST_RECLAIM:
	case EV_HOST_MIGRATE:
	case EV_HOST_DISCARD:
		ev->size = below(g, 4) ? SZ_4K : SZ_2M;
		ev->addr = pick_page(g, ev->size);
		break;
	case EV_HOST_KSM:
		ev->size = SZ_4K;
		ev->addr = pick_page(g, SZ_4K);
		ev->addr2 = pick_page(g, SZ_4K);
		break;
	case EV_HOST_THP_SPLIT:
	case EV_HOST_THP_COLLAPSE:
	case EV_AGE:
		ev->size = SZ_2M;
		ev->addr = pick_page(g, SZ_2M);
		break;
	case EV_HOST_NUMA: {
		struct memslot *s = &g->vm->slots[pick_slot(g)];
		u64 win = SZ_2M * (1 + below(g, g->p.numa_window / SZ_2M));

		win = min(win, s->size);
		ev->addr = s->base + ALIGN_DOWN(below(g, s->size - win + 1),
						 SZ_2M);
		ev->size = win;
		break;
	}
	case EV_MEMSLOT_DELETE:
	case EV_DIRTY_ENABLE:
	case EV_DIRTY_DISABLE:
		ev->ctx = pick_slot(g);
		break;
	case EV_DIRTY_CLEAR:
		ev->addr = pick_page(g, 64 * SZ_4K);
		ev->size = 64 * SZ_4K;
		break;
	case EV_L1_KSM:
		ev->ctx2 = pick_ctx(g);
		ev->addr2 = pick_nested(g, ev->ctx2);
		fallthrough;
	case EV_L1_RECLAIM:
	case EV_L1_MIGRATE:
	case EV_L1_THP_SPLIT:
	case EV_L1_THP_COLLAPSE:
		ev->ctx = pick_ctx(g);
		ev->addr = pick_nested(g, ev->ctx);
		break;
	case EV_L1_RANGE_UNMAP:
		ev->ctx = pick_ctx(g);
		ev->size = l1_ctx_granule(g->vm->l1, ev->ctx) * (1 + below(g, 512));
		ev->addr = pick_nested(g, ev->ctx);
		break;
	case EV_L1_DIRTY_LOG:
	case EV_L2_RESTART:
		ev->ctx = pick_ctx(g);
		break;
	case EV_VMID_ROLLOVER:
	case EV_NR_KINDS:
		break;
	}
}

void world_default(struct world_config *wc)
{
	struct vm_config *vm = &wc->vm;
	struct l1_config *l1 = &wc->l1;

	memset(wc, 0, sizeof(*wc));
	vm->nr_vcpus = 4;
	vm->ipa_bits = 40;
	vm->nr_slots = 4;
	/* L1's own memory (its stage-2 tables live here) */
	vm->slots[0].base = SZ_1G;
	vm->slots[0].size = SZ_256M;
	vm->slots[0].backing = BACKING_4K;
	/* L2 memory pool: THP-, 4K- and hugetlb-backed parts */
	vm->slots[1].base = 2ULL * SZ_1G;
	vm->slots[1].size = 2ULL * SZ_1G;
	vm->slots[1].backing = BACKING_THP;
	vm->slots[2].base = 4ULL * SZ_1G;
	vm->slots[2].size = 2ULL * SZ_1G;
	vm->slots[2].backing = BACKING_4K;
	vm->slots[3].base = 6ULL * SZ_1G;
	vm->slots[3].size = 2ULL * SZ_1G;
	vm->slots[3].backing = BACKING_HUGETLB;
	vm->audit_every = 10000;

	l1->nr_ctx = 10;
	l1->l2_mem_size = SZ_512M;
	l1->l2_ipa_bits = 40;
	l1->pgshift[0] = 12;
	l1->pgshift[1] = 14;
	l1->pgshift[2] = 16;
	l1->nr_pgshift = 3;
	l1->block_pct = 50;
	l1->contig_pct = 20;
	l1->pool_base = 2ULL * SZ_1G;
	l1->pool_size = 6ULL * SZ_1G;
	l1->table_base = SZ_1G;
	l1->table_size = SZ_256M;
}

void gen_default(struct gen_params *p, u64 seed)
{
	static const unsigned int w[EV_NR_KINDS] = {
		[EV_L2_ACCESS] = 6000, [EV_L1_ACCESS] = 300,
		[EV_SWITCH] = 400,
		[EV_HOST_RECLAIM] = 60, [EV_HOST_MIGRATE] = 30,
		[EV_HOST_KSM] = 60, [EV_HOST_THP_SPLIT] = 10,
		[EV_HOST_THP_COLLAPSE] = 10, [EV_HOST_NUMA] = 5,
		[EV_HOST_DISCARD] = 20, [EV_MEMSLOT_DELETE] = 1,
		[EV_DIRTY_ENABLE] = 2, [EV_DIRTY_CLEAR] = 30,
		[EV_DIRTY_DISABLE] = 2, [EV_AGE] = 30,
		[EV_L1_RECLAIM] = 80, [EV_L1_MIGRATE] = 30,
		[EV_L1_KSM] = 40, [EV_L1_THP_SPLIT] = 10,
		[EV_L1_THP_COLLAPSE] = 10, [EV_L1_RANGE_UNMAP] = 10,
		[EV_L1_DIRTY_LOG] = 2, [EV_L2_RESTART] = 2,
		[EV_VMID_ROLLOVER] = 1,
	};

	memset(p, 0, sizeof(*p));
	p->seed = seed;
	memcpy(p->weight, w, sizeof(w));
	p->hot_pct = 80;
	p->hot_frac = 10;
	p->numa_window = SZ_64M;
}

const char *const gen_mix_names[] = {
	"default", "granule-4k", "granule-16k", "granule-64k",
	"alias-heavy", "tlbi-heavy", "recycling-heavy", NULL,
};

static void one_granule(struct world_config *wc, unsigned int shift)
{
	wc->l1.pgshift[0] = shift;
	wc->l1.nr_pgshift = 1;
}

int gen_mix(const char *name, u64 seed, struct world_config *wc,
	    struct gen_params *gp)
{
	world_default(wc);
	gen_default(gp, seed);
	if (!strcmp(name, "default")) {
		return 0;
	} else if (!strcmp(name, "granule-4k")) {
		one_granule(wc, 12);
	} else if (!strcmp(name, "granule-16k")) {
		one_granule(wc, 14);
	} else if (!strcmp(name, "granule-64k")) {
		one_granule(wc, 16);
	} else if (!strcmp(name, "alias-heavy")) {
		one_granule(wc, 12);	/* L1 KSM merges pages of one size */
		gp->weight[EV_L1_KSM] = 1500;
		gp->weight[EV_HOST_KSM] = 300;
	} else if (!strcmp(name, "tlbi-heavy")) {
		gp->weight[EV_L1_RECLAIM] = 1500;
		gp->weight[EV_L1_MIGRATE] = 500;
		gp->weight[EV_L1_RANGE_UNMAP] = 200;
		gp->weight[EV_L1_THP_SPLIT] = 200;
		gp->weight[EV_L1_THP_COLLAPSE] = 200;
	} else if (!strcmp(name, "recycling-heavy")) {
		wc->vm.nr_vcpus = 2;	/* 4 MMUs for 10 contexts */
		gp->weight[EV_SWITCH] = 2000;
	} else {
		return -EINVAL;
	}
	return 0;
}

int world_create(struct sim_vm *vm, const struct world_config *wc,
		 const struct rmap_strategy *strat)
{
	int ret = vm_create(vm, &wc->vm, strat);

	if (ret)
		return ret;
	vm->l1 = l1_create(vm, &wc->l1);
	if (!vm->l1) {
		vm_destroy(vm);
		return -EINVAL;
	}
	return 0;
}

void world_destroy(struct sim_vm *vm)
{
	struct l1_hyp *l1 = vm->l1;

	vm_destroy(vm);
	if (l1)
		l1_destroy(l1);
}

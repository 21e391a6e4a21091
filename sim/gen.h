/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Randomized event streams: a deterministic generator (seeded) that picks
 * event kinds by weight and their targets from the world's current shape.
 */
#ifndef NVRMAP_SIM_GEN_H
#define NVRMAP_SIM_GEN_H

#include "event.h"
#include "l1.h"
#include "vm.h"

struct gen_params {
	u64 seed;
	unsigned int weight[EV_NR_KINDS];
	unsigned int hot_pct;		/* L2 accesses that go to the hot set */
	unsigned int hot_frac;		/* hot set, percent of L2 memory */
	u64 numa_window;		/* largest NUMA-balancing window */
};

/*
 * Who causes an event. A sequential run draws from all of them; the
 * concurrent harness gives each thread its role (sim/concurrent.h).
 */
enum gen_role {
	GEN_ANY,
	GEN_VCPU,		/* one vCPU's accesses and context switches */
	GEN_HOST,		/* the host: MMU notifiers, memslots, dirty log */
	GEN_L1,			/* the guest hypervisor's own changes */
	GEN_NR_ROLES,
};

struct gen {
	struct sim_vm *vm;
	struct gen_params p;
	u64 rng;
	u64 role_weight[GEN_NR_ROLES];
};

void gen_init(struct gen *g, struct sim_vm *vm, const struct gen_params *p);
void gen_next(struct gen *g, struct sim_event *ev);
/* An event of @role's kinds; GEN_VCPU events are @vcpu's. */
void gen_next_role(struct gen *g, struct sim_event *ev, enum gen_role role,
		   int vcpu);
enum gen_role gen_kind_role(enum ev_kind kind);
u64 gen_rand(struct gen *g);

/* A world every test and the default run can start from. */
struct world_config {
	struct vm_config vm;
	struct l1_config l1;
};

void world_default(struct world_config *wc);
void gen_default(struct gen_params *p, u64 seed);
/*
 * Named mixes: a world and event weights for one stress pattern. Returns
 * -EINVAL for an unknown name. gen_mix_names lists them, NULL-terminated.
 */
int gen_mix(const char *name, u64 seed, struct world_config *wc,
	    struct gen_params *gp);
extern const char *const gen_mix_names[];

int world_create(struct sim_vm *vm, const struct world_config *wc,
		 const struct rmap_strategy *strat);
void world_destroy(struct sim_vm *vm);

#endif

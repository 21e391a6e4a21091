/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVRMAP_SIM_RUN_H
#define NVRMAP_SIM_RUN_H

#include "gen.h"
#include "oracle.h"

struct run_result {
	const char *strategy;
	struct sim_stats stats;
	u64 errors;		/* events the world refused (bad targets) */
	u64 vcpu_errors;	/* faults that failed a vCPU */
	struct rmap_counters counters;
	double seconds;
	/* strategy time: per host-side event (mean, p99), per shadow fault */
	double host_ns_mean;
	u64 host_ns_p99;
	double fault_ns_mean;
};

/* Apply one event, and count it if the world refused it. */
void run_apply(struct sim_vm *vm, const struct sim_event *ev,
	       struct run_result *res);

/* Generate one event, apply it, and count what the world refused. */
void run_step(struct sim_vm *vm, struct gen *g, struct run_result *res);

/* The end of a run: final audit, memory, counters, timing figures. */
void run_finish(struct sim_vm *vm, struct run_result *res);

/* Called every few thousand events, and once with @done = all. */
typedef void (*run_tick_fn)(void *arg, u64 done);

/* Build the world, run @events generated events, tear it down. */
int run_events(const struct world_config *wc, const struct gen_params *gp,
	       const struct rmap_strategy *strat, u64 events, bool check,
	       struct run_result *res, run_tick_fn tick, void *arg);
/* The same, without progress. */
int run_random(const struct world_config *wc, const struct gen_params *gp,
	       const struct rmap_strategy *strat, u64 events, bool check,
	       struct run_result *res);

#endif

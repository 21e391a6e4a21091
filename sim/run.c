// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "run.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void run_apply(struct sim_vm *vm, const struct sim_event *ev,
	       struct run_result *res)
{
	int ret = vm_apply(vm, ev);

	if (ret == -EINVAL)
		res->errors++;
	else if (ret)
		res->vcpu_errors++;
}

void run_step(struct sim_vm *vm, struct gen *g, struct run_result *res)
{
	struct sim_event ev;

	gen_next(g, &ev);
	run_apply(vm, &ev, res);
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

void run_finish(struct sim_vm *vm, struct run_result *res)
{
	if (vm->oracle)
		oracle_audit(vm->oracle);
	vm_account_rmap(vm);
	res->stats = vm->stats;
	if (vm->strat->counters)
		vm->strat->counters(&vm->kvm, &res->counters);
	if (vm->nr_host_samples) {
		qsort(vm->host_samples, vm->nr_host_samples,
		      sizeof(*vm->host_samples), cmp_u32);
		res->host_ns_mean = (double)vm->stats.host_ns /
				    vm->nr_host_samples;
		res->host_ns_p99 =
			vm->host_samples[(vm->nr_host_samples - 1) * 99 / 100];
	}
	if (vm->stats.shadow_faults)
		res->fault_ns_mean = (double)vm->stats.fault_ns /
				     vm->stats.shadow_faults;
}

int run_events(const struct world_config *wc, const struct gen_params *gp,
	       const struct rmap_strategy *strat, u64 events, bool check,
	       struct run_result *res, run_tick_fn tick, void *arg)
{
	struct world_config cfg = *wc;
	struct sim_vm vm;
	struct gen g;
	double t0;
	int ret;

	cfg.vm.check = check;
	ret = world_create(&vm, &cfg, strat);
	if (ret)
		return ret;
	gen_init(&g, &vm, gp);
	*res = (struct run_result){ .strategy = strat->name };
	t0 = now();
	for (u64 i = 0; i < events; i++) {
		run_step(&vm, &g, res);
		if (tick && !(i & 4095))
			tick(arg, i);
	}
	if (tick)
		tick(arg, events);
	res->seconds = now() - t0;
	run_finish(&vm, res);
	world_destroy(&vm);
	return 0;
}

int run_random(const struct world_config *wc, const struct gen_params *gp,
	       const struct rmap_strategy *strat, u64 events, bool check,
	       struct run_result *res)
{
	return run_events(wc, gp, strat, events, check, res, NULL, NULL);
}

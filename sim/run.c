// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <time.h>

#include "run.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void run_step(struct sim_vm *vm, struct gen *g, struct run_result *res)
{
	struct sim_event ev;
	int ret;

	gen_next(g, &ev);
	ret = vm_apply(vm, &ev);
	if (ret == -EINVAL)
		res->errors++;
	else if (ret)
		res->vcpu_errors++;
}

int run_random(const struct world_config *wc, const struct gen_params *gp,
	       const struct rmap_strategy *strat, u64 events, bool check,
	       struct run_result *res)
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
	for (u64 i = 0; i < events; i++)
		run_step(&vm, &g, res);
	if (vm.oracle)
		oracle_audit(vm.oracle);
	vm_account_rmap(&vm);
	res->seconds = now() - t0;
	if (strat->counters)
		strat->counters(&vm.kvm, &res->counters);
	res->stats = vm.stats;
	world_destroy(&vm);
	return 0;
}

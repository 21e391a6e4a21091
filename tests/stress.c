// SPDX-License-Identifier: GPL-2.0
/*
 * The concurrent stress run (sim/concurrent.h): every strategy, then the
 * reverse map with 10%, 50% and 100% of its strategy calls' allocations
 * failing, each for SECONDS with one thread per vCPU plus a host and an
 * L1 thread, the oracle checking at quiescent points. Prints one line per
 * run; exits non-zero on any violation, refused event or vCPU error, and
 * for a failure run on a failure that did not end in the fallback. A
 * deadlock aborts (the watchdog). Built under ASan+UBSan and under TSan by
 * `make stress`.
 *
 *   stress [SECONDS [VCPUS [MIX]]]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maple-shared.h"
#include <linux/maple_tree.h>

#include "concurrent.h"

struct stress_opts {
	double seconds;
	unsigned int vcpus;
	const char *mix;
};

static int usage(void)
{
	fprintf(stderr, "usage: stress [SECONDS [VCPUS [MIX]]]\n");
	return 2;
}

static int parse(int argc, char **argv, struct stress_opts *o)
{
	char *end;

	*o = (struct stress_opts){ .seconds = 60, .vcpus = 4,
				   .mix = "default" };
	if (argc > 4)
		return usage();
	if (argc > 1) {
		o->seconds = strtod(argv[1], &end);
		if (*end || o->seconds <= 0)
			return usage();
	}
	if (argc > 2) {
		unsigned long v = strtoul(argv[2], &end, 10);

		if (*end || v < 1 || v > 32)
			return usage();
		o->vcpus = v;
	}
	if (argc > 3)
		o->mix = argv[3];
	return 0;
}

/* One run; true if it was clean. */
static bool stress_one(const struct stress_opts *o,
		       const struct rmap_strategy *s, unsigned int fail_pct)
{
	struct conc_params cp = {
		.seconds = o->seconds, .seed = 1, .quiesce_ms = 1000,
		.stall_ms = 30000,
	};
	struct world_config wc;
	struct gen_params gp;
	struct conc_result r;
	bool ok;

	if (gen_mix(o->mix, 1, &wc, &gp)) {
		fprintf(stderr, "stress: unknown mix '%s'\n", o->mix);
		exit(2);
	}
	wc.vm.nr_vcpus = o->vcpus;
	wc.vm.check = true;
	wc.vm.fail_pct = fail_pct;
	if (conc_run(&wc, &gp, s, &cp, &r)) {
		fprintf(stderr, "stress: cannot build the world\n");
		exit(2);
	}
	ok = !r.run.stats.violations && !r.run.vcpu_errors && !r.run.errors;
	if (fail_pct && s->exact)
		ok = ok && r.run.counters.fallbacks <= r.run.counters.failures;
	printf("%-10s %4u%% %7.1f %3u %10" PRIu64 " %8" PRIu64 " %8" PRIu64
	       " %10" PRIu64 " %8" PRIu64 " %6" PRIu64 " %8" PRIu64 " %9"
	       PRIu64 " %9" PRIu64 " %s\n", s->name, fail_pct,
	       r.run.seconds, r.threads, r.vcpu_events, r.host_events,
	       r.l1_events, r.run.stats.shadow_faults,
	       r.run.stats.fault_retries, r.quiescent_checks,
	       r.run.stats.violations + r.run.vcpu_errors + r.run.errors,
	       r.run.counters.failures, r.run.counters.fallbacks,
	       ok ? "ok" : "FAILED");
	fflush(stdout);
	return ok;
}

int main(int argc, char **argv)
{
	static const unsigned int fail[] = { 10, 50, 100 };
	struct stress_opts o;
	bool ok = true;

	if (parse(argc, argv, &o))
		return 2;
	maple_tree_init();
	rcu_register_thread();
	printf("%-10s %5s %7s %3s %10s %8s %8s %10s %8s %6s %8s %9s %9s\n",
	       "strategy", "fail", "sec", "thr", "vcpu ev", "host ev",
	       "l1 ev", "faults", "retries", "checks", "bad", "failures",
	       "fallbacks");
	for (int s = 0; strategies[s]; s++)
		ok &= stress_one(&o, strategies[s], 0);
	for (size_t i = 0; i < sizeof(fail) / sizeof(fail[0]); i++)
		ok &= stress_one(&o, &strategy_revmap, fail[i]);
	printf("%s\n", ok ? "stress: all clean" : "stress: FAILED");
	rcu_unregister_thread();
	rcu_barrier();
	return !ok;
}

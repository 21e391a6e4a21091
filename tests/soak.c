// SPDX-License-Identifier: GPL-2.0
/*
 * The long randomized runs: every strategy on every named mix, several
 * seeds, 1,000,000 events each by default, oracle on. Prints one line per
 * run and exits non-zero on any violation, vCPU error, or (for exact
 * strategies) collateral or fallback. Too long for CI: `make soak`.
 *
 *   soak [EVENTS [SEEDS]]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "maple-shared.h"
#include <linux/maple_tree.h>

#include "run.h"

int main(int argc, char **argv)
{
	u64 events = argc > 1 ? strtoull(argv[1], NULL, 0) : 1000000;
	unsigned int seeds = argc > 2 ? atoi(argv[2]) : 3;
	int bad = 0;

	maple_tree_init();
	rcu_register_thread();
	printf("%-10s %-16s %4s %10s %10s %10s %10s %10s %6s\n", "strategy",
	       "mix", "seed", "events", "faults", "collateral", "fallbacks",
	       "violation", "sec");
	for (int m = 0; gen_mix_names[m]; m++) {
		for (unsigned int seed = 1; seed <= seeds; seed++) {
			for (int s = 0; strategies[s]; s++) {
				const struct rmap_strategy *st = strategies[s];
				struct world_config wc;
				struct gen_params gp;
				struct run_result r;
				u64 coll;

				gen_mix(gen_mix_names[m], seed, &wc, &gp);
				if (run_random(&wc, &gp, st, events, true, &r))
					return 2;
				coll = r.stats.host_zapped - r.stats.host_needed;
				printf("%-10s %-16s %4u %10" PRIu64 " %10" PRIu64
				       " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
				       " %6.1f\n", st->name, gen_mix_names[m],
				       seed, r.stats.events, r.stats.shadow_faults,
				       coll, r.counters.fallbacks,
				       r.stats.violations + r.vcpu_errors,
				       r.seconds);
				fflush(stdout);
				if (r.stats.violations || r.vcpu_errors ||
				    (st->exact && (coll || r.counters.fallbacks)))
					bad = 1;
			}
		}
	}
	printf("%s\n", bad ? "soak: FAILED" : "soak: all clean");
	rcu_unregister_thread();
	rcu_barrier();
	return bad;
}

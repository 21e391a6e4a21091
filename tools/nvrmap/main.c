// SPDX-License-Identifier: GPL-2.0
/*
 * nvrmap: run the simulated nested KVM with a reverse-map strategy and
 * report what it costs and whether it is safe.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maple-shared.h"
#include <linux/maple_tree.h>
#include "run.h"

struct opts {
	const char *strategy;
	u64 events;
	u64 seed;
	bool check;
	bool quiet;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nvrmap run [--strategy NAME] [options]\n"
		"       nvrmap compare [options]\n"
		"       nvrmap strategies\n"
		"options:\n"
		"  -s, --strategy NAME  strategy for 'run' (default revmap)\n"
		"  -n, --events N       events to generate (default 200000)\n"
		"      --seed N         generator seed (default 1)\n"
		"      --check          run the safety oracle (default)\n"
		"      --no-check       do not run it\n"
		"  -q                   no table, exit status only\n");
}

static int parse_u64(const char *opt, const char *s, u64 *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "nvrmap: %s: '%s' is not a number\n", opt, s);
		return -EINVAL;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "strategy", required_argument, NULL, 's' },
		{ "events", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "check", no_argument, NULL, 'c' },
		{ "no-check", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:n:qh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->strategy = optarg;
			break;
		case 'n':
			if (parse_u64("--events", optarg, &o->events))
				return -EINVAL;
			break;
		case 'S':
			if (parse_u64("--seed", optarg, &o->seed))
				return -EINVAL;
			break;
		case 'c':
			o->check = true;
			break;
		case 'C':
			o->check = false;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nvrmap: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static void print_header(void)
{
	printf("%-10s %12s %10s %10s %10s %10s %10s %10s %12s %10s %10s %8s\n",
	       "strategy", "shadow-flt", "host-zap", "needed", "collateral",
	       "full-unmap", "fallbacks", "wp-leaves", "walk-steps",
	       "rmap-peak", "violation", "seconds");
}

static void print_row(const struct run_result *r)
{
	const struct sim_stats *s = &r->stats;

	printf("%-10s %12" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
	       " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12" PRIu64
	       " %10" PRIu64 " %10" PRIu64 " %8.2f\n",
	       r->strategy, s->shadow_faults, s->host_zapped, s->host_needed,
	       s->host_zapped - s->host_needed, s->full_mmu_unmaps,
	       r->counters.fallbacks, s->wp_leaves, s->walk_steps,
	       s->rmap_bytes_peak, s->violations, r->seconds);
}

static int run_one(const struct opts *o, const struct rmap_strategy *strat,
		   u64 *violations)
{
	struct world_config wc;
	struct gen_params gp;
	struct run_result r;
	int ret;

	world_default(&wc);
	gen_default(&gp, o->seed);
	ret = run_random(&wc, &gp, strat, o->events, o->check, &r);
	if (ret) {
		fprintf(stderr, "nvrmap: cannot build the world: %s\n",
			strerror(-ret));
		return ret;
	}
	if (!o->quiet)
		print_row(&r);
	*violations += r.stats.violations + r.vcpu_errors;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { .strategy = "revmap", .events = 200000, .seed = 1,
			  .check = true };
	const char *cmd = argc > 1 ? argv[1] : "compare";
	u64 violations = 0;
	int ret;

	if (argc > 1 && (!strcmp(cmd, "-h") || !strcmp(cmd, "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc > 1) {
		argc--;
		argv++;
	}
	if (parse_opts(argc, argv, &o))
		return 2;

	maple_tree_init();
	rcu_register_thread();
	if (!strcmp(cmd, "strategies")) {
		for (int i = 0; strategies[i]; i++)
			printf("%-10s %s\n", strategies[i]->name,
			       strategies[i]->summary);
		ret = 0;
	} else if (!strcmp(cmd, "run")) {
		const struct rmap_strategy *s = strategy_find(o.strategy);

		if (!s) {
			fprintf(stderr, "nvrmap: unknown strategy '%s'\n",
				o.strategy);
			ret = 2;
			goto out;
		}
		if (!o.quiet)
			print_header();
		ret = run_one(&o, s, &violations) ? 2 : 0;
	} else if (!strcmp(cmd, "compare")) {
		ret = 0;
		if (!o.quiet)
			print_header();
		for (int i = 0; strategies[i] && !ret; i++)
			ret = run_one(&o, strategies[i], &violations) ? 2 : 0;
	} else {
		fprintf(stderr, "nvrmap: unknown command '%s'\n", cmd);
		usage(stderr);
		ret = 2;
	}
	if (!ret && violations) {
		fprintf(stderr, "nvrmap: %" PRIu64 " violations\n", violations);
		ret = 1;
	}
out:
	rcu_unregister_thread();
	rcu_barrier();
	return ret;
}

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVRMAP_RUNNER_H
#define NVRMAP_RUNNER_H

#include "run.h"
#include "scenario.h"

/* A progress line on a terminal, for runs long enough to want one. */
struct progress {
	bool on;
	const char *what;
	u64 total;
	int shown;
};

void progress_init(struct progress *p, bool quiet, const char *what,
		   u64 total);
void progress_tick(struct progress *p, u64 done);
double now(void);

/* Build the scenario's world with @s, run its events, report in @res. */
int run_scenario(const struct scenario *sc, const struct rmap_strategy *s,
		 bool check, bool quiet, struct run_result *res);

#endif

// SPDX-License-Identifier: GPL-2.0
/* Running a scenario with one strategy, with a progress line. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runner.h"

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, bool quiet, const char *what,
		   u64 total)
{
	p->on = !quiet && total >= 200000 && isatty(STDERR_FILENO);
	p->what = what;
	p->total = total;
	p->shown = -1;
}

void progress_tick(struct progress *p, u64 done)
{
	int pct;

	if (!p->on || !p->total)
		return;
	pct = done * 100 / p->total;
	if (pct == p->shown)
		return;
	p->shown = pct;
	fprintf(stderr, "\r%-10s %3d%%", p->what, pct);
	if (done >= p->total)
		fprintf(stderr, "\r%-16s\r", "");
}

static void tick(void *arg, u64 done)
{
	progress_tick(arg, done);
}

int run_scenario(const struct scenario *sc, const struct rmap_strategy *s,
		 bool check, bool quiet, struct run_result *res)
{
	struct progress p;
	int ret;

	progress_init(&p, quiet, s->name, sc->events);
	ret = run_events(&sc->wc, &sc->gp, s, sc->events, check, res, tick,
			 &p);
	if (ret)
		fprintf(stderr, "nvrmap: %s: cannot build the world: %s\n",
			sc->name, strerror(-ret));
	return ret;
}

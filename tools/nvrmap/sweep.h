/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVRMAP_SWEEP_H
#define NVRMAP_SWEEP_H

#include "scenario.h"

/*
 * A copy of scenario @text with `key = value` set in the first [@section]
 * (added at its end, or in a new section, if missing). Caller frees.
 */
char *scenario_text_set(const char *text, const char *section,
			const char *key, const char *value);

/*
 * `nvrmap sweep`: run @sc once per value of @spec ("section.key=v1,v2"),
 * every strategy (or @strategy), with @sc's failure injection (the
 * vm_config fail_* fields), and write @dir/sweep.csv and, through gnuplot,
 * @dir/sweep.svg and @dir/sweep.png. Returns an exit status.
 */
int sweep_run(const struct scenario *sc, const char *spec, const char *dir,
	      const char *strategy, u64 events, const u64 *seed, bool check,
	      bool quiet);

#endif

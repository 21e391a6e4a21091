/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scenarios: a world (VM, memslots, guest hypervisor, L2 contexts), an
 * event mix and a length, written as a small INI-style text. Built-in
 * scenarios are texts in the same format, so one parser serves both.
 * The format is documented in docs/SCENARIOS.md.
 */
#ifndef NVRMAP_SIM_SCENARIO_H
#define NVRMAP_SIM_SCENARIO_H

#include <stddef.h>

#include "gen.h"

struct scenario {
	char name[64];
	char *text;			/* the source text, as parsed */
	struct world_config wc;
	struct gen_params gp;		/* gp.seed: the scenario's seed */
	u64 events;
};

/* A parse or validation error: where, and why. */
struct scenario_error {
	char file[256];
	unsigned int line;		/* 0: not tied to a line */
	char msg[256];
};

/*
 * Parse @text (named @file in errors). 0 on success; -EINVAL with @err
 * filled otherwise. On success @sc owns a copy of @text.
 */
int scenario_parse(const char *text, const char *file, struct scenario *sc,
		   struct scenario_error *err);
/* Read and parse a file (ENOENT etc. reported through @err too). */
int scenario_load_file(const char *path, struct scenario *sc,
		       struct scenario_error *err);
/* A built-in scenario by name, parsed from its text. */
int scenario_load_builtin(const char *name, struct scenario *sc,
			  struct scenario_error *err);
/* "default" first, then the others; NULL-terminated. */
extern const char *const scenario_builtin_names[];
const char *scenario_builtin_text(const char *name);
/* "file:line: msg" or "file: msg" */
void scenario_error_format(const struct scenario_error *err, char *buf,
			   size_t len);
void scenario_free(struct scenario *sc);

#endif

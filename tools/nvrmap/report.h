/* SPDX-License-Identifier: GPL-2.0 */
/* The comparison report: a human table, JSON or CSV. */
#ifndef NVRMAP_REPORT_H
#define NVRMAP_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "run.h"

enum report_format {
	REPORT_TABLE,
	REPORT_JSON,
	REPORT_CSV,
};

struct report {
	const char *scenario;
	u64 events;
	u64 seed;
	bool timing;		/* include wall-clock figures */
	/* sweep: the varied key and this report's value, first in CSV */
	const char *param;
	const char *param_value;
	unsigned int param_index;
	bool csv_header;
	unsigned int nr;
	struct run_result res[16];
};

void report_print(FILE *out, const struct report *r, enum report_format fmt);

#endif

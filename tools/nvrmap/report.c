// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <string.h>

#include "report.h"

/* One column of the report: a name and how to read it from a result. */
struct column {
	const char *name;
	const char *title;	/* table header */
	bool timing;
	double (*get)(const struct run_result *r);
	bool ratio;		/* also shown as a ratio to `full` */
};

#define STAT(field) \
	static double get_##field(const struct run_result *r) \
	{ return (double)r->stats.field; }

STAT(shadow_faults)
STAT(host_zapped)
STAT(host_needed)
STAT(full_mmu_unmaps)
STAT(wp_leaves)
STAT(walk_steps)
STAT(rmap_bytes_peak)
STAT(rmap_bytes)

static double get_collateral(const struct run_result *r)
{
	return (double)(r->stats.host_zapped - r->stats.host_needed);
}

static double get_fallbacks(const struct run_result *r)
{
	return (double)r->counters.fallbacks;
}

static double get_violations(const struct run_result *r)
{
	return (double)(r->stats.violations + r->vcpu_errors);
}

static double get_bytes_per_leaf(const struct run_result *r)
{
	u64 live = r->stats.live_leaves;

	return live ? (double)r->stats.rmap_bytes / live : 0;
}

static double get_host_mean(const struct run_result *r)
{
	return r->host_ns_mean;
}

static double get_host_p99(const struct run_result *r)
{
	return (double)r->host_ns_p99;
}

static double get_fault_ns(const struct run_result *r)
{
	return r->fault_ns_mean;
}

static const struct column columns[] = {
	{ "shadow_faults", "shadow faults", false, get_shadow_faults, true },
	{ "host_zapped", "host zapped", false, get_host_zapped, true },
	{ "needed", "needed", false, get_host_needed, false },
	{ "collateral", "collateral", false, get_collateral, true },
	{ "full_mmu_unmaps", "full unmaps", false, get_full_mmu_unmaps, true },
	{ "fallbacks", "fallbacks", false, get_fallbacks, false },
	{ "wp_leaves", "wp leaves", false, get_wp_leaves, true },
	{ "walk_steps", "walk steps", false, get_walk_steps, true },
	{ "violations", "violations", false, get_violations, false },
	{ "rmap_bytes", "rmap bytes", false, get_rmap_bytes, false },
	{ "rmap_bytes_peak", "rmap peak", false, get_rmap_bytes_peak, false },
	{ "rmap_bytes_per_leaf", "B/leaf", false, get_bytes_per_leaf, false },
	{ "host_event_ns_mean", "host ns mean", true, get_host_mean, true },
	{ "host_event_ns_p99", "host ns p99", true, get_host_p99, true },
	{ "fault_ns", "ns/fault", true, get_fault_ns, false },
};

#define NR_COLUMNS (sizeof(columns) / sizeof(columns[0]))

static const struct run_result *baseline(const struct report *r)
{
	for (unsigned int i = 0; i < r->nr; i++)
		if (!strcmp(r->res[i].strategy, "full"))
			return &r->res[i];
	return NULL;
}

static bool shown(const struct report *r, const struct column *c)
{
	return r->timing || !c->timing;
}

static void print_num(FILE *out, double v, int width)
{
	if (v == (double)(u64)v)
		fprintf(out, " %*" PRIu64, width, (u64)v);
	else
		fprintf(out, " %*.1f", width, v);
}

static void print_table(FILE *out, const struct report *r)
{
	const struct run_result *base = baseline(r);

	fprintf(out, "scenario %s, %" PRIu64 " events, seed %" PRIu64 "\n\n",
		r->scenario, r->events, r->seed);
	fprintf(out, "%-10s", "strategy");
	for (unsigned int c = 0; c < NR_COLUMNS; c++)
		if (shown(r, &columns[c]))
			fprintf(out, " %13s", columns[c].title);
	fprintf(out, "\n");
	for (unsigned int i = 0; i < r->nr; i++) {
		fprintf(out, "%-10s", r->res[i].strategy);
		for (unsigned int c = 0; c < NR_COLUMNS; c++)
			if (shown(r, &columns[c]))
				print_num(out, columns[c].get(&r->res[i]), 13);
		fprintf(out, "\n");
	}
	if (!base)
		return;
	fprintf(out, "\nratio to full\n%-10s", "strategy");
	for (unsigned int c = 0; c < NR_COLUMNS; c++)
		if (shown(r, &columns[c]) && columns[c].ratio)
			fprintf(out, " %13s", columns[c].title);
	fprintf(out, "\n");
	for (unsigned int i = 0; i < r->nr; i++) {
		fprintf(out, "%-10s", r->res[i].strategy);
		for (unsigned int c = 0; c < NR_COLUMNS; c++) {
			double b;

			if (!shown(r, &columns[c]) || !columns[c].ratio)
				continue;
			b = columns[c].get(base);
			if (b)
				fprintf(out, " %13.4f",
					columns[c].get(&r->res[i]) / b);
			else
				fprintf(out, " %13s", "-");
		}
		fprintf(out, "\n");
	}
}

static void print_json(FILE *out, const struct report *r)
{
	const struct run_result *base = baseline(r);

	fprintf(out, "{\"scenario\": \"%s\", \"events\": %" PRIu64
		", \"seed\": %" PRIu64 ", \"strategies\": [", r->scenario,
		r->events, r->seed);
	for (unsigned int i = 0; i < r->nr; i++) {
		fprintf(out, "%s\n  {\"strategy\": \"%s\"", i ? "," : "",
			r->res[i].strategy);
		for (unsigned int c = 0; c < NR_COLUMNS; c++) {
			double v;

			if (!shown(r, &columns[c]))
				continue;
			v = columns[c].get(&r->res[i]);
			fprintf(out, ", \"%s\": %.17g", columns[c].name, v);
			if (base && columns[c].ratio && columns[c].get(base))
				fprintf(out, ", \"%s_ratio\": %.17g",
					columns[c].name,
					v / columns[c].get(base));
		}
		fprintf(out, "}");
	}
	fprintf(out, "\n]}\n");
}

static void print_csv(FILE *out, const struct report *r)
{
	if (!r->param || r->csv_header) {
		if (r->param)
			fprintf(out, "param,index,value,");
		fprintf(out, "scenario,events,seed,strategy");
		for (unsigned int c = 0; c < NR_COLUMNS; c++)
			if (shown(r, &columns[c]))
				fprintf(out, ",%s", columns[c].name);
		fprintf(out, "\n");
	}
	for (unsigned int i = 0; i < r->nr; i++) {
		if (r->param)
			fprintf(out, "%s,%u,%s,", r->param, r->param_index,
				r->param_value);
		fprintf(out, "%s,%" PRIu64 ",%" PRIu64 ",%s", r->scenario,
			r->events, r->seed, r->res[i].strategy);
		for (unsigned int c = 0; c < NR_COLUMNS; c++)
			if (shown(r, &columns[c]))
				fprintf(out, ",%.17g",
					columns[c].get(&r->res[i]));
		fprintf(out, "\n");
	}
}

void report_print(FILE *out, const struct report *r, enum report_format fmt)
{
	switch (fmt) {
	case REPORT_TABLE:
		print_table(out, r);
		break;
	case REPORT_JSON:
		print_json(out, r);
		break;
	case REPORT_CSV:
		print_csv(out, r);
		break;
	}
}

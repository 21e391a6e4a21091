// SPDX-License-Identifier: GPL-2.0
/* `nvrmap sweep`: one scenario key varied over values, as CSV and plots. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "runner.h"
#include "sweep.h"

#define SWEEP_MAX_VALUES	64

static bool is_section(const char *line, size_t len, const char *section)
{
	size_t n = strlen(section);

	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	return len >= n + 2 && line[0] == '[' && !strncmp(line + 1, section, n) &&
	       line[n + 1] == ']';
}

static bool is_key(const char *line, size_t len, const char *key)
{
	size_t n = strlen(key);

	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	if (len < n || strncmp(line, key, n))
		return false;
	line += n;
	len -= n;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	return len && *line == '=';
}

char *scenario_text_set(const char *text, const char *section,
			const char *key, const char *value)
{
	size_t cap = strlen(text) + strlen(section) + strlen(key) +
		     strlen(value) + 16;
	char *out = malloc(cap), *o = out;
	bool in = false, done = false;
	const char *p = text;

	if (!out)
		return NULL;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool header = len && p[strspn(p, " \t")] == '[';

		if (in && header && !done) {
			o += sprintf(o, "%s = %s\n", key, value);
			done = true;
		}
		if (header)
			in = is_section(p, len, section);
		if (in && !done && is_key(p, len, key)) {
			o += sprintf(o, "%s = %s\n", key, value);
			done = true;
		} else {
			memcpy(o, p, len);
			o += len;
			*o++ = '\n';
		}
		p += len + (nl ? 1 : 0);
	}
	if (!done)
		o += sprintf(o, in ? "%s = %s\n" : "[%s]\n%s = %s\n",
			     in ? key : section, in ? value : key, value);
	*o = '\0';
	return out;
}

static int parse_spec(char *spec, char **section, char **key, char **values,
		      unsigned int *nr)
{
	char *dot = strchr(spec, '.'), *eq = strchr(spec, '='), *v, *save;

	if (!dot || !eq || dot > eq || dot == spec || eq == dot + 1) {
		fprintf(stderr, "nvrmap: sweep: '%s': expected SECTION.KEY=V1,V2,...\n",
			spec);
		return -EINVAL;
	}
	*dot = *eq = '\0';
	*section = spec;
	*key = dot + 1;
	*nr = 0;
	for (v = strtok_r(eq + 1, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
		if (*nr == SWEEP_MAX_VALUES) {
			fprintf(stderr, "nvrmap: sweep: at most %d values\n",
				SWEEP_MAX_VALUES);
			return -EINVAL;
		}
		values[(*nr)++] = v;
	}
	if (!*nr) {
		fprintf(stderr, "nvrmap: sweep: no values for %s.%s\n",
			*section, *key);
		return -EINVAL;
	}
	return 0;
}

/* Per-strategy columns for gnuplot, one file per strategy. */
static int write_dat(const char *dir, const char *strategy,
		     const struct run_result *res, char *const *values,
		     unsigned int nr)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, strategy);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "# index value shadow_faults host_zapped host_event_ns_mean walk_steps\n");
	for (unsigned int v = 0; v < nr; v++)
		fprintf(f, "%u %s %" PRIu64 " %" PRIu64 " %.1f %" PRIu64 "\n",
			v, values[v], res[v].stats.shadow_faults,
			res[v].stats.host_zapped, res[v].host_ns_mean,
			res[v].stats.walk_steps);
	return fclose(f) ? -EIO : 0;
}

static int write_plot(const char *dir, const char *param,
		      const char *const *names, unsigned int nr_names)
{
	static const char *const title[] = {
		"shadow faults", "leaves zapped by host events",
		"ns per host-side event (mean)", "shadow descriptors walked",
	};
	char path[4096], cmd[8300];
	FILE *gp;

	snprintf(path, sizeof(path), "%s/sweep.gp", dir);
	gp = fopen(path, "w");
	if (!gp)
		return -errno;
	fprintf(gp, "# nvrmap sweep of %s: run `gnuplot sweep.gp` here\n"
		"set termoption noenhanced\n"
		"set key outside right\n"
		"set grid\n"
		"set yrange [0:*]\n"
		"set xlabel '%s'\n"
		"strategies = '", param, param);
	for (unsigned int i = 0; i < nr_names; i++)
		fprintf(gp, "%s%s", i ? " " : "", names[i]);
	fprintf(gp, "'\n");
	for (int t = 0; t < 2; t++) {
		fprintf(gp, "set terminal %s size 1200,900\nset output 'sweep.%s'\n"
			"set multiplot layout 2,2\n",
			t ? "pngcairo" : "svg", t ? "png" : "svg");
		for (unsigned int m = 0; m < sizeof(title) / sizeof(title[0]);
		     m++)
			fprintf(gp, "set title '%s'\n"
				"plot for [s in strategies] s.'.dat' using 1:%u:xtic(2) "
				"with linespoints title s\n", title[m], m + 3);
		fprintf(gp, "unset multiplot\n");
	}
	fclose(gp);
	snprintf(cmd, sizeof(cmd), "cd '%s' && gnuplot sweep.gp", dir);
	if (system(cmd)) {
		fprintf(stderr, "nvrmap: sweep: gnuplot failed; %s/sweep.csv is written\n",
			dir);
		return -EIO;
	}
	return 0;
}

int sweep_run(const struct scenario *sc, const char *spec, const char *dir,
	      const char *strategy, u64 events, const u64 *seed, bool check,
	      bool quiet)
{
	char *copy = strdup(spec), *section, *key, *values[SWEEP_MAX_VALUES];
	char path[4096], param[256];
	static struct run_result all[16][SWEEP_MAX_VALUES];
	const char *names[16];
	unsigned int nr, nr_names = 0;
	int status = 0;
	FILE *csv;

	if (!copy || parse_spec(copy, &section, &key, values, &nr)) {
		free(copy);
		return 2;
	}
	snprintf(param, sizeof(param), "%s.%s", section, key);
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "nvrmap: %s: %s\n", dir, strerror(errno));
		free(copy);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/sweep.csv", dir);
	csv = fopen(path, "w");
	if (!csv) {
		fprintf(stderr, "nvrmap: %s: %s\n", path, strerror(errno));
		free(copy);
		return 2;
	}
	for (unsigned int v = 0; v < nr && !status; v++) {
		char *text = scenario_text_set(sc->text, section, key, values[v]);
		struct scenario_error err;
		struct scenario one;
		struct report r;
		char msg[600];

		if (!text || scenario_parse(text, param, &one, &err)) {
			if (text) {
				scenario_error_format(&err, msg, sizeof(msg));
				fprintf(stderr, "nvrmap: sweep %s=%s: %s\n",
					param, values[v], msg);
			}
			free(text);
			status = 2;
			break;
		}
		free(text);
		/* run options, not in the scenario text */
		one.wc.vm.fail_pct = sc->wc.vm.fail_pct;
		memcpy(one.wc.vm.fail_site_pct, sc->wc.vm.fail_site_pct,
		       sizeof(one.wc.vm.fail_site_pct));
		one.wc.vm.fail_seed = sc->wc.vm.fail_seed;
		if (events)
			one.events = events;
		if (seed)
			one.gp.seed = *seed;
		memset(&r, 0, sizeof(r));
		r.scenario = sc->name;
		r.events = one.events;
		r.seed = one.gp.seed;
		r.timing = true;
		r.param = param;
		r.param_value = values[v];
		r.param_index = v;
		r.csv_header = !v;
		for (int i = 0; strategies[i] && !status; i++) {
			if (strategy && strcmp(strategy, strategies[i]->name))
				continue;
			if (run_scenario(&one, strategies[i], check, quiet,
					 &r.res[r.nr])) {
				status = 2;
				break;
			}
			if (r.res[r.nr].stats.violations ||
			    r.res[r.nr].vcpu_errors)
				status = 1;
			all[r.nr][v] = r.res[r.nr];
			names[r.nr] = strategies[i]->name;
			r.nr++;
		}
		nr_names = r.nr;
		report_print(csv, &r, REPORT_CSV);
		if (!quiet)
			fprintf(stderr, "sweep %s = %s done\n", param, values[v]);
		scenario_free(&one);
	}
	if (fclose(csv) && !status)
		status = 2;
	for (unsigned int i = 0; i < nr_names && !status; i++)
		if (write_dat(dir, names[i], all[i], values, nr))
			status = 2;
	if (!status && write_plot(dir, param, names, nr_names))
		status = 2;
	if (!status && !quiet)
		printf("%s/sweep.csv, %s/sweep.svg, %s/sweep.png\n", dir, dir,
		       dir);
	free(copy);
	return status;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Traces that once failed (fuzz/regressions/fuzz_trace/, README there):
 * make fuzz-smoke only reads them; here each is replayed against every
 * strategy with the oracle on, as nvrmap replay would, and must read to
 * its clean end with every event applied, no vCPU error and no violation.
 * Run from the top of the tree, as make run-tests does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests.h"

#include "run.h"
#include "trace.h"

#define REGRESS_DIR	"fuzz/regressions/fuzz_trace"

static void replay(const char *path, const struct rmap_strategy *strat)
{
	struct run_result res = { .strategy = strat->name };
	struct trace_reader *tr;
	struct trace_error err;
	struct scenario sc;
	struct sim_event ev;
	struct sim_vm vm;
	char msg[600];
	FILE *f = fopen(path, "r");
	int ret;

	assert_non_null(f);
	ret = trace_reader_open(&tr, f, path, &sc, &err);
	if (ret) {
		trace_error_format(&err, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
	sc.wc.vm.check = true;
	assert_int_equal(world_create(&vm, &sc.wc, strat), 0);
	while ((ret = trace_read_event(tr, &ev, &err)) == 1)
		run_apply(&vm, &ev, &res);
	if (ret) {
		trace_error_format(&err, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
	run_finish(&vm, &res);
	print_message("# %s %-10s %llu events, %llu faults\n", path,
		      strat->name, (unsigned long long)res.stats.events,
		      (unsigned long long)res.stats.shadow_faults);
	assert_int_equal(res.stats.events, trace_reader_count(tr));
	assert_int_equal(res.errors, 0);
	assert_int_equal(res.vcpu_errors, 0);
	assert_int_equal(res.stats.violations, 0);
	world_destroy(&vm);
	trace_reader_close(tr);
	scenario_free(&sc);
	fclose(f);
}

static void traces_replay_cleanly(void **state)
{
	DIR *d = opendir(REGRESS_DIR);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", REGRESS_DIR, e->d_name);
		for (int s = 0; strategies[s]; s++)
			replay(path, strategies[s]);
		n++;
	}
	closedir(d);
	/* an empty or misplaced directory would test nothing */
	assert_true(n > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(traces_replay_cleanly),
	};
	return nvrmap_run_tests(tests);
}

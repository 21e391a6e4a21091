// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is a scenario file (docs/SCENARIOS.md) for
 * scenario_parse().
 *
 * Whatever the text, the parser must answer 0 or -EINVAL with a line of
 * the text and a reason that formats into any buffer, and leave nothing
 * behind. What it accepts it promises to build and run: the same text
 * parses the same again, also from inside a trace, and when the world is
 * small enough to be cheap it is created, runs a short generated stream
 * under the oracle without a refused event, a failed vCPU or a
 * violation, and is destroyed without a leak.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "run.h"
#include "scenario.h"
#include "trace.h"

/* A path with a directory and an extension: the default name is "in". */
#define FUZZ_FILE	"fuzz/in.scenario"
/* Worlds up to this size are built and run (a few MB of arrays). */
#define CHEAP_RAM	(4ULL << 30)
#define CHEAP_L2	(4ULL << 30)
#define CHEAP_VCPUS	64
#define RUN_EVENTS	300

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

static void check_error(const struct scenario_error *err, int ret,
			const char *text)
{
	unsigned int lines = 1;
	char small[8], big[sizeof(*err) + 64];

	for (const char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	FUZZ_CHECK(ret == -EINVAL, "unexpected error %d: %s", ret, err->msg);
	FUZZ_CHECK(!strcmp(err->file, FUZZ_FILE), "error names '%s'",
		   err->file);
	/* a whole-scenario error may point at no line, never past the text */
	FUZZ_CHECK(err->line <= lines, "error at line %u of %u: %s",
		   err->line, lines, err->msg);
	FUZZ_CHECK(err->msg[0], "error without a reason");
	for (size_t len = 0; len <= sizeof(small); len++) {
		memset(small, 'x', sizeof(small));
		scenario_error_format(err, small, len);
		FUZZ_CHECK(!len || strnlen(small, len) < len,
			   "%zu-byte buffer not terminated", len);
		FUZZ_CHECK(len == sizeof(small) || small[len] == 'x',
			   "%zu-byte buffer overrun", len);
	}
	scenario_error_format(err, big, sizeof(big));
	FUZZ_CHECK(!strncmp(big, FUZZ_FILE ":", strlen(FUZZ_FILE ":")),
		   "formatted error '%s'", big);
}

static void check_same(const struct scenario *a, const struct scenario *b,
		       const char *how)
{
	FUZZ_CHECK(!strcmp(a->name, b->name), "%s: name '%s', then '%s'",
		   how, a->name, b->name);
	FUZZ_CHECK(!memcmp(&a->wc, &b->wc, sizeof(a->wc)), "%s: world", how);
	FUZZ_CHECK(!memcmp(&a->gp, &b->gp, sizeof(a->gp)), "%s: mix", how);
	FUZZ_CHECK(a->events == b->events, "%s: events", how);
}

/* A trace carries the text: read back, it is the same scenario. */
static void check_trace_round_trip(const struct scenario *sc)
{
	struct trace_writer *tw;
	struct trace_reader *tr;
	struct trace_error err;
	struct scenario again;
	struct sim_event ev;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	f = open_memstream(&buf, &len);
	FUZZ_CHECK(f, "open_memstream");
	ret = trace_writer_open(&tw, f, sc);
	/* Lines over 4096 characters do not go into a trace (TRACE.md). */
	if (!ret)
		FUZZ_CHECK(!trace_writer_close(tw), "trace writer failed");
	fclose(f);
	if (ret) {
		FUZZ_CHECK(ret == -EINVAL, "trace writer: %d", ret);
		free(buf);
		return;
	}
	f = fmemopen(buf, len, "r");
	FUZZ_CHECK(f, "fmemopen");
	ret = trace_reader_open(&tr, f, FUZZ_FILE, &again, &err);
	FUZZ_CHECK(!ret, "own trace refused: %s:%llu: %s", err.file,
		   (unsigned long long)err.line, err.msg);
	FUZZ_CHECK(!trace_read_event(tr, &ev, &err), "own trace: %s",
		   err.msg);
	check_same(sc, &again, "from a trace");
	trace_reader_close(tr);
	scenario_free(&again);
	fclose(f);
	free(buf);
}

static bool cheap(const struct world_config *wc)
{
	u64 ram = 0;

	for (unsigned int i = 0; i < wc->vm.nr_slots; i++)
		ram += wc->vm.slots[i].size;
	return ram <= CHEAP_RAM && wc->vm.nr_vcpus <= CHEAP_VCPUS &&
	       (u64)wc->l1.nr_ctx * wc->l1.l2_mem_size <= CHEAP_L2;
}

/* "Every scenario that parses also builds" (SCENARIOS.md), and runs. */
static void check_runs(const struct scenario *sc)
{
	struct world_config wc = sc->wc;
	struct run_result res = { 0 };
	struct sim_vm vm;
	struct gen g;
	int ret;

	wc.vm.check = true;
	wc.vm.audit_every = 64;
	ret = world_create(&vm, &wc, &strategy_revmap);
	FUZZ_CHECK(!ret, "world_create: %d", ret);
	gen_init(&g, &vm, &sc->gp);
	for (u64 e = 0; e < min_t(u64, sc->events, RUN_EVENTS); e++)
		run_step(&vm, &g, &res);
	run_finish(&vm, &res);
	FUZZ_CHECK(!res.errors, "%llu events refused",
		   (unsigned long long)res.errors);
	FUZZ_CHECK(!res.vcpu_errors, "%llu vCPU errors",
		   (unsigned long long)res.vcpu_errors);
	FUZZ_CHECK(!res.stats.violations, "%llu oracle violations",
		   (unsigned long long)res.stats.violations);
	world_destroy(&vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario_error err;
	struct scenario sc, again;
	char *text = malloc(size + 1);
	int ret;

	FUZZ_CHECK(text, "malloc");
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&err, 0, sizeof(err));
	ret = scenario_parse(text, FUZZ_FILE, &sc, &err);
	if (ret) {
		check_error(&err, ret, text);
		FUZZ_CHECK(!sc.text, "a refused scenario keeps its text");
		free(text);
		return 0;
	}
	FUZZ_CHECK(sc.text && !strcmp(sc.text, text), "text not kept");
	FUZZ_CHECK(sc.name[0], "no name");
	FUZZ_CHECK(!scenario_parse(text, FUZZ_FILE, &again, &err),
		   "parsed once, refused then: %s", err.msg);
	check_same(&sc, &again, "parsed twice");
	scenario_free(&again);
	check_trace_round_trip(&sc);
	if (cheap(&sc.wc))
		check_runs(&sc);
	scenario_free(&sc);
	free(text);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Traces (docs/TRACE.md): every kind's line, a generated run written and
 * read back field by field and replayed to the same statistics, every
 * error at its line, and no prefix of a valid trace ever read as whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests.h"

#include "trace.h"

#define FILE_NAME	"t.trace"

/* A two-line scenario: its lines are the trace's lines 3 and 4. */
#define SC_TEXT		"[scenario]\nname = t\n"
#define HEAD		"nvrmap-trace 1\nscenario 2\n" SC_TEXT

static void assert_event_equal(const struct sim_event *a,
			       const struct sim_event *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->vcpu, b->vcpu);
	assert_int_equal(a->ctx, b->ctx);
	assert_int_equal(a->ctx2, b->ctx2);
	assert_int_equal(a->write, b->write);
	assert_int_equal(a->addr, b->addr);
	assert_int_equal(a->addr2, b->addr2);
	assert_int_equal(a->size, b->size);
}

/* An event as the generator leaves it before filling it in. */
static struct sim_event ev0(enum ev_kind kind)
{
	return (struct sim_event){ .kind = kind, .ctx = -1, .ctx2 = -1 };
}

static void parse_scenario(const char *text, struct scenario *sc)
{
	struct scenario_error err;

	assert_int_equal(scenario_parse(text, "test", sc, &err), 0);
}

/* The file's contents, NUL-terminated; its length in *@len. */
static char *slurp(FILE *f, size_t *len)
{
	long n;
	char *buf;

	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc(n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, n, f), n);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static FILE *file_of(const char *text, size_t len)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	rewind(f);
	return f;
}

/* 64-bit FNV-1a as docs/TRACE.md defines the checksum, written anew. */
static u64 fnv1a(const char *s, size_t n)
{
	u64 h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* HEAD, @body (event lines), and the end line they call for. */
static char *with_end(const char *body)
{
	size_t n = strlen(HEAD) + strlen(body);
	unsigned int events = 0;
	char *text = malloc(n + 64);

	assert_non_null(text);
	for (const char *p = body; *p; p++)
		events += *p == '\n';
	sprintf(text, "%s%s", HEAD, body);
	sprintf(text + n, "end %u %016llx\n", events,
		(unsigned long long)fnv1a(text, n));
	return text;
}

/*
 * Read @len bytes of @text as a trace to its end: the result of the last
 * trace_read_event() (or of trace_reader_open()), events in *@events.
 */
static int read_all(const char *text, size_t len, struct trace_error *err,
		    u64 *events)
{
	struct trace_reader *tr;
	struct trace_error again;
	struct scenario sc;
	struct sim_event ev;
	FILE *f = file_of(text, len);
	int ret;

	*events = 0;
	ret = trace_reader_open(&tr, f, FILE_NAME, &sc, err);
	if (ret) {
		assert_null(tr);
		fclose(f);
		return ret;
	}
	while ((ret = trace_read_event(tr, &ev, err)) == 1)
		(*events)++;
	/* the outcome sticks */
	assert_int_equal(trace_read_event(tr, &ev, &again), ret);
	if (ret)
		assert_int_equal(again.line, err->line);
	assert_int_equal(trace_reader_count(tr), *events);
	trace_reader_close(tr);
	scenario_free(&sc);
	fclose(f);
	return ret;
}

static void expect_error_len(const char *text, size_t len, u64 line,
			     const char *msg)
{
	struct trace_error err;
	char buf[600], where[64];
	u64 events;

	assert_int_equal(read_all(text, len, &err, &events), -EINVAL);
	trace_error_format(&err, buf, sizeof(buf));
	if (err.line != line || !strstr(err.msg, msg))
		fail_msg("expected line %llu '%s', got '%s'",
			 (unsigned long long)line, msg, buf);
	snprintf(where, sizeof(where), FILE_NAME ":%llu: ",
		 (unsigned long long)line);
	assert_memory_equal(buf, where, strlen(where));
}

static void expect_error(const char *text, u64 line, const char *msg)
{
	expect_error_len(text, strlen(text), line, msg);
}

/* HEAD then @body with a correct end line: the error is in @body. */
static void expect_body_error(const char *body, u64 line, const char *msg)
{
	char *text = with_end(body);

	expect_error(text, line, msg);
	free(text);
}

/* Every kind, its canonical line, and back. */
static void every_kind_round_trips(void **state)
{
	static const struct {
		struct sim_event ev;
		const char *line;
	} cases[] = {
		{ { EV_L2_ACCESS, 3, -1, -1, true, 0x7f000, 0, 0 },
		  "l2-access vcpu=3 addr=0x7f000 w" },
		{ { EV_L2_ACCESS, 0, -1, -1, false, 0, 0, 0 },
		  "l2-access vcpu=0 addr=0x0" },
		{ { EV_L1_ACCESS, 0, -1, -1, false, 0x40001008, 0, 0 },
		  "l1-access addr=0x40001008" },
		{ { EV_SWITCH, 1, 4, -1, false, 0, 0, 0 },
		  "switch vcpu=1 ctx=4" },
		{ { EV_SWITCH, 2147483647, -1, -1, false, 0, 0, 0 },
		  "switch vcpu=2147483647 ctx=-1" },
		{ { EV_HOST_RECLAIM, 0, -1, -1, false, 0x80000000, 0, SZ_2M },
		  "host-reclaim addr=0x80000000 size=0x200000" },
		{ { EV_HOST_MIGRATE, 0, -1, -1, false, 0x80001000, 0, SZ_4K },
		  "host-migrate addr=0x80001000 size=0x1000" },
		{ { EV_HOST_KSM, 0, -1, -1, false, 0x80001000, 0x1000, SZ_4K },
		  "host-ksm addr=0x80001000 addr2=0x1000" },
		{ { EV_HOST_THP_SPLIT, 0, -1, -1, false, 0x80200000, 0, SZ_2M },
		  "host-thp-split addr=0x80200000" },
		{ { EV_HOST_THP_COLLAPSE, 0, -1, -1, false, 0x80200000, 0,
		    SZ_2M },
		  "host-thp-collapse addr=0x80200000" },
		{ { EV_HOST_NUMA, 0, -1, -1, false, 0x80000000, 0, SZ_64M },
		  "host-numa addr=0x80000000 size=0x4000000" },
		{ { EV_HOST_DISCARD, 0, -1, -1, false, 0xfffffffffffff000ULL, 0,
		    SZ_4K },
		  "host-discard addr=0xfffffffffffff000 size=0x1000" },
		{ { EV_MEMSLOT_DELETE, 0, 2, -1, false, 0, 0, 0 },
		  "memslot-delete slot=2" },
		{ { EV_DIRTY_ENABLE, 0, 0, -1, false, 0, 0, 0 },
		  "dirty-enable slot=0" },
		{ { EV_DIRTY_CLEAR, 0, -1, -1, false, 0x100040000ULL, 0,
		    64 * SZ_4K },
		  "dirty-clear addr=0x100040000" },
		{ { EV_DIRTY_DISABLE, 0, 7, -1, false, 0, 0, 0 },
		  "dirty-disable slot=7" },
		{ { EV_AGE, 0, -1, -1, false, 0x80000000, 0, SZ_2M },
		  "age addr=0x80000000 size=0x200000" },
		{ { EV_L1_RECLAIM, 0, 2, -1, false, 0x1238, 0, 0 },
		  "l1-reclaim ctx=2 addr=0x1238" },
		{ { EV_L1_MIGRATE, 0, 0, -1, false, 0, 0, 0 },
		  "l1-migrate ctx=0 addr=0x0" },
		{ { EV_L1_KSM, 0, 2, 5, false, 0x3000, 0x5008, 0 },
		  "l1-ksm ctx=2 addr=0x3000 ctx2=5 addr2=0x5008" },
		{ { EV_L1_THP_SPLIT, 0, 9, -1, false, 0x200000, 0, 0 },
		  "l1-thp-split ctx=9 addr=0x200000" },
		{ { EV_L1_THP_COLLAPSE, 0, 9, -1, false, 0x200000, 0, 0 },
		  "l1-thp-collapse ctx=9 addr=0x200000" },
		{ { EV_L1_RANGE_UNMAP, 0, 1, -1, false, 0x10008, 0, 0x30000 },
		  "l1-range-unmap ctx=1 addr=0x10008 size=0x30000" },
		{ { EV_L1_DIRTY_LOG, 0, 3, -1, false, 0, 0, 0 },
		  "l1-dirty-log ctx=3" },
		{ { EV_L2_RESTART, 0, 3, -1, false, 0, 0, 0 },
		  "l2-restart ctx=3" },
		{ { EV_VMID_ROLLOVER, 0, -1, -1, false, 0, 0, 0 },
		  "vmid-rollover" },
	};
	bool seen[EV_NR_KINDS] = { false };
	char line[TRACE_MAX_LINE + 1], msg[256];
	struct sim_event ev;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *want = cases[i].line;

		assert_int_equal(trace_format_event(&cases[i].ev, line,
						    sizeof(line)),
				 strlen(want));
		assert_string_equal(line, want);
		if (trace_parse_event(want, &ev, msg, sizeof(msg)))
			fail_msg("%s: %s", want, msg);
		assert_event_equal(&ev, &cases[i].ev);
		seen[cases[i].ev.kind] = true;
	}
	for (int k = 0; k < EV_NR_KINDS; k++)
		assert_true(seen[k]);

	/* too small a buffer: refused, not cut */
	assert_int_equal(trace_format_event(&cases[0].ev, line, 10), -EINVAL);
	assert_int_equal(trace_format_event(&cases[0].ev, line,
					    strlen(cases[0].line)), -EINVAL);
	assert_int_equal(trace_format_event(&cases[0].ev, line,
					    strlen(cases[0].line) + 1),
			 strlen(cases[0].line));
}

/* Fields a kind does not use are not written, and come back as defaults. */
static void unused_fields_ignored(void **state)
{
	struct sim_event ev = { EV_VMID_ROLLOVER, 5, 6, 7, true, 1, 2, 3 };
	struct sim_event back;
	char line[128], msg[128];

	assert_int_equal(trace_format_event(&ev, line, sizeof(line)),
			 strlen("vmid-rollover"));
	assert_int_equal(trace_parse_event(line, &back, msg, sizeof(msg)), 0);
	ev = ev0(EV_VMID_ROLLOVER);
	assert_event_equal(&back, &ev);

	/* "w" only where a write means something */
	ev = ev0(EV_SWITCH);
	ev.ctx = 1;
	ev.write = true;
	assert_int_equal(trace_format_event(&ev, line, sizeof(line)),
			 strlen("switch vcpu=0 ctx=1"));
}

/* What the writer refuses, it refuses whole, and goes on. */
static void writer_refuses_bad_events(void **state)
{
	static const struct {
		struct sim_event ev;
		const char *msg;
	} cases[] = {
		{ { EV_NR_KINDS, 0, -1, -1, false, 0, 0, 0 }, "unknown" },
		{ { EV_L2_ACCESS, -1, -1, -1, false, 0, 0, 0 }, "negative" },
		{ { EV_SWITCH, 0, -2, -1, false, 0, 0, 0 }, "out of range" },
		{ { EV_L1_RECLAIM, 0, -1, -1, false, 0, 0, 0 }, "out of range" },
		{ { EV_L1_KSM, 0, 1, -1, false, 0, 0, 0 }, "ctx2 -1" },
		{ { EV_MEMSLOT_DELETE, 0, -1, -1, false, 0, 0, 0 }, "slot -1" },
		{ { EV_HOST_RECLAIM, 0, -1, -1, false, 0x1000, 0, 0 },
		  "size is 0" },
		{ { EV_HOST_RECLAIM, 0, -1, -1, false, 0x1000, 0, 0x1800 },
		  "multiple of 4K" },
		{ { EV_AGE, 0, -1, -1, false, 0x1008, 0, 0x1000 },
		  "not 4K-aligned" },
		{ { EV_HOST_NUMA, 0, -1, -1, false, 0xffffffffffe00000ULL, 0,
		    SZ_4M }, "wraps" },
		{ { EV_HOST_KSM, 0, -1, -1, false, 0x1000, 0x2000, SZ_2M },
		  "the kind's is 0x1000" },
		{ { EV_HOST_KSM, 0, -1, -1, false, 0x1000, 0x2004, SZ_4K },
		  "addr2 0x2004" },
		{ { EV_HOST_THP_SPLIT, 0, -1, -1, false, 0x200000, 0, SZ_4K },
		  "the kind's is 0x200000" },
		{ { EV_DIRTY_CLEAR, 0, -1, -1, false, 0x200000, 0, 0 },
		  "the kind's is 0x40000" },
		{ { EV_L1_RANGE_UNMAP, 0, 0, -1, false, 0x8, 0, 0x10 },
		  "multiple of 4K" },
	};
	struct trace_writer *tw;
	struct scenario sc;
	char msg[256], *text, *want;
	size_t len;
	FILE *f = tmpfile();

	parse_scenario(SC_TEXT, &sc);
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(trace_check_event(&cases[i].ev, msg,
						   sizeof(msg)), -EINVAL);
		if (!strstr(msg, cases[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, msg,
				 cases[i].msg);
		assert_int_equal(trace_write_event(tw, &cases[i].ev), -EINVAL);
	}
	assert_int_equal(trace_writer_count(tw), 0);
	assert_int_equal(trace_writer_close(tw), 0);
	text = slurp(f, &len);
	want = with_end("");
	assert_string_equal(text, want);
	free(want);
	free(text);
	fclose(f);
	scenario_free(&sc);
}

static void writer_open_checks(void **state)
{
	struct trace_writer *tw = (void *)1;
	struct scenario sc = { .text = NULL };
	FILE *f = tmpfile();
	char *big;

	assert_int_equal(trace_writer_open(&tw, f, &sc), -EINVAL);
	assert_null(tw);
	assert_int_equal(trace_writer_open(&tw, f, NULL), -EINVAL);

	/* a scenario line the reader would refuse */
	big = malloc(TRACE_MAX_LINE + 3);
	assert_non_null(big);
	memset(big, '#', TRACE_MAX_LINE + 1);
	strcpy(big + TRACE_MAX_LINE + 1, "\n");
	sc.text = big;
	assert_int_equal(trace_writer_open(&tw, f, &sc), -EINVAL);
	/* one shorter is fine */
	strcpy(big + TRACE_MAX_LINE, "\n");
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	assert_int_equal(trace_writer_close(tw), 0);
	free(big);
	assert_int_equal(trace_writer_close(NULL), 0);
	fclose(f);
}

/* A full disk shows at the latest when the trace is closed. */
static void writer_reports_write_errors(void **state)
{
	struct sim_event ev = ev0(EV_VMID_ROLLOVER);
	struct trace_writer *tw;
	struct scenario sc;
	int ret = 0;
	FILE *f = fopen("/dev/full", "w");

	if (!f)
		skip();
	parse_scenario(SC_TEXT, &sc);
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	for (int i = 0; i < 100000 && !ret; i++)
		ret = trace_write_event(tw, &ev);
	assert_int_equal(ret, -EIO);
	assert_int_equal(trace_write_event(tw, &ev), -EIO);
	assert_int_equal(trace_writer_close(tw), -EIO);
	fclose(f);

	f = fopen("/dev/full", "w");
	assert_non_null(f);
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	assert_int_equal(trace_writer_close(tw), -EIO);
	fclose(f);
	scenario_free(&sc);
}

static void zero_timing(struct sim_stats *s)
{
	s->host_ns = 0;
	s->fault_ns = 0;
}

/*
 * A generated run written as it goes, read back event by event, and
 * replayed into a second world: same events, same world, same figures.
 */
static void generated_run_replays_exactly(void **state)
{
	u64 n = events_from_env(20000), i = 0;
	struct sim_vm a, b;
	struct trace_writer *tw;
	struct trace_reader *tr;
	struct trace_error err;
	struct scenario sc, sc2;
	struct scenario_error serr;
	struct sim_event ev, *evs;
	struct gen g;
	int ret, *rets;
	FILE *f = tmpfile();

	assert_int_equal(scenario_load_builtin("default", &sc, &serr), 0);
	evs = calloc(n, sizeof(*evs));
	rets = calloc(n, sizeof(*rets));
	assert_true(evs && rets);

	assert_int_equal(world_create(&a, &sc.wc, &strategy_revmap), 0);
	gen_init(&g, &a, &sc.gp);
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	for (i = 0; i < n; i++) {
		gen_next(&g, &evs[i]);
		rets[i] = vm_apply(&a, &evs[i]);
		assert_int_equal(trace_write_event(tw, &evs[i]), 0);
	}
	assert_int_equal(trace_writer_count(tw), n);
	assert_int_equal(trace_writer_close(tw), 0);
	vm_account_rmap(&a);

	rewind(f);
	assert_int_equal(trace_reader_open(&tr, f, FILE_NAME, &sc2, &err), 0);
	assert_string_equal(sc2.text, sc.text);
	assert_memory_equal(&sc2.wc, &sc.wc, sizeof(sc.wc));
	assert_memory_equal(&sc2.gp, &sc.gp, sizeof(sc.gp));
	assert_int_equal(world_create(&b, &sc2.wc, &strategy_revmap), 0);
	for (i = 0; (ret = trace_read_event(tr, &ev, &err)) == 1; i++) {
		assert_true(i < n);
		assert_event_equal(&ev, &evs[i]);
		assert_int_equal(vm_apply(&b, &ev), rets[i]);
	}
	if (ret) {
		char buf[600];

		trace_error_format(&err, buf, sizeof(buf));
		fail_msg("%s", buf);
	}
	assert_int_equal(i, n);
	vm_account_rmap(&b);

	assert_true(a.stats.shadow_faults > 0);
	assert_true(a.stats.host_zapped > 0);
	assert_int_equal(b.stats.events, n);
	assert_int_equal(b.stats.shadow_faults, a.stats.shadow_faults);
	assert_int_equal(b.stats.host_zapped, a.stats.host_zapped);
	assert_int_equal(b.stats.guest_zapped, a.stats.guest_zapped);
	assert_int_equal(b.stats.rmap_bytes_peak, a.stats.rmap_bytes_peak);
	zero_timing(&a.stats);
	zero_timing(&b.stats);
	assert_memory_equal(&a.stats, &b.stats, sizeof(a.stats));

	trace_reader_close(tr);
	world_destroy(&a);
	world_destroy(&b);
	scenario_free(&sc);
	scenario_free(&sc2);
	free(evs);
	free(rets);
	fclose(f);
}

/* The text as the writer lays it out, checked byte for byte. */
static void writer_layout(void **state)
{
	struct sim_event e1 = ev0(EV_SWITCH), e2 = ev0(EV_L2_ACCESS);
	struct trace_writer *tw;
	struct scenario sc;
	char *text, *want;
	size_t len;
	FILE *f = tmpfile();

	/* no newline at the end of the scenario: the writer adds one */
	parse_scenario("[scenario]\nname = t", &sc);
	e1.vcpu = 1;
	e1.ctx = 4;
	e2.vcpu = 1;
	e2.addr = 0x7f008;
	e2.write = true;
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	assert_int_equal(trace_write_event(tw, &e1), 0);
	assert_int_equal(trace_write_event(tw, &e2), 0);
	assert_int_equal(trace_writer_close(tw), 0);
	text = slurp(f, &len);
	want = with_end("switch vcpu=1 ctx=4\nl2-access vcpu=1 addr=0x7f008 w\n");
	assert_string_equal(text, want);
	free(want);
	free(text);
	fclose(f);
	scenario_free(&sc);

	/* an empty scenario is 0 lines */
	f = tmpfile();
	parse_scenario("", &sc);
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	assert_int_equal(trace_writer_close(tw), 0);
	text = slurp(f, &len);
	assert_memory_equal(text, "nvrmap-trace 1\nscenario 0\nend 0 ", 32);
	free(text);
	fclose(f);
	scenario_free(&sc);
}

static void header_errors(void **state)
{
	char *long_count;

	expect_error("", 1, "empty input");
	expect_error("hello\n", 1, "not an nvrmap trace");
	expect_error("nvrmap-trace\n", 1, "not an nvrmap trace");
	expect_error("nvrmap-trace 2\nscenario 0\nend 0 0\n", 1,
		     "unsupported trace version '2'");
	expect_error("nvrmap-trace 1 \n", 1, "unsupported trace version");
	expect_error("nvrmap-trace 1", 1, "no newline");
	expect_error("nvrmap-trace 1\r\n", 1, "unsupported trace version");
	expect_error("nvrmap-trace 1\n", 2, "no scenario line");
	expect_error("nvrmap-trace 1\nscenery 2\n", 2, "expected 'scenario");
	expect_error("nvrmap-trace 1\nscenario\n", 2, "expected 'scenario");
	expect_error("nvrmap-trace 1\nscenario x\n", 2,
		     "bad scenario line count 'x'");
	expect_error("nvrmap-trace 1\nscenario 02\n", 2,
		     "bad scenario line count");
	expect_error("nvrmap-trace 1\nscenario -1\n", 2,
		     "bad scenario line count");
	expect_error("nvrmap-trace 1\nscenario 2 x\n", 2,
		     "bad scenario line count");
	expect_error("nvrmap-trace 1\nscenario 10001\n", 2,
		     "more than 10000 lines");
	long_count = "nvrmap-trace 1\nscenario 99999999999999999999999\n";
	expect_error(long_count, 2, "more than 10000 lines");
	expect_error("nvrmap-trace 1\nscenario 3\n[scenario]\nname = t\n", 5,
		     "the scenario has 2 of its 3 lines");
	expect_error("nvrmap-trace 1\nscenario 1\n[scenario]", 3,
		     "no newline");
}

/* Scenario errors point at the trace's lines. */
static void scenario_errors(void **state)
{
	struct scenario_error serr;
	struct scenario sc;
	char *text;

	/* the parser's own line, for reference */
	assert_int_equal(scenario_parse("[scenario]\nname = t\nbogus = 1\n",
					"x", &sc, &serr), -EINVAL);
	assert_int_equal(serr.line, 3);

	expect_error("nvrmap-trace 1\nscenario 3\n[scenario]\nname = t\n"
		     "bogus = 1\nend 0 0000000000000000\n", 5, "scenario: ");
	expect_error("nvrmap-trace 1\nscenario 1\n[nowhere]\n"
		     "end 0 0000000000000000\n", 3, "scenario: ");

	/* a scenario too large to embed */
	text = malloc(300 * 4001 + 64);
	assert_non_null(text);
	strcpy(text, "nvrmap-trace 1\nscenario 300\n");
	for (size_t i = 0, n = strlen(text); i < 300; i++, n += 4001) {
		memset(text + n, '#', 4000);
		strcpy(text + n + 4000, "\n");
	}
	expect_error(text, 2 + 263, "scenario larger than");
	free(text);
}

static void event_errors(void **state)
{
	static const struct {
		const char *line;
		const char *msg;
	} cases[] = {
		{ "bogus vcpu=1", "unknown event kind 'bogus'" },
		{ "end-of-days", "unknown event kind 'end-of-days'" },
		{ "L2-access vcpu=0 addr=0x0", "unknown event kind" },
		{ "", "empty line" },
		{ " switch vcpu=0 ctx=1", "starts with a space" },
		{ "switch vcpu=0  ctx=1", "single spaces" },
		{ "switch vcpu=0 ctx=1 ", "single spaces" },
		{ "switch\tvcpu=0 ctx=1", "unknown event kind" },
		{ "switch vcpu=0", "switch: missing field 'ctx'" },
		{ "l1-ksm ctx=1 addr=0x0 addr2=0x0",
		  "l1-ksm: missing field 'ctx2'" },
		{ "vmid-rollover now", "unknown field 'now'" },
		{ "switch vcpu=0 ctx=1 foo=2", "unknown field 'foo'" },
		{ "switch vcpu=0 =1 ctx=1", "unknown field ''" },
		{ "switch vcpu=0 vcpu=0 ctx=1", "duplicate field 'vcpu'" },
		{ "l2-access vcpu=0 addr=0x0 w w", "duplicate field 'w'" },
		{ "switch vcpu=0 ctx=1 addr=0x0", "switch has no field 'addr'" },
		{ "l1-access addr=0x0 size=0x1000", "has no field 'size'" },
		{ "host-ksm addr=0x1000 addr2=0x2000 size=0x1000",
		  "host-ksm has no field 'size'" },
		{ "memslot-delete ctx=1", "memslot-delete has no field 'ctx'" },
		{ "switch ctx=1 vcpu=0", "field 'vcpu' out of order" },
		{ "l2-access vcpu=0 w addr=0x0", "field 'addr' out of order" },
		{ "l2-access vcpu=0 addr=0x1000 w=1", "'w' takes no value" },
		{ "l2-access vcpu addr=0x1000", "field 'vcpu' needs a value" },
		{ "l2-access vcpu= addr=0x1000", "bad number '' for vcpu" },
		{ "l2-access vcpu=x addr=0x1000", "bad number 'x' for vcpu" },
		{ "l2-access vcpu=01 addr=0x1000", "bad number '01'" },
		{ "l2-access vcpu=+1 addr=0x1000", "bad number '+1'" },
		{ "l2-access vcpu=0x1 addr=0x1000", "bad number '0x1'" },
		{ "l2-access vcpu=1 addr=4096", "bad number '4096' for addr" },
		{ "l2-access vcpu=1 addr=0x0100", "bad number '0x0100'" },
		{ "l2-access vcpu=1 addr=0xABC", "bad number '0xABC'" },
		{ "l2-access vcpu=1 addr=0X10", "bad number '0X10'" },
		{ "l2-access vcpu=1 addr=0x", "bad number '0x'" },
		{ "l2-access vcpu=1 addr=0x1g", "bad number '0x1g'" },
		{ "l2-access vcpu=1 addr=-0x1", "bad number '-0x1'" },
		{ "l2-access vcpu=1 addr=0x10000000000000000",
		  "addr=0x10000000000000000 out of range" },
		{ "l2-access vcpu=2147483648 addr=0x0",
		  "vcpu=2147483648 out of range" },
		{ "l2-access vcpu=99999999999999999999999 addr=0x0",
		  "out of range" },
		{ "l2-access vcpu=-1 addr=0x0", "vcpu -1 is negative" },
		{ "switch vcpu=0 ctx=-2", "ctx -2 out of range" },
		{ "switch vcpu=0 ctx=-2147483648", "ctx -2147483648 out of range" },
		{ "switch vcpu=0 ctx=-2147483649", "out of range" },
		{ "switch vcpu=0 ctx=-0", "bad number '-0'" },
		{ "switch vcpu=0 ctx=--1", "bad number '--1'" },
		{ "l1-reclaim ctx=-1 addr=0x0", "ctx -1 out of range" },
		{ "l1-ksm ctx=0 addr=0x0 ctx2=-1 addr2=0x0", "ctx2 -1" },
		{ "dirty-enable slot=-1", "slot -1 is negative" },
		{ "host-reclaim addr=0x1000 size=0x0", "size is 0" },
		{ "host-reclaim addr=0x1000 size=0x800", "not a multiple of 4K" },
		{ "host-reclaim addr=0x1800 size=0x1000", "not 4K-aligned" },
		{ "host-reclaim addr=0xfffffffffffff000 size=0x2000", "wraps" },
		{ "host-thp-split addr=0xfffffffffff00000", "wraps" },
		{ "host-ksm addr=0x1000 addr2=0x1001", "addr2 0x1001" },
		{ "dirty-clear addr=0x1008", "not 4K-aligned" },
		{ "l1-range-unmap ctx=0 addr=0x8 size=0x0", "size is 0" },
		{ "l1-range-unmap ctx=0 addr=0x8 size=0x1008", "multiple of 4K" },
		{ "dirty-clear addr=0x1000\r", "bad number '0x1000\r'" },
	};
	char body[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		/* a good line first: the bad one is line 6 */
		snprintf(body, sizeof(body), "vmid-rollover\n%s\n",
			 cases[i].line);
		expect_body_error(body, 6, cases[i].msg);
	}
}

static void line_errors(void **state)
{
	size_t head = strlen(HEAD), len;
	char *text = malloc(head + TRACE_MAX_LINE + 64);

	assert_non_null(text);
	/* the longest line is read (and refused as an event) */
	strcpy(text, HEAD);
	memset(text + head, 'a', TRACE_MAX_LINE);
	strcpy(text + head + TRACE_MAX_LINE, "\nend 0 0000000000000000\n");
	expect_error(text, 5, "unknown event kind 'aaaa");
	/* one more character is too long, wherever the line ends */
	memset(text + head, 'a', TRACE_MAX_LINE + 1);
	strcpy(text + head + TRACE_MAX_LINE + 1, "\n");
	expect_error(text, 5, "line longer than 4096 characters");
	text[head + TRACE_MAX_LINE + 1] = '\0';
	expect_error(text, 5, "line longer than 4096 characters");
	free(text);

	/* a NUL byte */
	text = with_end("vmid-rollover\nvmid-rollover\n");
	len = strlen(text);
	text[head + 3] = '\0';
	expect_error_len(text, len, 5, "NUL byte");
	free(text);
}

static void end_errors(void **state)
{
	static const char *const bad_ends[] = {
		"end", "end ", "end 2", "end 2 ", "end x 0123456789abcdef",
		"end 02 0123456789abcdef", "end -2 0123456789abcdef",
		"end 2 0123456789abcde", "end 2 0123456789abcdef0",
		"end 2 0123456789ABCDEF", "end 2 0x23456789abcdef",
		"end 2  0123456789abcdef", "end 2 0123456789abcdef ",
		"end 2 0123456789abcdef x",
	};
	struct trace_error err;
	u64 events;
	char *good = with_end("vmid-rollover\nl2-restart ctx=1\n");
	size_t len = strlen(good);
	char *text = malloc(2 * len + 64);
	char *end_line;

	assert_non_null(text);
	/* line 7 is the end line */
	end_line = strstr(good, "end 2 ");
	assert_non_null(end_line);

	/* the whole of it reads */
	assert_int_equal(read_all(good, len, &err, &events), 0);
	assert_int_equal(events, 2);

	/* truncated: no end line */
	expect_error_len(good, end_line - good, 7,
			 "no end line after 2 events");
	expect_error(HEAD, 5, "no end line after 0 events");
	/* truncated in the end line */
	expect_error_len(good, len - 1, 7, "no newline");

	/* a line after the end line, even an empty one */
	sprintf(text, "%svmid-rollover\n", good);
	expect_error(text, 8, "data after the end line");
	sprintf(text, "%s\n", good);
	expect_error(text, 8, "data after the end line");
	sprintf(text, "%sx", good);
	expect_error(text, 8, "data after the end line");
	sprintf(text, "%s%s", good, good);
	expect_error(text, 8, "data after the end line");

	/* count and checksum */
	strcpy(text, good);
	text[end_line - good + 4] = '3';
	expect_error(text, 7, "count mismatch: the end line says 3, the trace has 2");
	strcpy(text, good);
	text[len - 2] = text[len - 2] == '0' ? '1' : '0';
	expect_error(text, 7, "checksum mismatch");

	/* malformed end lines */
	for (size_t i = 0; i < ARRAY_SIZE(bad_ends); i++) {
		memcpy(text, good, end_line - good);
		sprintf(text + (end_line - good), "%s\n", bad_ends[i]);
		expect_error(text, 7, "bad end line");
	}
	free(text);
	free(good);
}

/* Edits that still parse are caught by the checksum. */
static void tampering_detected(void **state)
{
	char *good = with_end("switch vcpu=0 ctx=1\nswitch vcpu=1 ctx=2\n");
	char *end_line = strstr(good, "end 2 ");
	char *text = strdup(good);
	char *p;

	assert_non_null(text);
	/* another value */
	p = strstr(text, "ctx=2");
	p[4] = '3';
	expect_error(text, 7, "checksum mismatch");
	/* two events swapped */
	strcpy(text, HEAD);
	strcat(text, "switch vcpu=1 ctx=2\nswitch vcpu=0 ctx=1\n");
	strcat(text, end_line);
	expect_error(text, 7, "checksum mismatch");
	/* an event dropped: the count says so first */
	strcpy(text, HEAD);
	strcat(text, "switch vcpu=0 ctx=1\n");
	strcat(text, end_line);
	expect_error(text, 6, "count mismatch");
	/* the scenario changed */
	strcpy(text, good);
	p = strstr(text, "name = t");
	p[7] = 'u';
	expect_error(text, 7, "checksum mismatch");
	free(text);
	free(good);
}

/* No prefix of a valid trace reads as a whole one, wherever it is cut. */
static void truncation_always_detected(void **state)
{
	struct trace_writer *tw;
	struct trace_error err;
	struct scenario sc;
	struct scenario_error serr;
	struct sim_event ev;
	struct sim_vm vm;
	struct gen g;
	u64 events, lines = 0;
	char *text;
	size_t len;
	FILE *f = tmpfile();

	assert_int_equal(scenario_load_builtin("default", &sc, &serr), 0);
	assert_int_equal(world_create(&vm, &sc.wc, &strategy_revmap), 0);
	gen_init(&g, &vm, &sc.gp);
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	for (int i = 0; i < 150; i++) {
		gen_next(&g, &ev);
		vm_apply(&vm, &ev);
		assert_int_equal(trace_write_event(tw, &ev), 0);
	}
	assert_int_equal(trace_writer_close(tw), 0);
	world_destroy(&vm);
	scenario_free(&sc);
	text = slurp(f, &len);
	fclose(f);

	assert_int_equal(read_all(text, len, &err, &events), 0);
	assert_int_equal(events, 150);
	for (size_t cut = 0; cut < len; cut++) {
		int ret = read_all(text, cut, &err, &events);

		if (ret != -EINVAL)
			fail_msg("cut at %zu of %zu: %d", cut, len, ret);
		/* the error is at the line that was cut, or the next one */
		assert_int_equal(err.line, lines + 1);
		lines += text[cut] == '\n';
	}
	free(text);
}

/* The example in docs/TRACE.md. */
static void documented_example_reads(void **state)
{
	static const char text[] =
		"nvrmap-trace 1\n"
		"scenario 2\n"
		"[scenario]\n"
		"name = default\n"
		"switch vcpu=3 ctx=0\n"
		"l1-access addr=0x14baa5dc0\n"
		"l2-access vcpu=3 addr=0x6d4d58\n"
		"l2-access vcpu=3 addr=0x13023c8 w\n"
		"host-reclaim addr=0x80000000 size=0x200000\n"
		"l1-ksm ctx=2 addr=0x3000 ctx2=5 addr2=0x5008\n"
		"end 6 4ae0c2b17183cdee\n";
	struct trace_error err;
	u64 events;

	assert_int_equal(read_all(text, strlen(text), &err, &events), 0);
	assert_int_equal(events, 6);
}

/* A long trace streams through (NVRMAP_TEST_EVENTS sets the length). */
static void long_trace_streams(void **state)
{
	u64 n = events_from_env(200000), i;
	struct trace_writer *tw;
	struct trace_reader *tr;
	struct trace_error err;
	struct scenario sc, sc2;
	struct sim_event ev, want;
	FILE *f = tmpfile();
	int ret;

	parse_scenario(SC_TEXT, &sc);
	assert_int_equal(trace_writer_open(&tw, f, &sc), 0);
	for (i = 0; i < n; i++) {
		ev = ev0(EV_L2_ACCESS);
		ev.vcpu = i % 7;
		ev.addr = i * 8;
		ev.write = i & 1;
		assert_int_equal(trace_write_event(tw, &ev), 0);
	}
	assert_int_equal(trace_writer_close(tw), 0);
	rewind(f);
	assert_int_equal(trace_reader_open(&tr, f, FILE_NAME, &sc2, &err), 0);
	for (i = 0; (ret = trace_read_event(tr, &ev, &err)) == 1; i++) {
		want = ev0(EV_L2_ACCESS);
		want.vcpu = i % 7;
		want.addr = i * 8;
		want.write = i & 1;
		assert_event_equal(&ev, &want);
	}
	assert_int_equal(ret, 0);
	assert_int_equal(i, n);
	trace_reader_close(tr);
	scenario_free(&sc);
	scenario_free(&sc2);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_kind_round_trips),
		cmocka_unit_test(unused_fields_ignored),
		cmocka_unit_test(writer_refuses_bad_events),
		cmocka_unit_test(writer_open_checks),
		cmocka_unit_test(writer_reports_write_errors),
		cmocka_unit_test(writer_layout),
		cmocka_unit_test(generated_run_replays_exactly),
		cmocka_unit_test(header_errors),
		cmocka_unit_test(scenario_errors),
		cmocka_unit_test(event_errors),
		cmocka_unit_test(line_errors),
		cmocka_unit_test(end_errors),
		cmocka_unit_test(tampering_detected),
		cmocka_unit_test(truncation_always_detected),
		cmocka_unit_test(documented_example_reads),
		cmocka_unit_test(long_trace_streams),
	};
	return nvrmap_run_tests(tests);
}

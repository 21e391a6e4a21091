// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is a trace file (docs/TRACE.md) for the
 * streaming reader of sim/trace.c.
 *
 * Whatever the input, the reader must return events and then 0 or an
 * error with the file, a line inside the input and a reason, never crash
 * or leak. The format has one text per event, so every event it returns
 * must format back to the very line it was read from and parse again to
 * the same event. What it read, written again by the writer, must be the
 * input's lines up to there and read back to the same events and a clean
 * end; a trace read to its clean end must come out byte for byte as it
 * went in. (Few mutated inputs keep a valid checksum: the write-back is
 * what takes the fuzzer's events through a whole trace.)
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "trace.h"

#define FUZZ_FILE	"fuzz.trace"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

/* struct sim_event has padding: compare it field by field. */
static bool event_equal(const struct sim_event *a, const struct sim_event *b)
{
	return a->kind == b->kind && a->vcpu == b->vcpu && a->ctx == b->ctx &&
	       a->ctx2 == b->ctx2 && a->write == b->write &&
	       a->addr == b->addr && a->addr2 == b->addr2 &&
	       a->size == b->size;
}

/* The input as lines: where the next one starts, and how many so far. */
struct cursor {
	const char *p, *end;
	u64 lines;
};

static size_t next_line(struct cursor *c, const char **line)
{
	const char *nl = memchr(c->p, '\n', c->end - c->p);
	size_t n;

	FUZZ_CHECK(nl, "the reader returned a line the input does not end");
	*line = c->p;
	n = nl - c->p;
	c->p = nl + 1;
	c->lines++;
	return n;
}

/* A successful open read the header, "scenario N" and N lines. */
static void skip_scenario(struct cursor *c)
{
	const char *line;
	u64 n;

	next_line(c, &line);
	next_line(c, &line);
	n = strtoull(line + strlen("scenario "), NULL, 10);
	while (n--)
		next_line(c, &line);
}

/* Canonical form: the event's text is the line it came from. */
static void check_event(const struct sim_event *ev, const char *line,
			size_t n)
{
	char buf[TRACE_MAX_LINE + 1], msg[256];
	struct sim_event again;
	int len;

	FUZZ_CHECK(!trace_check_event(ev, msg, sizeof(msg)),
		   "the reader returned an event the writer refuses: %s", msg);
	len = trace_format_event(ev, buf, sizeof(buf));
	FUZZ_CHECK(len >= 0, "cannot format a parsed event");
	FUZZ_CHECK((size_t)len == n && !memcmp(buf, line, n),
		   "line '%.*s' formats back as '%s'", (int)n, line, buf);
	FUZZ_CHECK(!trace_parse_event(buf, &again, msg, sizeof(msg)),
		   "'%s' does not parse again: %s", buf, msg);
	FUZZ_CHECK(event_equal(ev, &again), "'%s' parses to another event",
		   buf);
}

/* Errors name the file and a line of the input, and fit any buffer. */
static void check_error(const struct trace_error *err, int ret, u64 lines)
{
	char small[8], big[sizeof(*err) + 64];

	FUZZ_CHECK(ret == -EINVAL, "unexpected error %d: %s", ret, err->msg);
	FUZZ_CHECK(!strcmp(err->file, FUZZ_FILE), "error names '%s'",
		   err->file);
	FUZZ_CHECK(err->line >= 1 && err->line <= lines + 1,
		   "error at line %llu of a %llu-line input: %s",
		   (unsigned long long)err->line, (unsigned long long)lines,
		   err->msg);
	FUZZ_CHECK(err->msg[0], "error without a reason");
	trace_error_format(err, small, sizeof(small));
	FUZZ_CHECK(strlen(small) < sizeof(small), "short buffer overrun");
	trace_error_format(err, big, sizeof(big));
	FUZZ_CHECK(!strncmp(big, FUZZ_FILE ":", strlen(FUZZ_FILE ":")),
		   "formatted error '%s'", big);
}

static u64 count_lines(const char *data, size_t size)
{
	u64 n = 0;

	for (const char *p = data; (p = memchr(p, '\n', data + size - p)); p++)
		n++;
	/* a last line without its newline is a line too */
	return n + (size && data[size - 1] != '\n');
}

/* The writer's output: the events again, then a clean end. */
static void check_read_back(char *buf, size_t len,
			    const struct sim_event *evs, u64 n)
{
	struct trace_reader *tr;
	struct trace_error err;
	struct scenario sc;
	struct sim_event ev;
	FILE *f = fmemopen(buf, len, "r");
	int ret;

	FUZZ_CHECK(f, "fmemopen");
	ret = trace_reader_open(&tr, f, FUZZ_FILE, &sc, &err);
	FUZZ_CHECK(!ret, "own trace refused: line %llu: %s",
		   (unsigned long long)err.line, err.msg);
	for (u64 i = 0; i < n; i++) {
		ret = trace_read_event(tr, &ev, &err);
		FUZZ_CHECK(ret == 1, "own trace, event %llu: %d, line %llu: %s",
			   (unsigned long long)i, ret,
			   (unsigned long long)err.line, err.msg);
		FUZZ_CHECK(event_equal(&ev, &evs[i]), "own trace, event %llu",
			   (unsigned long long)i);
	}
	ret = trace_read_event(tr, &ev, &err);
	FUZZ_CHECK(!ret, "own trace does not end cleanly: line %llu: %s",
		   (unsigned long long)err.line, err.msg);
	trace_reader_close(tr);
	scenario_free(&sc);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct cursor cur = { text, text + size, 0 };
	struct trace_reader *tr;
	struct trace_writer *tw;
	struct trace_error err, err2;
	struct scenario sc;
	struct sim_event ev, *evs;
	char *out = NULL, *end_line;
	size_t out_len = 0;
	FILE *in, *copy;
	u64 lines = count_lines(text, size), events = 0;
	int ret;

	/* fmemopen() refuses a zero size; an empty file is just as empty. */
	in = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
	FUZZ_CHECK(in, "cannot open the input");
	ret = trace_reader_open(&tr, in, FUZZ_FILE, &sc, &err);
	if (ret) {
		check_error(&err, ret, lines);
		fclose(in);
		return 0;
	}
	skip_scenario(&cur);

	/* Write what is read: for a whole trace, the same bytes again. */
	copy = open_memstream(&out, &out_len);
	FUZZ_CHECK(copy, "open_memstream");
	FUZZ_CHECK(!trace_writer_open(&tw, copy, &sc),
		   "the writer refuses a scenario the reader accepted");

	/* an event line takes at least 4 bytes: "age\n" */
	evs = malloc((size / 4 + 1) * sizeof(*evs));
	FUZZ_CHECK(evs, "malloc");
	while ((ret = trace_read_event(tr, &ev, &err)) == 1) {
		const char *line;
		size_t n = next_line(&cur, &line);

		check_event(&ev, line, n);
		FUZZ_CHECK(!trace_write_event(tw, &ev), "cannot write it back");
		evs[events++] = ev;
	}
	FUZZ_CHECK(trace_reader_count(tr) == events, "count %llu of %llu",
		   (unsigned long long)trace_reader_count(tr),
		   (unsigned long long)events);
	/* The outcome is final. */
	FUZZ_CHECK(trace_read_event(tr, &ev, &err2) == ret, "not final");
	if (ret) {
		check_error(&err, ret, lines);
		FUZZ_CHECK(!memcmp(&err, &err2, sizeof(err)),
			   "the error changed");
	}
	FUZZ_CHECK(!trace_writer_close(tw), "writer close failed");
	fclose(copy);
	if (!ret)
		FUZZ_CHECK(out_len == size && !memcmp(out, data, size),
			   "a whole trace written again differs (%zu bytes, %zu in)",
			   out_len, size);
	/* up to its end line, the copy is what was read */
	FUZZ_CHECK(out_len && out[out_len - 1] == '\n', "copy not ended");
	out[out_len - 1] = '\0';
	end_line = strrchr(out, '\n');
	FUZZ_CHECK(end_line, "copy without an end line");
	out[out_len - 1] = '\n';
	FUZZ_CHECK((size_t)(end_line + 1 - out) == (size_t)(cur.p - text) &&
		   !memcmp(out, data, cur.p - text),
		   "the copy differs from the lines read");
	check_read_back(out, out_len, evs, events);
	free(evs);
	free(out);
	trace_reader_close(tr);
	scenario_free(&sc);
	fclose(in);
	return 0;
}

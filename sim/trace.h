/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Traces: a run written down as text, exactly enough to replay it. A trace
 * holds the scenario the run used (so that replay builds the same world)
 * and every event applied to it, one line each, and ends with the number
 * of events and a checksum so that a truncated or edited trace is refused.
 * The format is documented in docs/TRACE.md.
 *
 * Both sides stream: the writer keeps one line, the reader one line plus
 * a read buffer, whatever the length of the trace.
 */
#ifndef NVRMAP_SIM_TRACE_H
#define NVRMAP_SIM_TRACE_H

#include <stddef.h>
#include <stdio.h>

#include "event.h"
#include "scenario.h"

#define TRACE_VERSION			1
/* Longest line, newline excluded; longer ones are refused both ways. */
#define TRACE_MAX_LINE			4096
/* Largest embedded scenario: lines, and bytes counting their newlines. */
#define TRACE_MAX_SCENARIO_LINES	10000
#define TRACE_MAX_SCENARIO_BYTES	SZ_1M

/* A trace that cannot be read: where, and why. */
struct trace_error {
	char file[256];
	u64 line;			/* 1-based; 0: not tied to a line */
	char msg[256];
};

/* "file:line: msg", or "file: msg" when the error has no line. */
void trace_error_format(const struct trace_error *err, char *buf, size_t len);

/*
 * Can @ev be written to a trace? 0 if so, otherwise -EINVAL and, when
 * @msg is not NULL, the reason in @msg. Only the fields of the event's
 * kind are looked at (docs/TRACE.md has the table).
 */
int trace_check_event(const struct sim_event *ev, char *msg, size_t len);

/*
 * The canonical line of @ev, without a newline: its length, or -EINVAL
 * if trace_check_event() refuses it or it does not fit in @len bytes
 * (TRACE_MAX_LINE + 1 always suffices).
 */
int trace_format_event(const struct sim_event *ev, char *buf, size_t len);

/*
 * Parse one canonical event line (no newline). 0 with @ev filled (fields
 * the kind does not use are 0, ctx and ctx2 -1, size the kind's implied
 * size if any); -EINVAL with the reason in @msg otherwise.
 */
int trace_parse_event(const char *line, struct sim_event *ev, char *msg,
		      size_t len);

struct trace_writer;

/*
 * Start a trace on @out: header and @sc->text (the scenario as parsed).
 * 0, or -EINVAL if @sc has no text or its text does not fit the limits
 * above (nothing is written then), -ENOMEM, -EIO. @out stays the
 * caller's: the writer never closes it.
 */
int trace_writer_open(struct trace_writer **tw, FILE *out,
		      const struct scenario *sc);
/*
 * Append @ev. -EINVAL (nothing written, the writer still usable) if the
 * event cannot be written, -EIO once a write to @out has failed.
 */
int trace_write_event(struct trace_writer *tw, const struct sim_event *ev);
/* Events written so far. */
u64 trace_writer_count(const struct trace_writer *tw);
/*
 * Write the end line, flush @out and free @tw (always, even on failure).
 * 0, or -EIO if any write to @out failed since the trace was opened.
 */
int trace_writer_close(struct trace_writer *tw);

struct trace_reader;

/*
 * Start reading a trace from @in (named @file in errors): check the header
 * and parse the embedded scenario into @sc, which the caller then owns
 * (scenario_free()). 0, or -EINVAL/-EIO/-ENOMEM with @err filled and @sc
 * untouched. Scenario errors carry the trace's line numbers.
 */
int trace_reader_open(struct trace_reader **tr, FILE *in, const char *file,
		      struct scenario *sc, struct trace_error *err);
/*
 * The next event: 1 with @ev filled; 0 at the clean end (the end line
 * matched the number of events and their checksum, and nothing follows
 * it); -EINVAL (bad or truncated trace) or -EIO (read error) with @err
 * filled. Once it has returned 0 or an error, it returns the same again.
 * Until it returns 0, no event read can be trusted to be the whole run.
 */
int trace_read_event(struct trace_reader *tr, struct sim_event *ev,
		     struct trace_error *err);
/* Events read so far. */
u64 trace_reader_count(const struct trace_reader *tr);
/* Free @tr; @in stays the caller's. NULL is fine. */
void trace_reader_close(struct trace_reader *tr);

#endif

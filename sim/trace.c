// SPDX-License-Identifier: GPL-2.0
/*
 * Traces (docs/TRACE.md): a writer, and a reader that streams, checks
 * every line strictly and trusts nothing until the end line matched.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define STR_(x)		#x
#define STR(x)		STR_(x)
#define MAGIC		"nvrmap-trace"
#define HEADER		MAGIC " " STR(TRACE_VERSION)

/* 64-bit FNV-1a over every line up to the end line, newlines included. */
#define FNV_OFFSET	0xcbf29ce484222325ULL
#define FNV_PRIME	0x100000001b3ULL

static u64 hash_line(u64 h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	h ^= '\n';
	return h * FNV_PRIME;
}

/* How much of a user-supplied token goes into an error message. */
#define SHOW		40

static int show(size_t n)
{
	return n < SHOW ? n : SHOW;
}

/* The fields of an event line, in the order they are written. */
enum tfield {
	TF_VCPU,
	TF_SLOT,		/* memslot index, kept in ctx */
	TF_CTX,
	TF_ADDR,
	TF_CTX2,
	TF_ADDR2,
	TF_SIZE,
	TF_W,			/* a write; no value */
	TF_NR,
};

static const char *const field_name[TF_NR] = {
	[TF_VCPU] = "vcpu",
	[TF_SLOT] = "slot",
	[TF_CTX] = "ctx",
	[TF_ADDR] = "addr",
	[TF_CTX2] = "ctx2",
	[TF_ADDR2] = "addr2",
	[TF_SIZE] = "size",
	[TF_W] = "w",
};

#define F(f)		(1u << TF_##f)
#define HEX_FIELDS	(F(ADDR) | F(ADDR2) | F(SIZE))

/* Checks beyond "this field is there and fits". */
#define C_CTX_L1	BIT(0)	/* ctx may be -1: back to L1 */
#define C_HOST_RANGE	BIT(1)	/* addr, size: whole 4K pages, not wrapping */
#define C_ADDR2_PAGE	BIT(2)	/* addr2 4K-aligned */
#define C_SIZE_PAGES	BIT(3)	/* size: whole 4K pages, not wrapping */

struct kind_spec {
	unsigned int req;	/* fields the line must have */
	unsigned int opt;	/* fields it may have */
	unsigned int checks;
	u64 size;		/* size the kind implies (not written), or 0 */
};

#define HOST_RANGE	{ F(ADDR) | F(SIZE), 0, C_HOST_RANGE, 0 }
#define HOST_2M		{ F(ADDR), 0, C_HOST_RANGE, SZ_2M }
#define SLOT		{ F(SLOT), 0, 0, 0 }
#define CTX_ADDR	{ F(CTX) | F(ADDR), 0, 0, 0 }
#define CTX_ONLY	{ F(CTX), 0, 0, 0 }

static const struct kind_spec specs[EV_NR_KINDS] = {
	[EV_L2_ACCESS] = { F(VCPU) | F(ADDR), F(W), 0, 0 },
	[EV_L1_ACCESS] = { F(ADDR), F(W), 0, 0 },
	[EV_SWITCH] = { F(VCPU) | F(CTX), 0, C_CTX_L1, 0 },
	[EV_HOST_RECLAIM] = HOST_RANGE,
	[EV_HOST_MIGRATE] = HOST_RANGE,
	[EV_HOST_KSM] = { F(ADDR) | F(ADDR2), 0,
			  C_HOST_RANGE | C_ADDR2_PAGE, SZ_4K },
	[EV_HOST_THP_SPLIT] = HOST_2M,
	[EV_HOST_THP_COLLAPSE] = HOST_2M,
	[EV_HOST_NUMA] = HOST_RANGE,
	[EV_HOST_DISCARD] = HOST_RANGE,
	[EV_MEMSLOT_DELETE] = SLOT,
	[EV_DIRTY_ENABLE] = SLOT,
	[EV_DIRTY_CLEAR] = { F(ADDR), 0, C_HOST_RANGE, 64 * SZ_4K },
	[EV_DIRTY_DISABLE] = SLOT,
	[EV_AGE] = HOST_RANGE,
	[EV_L1_RECLAIM] = CTX_ADDR,
	[EV_L1_MIGRATE] = CTX_ADDR,
	[EV_L1_KSM] = { F(CTX) | F(ADDR) | F(CTX2) | F(ADDR2), 0, 0, 0 },
	[EV_L1_THP_SPLIT] = CTX_ADDR,
	[EV_L1_THP_COLLAPSE] = CTX_ADDR,
	[EV_L1_RANGE_UNMAP] = { F(CTX) | F(ADDR) | F(SIZE), 0,
				C_SIZE_PAGES, 0 },
	[EV_L1_DIRTY_LOG] = CTX_ONLY,
	[EV_L2_RESTART] = CTX_ONLY,
	[EV_VMID_ROLLOVER] = { 0, 0, 0, 0 },
};

static __printf(3, 4) int bad(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (msg && len) {
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int check_pages(const char *kind, u64 addr, u64 size, bool aligned,
		       char *msg, size_t len)
{
	if (!size)
		return bad(msg, len, "%s: size is 0", kind);
	if (!IS_ALIGNED(size, SZ_4K))
		return bad(msg, len, "%s: size %#llx is not a multiple of 4K",
			   kind, (unsigned long long)size);
	if (aligned && !IS_ALIGNED(addr, SZ_4K))
		return bad(msg, len, "%s: addr %#llx is not 4K-aligned", kind,
			   (unsigned long long)addr);
	if (addr + (size - 1) < addr)
		return bad(msg, len, "%s: range %#llx+%#llx wraps around",
			   kind, (unsigned long long)addr,
			   (unsigned long long)size);
	return 0;
}

int trace_check_event(const struct sim_event *ev, char *msg, size_t len)
{
	const struct kind_spec *ks;
	const char *kind;
	unsigned int f;

	if ((unsigned int)ev->kind >= EV_NR_KINDS)
		return bad(msg, len, "unknown event kind %d", (int)ev->kind);
	ks = &specs[ev->kind];
	kind = ev_kind_name(ev->kind);
	f = ks->req | ks->opt;

	if ((f & F(VCPU)) && ev->vcpu < 0)
		return bad(msg, len, "%s: vcpu %d is negative", kind, ev->vcpu);
	if ((f & F(SLOT)) && ev->ctx < 0)
		return bad(msg, len, "%s: slot %d is negative", kind, ev->ctx);
	if ((f & F(CTX)) && ev->ctx < ((ks->checks & C_CTX_L1) ? -1 : 0))
		return bad(msg, len, "%s: ctx %d out of range (%s)", kind,
			   ev->ctx, (ks->checks & C_CTX_L1) ?
			   "-1 for L1, or a context" : "a context");
	if ((f & F(CTX2)) && ev->ctx2 < 0)
		return bad(msg, len, "%s: ctx2 %d is negative", kind, ev->ctx2);
	if (ks->size && ev->size != ks->size)
		return bad(msg, len, "%s: size %#llx, the kind's is %#llx",
			   kind, (unsigned long long)ev->size,
			   (unsigned long long)ks->size);
	if ((ks->checks & C_HOST_RANGE) &&
	    check_pages(kind, ev->addr, ev->size, true, msg, len))
		return -EINVAL;
	if ((ks->checks & C_SIZE_PAGES) &&
	    check_pages(kind, ev->addr, ev->size, false, msg, len))
		return -EINVAL;
	if ((ks->checks & C_ADDR2_PAGE) && !IS_ALIGNED(ev->addr2, SZ_4K))
		return bad(msg, len, "%s: addr2 %#llx is not 4K-aligned", kind,
			   (unsigned long long)ev->addr2);
	return 0;
}

/* The fields a line for @ev carries. */
static unsigned int event_fields(const struct sim_event *ev)
{
	const struct kind_spec *ks = &specs[ev->kind];

	return ks->req | (ev->write ? ks->opt & F(W) : 0);
}

/* A line being built: what does not fit is counted, not written. */
struct sbuf {
	char *buf;
	size_t len, n;
};

static void put_char(struct sbuf *b, char c)
{
	if (b->n < b->len)
		b->buf[b->n] = c;
	b->n++;
}

static void put_str(struct sbuf *b, const char *s)
{
	while (*s)
		put_char(b, *s++);
}

static void put_num(struct sbuf *b, u64 v, bool hex)
{
	char digits[24];
	int i = 0;

	do {
		digits[i++] = "0123456789abcdef"[hex ? v & 15 : v % 10];
		v = hex ? v >> 4 : v / 10;
	} while (v);
	if (hex)
		put_str(b, "0x");
	while (i)
		put_char(b, digits[--i]);
}

static void put_field(struct sbuf *b, int f, const struct sim_event *ev)
{
	int i = 0;
	u64 u = 0;

	put_char(b, ' ');
	put_str(b, field_name[f]);
	switch (f) {
	case TF_W:
		return;
	case TF_VCPU:
		i = ev->vcpu;
		break;
	case TF_SLOT:
	case TF_CTX:
		i = ev->ctx;
		break;
	case TF_CTX2:
		i = ev->ctx2;
		break;
	case TF_ADDR:
		u = ev->addr;
		break;
	case TF_ADDR2:
		u = ev->addr2;
		break;
	case TF_SIZE:
		u = ev->size;
		break;
	}
	put_char(b, '=');
	if (HEX_FIELDS & (1u << f)) {
		put_num(b, u, true);
	} else {
		if (i < 0)
			put_char(b, '-');
		put_num(b, i < 0 ? -(s64)i : i, false);
	}
}

int trace_format_event(const struct sim_event *ev, char *buf, size_t len)
{
	struct sbuf b = { .buf = buf, .len = len };
	unsigned int fields;

	if (trace_check_event(ev, NULL, 0))
		return -EINVAL;
	fields = event_fields(ev);
	put_str(&b, ev_kind_name(ev->kind));
	for (int f = 0; f < TF_NR; f++)
		if (fields & (1u << f))
			put_field(&b, f, ev);
	if (b.n >= len)
		return -EINVAL;
	buf[b.n] = '\0';
	return b.n;
}

/*
 * The canonical form of a hex field: "0x" then lowercase digits without
 * leading zeros, "0x0" for zero.
 */
static int parse_hex(const char *s, size_t n, u64 *v)
{
	size_t i;

	if (n < 3 || s[0] != '0' || s[1] != 'x')
		return -EINVAL;
	if (s[2] == '0' && n > 3)
		return -EINVAL;
	*v = 0;
	for (i = 2; i < n; i++) {
		unsigned int d;

		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return -EINVAL;
		if (*v >> 60)
			return -ERANGE;
		*v = *v << 4 | d;
	}
	return 0;
}

/* Decimal, no sign, no leading zeros. */
static int parse_dec(const char *s, size_t n, u64 *v)
{
	if (!n || (s[0] == '0' && n > 1))
		return -EINVAL;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (*v > (UINT64_MAX - (s[i] - '0')) / 10)
			return -ERANGE;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* A decimal int, "-" allowed (the range is checked afterwards). */
static int parse_int(const char *s, size_t n, int *v)
{
	bool neg = n && s[0] == '-';
	u64 u;
	int ret;

	ret = parse_dec(s + neg, n - neg, &u);
	if (ret)
		return ret;
	if (neg && !u)
		return -EINVAL;
	if (u > (neg ? (u64)INT_MAX + 1 : (u64)INT_MAX))
		return -ERANGE;
	*v = neg ? (int)-(s64)u : (int)u;
	return 0;
}

static int lookup_field(const char *s, size_t n)
{
	for (int f = 0; f < TF_NR; f++)
		if (strlen(field_name[f]) == n && !memcmp(s, field_name[f], n))
			return f;
	return -1;
}

static int parse_value(struct sim_event *ev, int f, const char *v, size_t n,
		       char *msg, size_t len)
{
	u64 u = 0;
	int i = 0;
	int ret;

	if (HEX_FIELDS & (1u << f))
		ret = parse_hex(v, n, &u);
	else
		ret = parse_int(v, n, &i);
	if (ret == -ERANGE)
		return bad(msg, len, "%s=%.*s out of range", field_name[f],
			   show(n), v);
	if (ret)
		return bad(msg, len, "bad number '%.*s' for %s (%s)",
			   show(n), v, field_name[f],
			   HEX_FIELDS & (1u << f) ?
			   "lowercase hex: 0x then no leading zeros" :
			   "decimal, no leading zeros");
	switch (f) {
	case TF_VCPU:
		ev->vcpu = i;
		break;
	case TF_SLOT:
	case TF_CTX:
		ev->ctx = i;
		break;
	case TF_CTX2:
		ev->ctx2 = i;
		break;
	case TF_ADDR:
		ev->addr = u;
		break;
	case TF_ADDR2:
		ev->addr2 = u;
		break;
	case TF_SIZE:
		ev->size = u;
		break;
	}
	return 0;
}

int trace_parse_event(const char *line, struct sim_event *ev, char *msg,
		      size_t len)
{
	const struct kind_spec *ks;
	struct sim_event e = { .ctx = -1, .ctx2 = -1 };
	const char *p = line, *end;
	unsigned int seen = 0, allowed;
	char kind[24];
	int last = -1;
	size_t n;

	if (!*line)
		return bad(msg, len, "empty line");
	n = strcspn(p, " ");
	if (!n)
		return bad(msg, len, "line starts with a space");
	if (n >= sizeof(kind))
		goto unknown_kind;
	memcpy(kind, p, n);
	kind[n] = '\0';
	if (ev_kind_parse(kind, &e.kind))
		goto unknown_kind;
	ks = &specs[e.kind];
	allowed = ks->req | ks->opt;
	e.size = ks->size;

	for (p += n; *p; p = end) {
		const char *tok = ++p, *eq;
		int f;

		if (*tok == ' ' || !*tok)
			return bad(msg, len,
				   "fields must be separated by single spaces");
		end = tok + strcspn(tok, " ");
		eq = memchr(tok, '=', end - tok);
		f = lookup_field(tok, (eq ? eq : end) - tok);
		if (f < 0)
			return bad(msg, len, "unknown field '%.*s'",
				   show((eq ? eq : end) - tok), tok);
		if (seen & (1u << f))
			return bad(msg, len, "duplicate field '%s'",
				   field_name[f]);
		if (!(allowed & (1u << f)))
			return bad(msg, len, "%s has no field '%s'", kind,
				   field_name[f]);
		if (f < last)
			return bad(msg, len,
				   "field '%s' out of order (vcpu slot ctx addr ctx2 addr2 size w)",
				   field_name[f]);
		seen |= 1u << f;
		last = f;
		if (f == TF_W) {
			if (eq)
				return bad(msg, len, "field 'w' takes no value");
			e.write = true;
			continue;
		}
		if (!eq)
			return bad(msg, len, "field '%s' needs a value",
				   field_name[f]);
		if (parse_value(&e, f, eq + 1, end - eq - 1, msg, len))
			return -EINVAL;
	}
	if (ks->req & ~seen)
		return bad(msg, len, "%s: missing field '%s'", kind,
			   field_name[__builtin_ctz(ks->req & ~seen)]);
	if (trace_check_event(&e, msg, len))
		return -EINVAL;
	*ev = e;
	return 0;

unknown_kind:
	return bad(msg, len, "unknown event kind '%.*s'",
		   show(n), line);
}

void trace_error_format(const struct trace_error *err, char *buf, size_t len)
{
	if (err->line)
		snprintf(buf, len, "%s:%llu: %s", err->file,
			 (unsigned long long)err->line, err->msg);
	else
		snprintf(buf, len, "%s: %s", err->file, err->msg);
}

/* Writer */

struct trace_writer {
	FILE *out;
	u64 count;
	u64 hash;
	bool failed;
	char line[TRACE_MAX_LINE + 1];
};

/* Write a line and its newline; @hashed: part of the checksum. */
static int put_line(struct trace_writer *tw, const char *s, size_t n,
		    bool hashed)
{
	if (hashed)
		tw->hash = hash_line(tw->hash, s, n);
	if (fwrite(s, 1, n, tw->out) != n || putc('\n', tw->out) == EOF ||
	    ferror(tw->out))
		tw->failed = true;
	return tw->failed ? -EIO : 0;
}

/* Split @text into lines: the next one from *@p, its length in @n. */
static bool next_text_line(const char **p, const char **line, size_t *n)
{
	const char *nl;

	if (!**p)
		return false;
	*line = *p;
	nl = strchr(*p, '\n');
	*n = nl ? (size_t)(nl - *p) : strlen(*p);
	*p += *n + !!nl;
	return true;
}

int trace_writer_open(struct trace_writer **twp, FILE *out,
		      const struct scenario *sc)
{
	struct trace_writer *tw;
	const char *p, *line;
	size_t n, bytes = 0;
	unsigned int lines = 0;
	int len;

	*twp = NULL;
	if (!sc || !sc->text)
		return -EINVAL;
	for (p = sc->text; next_text_line(&p, &line, &n); lines++) {
		if (n > TRACE_MAX_LINE)
			return -EINVAL;
		bytes += n + 1;
	}
	if (lines > TRACE_MAX_SCENARIO_LINES ||
	    bytes > TRACE_MAX_SCENARIO_BYTES)
		return -EINVAL;

	tw = calloc(1, sizeof(*tw));
	if (!tw)
		return -ENOMEM;
	tw->out = out;
	tw->hash = FNV_OFFSET;
	put_line(tw, HEADER, strlen(HEADER), true);
	len = snprintf(tw->line, sizeof(tw->line), "scenario %u", lines);
	put_line(tw, tw->line, len, true);
	for (p = sc->text; next_text_line(&p, &line, &n);)
		put_line(tw, line, n, true);
	if (tw->failed) {
		free(tw);
		return -EIO;
	}
	*twp = tw;
	return 0;
}

int trace_write_event(struct trace_writer *tw, const struct sim_event *ev)
{
	int n;

	if (tw->failed)
		return -EIO;
	n = trace_format_event(ev, tw->line, sizeof(tw->line));
	if (n < 0)
		return n;
	tw->count++;
	return put_line(tw, tw->line, n, true);
}

u64 trace_writer_count(const struct trace_writer *tw)
{
	return tw->count;
}

int trace_writer_close(struct trace_writer *tw)
{
	int ret, n;

	if (!tw)
		return 0;
	n = snprintf(tw->line, sizeof(tw->line), "end %llu %016llx",
		     (unsigned long long)tw->count,
		     (unsigned long long)tw->hash);
	put_line(tw, tw->line, n, false);
	if (fflush(tw->out) || ferror(tw->out))
		tw->failed = true;
	ret = tw->failed ? -EIO : 0;
	free(tw);
	return ret;
}

/* Reader */

enum reader_state {
	TR_EVENTS,
	TR_DONE,		/* the end line matched: 0 from now on */
	TR_FAILED,		/* err and ret from now on */
};

struct trace_reader {
	FILE *in;
	enum reader_state state;
	int ret;
	struct trace_error err;
	u64 line;		/* lines read */
	u64 count;		/* events read */
	u64 hash;
	/* read buffer: buf[pos, len) not yet consumed */
	size_t pos, len;
	bool eof;
	size_t line_len;
	char line_buf[TRACE_MAX_LINE + 1];
	char buf[1 << 16];
};

static __printf(4, 5) int fail(struct trace_reader *tr, u64 line, int ret,
			       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tr->err.msg, sizeof(tr->err.msg), fmt, ap);
	va_end(ap);
	tr->err.line = line;
	tr->state = TR_FAILED;
	tr->ret = ret;
	return ret;
}

/* Refill the read buffer if it is empty: false at the end of input. */
static int refill(struct trace_reader *tr)
{
	if (tr->pos < tr->len)
		return 1;
	if (tr->eof)
		return 0;
	tr->pos = 0;
	tr->len = fread(tr->buf, 1, sizeof(tr->buf), tr->in);
	if (tr->len < sizeof(tr->buf)) {
		if (ferror(tr->in))
			return fail(tr, tr->line + 1, -EIO, "read error");
		tr->eof = true;
	}
	return tr->len > 0;
}

/*
 * The next line into line_buf, newline stripped: 1, 0 at the end of input
 * (nothing left at all), or an error. A line must end with a newline.
 */
static int read_line(struct trace_reader *tr)
{
	size_t n = 0;
	int ret;

	while ((ret = refill(tr)) > 0) {
		const char *start = tr->buf + tr->pos;
		const char *nl = memchr(start, '\n', tr->len - tr->pos);
		size_t chunk = nl ? (size_t)(nl - start) : tr->len - tr->pos;

		if (n + chunk > TRACE_MAX_LINE)
			return fail(tr, tr->line + 1, -EINVAL,
				    "line longer than %d characters",
				    TRACE_MAX_LINE);
		memcpy(tr->line_buf + n, start, chunk);
		n += chunk;
		tr->pos += chunk;
		if (!nl)
			continue;
		tr->pos++;
		tr->line++;
		tr->line_buf[n] = '\0';
		tr->line_len = n;
		if (memchr(tr->line_buf, '\0', n))
			return fail(tr, tr->line, -EINVAL, "NUL byte in line");
		return 1;
	}
	if (ret < 0)
		return ret;
	if (n)
		return fail(tr, tr->line + 1, -EINVAL,
			    "truncated trace: the last line has no newline");
	return 0;
}

static int read_header(struct trace_reader *tr)
{
	int ret = read_line(tr);

	if (ret < 0)
		return ret;
	if (!ret)
		return fail(tr, 1, -EINVAL, "empty input, not an nvrmap trace");
	if (!strcmp(tr->line_buf, HEADER)) {
		tr->hash = hash_line(tr->hash, tr->line_buf, tr->line_len);
		return 0;
	}
	if (!strncmp(tr->line_buf, MAGIC " ", strlen(MAGIC " ")))
		return fail(tr, 1, -EINVAL,
			    "unsupported trace version '%.*s' (this nvrmap reads version %d)",
			    SHOW, tr->line_buf + strlen(MAGIC " "),
			    TRACE_VERSION);
	return fail(tr, 1, -EINVAL,
		    "not an nvrmap trace (the first line must be '" HEADER "')");
}

/* "scenario <lines>", then that many lines: the scenario's text. */
static int read_scenario(struct trace_reader *tr, const char *file,
			 struct scenario *sc)
{
	static const char tag[] = "scenario ";
	struct scenario_error serr;
	struct scenario parsed;
	size_t bytes = 0;
	char *text;
	u64 lines;
	int ret;

	ret = read_line(tr);
	if (ret < 0)
		return ret;
	if (!ret)
		return fail(tr, tr->line + 1, -EINVAL,
			    "truncated trace: no scenario line");
	if (strncmp(tr->line_buf, tag, strlen(tag)))
		return fail(tr, tr->line, -EINVAL,
			    "expected 'scenario <number of lines>'");
	ret = parse_dec(tr->line_buf + strlen(tag),
			tr->line_len - strlen(tag), &lines);
	if (ret == -EINVAL)
		return fail(tr, tr->line, -EINVAL,
			    "bad scenario line count '%.*s' (decimal, no leading zeros)",
			    SHOW, tr->line_buf + strlen(tag));
	if (ret || lines > TRACE_MAX_SCENARIO_LINES)
		return fail(tr, tr->line, -EINVAL,
			    "scenario of more than %d lines",
			    TRACE_MAX_SCENARIO_LINES);
	tr->hash = hash_line(tr->hash, tr->line_buf, tr->line_len);

	text = malloc(1);
	if (!text)
		return fail(tr, 0, -ENOMEM, "out of memory");
	for (u64 i = 0; i < lines; i++) {
		char *t;

		ret = read_line(tr);
		if (!ret)
			ret = fail(tr, tr->line + 1, -EINVAL,
				   "truncated trace: the scenario has %llu of its %llu lines",
				   (unsigned long long)i,
				   (unsigned long long)lines);
		if (ret < 0)
			goto out;
		if (bytes + tr->line_len + 1 > TRACE_MAX_SCENARIO_BYTES) {
			ret = fail(tr, tr->line, -EINVAL,
				   "scenario larger than %d bytes",
				   TRACE_MAX_SCENARIO_BYTES);
			goto out;
		}
		t = realloc(text, bytes + tr->line_len + 2);
		if (!t) {
			ret = fail(tr, 0, -ENOMEM, "out of memory");
			goto out;
		}
		text = t;
		memcpy(text + bytes, tr->line_buf, tr->line_len);
		bytes += tr->line_len;
		text[bytes++] = '\n';
		tr->hash = hash_line(tr->hash, tr->line_buf, tr->line_len);
	}
	text[bytes] = '\0';

	memset(&serr, 0, sizeof(serr));
	ret = scenario_parse(text, file, &parsed, &serr);
	if (ret) {
		/* its line 1 is the trace's line 3 */
		fail(tr, serr.line ? serr.line + 2 : 2, ret, "scenario: %s",
		     serr.msg);
		goto out;
	}
	*sc = parsed;
out:
	free(text);
	return ret;
}

int trace_reader_open(struct trace_reader **trp, FILE *in, const char *file,
		      struct scenario *sc, struct trace_error *err)
{
	struct trace_reader *tr;
	int ret;

	*trp = NULL;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "-");
	tr = calloc(1, sizeof(*tr));
	if (!tr) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return -ENOMEM;
	}
	tr->in = in;
	tr->hash = FNV_OFFSET;
	tr->err = *err;
	ret = read_header(tr);
	if (!ret)
		ret = read_scenario(tr, tr->err.file, sc);
	if (ret) {
		*err = tr->err;
		free(tr);
		return ret;
	}
	tr->state = TR_EVENTS;
	*trp = tr;
	return 0;
}

/* "end <events> <checksum>", then nothing. */
static int read_end(struct trace_reader *tr)
{
	const char *p = tr->line_buf + strlen("end");
	const char *sp = *p ? strchr(++p, ' ') : NULL;
	u64 count, sum;
	u64 line = tr->line;
	int ret;

	if (!sp || parse_dec(p, sp - p, &count) ||
	    strlen(sp + 1) != 16 || strspn(sp + 1, "0123456789abcdef") != 16)
		return fail(tr, line, -EINVAL,
			    "bad end line (expected 'end <events> <16 hex digits checksum>')");
	sum = 0;
	for (p = sp + 1; *p; p++)
		sum = sum << 4 | (*p <= '9' ? *p - '0' : *p - 'a' + 10);
	if (count != tr->count)
		return fail(tr, line, -EINVAL,
			    "event count mismatch: the end line says %llu, the trace has %llu",
			    (unsigned long long)count,
			    (unsigned long long)tr->count);
	if (sum != tr->hash)
		return fail(tr, line, -EINVAL,
			    "checksum mismatch: the end line says %016llx, the trace gives %016llx",
			    (unsigned long long)sum,
			    (unsigned long long)tr->hash);
	ret = refill(tr);
	if (ret > 0)
		return fail(tr, line + 1, -EINVAL, "data after the end line");
	if (ret < 0)
		return ret;
	tr->state = TR_DONE;
	return 0;
}

int trace_read_event(struct trace_reader *tr, struct sim_event *ev,
		     struct trace_error *err)
{
	char msg[sizeof(tr->err.msg)];
	int ret;

	if (tr->state == TR_DONE)
		return 0;
	if (tr->state == TR_EVENTS) {
		ret = read_line(tr);
		if (!ret)
			ret = fail(tr, tr->line + 1, -EINVAL,
				   "truncated trace: no end line after %llu events",
				   (unsigned long long)tr->count);
		if (ret < 0)
			goto failed;
		if (!strncmp(tr->line_buf, "end ", 4) ||
		    !strcmp(tr->line_buf, "end")) {
			ret = read_end(tr);
			if (ret < 0)
				goto failed;
			return 0;
		}
		if (trace_parse_event(tr->line_buf, ev, msg, sizeof(msg))) {
			ret = fail(tr, tr->line, -EINVAL, "%s", msg);
			goto failed;
		}
		tr->hash = hash_line(tr->hash, tr->line_buf, tr->line_len);
		tr->count++;
		return 1;
	}
failed:
	*err = tr->err;
	return tr->ret;
}

u64 trace_reader_count(const struct trace_reader *tr)
{
	return tr->count;
}

void trace_reader_close(struct trace_reader *tr)
{
	free(tr);
}

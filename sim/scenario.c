// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario files: an INI-style text parsed onto world_default() and
 * gen_default(), then checked as a whole, so that every scenario that
 * parses also builds (world_create() succeeds) and runs without the
 * world refusing its own configuration. docs/SCENARIOS.md is the
 * reference for the format; this file and that one must agree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_s2.h"
#include "scenario.h"

#ifndef SZ_1T
#define SZ_1T			(1ULL << 40)
#endif

#define SC_DEFAULT_EVENTS	200000ULL
#define SC_MAX_EVENTS		1000000000000ULL
#define SC_MAX_VCPUS		512
#define SC_MAX_CONTEXTS		255	/* L1's 8-bit VMIDs, 0 is its own */
#define SC_MAX_WEIGHT		1000000U
#define SC_MAX_RAM		SZ_1T	/* 4 bytes per 4K page in the harness */
#define SC_MAX_L2_TOTAL		SZ_1T	/* 8 bytes per L2 page in L1 */
#define SC_MAX_FILE		(1U << 20)
#define SC_MAX_DESC		255

enum section {
	SECT_NONE,
	SECT_SCENARIO,
	SECT_VM,
	SECT_MEMSLOT,
	SECT_L1,
	SECT_EVENTS,
	SECT_NR,
};

static const char *const sect_names[SECT_NR] = {
	[SECT_SCENARIO] = "scenario",
	[SECT_VM] = "vm",
	[SECT_MEMSLOT] = "memslot",
	[SECT_L1] = "l1",
	[SECT_EVENTS] = "events",
};

enum key {
	K_NAME,
	K_DESCRIPTION,
	K_EVENTS,
	K_SEED,
	K_VCPUS,
	K_IPA_BITS,
	K_CONTEXTS,
	K_L2_MEM,
	K_L2_IPA_BITS,
	K_GRANULES,
	K_BLOCK_PCT,
	K_CONTIG_PCT,
	K_POOL_BASE,
	K_POOL_SIZE,
	K_TABLE_BASE,
	K_TABLE_SIZE,
	K_HOT_PCT,
	K_HOT_FRAC,
	K_NUMA_WINDOW,
	K_NR,
};

static const struct {
	enum section sect;
	const char *name;
} keys[K_NR] = {
	[K_NAME] = { SECT_SCENARIO, "name" },
	[K_DESCRIPTION] = { SECT_SCENARIO, "description" },
	[K_EVENTS] = { SECT_SCENARIO, "events" },
	[K_SEED] = { SECT_SCENARIO, "seed" },
	[K_VCPUS] = { SECT_VM, "vcpus" },
	[K_IPA_BITS] = { SECT_VM, "ipa_bits" },
	[K_CONTEXTS] = { SECT_L1, "contexts" },
	[K_L2_MEM] = { SECT_L1, "l2_mem" },
	[K_L2_IPA_BITS] = { SECT_L1, "l2_ipa_bits" },
	[K_GRANULES] = { SECT_L1, "granules" },
	[K_BLOCK_PCT] = { SECT_L1, "block_pct" },
	[K_CONTIG_PCT] = { SECT_L1, "contig_pct" },
	[K_POOL_BASE] = { SECT_L1, "pool_base" },
	[K_POOL_SIZE] = { SECT_L1, "pool_size" },
	[K_TABLE_BASE] = { SECT_L1, "table_base" },
	[K_TABLE_SIZE] = { SECT_L1, "table_size" },
	[K_HOT_PCT] = { SECT_EVENTS, "hot_pct" },
	[K_HOT_FRAC] = { SECT_EVENTS, "hot_frac" },
	[K_NUMA_WINDOW] = { SECT_EVENTS, "numa_window" },
};

enum slot_key {
	SK_BASE,
	SK_SIZE,
	SK_BACKING,
	SK_NR,
};

static const char *const slot_keys[SK_NR] = {
	[SK_BASE] = "base",
	[SK_SIZE] = "size",
	[SK_BACKING] = "backing",
};

struct parser {
	const char *file;
	struct scenario_error *err;
	struct scenario sc;
	enum section sect;
	unsigned int line;
	/* line of each setting, 0 while it has its default value */
	unsigned int sect_line[SECT_NR];
	unsigned int key_line[K_NR];
	unsigned int ev_line[EV_NR_KINDS];
	unsigned int slot_line[SIM_MAX_SLOTS];
	unsigned int slot_key_line[SIM_MAX_SLOTS][SK_NR];
	unsigned int nr_slots;		/* [memslot] sections seen */
};

static void set_error(struct scenario_error *err, const char *file,
		      unsigned int line, const char *fmt, va_list ap)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file);
	err->line = line;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

static __printf(3, 4)
int fail(struct parser *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(p->err, p->file, line, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static __printf(4, 5)
int fail_file(struct scenario_error *err, const char *file, int ret,
	      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_error(err, file, 0, fmt, ap);
	va_end(ap);
	return ret;
}

/* The first of the lines that is set: where to point at for an error. */
static unsigned int first_line(unsigned int a, unsigned int b, unsigned int c)
{
	return a ? a : b ? b : c;
}

/* A size the way a scenario would write it: 512M, 1G, or hex. */
struct size_str {
	char s[24];
};

static struct size_str size_str(u64 v)
{
	static const char sfx[] = "TGMK";
	struct size_str r;

	for (int i = 0; i < 4; i++) {
		unsigned int shift = 40 - 10 * i;

		if (v && !(v & ((1ULL << shift) - 1))) {
			snprintf(r.s, sizeof(r.s), "%llu%c",
				 (unsigned long long)(v >> shift), sfx[i]);
			return r;
		}
	}
	snprintf(r.s, sizeof(r.s), "0x%llx", (unsigned long long)v);
	return r;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	*e = '\0';
	return s;
}

static int digit_val(char c, unsigned int base)
{
	int d;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return d < (int)base ? d : -1;
}

/*
 * Decimal or 0x hex, '_' allowed between digits; with @suffix, one of
 * K M G T (either case, powers of 1024) may follow. -ERANGE when the
 * value does not fit 64 bits, -EINVAL when it is not a number.
 */
static int parse_num(const char *s, bool suffix, u64 *out)
{
	static const char units[] = "kmgt";
	unsigned int base = 10, shift;
	const char *u;
	bool digits = false;
	u64 v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		int d = digit_val(*s, base);

		if (*s == '_' && digits && digit_val(s[1], base) >= 0)
			continue;
		if (d < 0)
			break;
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
		digits = true;
	}
	if (!digits)
		return -EINVAL;
	if (suffix && *s) {
		u = strchr(units, *s | 0x20);
		if (!u)
			return -EINVAL;
		shift = 10 * (u - units + 1);
		if (v > (~0ULL >> shift))
			return -ERANGE;
		v <<= shift;
		s++;
	}
	if (*s)
		return -EINVAL;
	*out = v;
	return 0;
}

static int get_num(struct parser *p, const char *key, const char *val,
		   bool suffix, u64 min, u64 max, u64 *out)
{
	int ret = parse_num(val, suffix, out);

	if (ret == -ERANGE)
		return fail(p, p->line, "%s = %s: number too large", key, val);
	if (ret)
		return fail(p, p->line, "%s = %s: not a %s", key, val,
			    suffix ? "size (decimal or 0x hex, optional K/M/G/T suffix)" :
				     "number (decimal or 0x hex)");
	if (*out < min || *out > max) {
		if (suffix)
			return fail(p, p->line, "%s = %s out of range (%s..%s)",
				    key, val, size_str(min).s, size_str(max).s);
		return fail(p, p->line, "%s = %s out of range (%llu..%llu)",
			    key, val, (unsigned long long)min,
			    (unsigned long long)max);
	}
	return 0;
}

static int get_uint(struct parser *p, const char *key, const char *val,
		    unsigned int min, unsigned int max, unsigned int *out)
{
	u64 v;
	int ret = get_num(p, key, val, false, min, max, &v);

	if (!ret)
		*out = v;
	return ret;
}

/* A percentage: 0..100, an optional '%' after it. */
static int get_pct(struct parser *p, const char *key, char *val,
		   unsigned int *out)
{
	size_t n = strlen(val);

	if (n > 1 && val[n - 1] == '%')
		val[n - 1] = '\0';
	return get_uint(p, key, trim(val), 0, 100, out);
}

/* A size aligned to @align (a power of two). */
static int get_size(struct parser *p, const char *key, const char *val,
		    u64 min, u64 max, u64 align, u64 *out)
{
	int ret = get_num(p, key, val, true, min, max, out);

	if (ret)
		return ret;
	if (*out & (align - 1))
		return fail(p, p->line, "%s = %s is not a multiple of %s", key,
			    val, size_str(align).s);
	return 0;
}

/* The start of an L1 area: l1.c's allocator takes address 0 for "none". */
static int get_area_base(struct parser *p, const char *key, const char *val,
			 u64 *out)
{
	int ret = get_size(p, key, val, 0, SZ_1T * 256, SZ_4K, out);

	if (!ret && !*out)
		return fail(p, p->line,
			    "%s = 0: the guest hypervisor model takes address 0 for \"no memory\"",
			    key);
	return ret;
}

static int parse_ipa_bits(struct parser *p, const char *key, const char *val,
			  unsigned int *out)
{
	int ret = get_uint(p, key, val, 32, 48, out);

	if (ret)
		return ret;
	/* What VTCR_EL2.PS can say: L1's stage-2 output size. */
	switch (*out) {
	case 32: case 36: case 40: case 42: case 44: case 48:
		return 0;
	}
	return fail(p, p->line,
		    "%s = %s: not an IPA size the guest hypervisor can program in VTCR_EL2.PS (32, 36, 40, 42, 44 or 48)",
		    key, val);
}

static int granule_shift(const char *s)
{
	if (!strcmp(s, "4k"))
		return 12;
	if (!strcmp(s, "16k"))
		return 14;
	if (!strcmp(s, "64k"))
		return 16;
	return -1;
}

static int parse_granules(struct parser *p, char *val)
{
	struct l1_config *l1 = &p->sc.wc.l1;
	unsigned int n = 0;
	char *item, *rest = val;

	while ((item = strsep(&rest, ",")) != NULL) {
		int shift;

		item = trim(item);
		shift = granule_shift(item);
		if (shift < 0)
			return fail(p, p->line,
				    "granules: '%s' is not a granule (4k, 16k or 64k)",
				    item);
		if (n == ARRAY_SIZE(l1->pgshift))
			return fail(p, p->line,
				    "granules: more than %zu entries",
				    ARRAY_SIZE(l1->pgshift));
		l1->pgshift[n++] = shift;
	}
	l1->nr_pgshift = n;
	return 0;
}

static int parse_name(struct parser *p, const char *val)
{
	size_t n = strlen(val);

	if (n >= sizeof(p->sc.name))
		return fail(p, p->line, "name: longer than %zu characters",
			    sizeof(p->sc.name) - 1);
	for (size_t i = 0; i < n; i++) {
		char c = val[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return fail(p, p->line,
				    "name: '%c' not allowed (letters, digits, '-', '_', '.')",
				    c);
	}
	memcpy(p->sc.name, val, n + 1);
	return 0;
}

static int set_key(struct parser *p, enum key k, char *val)
{
	struct vm_config *vm = &p->sc.wc.vm;
	struct l1_config *l1 = &p->sc.wc.l1;
	struct gen_params *gp = &p->sc.gp;
	const char *name = keys[k].name;

	switch (k) {
	case K_NAME:
		return parse_name(p, val);
	case K_DESCRIPTION:
		if (strlen(val) > SC_MAX_DESC)
			return fail(p, p->line,
				    "description: longer than %d characters",
				    SC_MAX_DESC);
		return 0;
	case K_EVENTS:
		return get_num(p, name, val, false, 1, SC_MAX_EVENTS,
			       &p->sc.events);
	case K_SEED:
		return get_num(p, name, val, false, 0, ~0ULL, &gp->seed);
	case K_VCPUS:
		return get_uint(p, name, val, 1, SC_MAX_VCPUS, &vm->nr_vcpus);
	case K_IPA_BITS:
		return parse_ipa_bits(p, name, val, &vm->ipa_bits);
	case K_CONTEXTS:
		return get_uint(p, name, val, 1, SC_MAX_CONTEXTS, &l1->nr_ctx);
	case K_L2_MEM:
		return get_size(p, name, val, SZ_2M, SC_MAX_L2_TOTAL, SZ_2M,
				&l1->l2_mem_size);
	case K_L2_IPA_BITS:
		return get_uint(p, name, val, 25, 48, &l1->l2_ipa_bits);
	case K_GRANULES:
		return parse_granules(p, val);
	case K_BLOCK_PCT:
		return get_pct(p, name, val, &l1->block_pct);
	case K_CONTIG_PCT:
		return get_pct(p, name, val, &l1->contig_pct);
	case K_POOL_BASE:
		return get_area_base(p, name, val, &l1->pool_base);
	case K_POOL_SIZE:
		return get_size(p, name, val, SZ_4K, SZ_1T, SZ_4K,
				&l1->pool_size);
	case K_TABLE_BASE:
		return get_area_base(p, name, val, &l1->table_base);
	case K_TABLE_SIZE:
		return get_size(p, name, val, SZ_4K, SZ_1T, SZ_4K,
				&l1->table_size);
	case K_HOT_PCT:
		return get_pct(p, name, val, &gp->hot_pct);
	case K_HOT_FRAC:
		return get_pct(p, name, val, &gp->hot_frac);
	case K_NUMA_WINDOW:
		return get_size(p, name, val, SZ_2M, SZ_1T, SZ_2M,
				&gp->numa_window);
	case K_NR:
		break;
	}
	return -EINVAL;
}

static int set_slot_key(struct parser *p, enum slot_key k, const char *val)
{
	unsigned int i = p->nr_slots - 1;
	struct vm_config *vm = &p->sc.wc.vm;

	switch (k) {
	case SK_BASE:
		return get_size(p, "base", val, 0, SZ_1T * 256, SZ_2M,
				&vm->slots[i].base);
	case SK_SIZE:
		return get_size(p, "size", val, SZ_2M, SC_MAX_RAM, SZ_2M,
				&vm->slots[i].size);
	case SK_BACKING:
		if (!strcmp(val, "4k"))
			vm->slots[i].backing = BACKING_4K;
		else if (!strcmp(val, "thp"))
			vm->slots[i].backing = BACKING_THP;
		else if (!strcmp(val, "hugetlb"))
			vm->slots[i].backing = BACKING_HUGETLB;
		else
			return fail(p, p->line,
				    "backing = %s: not 4k, thp or hugetlb",
				    val);
		return 0;
	case SK_NR:
		break;
	}
	return -EINVAL;
}

static int dup_key(struct parser *p, const char *key, unsigned int first)
{
	return fail(p, p->line, "duplicate key '%s' in [%s] (first set at line %u)",
		    key, sect_names[p->sect], first);
}

static int do_key(struct parser *p, char *key, char *val)
{
	enum ev_kind kind;

	if (p->sect == SECT_MEMSLOT) {
		unsigned int *lines = p->slot_key_line[p->nr_slots - 1];

		for (int k = 0; k < SK_NR; k++) {
			if (strcmp(key, slot_keys[k]))
				continue;
			if (lines[k])
				return dup_key(p, key, lines[k]);
			lines[k] = p->line;
			return set_slot_key(p, k, val);
		}
	} else {
		for (int k = 0; k < K_NR; k++) {
			if (keys[k].sect != p->sect || strcmp(key, keys[k].name))
				continue;
			if (p->key_line[k])
				return dup_key(p, key, p->key_line[k]);
			p->key_line[k] = p->line;
			return set_key(p, k, val);
		}
	}
	if (p->sect == SECT_EVENTS && !ev_kind_parse(key, &kind)) {
		if (p->ev_line[kind])
			return dup_key(p, key, p->ev_line[kind]);
		p->ev_line[kind] = p->line;
		return get_uint(p, key, val, 0, SC_MAX_WEIGHT,
				&p->sc.gp.weight[kind]);
	}
	return fail(p, p->line, "unknown key '%s' in [%s]", key,
		    sect_names[p->sect]);
}

/* The memslots a scenario lists replace the default ones. */
static int new_slot(struct parser *p)
{
	struct vm_config *vm = &p->sc.wc.vm;

	if (p->nr_slots == SIM_MAX_SLOTS)
		return fail(p, p->line, "more than %d [memslot] sections",
			    SIM_MAX_SLOTS);
	if (!p->nr_slots)
		memset(vm->slots, 0, sizeof(vm->slots));
	p->slot_line[p->nr_slots++] = p->line;
	vm->nr_slots = p->nr_slots;
	return 0;
}

static int do_section(struct parser *p, char *s)
{
	char *end = strchr(s, ']');
	char *name;

	if (!end)
		return fail(p, p->line, "section header without ']'");
	if (*trim(end + 1))
		return fail(p, p->line, "text after the section header: '%s'",
			    trim(end + 1));
	*end = '\0';
	name = trim(s + 1);
	for (int i = SECT_SCENARIO; i < SECT_NR; i++) {
		if (strcmp(name, sect_names[i]))
			continue;
		p->sect = i;
		if (i == SECT_MEMSLOT)
			return new_slot(p);
		if (p->sect_line[i])
			return fail(p, p->line,
				    "section [%s] appears twice (first at line %u)",
				    name, p->sect_line[i]);
		p->sect_line[i] = p->line;
		return 0;
	}
	return fail(p, p->line, "unknown section [%s]", name);
}

static int do_line(struct parser *p, char *s)
{
	char *hash = strchr(s, '#');
	char *eq, *key, *val;

	if (hash)
		*hash = '\0';
	s = trim(s);
	if (!*s)
		return 0;
	if (*s == '[')
		return do_section(p, s);
	eq = strchr(s, '=');
	if (!eq)
		return fail(p, p->line, "missing '=' in '%s' (expected key = value)",
			    s);
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (!*key)
		return fail(p, p->line, "missing key before '='");
	if (p->sect == SECT_NONE)
		return fail(p, p->line,
			    "'%s' outside a section (start with [scenario], [vm], [memslot], [l1] or [events])",
			    key);
	if (!*val)
		return fail(p, p->line, "%s: missing value", key);
	return do_key(p, key, val);
}

/* Memslots as given, then the world's RAM: what vm.c check_config() asks. */
static int check_slots(struct parser *p)
{
	struct vm_config *vm = &p->sc.wc.vm;
	unsigned int ipa_line = p->key_line[K_IPA_BITS];
	u64 limit = 1ULL << vm->ipa_bits, total = 0;

	for (unsigned int i = 0; i < p->nr_slots; i++) {
		unsigned int *l = p->slot_key_line[i];

		if (!l[SK_BASE])
			return fail(p, p->slot_line[i], "memslot %u: no base",
				    i);
		if (!l[SK_SIZE])
			return fail(p, p->slot_line[i], "memslot %u: no size",
				    i);
	}
	for (unsigned int i = 0; i < vm->nr_slots; i++) {
		u64 base = vm->slots[i].base, size = vm->slots[i].size;
		unsigned int *l = p->slot_key_line[i];

		if (vm->slots[i].backing == BACKING_HUGETLB) {
			if (!IS_ALIGNED(base, SZ_1G))
				return fail(p, first_line(l[SK_BASE], l[SK_BACKING], 0),
					    "memslot %u: base %s of a hugetlb slot is not a multiple of 1G",
					    i, size_str(base).s);
			if (!IS_ALIGNED(size, SZ_1G))
				return fail(p, first_line(l[SK_SIZE], l[SK_BACKING], 0),
					    "memslot %u: size %s of a hugetlb slot is not a multiple of 1G",
					    i, size_str(size).s);
		}
		if (base >= limit || size > limit - base)
			return fail(p, first_line(l[SK_SIZE], ipa_line, 0),
				    "memslot %u: [%s, %s) goes beyond the %u-bit IPA space (ipa_bits)",
				    i, size_str(base).s, size_str(base + size).s,
				    vm->ipa_bits);
		for (unsigned int j = 0; j < i; j++) {
			u64 b = vm->slots[j].base, e = b + vm->slots[j].size;

			if (base < e && b < base + size)
				return fail(p, first_line(l[SK_BASE], l[SK_SIZE], 0),
					    "memslot %u: [%s, %s) overlaps memslot %u [%s, %s)",
					    i, size_str(base).s,
					    size_str(base + size).s, j,
					    size_str(b).s, size_str(e).s);
		}
		total += size;
		if (total > SC_MAX_RAM)
			return fail(p, first_line(l[SK_SIZE], 0, 0),
				    "memslots: more than %s of RAM in all",
				    size_str(SC_MAX_RAM).s);
	}
	return 0;
}

/* [base, base + size) lies in the memslots (possibly across several). */
static bool in_ram(const struct vm_config *vm, u64 base, u64 size)
{
	u64 a = base, end = base + size;

	if (end < base)
		return false;
	while (a < end) {
		unsigned int i;

		for (i = 0; i < vm->nr_slots; i++) {
			u64 b = vm->slots[i].base;

			if (a >= b && a - b < vm->slots[i].size)
				break;
		}
		if (i == vm->nr_slots)
			return false;
		a = vm->slots[i].base + vm->slots[i].size;
	}
	return true;
}

static const char *granule_name(unsigned int shift)
{
	return shift == 12 ? "4K" : shift == 14 ? "16K" : "64K";
}

/*
 * What L1's stage-2 for one context costs in table pages when every
 * granule of its memory is mapped with pages: the root plus each level
 * below it. 0 when the harness's L1 could not build the tables at all
 * (ctx_init() would fail); *start and *root get the start level and the
 * size of the start table.
 */
static u64 ctx_table_bytes(const struct world_config *wc, unsigned int shift,
			   int *start, u64 *root)
{
	unsigned int ipa = wc->vm.ipa_bits, ia = wc->l1.l2_ipa_bits;
	int level = guest_s2_pick_start_level(shift, ia);
	struct guest_s2_cfg cfg;
	u64 vtcr, bytes;

	if (level < 0)
		return 0;
	vtcr = guest_s2_make_vtcr(shift, ia, level, ipa, true);
	if (!vtcr)
		return 0;
	guest_s2_cfg_from_regs(&cfg, 0, vtcr, ipa);
	bytes = *root = guest_s2_root_size(&cfg);
	if (!bytes)
		return 0;
	*start = guest_s2_start_level(&cfg);
	for (int l = *start + 1; l <= 3; l++)
		bytes += DIV_ROUND_UP(wc->l1.l2_mem_size,
				      guest_s2_level_size(shift, l - 1)) <<
			 shift;
	return bytes;
}

/* The guest hypervisor: what l1.c ctx_init() and l1_create() ask, and more. */
static int check_l1(struct parser *p)
{
	const struct vm_config *vm = &p->sc.wc.vm;
	const struct l1_config *l1 = &p->sc.wc.l1;
	unsigned int *kl = p->key_line;
	unsigned int gran_line = kl[K_GRANULES], ia_line = kl[K_L2_IPA_BITS];
	unsigned int mem_line = kl[K_L2_MEM];
	u64 blk = 0, tables = 0, l1_total;
	unsigned int max_shift = 0;
	bool mixed = false;

	if (l1->l2_ipa_bits > vm->ipa_bits)
		return fail(p, first_line(ia_line, kl[K_IPA_BITS], 0),
			    "l2_ipa_bits = %u is larger than the L1 IPA size (ipa_bits = %u)",
			    l1->l2_ipa_bits, vm->ipa_bits);
	/* the granules in use: contexts take them round robin */
	for (unsigned int i = 0; i < min(l1->nr_pgshift, l1->nr_ctx); i++) {
		max_shift = max(max_shift, l1->pgshift[i]);
		mixed |= l1->pgshift[i] != l1->pgshift[0];
	}
	blk = guest_s2_level_size(max_shift, 2);
	if (!IS_ALIGNED(l1->l2_mem_size, blk))
		return fail(p, first_line(mem_line, gran_line, 0),
			    "l2_mem = %s is not a multiple of %s, the level-2 block of the %s granule",
			    size_str(l1->l2_mem_size).s, size_str(blk).s,
			    granule_name(max_shift));
	if (l1->l2_mem_size > 1ULL << l1->l2_ipa_bits)
		return fail(p, first_line(mem_line, ia_line, 0),
			    "l2_mem = %s does not fit in the %u-bit nested IPA space (l2_ipa_bits)",
			    size_str(l1->l2_mem_size).s, l1->l2_ipa_bits);
	l1_total = (u64)l1->nr_ctx * l1->l2_mem_size;
	if (l1_total > SC_MAX_L2_TOTAL)
		return fail(p, first_line(kl[K_CONTEXTS], mem_line, 0),
			    "contexts x l2_mem is more than %s",
			    size_str(SC_MAX_L2_TOTAL).s);

	for (unsigned int i = 0; i < l1->nr_ctx; i++) {
		unsigned int shift = l1->pgshift[i % l1->nr_pgshift];
		u64 root = 0, t;
		int start = 0;

		t = ctx_table_bytes(&p->sc.wc, shift, &start, &root);

		if (!t)
			return fail(p, first_line(ia_line, gran_line,
						  kl[K_IPA_BITS]),
				    "L1 cannot build a %s-granule stage 2 for a %u-bit nested IPA space with ipa_bits = %u",
				    granule_name(shift), l1->l2_ipa_bits,
				    vm->ipa_bits);
		/* Level-2 blocks need a walk that starts at level 2 or above. */
		if (start > 2)
			return fail(p, first_line(ia_line, gran_line, 0),
				    "l2_ipa_bits = %u: with the %s granule L1's walk starts at level %d, which cannot hold its level-2 blocks",
				    l1->l2_ipa_bits, granule_name(shift), start);
		/* l1.c allocates the start table in whole 4K pages */
		if (root < SZ_4K)
			return fail(p, first_line(ia_line, gran_line, 0),
				    "l2_ipa_bits = %u: L1's %s-granule start table would be %llu bytes, and the harness's L1 allocates it in 4K pages",
				    l1->l2_ipa_bits, granule_name(shift),
				    (unsigned long long)root);
		tables += t;
	}

	if (!in_ram(vm, l1->pool_base, l1->pool_size))
		return fail(p, first_line(kl[K_POOL_BASE], kl[K_POOL_SIZE],
					  p->slot_line[0]),
			    "pool area [%s, %s) is not inside the memslots",
			    size_str(l1->pool_base).s,
			    size_str(l1->pool_base + l1->pool_size).s);
	if (l1->pool_size < blk)
		return fail(p, first_line(kl[K_POOL_SIZE], gran_line, mem_line),
			    "pool_size = %s is smaller than one L2 block (%s)",
			    size_str(l1->pool_size).s, size_str(blk).s);
	/*
	 * l1.c's pool never merges freed chunks: pages freed by a context of
	 * one granule cannot back a context of another. With several
	 * granules, L1 must not overcommit, or it runs dry for one of them.
	 */
	if (mixed && l1->pool_size < l1_total)
		return fail(p, first_line(kl[K_POOL_SIZE], gran_line,
					  kl[K_CONTEXTS]),
			    "pool_size = %s is less than the %s of L2 memory (contexts x l2_mem): L1 can overcommit with one granule only",
			    size_str(l1->pool_size).s, size_str(l1_total).s);
	if (!in_ram(vm, l1->table_base, l1->table_size))
		return fail(p, first_line(kl[K_TABLE_BASE], kl[K_TABLE_SIZE],
					  p->slot_line[0]),
			    "table area [%s, %s) is not inside the memslots",
			    size_str(l1->table_base).s,
			    size_str(l1->table_base + l1->table_size).s);
	if (l1->table_base < l1->pool_base + l1->pool_size &&
	    l1->pool_base < l1->table_base + l1->table_size)
		return fail(p, first_line(kl[K_TABLE_BASE], kl[K_POOL_BASE],
					  kl[K_TABLE_SIZE]),
			    "table area [%s, %s) overlaps the pool area [%s, %s)",
			    size_str(l1->table_base).s,
			    size_str(l1->table_base + l1->table_size).s,
			    size_str(l1->pool_base).s,
			    size_str(l1->pool_base + l1->pool_size).s);
	/* Twice the need: replaced tables stay until restart, roots align. */
	if (l1->table_size < 2 * tables)
		return fail(p, first_line(kl[K_TABLE_SIZE], kl[K_CONTEXTS],
					  mem_line),
			    "table_size = %s is too small for L1's stage-2 tables of %u contexts (at least %s)",
			    size_str(l1->table_size).s, l1->nr_ctx,
			    size_str(ALIGN(2 * tables, SZ_1M)).s);
	return 0;
}

static int check_events(struct parser *p)
{
	u64 total = 0;

	for (int k = 0; k < EV_NR_KINDS; k++)
		total += p->sc.gp.weight[k];
	if (!total)
		return fail(p, p->sect_line[SECT_EVENTS],
			    "every event weight is 0: nothing would happen");
	return 0;
}

/* No name key: the file's name without directory and extension. */
static void default_name(struct parser *p, bool anon)
{
	const char *base = strrchr(p->file, '/');
	size_t n;

	base = base ? base + 1 : p->file;
	n = strcspn(base, ".");
	if (!n || anon) {
		base = "unnamed";
		n = strlen(base);
	}
	n = min(n, sizeof(p->sc.name) - 1);
	memcpy(p->sc.name, base, n);
	p->sc.name[n] = '\0';
}

static int parse_text(struct parser *p, char *buf, bool anon)
{
	char *line, *rest = buf;
	int ret;

	while ((line = strsep(&rest, "\n")) != NULL) {
		p->line++;
		ret = do_line(p, line);
		if (ret)
			return ret;
	}
	if (!p->key_line[K_NAME])
		default_name(p, anon);
	ret = check_slots(p);
	if (!ret)
		ret = check_l1(p);
	if (!ret)
		ret = check_events(p);
	return ret;
}

int scenario_parse(const char *text, const char *file, struct scenario *sc,
		   struct scenario_error *err)
{
	bool anon = !file;
	struct parser *p;
	char *buf;
	int ret;

	if (anon)
		file = "<text>";
	memset(sc, 0, sizeof(*sc));
	p = calloc(1, sizeof(*p));
	buf = strdup(text ? text : "");
	if (!p || !buf) {
		free(p);
		free(buf);
		return fail_file(err, file, -ENOMEM, "out of memory");
	}
	p->file = file;
	p->err = err;
	world_default(&p->sc.wc);
	gen_default(&p->sc.gp, 1);
	p->sc.events = SC_DEFAULT_EVENTS;
	ret = parse_text(p, buf, anon);
	free(buf);
	if (!ret) {
		p->sc.text = strdup(text ? text : "");
		if (!p->sc.text)
			ret = fail_file(err, file, -ENOMEM, "out of memory");
	}
	if (!ret)
		*sc = p->sc;
	free(p);
	return ret;
}

int scenario_load_file(const char *path, struct scenario *sc,
		       struct scenario_error *err)
{
	char *buf;
	size_t n;
	FILE *f;
	int ret;

	memset(sc, 0, sizeof(*sc));
	f = fopen(path, "r");
	if (!f)
		return fail_file(err, path, -errno, "cannot open: %s",
				 strerror(errno));
	buf = malloc(SC_MAX_FILE + 1);
	if (!buf) {
		fclose(f);
		return fail_file(err, path, -ENOMEM, "out of memory");
	}
	n = fread(buf, 1, SC_MAX_FILE + 1, f);
	if (ferror(f)) {
		ret = fail_file(err, path, -EIO, "cannot read: %s",
				strerror(errno));
	} else if (n > SC_MAX_FILE) {
		ret = fail_file(err, path, -EFBIG,
				"larger than %u bytes: not a scenario",
				SC_MAX_FILE);
	} else if (memchr(buf, '\0', n)) {
		ret = fail_file(err, path, -EINVAL,
				"contains a NUL byte: not a text file");
	} else {
		buf[n] = '\0';
		ret = scenario_parse(buf, path, sc, err);
	}
	free(buf);
	fclose(f);
	return ret;
}

int scenario_load_builtin(const char *name, struct scenario *sc,
			  struct scenario_error *err)
{
	const char *text = scenario_builtin_text(name);
	char file[80], known[160] = "";

	memset(sc, 0, sizeof(*sc));
	if (!text) {
		for (int i = 0; scenario_builtin_names[i]; i++)
			snprintf(known + strlen(known),
				 sizeof(known) - strlen(known), "%s%s",
				 i ? ", " : "", scenario_builtin_names[i]);
		return fail_file(err, "builtin", -ENOENT,
				 "no built-in scenario '%.40s' (built-ins: %s)",
				 name ? name : "", known);
	}
	snprintf(file, sizeof(file), "builtin:%s", name);
	return scenario_parse(text, file, sc, err);
}

void scenario_error_format(const struct scenario_error *err, char *buf,
			   size_t len)
{
	if (err->line)
		snprintf(buf, len, "%s:%u: %s", err->file, err->line,
			 err->msg);
	else
		snprintf(buf, len, "%s: %s", err->file, err->msg);
}

void scenario_free(struct scenario *sc)
{
	free(sc->text);
	memset(sc, 0, sizeof(*sc));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario files (sim/scenario.c): every error names its line and reason
 * and leaves no partial scenario, values land in the right fields with
 * the right defaults, and every built-in scenario parses, builds and runs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests.h"

#include "run.h"
#include "scenario.h"

static const struct scenario zero_sc;

/* Parse @text, expect an error at @line whose message contains @msg. */
static void expect_error(const char *text, unsigned int line, const char *msg)
{
	struct scenario_error err;
	struct scenario sc;
	int ret;

	memset(&sc, 0x5a, sizeof(sc));
	ret = scenario_parse(text, "t.ini", &sc, &err);
	if (ret != -EINVAL || err.line != line || !strstr(err.msg, msg) ||
	    strcmp(err.file, "t.ini"))
		fail_msg("for:\n%s\nexpected -EINVAL at line %u with '%s'\n"
			 "got %d at %s:%u: %s", text, line, msg, ret, err.file,
			 err.line, err.msg);
	/* never a partial scenario */
	assert_memory_equal(&sc, &zero_sc, sizeof(sc));
}

static void syntax_errors(void **state)
{
	expect_error("[scenario]\nname = x\n[bogus]\n", 3,
		     "unknown section [bogus]");
	expect_error("[vm]\n\n# c\nvcpu = 4\n", 4, "unknown key 'vcpu' in [vm]");
	expect_error("[vm]\nvcpus = 4\nvcpus = 8\n", 3,
		     "duplicate key 'vcpus' in [vm] (first set at line 2)");
	expect_error("[events]\nhost-ksm = 1\nhost-ksm = 2\n", 3,
		     "duplicate key 'host-ksm'");
	expect_error("[memslot]\nbase = 1G\nsize = 1G\nbase = 2G\n", 4,
		     "duplicate key 'base' in [memslot]");
	expect_error("[vm]\nvcpus = 4\n[l1]\n[vm]\n", 4,
		     "section [vm] appears twice (first at line 1)");
	expect_error("[vm]\nvcpus 4\n", 2, "missing '='");
	expect_error("# top\nvcpus = 4\n", 2, "outside a section");
	expect_error("[vm]\nvcpus =\n", 2, "vcpus: missing value");
	expect_error("[vm]\n = 4\n", 2, "missing key");
	expect_error("[vm\nvcpus = 4\n", 1, "without ']'");
	expect_error("[vm] x\n", 1, "text after the section header");
	expect_error("[]\n", 1, "unknown section []");
	expect_error("[VM]\n", 1, "unknown section [VM]");
	expect_error("[l1]\nfoo = 1\n", 2, "unknown key 'foo' in [l1]");
	expect_error("[events]\nl2_access = 1\n", 2,
		     "unknown key 'l2_access' in [events]");
	/* keys of one section are not keys of another */
	expect_error("[vm]\ncontexts = 4\n", 2, "unknown key 'contexts'");
	/* CRLF line endings and no final newline keep line numbers right */
	expect_error("[vm]\r\nvcpus = 4\r\n\r\nbad\r\n", 4, "missing '='");
	expect_error("[vm]\nvcpus = 4\n[x]", 3, "unknown section [x]");
}

static void value_errors(void **state)
{
	expect_error("[vm]\nvcpus = four\n", 2, "vcpus = four: not a number");
	expect_error("[vm]\nvcpus = 4 8\n", 2, "not a number");
	expect_error("[vm]\nvcpus = -1\n", 2, "not a number");
	expect_error("[vm]\nvcpus = 0\n", 2, "vcpus = 0 out of range (1..512)");
	expect_error("[vm]\nvcpus = 513\n", 2, "out of range (1..512)");
	expect_error("[vm]\nvcpus = 4K\n", 2, "not a number");
	expect_error("[vm]\nipa_bits = 38\n", 2, "VTCR_EL2.PS");
	expect_error("[vm]\nipa_bits = 52\n", 2, "out of range (32..48)");
	expect_error("[scenario]\nevents = 0\n", 2, "events = 0 out of range");
	expect_error("[scenario]\nseed = 0x10000000000000000\n", 2,
		     "number too large");
	expect_error("[scenario]\nseed = 99999999999999999999\n", 2,
		     "number too large");
	expect_error("[scenario]\nname = a b\n", 2, "name: ' ' not allowed");
	expect_error("[scenario]\nname = "
		     "0123456789012345678901234567890123456789012345678901234567890123\n",
		     2, "longer than 63");
	expect_error("[l1]\nblock_pct = 101\n", 2,
		     "block_pct = 101 out of range (0..100)");
	expect_error("[events]\nhot_pct = 50%%\n", 2, "not a number");
	expect_error("[l1]\ncontexts = 0\n", 2, "out of range (1..255)");
	expect_error("[l1]\ncontexts = 256\n", 2, "out of range (1..255)");
	expect_error("[l1]\nl2_ipa_bits = 24\n", 2, "out of range (25..48)");
	expect_error("[l1]\ngranules = 8k\n", 2, "'8k' is not a granule");
	expect_error("[l1]\ngranules = 4k,,16k\n", 2, "'' is not a granule");
	expect_error("[l1]\ngranules = 4k, 16k, 64k, 4k\n", 2,
		     "more than 3 entries");
	expect_error("[l1]\nl2_mem = 1.5G\n", 2, "not a size");
	expect_error("[l1]\nl2_mem = 4Q\n", 2, "not a size");
	expect_error("[l1]\nl2_mem = G\n", 2, "not a size");
	expect_error("[l1]\nl2_mem = 0x\n", 2, "not a size");
	expect_error("[l1]\nl2_mem = 1__0M\n", 2, "not a size");
	expect_error("[l1]\nl2_mem = 1M\n", 2, "out of range (2M..1T)");
	expect_error("[l1]\nl2_mem = 3M\n", 2, "not a multiple of 2M");
	expect_error("[l1]\nl2_mem = 16777216T\n", 2, "number too large");
	expect_error("[l1]\npool_base = 0x1001\n", 2, "not a multiple of 4K");
	expect_error("[memslot]\nbase = 1G\nsize = 1G\nbacking = huge\n", 4,
		     "backing = huge: not 4k, thp or hugetlb");
	expect_error("[memslot]\nbase = 1M\n", 2, "not a multiple of 2M");
	expect_error("[memslot]\nbase = 1G\nsize = 0\n", 3, "out of range");
	expect_error("[events]\nl2-access = 1000001\n", 2,
		     "out of range (0..1000000)");
	expect_error("[events]\nnuma_window = 3M\n", 2,
		     "not a multiple of 2M");
	expect_error("[scenario]\ndescription = "
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		     "xxxxxxxxxxxxxxxxxxxxx\n", 2, "longer than 255");
}

static int parse_ok(const char *text, const char *file, struct scenario *sc)
{
	struct scenario_error err;
	int ret = scenario_parse(text, file, sc, &err);

	if (ret)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	return ret;
}

/* The slots and L1 areas of a small valid world, for the cases below. */
#define SLOTS2								\
	"[memslot]\nbase = 1G\nsize = 1G\n"				\
	"[memslot]\nbase = 2G\nsize = 4G\nbacking = thp\n"
#define L1_OK								\
	"[l1]\ncontexts = 2\nl2_mem = 1G\npool_base = 2G\n"		\
	"pool_size = 4G\ntable_base = 1G\ntable_size = 256M\n"

static void world_errors(void **state)
{
	char nine[512] = "";

	for (int i = 0; i < 9; i++)
		snprintf(nine + strlen(nine), sizeof(nine) - strlen(nine),
			 "[memslot]\nbase = %dG\nsize = 1G\n", i + 1);
	expect_error(nine, 25, "more than 8 [memslot] sections");

	expect_error("[memslot]\nbase = 1G\nsize = 1G\n"
		     "[memslot]\nbase = 1536M\nsize = 1G\n", 5,
		     "memslot 1: [1536M, 2560M) overlaps memslot 0 [1G, 2G)");
	expect_error("[vm]\nipa_bits = 32\n"
		     "[memslot]\nbase = 1G\nsize = 1G\n"
		     "[memslot]\nbase = 3G\nsize = 2G\n", 8,
		     "memslot 1: [3G, 5G) goes beyond the 32-bit IPA space");
	/* the default slots reach 8G: ipa_bits is then the culprit */
	expect_error("[vm]\nipa_bits = 32\n", 2,
		     "memslot 2: [4G, 6G) goes beyond the 32-bit IPA space");
	expect_error("[memslot]\nbase = 1G\nsize = 1G\nbacking = hugetlb\n"
		     "[memslot]\nbase = 2G\nsize = 1026M\nbacking = hugetlb\n", 7,
		     "size 1026M of a hugetlb slot is not a multiple of 1G");
	expect_error("[memslot]\nbase = 2M\nsize = 1G\nbacking = hugetlb\n", 2,
		     "base 2M of a hugetlb slot is not a multiple of 1G");
	expect_error("[vm]\nipa_bits = 44\n"
		     "[memslot]\nbase = 1G\nsize = 1T\nbacking = hugetlb\n"
		     "[memslot]\nbase = 2T\nsize = 1G\n", 9,
		     "memslots: more than 1T of RAM in all");
	expect_error("[memslot]\nsize = 1G\n", 1, "memslot 0: no base");
	expect_error(SLOTS2 "[memslot]\nbase = 8G\n", 8, "memslot 2: no size");

	expect_error(SLOTS2 L1_OK "pool_base = 2G\n", 15,
		     "duplicate key 'pool_base' in [l1] (first set at line 11)");
	/* pool and table areas, pointed at by their base */
	expect_error(SLOTS2 "[l1]\npool_base = 4G\npool_size = 4G\n", 9,
		     "pool area [4G, 8G) is not inside the memslots");
	expect_error(SLOTS2 "[l1]\npool_size = 1G\npool_base = 3G\n"
		     "table_base = 7G\ngranules = 4k\n", 11,
		     "table area [7G, 7424M) is not inside the memslots");
	expect_error(SLOTS2 "[l1]\npool_base = 2G\npool_size = 4G\n"
		     "table_base = 3G\ngranules = 4k\n", 11,
		     "table area [3G, 3328M) overlaps the pool area [2G, 6G)");
	/* memslots given, pool left at its default 2G..8G: the slot is named */
	expect_error("[memslot]\nbase = 1G\nsize = 2G\n", 1,
		     "pool area [2G, 8G) is not inside the memslots");
	expect_error(SLOTS2 "[l1]\ncontexts = 2\nl2_mem = 1G\npool_base = 2G\n"
		     "pool_size = 4G\ntable_base = 1G\ntable_size = 1M\n", 14,
		     "table_size = 1M is too small for L1's stage-2 tables of 2 contexts (at least 6M)");
}

static void l1_errors(void **state)
{
	expect_error("[l1]\ngranules = 4k, 64k\nl2_mem = 1280M\n", 3,
		     "l2_mem = 1280M is not a multiple of 512M, the level-2 block of the 64K granule");
	expect_error("[l1]\nl2_mem = 1G\n\ngranules = 16k\nl2_mem = 48M\n", 5,
		     "duplicate key 'l2_mem'");
	expect_error("[l1]\ngranules = 16k\nl2_mem = 48M\n", 3,
		     "not a multiple of 32M");
	/* the default l2_mem (512M) and a granule: the granules line */
	expect_error("[l1]\ngranules = 64k\nl2_mem = 512M\nl2_ipa_bits = 32\n",
		     4, "L1's walk starts at level 3");
	expect_error("[vm]\nipa_bits = 36\n[l1]\nl2_ipa_bits = 40\n", 4,
		     "l2_ipa_bits = 40 is larger than the L1 IPA size (ipa_bits = 36)");
	/* the default l2_ipa_bits (40) against a smaller ipa_bits */
	expect_error("[vm]\nipa_bits = 36\n"
		     "[memslot]\nbase = 1G\nsize = 1G\n"
		     "[memslot]\nbase = 2G\nsize = 4G\n" L1_OK, 2,
		     "larger than the L1 IPA size");
	expect_error("[l1]\ngranules = 4k\nl2_mem = 64M\nl2_ipa_bits = 25\n", 3,
		     "l2_mem = 64M does not fit in the 25-bit nested IPA space");
	/* start tables under 4K: the harness's L1 cannot allocate them */
	expect_error("[l1]\ngranules = 4k\nl2_ipa_bits = 36\n", 3,
		     "L1's 4K-granule start table would be 512 bytes");
	expect_error("[vm]\nipa_bits = 44\n[l1]\ngranules = 16k\n"
		     "l2_ipa_bits = 41\n", 5,
		     "L1's 16K-granule start table would be 256 bytes");
	expect_error("[vm]\nipa_bits = 48\n[l1]\ngranules = 64k\n"
		     "l2_ipa_bits = 48\n", 5,
		     "L1's 64K-granule start table would be 512 bytes");
	expect_error("[l1]\npool_size = 16M\ngranules = 16k\n", 2,
		     "pool_size = 16M is smaller than one L2 block (32M)");
	expect_error("[l1]\ncontexts = 255\nl2_mem = 8G\n", 2,
		     "contexts x l2_mem is more than 1T");
	/* what sim/l1.c's allocator cannot do */
	expect_error(SLOTS2 "[l1]\ntable_base = 0\n", 9,
		     "table_base = 0: the guest hypervisor model takes address 0");
	expect_error("[memslot]\nbase = 0\nsize = 4G\n[l1]\npool_base = 0\n",
		     5, "pool_base = 0");
	expect_error("[l1]\ncontexts = 4\nl2_mem = 2G\ngranules = 4k, 16k\n", 4,
		     "pool_size = 6G is less than the 8G of L2 memory (contexts x l2_mem): L1 can overcommit with one granule only");
}

/* Valid edge cases next to the errors above. */
static void l1_accepted(void **state)
{
	static const char *const ok[] = {
		/* overcommit with one granule: L1 reclaims */
		"[l1]\ncontexts = 4\nl2_mem = 2G\ngranules = 4k\n",
		/* a granule no context uses does not count */
		"[l1]\ncontexts = 1\nl2_mem = 32M\ngranules = 4k, 64k\n",
		/* pool across two adjacent slots, tables in a third */
		"[memslot]\nbase = 2M\nsize = 62M\n"
		"[memslot]\nbase = 1G\nsize = 1G\nbacking = thp\n"
		"[memslot]\nbase = 2G\nsize = 1G\nbacking = hugetlb\n"
		"[l1]\ncontexts = 2\nl2_mem = 512M\ngranules = 4k\n"
		"pool_base = 1G\npool_size = 2G\n"
		"table_base = 2M\ntable_size = 62M\n",
		/* the 4K granule's smallest and largest usable IPA sizes */
		"[l1]\ngranules = 4k\nl2_ipa_bits = 30\n",
		"[vm]\nipa_bits = 48\n[l1]\ngranules = 4k\nl2_ipa_bits = 48\n",
	};
	struct scenario sc;

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct sim_vm vm;

		assert_int_equal(parse_ok(ok[i], "ok", &sc), 0);
		if (world_create(&vm, &sc.wc, &strategy_full))
			fail_msg("world_create failed for:\n%s", ok[i]);
		world_destroy(&vm);
		scenario_free(&sc);
	}
}

static void zero_weights(void **state)
{
	char text[2048] = "[scenario]\nname = z\n[events]\n";

	for (int k = 0; k < EV_NR_KINDS; k++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "%s = 0\n", ev_kind_name(k));
	expect_error(text, 3, "every event weight is 0: nothing would happen");
}


static const char full_text[] =
	"# every section and key\n"
	"[scenario]\n"
	"name = full-1.x\n"
	"description = every key, # and a comment\n"
	"events = 1_234_567\n"
	"seed = 0xdeadbeef\n"
	"\n"
	"[vm]\n"
	"  vcpus = 6\t\t# indented, tab before the comment\n"
	"ipa_bits=44\n"
	"[memslot]\n"
	"base = 0x40000000\n"
	"size = 2G\n"
	"[memslot]\n"
	"backing = hugetlb\n"
	"size = 4G\n"
	"base = 4G\n"
	"[memslot]\n"
	"base = 16G\n"
	"size = 0x200000\n"
	"backing = thp\n"
	"[l1]\n"
	"contexts = 4\n"
	"l2_mem = 1g\n"
	"l2_ipa_bits = 39\n"
	"granules = 16k ,4k\n"
	"block_pct = 30%\n"
	"contig_pct = 0\n"
	"pool_base = 4G\n"
	"pool_size = 4G\n"
	"table_base = 0x40000000\n"
	"table_size = 64M\n"
	"[events]\n"
	"l2-access = 5000\n"
	"switch = 7\n"
	"host-ksm = 60\n"
	"vmid-rollover = 0\n"
	"age = 1000000\n"
	"hot_pct = 75\n"
	"hot_frac = 0\n"
	"numa_window = 128M\n";

static void full_scenario(void **state)
{
	struct gen_params dflt;
	struct scenario sc;

	assert_int_equal(parse_ok(full_text, "dir/f.ini", &sc), 0);
	assert_string_equal(sc.name, "full-1.x");
	assert_string_equal(sc.text, full_text);
	assert_ptr_not_equal(sc.text, full_text);
	assert_int_equal(sc.events, 1234567);
	assert_int_equal(sc.gp.seed, 0xdeadbeef);

	assert_int_equal(sc.wc.vm.nr_vcpus, 6);
	assert_int_equal(sc.wc.vm.ipa_bits, 44);
	assert_int_equal(sc.wc.vm.nr_slots, 3);
	assert_int_equal(sc.wc.vm.slots[0].base, SZ_1G);
	assert_int_equal(sc.wc.vm.slots[0].size, 2ULL * SZ_1G);
	assert_int_equal(sc.wc.vm.slots[0].backing, BACKING_4K);
	assert_int_equal(sc.wc.vm.slots[1].base, 4ULL * SZ_1G);
	assert_int_equal(sc.wc.vm.slots[1].size, 4ULL * SZ_1G);
	assert_int_equal(sc.wc.vm.slots[1].backing, BACKING_HUGETLB);
	assert_int_equal(sc.wc.vm.slots[2].base, 16ULL * SZ_1G);
	assert_int_equal(sc.wc.vm.slots[2].size, SZ_2M);
	assert_int_equal(sc.wc.vm.slots[2].backing, BACKING_THP);
	assert_int_equal(sc.wc.vm.slots[3].size, 0);
	/* run options stay at the harness defaults */
	assert_false(sc.wc.vm.check);
	assert_int_equal(sc.wc.vm.fail_pct, 0);
	assert_int_equal(sc.wc.vm.audit_every, 10000);

	assert_int_equal(sc.wc.l1.nr_ctx, 4);
	assert_int_equal(sc.wc.l1.l2_mem_size, SZ_1G);
	assert_int_equal(sc.wc.l1.l2_ipa_bits, 39);
	assert_int_equal(sc.wc.l1.nr_pgshift, 2);
	assert_int_equal(sc.wc.l1.pgshift[0], 14);
	assert_int_equal(sc.wc.l1.pgshift[1], 12);
	assert_int_equal(sc.wc.l1.block_pct, 30);
	assert_int_equal(sc.wc.l1.contig_pct, 0);
	assert_int_equal(sc.wc.l1.pool_base, 4ULL * SZ_1G);
	assert_int_equal(sc.wc.l1.pool_size, 4ULL * SZ_1G);
	assert_int_equal(sc.wc.l1.table_base, SZ_1G);
	assert_int_equal(sc.wc.l1.table_size, SZ_64M);

	/* weights given replace the default ones, the others stay */
	gen_default(&dflt, 1);
	for (int k = 0; k < EV_NR_KINDS; k++) {
		unsigned int w = dflt.weight[k];

		switch (k) {
		case EV_L2_ACCESS:
			w = 5000;
			break;
		case EV_SWITCH:
			w = 7;
			break;
		case EV_HOST_KSM:
			w = 60;
			break;
		case EV_VMID_ROLLOVER:
			w = 0;
			break;
		case EV_AGE:
			w = 1000000;
			break;
		}
		assert_int_equal(sc.gp.weight[k], w);
	}
	assert_int_equal(sc.gp.hot_pct, 75);
	assert_int_equal(sc.gp.hot_frac, 0);
	assert_int_equal(sc.gp.numa_window, SZ_128M);
	scenario_free(&sc);
	assert_null(sc.text);
	scenario_free(&sc);
}

static void defaults(void **state)
{
	struct world_config wc;
	struct gen_params gp;
	struct scenario sc;

	world_default(&wc);
	gen_default(&gp, 1);

	/* an empty text is the harness's default world and mix */
	assert_int_equal(parse_ok("", "some/dir/my-scen.ini", &sc), 0);
	assert_memory_equal(&sc.wc, &wc, sizeof(wc));
	assert_memory_equal(&sc.gp, &gp, sizeof(gp));
	assert_int_equal(sc.events, 200000);
	assert_string_equal(sc.name, "my-scen");
	scenario_free(&sc);

	assert_int_equal(parse_ok("# only comments\n\n  # and blanks\n",
				  NULL, &sc), 0);
	assert_memory_equal(&sc.wc, &wc, sizeof(wc));
	assert_string_equal(sc.name, "unnamed");
	scenario_free(&sc);

	/* one key: only that field moves */
	assert_int_equal(parse_ok("[vm]\nvcpus = 2\n", ".hidden", &sc), 0);
	assert_string_equal(sc.name, "unnamed");
	wc.vm.nr_vcpus = 2;
	assert_memory_equal(&sc.wc, &wc, sizeof(wc));
	assert_memory_equal(&sc.gp, &gp, sizeof(gp));
	scenario_free(&sc);

	/* one [memslot] replaces the four default slots */
	assert_int_equal(parse_ok("[memslot]\nbase = 1G\nsize = 7G\n", "x",
				  &sc), 0);
	assert_int_equal(sc.wc.vm.nr_slots, 1);
	assert_int_equal(sc.wc.vm.slots[0].base, SZ_1G);
	assert_int_equal(sc.wc.vm.slots[0].size, 7ULL * SZ_1G);
	assert_int_equal(sc.wc.vm.slots[0].backing, BACKING_4K);
	assert_int_equal(sc.wc.vm.slots[1].size, 0);
	assert_int_equal(sc.wc.vm.slots[3].size, 0);
	assert_int_equal(sc.wc.l1.pool_base, wc.l1.pool_base);
	scenario_free(&sc);

	/* a [scenario] seed moves gp.seed only */
	assert_int_equal(parse_ok("[scenario]\nseed = 42\n", "x", &sc), 0);
	gen_default(&gp, 42);
	assert_memory_equal(&sc.gp, &gp, sizeof(gp));
	scenario_free(&sc);
}

static u64 l2_mem_of(const char *val)
{
	char text[128];
	struct scenario sc;
	u64 v;

	snprintf(text, sizeof(text), "[l1]\ngranules = 4k\nl2_mem = %s\n",
		 val);
	if (parse_ok(text, "x", &sc))
		return 0;
	v = sc.wc.l1.l2_mem_size;
	scenario_free(&sc);
	return v;
}

static void suffixes(void **state)
{
	struct scenario sc;

	assert_int_equal(l2_mem_of("512M"), SZ_512M);
	assert_int_equal(l2_mem_of("512m"), SZ_512M);
	assert_int_equal(l2_mem_of("2048K"), SZ_2M);
	assert_int_equal(l2_mem_of("2048k"), SZ_2M);
	assert_int_equal(l2_mem_of("1G"), SZ_1G);
	assert_int_equal(l2_mem_of("0x40000000"), SZ_1G);
	assert_int_equal(l2_mem_of("0X40000000"), SZ_1G);
	assert_int_equal(l2_mem_of("0x400M"), SZ_1G);
	assert_int_equal(l2_mem_of("1_073_741_824"), SZ_1G);
	assert_int_equal(l2_mem_of("0x4000_0000"), SZ_1G);
	assert_int_equal(l2_mem_of("2097152"), SZ_2M);
	assert_int_equal(l2_mem_of("08M"), 8 * SZ_1M);

	assert_int_equal(parse_ok("[vm]\nipa_bits = 44\n[memslot]\nbase = 0\n"
				  "size = 1T\nbacking = hugetlb\n", "x", &sc),
			 0);
	assert_int_equal(sc.wc.vm.slots[0].size, 1ULL << 40);
	scenario_free(&sc);

	assert_int_equal(parse_ok("[scenario]\nseed = 0xffffffffffffffff\n"
				  "events = 1000000000000\n[events]\n"
				  "hot_pct = 100%\nnuma_window = 2M\n",
				  "x", &sc), 0);
	assert_true(sc.gp.seed == ~0ULL);
	assert_int_equal(sc.events, 1000000000000ULL);
	assert_int_equal(sc.gp.hot_pct, 100);
	assert_int_equal(sc.gp.numa_window, SZ_2M);
	scenario_free(&sc);
}

static void error_format(void **state)
{
	struct scenario_error err = { .file = "a/b.ini", .line = 7,
				      .msg = "bad thing" };
	char buf[600];

	scenario_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a/b.ini:7: bad thing");
	err.line = 0;
	scenario_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a/b.ini: bad thing");
	scenario_error_format(&err, buf, 4);
	assert_string_equal(buf, "a/b");
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void files(void **state)
{
	char path[] = "/tmp/nvrmap-scenario-XXXXXX";
	struct scenario_error err;
	struct scenario sc;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);

	write_file(path, full_text, strlen(full_text));
	assert_int_equal(scenario_load_file(path, &sc, &err), 0);
	assert_string_equal(sc.name, "full-1.x");
	assert_int_equal(sc.wc.l1.nr_ctx, 4);
	assert_string_equal(sc.text, full_text);
	scenario_free(&sc);

	/* errors name the file */
	write_file(path, "[vm]\nvcpus = 0\n", 15);
	assert_int_equal(scenario_load_file(path, &sc, &err), -EINVAL);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 2);
	assert_memory_equal(&sc, &zero_sc, sizeof(sc));

	write_file(path, "[vm]\n\0vcpus = 1\n", 16);
	assert_int_equal(scenario_load_file(path, &sc, &err), -EINVAL);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "NUL byte"));

	assert_int_equal(unlink(path), 0);
	assert_int_equal(scenario_load_file(path, &sc, &err), -ENOENT);
	assert_string_equal(err.file, path);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "cannot open: No such file"));
	assert_memory_equal(&sc, &zero_sc, sizeof(sc));

	assert_int_equal(scenario_load_file("/", &sc, &err) < 0, 1);
	assert_int_equal(err.line, 0);
}

static void builtin_list(void **state)
{
	static const char *const required[] = {
		"default", "ksm", "thp", "reclaim", "numa", "balloon",
		"memslot", "dirty-log", "l1-reclaim", "recycling", "many-l2",
		"granule-16k", "granule-64k", "large",
	};
	struct scenario_error err;
	struct scenario sc;
	int n = 0;

	assert_string_equal(scenario_builtin_names[0], "default");
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		bool found = false;

		for (int j = 0; scenario_builtin_names[j]; j++)
			found |= !strcmp(scenario_builtin_names[j],
					 required[i]);
		if (!found)
			fail_msg("built-in '%s' missing", required[i]);
	}
	for (int j = 0; scenario_builtin_names[j]; j++) {
		for (int k = 0; k < j; k++)
			assert_string_not_equal(scenario_builtin_names[j],
						scenario_builtin_names[k]);
		assert_non_null(scenario_builtin_text(scenario_builtin_names[j]));
		n++;
	}
	assert_true(n >= (int)ARRAY_SIZE(required));

	assert_null(scenario_builtin_text("nope"));
	assert_null(scenario_builtin_text(NULL));
	assert_int_equal(scenario_load_builtin("nope", &sc, &err), -ENOENT);
	assert_int_equal(err.line, 0);
	assert_non_null(strstr(err.msg, "no built-in scenario 'nope'"));
	assert_memory_equal(&sc, &zero_sc, sizeof(sc));
}

/*
 * Each built-in: parses under its name, its text parses to the same
 * scenario (round trip), its world builds, and a short run is refused
 * nothing and fails no vCPU.
 */
static void builtins_build_and_run(void **state)
{
	for (int i = 0; scenario_builtin_names[i]; i++) {
		const char *name = scenario_builtin_names[i];
		const char *text = scenario_builtin_text(name);
		struct run_result res = { 0 };
		struct scenario_error err;
		struct scenario sc, again;
		u64 sum = 0;
		struct sim_vm vm;
		struct gen g;

		if (scenario_load_builtin(name, &sc, &err))
			fail_msg("%s:%u: %s", err.file, err.line, err.msg);
		assert_string_equal(sc.name, name);
		assert_string_equal(sc.text, text);
		assert_true(sc.events > 0 && sc.events <= 300000);
		/* the built-ins' time base: weights per 100,000 events */
		for (int k = 0; k < EV_NR_KINDS; k++)
			sum += sc.gp.weight[k];
		assert_int_equal(sum, 100000);

		assert_int_equal(parse_ok(text, "copy", &again), 0);
		assert_string_equal(again.name, sc.name);
		assert_memory_equal(&again.wc, &sc.wc, sizeof(sc.wc));
		assert_memory_equal(&again.gp, &sc.gp, sizeof(sc.gp));
		assert_int_equal(again.events, sc.events);
		scenario_free(&again);

		sc.wc.vm.check = true;
		if (world_create(&vm, &sc.wc, &strategy_revmap))
			fail_msg("built-in '%s': world_create failed", name);
		gen_init(&g, &vm, &sc.gp);
		for (int e = 0; e < 2000; e++)
			run_step(&vm, &g, &res);
		assert_int_equal(res.errors, 0);
		assert_int_equal(res.vcpu_errors, 0);
		assert_int_equal(vm.stats.violations, 0);
		assert_true(vm.stats.shadow_faults > 0);
		world_destroy(&vm);
		scenario_free(&sc);
	}
}

/*
 * Mutated built-in texts: whatever the damage, the parser answers 0 or
 * -EINVAL with a line inside the text and a reason, and leaves nothing
 * behind (ASan and LSan watch the rest).
 */
static void mutations(void **state)
{
	static const char alphabet[] = "=[]#\n \t\r0123456789xXkKMGT_%-,.az";
	u64 rng = 12345;

	for (int i = 0; scenario_builtin_names[i]; i++) {
		const char *text = scenario_builtin_text(scenario_builtin_names[i]);
		size_t len = strlen(text);
		unsigned int lines = 1;
		char *buf = malloc(len + 64);

		assert_non_null(buf);
		for (size_t j = 0; j < len; j++)
			lines += text[j] == '\n';
		for (int m = 0; m < 300; m++) {
			struct scenario_error err;
			struct scenario sc;
			size_t n = len, at;
			int ret;

			memcpy(buf, text, len + 1);
			for (int k = 0; k < 1 + m % 3; k++) {
				rng = rng * 6364136223846793005ULL +
				      1442695040888963407ULL;
				at = (rng >> 33) % n;
				switch ((rng >> 20) % 4) {
				case 0:		/* delete */
					memmove(buf + at, buf + at + 1, n - at);
					n--;
					break;
				case 1:		/* replace */
					buf[at] = alphabet[(rng >> 8) %
							   (sizeof(alphabet) - 1)];
					break;
				case 2:		/* insert */
					memmove(buf + at + 1, buf + at,
						n - at + 1);
					buf[at] = alphabet[(rng >> 8) %
							   (sizeof(alphabet) - 1)];
					n++;
					break;
				default:	/* truncate */
					buf[at] = '\0';
					n = at ? at : 1;
					break;
				}
			}
			ret = scenario_parse(buf, "m", &sc, &err);
			if (ret) {
				assert_int_equal(ret, -EINVAL);
				assert_true(err.line <= lines + 1);
				assert_true(err.msg[0] != '\0');
				assert_memory_equal(&sc, &zero_sc, sizeof(sc));
			} else {
				assert_true(sc.events > 0);
				scenario_free(&sc);
			}
		}
		free(buf);
	}
}

/*
 * The checks that stand for world_create() failures are real: with
 * validation bypassed, the world refuses each of these configurations.
 */
static void validation_matches_world_create(void **state)
{
	struct world_config wc;
	struct sim_vm vm;

	world_default(&wc);
	assert_int_equal(world_create(&vm, &wc, &strategy_full), 0);
	world_destroy(&vm);

	world_default(&wc);
	wc.vm.ipa_bits = 38;		/* no VTCR_EL2.PS encoding */
	assert_int_not_equal(world_create(&vm, &wc, &strategy_full), 0);

	world_default(&wc);
	wc.l1.l2_ipa_bits = 44;		/* larger than ipa_bits (40) */
	assert_int_not_equal(world_create(&vm, &wc, &strategy_full), 0);

	world_default(&wc);
	wc.l1.pgshift[0] = 16;		/* 512M does not divide 768M */
	wc.l1.nr_pgshift = 1;
	wc.l1.l2_mem_size = SZ_512M + SZ_256M;
	assert_int_not_equal(world_create(&vm, &wc, &strategy_full), 0);

	world_default(&wc);
	wc.vm.slots[2].base = 3ULL * SZ_1G;	/* overlaps slot 1 */
	assert_int_not_equal(world_create(&vm, &wc, &strategy_full), 0);

	world_default(&wc);
	wc.vm.ipa_bits = 32;		/* slots reach 8G */
	wc.l1.l2_ipa_bits = 32;
	assert_int_not_equal(world_create(&vm, &wc, &strategy_full), 0);

	world_default(&wc);
	wc.vm.slots[3].size = SZ_1G + SZ_2M;	/* hugetlb: 1G multiples */
	assert_int_not_equal(world_create(&vm, &wc, &strategy_full), 0);

	world_default(&wc);
	wc.l1.table_size = SZ_4K;	/* no room for the roots */
	assert_int_not_equal(world_create(&vm, &wc, &strategy_full), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syntax_errors),
		cmocka_unit_test(value_errors),
		cmocka_unit_test(world_errors),
		cmocka_unit_test(l1_errors),
		cmocka_unit_test(l1_accepted),
		cmocka_unit_test(zero_weights),
		cmocka_unit_test(full_scenario),
		cmocka_unit_test(defaults),
		cmocka_unit_test(suffixes),
		cmocka_unit_test(error_format),
		cmocka_unit_test(files),
		cmocka_unit_test(builtin_list),
		cmocka_unit_test(builtins_build_and_run),
		cmocka_unit_test(mutations),
		cmocka_unit_test(validation_matches_world_create),
	};
	return nvrmap_run_tests(tests);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is an event stream for a small world, run
 * under the safety oracle, against one strategy.
 *
 * The first byte picks the strategy (strategies[], not the hidden broken
 * one), the world (one of the small scenarios below, each one accepted by
 * scenario_parse()) and whether strategy allocations fail now and then
 * (vm.fail_pct). The rest is decoded into at most MAX_EVENTS events of
 * every kind, with targets drawn the way the generator draws them (so
 * that they are valid), except for the events whose opcode asks for one
 * field to be out of range: those the world must refuse, or ignore, but
 * never crash on.
 *
 * It aborts on any oracle violation, on a valid event the world refuses
 * or a vCPU fails (run_result.errors, vcpu_errors; but an injected
 * allocation failure may fail a vCPU with -ENOMEM) and, for the strategies
 * that promise to be exact, on any collateral zap or fallback without an
 * allocation failure. FUZZ_VERBOSE=1 in the environment prints every
 * event as a trace line.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "l1.h"
#include "run.h"
#include "scenario.h"
#include "trace.h"

#define MAX_EVENTS	2000
#define AUDIT_EVERY	16
#define FAIL_PCT	10

/*
 * Small worlds, a few MB of arrays each: one granule with an
 * overcommitted pool (L1 reclaims), mixed 4K/16K, 64K on a hugetlb pool,
 * and more contexts than nested MMUs (recycling); L2 memory on THP in
 * the others. A 1G hugetlb folio or a 512M L1 block costs a few ms to
 * set up under the fuzzer's instrumentation: one world has them.
 */
static const char *const worlds[] = {
	"[vm]\nvcpus = 2\nipa_bits = 36\n"
	"[memslot]\nbase = 1G\nsize = 64M\nbacking = 4k\n"
	"[memslot]\nbase = 2G\nsize = 64M\nbacking = thp\n"
	"[memslot]\nbase = 4G\nsize = 16M\nbacking = 4k\n"
	"[l1]\ncontexts = 3\nl2_mem = 32M\nl2_ipa_bits = 34\ngranules = 4k\n"
	"pool_base = 2G\npool_size = 64M\n"
	"table_base = 1G\ntable_size = 32M\n",

	"[vm]\nvcpus = 2\nipa_bits = 36\n"
	"[memslot]\nbase = 1G\nsize = 64M\nbacking = 4k\n"
	"[memslot]\nbase = 2G\nsize = 256M\nbacking = thp\n"
	"[l1]\ncontexts = 4\nl2_mem = 64M\nl2_ipa_bits = 34\n"
	"granules = 4k, 16k\npool_base = 2G\npool_size = 256M\n"
	"table_base = 1G\ntable_size = 32M\n",

	"[vm]\nvcpus = 1\nipa_bits = 40\n"
	"[memslot]\nbase = 1G\nsize = 64M\nbacking = 4k\n"
	"[memslot]\nbase = 2G\nsize = 32M\nbacking = thp\n"
	"[memslot]\nbase = 4G\nsize = 1G\nbacking = hugetlb\n"
	"[l1]\ncontexts = 3\nl2_mem = 512M\nl2_ipa_bits = 40\n"
	"granules = 64k\npool_base = 4G\npool_size = 1G\n"
	"table_base = 1G\ntable_size = 32M\n",

	"[vm]\nvcpus = 1\nipa_bits = 36\n"
	"[memslot]\nbase = 1G\nsize = 32M\nbacking = 4k\n"
	"[memslot]\nbase = 2G\nsize = 32M\nbacking = thp\n"
	"[l1]\ncontexts = 6\nl2_mem = 8M\nl2_ipa_bits = 32\ngranules = 4k\n"
	"block_pct = 30\ncontig_pct = 50\n"
	"pool_base = 2G\npool_size = 32M\n"
	"table_base = 1G\ntable_size = 16M\n",
};

#define NR_WORLDS	ARRAY_SIZE(worlds)

static struct world_config world_cfg[NR_WORLDS];
static unsigned int nr_strategies;
static bool verbose;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	for (size_t i = 0; i < NR_WORLDS; i++) {
		struct scenario_error err;
		struct scenario sc;

		FUZZ_CHECK(!scenario_parse(worlds[i], NULL, &sc, &err),
			   "world %zu: line %u: %s", i, err.line, err.msg);
		world_cfg[i] = sc.wc;
		scenario_free(&sc);
	}
	while (strategies[nr_strategies])
		nr_strategies++;
	verbose = getenv("FUZZ_VERBOSE");
	return 0;
}

/* The input, consumed from the front; zeros once it runs out. */
struct input {
	const uint8_t *p;
	size_t n;
};

static u64 take(struct input *in, unsigned int bytes)
{
	u64 v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		v = v << 8;
		if (in->n) {
			v |= *in->p++;
			in->n--;
		}
	}
	return v;
}

/*
 * A byte or two picks among 256 or 65536 spots spread over @size, so that
 * streams come back to the same pages: faults hit what earlier ones
 * mapped, host and guest events land on live leaves.
 */
static u64 spot(struct input *in, u64 size, u64 align)
{
	u64 step = max_t(u64, size >> 16, 1);

	return ALIGN_DOWN((take(in, 2) * step) % size, align);
}

static int pick_ctx(struct sim_vm *vm, struct input *in)
{
	return take(in, 1) % l1_nr_ctx(vm->l1);
}

static u64 pick_nested(struct sim_vm *vm, struct input *in, int ctx)
{
	return spot(in, l1_ctx_mem_size(vm->l1, ctx), 8);
}

static struct memslot *pick_slot(struct sim_vm *vm, struct input *in)
{
	return &vm->slots[take(in, 1) % vm->cfg.nr_slots];
}

static u64 pick_page(struct sim_vm *vm, struct input *in, u64 align)
{
	struct memslot *s = pick_slot(vm, in);

	return s->base + spot(in, s->size, align);
}

/* A valid event of @kind, as sim/gen.c would make it. */
static void make_event(struct sim_vm *vm, struct input *in, enum ev_kind kind,
		       struct sim_event *ev)
{
	struct memslot *s;
	u64 win;

	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->ctx = -1;
	ev->ctx2 = -1;

	switch (kind) {
	case EV_L2_ACCESS:
		ev->vcpu = take(in, 1) % vm->cfg.nr_vcpus;
		if (vm->vcpus[ev->vcpu].ctx < 0) {
			/* a vCPU in L1 enters an L2 first */
			ev->kind = EV_SWITCH;
			ev->ctx = pick_ctx(vm, in);
			break;
		}
		ev->addr = pick_nested(vm, in, vm->vcpus[ev->vcpu].ctx);
		ev->write = take(in, 1) & 1;
		break;
	case EV_L1_ACCESS:
		ev->addr = pick_page(vm, in, 8);
		ev->write = take(in, 1) & 1;
		break;
	case EV_SWITCH:
		ev->vcpu = take(in, 1) % vm->cfg.nr_vcpus;
		ev->ctx = take(in, 1) % 8 ? pick_ctx(vm, in) : -1;
		break;
	case EV_HOST_RECLAIM:
	case EV_HOST_MIGRATE:
	case EV_HOST_DISCARD:
		ev->size = take(in, 1) % 4 ? SZ_4K : SZ_2M;
		ev->addr = pick_page(vm, in, ev->size);
		break;
	case EV_HOST_KSM:
		ev->size = SZ_4K;
		ev->addr = pick_page(vm, in, SZ_4K);
		ev->addr2 = pick_page(vm, in, SZ_4K);
		break;
	case EV_HOST_THP_SPLIT:
	case EV_HOST_THP_COLLAPSE:
	case EV_AGE:
		ev->size = SZ_2M;
		ev->addr = pick_page(vm, in, SZ_2M);
		break;
	case EV_HOST_NUMA:
		s = pick_slot(vm, in);
		win = min_t(u64, SZ_2M * (1 + take(in, 1) % 32), s->size);
		ev->addr = s->base + spot(in, s->size - win + 1, SZ_2M);
		ev->size = win;
		break;
	case EV_MEMSLOT_DELETE:
	case EV_DIRTY_ENABLE:
	case EV_DIRTY_DISABLE:
		ev->ctx = take(in, 1) % vm->cfg.nr_slots;
		break;
	case EV_DIRTY_CLEAR:
		ev->size = 64 * SZ_4K;
		ev->addr = pick_page(vm, in, ev->size);
		break;
	case EV_L1_KSM:
		ev->ctx2 = pick_ctx(vm, in);
		ev->addr2 = pick_nested(vm, in, ev->ctx2);
		fallthrough;
	case EV_L1_RECLAIM:
	case EV_L1_MIGRATE:
	case EV_L1_THP_SPLIT:
	case EV_L1_THP_COLLAPSE:
		ev->ctx = pick_ctx(vm, in);
		ev->addr = pick_nested(vm, in, ev->ctx);
		break;
	case EV_L1_RANGE_UNMAP:
		ev->ctx = pick_ctx(vm, in);
		ev->size = l1_ctx_granule(vm->l1, ev->ctx) *
			   (1 + take(in, 2) % 512);
		ev->addr = pick_nested(vm, in, ev->ctx);
		break;
	case EV_L1_DIRTY_LOG:
	case EV_L2_RESTART:
		ev->ctx = pick_ctx(vm, in);
		break;
	case EV_VMID_ROLLOVER:
	case EV_NR_KINDS:
		break;
	}
}

/*
 * Put one field out of range: just past the end (a count, a size), -1,
 * any 64-bit value, past the end of the address space, a range that
 * wraps around it, or a size that is not whole pages.
 */
static void spoil_event(struct sim_vm *vm, struct input *in,
			struct sim_event *ev)
{
	unsigned int sel = take(in, 1);
	unsigned int how = sel / 8 % 4;
	u64 raw = take(in, 8);
	int bad_int = how == 0 ? (int)raw : how == 1 ? -1 : INT32_MAX;

	switch (sel % 8) {
	case 0:
		ev->vcpu = how == 3 ? (int)vm->cfg.nr_vcpus : bad_int;
		break;
	case 1:
		ev->ctx = how == 3 ? (int)max(l1_nr_ctx(vm->l1),
					      vm->cfg.nr_slots) : bad_int;
		break;
	case 2:
		ev->ctx2 = how == 3 ? (int)l1_nr_ctx(vm->l1) : bad_int;
		break;
	case 3:
		ev->addr = how == 0 ? raw : how == 1 ? ~0ULL - (raw & 0xffff) :
			   how == 2 ? 1ULL << vm->cfg.ipa_bits :
			   ev->addr + (raw & 0xfff);
		break;
	case 4:
		ev->addr2 = how == 0 ? raw : ~0ULL - (raw & 0xffff);
		break;
	case 5:
		if (sel >= 128)		/* wraps: ends just short of addr */
			ev->size = 0 - SZ_4K * (1 + raw % 16);
		else
			ev->size = how == 0 ? raw : how == 1 ? 0 :
				   how == 2 ? ev->size + (raw & 0xfff) :
				   ev->size << (raw % 24);
		break;
	case 6:
		ev->kind = raw % (EV_NR_KINDS + 4);
		break;
	case 7:
		ev->write = !ev->write;
		break;
	}
}

static void print_event(const struct sim_event *ev, bool valid, int ret)
{
	char line[TRACE_MAX_LINE + 1];

	if (trace_format_event(ev, line, sizeof(line)) < 0)
		snprintf(line, sizeof(line),
			 "(no trace line) kind %d vcpu %d ctx %d ctx2 %d addr %#llx addr2 %#llx size %#llx%s",
			 ev->kind, ev->vcpu, ev->ctx, ev->ctx2,
			 (unsigned long long)ev->addr,
			 (unsigned long long)ev->addr2,
			 (unsigned long long)ev->size, ev->write ? " w" : "");
	fprintf(stderr, "%s %s -> %d\n", valid ? "valid  " : "spoiled", line,
		ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	unsigned int cfg = take(&in, 1);
	const struct rmap_strategy *strat = strategies[cfg % nr_strategies];
	struct world_config wc = world_cfg[cfg / nr_strategies % NR_WORLDS];
	bool inject = cfg & 0x80;
	struct run_result res = { .strategy = strat->name };
	struct sim_vm vm;
	int ret;

	wc.vm.check = true;
	wc.vm.audit_every = AUDIT_EVERY;
	if (inject) {
		wc.vm.fail_pct = FAIL_PCT;
		wc.vm.fail_seed = take(&in, 1);
	}
	ret = world_create(&vm, &wc, strat);
	FUZZ_CHECK(!ret, "world_create: %d", ret);
	if (verbose)
		fprintf(stderr, "strategy %s, world %u, fail_pct %u\n",
			strat->name, cfg / nr_strategies % (unsigned int)NR_WORLDS,
			wc.vm.fail_pct);

	for (int n = 0; n < MAX_EVENTS && in.n; n++) {
		unsigned int op = take(&in, 1);
		enum ev_kind kind = op % 64;
		bool valid = op < 0xc0;
		struct sim_event ev;

		/* opcodes past the kinds: L2 accesses, most of what runs */
		if (kind >= EV_NR_KINDS)
			kind = EV_L2_ACCESS;
		make_event(&vm, &in, kind, &ev);
		if (!valid)
			spoil_event(&vm, &in, &ev);
		ret = vm_apply(&vm, &ev);
		if (verbose)
			print_event(&ev, valid, ret);
		/*
		 * With injection, a fault's memcache top-up may fail as
		 * GFP_KERNEL can: the vCPU gets -ENOMEM, as from KVM_RUN.
		 */
		if (valid && ret &&
		    !(inject && ret == -ENOMEM && ev.kind == EV_L2_ACCESS)) {
			print_event(&ev, valid, ret);
			FUZZ_CHECK(!ret, "event %d refused or failed: %d", n,
				   ret);
		}
		FUZZ_CHECK(!vm.stats.violations, "oracle violation at event %d",
			   n);
	}

	run_finish(&vm, &res);
	FUZZ_CHECK(!res.stats.violations, "oracle violation in the final audit");
	FUZZ_CHECK(!strat->exact ||
		   res.counters.fallbacks <= res.counters.failures,
		   "%s: %llu fallbacks, %llu failures", strat->name,
		   (unsigned long long)res.counters.fallbacks,
		   (unsigned long long)res.counters.failures);
	if (strat->exact && !inject) {
		FUZZ_CHECK(res.stats.host_zapped == res.stats.host_needed,
			   "%s: zapped %llu, needed %llu", strat->name,
			   (unsigned long long)res.stats.host_zapped,
			   (unsigned long long)res.stats.host_needed);
		FUZZ_CHECK(!res.counters.fallbacks, "%s: %llu fallbacks",
			   strat->name,
			   (unsigned long long)res.counters.fallbacks);
	}
	world_destroy(&vm);
	return 0;
}

# SPDX-License-Identifier: GPL-2.0
#
# The harness (sim/), the kernel code under test (kernel/), the nvrmap
# command (tools/nvrmap/) and the tests (tests/).

# The shims size phys_addr_t from autoconf.h, as the kernel does: arm64 is
# 64-bit, so every unit sees it.
SIM_CPPFLAGS := -include $(KSHIM_DIR)/generated/autoconf.h \
	-Isim -Isim/include -Ikernel/arch/arm64/include \
	$(KSHIM_CPPFLAGS)

# sim/lockdep.c goes with the shims (mk/kshim.mk): their locks call it.
SIM_SRCS := $(filter-out sim/lockdep.c,$(wildcard sim/*.c))
KERNEL_SRCS := $(wildcard kernel/arch/arm64/kvm/*.c)
LIB_OBJS := $(patsubst %.c,$(O)/%.o,$(SIM_SRCS) $(KERNEL_SRCS))
LIBSIM := $(O)/libsim.a

NVRMAP_SRCS := $(wildcard tools/nvrmap/*.c)
NVRMAP_OBJS := $(patsubst %.c,$(O)/%.o,$(NVRMAP_SRCS))

TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(O)/tests/%,$(TEST_SRCS))

$(O)/%.o: %.c $(KSHIM_GEN) $(KSRC_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SIM_CPPFLAGS) -MMD -MP -c $< -o $@

$(LIBSIM): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(O)/nvrmap: $(NVRMAP_OBJS) $(LIBSIM) $(KSHIM_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/tests/%: $(O)/tests/%.o $(LIBSIM) $(KSHIM_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

-include $(wildcard $(O)/sim/*.d $(O)/kernel/arch/arm64/kvm/*.d $(O)/bench/*.d \
	$(O)/tools/nvrmap/*.d $(O)/tests/*.d)

.PHONY: tests run-tests
tests: $(TEST_BINS) $(O)/nvrmap

# TAP from each cmocka binary, summarised by prove.
run-tests: tests
	CMOCKA_MESSAGE_OUTPUT=TAP NVRMAP=$(O)/nvrmap \
		prove -v -e '' $(TEST_BINS) $(wildcard tests/*.t)

# The concurrent harness under ThreadSanitizer and the fuzzers, briefly
# (make stress and make fuzz run longer), then every test under
# ASan+UBSan, whose summary ends the log.
check: deps
	$(MAKE) FLAVOUR=tsan stress-smoke
	$(MAKE) FLAVOUR=fuzz run-fuzz-smoke
	$(MAKE) FLAVOUR=asan run-tests

run: deps
	$(MAKE) FLAVOUR=opt $(O)/nvrmap
	build/opt/nvrmap compare

BENCH_SRCS := $(wildcard bench/bench_*.c)
BENCH_BINS := $(patsubst bench/%.c,$(O)/bench/%,$(BENCH_SRCS))

# The optional object cache of sim/alloc_fail.h needs the free side of the
# shim allocator wrapped too: the benchmarks and its unit test only.
ALLOC_CACHE_LDFLAGS := -Wl,--wrap=kmem_cache_free \
	-Wl,--wrap=kmem_cache_free_bulk -Wl,--wrap=kmem_cache_return_sheaf
$(BENCH_BINS) $(O)/tests/test_alloc_fail: LDFLAGS += $(ALLOC_CACHE_LDFLAGS)

$(O)/bench/%: $(O)/bench/%.o $(LIBSIM) $(KSHIM_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: bench run-bench perf-report
# Figures, not tests: always the optimised build. bench_unmap prints its
# table; bench/grid runs bench_ops over the grid into build/bench/*.csv
# (BENCH_QUICK=1: a short grid).
BENCH_OUT ?= build/bench
bench: deps
	$(MAKE) FLAVOUR=opt run-bench

run-bench: $(BENCH_BINS)
	$(O)/bench/bench_unmap
	BENCH_QUICK=$(BENCH_QUICK) bench/grid $(O)/bench $(BENCH_OUT)

# docs/PERFORMANCE.md from scratch: the benchmarks, every scenario under
# every strategy, the sweeps' plots (scripts/perf-report).
perf-report: deps
	$(MAKE) FLAVOUR=opt $(O)/nvrmap $(BENCH_BINS)
	BENCH_QUICK=$(BENCH_QUICK) scripts/perf-report

# Long randomized runs of every strategy on every mix: not in CI.
.PHONY: soak
soak: deps
	$(MAKE) FLAVOUR=opt build/opt/soak
	build/opt/soak $(SOAK_ARGS)

$(O)/soak: $(O)/tests/soak.o $(LIBSIM) $(KSHIM_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The concurrent harness: every strategy, then failure injection, under
# ASan+UBSan and under TSan (suppressions: tests/tsan.supp). Not in CI at
# this length; CI runs tests/test_concurrent under both.
STRESS_SECONDS ?= 60
STRESS_VCPUS ?= 4
TSAN_ENV := TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp"

.PHONY: stress stress-smoke
stress: deps
	$(MAKE) FLAVOUR=asan build/asan/stress
	$(MAKE) FLAVOUR=tsan build/tsan/stress
	build/asan/stress $(STRESS_SECONDS) $(STRESS_VCPUS)
	$(TSAN_ENV) build/tsan/stress $(STRESS_SECONDS) $(STRESS_VCPUS)

stress-smoke: $(O)/tests/test_concurrent
	$(TSAN_ENV) CMOCKA_MESSAGE_OUTPUT=TAP NVRMAP_STRESS_SECONDS=1 \
		prove -v -e '' $(O)/tests/test_concurrent

$(O)/stress: $(O)/tests/stress.o $(LIBSIM) $(KSHIM_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

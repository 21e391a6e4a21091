# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer targets (fuzz/fuzz_*.c), built in FLAVOUR=fuzz: clang-14 with
# ASan, UBSan and coverage on every library. docs/RELIABILITY.md says what
# each target drives and what the runs found.
#
#   make fuzz         each target for FUZZ_SECONDS (600), one at a time, from
#                     fuzz/corpus/<name>/ and fuzz/regressions/<name>/; new
#                     inputs go to build/fuzz/corpus/<name>/, crashes to
#                     build/fuzz/artifacts/, output to build/fuzz/logs/<name>/
#   make fuzz-smoke   each target over fuzz/regressions/<name>/, then its
#                     seeds and FUZZ_SMOKE_SECONDS (15) of fuzzing; fails on
#                     any finding

FUZZ_NAMES := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(addprefix $(O)/fuzz/,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 15
# Far beyond what any input takes; libFuzzer's default is 20 minutes.
FUZZ_TIMEOUT ?= 25
FUZZ_OUT := $(CURDIR)/build/fuzz

# LDFLAGS as for every harness binary; libFuzzer's main on top.
$(FUZZ_BINS): $(O)/fuzz/%: $(O)/fuzz/%.o $(LIBSIM) $(KSHIM_LIB)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(LDLIBS)

-include $(wildcard $(O)/fuzz/*.d)

.PHONY: fuzz fuzz-smoke run-fuzz run-fuzz-smoke
fuzz: deps
	$(MAKE) FLAVOUR=fuzz run-fuzz

fuzz-smoke: deps
	$(MAKE) FLAVOUR=fuzz run-fuzz-smoke

# For target $$f: its dictionary, and its committed inputs (seeds first).
FUZZ_SH_INPUTS := \
	dict=; [ -f fuzz/$$f.dict ] && dict=-dict=$(CURDIR)/fuzz/$$f.dict; \
	seeds=$(CURDIR)/fuzz/corpus/$$f; \
	[ -d fuzz/regressions/$$f ] && \
		seeds="$$seeds $(CURDIR)/fuzz/regressions/$$f"

# -jobs=1 runs the target in one child whose output libFuzzer keeps in
# fuzz-0.log, in the directory it runs from, and prints when it ends.
# Every target runs, even after a finding; the exit status tells.
run-fuzz: $(FUZZ_BINS)
	@rc=0; for f in $(FUZZ_NAMES); do \
		$(FUZZ_SH_INPUTS); \
		mkdir -p $(FUZZ_OUT)/corpus/$$f $(FUZZ_OUT)/artifacts \
			$(FUZZ_OUT)/logs/$$f; \
		echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
		(cd $(FUZZ_OUT)/logs/$$f && \
		 $(CURDIR)/$(O)/fuzz/$$f -jobs=1 \
			-max_total_time=$(FUZZ_SECONDS) \
			-timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_OUT)/artifacts/$$f- $$dict \
			$(FUZZ_OUT)/corpus/$$f $$seeds) || \
		{ echo "fuzz: $$f: FINDING, see $(FUZZ_OUT)/artifacts/"; \
		  rc=1; }; \
	done; exit $$rc

# Quiet unless something is found: one line per target, the log's tail
# on a finding. New inputs go to a scratch corpus, emptied every time.
run-fuzz-smoke: $(FUZZ_BINS)
	@for f in $(FUZZ_NAMES); do \
		$(FUZZ_SH_INPUTS); \
		bin=$(CURDIR)/$(O)/fuzz/$$f; log=$(FUZZ_OUT)/logs/$$f-smoke.log; \
		scratch=$(FUZZ_OUT)/smoke/$$f; \
		rm -rf $$scratch; \
		mkdir -p $$scratch $(FUZZ_OUT)/artifacts $(FUZZ_OUT)/logs; \
		regs=$$(find fuzz/regressions/$$f -type f 2>/dev/null | sort); \
		if [ -n "$$regs" ] && ! $$bin $$regs >$$log 2>&1; then \
			tail -n 40 $$log; \
			echo "fuzz-smoke: $$f: a regression input fails ($$log)"; \
			exit 1; \
		fi; \
		if ! $$bin -max_total_time=$(FUZZ_SMOKE_SECONDS) \
			-timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_OUT)/artifacts/smoke-$$f- $$dict \
			$$scratch $$seeds >$$log 2>&1; then \
			tail -n 40 $$log; \
			echo "fuzz-smoke: $$f: FINDING ($$log)"; \
			exit 1; \
		fi; \
		echo "fuzz-smoke: $$f: ok, $$(echo $$regs | wc -w) regressions," \
			"$$(sed -n 's/^stat::number_of_executed_units: //p' $$log) runs," \
			"$$(grep -o 'cov: [0-9]* ft: [0-9]*' $$log | tail -n 1)"; \
	done

# SPDX-License-Identifier: GPL-2.0
#
# nvrmap: the nested stage-2 reverse map for KVM/arm64, its userspace
# harness and tools.
#
#   make            build nvrmap (optimised)
#   make run        nvrmap compare on the default scenario
#   make check      install what is missing, then run every test under
#                   ASan+UBSan (TAP, run by prove)

FLAVOUR ?= opt
O := build/$(FLAVOUR)

ifeq ($(FLAVOUR),asan)
OPTFLAGS := -O1 -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(FLAVOUR),tsan)
# ThreadSanitizer for the concurrent harness (make stress); suppressions
# in tests/tsan.supp, each with its reason.
OPTFLAGS := -O1 -fno-omit-frame-pointer
SANFLAGS := -fsanitize=thread
else ifeq ($(FLAVOUR),fuzz)
# libFuzzer (mk/fuzz.mk): clang; the libraries get coverage instrumentation,
# the fuzz targets link the fuzzer's main.
CC := clang
OPTFLAGS := -O1 -fno-omit-frame-pointer
SANFLAGS := -fsanitize=address,undefined,fuzzer-no-link \
	-fno-sanitize-recover=undefined
else
OPTFLAGS := -O2
SANFLAGS :=
endif

KSRC := .cache/linux-7.3
KSRC_STAMP := $(KSRC)/.nvrmap-version
DEPS_STAMP := .cache/deps.stamp

# As the kernel does (Makefile.extrawarn): -Wtype-limits is W=2 only and
# GENMASK() trips it; unused parameters are normal in callback tables.
WARNFLAGS := -Wall -Wextra -Werror -Wno-type-limits -Wno-unused-parameter
CFLAGS := $(OPTFLAGS) $(SANFLAGS) -g $(WARNFLAGS) -std=gnu11
LDFLAGS := $(SANFLAGS)
# Every binary that links the harness routes the shim allocator's entry
# points through its failure injector (sim/alloc_fail.h says why), and
# pulls the injector in even if nothing else of the harness needs it.
ALLOC_WRAP := kmem_cache_alloc_lru kmem_cache_alloc_bulk \
	kmem_cache_prefill_sheaf kmem_cache_refill_sheaf kmalloc kmalloc_array
ALLOC_WRAP_LDFLAGS := $(foreach f,$(ALLOC_WRAP),-Wl,--wrap=$(f)) \
	-Wl,--undefined=__wrap_kmalloc
LDFLAGS += $(ALLOC_WRAP_LDFLAGS)
LDLIBS := -lpthread -lurcu -lm

.PHONY: all run check deps clean
# Keep objects, and keep make quiet after the test summary.
.SECONDARY:
MAKEFLAGS += --no-print-directory
all: $(O)/nvrmap

$(DEPS_STAMP): scripts/install-deps
	scripts/install-deps
	@mkdir -p $(dir $@) && touch $@

# A cached tree is up to date: touch its stamp so that make agrees.
$(KSRC_STAMP): $(DEPS_STAMP) scripts/kernel-source
	scripts/kernel-source >/dev/null
	touch $@

deps: $(DEPS_STAMP) $(KSRC_STAMP)

include mk/kshim.mk
include mk/nvrmap.mk
include mk/kernel.mk
include mk/fuzz.mk
include mk/e2e.mk

clean:
	rm -rf build

# SPDX-License-Identifier: GPL-2.0
#
# The Linux 7.3 patch series (docs/KERNEL.md). Neither target is part of
# make check: kernel-patch needs git and python3, kernel-check the arm64
# cross compiler and sparse (scripts/install-kernel-deps installs them).
#
#   make kernel-patch        the series, from kernel/ and the wiring
#                            (scripts/kernel_wiring.py), in
#                            $(KERNEL_PATCH_DIR); then tests/kernel_series.t
#   make kernel-check        git am onto pristine v7.3, W=1 and sparse
#                            builds (no new warnings), checkpatch --strict,
#                            kernel-doc (scripts/kernel-check)
#   make kernel-check-each   the same, and every patch built on its own

KERNEL_PATCH_DIR ?= build/kernel-patch
KDEPS_STAMP := .cache/kernel-deps.stamp

.PHONY: kernel-deps kernel-patch kernel-check kernel-check-each

$(KDEPS_STAMP): scripts/install-kernel-deps
	scripts/install-kernel-deps
	@mkdir -p $(dir $@) && touch $@

# scripts/kernel-source returns at once when the tree is there.
kernel-deps: $(KDEPS_STAMP)
	@scripts/kernel-source >/dev/null

kernel-patch: kernel-deps
	@scripts/kernel-wire --out $(KERNEL_PATCH_DIR)
	@KERNEL_PATCH_DIR=$(KERNEL_PATCH_DIR) prove -e '' tests/kernel_series.t

kernel-check: kernel-patch
	@KERNEL_PATCH_DIR=$(abspath $(KERNEL_PATCH_DIR)) scripts/kernel-check

kernel-check-each: kernel-patch
	@KERNEL_PATCH_DIR=$(abspath $(KERNEL_PATCH_DIR)) scripts/kernel-check --each

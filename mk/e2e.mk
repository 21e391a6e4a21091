# SPDX-License-Identifier: GPL-2.0
#
# End to end on the real kernels (docs/E2E.md); not part of make check nor
# of CI (tens of minutes).
#
#   make e2e-build   QEMU 10, the patched and the unpatched Linux 7.3 (arm64,
#                    tinyconfig + e2e/kernel.config), the static selftests,
#                    the initramfs; incremental, everything in .cache/e2e
#   make e2e         e2e-build, then both kernels booted under QEMU with
#                    FEAT_NV2, the selftests run inside, results side by
#                    side (logs in build/e2e/)
#
# E2E_ROUNDS (default 1000): L1<->L2 round trips of nv_shadow_s2_unmap.
# E2E_ARGS: more scripts/e2e-run options, e.g. --kernels patched.

E2E_ROUNDS ?= 1000
E2E_ARGS ?=

.PHONY: e2e-build e2e

e2e-build:
	@scripts/e2e-build

e2e: e2e-build
	@scripts/e2e-run --rounds $(E2E_ROUNDS) $(E2E_ARGS)

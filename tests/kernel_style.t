#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# kernel/ is kernel code: checkpatch --strict and kernel-doc must be clean,
# and no file may carry a userspace conditional.
set -u
cd "$(dirname "$0")/.."
ksrc=.cache/linux-7.3
files=$(git ls-files kernel 2>/dev/null || find kernel -type f)
n=0
echo "1..3"

out=$(perl "$ksrc/scripts/checkpatch.pl" --strict --no-tree --quiet -f $files 2>&1)
n=$((n + 1))
if [ -z "$out" ]; then echo "ok $n - checkpatch --strict"; else
	echo "not ok $n - checkpatch --strict"; echo "$out" | sed 's/^/# /'; fi

out=$("$ksrc/scripts/kernel-doc" -none -Wall $files 2>&1)
n=$((n + 1))
if [ -z "$out" ]; then echo "ok $n - kernel-doc"; else
	echo "not ok $n - kernel-doc"; echo "$out" | sed 's/^/# /'; fi

out=$(grep -nE '^\s*#\s*if(n?def)?\s.*(__KERNEL__|USERSPACE|HARNESS|SIM\b|NVRMAP)' $files)
n=$((n + 1))
if [ -z "$out" ]; then echo "ok $n - no userspace conditionals"; else
	echo "not ok $n - no userspace conditionals"; echo "$out" | sed 's/^/# /'; fi

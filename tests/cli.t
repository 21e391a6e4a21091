#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The nvrmap command as a user meets it: errors and exit statuses, report
# formats, record -> replay giving the same report, sweep output.
set -u
cd "$(dirname "$0")/.."
nv=${NVRMAP:-build/opt/nvrmap}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); echo "not ok $n - $1"; [ -f "$tmp/err" ] && sed 's/^/# /' "$tmp/err" | head -5; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }

echo "1..22"

"$nv" run --bogus >"$tmp/out" 2>"$tmp/err"; st=$?
check "unknown option: exit 2" '[ $st -eq 2 ] && [ ! -s "$tmp/out" ]'

"$nv" run --events abc >"$tmp/out" 2>"$tmp/err"; st=$?
check "bad number: exit 2 and says why" '[ $st -eq 2 ] && grep -q "not a number" "$tmp/err"'

"$nv" frobnicate >"$tmp/out" 2>"$tmp/err"; st=$?
check "unknown command: exit 2" '[ $st -eq 2 ] && grep -q "unknown command" "$tmp/err"'

"$nv" run "$tmp/missing.ini" >"$tmp/out" 2>"$tmp/err"; st=$?
check "missing scenario file: exit 2, names it" '[ $st -eq 2 ] && grep -q "missing.ini" "$tmp/err"'

printf '[scenario]\nname = bad\n[vm]\nvcpus = 4\nfrobs = 1\n' >"$tmp/bad.ini"
"$nv" run "$tmp/bad.ini" >"$tmp/out" 2>"$tmp/err"; st=$?
check "bad scenario key: exit 2 with file:line" '[ $st -eq 2 ] && grep -q "bad.ini:5" "$tmp/err" && [ ! -s "$tmp/out" ]'

"$nv" run -n 3000 --no-timing >"$tmp/out" 2>"$tmp/err"; st=$?
check "run: exit 0, a table for revmap" '[ $st -eq 0 ] && grep -q "^revmap" "$tmp/out"'

"$nv" compare -n 3000 --csv --no-timing >"$tmp/cmp.csv" 2>"$tmp/err"; st=$?
check "compare --csv: header and one row per strategy" \
	'[ $st -eq 0 ] && [ $(wc -l <"$tmp/cmp.csv") -eq 5 ] && head -1 "$tmp/cmp.csv" | grep -q "^scenario,events,seed,strategy,shadow_faults"'

"$nv" compare -n 3000 --json >"$tmp/out.json" 2>"$tmp/err"; st=$?
check "compare --json: valid JSON with ratios" \
	'[ $st -eq 0 ] && python3 -m json.tool "$tmp/out.json" >/dev/null && grep -q shadow_faults_ratio "$tmp/out.json"'

"$nv" record default -n 3000 -o "$tmp/t.trace" 2>"$tmp/err"; st=$?
check "record: exit 0, a versioned trace" '[ $st -eq 0 ] && head -1 "$tmp/t.trace" | grep -q "^nvrmap-trace 1"'

"$nv" replay "$tmp/t.trace" --csv --no-timing >"$tmp/rep.csv" 2>"$tmp/err"; st=$?
check "replay: exit 0" '[ $st -eq 0 ]'
check "record -> replay: the same report as compare" 'cmp -s "$tmp/cmp.csv" "$tmp/rep.csv"'

head -c $(( $(wc -c <"$tmp/t.trace") / 2 )) "$tmp/t.trace" >"$tmp/cut.trace"
"$nv" replay "$tmp/cut.trace" >"$tmp/out" 2>"$tmp/err"; st=$?
check "truncated trace: exit 2, no report" '[ $st -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q "cut.trace:" "$tmp/err"'

sed '3s/.*/bogus line here/' "$tmp/t.trace" >"$tmp/bad.trace"
"$nv" replay "$tmp/bad.trace" >"$tmp/out" 2>"$tmp/err"; st=$?
check "malformed trace: exit 2 with file:line" '[ $st -eq 2 ] && grep -q "bad.trace:3" "$tmp/err" && [ ! -s "$tmp/out" ]'

"$nv" run --fail 101 >"$tmp/out" 2>"$tmp/err"; st=$?
check "--fail above 100: exit 2 and says why" '[ $st -eq 2 ] && grep -q "not a percentage" "$tmp/err" && [ ! -s "$tmp/out" ]'

"$nv" run --fail unmap=10 >"$tmp/out" 2>"$tmp/err"; st=$?
check "--fail of an unknown site: exit 2, lists the sites" '[ $st -eq 2 ] && grep -q "unknown call site .unmap. (topup, record," "$tmp/err"'

"$nv" run --fail record=x >"$tmp/out" 2>"$tmp/err"; st=$?
check "--fail SITE=junk: exit 2" '[ $st -eq 2 ] && grep -q "not a number" "$tmp/err"'

"$nv" record default -n 3000 --fail 10 -o "$tmp/f.trace" >"$tmp/out" 2>"$tmp/err"; st=$?
check "record refuses --fail: exit 2" '[ $st -eq 2 ] && grep -q "give --fail to replay" "$tmp/err" && [ ! -e "$tmp/f.trace" ]'

"$nv" run -n 3000 --check --fail record=100 --csv --no-timing >"$tmp/fail.csv" 2>"$tmp/err"; st=$?
check "--fail record=100: safe, and revmap falls back" \
	'[ $st -eq 0 ] && [ "$(tail -1 "$tmp/fail.csv" | cut -d, -f4)" = revmap ] && [ "$(tail -1 "$tmp/fail.csv" | cut -d, -f10)" -gt 0 ]'

"$nv" compare -n 3000 --fail record=30 --fail 5 --fail-seed 4 --csv --no-timing >"$tmp/fcmp.csv" 2>"$tmp/err"
"$nv" replay "$tmp/t.trace" --fail record=30 --fail 5 --fail-seed 4 --csv --no-timing >"$tmp/frep.csv" 2>"$tmp/err"
check "--fail: compare and replay of its trace fail alike" 'cmp -s "$tmp/fcmp.csv" "$tmp/frep.csv" && ! cmp -s "$tmp/fcmp.csv" "$tmp/cmp.csv"'

"$nv" run -s test-broken -n 20000 --check -q >"$tmp/out" 2>"$tmp/err"; st=$?
check "a violation gives exit 1" '[ $st -eq 1 ] && grep -q violation "$tmp/err"'

"$nv" sweep vm.vcpus=2,4 -n 2000 -s revmap -o "$tmp/sw" -q >"$tmp/out" 2>"$tmp/err"; st=$?
check "sweep: CSV with a row per value" '[ $st -eq 0 ] && [ $(wc -l <"$tmp/sw/sweep.csv") -eq 3 ]'
check "sweep: SVG and PNG plots" '[ -s "$tmp/sw/sweep.svg" ] && [ -s "$tmp/sw/sweep.png" ]'

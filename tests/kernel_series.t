#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One source of truth: the new files of the kernel series (make
# kernel-patch) are byte for byte the kernel/ files that the harness
# compiles, and the series adds no other file. Skipped when the series has
# not been built (make check does not build it: no cross toolchain needed).
set -u
cd "$(dirname "$0")/.."
series=${KERNEL_PATCH_DIR:-build/kernel-patch}
patches=$(ls "$series"/*.patch 2>/dev/null | grep -v 0000-cover-letter)
if [ -z "$patches" ]; then
	echo "1..0 # SKIP no series in $series (make kernel-patch)"
	exit 0
fi
files=$(git ls-files kernel/arch kernel/tools 2>/dev/null ||
	find kernel/arch kernel/tools -type f)
files=$(echo "$files" | sort)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Write each file that the series creates under $tmp, from its patch.
perl -e '
	my $out = shift;
	for my $p (@ARGV) {
		open(my $fh, "<", $p) or die "$p: $!";
		my ($file, $new, $left, $data) = (undef, 0, 0, "");
		while (my $l = <$fh>) {
			if ($l =~ m{^diff --git a/(\S+) b/}) {
				$file = $1; $new = 0; next;
			}
			$new = 1 if defined $file && $l =~ /^new file mode/;
			if ($new && $l =~ /^@@ -0,0 \+1(?:,(\d+))? @@/) {
				$left = defined $1 ? $1 : 1; $data = "";
				next;
			}
			if ($left > 0 && $l =~ /^\+/) {
				$data .= substr($l, 1);
				if (--$left == 0) {
					my $next = <$fh>;
					chomp $data if defined $next &&
						$next =~ /^\\ No newline/;
					my $path = "$out/$file";
					(my $dir = $path) =~ s{/[^/]+$}{};
					system("mkdir", "-p", $dir) == 0 or die;
					open(my $o, ">", $path) or die "$path: $!";
					print $o $data;
					close $o;
					print "$file\n";
					$new = 0;
					if (defined $next && $next !~ /^\\/) {
						$l = $next;
						redo;
					}
				}
			}
		}
	}
' "$tmp" $patches >"$tmp/.list" || { echo "1..1"; echo "not ok 1 - parse the series"; exit 0; }
created=$(sort "$tmp/.list")

n=0
echo "1..3"

n=$((n + 1))
out=""
for f in $files; do
	rel=${f#kernel/}
	if [ ! -f "$tmp/$rel" ]; then
		out+="$rel: not created by the series"$'\n'
	elif ! cmp -s "$f" "$tmp/$rel"; then
		out+="$rel: differs from $f (series stale? run make kernel-patch)"$'\n'
		out+="$(diff "$tmp/$rel" "$f" | head -n 10)"$'\n'
	fi
done
if [ -z "$out" ]; then
	echo "ok $n - the series creates the kernel/ files byte for byte"
else
	echo "not ok $n - the series creates the kernel/ files byte for byte"
	echo "$out" | sed 's/^/# /'
fi

n=$((n + 1))
extra=$(comm -13 <(echo "$files" | sed 's#^kernel/##') <(echo "$created"))
if [ -z "$extra" ]; then
	echo "ok $n - every file the series creates comes from kernel/"
else
	echo "not ok $n - every file the series creates comes from kernel/"
	echo "$extra" | sed 's/^/# /'
fi

n=$((n + 1))
bad=""
for p in $patches; do
	subj=$(sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$p")
	case "$subj" in
	"KVM: arm64: nv: "*) ;;
	*) bad+="$(basename "$p"): $subj"$'\n' ;;
	esac
done
if [ -z "$bad" ]; then
	echo "ok $n - every subject starts with \"KVM: arm64: nv:\""
else
	echo "not ok $n - every subject starts with \"KVM: arm64: nv:\""
	echo "$bad" | sed 's/^/# /'
fi

#!/usr/bin/env bash
# Run snd-vcpcm's KUnit suites in UML built with KASAN, UBSAN and lockdep.
#
#   scripts/kunit.sh [debug|leak|arm32]   (leak: the kmemleak kernel; after unloading,
#                                          kmemleak must have found nothing; arm32: a
#                                          32-bit ARM kernel with UBSAN and lockdep in QEMU,
#                                          where the core divides as 32-bit code does)
#
# The suites are linked into a test build of the module (VCPCM_KUNIT=1);
# loading it runs them. Their KTAP results come from debugfs and are
# parsed by the kernel's own kunit.py. A sanitizer or lockdep report in
# the console fails the run (vm-run checks the console).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

suites=(vcpcm_ring vcpcm_protocol vcpcm_state vcpcm_model vcpcm_emu vcpcm_glue vcpcm_gain vcpcm_layout vcpcm_fault vcpcm_divide vcpcm_capabilities vcpcm_schedule)

flavour=${1:-debug}
case $flavour in
# The debug run divides as 32-bit kernels do (no 64-bit division helpers
# there); the leak run natively: every suite covers both. The arm32 run is a
# real 32-bit build: a 64-bit division left in the core would not even load.
debug) target=uml label=kunit kernel=debug make_args=(ARCH=um VCPCM_DIVIDE_IN_STEPS=1) ;;
leak) target=uml-leak label="kunit (kmemleak)" kernel=leak make_args=(ARCH=um) ;;
arm32) target=armhf-kunit label="kunit (32-bit ARM)" kernel=arm32-kunit
	make_args=(ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf-) ;;
*) die "usage: $0 [debug|leak|arm32]" ;;
esac
kdir=$("$VCPCM_TOP/scripts/uml-kernel.sh" "$kernel")
ko=$(build_module "kunit-$target" "$kdir" "${make_args[@]}" VCPCM_KUNIT=1)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

rc=0
"$VCPCM_TOP/scripts/vm-run" --target "$target" --timeout 600 --out "$out" --module "$ko" -- '
	leaks=/sys/kernel/debug/kmemleak
	[ -w $leaks ] && echo clear >$leaks
	modprobe snd-vcpcm || exit 1
	for s in /sys/kernel/debug/kunit/vcpcm_*; do
		cat "$s/results" > "$VM_OUT/$(basename "$s").ktap"
	done
	rmmod snd-vcpcm
	if [ -w $leaks ]; then
		sleep 6	# younger objects are never reported
		echo scan >$leaks
		echo scan >$leaks
		cat $leaks >"$VM_OUT/kmemleak.txt"
	fi
' || rc=$?
if [ $rc != 0 ]; then
	fail "$label: the $target run failed (exit $rc)"
	[ -f "$out/console.log" ] && tail -n 60 "$out/console.log"
	exit 1
fi

# One KTAP stream with every suite as a subtest, for kunit.py.
merged=$out/all.ktap
{
	echo "KTAP version 1"
	echo "1..${#suites[@]}"
	n=0
	for s in "${suites[@]}"; do
		n=$((n + 1))
		if [ ! -s "$out/$s.ktap" ]; then
			echo "not ok $n $s # suite did not run"
			continue
		fi
		# Drop the per-file header, renumber the suite's result line.
		tail -n +3 "$out/$s.ktap" | sed -E "\$s/^(not ok|ok) 1 /\\1 $n /"
	done
} >"$merged"

parse_rc=0
python3 "$VCPCM_CACHE/src/linux-source-6.12/tools/testing/kunit/kunit.py" parse "$merged" || parse_rc=$?

# Figures the suites report (e.g. the model test's operation count).
grep -E '^ +# [a-z_]+: [0-9]+ ' "$merged" | sed "s/^ *# /$label: /" || true

# Count test cases for the overall summary; a parameterised test counts once
# per parameter (its results are indented one level deeper, before its own).
while read -r status name; do
	if [ "$status" = ok ]; then pass "$label: $name"; else fail "$label: $name"; fi
done < <(awk '
	function result(line) { return line ~ /^ *not ok/ ? "not_ok" : "ok" }
	function title(line) { sub(/^ *(not )?ok [0-9]+ /, "", line); sub(/ *#.*/, "", line); return line }
	/^        (ok|not ok) [0-9]+ / { params[n++] = $0; next }
	/^    (ok|not ok) [0-9]+ / {
		if (!n)
			print result($0), title($0)
		for (i = 0; i < n; i++)
			print result(params[i]), title($0) "/" title(params[i])
		n = 0
	}' "$merged")
missing=0
for s in "${suites[@]}"; do [ -s "$out/$s.ktap" ] || { fail "$label: suite $s did not run"; missing=1; }; done
# A suite in the module but not in the list above would go uncounted.
for f in "$out"/vcpcm_*.ktap; do
	s=$(basename "$f" .ktap)
	[[ " ${suites[*]} " == *" $s "* ]] || { fail "$label: suite $s is not in scripts/kunit.sh"; missing=1; }
done
leaked=0
if [ "$flavour" = leak ]; then
	if [ ! -f "$out/kmemleak.txt" ]; then
		fail "$label: no kmemleak report (is kmemleak on in the leak kernel?)"; leaked=1
	elif [ -s "$out/kmemleak.txt" ]; then
		head -n 40 "$out/kmemleak.txt"
		fail "$label: kmemleak found leaks after the suites ran and the module was unloaded"; leaked=1
	else
		pass "$label: kmemleak found nothing after the suites ran and the module was unloaded"
	fi
fi
[ $parse_rc = 0 ] && [ $missing = 0 ] && [ $leaked = 0 ]

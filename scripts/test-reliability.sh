#!/usr/bin/env bash
# Reliability tests of snd-vcpcm in a VM (scripts/tests/reliability-guest.sh):
# remote faults end to end, teardown while busy, stress, hw_params fuzzing and,
# with --soak SECONDS, a soak with random faults.
#
#   scripts/test-reliability.sh uml          debug UML kernel: KASAN, UBSAN, lockdep
#   scripts/test-reliability.sh uml-leak     UML kernel with kmemleak (+ UBSAN, lockdep)
#   scripts/test-reliability.sh x86_64-6.12  Debian's kernel after a DKMS install
#   ... [--soak SECONDS] [--cycles N] [--fuzz N]
#
# Any sanitizer, lockdep or kmemleak report in the console fails the run (vm-run).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
target=${1:?usage: test-reliability.sh TARGET [--soak S] [--cycles N] [--fuzz N]}
shift
soak=0 cycles=10000 fuzz=2000
while [ $# -gt 0 ]; do
	case $1 in
	--soak) soak=${2:?}; shift 2 ;;
	--cycles) cycles=${2:?}; shift 2 ;;
	--fuzz) fuzz=${2:?}; shift 2 ;;
	*) die "unknown option $1" ;;
	esac
done
scripts=$VCPCM_TOP/scripts

make -s -C "$scripts/tools" x86_64 >/dev/null
args=()
case $target in
uml) args+=(--module "$(build_module e2e-uml "$("$scripts/uml-kernel.sh" debug)" ARCH=um)") ;;
uml-leak) args+=(--module "$(build_module leak-uml "$("$scripts/uml-kernel.sh" leak)" ARCH=um)") ;;
x86_64-6.1 | x86_64-6.12)
	kver=$(target_kver "$target")
	if ! "$scripts/dkms-install.sh" "$kver" >"$VCPCM_CACHE/dkms-$kver.log" 2>&1; then
		tail -n 40 "$VCPCM_CACHE/dkms-$kver.log"
		fail "reliability $target: dkms install for $kver"
		exit 1
	fi
	;;
*) die "unknown target $target" ;;
esac
tools=$VCPCM_CACHE/tools/x86_64
for t in vcpcm-fault vcpcm-stress vcpcm-fuzz vcpcm-bench vcpcm-pattern vcpcm-remote vcpcm-remote-fuzz; do
	args+=(--bring "$tools/$t")
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0
"$scripts/vm-run" --target "$target" --timeout $((900 + 2 * soak)) --out "$out" "${args[@]}" \
	--file "$scripts/tests/loopback.sh:/tmp/bin/loopback.sh" \
	--file "$scripts/tests/guest-lib.sh:/tmp/bin/guest-lib.sh" \
	--file "$scripts/tests/reliability-guest.sh:/tmp/bin/reliability-guest.sh" \
	-- "PATH=/tmp/bin:\$PATH; export PATH VCPCM_STRESS_CYCLES=$cycles VCPCM_FUZZ_ITERATIONS=$fuzz \
	    VCPCM_SOAK_SECONDS=$soak; sh /tmp/bin/reliability-guest.sh" >"$out/guest.txt" 2>&1 || rc=$?
cat "$out/guest.txt"
report_guest_results "reliability $target" "$out" "$rc"
exit $rc

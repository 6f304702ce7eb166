#!/usr/bin/env bash
# The kernel's own ALSA selftests (pcm-test, mixer-test from
# linux-source-6.12) against snd-vcpcm in a VM, with our card's pcm-test
# configuration (scripts/selftests/vcpcm.conf). Two user-space remotes run
# beside the emulated card, with their own (scripts/selftests/vcpcm-remote.conf).
# Every KTAP result counts.
#
#   scripts/test-selftests.sh uml|x86_64-6.1|x86_64-6.12
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
target=${1:?usage: test-selftests.sh TARGET}
scripts=$VCPCM_TOP/scripts
src=$VCPCM_CACHE/src/linux-source-6.12/tools/testing/selftests/alsa
[ -d "$src" ] || "$scripts/uml-kernel.sh" debug >/dev/null	# extracts the source
tests=$VCPCM_CACHE/selftests-alsa/$(cache_key "$src/pcm-test.c" "$src/mixer-test.c" "$src/conf.c" \
	"$scripts/selftests/vcpcm.conf" "$scripts/selftests/vcpcm-remote.conf")
if [ ! -x "$tests/pcm-test" ]; then
	rm -rf "$tests"
	mkdir -p "$tests"
	make -s -C "$src" OUTPUT="$tests" "$tests/pcm-test" "$tests/mixer-test" >"$tests.log" 2>&1 ||
		{ cat "$tests.log"; die "building the ALSA selftests failed"; }
	cp -r "$src/conf.d" "$src/pcm-test.conf" "$tests/"
	cp "$scripts/selftests/vcpcm.conf" "$scripts/selftests/vcpcm-remote.conf" "$tests/conf.d/"
fi

args=()
case $target in
uml) args+=(--module "$(build_module e2e-uml "$("$scripts/uml-kernel.sh" debug)" ARCH=um)") ;;
x86_64-*) "$scripts/dkms-install.sh" "$(target_kver "$target")" >/dev/null ;;
*) die "selftests run on uml and x86_64 targets" ;;
esac

make -s -C "$scripts/tools" x86_64 >/dev/null
args+=(--bring "$VCPCM_CACHE/tools/x86_64/vcpcm-remote")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0
# pcm-test runs from its directory (rpath ./ for libatest.so, conf files beside it).
"$scripts/vm-run" --target "$target" --timeout 900 --out "$out" "${args[@]}" \
	--file "$tests:/tmp/alsa-selftests" -- '
	modprobe snd-vcpcm || exit 1
	# Real-time, as the hardware they stand for (and as vcpcm-remote@.service runs).
	vcpcm-remote --rt-priority 50 --id remotefull loopback &
	vcpcm-remote --rt-priority 50 --id remotelimit --no-capture -F S16_LE --fixed-cadence -t 10000 loopback &
	n=0
	until grep -q "\[remotelimit *\]" /proc/asound/cards && grep -q "\[remotefull *\]" /proc/asound/cards; do
		n=$((n + 1)); [ $n -le 50 ] || break; sleep 0.1
	done
	cat /proc/asound/cards
	cd /tmp/alsa-selftests
	./mixer-test > $VM_OUT/mixer.ktap 2>&1
	./pcm-test > $VM_OUT/pcm.ktap 2>&1
	kill $(jobs -p) 2>/dev/null
	true' || rc=$?
for t in mixer pcm; do
	f=$out/$t.ktap
	if [ ! -s "$f" ]; then
		fail "selftests $target: $t-test produced no output (vm-run exit $rc)"
		continue
	fi
	grep -E '^# Totals' "$f" | tail -n 1 | sed "s/^/$t-test $target: /"
	while read -r status name; do
		if [ "$status" = ok ]; then pass "selftests $target: $t-test $name"
		else fail "selftests $target: $t-test $name"; grep -A2 " $name\$" "$f" | tail -n 2; any_failed=1; fi
	done < <(grep -E '^(ok|not ok) [0-9]+ ' "$f" | sed -E 's/^(ok|not ok) [0-9]+ ([^ #]+).*/\1 \2/; s/^not ok/not_ok/')
	grep -qE '^(ok|not ok) ' "$f" || fail "selftests $target: $t-test ran no test"
	! grep -qE '^ok [0-9]+ .*# SKIP' "$f" || fail "selftests $target: $t-test skipped tests"
done
[ $rc = 0 ] || fail "selftests $target: vm-run exit $rc"
# What the driver said, for any failure above (CI keeps only this output).
if [ -n "${any_failed:-}" ] && [ -s "$out/dmesg.log" ]; then
	echo "    the driver's last dmesg lines:"
	grep -E 'vcpcm|snd' "$out/dmesg.log" | tail -n 25 | sed 's/^/    | /'
fi

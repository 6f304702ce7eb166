#!/usr/bin/env bash
# make check: every test of snd-vcpcm, then one line "N passed, N failed".
#
#   builds      6.1/6.12 x amd64/arm64, warning-free; checkpatch
#   kunit       KUnit suites in UML with KASAN, UBSAN, lockdep
#   kunit-leak  the same suites in UML with kmemleak (nothing may leak)
#   kunit-arm32 the same suites on a 32-bit ARM kernel (ours: Debian's have no
#               KUnit) with UBSAN and lockdep, in QEMU's virt machine
#   e2e uml     aplay/arecord loopback (mmap and RW) + bad input, in UML
#   e2e qemu    DKMS install on Debian 6.1/6.12 (x86_64) and cross-built
#               arm64 modules, the same loopback in QEMU; 32-bit ARM (armmp on
#               the virt machine), and QEMU's Raspberry Pi models with Debian's
#               kernel for each (raspi0/raspi1ap: rpi, raspi2b: armmp,
#               raspi3b: arm64): loopbacks, dmix, unload
#   selftests   the kernel's ALSA pcm-test and mixer-test, in UML and on
#               Debian 6.1 and 6.12 in QEMU
#   demo        the README's `make demo`, from an empty cache (a new machine)
#   reliability remote faults end to end, teardown while busy, stress, a
#               hw_params fuzzer and a 30 s soak with random faults: in UML
#               with KASAN+UBSAN+lockdep, and in UML with kmemleak
#               (make soak runs the long versions)
#
# VCPCM_CHECK_ONLY="kunit e2e-uml" limits the run to some steps.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

results=$(mktemp)
export VCPCM_RESULTS=$results
trap 'rm -f "$results"' EXIT
steps=${VCPCM_CHECK_ONLY:-"build kunit kunit-leak kunit-arm32 e2e-uml e2e-x86_64-6.1 e2e-x86_64-6.12 e2e-arm64-6.1 e2e-arm64-6.12 e2e-armhf-virt e2e-raspi0 e2e-raspi1ap e2e-raspi2b e2e-raspi3b selftests-uml selftests-x86_64-6.1 selftests-x86_64-6.12 reliability-uml reliability-uml-leak demo"}
start=$(date +%s)

run_step() {	# name command...
	local name=$1 t0 rc; shift
	t0=$(date +%s)
	log "== $name"
	"$@"
	rc=$?
	log "== $name: exit $rc, $(( $(date +%s) - t0 )) s"
	# A step that died before reporting anything is a failure too.
	[ $rc = 0 ] || grep -q "^fail " "$results" || fail "$name: exited $rc"
}

for step in $steps; do
	case $step in
	build) run_step build "$VCPCM_TOP/scripts/test-build.sh" ;;
	demo) run_step demo "$VCPCM_TOP/scripts/test-demo.sh" ;;
	kunit) run_step kunit "$VCPCM_TOP/scripts/kunit.sh" debug ;;
	kunit-leak) run_step kunit-leak "$VCPCM_TOP/scripts/kunit.sh" leak ;;
	kunit-arm32) run_step kunit-arm32 "$VCPCM_TOP/scripts/kunit.sh" arm32 ;;
	e2e-*) run_step "$step" "$VCPCM_TOP/scripts/test-e2e.sh" "${step#e2e-}" ;;
	selftests-*) run_step "$step" "$VCPCM_TOP/scripts/test-selftests.sh" "${step#selftests-}" ;;
	reliability-uml) run_step "$step" "$VCPCM_TOP/scripts/test-reliability.sh" uml --soak 30 ;;
	# Without KASAN the leak kernel runs faster: the same checks, fewer cycles.
	reliability-uml-leak) run_step "$step" "$VCPCM_TOP/scripts/test-reliability.sh" uml-leak \
		--soak 30 --cycles 3000 --fuzz 1000 ;;
	*) fail "unknown step $step" ;;
	esac
done

passed=$(grep -c '^pass ' "$results")
failed=$(grep -c '^fail ' "$results")
if [ "$failed" != 0 ]; then
	echo "Failures:"
	grep '^fail ' "$results" | sed 's/^fail /  /'
fi
log "total time $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]

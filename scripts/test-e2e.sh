#!/usr/bin/env bash
# End-to-end tests of snd-vcpcm in a VM, with real alsa-utils:
#
#   scripts/test-e2e.sh uml            module built against the debug UML kernel
#   scripts/test-e2e.sh x86_64-6.1     after a real DKMS install for Debian's kernel
#   scripts/test-e2e.sh x86_64-6.12
#   scripts/test-e2e.sh arm64-6.1      module cross-built for Debian's arm64 kernel
#   scripts/test-e2e.sh arm64-6.12
#   scripts/test-e2e.sh raspi0|raspi1ap|raspi2b|raspi3b|armhf-virt
#                                  module cross-built for Debian's kernel of the board
#                                  (rpi, armmp, arm64 6.12; armhf-virt: armmp on QEMU's
#                                  virt machine), booted on QEMU's model of it: the
#                                  board suite (loopbacks mmap and RW, dmix, unload;
#                                  armhf-virt: the whole suite). VCPCM_E2E_SUITE=full|board
#                                  overrides.
#
# The checks themselves are in tests/e2e-guest.sh (run inside the guest).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
target=${1:?usage: test-e2e.sh TARGET}
scripts=$VCPCM_TOP/scripts

tool_arch=x86_64
args=()
guest_env=
case $target in
uml)
	ko=$(build_module e2e-uml "$("$scripts/uml-kernel.sh" debug)" ARCH=um)
	args+=(--module "$ko")
	guest_env="VCPCM_E2E_RELOAD=0"
	;;
x86_64-6.1 | x86_64-6.12)
	kver=$(target_kver "$target")
	if ! "$scripts/dkms-install.sh" "$kver" >"$VCPCM_CACHE/dkms-$kver.log" 2>&1; then
		tail -n 40 "$VCPCM_CACHE/dkms-$kver.log"
		fail "e2e $target: dkms install for $kver"
		exit 1
	fi
	pass "e2e $target: dkms add/build/install for $kver"
	;;
arm64-6.1 | arm64-6.12)
	kver=$(target_kver "$target")
	ko=$(build_module "$target-$kver" "$(arm64_kdir "$kver")/usr/src/linux-headers-$kver" \
		ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
	args+=(--module "$ko")
	tool_arch=arm64
	# The slowest rig: where silence once went into a loopback unnoticed.
	# Through a user-space remote: the loopbacks only (TCG is slow).
	guest_env="VCPCM_E2E_USER=${VCPCM_E2E_USER:-loopback}"
	[ "$target" != arm64-6.12 ] || guest_env+=" VCPCM_E2E_STRESS=${VCPCM_E2E_STRESS:-20}"
	;;
raspi0 | raspi1ap | raspi2b | raspi3b | armhf-virt)
	ensure_target_fetched "$target"
	kver=$(target_kver "$target")
	tool_arch=$(target_arch "$target")
	# The same build dirs as test-build.sh's (arm64: the arm64-6.12 target's).
	build=$tool_arch-$kver karch=arm
	[ "$tool_arch" != arm64 ] || build=arm64-6.12-$kver karch=arm64
	ko=$(build_module "$build" "$(target_kdir "$target")/usr/src/linux-headers-$kver" \
		ARCH=$karch CROSS_COMPILE="$(cross_prefix "$tool_arch")")
	args+=(--module "$ko")
	# The virt machine runs the whole suite; TCG runs the board models at a fraction of
	# a real Pi's speed (raspi0: one ARMv6 core): the board suite there.
	suite=board
	[ "$target" != armhf-virt ] || suite=full
	guest_env="VCPCM_E2E_SUITE=${VCPCM_E2E_SUITE:-$suite}"
	;;
*) die "unknown target $target" ;;
esac

make -s -C "$scripts/tools" "$tool_arch" >/dev/null
# x86 QEMU: the mapped control record (vcpcm-directmap, and JACK with its ALSA backend).
directmap=()
if [[ $target == x86_64-* ]]; then
	jack_alsa=/usr/lib/x86_64-linux-gnu/jack/jack_alsa.so stdbuf_so=/usr/libexec/coreutils/libstdbuf.so
	directmap=(--bring "$VCPCM_CACHE/tools/x86_64/vcpcm-directmap" --bring jackd --bring jack_lsp
		--bring jack_connect --bring jack_iodelay --bring stdbuf
		--file "$jack_alsa:$jack_alsa" --file "$stdbuf_so:$stdbuf_so")
fi
example=()
# x86_64 only: the README's example remote, and setpriv (not in the ARM rootfs) for
# the non-root check.
[ "$tool_arch" != x86_64 ] || example=(--bring "$VCPCM_CACHE/tools/x86_64/example-remote" --bring setpriv)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
rc=0
"$scripts/vm-run" --target "$target" --timeout 600 --out "$out" "${args[@]}" \
	--bring "$VCPCM_CACHE/tools/$tool_arch/vcpcm-pattern" \
	--bring "$VCPCM_CACHE/tools/$tool_arch/vcpcm-pcmcheck" --bring alsabat --bring speaker-test \
	--bring "$VCPCM_CACHE/tools/$tool_arch/vcpcm-remote" \
	"${example[@]}" \
	"${directmap[@]}" \
	--file "$scripts/tests/loopback.sh:/tmp/bin/loopback.sh" \
	--file "$scripts/tests/guest-lib.sh:/tmp/bin/guest-lib.sh" \
	--file "$scripts/tests/e2e-guest.sh:/tmp/bin/e2e-guest.sh" \
	-- "PATH=/tmp/bin:\$PATH; export PATH $guest_env; sh /tmp/bin/e2e-guest.sh" >"$out/guest.txt" 2>&1 || rc=$?
cat "$out/guest.txt"
report_guest_results "e2e $target" "$out" "$rc"
exit $rc

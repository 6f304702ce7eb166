#!/usr/bin/env bash
# Build snd-vcpcm for Debian's 6.1 and 6.12 kernels, amd64 and arm64, and for
# Debian 12's 32-bit ARM kernels (armhf, armel), and require a clean build: no compiler, objtool or modpost warning, and the
# .ko checks of scripts/check-ko.sh. Also runs checkpatch on the C glue.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

build_clean() {	# name kdir [make args]
	local name=$1 kdir=$2; shift 2
	local ko
	if ! ko=$(build_module "$name" "$kdir" "$@" 2>/dev/null); then
		fail "build: $name"
		tail -n 20 "$VCPCM_CACHE/build/$name.log"
		return
	fi
	if grep -iE 'warning|error' "$VCPCM_CACHE/build/$name.log"; then
		fail "build: $name has warnings"
	else
		pass "build: $name (warning-free, $(stat -c %s "$ko") bytes)"
	fi
}

for k in "$(k61_abi)" "$(k612_abi)"; do
	build_clean "x86_64-$k" "/lib/modules/$k/build"
done
for t in arm64-6.1 arm64-6.12; do
	k=$(target_kver $t)
	build_clean "$t-$k" "$(arm64_kdir "$k")/usr/src/linux-headers-$k" \
		ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
done
# 32-bit ARM, every flavour and ABI Debian 12 ships: armhf (ARMv7) and armel (the Pi
# Zero/1's ARMv6). Nothing may be left that a 32-bit kernel does not export (libgcc's 64-bit
# division helpers): modpost and check-ko.sh both check it.
if arm32=$("$VCPCM_TOP/scripts/fetch-arm32.sh"); then
	while read -r arch k kdir; do
		build_clean "$arch-$k" "$kdir" ARCH=arm CROSS_COMPILE="$(cross_prefix "$arch")"
	done <<<"$arm32"
	# DKMS as on a 32-bit Raspberry Pi (Pi 2/3, armhf): a real `dkms add` + `dkms build`
	# against the unpacked headers, cross-compiled, in a private DKMS tree.
	read -r _ k kdir < <(grep -E '^armhf 6\.1\.0-[0-9]+-armmp ' <<<"$arm32" | tail -n 1)
	if out=$("$VCPCM_TOP/scripts/dkms-cross-build.sh" "$k" "$kdir" armhf arm-linux-gnueabihf- 2>&1) &&
		file -L "$(tail -n 1 <<<"$out")" | grep -q 'ELF 32-bit LSB relocatable, ARM'; then
		pass "build: dkms build for $k (armhf, cross-compiled)"
	else
		printf '%s\n' "$out" | tail -n 30
		fail "build: dkms build for $k (armhf, cross-compiled)"
	fi
else
	fail "build: fetching the 32-bit ARM kernel headers"
fi

# Kernel coding style for everything that includes kernel headers.
checkpatch=$VCPCM_CACHE/src/linux-source-6.12/scripts/checkpatch.pl
out=$(cd "$VCPCM_TOP" && perl "$checkpatch" --no-tree -f --terse \
	src/linux/*.[ch] kunit/*.[ch] include/vcpcm/*.h 2>&1 | grep -E ': (ERROR|WARNING|CHECK):' || true)
if [ -z "$out" ]; then
	pass "checkpatch: src/linux, kunit, include"
else
	printf '%s\n' "$out"
	fail "checkpatch: src/linux, kunit, include"
fi

# A make target whose checks print "PASS: " and "FAIL: " lines, reported as one result.
# label, how many of those lines are the target's own summary, then make's arguments.
make_checks() {
	local label=$1 summaries=$2 rc=0 out n
	shift 2
	out=$(make -s "$@" 2>&1) || rc=$?
	n=$(($(printf '%s\n' "$out" | grep -cE '^(PASS|FAIL): ' || true) - summaries))
	if [ $rc = 0 ] && [ $n -gt 0 ]; then
		pass "$label ($n checks)"
	else
		printf '%s\n' "$out" | grep -vE '^PASS: ' | sed 's/^/    /' | tail -n 40
		fail "$label"
	fi
}

# vcpcm-roundtrip's lost-audio checks (what make bench counts as silent losses) on
# made-up runs: built into the cache, never into the repo.
make_checks "tools: vcpcm-roundtrip's lost-audio checks on made-up runs" 0 -C "$VCPCM_TOP/scripts/tools" test

# The reference remote's modes (loopback, wav, alsa) against a fake host over a socket:
# built into the cache, never into the repo. Its own checks end with a summary line.
make_checks "remote: vcpcm-remote's modes against a fake host" 1 -C "$VCPCM_TOP/src/remote" \
	OUT="$VCPCM_CACHE/build/remote-host/vcpcm-remote" test

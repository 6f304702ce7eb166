#!/usr/bin/env bash
# Install everything the build, the test rigs and the demo need on a Debian 12 host.
# Idempotent: a second run only checks. Run as root.
#
#   scripts/install-deps.sh            host packages + amd64 kernels + arm64 kernel/userland debs
#                                      + 32-bit ARM kernel headers, the armmp and rpi kernels,
#                                      armhf/armel userland (unpacked, never installed)
#   VCPCM_NO_ARM64=1 scripts/...       skip the ARM parts (the demo does)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"

export DEBIAN_FRONTEND=noninteractive INITRD=No
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

apt_updated=0
# A mirror caught mid-sync fails one index now and then: go on with the lists apt has.
apt_update() {
	[ $apt_updated = 0 ] || return 0
	log "apt-get update"
	$SUDO apt-get update -qq || log "apt-get update reported errors; going on with the lists it has"
	apt_updated=1
}

pkgs=(build-essential g++ gcc-12 g++-12 bc flex bison libelf-dev libssl-dev kmod cpio xz-utils
      zstd patch python3 rsync dkms alsa-utils libasound2-dev busybox-static qemu-system-x86
      qemu-system-arm gcc-aarch64-linux-gnu g++-aarch64-linux-gnu gcc-12-aarch64-linux-gnu
      g++-12-aarch64-linux-gnu linux-source-6.12
      # 32-bit ARM builds (armhf: ARMv7; armel: the Raspberry Pi Zero/1's ARMv6)
      gcc-12-arm-linux-gnueabihf g++-12-arm-linux-gnueabihf gcc-arm-linux-gnueabihf
      g++-arm-linux-gnueabihf gcc-12-arm-linux-gnueabi g++-12-arm-linux-gnueabi
      gcc-arm-linux-gnueabi g++-arm-linux-gnueabi linux-image-amd64 linux-headers-amd64 sox
      file python3-matplotlib
      # make bench: the rig's own wakeup latency (cyclictest)
      rt-tests
      # e2e (x86 QEMU): JACK on the card, in both appl_ptr modes
      jackd2
      # test rigs: static arm64 tools, initramfs assembly, DKMS sources
      libc6-dev-arm64-cross binutils-aarch64-linux-gnu binutils git
      # 32-bit ARM tools for the guests; the Raspberry Pi boards' device trees (fdtput)
      libc6-dev-armhf-cross libc6-dev-armel-cross device-tree-compiler)

missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	log "installing: ${missing[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian's newest 6.12 kernel for bookworm (image + headers of the same ABI).
k612=$(newest_612_abi)
if [ -z "$k612" ]; then apt_update; k612=$(newest_612_abi); fi
[ -n "$k612" ] || die "no linux-image-6.12.*+deb12-amd64 package found"
for p in "linux-image-$k612" "linux-headers-$k612"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' && continue
	apt_update
	log "installing $p"
	$SUDO apt-get install -y -qq --no-install-recommends "$p" >/dev/null
done

# ARM: never install foreign headers as packages (that would remove the host gcc);
# download and unpack them into the cache instead.
if [ -z "${VCPCM_NO_ARM64:-}" ]; then
	for a in arm64 armhf armel; do
		if ! grep -qx $a <<<"$(dpkg --print-foreign-architectures)"; then
			$SUDO dpkg --add-architecture $a
			apt_updated=0
		fi
	done
	"$here/fetch-arm64.sh"
	"$here/fetch-arm32.sh" >/dev/null
fi
log "dependencies ok (6.1: $(k61_abi), 6.12: $k612)"

#!/usr/bin/env bash
# Download (never install) the kernel headers of Debian 12's 32-bit ARM kernels and
# unpack them into the cache, for cross builds:
#   $VCPCM_CACHE/<arch>/<kver>/usr/src/linux-headers-<kver>
# armhf (ARMv7: Raspberry Pi 2 and 3 in 32-bit mode, most boards): armmp, armmp-lpae,
# rt-armmp; armel (ARMv5/6: Raspberry Pi Zero and 1): rpi, marvell. For each flavour every
# ABI apt offers (the point release's and the security update's; the 32-bit kernels may
# trail the amd64 ones by an update).
# Build a module:  make KDIR=<that> ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf- (armel:
# arm-linux-gnueabi-). Prints "<arch> <kver> <headers dir>" lines. Idempotent.
# For the VM targets (QEMU's virt and Raspberry Pi machines) also the kernel image package of
# armhf/armmp and armel/rpi (boot/, lib/modules depmod'ed, the device trees under
# usr/lib/linux-image-<kver>/) in the same dir, and a userland per architecture:
#   $VCPCM_CACHE/<arch>/rootfs   busybox-static, alsa-utils and the libraries they need
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/debs.sh"

declare -A flavours=([armhf]="armmp armmp-lpae rt-armmp" [armel]="rpi marvell")
# The flavours that the VM targets boot.
declare -A booted=([armhf]=armmp [armel]=rpi)

# The image package of KVER, unpacked into DIR beside its headers.
fetch_image() {	# kver dir
	local kver=$1 dir=$2 p=linux-image-$1
	debs_resolve "$p"
	[ -n "${debs_cand[$p]}" ] || die "no $p:$debs_arch in apt"
	[ "$(cat "$dir/.vcpcm-image-stamp" 2>/dev/null)" != "${debs_cand[$p]}" ] || return 0
	log "unpacking $debs_arch kernel image $kver"
	dpkg-deb -x "$(debs_fetch "$p")" "$dir"
	ln -sfn "../../../usr/src/linux-headers-$kver" "$dir/lib/modules/$kver/build"
	depmod -b "$dir" "$kver"
	printf '%s\n' "${debs_cand[$p]}" >"$dir/.vcpcm-image-stamp"
}

# Every 6.1 ABI of a flavour that apt offers for the architecture (the point release's and
# the security update's), oldest first. apt-cache is slow to start: one search for all
# flavours, and one debs_resolve for every package that may be needed.
declare -A abis=()
find_abis() {	# arch (after debs_init)
	local f k all=() want=() re
	re=$(tr ' ' '|' <<<"${flavours[$1]}")
	mapfile -t all < <(apt-cache search --names-only "^linux-headers-6\.1\.0-[0-9]+-($re)\$" 2>/dev/null |
		awk '{print $1}' | sed "s/^linux-headers-//" | sort -V)
	for k in ${all[@]+"${all[@]}"}; do
		want+=("linux-headers-$k" "linux-image-$k" "linux-headers-${k%%-[a-z]*}-common"
			"linux-headers-${k%%-[a-z]*}-common-rt")
	done
	[ ${#want[@]} -eq 0 ] || debs_resolve "${want[@]}"
	for f in ${flavours[$1]}; do
		abis[$f]=
		for k in ${all[@]+"${all[@]}"}; do
			if [[ $k =~ ^6\.1\.0-[0-9]+-$f$ ]] && [ -n "${debs_cand[linux-headers-$k]}" ]; then
				abis[$f]+="$k "
			fi
		done
	done
}

for arch in armhf armel; do
	debs_init "$arch"
	mkdir -p "$VCPCM_CACHE/$arch"
	exec 9>"$VCPCM_CACHE/$arch/.lock"
	flock 9
	find_abis "$arch"
	if [ -z "${abis[armmp]:-}${abis[rpi]:-}" ]; then
		debs_update
		find_abis "$arch"
	fi
	for flavour in ${flavours[$arch]}; do
		kvers=${abis[$flavour]}
		[ -n "$kvers" ] || die "no linux-headers-6.1.0-*-$flavour:$arch in apt"
		newest=$(tr ' ' '\n' <<<"$kvers" | grep . | tail -n 1)
		for kver in $kvers; do
			abi=${kver%-"$flavour"}
			common=linux-headers-$abi-common
			[ "${flavour#rt-}" = "$flavour" ] || common=$common-rt
			dir=$VCPCM_CACHE/$arch/$kver
			debs_resolve "linux-headers-$kver" "$common"
			stamp="${debs_cand[linux-headers-$kver]} ${debs_cand[$common]}"
			if [ "$(cat "$dir/.vcpcm-stamp" 2>/dev/null)" != "$stamp" ]; then
				log "unpacking $arch headers $kver"
				rm -rf "$dir"
				mkdir -p "$dir"
				for p in "linux-headers-$kver" "$common"; do
					f=$(debs_fetch "$p") || die "no $p:$arch in apt"
					dpkg-deb -x "$f" "$dir"
				done
				debs_link_kbuild "$dir" "$kver"
				# The flavour's Makefile includes the common tree by absolute path.
				sed -i "s|^include /usr/src/|include $dir/usr/src/|" \
					"$dir/usr/src/linux-headers-$kver/Makefile"
				printf '%s\n' "$stamp" >"$dir/.vcpcm-stamp"
			fi
			# The VM targets boot the newest.
			[ "$flavour" != "${booted[$arch]}" ] || [ "$kver" != "$newest" ] || fetch_image "$kver" "$dir"
			printf '%s %s %s\n' "$arch" "$kver" "$dir/usr/src/linux-headers-$kver"
		done
	done
	debs_rootfs "$VCPCM_CACHE/$arch/rootfs"
	exec 9>&-
done

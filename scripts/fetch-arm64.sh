#!/usr/bin/env bash
# Download (never install) what the arm64 targets need, and unpack it into the cache:
#   $VCPCM_CACHE/arm64/<kver>/   linux-headers-<kver> (+ -common), the image package's
#                                boot/ and lib/modules/<kver> (depmod'ed), and Image (uncompressed)
#   $VCPCM_CACHE/arm64/rootfs/   busybox-static, alsa-utils, libasound2(-data), libc6 and every
#                                library their ELF files need (NEEDED, resolved recursively)
# for kver = target_kver arm64-6.1 and arm64-6.12 (same ABI numbers as the amd64 kernels).
# Installing arm64 headers as packages would remove the host gcc, hence download + dpkg-deb -x.
# Build a module:  make -C "$(arm64_kdir KVER)/usr/src/linux-headers-KVER" M=$PWD ARCH=arm64 \
#                       CROSS_COMPILE=aarch64-linux-gnu-
# Idempotent; a few seconds when cached. Prints "<name> <path>" lines for what it provides.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
. "$here/lib/debs.sh"
debs_init arm64
mkdir -p "$VCPCM_CACHE/arm64"
exec 9>"$VCPCM_CACHE/arm64/.lock"
flock 9

# Unpack the packages of one arm64 kernel ABI.
fetch_kernel() {
	local kver=$1 dir=$VCPCM_CACHE/arm64/$1 img=linux-image-$1-unsigned p debsv=() k kb z
	[ -n "${debs_cand[$img]}" ] || img=linux-image-$kver
	for p in "linux-headers-$kver" "linux-headers-${kver%-arm64}-common" "$img"; do
		[ -n "${debs_cand[$p]}" ] || die "no $p:arm64 in apt"
		debsv+=("${debs_cand[$p]}")
	done
	if [ "$(cat "$dir/.vcpcm-stamp" 2>/dev/null)" = "${debsv[*]}" ]; then return 0; fi

	log "unpacking arm64 kernel $kver"
	rm -rf "$dir"
	mkdir -p "$dir"
	for p in "linux-headers-$kver" "linux-headers-${kver%-arm64}-common" "$img"; do
		dpkg-deb -x "$(debs_fetch "$p")" "$dir"
	done

	debs_link_kbuild "$dir" "$kver"

	# QEMU wants an uncompressed Image; Debian ships it gzip'ed as vmlinuz.
	z=$dir/boot/vmlinuz-$kver
	case $(od -An -tx1 -N2 "$z" | tr -d ' ') in
	1f8b) gzip -dc "$z" >"$dir/Image" ;;
	*) cp "$z" "$dir/Image" ;;
	esac
	[ "$(dd if="$dir/Image" bs=1 skip=56 count=4 2>/dev/null)" = ARMd ] ||
		die "$dir/Image is not an arm64 Image"

	# lib/modules/KVER/build points at the host's /usr/src: point it at the unpacked headers.
	ln -sfn "../../../usr/src/linux-headers-$kver" "$dir/lib/modules/$kver/build"

	# The image package ships no modules.dep (its postinst makes it).
	depmod -b "$dir" "$kver"
	printf '%s\n' "${debsv[*]}" >"$dir/.vcpcm-stamp"
}

# Ask apt about everything at once (kernels, and the packages the rootfs was built from).
kvers=() want=(busybox-static)
for t in arm64-6.1 arm64-6.12; do
	k=$(target_kver $t)
	[ -n "$k" ] || die "cannot tell the kernel ABI of $t"
	kvers+=("$k")
	want+=("linux-headers-$k" "linux-headers-${k%-arm64}-common" "linux-image-$k-unsigned" "linux-image-$k")
done
[ ! -f "$(arm64_rootfs)/.vcpcm-stamp" ] || want+=($(sed 's/_.*//' "$(arm64_rootfs)/.vcpcm-stamp"))
debs_resolve "${want[@]}"
# The arm64 indexes exist only after an apt-get update that followed --add-architecture.
# (The kernels may be in a release, such as bookworm-security, that an update failed.)
if [ -z "${debs_cand[busybox-static]}" ] || [ -z "${debs_cand[linux-headers-${kvers[0]}]}" ] ||
	[ -z "${debs_cand[linux-headers-${kvers[1]}]}" ]; then
	debs_update
	debs_resolve "${want[@]}"
fi
fetch_kernel "${kvers[0]}"
fetch_kernel "${kvers[1]}"
debs_rootfs "$(arm64_rootfs)"
printf 'arm64-6.1 %s\narm64-6.12 %s\nrootfs %s\n' "$(arm64_kdir "${kvers[0]}")" \
	"$(arm64_kdir "${kvers[1]}")" "$(arm64_rootfs)"

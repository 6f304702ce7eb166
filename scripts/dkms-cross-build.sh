#!/usr/bin/env bash
# A real DKMS build of the repo for a foreign (cross-compiled) kernel, in a private DKMS
# tree so the host's DKMS state is untouched, as `dkms build` runs it on the board:
#
#   scripts/dkms-cross-build.sh KVER KDIR DEB_ARCH CROSS_COMPILE
#
# Prints DKMS's output, then the path of the built module on the last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"
kver=${1:?} kdir=${2:?} arch=${3:?} cross=${4:?}
conf() { sed -n "s/^$1=[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\}\$/\1/p" "$VCPCM_TOP/dkms.conf"; }
name=$(conf PACKAGE_NAME) ver=$(conf PACKAGE_VERSION)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tree" "$work/src/$name-$ver"
# What DKMS installs from: the tracked files.
(cd "$VCPCM_TOP" && git ls-files -z | tar --null -T - -cf -) | tar -C "$work/src/$name-$ver" -xf -
trees=(--dkmstree "$work/tree" --sourcetree "$work/src")
dkms add -m "$name" -v "$ver" "${trees[@]}"
# The kernel's own ARCH and CROSS_COMPILE, as make reads them from the environment.
if ! ARCH=arm CROSS_COMPILE=$cross dkms build -m "$name" -v "$ver" -k "$kver" -a "$arch" \
	--kernelsourcedir "$kdir" "${trees[@]}"; then
	cat "$work/tree/$name/$ver/build/make.log" 2>/dev/null || true
	exit 1
fi
ko=$(find "$work/tree/$name/$ver/$kver/$arch/module" -name "$name.ko*" | head -n 1)
[ -n "$ko" ] || die "dkms build left no module"
cp "$ko" "$VCPCM_CACHE/build/dkms-$kver.ko"
printf '%s\n' "$VCPCM_CACHE/build/dkms-$kver.ko"

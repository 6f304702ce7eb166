#!/usr/bin/env bash
# Build (once) a User Mode Linux kernel from Debian's linux-source-6.12 and print its build dir.
#
#   scripts/uml-kernel.sh [debug|perf|leak]   (default: debug)
#   scripts/uml-kernel.sh arm32-kunit         not UML: a 32-bit ARM kernel for QEMU's virt
#                                             machine, for the KUnit suites on a 32-bit build
#                                             (zImage; allnoconfig + scripts/arm32/kunit.config)
#
# The printed dir is an O= build dir: `make -C "$dir" M=$PWD ARCH=um` builds an out-of-tree module
# against it. It holds `linux` (the UML binary), `kernelrelease` and `modroot/lib/modules/<rel>`.
# Config: ARCH=um alldefconfig + scripts/uml/common.config + scripts/uml/<flavour>.config.
# Cached under $VCPCM_CACHE/uml/<flavour>-<key>, key = (source version, gcc version, fragments).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"

flavour=${1:-debug}
case $flavour in
debug | perf | leak)
	arch=um cross= base=alldefconfig frags=("$here/uml/common.config" "$here/uml/$flavour.config")
	root=$VCPCM_CACHE/uml kind="UML $flavour" ;;
arm32-kunit)
	arch=arm cross=arm-linux-gnueabihf- base=allnoconfig frags=("$here/arm32/kunit.config")
	root=$VCPCM_CACHE/arm32-kernel kind="32-bit ARM (KUnit)" ;;
*) die "usage: $0 [debug|perf|leak|arm32-kunit]" ;;
esac

# Bump when the build steps below change in a way that changes the result.
recipe=2
tarball=/usr/src/linux-source-6.12.tar.xz
[ -f "$tarball" ] || die "$tarball missing: run scripts/install-deps.sh"
# Our fixes to the source (scripts/uml/patches): part of the source's version.
patches=("$here"/uml/patches/*.patch)
srcver="$(dpkg-query -W -f='${Version}' linux-source-6.12) patches $(cache_key "${patches[@]}")"
gccver=$(${cross}gcc --version | head -n 1)
key=$(cache_key "recipe $recipe" "$srcver" "$gccver" "${frags[@]}")
src=$VCPCM_CACHE/src/linux-source-6.12
out=$root/$flavour-$key

# Warm path: nothing to do.
if [ -f "$out/.vcpcm-done" ]; then echo "$out"; exit 0; fi

mkdir -p "$VCPCM_CACHE/uml" "$root"
# One kernel build at a time on this machine (2 cores); a second caller waits, then reuses.
exec 9>"$VCPCM_CACHE/uml/.lock"
flock 9
if [ -f "$out/.vcpcm-done" ]; then echo "$out"; exit 0; fi

# Constant source path so build dirs and debug info stay valid; re-extract on a new version.
if [ "$(cat "$src/.vcpcm-srcver" 2>/dev/null)" != "$srcver" ]; then
	log "extracting $tarball"
	rm -rf "$src" "$VCPCM_CACHE"/uml/*-* "$VCPCM_CACHE"/arm32-kernel/*-*
	mkdir -p "$VCPCM_CACHE/src"
	tar -C "$VCPCM_CACHE/src" -xf "$tarball"
	for p in "${patches[@]}"; do
		patch -s -p1 -d "$src" <"$p" || die "patch $p does not apply"
	done
	echo "$srcver" >"$src/.vcpcm-srcver"
fi

mkdir -p "$out"
blog=$out/build.log
: >"$blog"
run() { "$@" >>"$blog" 2>&1 || { tail -n 60 "$blog" >&2; die "failed: $* (log: $blog)"; }; }
kmake() { run make -C "$src" O="$out" ARCH=$arch ${cross:+CROSS_COMPILE=$cross} "$@"; }

t0=$(date +%s)
log "configuring the $kind kernel in $out"
kmake $base
run env ARCH=$arch "$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}"
kmake olddefconfig

# Every requested option must have stuck (Kconfig silently drops unmet dependencies).
bad=$(awk '
	/^CONFIG_[A-Za-z0-9_]+=/ { n = $0; sub(/=.*/, "", n); want[n] = $0; next }
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = "unset"; next }
	END { for (n in want) print n "\t" want[n] }' "${frags[@]}" |
	while IFS=$'\t' read -r name want; do
		have=$(grep -E "^$name=" "$out/.config" || true)
		if [ "$want" = unset ]; then
			[ -z "$have" ] || printf '  %s: wanted unset, got %s\n' "$name" "$have"
		elif [ "$have" != "$want" ]; then
			printf '  %s: wanted %s, got %s\n' "$name" "$want" "${have:-unset}"
		fi
	done)
[ -z "$bad" ] || die "config options did not stick after olddefconfig:
$bad"

log "building (make -j2, a few minutes cold)"
kmake -j2
rm -rf "$out/modroot"
kmake modules_install INSTALL_MOD_PATH="$out/modroot"
make -s -C "$src" O="$out" ARCH=$arch kernelrelease >"$out/kernelrelease"
# What determines the kernel, for caches built from it (vm-run's initramfs).
echo "$key" >"$out/.vcpcm-stamp"
touch "$out/.vcpcm-done"
log "$kind kernel $(cat "$out/kernelrelease") built in $(($(date +%s) - t0)) s"

# Drop superseded builds of this flavour (each is hundreds of MB).
for d in "$root/$flavour"-*; do
	[ "$d" = "$out" ] || rm -rf "$d"
done
echo "$out"

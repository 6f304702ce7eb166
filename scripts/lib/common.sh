# Shared helpers for snd-vcpcm's scripts. Source it; do not run it.
# shellcheck shell=bash

VCPCM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Builds and downloads are cached outside the repo, keyed by what determines them.
VCPCM_CACHE=${VCPCM_CACHE:-/var/tmp/vcpcm-cache}
mkdir -p "$VCPCM_CACHE"

log() { printf '[vcpcm] %s\n' "$*" >&2; }
die() { printf '[vcpcm] error: %s\n' "$*" >&2; exit 1; }

# Kernel ABI names ("6.1.0-56-amd64", "6.12.117+deb12-amd64").
# Prefer what is installed so caches stay valid; else what apt would install.
k61_abi() {
	local k
	k=$(ls /lib/modules 2>/dev/null | grep -E '^6\.1\.0-[0-9]+-amd64$' | sort -V | tail -n 1)
	[ -n "$k" ] || k=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(6\.1\.0-[0-9]*-amd64\).*/\1/p' | head -n 1)
	printf '%s\n' "$k"
}
newest_612_abi() {
	local k
	k=$(ls /lib/modules 2>/dev/null | grep -E '^6\.12\.[0-9]+\+deb12-amd64$' | sort -V | tail -n 1)
	[ -n "$k" ] || k=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' 2>/dev/null |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | tail -n 1)
	printf '%s\n' "$k"
}
k612_abi() { newest_612_abi; }

# Debian 12's 32-bit ARM kernels (only 6.1): the newest ABI of a flavour that
# scripts/fetch-arm32.sh unpacked. arm32_kver ARCH FLAVOUR
arm32_kver() { ls "$VCPCM_CACHE/$1" 2>/dev/null | grep -E "^6\.1\.0-[0-9]+-$2\$" | sort -V | tail -n 1; }

# ABI name of a QEMU target: x86_64-6.1 | x86_64-6.12 | arm64-6.1 | arm64-6.12 |
# armhf-virt | raspi0 | raspi1ap | raspi2b | raspi3b
target_kver() {
	case "$1" in
	x86_64-6.1) k61_abi ;;
	x86_64-6.12) k612_abi ;;
	arm64-6.1) k61_abi | sed 's/-amd64$/-arm64/' ;;
	arm64-6.12 | raspi3b) k612_abi | sed 's/-amd64$/-arm64/' ;;
	armhf-virt | raspi2b) arm32_kver armhf armmp ;;
	raspi0 | raspi1ap) arm32_kver armel rpi ;;
	armhf-kunit) cat "$("$VCPCM_TOP/scripts/uml-kernel.sh" arm32-kunit)/kernelrelease" ;;
	*) die "unknown target '$1'" ;;
	esac
}

# Debian architecture of a target's userland (the tools are built for it).
target_arch() {
	case "$1" in
	uml* | x86_64-*) echo x86_64 ;;
	arm64-* | raspi3b) echo arm64 ;;
	armhf-* | raspi2b) echo armhf ;;
	raspi0 | raspi1ap) echo armel ;;
	*) die "unknown target '$1'" ;;
	esac
}

# The cross compiler prefix of a Debian architecture (empty for x86_64).
cross_prefix() {
	case "$1" in
	arm64) echo aarch64-linux-gnu- ;;
	armhf) echo arm-linux-gnueabihf- ;;
	armel) echo arm-linux-gnueabi- ;;
	esac
}

# Where a foreign target's kernel (headers, image, modules) and userland are unpacked.
target_kdir() {
	local arch
	arch=$(target_arch "$1")
	printf '%s\n' "$VCPCM_CACHE/$arch/$(target_kver "$1")"
}
target_rootfs() { printf '%s\n' "$VCPCM_CACHE/$(target_arch "$1")/rootfs"; }

# Unpack a foreign target's kernel and userland unless the cache has them (asking apt takes
# half a minute; scripts/install-deps.sh refreshes them on every run anyway).
ensure_target_fetched() {	# TARGET
	local here=$VCPCM_TOP/scripts
	case $1 in
	arm64-* | raspi3b)
		[ -f "$(arm64_rootfs)/.vcpcm-stamp" ] && [ -f "$(target_kdir "$1")/.vcpcm-stamp" ] ||
			"$here/fetch-arm64.sh" >/dev/null || die "fetch-arm64.sh failed"
		;;
	armhf-kunit)	# our own kernel (uml-kernel.sh), Debian's userland
		[ -f "$(target_rootfs "$1")/.vcpcm-stamp" ] ||
			"$here/fetch-arm32.sh" >/dev/null || die "fetch-arm32.sh failed"
		;;
	armhf-* | raspi[012]*)
		[ -n "$(target_kver "$1")" ] && [ -f "$(target_rootfs "$1")/.vcpcm-stamp" ] &&
			[ -f "$(target_kdir "$1")/.vcpcm-image-stamp" ] ||
			"$here/fetch-arm32.sh" >/dev/null || die "fetch-arm32.sh failed"
		;;
	esac
}

# Short hash of files and strings: cache keys.
cache_key() { { for a in "$@"; do if [ -f "$a" ]; then cat "$a"; else printf '%s\n' "$a"; fi; done; } | sha256sum | cut -c1-16; }

# Where scripts/fetch-arm64.sh unpacks an arm64 kernel ABI (headers, modules, Image)
# and the arm64 userland used for initramfs images.
arm64_kdir() { printf '%s\n' "$VCPCM_CACHE/arm64/$1"; }
arm64_rootfs() { printf '%s\n' "$VCPCM_CACHE/arm64/rootfs"; }

# Copy the module's sources to DEST (builds happen there, never in the repo).
stage_module_source() {
	local dest=$1
	# Build dirs staged the old way (rsync -a: sources kept their checkout
	# mtimes, so objects built later from other sources looked newer) may
	# hold stale objects: start those afresh, once.
	[ -f "$dest/.vcpcm-staged-by-content" ] || rm -rf "$dest"
	mkdir -p "$dest"
	touch "$dest/.vcpcm-staged-by-content"
	# By content, and a changed file gets a new mtime: sources checked out
	# before an earlier build's objects were made must still rebuild them.
	rsync -rlpgoD --checksum --delete --exclude=.vcpcm-staged-by-content --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		"$VCPCM_TOP/Kbuild" "$VCPCM_TOP/Makefile" "$VCPCM_TOP/dkms.conf" \
		"$VCPCM_TOP/src" "$VCPCM_TOP/include" "$VCPCM_TOP/kunit" "$dest/"
	mkdir -p "$dest/scripts" && cp "$VCPCM_TOP/scripts/check-ko.sh" "$dest/scripts/"
}

# Build snd-vcpcm.ko in a staged copy: build_module NAME KDIR [make args...]
# Prints the path of the .ko; the build log is NAME.log beside it.
build_module() {
	local name=$1 kdir=$2; shift 2
	local dir="$VCPCM_CACHE/build/$name"
	stage_module_source "$dir"
	if ! make -C "$dir" KDIR="$kdir" "$@" >"$dir.log" 2>&1; then
		tail -n 40 "$dir.log" >&2
		die "module build '$name' failed (log: $dir.log)"
	fi
	printf '%s\n' "$dir/snd-vcpcm.ko"
}

# Test result bookkeeping shared by the test scripts: pass NAME / fail NAME.
VCPCM_RESULTS=${VCPCM_RESULTS:-}
pass() { printf 'PASS: %s\n' "$*"; [ -z "$VCPCM_RESULTS" ] || echo "pass $*" >>"$VCPCM_RESULTS"; }
fail() { printf 'FAIL: %s\n' "$*"; [ -z "$VCPCM_RESULTS" ] || echo "fail $*" >>"$VCPCM_RESULTS"; }

# Count a guest script's "PASS: x"/"FAIL: x" lines (DIR/guest.txt) as results named
# "LABEL x", and fail the run if vm-run saw a kernel report (exit 125) or the guest
# reported nothing: report_guest_results LABEL DIR RC
report_guest_results() {
	local label=$1 dir=$2 rc=$3 line
	while IFS= read -r line; do
		case $line in
		PASS:*) pass "$label: ${line#PASS: }" ;;
		FAIL:*) fail "$label: ${line#FAIL: }" ;;
		esac
	done <"$dir/guest.txt"
	if [ "$rc" = 125 ]; then
		fail "$label: kernel report or rig failure (see console below)"
		local reports='BUG:|WARNING:|UBSAN:|KASAN|lockdep|unreferenced|Oops|panic|Kernel mode fault'
		grep -nE "$reports" "$dir/console.log" | head -n 40 || true
		# The first report in full: CI keeps only this output, not the console.
		awk -v re="$reports" '$0 ~ re && !n { n = NR }
		     n && NR < n + 80 { print "    | " $0 }' "$dir/console.log" || true
	fi
	grep -q '^PASS:' "$dir/guest.txt" || fail "$label: the guest reported nothing (exit $rc)"
}

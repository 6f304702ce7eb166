#!/usr/bin/env bash
# Install the repo as a DKMS module for one (x86_64 host) kernel, replacing any earlier
# registration of the same version:
#
#   scripts/dkms-install.sh KVER [--src DIR]
#
# Name and version come from DIR/dkms.conf (PACKAGE_NAME, PACKAGE_VERSION); DIR defaults to the
# repo. The files copied to /usr/src/NAME-VERSION are git's (tracked plus untracked-not-ignored)
# or, outside git, the tree minus .git. Prints the installed module paths; on a failed build,
# prints DKMS's make.log. Nothing is loaded into the host's kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/common.sh"

kver= src=$VCPCM_TOP
while [ $# -gt 0 ]; do
	case $1 in
	--src) src=$(realpath "${2:?}"); shift 2 ;;
	-*) die "usage: $0 KVER [--src DIR]" ;;
	*) kver=$1; shift ;;
	esac
done
[ -n "$kver" ] || die "usage: $0 KVER [--src DIR]"
[ -d "/lib/modules/$kver/build" ] || die "no headers for $kver (/lib/modules/$kver/build)"
[ -f "$src/dkms.conf" ] || die "$src/dkms.conf missing"
conf() { sed -n "s/^$1=[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\}\$/\1/p" "$src/dkms.conf" | tail -n 1; }
name=$(conf PACKAGE_NAME)
ver=$(conf PACKAGE_VERSION)
name=${name:-snd-vcpcm}
[ -n "$ver" ] || die "no PACKAGE_VERSION in $src/dkms.conf"
dest=/usr/src/$name-$ver

# Drop any earlier registration of this version (all kernels), then copy the sources afresh.
if [ -n "$(dkms status -m "$name" -v "$ver" 2>/dev/null)" ]; then
	log "removing earlier $name/$ver"
	dkms remove -m "$name" -v "$ver" --all >/dev/null 2>&1 || die "dkms remove $name/$ver failed"
fi
rm -rf "$dest"
mkdir -p "$dest"
if git -C "$src" rev-parse --show-toplevel >/dev/null 2>&1; then
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf -) | tar -C "$dest" -xf -
else
	tar -C "$src" --exclude=.git -cf - . | tar -C "$dest" -xf -
fi

log "dkms add/build/install $name/$ver for $kver"
dlog=$(mktemp) stamp=$(mktemp)
trap 'rm -f "$dlog" "$stamp"' EXIT
dkms add -m "$name" -v "$ver" >"$dlog" 2>&1 || { cat "$dlog" >&2; die "dkms add failed"; }
mlog=/var/lib/dkms/$name/$ver/build/make.log
if ! dkms build -m "$name" -v "$ver" -k "$kver" >"$dlog" 2>&1; then
	cat "$dlog" >&2
	[ ! -f "$mlog" ] || cat "$mlog" >&2
	die "dkms build failed (log: $mlog)"
fi
# Modules newer than this stamp are the ones this install put in place.
touch "$stamp"
if ! dkms install -m "$name" -v "$ver" -k "$kver" --force >>"$dlog" 2>&1; then
	cat "$dlog" >&2
	[ ! -f "$mlog" ] || tail -n 40 "$mlog" >&2
	die "dkms install failed"
fi
dkms status -m "$name" -v "$ver" -k "$kver" >&2 2>/dev/null
find "/lib/modules/$kver/updates" -newer "$stamp" -name '*.ko*' 2>/dev/null || true

# Download (never install) Debian packages of a foreign architecture, for the
# cross-build and VM targets. Source it, then: debs_init ARCH; debs_resolve PKG...;
# debs_fetch PKG (prints the .deb's path, downloading it if needed).
# shellcheck shell=bash

# debs_cand[pkg] = file name that `apt-get download` gives the candidate of an ARCH (or
# arch:all) package (epochs are URL-encoded there). apt-cache is slow to start: ask for
# many at once.
declare -A debs_cand=()
debs_arch= debs_dir=

debs_init() {	# ARCH
	debs_arch=$1
	debs_dir=$VCPCM_CACHE/$1/debs
	debs_cand=()
	mkdir -p "$debs_dir"
	# Not a pipe into grep -q: under pipefail, dpkg killed by SIGPIPE would fail it.
	grep -qx "$1" <<<"$(dpkg --print-foreign-architectures)" ||
		die "$1 is not a dpkg foreign architecture: run scripts/install-deps.sh"
}

debs_resolve() {
	local args=() p f
	# Only ask for (and reset) what is not resolved yet.
	for p in "$@"; do
		[ -z "${debs_cand[$p]+x}" ] || continue
		args+=("$p:$debs_arch" "$p:all")
		debs_cand[$p]=
	done
	[ ${#args[@]} -gt 0 ] || return 0
	while read -r p f; do debs_cand[$p]=$f; done < <(
		apt-cache show --no-all-versions "${args[@]}" 2>/dev/null | awk -v arch="$debs_arch" '
			/^Package: / { p = $2 } /^Version: / { v = $2 } /^Architecture: / { a = $2 }
			function out() { if (a == arch || a == "all") { gsub(/:/, "%3a", v); print p, p "_" v "_" a ".deb" } a = "" }
			/^$/ { out() } END { out() }')
}

# Forget what was resolved (after an apt-get update).
debs_forget() { debs_cand=(); }

# apt-get update for debs_arch's indexes, then forget what was resolved. One index
# failing (a mirror mid-sync: "File has unexpected size") makes apt keep none of that
# release's new lists, for any architecture: then fetch the lists of this one alone
# (apt drops the other foreign architectures' lists; their scripts fetch them again).
debs_update() {
	log "apt-get update ($debs_arch indexes)"
	apt-get update -qq >/dev/null 2>&1 ||
		apt-get update -qq -o APT::Architectures::="$(dpkg --print-architecture)" \
			-o APT::Architectures::="$debs_arch" >/dev/null ||
		log "apt-get update reported errors; going on with the lists it has"
	debs_forget
}

debs_fetch() {	# PKG
	local f=${debs_cand[$1]:-}
	[ -n "$f" ] || return 1
	if [ ! -s "$debs_dir/$f" ]; then
		log "downloading $f"
		# Sandbox::User=root: the cache dir is root's and _apt need not read it.
		(cd "$debs_dir" && apt-get download -qq -o APT::Sandbox::User=root \
			"$1:$(basename "$f" .deb | sed 's/.*_//')" >/dev/null) ||
			die "apt-get download $1 failed"
		[ -s "$debs_dir/$f" ] || die "apt-get download did not produce $f"
	fi
	printf '%s\n' "$debs_dir/$f"
}

# Point an unpacked kernel headers tree's kbuild link (scripts/, tools/ link to
# ../../lib/linux-kbuild-X) at the host's amd64 build of the same kbuild, installed
# with the amd64 headers: debs_link_kbuild ROOT KVER
debs_link_kbuild() {
	local dir=$1 kver=$2 k kb
	k=$dir/usr/src/linux-headers-$kver
	kb=$(readlink "$k/scripts" | sed -n 's|.*/lib/\(linux-kbuild-[^/]*\)/.*|\1|p')
	[ -n "$kb" ] || die "cannot find the kbuild link in $k/scripts"
	[ -d "/usr/lib/$kb" ] || die "/usr/lib/$kb missing: install the amd64 linux-headers of $kver"
	mkdir -p "$dir/usr/lib"
	ln -sfn "/usr/lib/$kb" "$dir/usr/lib/$kb"
}

# A userland for the initramfs of a VM target: busybox, alsa-utils and every package that
# provides a NEEDED library of what is unpacked, resolved until nothing is missing.
# libgcc-s1: glibc dlopens libgcc_s for pthread_exit (alsabat), so no NEEDED names it.
debs_rootfs_seeds=(busybox-static alsa-utils libasound2 libasound2-data libc6 libgcc-s1)
debs_rootfs() {	# ROOT (for the architecture of debs_init)
	local root=$1 stamp=() p f so missing more i
	# Fast path: every recorded package still has the same candidate version.
	if [ -f "$root/.vcpcm-stamp" ]; then
		mapfile -t stamp <"$root/.vcpcm-stamp"
		debs_resolve "${stamp[@]%%_*}"
		more=0
		for f in "${stamp[@]}"; do [ "${debs_cand[${f%%_*}]}" = "$f" ] || more=1; done
		# A seed added since the rootfs was built.
		for p in "${debs_rootfs_seeds[@]}"; do
			grep -qx "$p" <<<"$(printf '%s\n' "${stamp[@]%%_*}")" || more=1
		done
		[ $more = 1 ] || return 0
	fi
	log "building the $debs_arch rootfs"
	local tmp=$root.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	declare -A have=()
	add_pkg() {
		f=$(debs_fetch "$1") || return 1
		have[$1]=$(basename "$f")
		dpkg-deb -x "$f" "$tmp"
	}
	debs_resolve "${debs_rootfs_seeds[@]}"
	for p in "${debs_rootfs_seeds[@]}"; do add_pkg "$p" || die "no $p:$debs_arch in apt"; done

	# Resolve NEEDED sonames until every one is present somewhere in the tree
	# (readelf reads the dynamic section of any architecture's ELF files).
	for i in 1 2 3 4 5 6 7 8; do
		missing=$(find "$tmp" -type f \( -perm -u+x -o -name '*.so*' \) -print0 |
			xargs -0 sh -c 'readelf -d "$@" 2>/dev/null; exit 0' readelf |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u |
			comm -23 - <(find "$tmp" \( -type f -o -type l \) -printf '%f\n' | sort -u))
		[ -n "$missing" ] || break
		declare -A new=()
		for so in $missing; do
			# The amd64 host usually has the same library installed (alsa-utils is): same name.
			p=$(dpkg -S "*/x86_64-linux-gnu/$so" 2>/dev/null | head -n 1 | sed 's/[:,].*//')
			[ -n "$p" ] || die "cannot tell which package provides $so for $debs_arch"
			# Already unpacked: the check after the loop reports it.
			[ -n "${have[$p]:-}" ] || new[$p]=$so
		done
		[ ${#new[@]} -gt 0 ] || break
		debs_resolve "${!new[@]}"
		for p in "${!new[@]}"; do add_pkg "$p" || die "no $p:$debs_arch in apt (for ${new[$p]})"; done
		unset new
	done
	[ -z "$missing" ] || die "unresolved $debs_arch libraries: $missing"

	for p in "${!have[@]}"; do echo "${have[$p]}"; done | sort >"$tmp/.vcpcm-stamp"
	rm -rf "$root"
	mv "$tmp" "$root"
}

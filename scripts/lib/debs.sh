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
	dpkg --print-foreign-architectures | grep -qx "$1" ||
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

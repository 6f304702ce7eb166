#!/usr/bin/env bash
# Fail loudly if the module carries what a kernel module must not:
#  - C++ global constructors/destructors (the module loader runs .init_array
#    only when a sanitizer selects CONFIG_CONSTRUCTORS; otherwise they are
#    silently skipped), checked in the C++ objects themselves;
#  - constructor sections in the .ko that do not come from a sanitizer;
#  - C++ runtime symbols nobody provides;
#  - with VCPCM_SYMVERS=<kernel build>/Module.symvers: any undefined symbol
#    the target kernel does not export (a libgcc helper such as __udivdi3 or
#    __aeabi_uldivmod that 64-bit division pulls in on 32-bit targets, say:
#    the module would not load).
#
#   [VCPCM_SYMVERS=FILE] check-ko.sh MODULE.ko [CXX-OBJECT.o...]
set -euo pipefail
ko=${1:?usage: check-ko.sh MODULE.ko [CXX-OBJECT.o...]}
shift
[ -f "$ko" ] || { echo "check-ko: $ko not found" >&2; exit 1; }
readelf=${CROSS_COMPILE:-}readelf
nm=${CROSS_COMPILE:-}nm
command -v "$readelf" >/dev/null || readelf=readelf
command -v "$nm" >/dev/null || nm=nm
bad=0

for obj in "$@"; do
	ctors=$("$nm" "$obj" | grep -E ' _GLOBAL__sub_[ID]_' || true)
	if [ -n "$ctors" ] || grep -Eq '\.(ctors|dtors)\b' <<<"$("$readelf" -SW "$obj")"; then
		echo "check-ko: $obj has C++ global constructors/destructors (never run in a module):" >&2
		printf '%s\n' "$ctors" | sed 's/^/  /' >&2
		bad=1
	fi
done

# Sanitizer constructors only register globals (KASAN); anything else is ours.
sections=$("$readelf" -SW "$ko")
symbols=$("$nm" "$ko")
if grep -Eq '\.(init_array|ctors)\b' <<<"$sections" &&
	! grep -q ' U __asan_register_globals$' <<<"$symbols"; then
	echo "check-ko: $ko has constructor sections that no sanitizer explains" >&2
	bad=1
fi

undef=$("$readelf" -sW "$ko" | awk '$7 == "UND" {print $8}' |
	grep -E '^(_Z|__cxa_|__gxx_|_Unwind_|__dynamic_cast|__cxx)' || true)
if [ -n "$undef" ]; then
	echo "check-ko: $ko needs C++ runtime symbols the kernel does not have:" >&2
	echo "$undef" | sed 's/^/  /' >&2
	bad=1
fi
checked="no C++ constructors, no C++ runtime symbols"
if [ -n "${VCPCM_SYMVERS:-}" ] && [ -f "$VCPCM_SYMVERS" ]; then
	unexported=$("$readelf" -sW "$ko" | awk '$7 == "UND" && $8 != "" {print $8}' | sort -u |
		comm -23 - <(awk '{print $2}' "$VCPCM_SYMVERS" | sort -u) || true)
	if [ -n "$unexported" ]; then
		echo "check-ko: $ko needs symbols the target kernel does not export ($VCPCM_SYMVERS):" >&2
		echo "$unexported" | sed 's/^/  /' >&2
		bad=1
	fi
	checked="$checked, every undefined symbol exported by the kernel"
fi
[ $bad = 0 ] && echo "check-ko: $ko ok ($checked)"
exit $bad

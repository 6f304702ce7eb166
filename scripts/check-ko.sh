#!/usr/bin/env bash
# Fail loudly if a built module carries what a kernel module must not:
# constructors the loader would silently skip, or C++ runtime symbols
# nobody provides.
set -euo pipefail
ko=${1:?usage: check-ko.sh MODULE.ko}
[ -f "$ko" ] || { echo "check-ko: $ko not found" >&2; exit 1; }
readelf=${CROSS_COMPILE:-}readelf
command -v "$readelf" >/dev/null || readelf=readelf
bad=0
if "$readelf" -SW "$ko" | grep -Eq '\.(init_array|ctors|fini_array|dtors)\b'; then
	echo "check-ko: $ko has constructor/destructor sections (global constructors are never run in a module):" >&2
	"$readelf" -SW "$ko" | grep -E '\.(init_array|ctors|fini_array|dtors)' >&2
	bad=1
fi
undef=$("$readelf" -sW "$ko" | awk '$7 == "UND" {print $8}' |
	grep -E '^(_Z|__cxa_|__gxx_|_Unwind_|__dynamic_cast|__cxx)' || true)
if [ -n "$undef" ]; then
	echo "check-ko: $ko needs C++ runtime symbols the kernel does not have:" >&2
	echo "$undef" | sed 's/^/  /' >&2
	bad=1
fi
[ $bad = 0 ] && echo "check-ko: $ko ok (no ctor sections, no C++ runtime symbols)"
exit $bad

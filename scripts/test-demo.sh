#!/usr/bin/env bash
# The README's first command on a brand-new machine: `make demo` with an empty
# cache (nothing built or fetched before), as a new user runs it. Catches a
# demo that leans on something only `make check` fetched or built.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

cache=$(mktemp -d /var/tmp/vcpcm-demo-cache.XXXXXX)
out=$(mktemp -d)
trap 'rm -rf "$cache" "$out"' EXIT
rc=0
VCPCM_CACHE=$cache VCPCM_DEMO_OUT=$out make -s -C "$VCPCM_TOP" demo >"$out.log" 2>&1 || rc=$?
sed 's/^/    /' "$out.log" | tail -n 30
rm -f "$out.log"
if [ $rc = 0 ] && [ -s "$out/capture.wav" ]; then
	pass "demo: make demo from an empty cache plays and records bit-exact"
else
	fail "demo: make demo from an empty cache (exit $rc)"
fi

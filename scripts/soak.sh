#!/usr/bin/env bash
# make soak: the long reliability run, then one line "N passed, N failed".
#
#   VCPCM_SOAK_SECONDS (default 600)   VCPCM_SOAK_TARGETS (default "uml uml-leak")
#
# Each target: every remote fault end to end, teardown while busy, 20000 stress
# cycles, 10000 fuzz iterations, then VCPCM_SOAK_SECONDS of full-duplex
# streaming on all 16 substreams with random faults on pairs 6 and 7 (see
# scripts/tests/reliability-guest.sh). uml has KASAN+UBSAN+lockdep, uml-leak
# has kmemleak; any report fails the run.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"

results=$(mktemp)
export VCPCM_RESULTS=$results
trap 'rm -f "$results"' EXIT
start=$(date +%s)
for target in ${VCPCM_SOAK_TARGETS:-uml uml-leak}; do
	log "== soak $target"
	"$VCPCM_TOP/scripts/test-reliability.sh" "$target" --soak "${VCPCM_SOAK_SECONDS:-600}" \
		--cycles 20000 --fuzz 10000 || grep -q "^fail " "$results" || fail "soak $target: exited $?"
done
passed=$(grep -c '^pass ' "$results")
failed=$(grep -c '^fail ' "$results")
[ "$failed" = 0 ] || { echo "Failures:"; grep '^fail ' "$results" | sed 's/^fail /  /'; }
log "total time $(( $(date +%s) - start )) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]

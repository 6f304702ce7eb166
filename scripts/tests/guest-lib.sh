#!/bin/sh
# Helpers shared by the scripts that run INSIDE a test VM (e2e-guest.sh,
# reliability-guest.sh); sourced, busybox sh is enough. Each check prints one
# "PASS: name" or "FAIL: name" line, which the host side counts.
failed=0
ok() { echo "PASS: $*"; }
ko() { echo "FAIL: $*"; failed=1; }
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
# A check tool's verdict is its exit status; its output goes to the log, indented.
logged() {
	name=$1
	shift
	"$@" >/tmp/logged.txt 2>&1
	rc=$?
	sed 's/^/    /' /tmp/logged.txt
	if [ $rc = 0 ]; then ok "$name"; else ko "$name"; fi
}
# Like logged, for a timing check whose tool exits 3 when the machine stalled
# longer than the stream's buffer could bridge (an xrun that had to happen, so
# the run proves nothing either way: QEMU/TCG guests stall on a busy host). Such
# a run is repeated, up to 3 runs in all; any other failure fails at once.
logged_unless_stalled() {
	name=$1
	shift
	for attempt in 1 2 3; do
		"$@" >/tmp/logged.txt 2>&1
		rc=$?
		sed 's/^/    /' /tmp/logged.txt
		[ $rc = 3 ] || break
		echo "    (run $attempt stalled: inconclusive, not counted)"
	done
	if [ $rc = 0 ]; then ok "$name"; else ko "$name"; fi
}
# Start vcpcm-remote in mode $2 announcing card $1 (options follow) and wait for the
# card; $remote is its pid, its output in /tmp/remote-$1.log (printed if it never came).
user_remote_mode_up() {
	rid=$1 mode=$2
	shift 2
	vcpcm-remote --id "$rid" "$@" "$mode" >"/tmp/remote-$rid.log" 2>&1 &
	remote=$!
	n=0
	until grep -q "\[$rid *\]" /proc/asound/cards; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 $remote 2>/dev/null; then
			cat "/tmp/remote-$rid.log"
			return 1
		fi
		sleep 0.1
	done
}

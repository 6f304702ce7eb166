#!/bin/sh
# Play a deterministic pattern on one PCM and check that another PCM captures it bit-exact.
# Runs inside a vm-run guest (POSIX sh; needs aplay, arecord and vcpcm-pattern on PATH).
#
#   loopback.sh --play-dev D --cap-dev D --format F --rate R --channels C [--mmap]
#               [--noninterleaved] [--frames N] [--seed S] [--pad-ms MS] [--slack-ms MS]
#               [--strict-tail] [--keep DIR] [--save DIR]
#
# The capture starts first (leading silence is allowed), runs for a fixed frame count
# (pattern + pad + slack), and the pattern must appear in it bit-exact right after the silence.
# --pad-ms: silence played after the pattern, so that a loss at the very end of the stream
#   (snd-aloop under TCG drops a timer tick there) only hits silence. Default 250.
# --slack-ms: extra capture time for the start-up lead. Default 1500.
# --strict-tail: also fail if non-silent frames follow the pattern (stale data replayed after
#   the stream; snd-aloop does replay a few ms of its old playback buffer when playback stops).
# --noninterleaved: aplay -I / arecord -I, one raw file per channel (MMAP_ or RW_NONINTERLEAVED).
# --keep DIR: where to save the raw files on failure (default $VM_OUT if set).
# --save DIR: save them always.
# Prints one PASS/FAIL line with figures; exit 0 on PASS, 1 on FAIL, 2 on usage errors.
set -eu

play= cap= fmt=S16_LE rate=48000 ch=2 mmap= frames= seed=1 pad_ms=250 slack_ms=1500 keep=${VM_OUT:-} save= strict=
planar=
usage() { sed -n '4,7p' "$0" | sed 's/^# *//' >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--play-dev) play=$2; shift 2 ;;
	--cap-dev) cap=$2; shift 2 ;;
	--format) fmt=$2; shift 2 ;;
	--rate) rate=$2; shift 2 ;;
	--channels) ch=$2; shift 2 ;;
	--mmap) mmap=-M; shift ;;
	--noninterleaved) planar=-I; shift ;;
	--frames) frames=$2; shift 2 ;;
	--seed) seed=$2; shift 2 ;;
	--pad-ms) pad_ms=$2; shift 2 ;;
	--slack-ms) slack_ms=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--save) save=$2; shift 2 ;;
	--strict-tail) strict=--strict-tail; shift ;;
	*) usage ;;
	esac
done
[ -n "$play" ] && [ -n "$cap" ] || usage
[ -n "$frames" ] || frames=$((rate * 2))
pat=${VCPCM_PATTERN:-$(command -v vcpcm-pattern || echo "$(dirname "$0")/vcpcm-pattern")}
[ -x "$pat" ] || { echo "loopback: vcpcm-pattern not found" >&2; exit 2; }

pad=$((rate * pad_ms / 1000))
capframes=$((frames + pad + rate * slack_ms / 1000))
work=$(mktemp -d "${TMPDIR:-/tmp}/loopback.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$pat" gen -f "$fmt" -c "$ch" -n "$frames" -s "$seed" --pad "$pad" -o "$work/play.raw"
# Non-interleaved: aplay -I reads one file per channel; arecord -I, given one
# name, writes NAME.0 .. NAME.<ch-1> (even for one channel).
play_files=$work/play.raw cap_parts=
if [ -n "$planar" ]; then
	"$pat" split -f "$fmt" -c "$ch" -o "$work/play.raw" "$work/play.raw"
	play_files=
	k=0
	while [ $k -lt "$ch" ]; do
		play_files="$play_files $work/play.raw.$k"
		cap_parts="$cap_parts $work/cap.raw.$k"
		k=$((k + 1))
	done
fi

# /proc/asound/<card>/pcm<dev>c: where to see that the capture runs (hw:CARD,DEV[,SUB] names).
status_dir() {
	d=${1#*:}
	c=${d%%,*}
	r=${d#"$c"}
	r=${r#,}
	n=${r%%,*}
	case $c in [0-9]*) c=card$c ;; esac
	echo "/proc/asound/$c/pcm${n:-0}c"
}
# The capture's own substream (hw:CARD,DEV,SUB), or any of the device's: with
# other pairs streaming, another substream's RUNNING must not count.
status_sub() {
	d=${1#*:}
	s=${d#*,}
	s=${s#*,}
	case $d in *,*,*) echo "sub$s" ;; *) echo "sub*" ;; esac
}

t0=$(date +%s)
# shellcheck disable=SC2086 # the file lists split on purpose
arecord -q -D "$cap" -t raw -f "$fmt" -r "$rate" -c "$ch" $mmap $planar -s "$capframes" "$work/cap.raw" \
	2>"$work/cap.err" &
rec=$!
sdir=$(status_dir "$cap")
ssub=$(status_sub "$cap")
i=0
# shellcheck disable=SC2086 # ssub may be a glob
while ! cat "$sdir"/$ssub/status 2>/dev/null | grep -q 'state: RUNNING'; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 $rec 2>/dev/null; then
		[ -d "$sdir" ] || { sleep 0.5; break; } # not a hw: device: just give it time
		echo "FAIL loopback: capture on $cap did not start"
		cat "$work/cap.err"
		kill $rec 2>/dev/null || true
		exit 1
	fi
	sleep 0.05
done

play_rc=0
# shellcheck disable=SC2086
aplay -q -D "$play" -t raw -f "$fmt" -r "$rate" -c "$ch" $mmap $planar $play_files 2>"$work/play.err" ||
	play_rc=$?
# The capture ends by itself after $capframes; don't wait forever if it is stuck.
(sleep $((slack_ms / 1000 + pad_ms / 1000 + 10)) && kill $rec) >/dev/null 2>&1 &
dog=$!
rec_rc=0
wait $rec || rec_rc=$?
kill $dog 2>/dev/null || true
secs=$(($(date +%s) - t0))
# shellcheck disable=SC2086
[ -z "$planar" ] || "$pat" join -f "$fmt" -c "$ch" -o "$work/cap.raw" $cap_parts

verdict=$("$pat" verify -f "$fmt" -c "$ch" -n "$frames" -s "$seed" $strict "$work/cap.raw") && ok=1 || ok=0
xruns=$(cat "$work/play.err" "$work/cap.err" | grep -ci 'underrun\|overrun' || true)
[ $play_rc = 0 ] && [ $rec_rc = 0 ] || ok=0
res=FAIL
[ $ok = 0 ] || res=PASS
echo "$res loopback play=$play cap=$cap format=$fmt rate=$rate channels=$ch" \
	"access=$([ -n "$mmap" ] && echo mmap || echo rw)_$([ -n "$planar" ] && echo noninterleaved || echo interleaved) seconds=$secs aplay_rc=$play_rc arecord_rc=$rec_rc xrun_msgs=$xruns :: $verdict"
[ -z "$save" ] || { mkdir -p "$save" && cp "$work/play.raw" "$work/cap.raw" "$save/"; }
if [ $ok = 0 ]; then
	sed 's/^/  aplay: /' "$work/play.err"
	sed 's/^/  arecord: /' "$work/cap.err"
	if [ -n "$keep" ]; then
		mkdir -p "$keep" && cp "$work/play.raw" "$work/cap.raw" "$keep/" &&
			echo "  raw files saved in $keep"
	fi
	exit 1
fi

#!/bin/sh
# make bench, inside the VM (POSIX sh, busybox is enough): the same measurements for
# snd-vcpcm, snd-aloop and snd-dummy in one boot. Writes raw figures to $VM_OUT:
#   duplex.txt          one line per driver and period size (vcpcm-bench's key=value line;
#                       snd-vcpcm's with the messages its link carried each way in the run)
#   poserr-DRV-P.txt    the position error distribution (ms, one value per line)
#   rig-latency.txt     cyclictest's wakeup latency histogram (us) with no audio running
#   cpu.txt             kernel CPU time over a window with every substream streaming
#                       (BENCH_CPU_ROUNDS windows per driver, default 3, interleaved)
#                       (the window is also marked on stdout for the host: @@cpu begin|end DRIVER)
#   roundtrip.txt       the smallest period a read-capture-write-playback loop runs
#                       BENCH_RT_SECONDS (5) without an xrun, RW+poll and mmap+poll,
#                       BENCH_RT_ROUNDS (3) rounds interleaved over the drivers
#   rtrate.txt          the same loop at fixed periods (BENCH_RT_RATE_SIZES, "96 112 128"),
#                       BENCH_RT_RATE_RUNS (4) runs each: how often and how soon it stops
#   remote.txt          a user-space remote (vcpcm-remote, card vremote) against the
#                       emulated remote (issue #12): kernel + remote CPU with every
#                       substream streaming, and the bytes /dev/vcpcm copied (its debugfs
#                       "copies"); the round trip also runs on vremote (roundtrip.txt)
#   tsched.txt          a timer-scheduled client (ALSA period 1024, its own wakeups every
#                       quantum of BENCH_RT_QUANTA, "256 64"): wakeups that found less than
#                       three quarters of a quantum of capture (BENCH_RT_ROUNDS rounds)
# Settings from the environment: BENCH_SECONDS, BENCH_PERIODS, BENCH_CPU_SECONDS,
# BENCH_CPU_ROUNDS, BENCH_CPU_BULK_PARAMS (empty: no vcpcm_bulk windows), VCPCM_PARAMS,
# BENCH_CONTROL_MMAP (1: the duplex runs and CPU windows again with control_mmap=1, as vcpcm_cmap).
out=${VM_OUT:?}
secs=${BENCH_SECONDS:-60}
periods=${BENCH_PERIODS:-"32 64 128 256 512 1024"}
cpusecs=${BENCH_CPU_SECONDS:-10}

modprobe snd-vcpcm $VCPCM_PARAMS || { echo "error: modprobe snd-vcpcm"; exit 1; }
modprobe snd-aloop pcm_substreams=8 || { echo "error: modprobe snd-aloop"; exit 1; }
# snd-dummy's default model is 2 ch, 48 kHz: a second card with the ice1712 model
# (S32_LE up to 192 kHz, 10 channels) is the nearest to 8 ch 192 kHz for the CPU figure.
modprobe snd-dummy enable=1,1 pcm_substreams=8,8 model=,ice1712 ||
	{ echo "error: modprobe snd-dummy"; exit 1; }
# The transfer path against memcpy (KUnit benchmark, if this module has it); its results
# go with the module, which the CPU windows reload.
[ -r /sys/kernel/debug/kunit/vcpcm_bench/results ] &&
	cp /sys/kernel/debug/kunit/vcpcm_bench/results "$out/kunit-bench.ktap"
cat /proc/asound/cards >"$out/cards.txt"
uname -r >"$out/kernel.txt"

# The rig's own timing with no audio at all: cyclictest (rt-tests) wakes a SCHED_FIFO
# thread every 1.33 ms (a 64-frame period) for as long as one duplex run. A wakeup later
# than a period leaves an application too late for any driver's 2-period buffer.
if command -v cyclictest >/dev/null; then
	# The histogram (us) reaches past the longest period measured (1024 frames: 21.3 ms).
	cyclictest -q -m -p 80 -i 1333 -D "$secs" -h 25000 >"$out/rig-latency.txt" 2>/dev/null ||
		echo "cyclictest failed" >>"$out/rig-latency.txt"
fi

# Messages across snd-vcpcm's link so far, both ways: "TO_REMOTE FROM_REMOTE".
vcpcm_messages() { awk '{ n[$1] += $2 } END { print n["to_remote"] + 0, n["from_remote"] + 0 }' \
	/sys/kernel/debug/snd-vcpcm/card*/messages 2>/dev/null; }
reload_vcpcm() {	# extra parameters
	rmmod snd-vcpcm && modprobe snd-vcpcm $VCPCM_PARAMS "$@" ||
		{ echo "error: reload snd-vcpcm $*"; exit 1; }
}
# BENCH_PARTS (default "duplex roundtrip remote cpu irq"): which measurements run.
part() { case " ${BENCH_PARTS:-duplex roundtrip remote cpu irq} " in *" $1 "*) return 0 ;; esac; return 1; }

# A user-space remote as card vremote (vcpcm-remote options follow), where the rig brought
# one; started as the e2e tests start theirs (user_remote_mode_up, guest-lib.sh).
. /tmp/bench-guest-lib.sh
remote=
remote_up() {
	command -v vcpcm-remote >/dev/null && user_remote_mode_up vremote loopback "$@" && return 0
	echo "note: vcpcm-remote did not start"
	remote=
	return 1
}
remote_down() {
	[ -n "$remote" ] || return 0
	kill $remote && wait $remote
	cat /tmp/remote-vremote.log >>"$out/remote.log"
	remote=
}

# vcpcm_cmap (BENCH_CONTROL_MMAP=1, x86 only: elsewhere the core never maps the control
# record): snd-vcpcm with control_mmap=1, where alsa-lib moves appl_ptr by memory writes
# and the driver follows it at reports and position queries instead of in .ack.
drivers="vcpcm aloop dummy"
[ "${BENCH_CONTROL_MMAP:-0}" = 1 ] && drivers="$drivers vcpcm_cmap"
part duplex || drivers=
for drv in $drivers; do
	case $drv in
	vcpcm*) play=hw:vcpcm,0,0 cap=hw:vcpcm,0,0 verify= ;;
	aloop) play=hw:Loopback,0,0 cap=hw:Loopback,1,0 verify= ;;
	dummy) play=hw:Dummy,0,0 cap=hw:Dummy,0,0 verify=--no-verify ;;
	esac
	[ $drv = vcpcm_cmap ] && reload_vcpcm control_mmap=1
	for p in $periods; do
		set -- $(vcpcm_messages)
		line=$(vcpcm-bench -P $play -C $cap -p "$p" -s "$secs" $verify 2>"$out/poserr-$drv-$p.txt")
		case $drv in
		vcpcm*) set -- "$@" $(vcpcm_messages)
			line="$line to_remote=$(($3 - $1)) from_remote=$(($4 - $2))" ;;
		esac
		echo "driver=$drv $line" | tee -a "$out/duplex.txt"
	done
	[ $drv = vcpcm_cmap ] && reload_vcpcm
done

# The full-duplex round trip (vcpcm-roundtrip): rounds interleaved over the drivers, so
# a slow stretch of the host does not fall on one driver only.
pair_of() {	# driver -> "PLAY CAP"
	case $1 in
	vcpcm) echo hw:vcpcm,0,0 hw:vcpcm,0,0 ;;
	vremote) echo hw:vremote,0,0 hw:vremote,0,0 ;;
	aloop) echo hw:Loopback,0,0 hw:Loopback,1,0 ;;
	dummy) echo hw:Dummy,0,0 hw:Dummy,0,0 ;;
	esac
}
access_flag() { [ "$1" = mmap ] && echo --mmap; }	# rw|mmap -> vcpcm-roundtrip's flag
round=1 rounds=${BENCH_RT_ROUNDS:-3} quanta=${BENCH_RT_QUANTA:-256 64}
part roundtrip || rounds=0 quanta=
rt_drivers="vcpcm aloop dummy"
[ "$rounds" -gt 0 ] && part remote && remote_up && rt_drivers="$rt_drivers vremote"
while [ $round -le "$rounds" ]; do
	for drv in $rt_drivers; do
		set -- $(pair_of $drv)
		for access in rw mmap; do
			line=$(vcpcm-roundtrip -P $1 -C $2 $(access_flag $access) -s "${BENCH_RT_SECONDS:-5}" 2>>"$out/roundtrip-$drv.log")
			echo "driver=$drv round=$round $line" | tee -a "$out/roundtrip.txt"
		done
	done
	round=$((round + 1))
done
# Losses at fixed periods: the smallest period above is one sample of a chance (a run
# fails at the rig's first stall longer than its margin), so each size of
# BENCH_RT_RATE_SIZES also runs BENCH_RT_RATE_RUNS times, interleaved over drivers, sizes
# and forms; the report counts stops (xruns and silent losses) per minute of audio run.
round=1 rate_runs=${BENCH_RT_RATE_RUNS:-4}
part roundtrip || rate_runs=0
while [ $round -le "$rate_runs" ]; do
	for p in ${BENCH_RT_RATE_SIZES:-96 112 128}; do
		for access in rw mmap; do
			for drv in vcpcm aloop dummy; do
				set -- $(pair_of $drv)
				line=$(vcpcm-roundtrip -P $1 -C $2 $(access_flag $access) --from $p --to $p \
					-s "${BENCH_RT_SECONDS:-5}" 2>>"$out/rtrate-$drv.log")
				echo "driver=$drv round=$round period=$p $line" | tee -a "$out/rtrate.txt"
			done
		done
	done
	round=$((round + 1))
done
# The timer-scheduled client: as many rounds, interleaved too (one 10 s run per driver
# and quantum is at the mercy of the rig's stalls).
round=1
while [ -n "$quanta" ] && [ $round -le "$rounds" ]; do
	for q in $quanta; do
		for drv in vcpcm aloop dummy; do
			set -- $(pair_of $drv)
			# Its findings (lost audio) go to the log: one result line per run.
			echo "driver=$drv round=$round $(vcpcm-roundtrip -P $1 -C $2 --quantum $q -s 10 \
				2>>"$out/tsched-$drv.log")" | tee -a "$out/tsched.txt"
		done
	done
	round=$((round + 1))
done
remote_down

# Kernel CPU: system + irq + softirq ticks of /proc/stat over a window while every
# substream streams (8 playback + 8 capture), against an idle window of the same length.
kernel_ticks() { awk '/^cpu /{ print $4 + $7 + $8 }' /proc/stat; }
# snd-vcpcm's emulated remote counts the CPU time its model takes (work a real remote does).
model_ns() { cat /sys/kernel/debug/snd-vcpcm/card*/model_ns 2>/dev/null || echo 0; }
uptime_s() { cut -d' ' -f1 /proc/uptime; }
measure() {	# name
	sleep 1	# let every stream get going
	# The host reads the VM's own CPU time at these marks (bench.sh: host-cpu.txt).
	echo "@@cpu begin $1"
	a=$(kernel_ticks) t0=$(uptime_s) m0=$(model_ns)
	sleep "$cpusecs"
	b=$(kernel_ticks) t1=$(uptime_s) m1=$(model_ns)
	echo "@@cpu end $1"
	echo "driver=$1 kernel_ticks=$((b - a)) seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}') user_hz=100 streams=$2 format=$3 remote_model_ns=$((m1 - m0)) params=$4" |
		tee -a "$out/cpu.txt"
}
part cpu && measure idle 0 none
run=$((cpusecs + 3))
geometry="--period-size=8192 --buffer-size=16384"
# vcpcm_bulk: snd-vcpcm reloaded as a remote with bulk transfers (a message per transfer,
# not 4000-byte pieces): what the CPU figure depends on, measured beside the default.
bulk=${BENCH_CPU_BULK_PARAMS-"max_payload=65536"}
loaded=default
cmap=
[ "${BENCH_CONTROL_MMAP:-0}" = 1 ] && cmap=control_mmap=1
load_vcpcm() {	# default|bulk|cmap; fails when the bulk parameters are refused
	[ "$loaded" = "$1" ] && return 0
	rmmod snd-vcpcm || { echo "error: rmmod snd-vcpcm"; exit 1; }
	loaded=$1
	[ "$1" = bulk ] && modprobe snd-vcpcm $VCPCM_PARAMS $bulk && return 0
	[ "$1" = bulk ] && echo "note: snd-vcpcm refused '$bulk' with '$VCPCM_PARAMS': no vcpcm_bulk windows"
	[ "$1" = cmap ] && modprobe snd-vcpcm $VCPCM_PARAMS $cmap && return 0
	loaded=default
	modprobe snd-vcpcm $VCPCM_PARAMS || { echo "error: modprobe snd-vcpcm"; exit 1; }
	[ "$1" = default ]
}
# Every substream of a driver streaming for SECONDS: stream_all DRIVER ACCESS SECONDS (in the background).
stream_all() {
	i=0 spids=
	while [ $i -lt 8 ]; do
		case $1 in
		vcpcm*) p=hw:vcpcm,0,$i c=hw:vcpcm,0,$i pch=8 cch=8 ;;
		vremote*) p=hw:vremote,0,$i c=hw:vremote,0,$i pch=8 cch=8 ;;
		aloop) p=hw:Loopback,0,$i c=hw:Loopback,1,$i pch=8 cch=8 ;;
		dummy) p=hw:Dummy_1,0,$i c=hw:Dummy_1,0,$i pch=10 cch=10 ;;
		esac
		# The same period and buffer for every driver (43 ms, 85 ms; snd-dummy: its largest): each driver's
		# defaults differ, and the wakeups per second with them.
		aplay -q $2 -D $p -t raw -f S32_LE -r 192000 -c $pch -d $3 $geometry /dev/zero 2>>"$out/cpu-err-$1.txt" &
		spids="$spids $!"
		arecord -q $2 -D $c -t raw -f S32_LE -r 192000 -c $cch -d $3 $geometry /dev/null 2>>"$out/cpu-err-$1.txt" &
		spids="$spids $!"
		i=$((i + 1))
	done
}
# The user-space remote against the emulated one (issue #12): guest CPU (user + system +
# irq + softirq of /proc/stat: the emulated remote runs in the kernel, a user-space one in
# both) under two loads, and what /dev/vcpcm copied: payload bytes into its queue (the
# one copy an mmap reader needs), again by read(), from the process into the card's
# buffers, and of those twice. vremote maps its queue; vremote_read reads it with read().
#   light: one pair, S16_LE 48 kHz 2 ch (period 1024, buffer 4096), a desktop stream
#   heavy: the CPU windows' load below (8 pairs, S32_LE 192 kHz 8 ch)
# errors: the lines aplay/arecord printed in the window (an xrun each, mostly).
all_ticks() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
copies() { cat /sys/kernel/debug/snd-vcpcm/user$remote/copies 2>/dev/null | tr '\n' ' '; }
copies_delta() {	# BEFORE AFTER ("queued N read N ...") -> queued_bytes=N read_bytes=N ...
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(a, x, " "); for (i = 1; i < n; i += 2) k[x[i]] = x[i + 1]
		n = split(b, y, " "); for (i = 1; i < n; i += 2) printf "%s_bytes=%.0f ", y[i], y[i + 1] - k[y[i]] }'
}
stream_pair() {	# DRIVER SECONDS: pair 0, S16_LE 48 kHz 2 ch, in the background
	card=vcpcm
	case $1 in vremote*) card=vremote ;; esac
	light="-t raw -f S16_LE -r 48000 -c 2 -d $2 --period-size=1024 --buffer-size=4096"
	aplay -q -D hw:$card,0,0 $light /dev/zero 2>>"$out/remote-err.txt" &
	spids=$!
	arecord -q -D hw:$card,0,0 $light /dev/null 2>>"$out/remote-err.txt" &
	spids="$spids $!"
}
rounds=${BENCH_CPU_ROUNDS:-3}
part remote || rounds=0
command -v vcpcm-remote >/dev/null || rounds=0
while [ "$rounds" -gt 0 ]; do
	for load in light heavy; do
		for drv in vcpcm vremote vremote_read; do
			case $drv in
			vremote) remote_up -n 8 || break ;;
			vremote_read) remote_up -n 8 --read || break ;;
			esac
			: >"$out/remote-err.txt"
			if [ $load = light ]; then
				stream_pair $drv $run
				streams=2 format=S16_LE/48000/2ch/period1024/buffer4096
			else
				stream_all $drv "" $run 2>>"$out/remote-err.txt"
				streams=16 format=S32_LE/192000/8ch/period8192/buffer16384
			fi
			sleep 1
			a=$(all_ticks) t0=$(uptime_s) c0=
			[ -n "$remote" ] && c0=$(copies)
			sleep "$cpusecs"
			b=$(all_ticks) t1=$(uptime_s) c1=
			[ -n "$remote" ] && c1=$(copies)
			wait $spids
			[ $load = heavy ] && cat "$out/cpu-err-$drv.txt" >>"$out/remote-err.txt" 2>/dev/null &&
				: >"$out/cpu-err-$drv.txt"
			echo "load=$load driver=$drv all_ticks=$((b - a)) seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}') user_hz=100 streams=$streams format=$format errors=$(grep -c . "$out/remote-err.txt") $(copies_delta "$c0" "$c1")" |
				tee -a "$out/remote.txt"
			remote_down
		done
	done
	rounds=$((rounds - 1))
done

# Rounds, interleaved, so a slow stretch of the host does not fall on one driver only.
rounds=${BENCH_CPU_ROUNDS:-3}
part cpu || rounds=0
order=
while [ "$rounds" -gt 0 ]; do
	order="$order vcpcm aloop dummy${bulk:+ vcpcm_bulk}${cmap:+ vcpcm_mmap vcpcm_cmap}"
	rounds=$((rounds - 1))
done
for drv in $order; do
	# vcpcm_mmap and vcpcm_cmap: aplay -M / arecord -M, the default against control_mmap=1
	# (where alsa-lib commits by memory writes and no .ack comes).
	access=
	case $drv in
	vcpcm) load_vcpcm default; params=$(echo $VCPCM_PARAMS | tr ' ' ,) ;;
	vcpcm_mmap) load_vcpcm default; params=$(echo $VCPCM_PARAMS | tr ' ' ,); access=-M ;;
	vcpcm_bulk)
		[ -n "$bulk" ] || continue	# refused in an earlier round
		if ! load_vcpcm bulk; then bulk=; continue; fi
		params=$(echo $VCPCM_PARAMS $bulk | tr ' ' ,) ;;
	vcpcm_cmap) load_vcpcm cmap || { echo "error: modprobe snd-vcpcm $cmap"; exit 1; }
		params=$(echo $VCPCM_PARAMS $cmap | tr ' ' ,); access=-M ;;
	*) params= ;;
	esac
	stream_all $drv "$access" $run
	measure $drv 16 "S32_LE/192000/${pch}ch/period8192/buffer16384${access:+/mmap}" "$params"
	wait
done

# Interrupts-off time under the heaviest load (issue #16): cyclictest beside every
# substream streaming (8 pairs, S32_LE 192 kHz, 8 ch), per driver, in the same boot.
# A timer interrupt is held back by any section that runs with interrupts off (snd-vcpcm's
# emulated remote ticks in hard-IRQ context and copies under a spinlock): the longest
# wakeup latency bounds the longest such section from above.
part irq || exit 0
command -v cyclictest >/dev/null || exit 0
load_vcpcm default
for drv in idle vcpcm aloop dummy; do
	[ $drv = idle ] || stream_all $drv "" $run
	sleep 1
	cyclictest -q -m -p 80 -i 1000 -D "$cpusecs" -h 25000 >"$out/irq-latency-$drv.txt" 2>/dev/null ||
		echo "cyclictest failed" >>"$out/irq-latency-$drv.txt"
	echo "irq-latency $drv: $(grep 'Max Latencies' "$out/irq-latency-$drv.txt")"
	wait
done
true

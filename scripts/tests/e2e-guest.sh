#!/bin/sh
# snd-vcpcm end to end, run INSIDE a test VM (UML or QEMU, busybox sh is
# enough). Prints one "PASS: name" or "FAIL: name" line per check; the
# host side (scripts/test-e2e.sh) counts them. Needs loopback.sh and
# vcpcm-pattern on PATH.
dev=hw:vcpcm,0 card=vcpcm on=
. /tmp/bin/guest-lib.sh
# Run a command that must fail; keep its message for the log.
refused() {
	if "$@" >/tmp/refused.log 2>&1; then
		return 1
	fi
	sed 's/^/    /' /tmp/refused.log
	return 0
}
card_present() { grep -q '\[vcpcm *\]' /proc/asound/cards; }
module_loaded() { grep -q '^snd_vcpcm ' /proc/modules; }

if ! modprobe snd-vcpcm; then
	ko "modprobe snd-vcpcm"
	exit 1
fi
ok "modprobe snd-vcpcm (no parameters)"
check "card vcpcm has a playback and a capture substream" sh -c '
	grep -q "\[vcpcm *\]" /proc/asound/cards &&
	test -d /proc/asound/vcpcm/pcm0p/sub0 && test -d /proc/asound/vcpcm/pcm0c/sub0'

check "aplay -M / arecord -M loopback, S16_LE 48000 Hz 2 ch, bit-exact" \
	loopback.sh --play-dev $dev --cap-dev $dev --format S16_LE --rate 48000 --channels 2 --mmap
check "aplay / arecord (RW) loopback, S16_LE 48000 Hz 2 ch, bit-exact" \
	loopback.sh --play-dev $dev --cap-dev $dev --format S16_LE --rate 48000 --channels 2
check "aplay -M / arecord -M loopback, S32_LE 44100 Hz 1 ch, bit-exact" \
	loopback.sh --play-dev $dev --cap-dev $dev --format S32_LE --rate 44100 --channels 1 --mmap
check "aplay / arecord (RW) loopback, S32_LE 44100 Hz 2 ch, bit-exact" \
	loopback.sh --play-dev $dev --cap-dev $dev --format S32_LE --rate 44100 --channels 2

# dmix: two clients mix into our playback; the capture must be their
# saturated sum. (dmix runs its slave free: stop_threshold = boundary,
# appl_ptr never moves.)
# Leading silence: a client's first frames may land where the slave has
# already sent (as with any DMA FIFO); only silence may be lost there.
dmix_run() {
	dmix=dmix:CARD=$card,DEV=0,SUBDEV=0,FORMAT=S16_LE,RATE=48000,CHANNELS=2
	vcpcm-pattern gen -f S16_LE -c 2 -n 24000 -s 21 --lead 14400 --pad 4800 -o /tmp/mix21.raw
	vcpcm-pattern gen -f S16_LE -c 2 -n 24000 -s 22 --lead 19200 --pad 4800 -o /tmp/mix22.raw
	# Not -q: an xrun of a client or of the recorder is said on stderr ("underrun!!!").
	arecord -D $dev -t raw -f S16_LE -r 48000 -c 2 -s 120000 /tmp/mixcap.raw 2>/tmp/mixcap.err &
	rec=$!
	sleep 0.5
	aplay -D $dmix -t raw -f S16_LE -r 48000 -c 2 /tmp/mix21.raw 2>/tmp/mix21.err &
	p1=$!
	aplay -D $dmix -t raw -f S16_LE -r 48000 -c 2 /tmp/mix22.raw 2>/tmp/mix22.err
	p2rc=$?
	wait $p1
	p1rc=$?
	wait $rec
	vcpcm-pattern verify-mix -f S16_LE -c 2 -n 24000 -s 21 --seed2 22 /tmp/mixcap.raw >/tmp/mix.txt
	mixrc=$?
	sed 's/^/    /' /tmp/mix.txt /tmp/mix21.err /tmp/mix22.err /tmp/mixcap.err
}
# How many times the driver has stopped a stream as an xrun (dmesg).
xrun_lines() { dmesg | grep -c 'stopping the stream (xrun)'; }
dmix_check() {
	tries=1
	before=$(xrun_lines)
	dmix_run
	# On a slow emulated machine a stall may outlast the lead the driver keeps at
	# the remote: an xrun, which the applications are told of (EPIPE, and they say
	# so) or, when it comes during aplay's drain (whose result aplay ignores), only
	# dmesg. Nothing is lost silently, but the sum cannot be exact: run it again,
	# at most twice. A mismatch without an xrun fails at once.
	while [ "$p1rc$p2rc$mixrc" != 000 ] && [ $tries -le 2 ] &&
		{ grep -q 'run!!!' /tmp/mix21.err /tmp/mix22.err /tmp/mixcap.err ||
			[ "$(xrun_lines)" -gt "$before" ]; }; do
		dmesg | grep 'stopping the stream (xrun)' | tail -n 3 | sed 's/^/    /'
		tries=$((tries + 1))
		echo "    an xrun was reported (above): the mix is tried again (try $tries)"
		before=$(xrun_lines)
		dmix_run
	done
	check "${on}dmix: two clients at once, capture = their saturated sum, bit-exact" \
		test "$p1rc$p2rc$mixrc" = 000
}

# JACK (jackd2's ALSA backend: mmap, and on x86 the mapped control record when
# the driver allows it) on playback 0 and capture 0, with jack_iodelay's signal
# going round through the loopback: a fixed round trip of JACK's own 3 periods
# (2 playback + 1 capture), nothing extra. $1: whether jackd must have mapped the
# control record (yes|no).
jack_check() {
	JACK_NO_AUDIO_RESERVATION=1 jackd -n vcpcm -d alsa -P $dev,0 -C $dev,0 -r 48000 -p 1024 -n 2 \
		>/tmp/jackd.txt 2>&1 &
	jp=$!
	export JACK_DEFAULT_SERVER=vcpcm JACK_NO_START_SERVER=1
	i=0
	while [ $i -lt 20 ] && ! jack_lsp >/dev/null 2>&1; do sleep 0.5; i=$((i + 1)); done
	# 0x81000000 is the control record's mmap offset (0x80000000: the status record).
	cmap=no
	grep -q ' 81000000 .*/dev/snd/pcmC' /proc/$jp/maps && cmap=yes
	# jack_iodelay prints forever, to a buffer unless told not to.
	timeout 6 stdbuf -oL jack_iodelay >/tmp/iodelay.txt 2>&1 &
	ip=$!
	sleep 1
	jack_connect jack_delay:out system:playback_1 && jack_connect system:capture_1 jack_delay:in
	crc=$?
	wait $ip
	kill $jp
	wait $jp
	unset JACK_DEFAULT_SERVER JACK_NO_START_SERVER
	tail -n 4 /tmp/iodelay.txt | sed 's/^/    /'
	grep -i 'xrun\|error' /tmp/jackd.txt | sed 's/^/    /'
	# A reading: "  3072.000 frames  64.000 ms total roundtrip latency", two
	# more lines, the last ending in "??" when iodelay itself doubts it (its
	# error estimate is high: the signal has only just arrived). Doubted
	# readings may come first; after that every reading must be 3072 frames.
	awk -v crc=$crc '/total roundtrip latency/ { v = $1; pending = 1 }
		/for the backend arguments/ && pending { pending = 0
			if (/\?\?/) { if (n) bad++; next }
			n++; if (v < 3071.5 || v > 3072.5) bad++ }
		END { exit !(crc == 0 && n >= 3 && !bad) }' /tmp/iodelay.txt
	jrc=$?
	what="default: jackd leaves the control record unmapped"
	[ "$1" = no ] || what="control_mmap=1: jackd maps the control record"
	check "JACK ($what): jack_iodelay through the loopback, round trip 3 periods exactly" \
		test "$jrc/$cmap" = "0/$1"
}

# The Raspberry Pi machine models (VCPCM_E2E_SUITE=board): TCG runs them at a
# fraction of a real Pi's speed, so after the loopbacks above only dmix and the
# unload; the full suite runs on the faster targets.
if [ "${VCPCM_E2E_SUITE:-full}" = board ]; then
	dmix_check
	check "rmmod snd-vcpcm" rmmod snd-vcpcm
	check "no card left after rmmod" sh -c '! grep -q "\[vcpcm *\]" /proc/asound/cards'
	exit $failed
fi

# A loopback that failed with an xrun the application saw (the slowest rigs,
# QEMU TCG at 6 MB/s, stall for 10-15 ms now and then) is run again, at most
# twice: the rig's time, not the driver's data. A capture that is wrong
# without an xrun fails at once.
retry_after_xrun() {
	tries=0
	while :; do
		"$@" >/tmp/retry.txt 2>&1 && { cat /tmp/retry.txt; return 0; }
		cat /tmp/retry.txt
		tries=$((tries + 1))
		grep -q 'xrun_msgs=[1-9]' /tmp/retry.txt && [ $tries -le 2 ] || return 1
		echo "    (an xrun the application saw: run again, try $((tries + 1)))"
	done
}

# The suite any card must pass, whatever its remote: $card is the card's id,
# $dev its PCM, $on a prefix for the check names.
card_suite() {
	# The loopback matrix: every format, every access mode (MMAP/RW x interleaved/
	# non-interleaved), 1/2/6/8 channels, 8 k/44.1 k/48 k/96 k/192 k, each
	# combination half a second of pattern, bit-exact.
	while read -r fmt rate ch access; do
		case $access in
		mmap) flags=--mmap ;;
		rw) flags= ;;
		mmap-ni) flags="--mmap --noninterleaved" ;;
		rw-ni) flags=--noninterleaved ;;
		esac
		# shellcheck disable=SC2086
		check "${on}matrix: $fmt $rate Hz $ch ch $access, bit-exact" \
			retry_after_xrun loopback.sh --play-dev $dev --cap-dev $dev --format "$fmt" \
			--rate "$rate" --channels "$ch" --frames $((rate / 2)) --seed "$rate$ch" $flags
	done <<-'EOF_MATRIX'
	U8 8000 1 mmap
	U8 96000 2 rw
	S16_LE 44100 2 rw-ni
	S16_LE 192000 2 mmap-ni
	S24_LE 96000 6 mmap-ni
	S24_LE 44100 1 rw-ni
	S32_LE 192000 8 mmap
	S32_LE 48000 6 rw-ni
	FLOAT_LE 48000 8 rw
	FLOAT_LE 8000 6 mmap-ni
	EOF_MATRIX

	# All substream pairs at once (playback N loops back to capture N).
	pairs=$(ls -d /proc/asound/$card/pcm0p/sub* | wc -l)
	check "${on}the card has 8 playback/capture pairs" test "$pairs" = 8
	i=0
	while [ $i -lt "$pairs" ]; do
		# Short patterns, long capture windows: starting 16 programs at once
		# on a slow (emulated, sanitized) guest takes seconds.
		loopback.sh --play-dev $dev,$i --cap-dev $dev,$i --format S16_LE --rate 48000 \
			--channels 2 --mmap --seed $((i + 11)) --frames 24000 --slack-ms 8000 \
			>/tmp/pair$i.log 2>&1 &
		pair_pids="$pair_pids $!"
		i=$((i + 1))
	done
	# Only these: a user-space remote may be running in the background too.
	wait $pair_pids
	pair_pids=
	i=0
	while [ $i -lt "$pairs" ]; do
		check "${on}pair $i of $pairs streaming together, bit-exact" grep -q '^PASS' /tmp/pair$i.log
		grep -q '^PASS' /tmp/pair$i.log || cat /tmp/pair$i.log
		i=$((i + 1))
	done

	dmix_check

	# dsnoop: two clients capture the same data.
	dsnoop=dsnoop:CARD=$card,DEV=0,SUBDEV=0,FORMAT=S16_LE,RATE=48000
	vcpcm-pattern gen -f S16_LE -c 2 -n 24000 -s 23 --pad 4800 -o /tmp/snoop.raw
	for i in 1 2; do
		arecord -q -D $dsnoop -t raw -f S16_LE -r 48000 -c 2 -s 96000 /tmp/snoop$i.raw \
			2>/tmp/snoop$i.err &
		eval "snoop$i=\$!"
	done
	sleep 1
	aplay -q -D $dev -t raw -f S16_LE -r 48000 -c 2 /tmp/snoop.raw
	wait $snoop1 $snoop2
	for i in 1 2; do
		check "${on}dsnoop: client $i of 2 captures the played pattern bit-exact" sh -c "
			vcpcm-pattern verify -f S16_LE -c 2 -n 24000 -s 23 /tmp/snoop$i.raw | tee /tmp/snoop$i.txt |
				grep -q ^PASS || { cat /tmp/snoop$i.txt /tmp/snoop$i.err; exit 1; }"
	done

	# Stream control through alsa-lib (scripts/tools/vcpcm-pcmcheck.c).
	logged "${on}drain ends within queued/rate + 20 ms" \
		vcpcm-pcmcheck drain -D $dev -n 12000
	logged "${on}pause freezes the position, resume continues, no xrun" \
		vcpcm-pcmcheck pause -D $dev --pause-ms 300
	logged "${on}what is written while paused plays after resume (drain in time, no error)" \
		vcpcm-pcmcheck pause-write -D $dev --pause-ms 200
	logged "${on}snd_pcm_reset() on a running stream: it keeps running, no xrun" \
		vcpcm-pcmcheck reset -D $dev
}

card_suite

# Stress (VCPCM_E2E_STRESS=N): the slowest matrix case N times. Every run must
# come back bit-exact, or with an xrun the application saw: never silence
# inserted or data lost without one.
if [ "${VCPCM_E2E_STRESS:-0}" -gt 0 ]; then
	n=0 exact=0 xrun=0 silent=0
	while [ $n -lt "$VCPCM_E2E_STRESS" ]; do
		n=$((n + 1))
		dmesg -c >/dev/null 2>&1
		loopback.sh --play-dev $dev --cap-dev $dev --format S32_LE --rate 192000 \
			--channels 8 --frames 96000 --seed "$n" --mmap >/tmp/stress.txt 2>&1
		if grep -q '^PASS' /tmp/stress.txt; then
			exact=$((exact + 1))
		elif grep -q 'xrun_msgs=[1-9]' /tmp/stress.txt; then
			xrun=$((xrun + 1))
			# Which side, and why (the driver's dmesg line).
			grep -o 'xrun_msgs=[0-9]* :: [A-Z]* .*mismatched_frames=[0-9]*' /tmp/stress.txt |
				sed 's/^/    xrun: /'
			dmesg | grep 'stopping the stream' | tail -n 1 | sed 's/^/    xrun: /'
		else
			silent=$((silent + 1))
			sed 's/^/    /' /tmp/stress.txt
		fi
	done
	echo "    stress S32_LE 192000 Hz 8 ch mmap: $n runs, $exact bit-exact, $xrun with an xrun the application saw, $silent wrong without one"
	check "stress: S32_LE 192000 Hz 8 ch mmap x $n, never wrong without an xrun" test $silent = 0
fi

# Statistics while a stream runs.
aplay -q -D $dev -t raw -f S16_LE -r 48000 -c 2 -d 2 /dev/zero &
sleep 1
cp /proc/asound/vcpcm/vcpcm /tmp/stats.txt
wait
check "/proc/asound/vcpcm/vcpcm shows the running stream and its counters" sh -c '
	grep -q "^playback 0: running" /tmp/stats.txt &&
	grep -A2 "^playback 0:" /tmp/stats.txt | grep -Eq "bytes: [1-9][0-9]* sent, [1-9][0-9]* consumed"'
sed 's/^/    /' /tmp/stats.txt | head -n 8

# alsabat: plays a sine through our playback, captures it, and checks the
# frequency it finds (FFT) in the capture.
alsabat -P $dev -C $dev -c 2 -r 48000 -f S16_LE -F 997 -n 1s >/tmp/bat.txt 2>&1
batrc=$?
grep -E 'Detected|PASS|FAIL|Return value' /tmp/bat.txt | sed 's/^/    /'
check "alsabat loopback analysis (997 Hz, 2 ch)" test $batrc = 0

# speaker-test, as a user tries a new card: a sine on each channel, no error.
check "speaker-test: sine on 2 channels, one loop" \
	timeout 30 speaker-test -D $dev -c 2 -r 48000 -F S16_LE -t sine -l 1

for access in "" --mmap; do
	logged "snd_pcm_reset() on a full prepared buffer, filled again: it plays, no xrun (${access:-RW})" \
		vcpcm-pcmcheck reset-prepared -D $dev $access
done

# Mixer: the remote applies volume and mute to what it plays, so the
# capture shows the effect.
capture_tone() {
	vcpcm-pattern tone -f S16_LE -c 2 -n 24000 -r 48000 --amp 0.5 -o /tmp/tone.raw
	arecord -q -D $dev -t raw -f S16_LE -r 48000 -c 2 -s 48000 /tmp/cap.raw &
	aplay -q -D $dev -t raw -f S16_LE -r 48000 -c 2 /tmp/tone.raw
	wait
	vcpcm-pattern level -f S16_LE -c 2 /tmp/cap.raw | sed 's/rms_dbfs=\([^ ]*\).*/\1/'
}
check "mixer controls: PCM Playback Volume, Switch, Route" sh -c '
	amixer -c vcpcm controls > /tmp/ctl.txt &&
	grep -q "PCM Playback Volume" /tmp/ctl.txt && grep -q "PCM Playback Switch" /tmp/ctl.txt &&
	grep -q "PCM Playback Route" /tmp/ctl.txt'
check "volume has a dB scale (-102.39 .. 0 dB)" sh -c '
	amixer -c vcpcm cget name="PCM Playback Volume" | grep -q "dBscale-min=-102.39dB,step=0.01dB,mute=1" &&
	amixer -c vcpcm cget name="PCM Playback Volume" | grep -q "min=-10239,max=0,"'
# 100 % is what a sound server sets at full volume: it must not amplify, so a
# full-scale pattern comes back bit-exact (nothing scaled, nothing clipped).
amixer -q -c vcpcm cset name='PCM Playback Volume' 100%
check "volume at 100 %: a full-scale pattern loops back bit-exact" \
	loopback.sh --play-dev $dev --cap-dev $dev --format S16_LE --rate 48000 --channels 2
full=$(capture_tone)
amixer -q -c vcpcm cset name='PCM Playback Volume' -- -600
attenuated=$(capture_tone)
echo "    level at 0 dB: $full dBFS, at -6.00 dB: $attenuated dBFS"
check "volume -6.00 dB lowers the captured level by 6 dB (+-0.5)" \
	awk -v a="$full" -v b="$attenuated" 'BEGIN { d = a - b; exit !(d > 5.5 && d < 6.5) }'
amixer -q -c vcpcm cset name='PCM Playback Volume' 0
amixer -q -c vcpcm cset name='PCM Playback Switch' off
muted=$(capture_tone)
check "switch off: the capture is silent" test "$muted" = "-inf"
amixer -q -c vcpcm cset name='PCM Playback Switch' on
check "volume and switch read back" sh -c '
	amixer -c vcpcm cget name="PCM Playback Volume" | grep -q ": values=0" &&
	amixer -c vcpcm cget name="PCM Playback Switch" | grep -q ": values=on"'

# Impossible hw_params: the constraints refuse them (-EINVAL in hw_refine).
check "hw_params: 9 channels refused" \
	refused aplay -q -D $dev -t raw -f S16_LE -r 48000 -c 9 -d 1 /dev/zero
check "hw_params: S24_3LE refused" \
	refused aplay -q -D $dev -t raw -f S24_3LE -r 48000 -c 2 -d 1 /dev/zero

# System suspend while streaming: the PM core suspends the card (pm_test
# "devices" runs the device suspend/resume path for real, then resumes);
# the application sees -ESTRPIPE, re-prepares and plays on.
if [ -w /sys/power/pm_test ]; then
	echo 1 >/sys/module/suspend/parameters/pm_test_delay 2>/dev/null || true
	vcpcm-pcmcheck suspend -D $dev --seconds 6 >/tmp/susp.txt &
	sp=$!
	sleep 2
	echo devices >/sys/power/pm_test
	echo freeze >/sys/power/state 2>/tmp/susp.err
	susprc=$?
	echo none >/sys/power/pm_test
	wait $sp
	sprc=$?
	sed 's/^/    /' /tmp/susp.txt /tmp/susp.err
	dmesg | grep -E 'PM: suspend (entry|exit)|suspend debug' | tail -n 3 | sed 's/^/    /'
	check "suspend/resume (pm_test=devices) while streaming: the stream re-prepares and plays on" \
		test "$susprc$sprc" = 00
	check "after resume: the card is still there" card_present
	check "after resume: loopback bit-exact" loopback.sh --play-dev $dev --cap-dev $dev \
		--format S16_LE --rate 48000 --channels 2 --mmap --frames 24000
elif [ "${VCPCM_E2E_SUSPEND:-1}" = 1 ]; then
	ko "suspend/resume: /sys/power/pm_test is missing (kernel without CONFIG_PM_DEBUG)"
fi
# The card is built from what its remote announces, and positions move only
# at the remote's reports: ALSA must never grant a period shorter than the
# report interval (tick_us for the emulated remote), nor a buffer under two.
# aplay asks for a 2-frame period; what ALSA grants is checked.
period_floor_check() { # rate channels format tick_us
	aplay -v -D $dev -t raw -r $1 -c $2 -f $3 --period-size=2 --buffer-size=4 -d 1 \
		/dev/zero >/tmp/floor.txt 2>&1
	floor_rc=$?
	period=$(awk '$1 == "period_size" { print $3; exit }' /tmp/floor.txt)
	buffer=$(awk '$1 == "buffer_size" { print $3; exit }' /tmp/floor.txt)
	want=$((($4 * $1 + 999999) / 1000000))
	echo "    asked 2/4 frames at $1 Hz $2 ch $3: granted period ${period:-none}, buffer ${buffer:-none} (floor $want)"
	check "tick_us=$4, $1 Hz $2 ch $3: a 2-frame period is raised to the report interval ($want frames), the buffer to two, and plays" \
		test "$floor_rc" = 0 -a "${period:-0}" -ge $want -a "${buffer:-0}" -ge $((2 * want))
}
period_floor_check 192000 8 S32_LE 250
period_floor_check 48000 2 S16_LE 250

# ---- A user-space process as the remote (/dev/vcpcm and vcpcm-remote) ----
# vcpcm-remote in loopback mode (user_remote_mode_up, guest-lib.sh): card $1, options follow.
user_remote_up() {
	rid=$1
	shift
	user_remote_mode_up "$rid" loopback "$@"
}
# Card $1 disappears within $2 tenths of a second.
card_gone_within() {
	n=0
	while grep -q "\[$1 *\]" /proc/asound/cards; do
		n=$((n + 1))
		[ $n -le "$2" ] || return 1
		sleep 0.1
	done
}
# Milliseconds since boot (10 ms steps): busybox's date has no %N.
now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }

if [ "${VCPCM_E2E_USER:-full}" != none ]; then
	check "/dev/vcpcm exists, for root only (crw-------)" sh -c 'ls -l /dev/vcpcm | grep -q "^crw------- .* root "'
	if command -v setpriv >/dev/null; then
		check "a process that is not root cannot create a card (EACCES)" \
			refused setpriv --reuid 65534 --regid 65534 --clear-groups vcpcm-remote --id nobody loopback
	fi
	check "user-space remote: vcpcm-remote -n 8 connects, card uvcpcm appears" user_remote_up uvcpcm -n 8
	full=$remote
	card=uvcpcm on="user-space remote: " dev=hw:uvcpcm,0
	if [ "${VCPCM_E2E_USER:-full}" = full ]; then
		card_suite
	else
		check "${on}aplay -M / arecord -M loopback, S16_LE 48000 Hz 2 ch, bit-exact" \
			retry_after_xrun loopback.sh --play-dev $dev --cap-dev $dev --format S16_LE \
			--rate 48000 --channels 2 --mmap
		check "${on}aplay / arecord (RW) loopback, S32_LE 44100 Hz 2 ch, bit-exact" \
			retry_after_xrun loopback.sh --play-dev $dev --cap-dev $dev --format S32_LE \
			--rate 44100 --channels 2
	fi
	# One copy per byte each way: vcpcm-remote reads its queue in place (nothing read()
	# again) and its capture payloads are mapped (none bounced); debugfs counts them.
	copies=/sys/kernel/debug/snd-vcpcm/user$full/copies
	check "${on}one copy per byte: $(tr '\n' ' ' <$copies 2>/dev/null)(queued and received > 0, read and bounced 0)" \
		awk '{ v[$1] = $2 } END { exit !(v["queued"] > 0 && v["read"] == 0 && v["received"] > 0 && v["bounced"] == 0) }' $copies

	# A remote that announces less gets a card with exactly that, beside the first.
	check "a second remote (playback only, S16_LE only, 10 ms fixed cadence): card uvclimit appears beside uvcpcm" \
		user_remote_up uvclimit --no-capture -F S16_LE --fixed-cadence -t 10000
	limited=$remote
	check "uvclimit: one playback substream, no capture substream" \
		sh -c 'test -d /proc/asound/uvclimit/pcm0p/sub0 && ! test -e /proc/asound/uvclimit/pcm0c'
	check "uvclimit: S32_LE is refused (not announced)" \
		refused aplay -D hw:uvclimit -t raw -f S32_LE -r 48000 -c 2 -d 1 /dev/zero
	dev=hw:uvclimit,0 period_floor_check 48000 2 S16_LE 10000

	# A small FIFO (16 KiB, 10 ms reports) holds two reports of at most 819 200 B/s:
	# hw_params offers no faster stream.
	check "a remote with a 16 KiB FIFO and 10 ms reports: card uvsmall appears" \
		user_remote_up uvsmall --no-capture -f 16384 -t 10000
	small=$remote
	# aplay asks for the nearest rate: what it is granted tells the bound.
	small_rate() { # format channels rate
		aplay -v -D hw:uvsmall -t raw -f $1 -c $2 -r $3 -d 1 /dev/zero 2>&1 |
			awk '$1 == "rate" && $2 == ":" { print $3; exit }'
	}
	got=$(small_rate S32_LE 2 192000)
	check "uvsmall: 192000 Hz asked, 2 ch S32_LE: granted ${got:-none} Hz, at most 102400 (8 B frames)" \
		test "${got:-0}" -gt 0 -a "${got:-0}" -le 102400
	got=$(small_rate S16_LE 8 96000)
	check "uvsmall: 96000 Hz asked, 8 ch S16_LE: granted ${got:-none} Hz, at most 51200 (16 B frames)" \
		test "${got:-0}" -gt 0 -a "${got:-0}" -le 51200
	got=$(small_rate S16_LE 2 192000)
	check "uvsmall: 192000 Hz asked, 2 ch S16_LE (768 kB/s): granted ${got:-none} Hz" test "${got:-0}" = 192000
	check "uvsmall: 48000 Hz 2 ch S16_LE plays" \
		aplay -q -D hw:uvsmall -t raw -f S16_LE -r 48000 -c 2 -d 1 /dev/zero
	kill $small
	wait $small

	# The remote dies mid-stream: its applications error out at once, its card goes.
	dev=hw:uvcpcm,0
	aplay -D $dev -t raw -f S16_LE -r 48000 -c 2 -d 20 /dev/zero 2>/tmp/killed.err &
	app=$!
	sleep 1
	t0=$(now_ms)
	kill -9 $full
	wait $app
	apprc=$?
	ms=$(($(now_ms) - t0))
	sed 's/^/    /' /tmp/killed.err
	check "kill -9 of the remote mid-stream: aplay ends with an error within 1 s ($ms ms)" \
		test $apprc != 0 -a $ms -le 1000
	check "kill -9: card uvcpcm is gone within 1 s" card_gone_within uvcpcm 10
	check "kill -9: the other remote's card plays on" \
		aplay -q -D hw:uvclimit -t raw -f S16_LE -r 48000 -c 2 -d 1 /dev/zero
	check "reconnect: a new remote gets card uvcpcm again" user_remote_up uvcpcm
	full=$remote
	check "reconnect: aplay -M / arecord -M loopback bit-exact" \
		retry_after_xrun loopback.sh --play-dev $dev --cap-dev $dev --format S16_LE \
		--rate 48000 --channels 2 --mmap --frames 24000

	# A remote that stops reading (SIGSTOP): its streams xrun, nothing hangs.
	aplay -D $dev -t raw -f S16_LE -r 48000 -c 2 -d 20 /dev/zero 2>/tmp/stopped.err &
	app=$!
	sleep 1
	dmesg -c >/dev/null
	kill -STOP $full
	sleep 3
	check "a remote that stops reading: its stream xruns with a dmesg line" \
		sh -c 'dmesg | grep -E "no report from the remote|does not read" | sed "s/^/    /" | grep -q .'
	t0=$(now_ms)
	kill -9 $full
	wait $app
	ms=$(($(now_ms) - t0))
	check "... and when it is killed, the application ends within 1 s ($ms ms)" test $ms -le 1000
	check "... and its card goes" card_gone_within uvcpcm 10

	# The README's example remote (src/remote/example-remote.c), where it was built.
	if command -v example-remote >/dev/null; then
		example-remote 2>/tmp/example.log &
		example=$!
		n=0
		until grep -q '\[example *\]' /proc/asound/cards || [ $n -gt 50 ]; do
			n=$((n + 1))
			sleep 0.1
		done
		check "the README's example remote: aplay plays 1 s to its card" \
			aplay -q -D hw:example -t raw -f S16_LE -r 48000 -c 2 -d 1 /dev/zero
		logged "the README's example remote: drain ends within queued/rate + 30 ms (it reports every 10 ms)" \
			vcpcm-pcmcheck drain -D hw:example,0 -n 12000 --tolerance-ms 30
		kill $example
		wait $example
	fi
	check "rmmod while a remote is connected is refused (module in use)" refused rmmod snd-vcpcm
	check "... and the connected card stays" grep -q '\[uvclimit *\]' /proc/asound/cards
	kill -TERM $limited
	wait $limited
	check "SIGTERM: the remote exits cleanly (status 0)" test $? = 0
	check "... and its card goes" card_gone_within uvclimit 10
	dev=hw:vcpcm,0 card=vcpcm on=
fi

# ---- vcpcm-remote's wav and alsa modes ----
# End remote $1 with SIGTERM: its exit status.
remote_term() {
	kill -TERM "$1"
	wait "$1"
}
# Little-endian fields of a file (every guest is little-endian).
u16() { od -An -tu2 -j"$2" -N2 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j"$2" -N4 "$1" | tr -d ' '; }
str4() { dd if="$1" bs=1 skip="$2" count=4 2>/dev/null; }
fsize() { wc -c <"$1" | tr -d ' '; }
# FILE is a WAV as the wav mode writes S16_LE/S32_LE of 1-2 channels: RIFF, a 16-byte
# PCM fmt chunk with the stream's figures, data at byte 44; both sizes match the file.
wav_pcm_header_ok() { # FILE CHANNELS RATE BYTES_PER_SAMPLE
	f=$1 ch=$2 rate=$3 bps=$4
	sz=$(fsize "$f")
	[ "$(str4 "$f" 0)" = RIFF ] && [ "$(u32 "$f" 4)" = $((sz - 8)) ] && [ "$(str4 "$f" 8)" = WAVE ] &&
		[ "$(str4 "$f" 12)" = "fmt " ] && [ "$(u32 "$f" 16)" = 16 ] && [ "$(u16 "$f" 20)" = 1 ] &&
		[ "$(u16 "$f" 22)" = "$ch" ] && [ "$(u32 "$f" 24)" = "$rate" ] &&
		[ "$(u32 "$f" 28)" = $((rate * ch * bps)) ] && [ "$(u16 "$f" 32)" = $((ch * bps)) ] &&
		[ "$(u16 "$f" 34)" = $((8 * bps)) ] && [ "$(str4 "$f" 36)" = data ] &&
		[ "$(u32 "$f" 40)" = $((sz - 44)) ] && return 0
	echo "    not a PCM WAV of $ch ch, $rate Hz, $bps bytes a sample with sizes that match ($sz bytes):"
	od -Ax -tx1 -N44 "$f" | sed 's/^/    /'
	return 1
}

if [ "${VCPCM_E2E_USER:-full}" = full ]; then
	# wav: what aplay plays lands in DIR/playback-0.wav, bit-exact after the 44-byte header.
	rec=/tmp/wavrec
	rm -rf $rec && mkdir -p $rec
	check "wav mode: vcpcm-remote --record-dir: card uvwav appears" \
		user_remote_mode_up uvwav wav --record-dir $rec
	wavrem=$remote
	vcpcm-pattern gen -f S16_LE -c 2 -n 48000 -s 51 --pad 4800 -o /tmp/wavplay.raw
	check "wav mode: aplay plays 1 s of pattern to uvwav" \
		aplay -q -D hw:uvwav,0 -t raw -f S16_LE -r 48000 -c 2 /tmp/wavplay.raw
	check "wav mode: playback-0.wav is PCM S16_LE 48000 Hz 2 ch, its sizes right once aplay closed" \
		wav_pcm_header_ok $rec/playback-0.wav 2 48000 2
	tail -c +45 $rec/playback-0.wav >/tmp/wavrec.raw
	logged "wav mode: the WAV's data is what aplay played, bit-exact, then only silence" \
		vcpcm-pattern verify -f S16_LE -c 2 -n 48000 -s 51 --strict-tail /tmp/wavrec.raw
	cp $rec/playback-0.wav /tmp/wavsrc.wav	# served back below

	# SIGTERM while aplay plays: status 0, and the WAV it was writing is complete.
	vcpcm-pattern gen -f S32_LE -c 2 -n 441000 -s 52 -o /tmp/wavlong.raw
	aplay -q -D hw:uvwav,0 -t raw -f S32_LE -r 44100 -c 2 /tmp/wavlong.raw 2>/dev/null &
	app=$!
	sleep 2
	remote_term $wavrem
	rc=$?
	wait $app
	check "wav mode: SIGTERM mid-stream: the remote exits cleanly (status $rc)" test $rc = 0
	check "wav mode: ... and the WAV it was writing has a right header (S32_LE 44100 Hz 2 ch, sizes)" \
		wav_pcm_header_ok $rec/playback-0.wav 2 44100 4
	tail -c +45 $rec/playback-0.wav >/tmp/wavpart.raw
	check "wav mode: ... and holds the start of what aplay played, bit-exact ($(fsize /tmp/wavpart.raw) bytes)" \
		sh -c 'n=$(wc -c </tmp/wavpart.raw) && [ "$n" -gt 0 ] && head -c "$n" /tmp/wavlong.raw | cmp -s - /tmp/wavpart.raw'
	check "wav mode: ... and card uvwav goes" card_gone_within uvwav 10

	# Capture served from a WAV (the first recording): arecord gets its audio bit-exact.
	check "wav mode: vcpcm-remote --capture-wav: card uvwav appears again" \
		user_remote_mode_up uvwav wav --capture-wav /tmp/wavsrc.wav
	wavrem=$remote
	check "wav mode: arecord from uvwav records 2 s" \
		arecord -q -D hw:uvwav,0 -t raw -f S16_LE -r 48000 -c 2 -s 96000 /tmp/wavcap.raw
	logged "wav mode: capture served from the WAV: the pattern bit-exact, then silence" \
		vcpcm-pattern verify -f S16_LE -c 2 -n 48000 -s 51 --strict-tail /tmp/wavcap.raw
	check "wav mode: capture in another format than the WAV's fails (no conversion)" \
		refused arecord -q -D hw:uvwav,0 -t raw -f S32_LE -r 48000 -c 2 -s 4800 /tmp/wavbad.raw
	check "wav mode: ... and the remote's log says why" grep -q "refused (no conversion)" /tmp/remote-uvwav.log
	remote_term $wavrem
	check "wav mode: SIGTERM: status 0" test $? = 0
	check "wav mode: ... and card uvwav goes" card_gone_within uvwav 10

	# A capture-only remote (a microphone): capture substreams only, and no mixer (its
	# controls act on playback).
	check "a capture-only remote (wav --no-playback --capture-wav): card uvmic appears" \
		user_remote_mode_up uvmic wav --no-playback --capture-wav /tmp/wavsrc.wav
	micrem=$remote
	check "uvmic: a capture substream, no playback substream" \
		sh -c 'test -d /proc/asound/uvmic/pcm0c/sub0 && ! test -e /proc/asound/uvmic/pcm0p'
	check "uvmic: no mixer controls" sh -c 'out=$(amixer -c uvmic controls) && [ -z "$out" ]'
	check "uvmic: playing to it is refused (no playback substream)" \
		refused aplay -q -D hw:uvmic,0 -t raw -f S16_LE -r 48000 -c 2 -d 1 /dev/zero
	check "uvmic: arecord records 2 s" \
		arecord -q -D hw:uvmic,0 -t raw -f S16_LE -r 48000 -c 2 -s 96000 /tmp/miccap.raw
	logged "uvmic: what it records is the WAV, bit-exact, then silence" \
		vcpcm-pattern verify -f S16_LE -c 2 -n 48000 -s 51 --strict-tail /tmp/miccap.raw
	remote_term $micrem
	check "uvmic: SIGTERM: status 0" test $? = 0
	check "uvmic: ... and its card goes" card_gone_within uvmic 10
fi

# alsa: the card is a bridge to snd-aloop; playback pair 0 plays into hw:Loopback,0,0 (heard
# on hw:Loopback,1,0), capture pair 1 records from hw:Loopback,1,1 (what hw:Loopback,0,1 plays).
if [ "${VCPCM_E2E_USER:-full}" = full ] && ! vcpcm-remote --help | grep -q 'NOT IN THIS BUILD'; then
	check "modprobe snd-aloop" modprobe snd-aloop
	check "alsa mode: vcpcm-remote -n 2 on snd-aloop: card uvalsa appears" \
		user_remote_mode_up uvalsa alsa -n 2 --playback-device 'hw:Loopback,0,%n' \
		--capture-device 'hw:Loopback,1,%n'
	alsarem=$remote
	check "alsa mode: aplay into uvalsa comes out of snd-aloop bit-exact (S16_LE 48000 Hz 2 ch)" \
		retry_after_xrun loopback.sh --play-dev hw:uvalsa,0,0 --cap-dev hw:Loopback,1,0 \
		--format S16_LE --rate 48000 --channels 2
	check "alsa mode: aplay -M into uvalsa comes out of snd-aloop bit-exact (S32_LE 44100 Hz 2 ch)" \
		retry_after_xrun loopback.sh --play-dev hw:uvalsa,0,0 --cap-dev hw:Loopback,1,0 \
		--format S32_LE --rate 44100 --channels 2 --mmap
	check "alsa mode: what is played into snd-aloop is captured from uvalsa bit-exact (S16_LE 48000 Hz 2 ch)" \
		retry_after_xrun loopback.sh --play-dev hw:Loopback,0,1 --cap-dev hw:uvalsa,0,1 \
		--format S16_LE --rate 48000 --channels 2
	check "alsa mode: ... and with arecord -M (S32_LE 44100 Hz 2 ch)" \
		retry_after_xrun loopback.sh --play-dev hw:Loopback,0,1 --cap-dev hw:uvalsa,0,1 \
		--format S32_LE --rate 44100 --channels 2 --mmap
	# Ten seconds: paced by snd-aloop's clock, the two cards cannot drift apart.
	check "alsa mode: 10 s through both cards, bit-exact (no drift)" \
		retry_after_xrun loopback.sh --play-dev hw:uvalsa,0,0 --cap-dev hw:Loopback,1,0 \
		--format S16_LE --rate 48000 --channels 2 --frames 480000
	check "alsa mode: the card announces the devices' period and buffer (10 ms reports, 40 ms latency)" \
		grep -q 'every 10000 us, start latency 40000 us' /proc/asound/uvalsa/vcpcm
	remote_term $alsarem
	check "alsa mode: SIGTERM: status 0" test $? = 0
	check "alsa mode: ... and card uvalsa goes" card_gone_within uvalsa 10

	# A device that cannot be opened: the application's prepare fails, the remote runs on.
	check "alsa mode: a remote on a device that does not exist: card uvnodev appears" \
		user_remote_mode_up uvnodev alsa --no-capture --playback-device hw:NoSuchCard,0
	check "alsa mode: playing to it fails (its prepare), at once" \
		refused aplay -q -D hw:uvnodev,0 -t raw -f S16_LE -r 48000 -c 2 -d 1 /dev/zero
	check "alsa mode: ... the remote's log names the device, and it runs on" sh -c \
		"grep -q 'ALSA device hw:NoSuchCard,0): cannot open it' /tmp/remote-uvnodev.log && kill -0 $remote"
	remote_term $remote
	check "alsa mode: SIGTERM: status 0" test $? = 0
	rmmod snd-aloop
fi


check "rmmod snd-vcpcm" rmmod snd-vcpcm


# A KASAN kernel without KASAN_VMALLOC (our UML rig) reports a false
# global-out-of-bounds when any module is loaded again at the same address
# (in-tree snd-dummy does it too), so there the reload checks are left to
# the QEMU targets. They are not counted here.
if [ "${VCPCM_E2E_RELOAD:-1}" = 0 ]; then
	echo "note: module reload checks not run on this kernel (KASAN without KASAN_VMALLOC)"
	exit $failed
fi

# Bad module parameters, each just past either end of its range: a clear
# error, the load fails, nothing stays.
for bad in pcm_substreams=0 pcm_substreams=9 fifo_bytes=4095 fifo_bytes=1048577 tick_us=99 \
	tick_us=20001 latency_us=-1 latency_us=500001 buffer_kib=15 buffer_kib=4097 \
	max_payload=255 max_payload=65537; do
	name=${bad%%=*}
	check "modprobe snd-vcpcm $bad refused" refused modprobe snd-vcpcm "$bad"
	check "$bad: dmesg names the parameter and its range" \
		sh -c "dmesg | grep -q 'snd-vcpcm: card 0: $bad is out of range'"
	check "$bad: no card, no module left" sh -c '! grep -q "\[vcpcm *\]" /proc/asound/cards && ! grep -q "^snd_vcpcm " /proc/modules'
done
# ALSA's own card parameters: a slot that does not exist.
check "modprobe snd-vcpcm index=32 refused" refused modprobe snd-vcpcm index=32
check "index=32: no card, no module left" sh -c '! grep -q "\[vcpcm *\]" /proc/asound/cards && ! grep -q "^snd_vcpcm " /proc/modules'
check "modprobe snd-vcpcm works again afterwards" modprobe snd-vcpcm
card_present || ko "card present after reload"

rmmod snd-vcpcm
# A remote with a coarse cadence (the VideoCore reports about every 10 ms).
check "modprobe snd-vcpcm tick_us=10000" modprobe snd-vcpcm tick_us=10000
period_floor_check 48000 2 S16_LE 10000
check "tick_us=10000: aplay -M / arecord -M loopback, S16_LE 48000 Hz 2 ch, bit-exact" \
	loopback.sh --play-dev $dev --cap-dev $dev --format S16_LE --rate 48000 --channels 2 --mmap
rmmod snd-vcpcm
# A machine with user-space remotes only.
check "modprobe snd-vcpcm enable=0: loads for user-space remotes only" modprobe snd-vcpcm enable=0
check "enable=0: no emulated card, /dev/vcpcm is there" \
	sh -c '! grep -q "\[vcpcm *\]" /proc/asound/cards && test -c /dev/vcpcm'
if [ "${VCPCM_E2E_USER:-full}" != none ] && user_remote_up uvonly; then
	check "enable=0: a remote's card loops back bit-exact" \
		retry_after_xrun loopback.sh --play-dev hw:uvonly,0 --cap-dev hw:uvonly,0 \
		--format S16_LE --rate 48000 --channels 2 --mmap --frames 24000
	kill $remote
	wait $remote
	card_gone_within uvonly 10
fi
rmmod snd-vcpcm
check "modprobe snd-vcpcm enable=0 user_cards=0 refused (no card, no /dev/vcpcm)" \
	refused modprobe snd-vcpcm enable=0 user_cards=0
check "user_cards=33 refused, dmesg names the parameter" sh -c '
	! modprobe snd-vcpcm user_cards=33 2>/dev/null &&
	dmesg | grep -q "user_cards=33 is out of range"'
modprobe snd-vcpcm

# Syscall-free streaming through the mapped status and control records
# (x86 only: other architectures never map them). By default every appl_ptr
# move must reach the driver through an ioctl, so the control record is
# refused; with control_mmap=1 the driver follows appl_ptr itself, and a
# client that makes no ioctl after START (seccomp) streams bit-exact.
# snd-aloop and snd-dummy run the same program, so the test is known right.
# A run that xruns after the guest stalled longer than its buffer bridges
# (vcpcm-directmap measures it, exit 3) is repeated: with 64/512 a TCG guest's
# ordinary stalls (loop gaps of 4-15 ms, positions 8 ms old) made every run
# a coin toss, so the smallest period runs with a 1024-frame buffer.
case ${VM_TARGET:-} in
x86_64-*)
	vcpcm-directmap -D $dev -s 1 >/tmp/dm.txt 2>&1
	dmrc=$?
	sed 's/^/    /' /tmp/dm.txt
	check "default: the control record cannot be mapped (every appl_ptr move is an ioctl)" test $dmrc = 2
	jack_check no
	rmmod snd-vcpcm
	check "modprobe snd-vcpcm control_mmap=1" modprobe snd-vcpcm control_mmap=1
	for args in "-p 256 -b 1024" "-p 64 -b 1024" "-p 1024 -b 4096 -r 96000"; do
		# shellcheck disable=SC2086
		logged_unless_stalled "control_mmap=1: no ioctl after START ($args), loopback bit-exact" \
			vcpcm-directmap -D $dev -s 3 $args
	done
	check "control_mmap=1: aplay -M / arecord -M loopback, bit-exact" \
		loopback.sh --play-dev $dev --cap-dev $dev --format S16_LE --rate 48000 --channels 2 --mmap
	check "control_mmap=1: aplay / arecord (RW) loopback, bit-exact" \
		loopback.sh --play-dev $dev --cap-dev $dev --format S32_LE --rate 44100 --channels 2
	dmix_check
	jack_check yes
	check "control_mmap=1: speaker-test" \
		timeout 30 speaker-test -D $dev -c 2 -r 48000 -F S16_LE -t sine -l 1
	# alsa-lib's mmap_writei commits by memory writes here: the driver follows.
	for access in "" --mmap; do
		a=${access:-RW}
		logged "control_mmap=1: drain ends within queued/rate + 20 ms ($a)" \
			vcpcm-pcmcheck drain -D $dev -n 12000 $access
		logged "control_mmap=1: pause freezes the position, resume continues ($a)" \
			vcpcm-pcmcheck pause -D $dev --pause-ms 300 $access
		logged "control_mmap=1: what is written while paused plays after resume ($a)" \
			vcpcm-pcmcheck pause-write -D $dev --pause-ms 200 $access
		logged "control_mmap=1: snd_pcm_reset() on a running stream keeps it running ($a)" \
			vcpcm-pcmcheck reset -D $dev $access
		logged "control_mmap=1: snd_pcm_reset() on a full prepared buffer, filled again: it plays ($a)" \
			vcpcm-pcmcheck reset-prepared -D $dev $access
	done
	rmmod snd-vcpcm
	modprobe snd-aloop
	logged_unless_stalled "snd-aloop: the same program, no ioctl after START, bit-exact (the test is right)" \
		vcpcm-directmap -D hw:Loopback,0,0 -C hw:Loopback,1,0 -s 3
	rmmod snd-aloop
	modprobe snd-dummy
	logged_unless_stalled "snd-dummy: the same program (playback), no ioctl after START" \
		vcpcm-directmap -D hw:Dummy,0 -C none -s 3
	rmmod snd-dummy
	modprobe snd-vcpcm
	;;
esac
module_loaded && rmmod snd-vcpcm
exit $failed

#!/bin/sh
# snd-vcpcm end to end, run INSIDE a test VM (UML or QEMU, busybox sh is
# enough). Prints one "PASS: name" or "FAIL: name" line per check; the
# host side (scripts/test-e2e.sh) counts them. Needs loopback.sh and
# vcpcm-pattern on PATH.
dev=hw:vcpcm,0
failed=0
ok() { echo "PASS: $*"; }
ko() { echo "FAIL: $*"; failed=1; }
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else ko "$name"; fi
}
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

# All substream pairs at once (playback N loops back to capture N).
pairs=$(ls -d /proc/asound/vcpcm/pcm0p/sub* | wc -l)
check "the card has 8 playback/capture pairs by default" test "$pairs" = 8
i=0
while [ $i -lt "$pairs" ]; do
	# Short patterns, long capture windows: starting 16 programs at once
	# on a slow (emulated, sanitized) guest takes seconds.
	loopback.sh --play-dev $dev,$i --cap-dev $dev,$i --format S16_LE --rate 48000 \
		--channels 2 --mmap --seed $((i + 11)) --frames 24000 --slack-ms 8000 \
		>/tmp/pair$i.log 2>&1 &
	i=$((i + 1))
done
wait
i=0
while [ $i -lt "$pairs" ]; do
	check "pair $i of $pairs streaming together, bit-exact" grep -q '^PASS' /tmp/pair$i.log
	grep -q '^PASS' /tmp/pair$i.log || cat /tmp/pair$i.log
	i=$((i + 1))
done

# Statistics while a stream runs.
aplay -q -D $dev -t raw -f S16_LE -r 48000 -c 2 -d 2 /dev/zero &
sleep 1
cp /proc/asound/vcpcm/vcpcm /tmp/stats.txt
wait
check "/proc/asound/vcpcm/vcpcm shows the running stream and its counters" sh -c '
	grep -q "^playback 0: running" /tmp/stats.txt &&
	grep -A2 "^playback 0:" /tmp/stats.txt | grep -Eq "bytes: [1-9][0-9]* sent, [1-9][0-9]* consumed"'
sed 's/^/    /' /tmp/stats.txt | head -n 8

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
check "volume has a dB scale (-102.39 .. +4.00 dB)" sh -c '
	amixer -c vcpcm cget name="PCM Playback Volume" | grep -q "dBscale-min=-102.39dB,step=0.01dB,mute=1"'
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

check "rmmod snd-vcpcm" rmmod snd-vcpcm

# A KASAN kernel without KASAN_VMALLOC (our UML rig) reports a false
# global-out-of-bounds when any module is loaded again at the same address
# (in-tree snd-dummy does it too), so there the reload checks are left to
# the QEMU targets. They are not counted here.
if [ "${VCPCM_E2E_RELOAD:-1}" = 0 ]; then
	echo "note: module reload checks not run on this kernel (KASAN without KASAN_VMALLOC)"
	exit $failed
fi

# Bad module parameters: a clear error, the load fails, nothing stays.
for bad in pcm_substreams=9 pcm_substreams=0 fifo_bytes=1 tick_us=50 buffer_kib=8; do
	name=${bad%%=*}
	check "modprobe snd-vcpcm $bad refused" refused modprobe snd-vcpcm "$bad"
	check "$bad: dmesg names the parameter and its range" \
		sh -c "dmesg | grep -q 'snd-vcpcm: card 0: $bad is out of range'"
	check "$bad: no card, no module left" sh -c '! grep -q "\[vcpcm *\]" /proc/asound/cards && ! grep -q "^snd_vcpcm " /proc/modules'
done
check "modprobe snd-vcpcm works again afterwards" modprobe snd-vcpcm
card_present || ko "card present after reload"
module_loaded && rmmod snd-vcpcm
exit $failed

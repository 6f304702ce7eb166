#!/usr/bin/env bash
# make demo: boot a VM (UML) with snd-vcpcm and its emulated coprocessor,
# play a 1 kHz tone with aplay -M, record it back with arecord -M from the
# paired capture substream, and show what was verified.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
scripts=$VCPCM_TOP/scripts
results=${VCPCM_DEMO_OUT:-$VCPCM_TOP/results/demo}
rate=48000 channels=2 seconds=3

[ "$(id -u)" = 0 ] || die "make demo needs root (it installs packages and boots a VM)"
log "checking dependencies (first run: installs packages and builds a UML kernel, ~10 min)"
VCPCM_NO_ARM64=1 "$scripts/install-deps.sh"
kdir=$("$scripts/uml-kernel.sh" debug)
ko=$(build_module demo-uml "$kdir" ARCH=um)
# Only what runs here: the demo never fetched the arm64 userland.
make -s -C "$scripts/tools" x86_64 >/dev/null

rm -rf "$results"
mkdir -p "$results"
frames=$((rate * seconds))
log "booting UML: aplay -M plays ${seconds}s of 1 kHz into hw:vcpcm,0, arecord -M records it back"
"$scripts/vm-run" --target uml --module "$ko" --out "$results" \
	--bring "$VCPCM_CACHE/tools/x86_64/vcpcm-pattern" -- "
	set -e
	modprobe snd-vcpcm
	vcpcm-pattern tone -f S16_LE -c $channels -n $frames -r $rate --freq 1000 -o \$VM_OUT/tone.raw
	arecord -q -D hw:vcpcm,0 -M -f S16_LE -r $rate -c $channels -s $((frames + rate)) -t wav \
		\$VM_OUT/capture.wav 2>\$VM_OUT/arecord.log &
	rec=\$!
	aplay -q -D hw:vcpcm,0 -M -t raw -f S16_LE -r $rate -c $channels \$VM_OUT/tone.raw 2>\$VM_OUT/aplay.log
	wait \$rec
	cat /proc/asound/vcpcm/pcm0p/sub0/status >/dev/null
"
python3 - "$results" "$rate" "$channels" <<'PY'
import math, struct, sys, wave
out, rate, channels = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fb = 2 * channels
tone = open(f"{out}/tone.raw", "rb").read()
with wave.open(f"{out}/capture.wav") as w:
    cap = w.readframes(w.getnframes())
xruns = sum(open(f"{out}/{f}.log").read().count(k) for f in ("aplay", "arecord")
            for k in ("underrun", "overrun"))
# Align on the tone's opening samples, then compare every byte.
start = cap.find(tone[:64 * fb])
while start > 0 and start % fb:
    start = cap.find(tone[:64 * fb], start + 1)
match = start >= 0 and cap[start:start + len(tone)] == tone
lead_silent = start >= 0 and not any(cap[:start])
# Frequency of the captured tone: zero crossings of the left channel.
left = struct.unpack(f"<{len(tone) // 2}h", cap[start:start + len(tone)])[::channels] if match else []
ups = sum(1 for a, b in zip(left, left[1:]) if a < 0 <= b)
print(f"played    {len(tone) // fb} frames ({len(tone) // fb / rate:.2f} s), S16_LE, {rate} Hz, {channels} ch, aplay -M")
print(f"captured  {len(cap) // fb} frames with arecord -M from the paired capture substream")
print(f"lead-in   {start // fb} frames of silence before the tone (arecord starts first,"
      f" {start / fb / rate * 1000:.1f} ms)" if start >= 0 else "lead-in   tone not found in the capture")
print(f"match     {'bit-exact' if match and lead_silent else 'MISMATCH'}"
      f" ({len(tone) // fb} frames compared)")
if match:
    print(f"tone      {ups / (len(left) / rate):.1f} Hz measured from zero crossings")
print(f"xruns     {xruns}")
print(f"WAV       {out}/capture.wav")
sys.exit(0 if match and lead_silent and xruns == 0 else 1)
PY

#!/usr/bin/env bash
# Prove the test rig itself on each target, before (and independently of) our driver:
#   - snd-aloop loops a pattern back bit-exact (loopback.sh: formats x rw/mmap),
#   - an out-of-tree module passed with --module loads and unloads,
#   - exit status, --out, a WARNING in the kernel log (-> 125, or 0 with --allow-reports),
#     and --timeout (-> 124) behave as documented.
#
#   scripts/tests/rig-selftest.sh [--quick] [TARGET...]   (default: all five targets)
#
# --quick: one loopback case per target. Ends with "N passed, N failed"; exit 1 on any failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib/common.sh"

quick=0
[ "${1:-}" != --quick ] || { quick=1; shift; }
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(uml x86_64-6.1 x86_64-6.12 arm64-6.1 arm64-6.12)
vmrun=$top/scripts/vm-run
tools=$VCPCM_CACHE/tools
make -s -C "$top/scripts/tools" O="$tools" >&2

work=$(mktemp -d /var/tmp/rig-selftest.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { # NAME EXPECTED_RC ACTUAL_RC
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1)); printf 'ok   %s\n' "$1"
	else
		fail=$((fail + 1)); printf 'FAIL %s (exit %s, expected %s)\n' "$1" "$3" "$2"
	fi
}

# A trivial module that uses ALSA symbols, built per target.
mkdir -p "$work/mod"
cat >"$work/mod/rigprobe.c" <<'EOF'
#include <linux/module.h>
#include <sound/core.h>
static int __init rigprobe_init(void)
{
	pr_info("rigprobe: loaded, snd_card_new at %p\n", snd_card_new);
	return 0;
}
static void __exit rigprobe_exit(void) { pr_info("rigprobe: unloaded\n"); }
module_init(rigprobe_init);
module_exit(rigprobe_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := rigprobe.o' >"$work/mod/Kbuild"
build_mod() { # TARGET -> path of rigprobe.ko
	local t=$1 d=$work/mod-$1 k
	rm -rf "$d"
	cp -r "$work/mod" "$d"
	case $t in
	uml*) make -s -C "$("$top/scripts/uml-kernel.sh" "$([ "$t" = uml ] && echo debug || echo perf)")" \
		M="$d" ARCH=um modules >&2 ;;
	x86_64-*) make -s -C "/lib/modules/$(target_kver "$t")/build" M="$d" modules >&2 ;;
	arm64-*) k=$(target_kver "$t")
		make -s -C "$(arm64_kdir "$k")/usr/src/linux-headers-$k" M="$d" ARCH=arm64 \
			CROSS_COMPILE=aarch64-linux-gnu- modules >&2 ;;
	esac
	echo "$d/rigprobe.ko"
}

for t in "${targets[@]}"; do
	case $t in arm64-*) arch=arm64 ;; *) arch=x86_64 ;; esac
	echo "== $t"
	# Loopback matrix through snd-aloop: playback hw:Loopback,0,N -> capture hw:Loopback,1,N.
	cases="S16_LE:48000:2 S32_LE:44100:2 S24_LE:96000:2 FLOAT_LE:48000:1"
	[ $quick = 0 ] || cases="S16_LE:48000:2"
	script='modprobe snd-aloop pcm_substreams=1 || exit 1; rc=0
for c in '"$cases"'; do
	f=${c%%:*}; r=${c#*:}; r=${r%:*}; n=${c##*:}
	for acc in "" --mmap; do
		sh /tmp/loopback.sh --play-dev hw:Loopback,0,0 --cap-dev hw:Loopback,1,0 \
			--format $f --rate $r --channels $n --frames $r $acc || rc=1
	done
done
rmmod snd-aloop || rc=1
exit $rc'
	set +e
	"$vmrun" --target "$t" --out "$work/out-$t" --bring "$tools/$arch/vcpcm-pattern" \
		--file "$top/scripts/tests/loopback.sh" -- "$script"
	check "$t: snd-aloop loopback ($cases; rw+mmap)" 0 $?

	ko=$(build_mod "$t") && "$vmrun" --target "$t" --module "$ko" -- \
		'modprobe rigprobe && grep -q "^rigprobe " /proc/modules && rmmod rigprobe && dmesg | grep -q "rigprobe: unloaded"'
	check "$t: --module load/unload" 0 $?

	"$vmrun" --target "$t" --out "$work/o-$t" -- 'mkdir -p $VM_OUT/d && echo probe >$VM_OUT/d/f; exit 7'
	r=$?
	check "$t: exit status passes through" 7 $r
	[ "$(cat "$work/o-$t/d/f" 2>/dev/null)" = probe ] && [ -s "$work/o-$t/console.log" ]
	check "$t: --out carries files and console.log" 0 $?

	"$vmrun" --target "$t" -- 'echo "<4>WARNING: vm-run selftest report" >/dev/kmsg' 2>/dev/null
	check "$t: WARNING in the kernel log fails the run" 125 $?
	"$vmrun" --target "$t" --allow-reports -- 'echo "<4>WARNING: vm-run selftest report" >/dev/kmsg' 2>/dev/null
	check "$t: --allow-reports" 0 $?

	"$vmrun" --target "$t" --timeout 5 -- 'echo start; sleep 600' >/dev/null 2>&1
	check "$t: --timeout" 124 $?
	set -e
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]

#!/usr/bin/env bash
# make bench: snd-vcpcm against snd-aloop and snd-dummy, each figure measured in the same
# VM boot, in UML (the perf kernel: no sanitizers) and on Debian's 6.12 kernel in QEMU.
# A benchmark prints figures; nothing here passes or fails on a time.
#
#   VCPCM_BENCH_SECONDS=60        seconds per period size in the duplex run
#   VCPCM_BENCH_QEMU_SECONDS=...  the same for QEMU (default: as above)
#   VCPCM_BENCH_TARGETS="uml x86_64-6.12"
#   VCPCM_BENCH_PARAMS="..."      snd-vcpcm module parameters for the run
#   VCPCM_BENCH_CPU_ROUNDS=3      CPU windows per driver
#   VCPCM_BENCH_RT_ROUNDS=3       rounds of the full-duplex round trip (smallest xrun-free period)
#   VCPCM_BENCH_RT_SECONDS=5      how long a period size must run without an xrun
#   VCPCM_BENCH_RT_RATE_RUNS=4    runs of the round trip at each fixed period (stops per minute)
#   VCPCM_BENCH_RT_RATE_SIZES="96 112 128"   those periods, in frames
#   VCPCM_BENCH_HOST_RT=1         UML at SCHED_FIFO 10 on the host (chrt), where allowed
#   VCPCM_BENCH_PARTS="duplex roundtrip remote cpu irq"   which measurements run (a subset for a
#                                 quick look; remote: vcpcm-remote against the emulated remote)
#
# Output: results/bench/ (report.md, summary.json, bench.png, raw/<target>/...). The report
# uses Debian's python3 (/usr/bin/python3, with python3-matplotlib), whatever python3 is first on PATH.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
scripts=$VCPCM_TOP/scripts
results=${VCPCM_BENCH_OUT:-$VCPCM_TOP/results/bench}
secs=${VCPCM_BENCH_SECONDS:-60}
qsecs=${VCPCM_BENCH_QEMU_SECONDS:-$secs}
targets=${VCPCM_BENCH_TARGETS:-"uml x86_64-6.12"}
params=${VCPCM_BENCH_PARAMS:-}

# The VM's own CPU time, read on the host (ns, every thread of the process): for UML the
# kernel process alone (guest programs are other host processes), for QEMU the whole guest.
vm_cpu_ns() {	# target
	local pid
	case $1 in
	uml) pid=$(pgrep -o -f '^[^ ]*/linux uml_dir=') ;;
	*) pid=$(pgrep -o -f '^qemu-system') ;;
	esac
	[ -n "$pid" ] && cat /proc/"$pid"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'
}
# Pass the guest's output through; at each @@cpu mark, note the VM's CPU time and the time.
sample_cpu_marks() {	# target file
	local line mark phase drv
	while IFS= read -r line; do
		line=${line%$'\r'}	# the QEMU console ends lines with \r\n
		if [[ $line == "@@cpu "* ]]; then
			read -r mark phase drv <<<"$line"
			echo "driver=$drv phase=$phase cpu_ns=$(vm_cpu_ns "$1") wall_ns=$(date +%s%N)" >>"$2"
		fi
		printf '%s\n' "$line"
	done
}

# As make demo does: on a new machine the packages and Debian's kernels come first (root).
if [ "$(id -u)" = 0 ]; then
	VCPCM_NO_ARM64=1 "$scripts/install-deps.sh"
else
	log "not root: using the packages already installed (scripts/install-deps.sh installs them)"
fi
# Only the x86_64 tools: both targets are x86_64 guests (the ARM ones need a rootfs
# that only the tests fetch).
make -s -C "$scripts/tools" x86_64 >/dev/null
# The rig's own latency needs cyclictest (rt-tests, from install-deps.sh); without it the
# report leaves that column out.
rig=()
if command -v cyclictest >/dev/null; then rig=(--bring cyclictest); else log "no cyclictest: no rig latency figures"; fi
# UML runs at real-time priority on the host where allowed (VCPCM_BENCH_HOST_RT=0: not). At
# normal priority the host stalls the whole VM for 2-4 ms now and then (cyclictest in the
# guest: 3.7-4.2 ms at worst; at SCHED_FIFO 10 under 1 ms), and those stalls, not the
# drivers, then decide every small-buffer figure. An audio machine runs its audio so. QEMU
# stays at normal priority: its TCG vCPU thread would spin at real-time priority.
host_rt=()
if [ "${VCPCM_BENCH_HOST_RT:-1}" = 1 ] && chrt -f 10 true 2>/dev/null; then host_rt=(chrt -f 10); fi
rm -rf "$results"
mkdir -p "$results/raw"
for target in $targets; do
	args=() s=$secs vm=$target cmap=0 prio=()
	case $target in
	uml)
		prio=("${host_rt[@]}")
		# The module with the KUnit transfer benchmark linked in.
		args+=(--module "$(build_module bench-uml "$("$scripts/uml-kernel.sh" perf)" ARCH=um VCPCM_BENCH=1)")
		vm=uml-perf
		;;
	x86_64-*)
		"$scripts/dkms-install.sh" "$(target_kver "$target")" >/dev/null
		s=$qsecs
		# The control record can be mapped on x86 only: control_mmap=1 against the default.
		cmap=1
		;;
	*) die "bench runs on uml and x86_64 targets" ;;
	esac
	n=$(wc -w <<<"${VCPCM_BENCH_PERIODS:-32 64 128 256 512 1024}")
	# A stalled run gives up after s + 10; the CPU windows take about 15 s each.
	drivers=$((3 + cmap))
	# The round trip: 3 drivers x 2 forms x rounds, each at most 29 sizes (a failing size
	# ends at its first xrun: a few seconds); the timer-scheduled client 10 s per quantum.
	# Four drivers with the user-space remote's card; its windows: three remotes x two loads.
	rt=$((4 * 2 * ${VCPCM_BENCH_RT_ROUNDS:-3} * 60 + 3 * 2 * 12))
	# At fixed periods: 3 drivers x 2 forms x sizes x runs, each at most s + 5.
	rate_sizes=${VCPCM_BENCH_RT_RATE_SIZES:-96 112 128}
	rt=$((rt + 3 * 2 * $(wc -w <<<"$rate_sizes") * ${VCPCM_BENCH_RT_RATE_RUNS:-4} * (${VCPCM_BENCH_RT_SECONDS:-5} + 5)))
	budget=$((drivers * n * (s + 15) + s + 300 + rt + (10 + 2 * cmap) * ${VCPCM_BENCH_CPU_ROUNDS:-3} * 20 + 4 * 20))
	log "bench $target: $drivers drivers x $n period sizes x $s s, then CPU (at most $((budget / 60)) min)"
	mkdir -p "$results/raw/$target"
	if [ ${#prio[@]} -gt 0 ]; then pr="real-time priority (${prio[*]})"; else pr="normal priority"; fi
	echo "$pr" >"$results/raw/$target/host-priority.txt"
	"${prio[@]}" "$scripts/vm-run" --target "$vm" --timeout "$budget" --out "$results/raw/$target" "${args[@]}" \
		--bring "$VCPCM_CACHE/tools/x86_64/vcpcm-bench" --bring "$VCPCM_CACHE/tools/x86_64/vcpcm-roundtrip" \
		--bring "$VCPCM_CACHE/tools/x86_64/vcpcm-remote" "${rig[@]}" \
		--file "$scripts/tests/guest-lib.sh:/tmp/bench-guest-lib.sh" \
		--file "$scripts/bench/guest.sh:/tmp/bench-guest.sh" -- \
		"BENCH_SECONDS=$s BENCH_PERIODS='${VCPCM_BENCH_PERIODS:-32 64 128 256 512 1024}' VCPCM_PARAMS='$params' BENCH_CPU_ROUNDS=${VCPCM_BENCH_CPU_ROUNDS:-3} BENCH_CONTROL_MMAP=$cmap BENCH_RT_ROUNDS=${VCPCM_BENCH_RT_ROUNDS:-3} BENCH_RT_SECONDS=${VCPCM_BENCH_RT_SECONDS:-5} BENCH_RT_RATE_RUNS=${VCPCM_BENCH_RT_RATE_RUNS:-4} BENCH_RT_RATE_SIZES='$rate_sizes' BENCH_PARTS='${VCPCM_BENCH_PARTS:-duplex roundtrip remote cpu irq}' sh /tmp/bench-guest.sh" |
		sample_cpu_marks "$target" "$results/raw/$target/host-cpu.txt" | tee "$results/raw/$target/guest.txt"
done
/usr/bin/python3 "$scripts/bench/report.py" "$results" $targets
log "report: $results/report.md (summary.json, bench.png)"

#!/usr/bin/env python3
"""Turn make bench's raw figures into report.md, summary.json and bench.png.

    report.py RESULTS_DIR TARGET...

RESULTS_DIR/raw/<target>/ holds what scripts/bench/guest.sh wrote. Every figure goes into
summary.json as {target, driver, measure, value, unit}; the report compares the drivers
side by side and states each issue-#4 target with the figure that meets or misses it.
"""
import json
import os
import re
import sys

results, targets = sys.argv[1], sys.argv[2:]
DRIVERS = ("vcpcm", "aloop", "dummy")
# The CPU windows also run snd-vcpcm as a remote with bulk transfers (guest.sh).
CPU_DRIVERS = DRIVERS + ("vcpcm_bulk",)
# x86 targets (guest.sh, BENCH_CONTROL_MMAP): snd-vcpcm with control_mmap=1 (appl_ptr followed
# at reports and position queries) in the duplex runs; aplay -M/arecord -M CPU windows of the
# default (vcpcm_mmap) and of control_mmap=1 (vcpcm_cmap).
CMAP_CPU_DRIVERS = ("vcpcm_mmap", "vcpcm_cmap")
summary = []


def fig(target, driver, measure, value, unit):
    summary.append({"target": target, "driver": driver, "measure": measure,
                    "value": value, "unit": unit})


def kv(line):
    return dict(re.findall(r"(\w+)=(\S+)", line))


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def get(t, drv, measure):
    for f in summary:
        if f["target"] == t and f["driver"] == drv and f["measure"] == measure:
            return f["value"]
    return None


def median(vals):
    v = sorted(vals)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2


# The round trip also runs on a user-space remote's card (vcpcm-remote, issue #12).
RT_DRIVERS = DRIVERS + ("vremote",)
REMOTE_DRIVERS = ("vcpcm", "vremote", "vremote_read")
duplex, cpu, bench, roundtrip, rtrate, tsched, remote = {}, {}, {}, {}, {}, {}, {}
for t in targets:
    raw = os.path.join(results, "raw", t)
    # A user-space remote against the emulated one: windows of each load and remote add up.
    remote[t] = {}
    rf = os.path.join(raw, "remote.txt")
    for d in (kv(l) for l in open(rf) if "load=" in l) if os.path.exists(rf) else ():
        r = remote[t].setdefault((d["load"], d["driver"]), {"format": d.get("format")})
        for k, v in d.items():
            if k.endswith("_ticks") or k.endswith("_bytes") or k in ("seconds", "errors"):
                r[k] = r.get(k, 0.0) + (num(v) or 0.0)
        r["windows"] = r.get("windows", 0) + 1
    for (load, drv), r in remote[t].items():
        ms = r.get("all_ticks", 0) * 10 / (r.get("seconds") or 1)
        fig(t, drv, f"remote_{load}_cpu_ms_per_s", round(ms, 2), "ms/s")
        fig(t, drv, f"remote_{load}_errors", int(r.get("errors", 0)), "count")
        if r.get("queued_bytes"):
            fig(t, drv, f"remote_{load}_copies_per_byte_played",
                round((r["queued_bytes"] + r.get("read_bytes", 0)) / r["queued_bytes"], 3), "copies")
        if r.get("received_bytes"):
            fig(t, drv, f"remote_{load}_copies_per_byte_captured",
                round((r["received_bytes"] + r.get("bounced_bytes", 0)) / r["received_bytes"], 3), "copies")
    # The full-duplex round trip: the smallest xrun-free period of each round (none: not
    # even the largest tried, counted as infinitely large in the median).
    # A size where audio was lost without an xrun (the position skipped a buffer) counts as
    # failed, and the losses are counted.
    roundtrip[t] = {}
    silent = {}
    # The client's own work per wakeup (poll() returning to the write done), from every run
    # of the loop, rounds and fixed periods: what the machine's system calls cost a cycle,
    # which a wakeup's margin must hold besides its lateness. (Older raw data has none.)
    work = {}
    def note_work(d):
        if num(d.get("work_ms")):
            work.setdefault(d["driver"], []).append((num(d["work_ms"]), num(d["work_max_ms"])))
    rtf = os.path.join(raw, "roundtrip.txt")
    for d in (kv(l) for l in open(rtf) if "smallest=" in l) if os.path.exists(rtf) else ():
        note_work(d)
        v = num(d["smallest"])
        roundtrip[t].setdefault((d["driver"], d["access"]), []).append(float("inf") if v is None else v)
        silent[(d["driver"], d["access"])] = silent.get((d["driver"], d["access"]), 0) + int(d.get("silent_losses", 0))
    for (drv, access), vals in roundtrip[t].items():
        fig(t, drv, f"roundtrip_{access}_rounds", [None if v == float("inf") else v for v in vals], "frames")
        fig(t, drv, f"roundtrip_{access}_silent_losses", silent[(drv, access)], "runs")
        for what, v in (("median", median(vals)), ("min", min(vals)), ("max", max(vals))):
            fig(t, drv, f"roundtrip_{access}_{what}", None if v == float("inf") else v, "frames")
    # The same loop at fixed periods, several runs each: how often it stopped (an xrun or a
    # silent loss) per minute of audio it ran; a run that ran its seconds counts them whole.
    rtrate[t] = {}
    rrf = os.path.join(raw, "rtrate.txt")
    for d in (kv(l) for l in open(rrf) if "smallest=" in l) if os.path.exists(rrf) else ():
        note_work(d)
        r = rtrate[t].setdefault((d["driver"], d["access"], int(d["period"])),
                                 {"runs": 0, "ran": 0, "xruns": 0, "silent": 0, "audio_s": 0.0})
        r["runs"] += 1
        if d["smallest"] != "none":
            r["ran"] += 1
            r["audio_s"] += num(d["seconds"]) or 0.0
        else:
            r["silent" if int(d.get("silent_losses", 0)) else "xruns"] += 1
            r["audio_s"] += (num(d.get("ran_ms")) or 0.0) / 1000
    for (drv, access, period), r in rtrate[t].items():
        for k in ("runs", "ran", "xruns", "silent"):
            fig(t, drv, f"rtrate_{access}_p{period}_{k}", r[k], "runs")
        fig(t, drv, f"rtrate_{access}_p{period}_audio_s", round(r["audio_s"], 2), "s")
        stops = r["xruns"] + r["silent"]
        fig(t, drv, f"rtrate_{access}_p{period}_stops_per_min",
            round(stops * 60 / r["audio_s"], 1) if r["audio_s"] else None, "1/min")
    for drv, runs in work.items():
        fig(t, drv, "roundtrip_work_ms", round(median([m for m, _ in runs]), 3), "ms")
        fig(t, drv, "roundtrip_work_max_ms", max(w for _, w in runs), "ms")
    tsched[t] = {}
    tsf = os.path.join(raw, "tsched.txt")
    # A line without driver= is an older bench's stray message from the tool.
    for d in (kv(l) for l in open(tsf) if "quantum=" in l and "driver=" in l) if os.path.exists(tsf) else ():
        tsched[t].setdefault((d["driver"], int(d["quantum"])), []).append(d)
    # Rounds: short wakeups as median (lowest – highest), as the round trip is; the rest
    # over all rounds (wakeups and xruns add up, the least found is the least of all).
    for (drv, q), runs in tsched[t].items():
        shorts = [int(d["short"]) for d in runs]
        fig(t, drv, f"tsched_q{q}_short_rounds", shorts, "count")
        for what, v in (("short", median(shorts)), ("short_min", min(shorts)), ("short_max", max(shorts))):
            fig(t, drv, f"tsched_q{q}_{what}", v, "count")
        fig(t, drv, f"tsched_q{q}_wakeups", sum(int(d["wakeups"]) for d in runs), "count")
        fig(t, drv, f"tsched_q{q}_xruns", sum(int(d["xruns"]) for d in runs), "count")
        fig(t, drv, f"tsched_q{q}_silent_losses", sum(int(d.get("silent_losses", 0)) for d in runs), "count")
        fig(t, drv, f"tsched_q{q}_min_avail", min(int(d["min_avail"]) for d in runs), "frames")
        # Short wakeups the client's timing does not explain (an older tool did not count them).
        if all("short_position" in d for d in runs):
            fig(t, drv, f"tsched_q{q}_short_position", sum(int(d["short_position"]) for d in runs), "count")
    duplex[t] = [kv(l) for l in open(os.path.join(raw, "duplex.txt")) if "driver=" in l] \
        if os.path.exists(os.path.join(raw, "duplex.txt")) else []
    # One line per window; a driver's windows add up (their mean, weighted by length).
    cpu[t] = {}
    for d in (kv(l) for l in open(os.path.join(raw, "cpu.txt"))) if os.path.exists(os.path.join(raw, "cpu.txt")) else ():
        c = cpu[t].setdefault(d["driver"], dict(d, kernel_ticks="0", seconds="0", remote_model_ns="0", windows=0))
        for k in ("kernel_ticks", "seconds", "remote_model_ns"):
            c[k] = str((num(c[k]) or 0) + (num(d.get(k)) or 0))
        c["windows"] += 1
    kt = os.path.join(raw, "kunit-bench.ktap")
    if os.path.exists(kt):
        text = open(kt).read()
        m = re.search(r"transfer (\d+) MiB in (\d+) us \((\d+) MiB/s\); memcpy (\d+) us \((\d+) MiB/s\); ratio ([\d.]+)", text)
        c = re.search(r"copied per byte played ([\d.]+)", text)
        if m:
            bench[t] = {"transfer_mib_s": int(m.group(3)), "memcpy_mib_s": int(m.group(5)),
                        "ratio": float(m.group(6)), "copies": float(c.group(1)) if c else None}
            bulk = re.search(r"bench bulk: transfer .*?; ratio ([\d.]+) x memcpy \(messages of (\d+) bytes\)", text)
            if bulk:
                bench[t]["bulk_ratio"], bench[t]["bulk_bytes"] = float(bulk.group(1)), int(bulk.group(2))

    for d in duplex[t]:
        drv, p = d["driver"], int(d["period"])
        xr = int(d["xruns_playback"]) + int(d["xruns_capture"])
        fig(t, drv, f"xruns_period_{p}", xr, "count")
        fig(t, drv, f"verified_period_{p}", d.get("verified"), "text")
        # A run that could not keep up with real time (it gives up 10 s late).
        secs = num(d.get("seconds")) or 1
        fig(t, drv, f"realtime_fraction_period_{p}", round(int(d["frames"]) / (secs * 48000), 3), "ratio")
        for q in ("p50", "p99", "max"):
            fig(t, drv, f"pos_err_{q}_period_{p}", num(d.get(f"pos_err_{q}_ms")), "ms")
        fig(t, drv, f"pos_samples_period_{p}", int(d.get("pos_samples", 0)), "count")
        # Status reads that carried no usable timestamp (left out of the figures above).
        fig(t, drv, f"pos_skipped_period_{p}", int(d.get("pos_skipped", 0)), "count")
        # snd-vcpcm's link: messages each way per second of audio streamed.
        for way in ("to_remote", "from_remote"):
            if way in d:
                fig(t, drv, f"{way}_per_s_period_{p}", round(int(d[way]) / (int(d["frames"]) / 48000 or 1)), "1/s")
    # The rig's own wakeup latency (cyclictest, no audio running): how many wakeups of a
    # SCHED_FIFO timer came later than each period size, i.e. too late for any driver.
    rl = os.path.join(raw, "rig-latency.txt")
    if os.path.exists(rl):
        text = open(rl).read()
        hist = {int(a): int(b) for a, b in re.findall(r"^(\d+)\s+(\d+)\s*$", text, re.M)}
        over = re.search(r"# Histogram Overflows:\s*(\d+)", text)
        worst = re.search(r"# Max Latencies:\s*(\d+)", text)
        over = int(over.group(1)) if over else 0
        if hist:
            fig(t, "rig", "timer_wakeups", sum(hist.values()) + over, "count")
            if worst:
                fig(t, "rig", "timer_wakeup_latency_max", int(worst.group(1)) / 1000, "ms")
            for p in sorted({int(d["period"]) for d in duplex[t]} | {64}):
                late = sum(n for us, n in hist.items() if us > p * 1e6 / 48000) + over
                fig(t, "rig", f"late_wakeups_period_{p}", late, "count")
    # cyclictest beside every substream streaming (8 pairs, 192 kHz 8 ch): the longest
    # wakeup latency bounds the longest interrupts-off section from above.
    for drv in ("idle",) + DRIVERS:
        f = os.path.join(raw, f"irq-latency-{drv}.txt")
        if os.path.exists(f):
            text = open(f).read()
            worst = re.search(r"# Max Latencies:\s*(\d+)", text)
            hist = {int(a): int(b) for a, b in re.findall(r"^(\d+)\s+(\d+)\s*$", text, re.M)}
            if worst:
                fig(t, drv, "loaded_timer_latency_max_us", int(worst.group(1)), "us")
            if hist:
                n = sum(hist.values())
                acc, p99 = 0, None
                for us in sorted(hist):
                    acc += hist[us]
                    if p99 is None and acc >= 0.99 * n:
                        p99 = us
                fig(t, drv, "loaded_timer_latency_p99_us", p99, "us")
    # aplay/arecord complaints during the CPU window (xruns, refused parameters).
    for drv in CPU_DRIVERS + CMAP_CPU_DRIVERS:
        ef = os.path.join(raw, f"cpu-err-{drv}.txt")
        if drv in cpu[t]:
            lines = open(ef).read().splitlines() if os.path.exists(ef) else []
            cpu[t][drv]["errors"] = len(lines)
            fig(t, drv, "cpu_window_errors", len(lines), "count")
    idle = cpu[t].get("idle")
    for drv, c in cpu[t].items():
        secs = num(c["seconds"]) or 1
        ms = num(c["kernel_ticks"]) * 1000 / int(c.get("user_hz", 100)) / secs
        c["ms_per_s"] = ms
        fig(t, drv, "kernel_cpu_ms_per_s", round(ms, 2), "ms/s")
        if idle and drv != "idle":
            idle_ms = idle.get("ms_per_s")
            if idle_ms is None:
                idle_ms = num(idle["kernel_ticks"]) * 1000 / 100 / (num(idle["seconds"]) or 1)
            fig(t, drv, "kernel_cpu_ms_per_s_above_idle", round(ms - idle_ms, 2), "ms/s")
    # The same windows measured on the host: the VM process's own CPU time (schedstat, ns).
    hc = os.path.join(raw, "host-cpu.txt")
    begun, spent, windows = {}, {}, {}	# driver -> (cpu ns, wall ns) at its open window; summed; each
    # newline="\n": the QEMU console ends lines with \r\n, and a lone \r must not split one.
    for d in (kv(l) for l in open(hc, newline="\n")) if os.path.exists(hc) else ():
        now = (float(d["cpu_ns"]), int(d["wall_ns"]))
        if d["phase"] == "begin":
            begun[d["driver"]] = now
        elif d["driver"] in begun:
            b = begun.pop(d["driver"])
            total = spent.get(d["driver"], (0.0, 0))
            spent[d["driver"]] = (total[0] + now[0] - b[0], total[1] + now[1] - b[1])
            if now[1] > b[1]:
                windows.setdefault(d["driver"], []).append((now[0] - b[0]) / 1e6 / ((now[1] - b[1]) / 1e9))
    host_ms = {}
    for drv, (cpu_ns, wall_ns) in spent.items():
        if wall_ns > 0:
            host_ms[drv] = cpu_ns / 1e6 / (wall_ns / 1e9)
            fig(t, drv, "vm_process_cpu_ms_per_s", round(host_ms[drv], 2), "ms/s")
            # The spread over windows: how far one window is from the next on this host.
            fig(t, drv, "vm_process_cpu_ms_per_s_window_min", round(min(windows[drv]), 2), "ms/s")
            fig(t, drv, "vm_process_cpu_ms_per_s_window_max", round(max(windows[drv]), 2), "ms/s")
    for drv, ms in host_ms.items():
        if drv != "idle" and "idle" in host_ms:
            fig(t, drv, "vm_process_cpu_ms_per_s_above_idle", round(ms - host_ms["idle"], 2), "ms/s")
    # snd-vcpcm's emulated remote runs in the same kernel: its model's own time (what a
    # real remote spends on its processor), and the host driver's share without it.
    for drv, c in cpu[t].items():
        model = num(c.get("remote_model_ns"))
        if drv.startswith("vcpcm") and model is not None:
            model_ms = model / 1e6 / (num(c["seconds"]) or 1)
            fig(t, drv, "remote_model_cpu_ms_per_s", round(model_ms, 2), "ms/s")
            above = get(t, drv, "vm_process_cpu_ms_per_s_above_idle")
            if above is not None:
                fig(t, drv, "host_share_cpu_ms_per_s_above_idle", round(above - model_ms, 2), "ms/s")
    if t in bench:
        b = bench[t]
        fig(t, "vcpcm", "transfer_mib_per_s", b["transfer_mib_s"], "MiB/s")
        fig(t, "vcpcm", "memcpy_mib_per_s", b["memcpy_mib_s"], "MiB/s")
        fig(t, "vcpcm", "transfer_vs_memcpy", b["ratio"], "ratio")
        if "bulk_ratio" in b:
            fig(t, "vcpcm", f"transfer_vs_memcpy_{b['bulk_bytes']}_byte_messages", b["bulk_ratio"], "ratio")
        if b["copies"] is not None:
            fig(t, "vcpcm", "bytes_copied_per_byte_played", b["copies"], "ratio")

json.dump(summary, open(os.path.join(results, "summary.json"), "w"), indent=1)


periods = sorted({int(d["period"]) for t in targets for d in duplex[t]})


def get_rt_seconds(t):
    f = os.path.join(results, "raw", t, "roundtrip.txt")
    for line in open(f) if os.path.exists(f) else ():
        if "seconds=" in line:
            return kv(line)["seconds"]
    return "?"


md = ["# snd-vcpcm benchmark", "",
      "Produced by `make bench` (scripts/bench.sh). Every figure of a table comes from the",
      "same VM boot for the three drivers. UML is the perf kernel (no sanitizers); QEMU is",
      "TCG (no KVM on this machine), so its figures are much noisier.", ""]
for t in targets:
    kern = open(os.path.join(results, "raw", t, "kernel.txt")).read().strip() \
        if os.path.exists(os.path.join(results, "raw", t, "kernel.txt")) else "?"
    secs = duplex[t][0]["seconds"] if duplex[t] else "?"
    md += [f"## {t} (kernel {kern})", ""]
    hp = os.path.join(results, "raw", t, "host-priority.txt")
    if os.path.exists(hp):
        md += [f"The VM ran on the host at {open(hp).read().strip()}.", ""]
    if roundtrip[t]:
        rounds = max(len(v) for v in roundtrip[t].values())
        md += ["### Full-duplex round trip: the smallest period without an xrun", "",
               "vcpcm-roundtrip reads capture and writes what it read straight back to playback",
               "(S16_LE 2 ch 48 kHz, two periods per buffer, streams linked, playback prefilled,",
               "non-blocking, woken by `poll()` on capture, whole periods per wakeup), and grows the",
               f"period until a run of {get_rt_seconds(t)} s has no xrun. {rounds} rounds, interleaved over the",
               "drivers; median (lowest – highest) in frames, `none`: not even 1024.", "",
               "A run also fails where audio was lost without an xrun: a wakeup came more than a buffer",
               "after its period ended by the driver's position, so the position skipped frames nobody",
               "captured or played (snd-dummy's position wraps modulo the buffer after a stall of the",
               "machine); the position fell behind the clock and stayed there; or (mmap) playback was",
               "written after its time to play and the driver's position had passed it unseen (an mmap",
               "commit asks for no position update). Silent losses: such runs, all sizes and rounds",
               "(RW; mmap).", "",
               "| driver | RW + poll | mmap + poll | rounds (RW; mmap) | silent losses |", "|---|---|---|---|---|"]
        for drv in (d for d in RT_DRIVERS if (d, "rw") in roundtrip[t] or (d, "mmap") in roundtrip[t]):
            cells = []
            for access in ("rw", "mmap"):
                m = get(t, drv, f"roundtrip_{access}_median")
                lo, hi = get(t, drv, f"roundtrip_{access}_min"), get(t, drv, f"roundtrip_{access}_max")
                cells.append("–" if (drv, access) not in roundtrip[t] else
                             f"{'none' if m is None else f'{m:g} ({m / 48:.2f} ms)'} "
                             f"({'none' if lo is None else f'{lo:g}'} – {'none' if hi is None else f'{hi:g}'})")
            rr = "; ".join(", ".join("none" if v is None else f"{v:g}" for v in get(t, drv, f"roundtrip_{a}_rounds") or [])
                           for a in ("rw", "mmap"))
            sl = "; ".join(str(get(t, drv, f"roundtrip_{a}_silent_losses") or 0) for a in ("rw", "mmap"))
            md.append(f"| {drv} | " + " | ".join(cells) + f" | {rr} | {sl} |")
        worst = get(t, "rig", "timer_wakeup_latency_max")
        if worst is not None:
            md += ["", f"The rig alone (cyclictest, no audio): its latest wakeup was {worst} ms late, "
                   f"{get(t, 'rig', 'late_wakeups_period_64')} of {get(t, 'rig', 'timer_wakeups')} later than 64 frames (1.33 ms)."]
        works = [(drv, get(t, drv, "roundtrip_work_ms"), get(t, drv, "roundtrip_work_max_ms"))
                 for drv in RT_DRIVERS if get(t, drv, "roundtrip_work_ms") is not None]
        if works:
            md += ["", "The client's own work per wakeup (`poll()` returning to the write done: the machine's",
                   "cost of a cycle's system calls), median of the runs' means (longest): " +
                   ", ".join(f"{drv} {m:g} ms ({w:g})" for drv, m, w in works) + ". The playback still queued",
                   "when a wakeup comes (a period, less how late it came) must last through this work."]
        md.append("")
    if rtrate[t]:
        sizes = sorted({k[2] for k in rtrate[t]})
        runs = max(r["runs"] for r in rtrate[t].values())
        md += ["### Full-duplex round trip at fixed periods: stops per minute", "",
               "The smallest period above is one sample of a chance: a run stops at the first stall of",
               "the machine longer than its margin. Here the same loop runs at fixed periods, "
               f"{runs} runs of {get_rt_seconds(t)} s",
               "each, interleaved over drivers, sizes and forms. Per cell: runs that ran their whole time",
               "of those made, then stops (xruns, and silent losses as above) per minute of audio the",
               "runs moved before they stopped (`at once`: no audio moved), silent losses in brackets.", "",
               "| driver | " + " | ".join(f"{p} frames {a}" for p in sizes for a in ("RW", "mmap")) + " |",
               "|---|" + "---|" * (2 * len(sizes))]
        for drv in (d for d in RT_DRIVERS if any(k[0] == d for k in rtrate[t])):
            cells = []
            for p in sizes:
                for a in ("rw", "mmap"):
                    r = rtrate[t].get((drv, a, p))
                    if r is None:
                        cells.append("–")
                        continue
                    rate = get(t, drv, f"rtrate_{a}_p{p}_stops_per_min")
                    cells.append(f"{r['ran']}/{r['runs']}, {'at once' if rate is None else f'{rate:g}/min'}"
                                 f" ({r['silent']})")
            md.append(f"| {drv} | " + " | ".join(cells) + " |")
        md.append("")
    if tsched[t]:
        md += ["### Timer-scheduled client: capture found at each wakeup", "",
               "vcpcm-roundtrip --quantum Q: ALSA period 1024, buffer 16384 (snd-dummy's largest), its",
               "own timer every Q frames; at each wakeup `snd_pcm_avail()` (a hwsync), then it reads",
               "all there is and writes it to playback. Short: a wakeup that found less than three",
               "quarters of a quantum. 10 s per quantum and round; rounds interleaved over the drivers.",
               "Short: median (lowest – highest) of the rounds, then each round; wakeups and xruns: all",
               "rounds together. Least found: the least capture at any wakeup (a wakeup that catches",
               "up after a stall of the machine comes right after the one before). Silent losses: the",
               "capture position fell more than half a quantum further behind the clock than its least",
               "and stayed there for 32 wakeups (frames skipped without an xrun). Short, the position's:",
               "short wakeups (all rounds) that came at least three quarters of the time since the wakeup",
               "before and still found less than three quarters of that time's capture, so the driver's",
               "capture position lagged the clock; the others came soon after a late wakeup (the rig's",
               "timing, whatever the driver).", "",
               "`period wakeups`: off where the driver lets a client turn them off (as those servers do).", "",
               "| driver | quantum | period wakeups | wakeups | short | short per round | short, the position's (all rounds) "
               "| least found (frames) | xruns | silent losses |",
               "|---|---|---|---|---|---|---|---|---|---|"]
        for (drv, q), runs in sorted(tsched[t].items(), key=lambda kv_: (-kv_[0][1], DRIVERS.index(kv_[0][0]))):
            g = lambda k: get(t, drv, f"tsched_q{q}_{k}")
            md.append(f"| {drv} | {q} | {runs[0].get('period_wakeups', '?')} | {g('wakeups')} | "
                      f"{g('short'):g} ({g('short_min')} – {g('short_max')}) | "
                      f"{', '.join(str(v) for v in g('short_rounds'))} | "
                      f"{'–' if g('short_position') is None else g('short_position')} | {g('min_avail')} | {g('xruns')} | "
                      f"{g('silent_losses')} |")
        md.append("")
    # Only where the duplex part ran (VCPCM_BENCH_PARTS may leave it out): no empty tables.
    if duplex[t]:
        md += [f"### Full duplex, S16_LE 2 ch 48 kHz, 2 periods, {secs} s per size: xruns (capture check)", "",
               "xruns = playback + capture. The capture check compares the loopback with what was",
               "played, frame by frame, until the first xrun (`n/a`: snd-dummy has no loopback). A run",
               "that could not stream in real time says how far it got.", ""]
        rig = get(t, "rig", "timer_wakeups")
        if rig is not None:
            md += [f"The rig alone: cyclictest (rt-tests), with no audio running, woke a SCHED_FIFO thread",
                   f"every 1.33 ms for as long as one run ({rig} wakeups, the latest "
                   f"{get(t, 'rig', 'timer_wakeup_latency_max')} ms late). Its column counts the wakeups later than",
                   "one period: an application woken that late misses a 2-period buffer whatever the driver.", ""]
        cols = DRIVERS + (("rig alone: late wakeups",) if rig is not None else ())
        md += ["| period (frames) | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
        for p in periods:
            cells = []
            for drv in DRIVERS:
                x, v = get(t, drv, f"xruns_period_{p}"), get(t, drv, f"verified_period_{p}")
                rt = get(t, drv, f"realtime_fraction_period_{p}")
                slow = "" if rt is None or rt >= 0.99 else f", only {rt:.0%} of real time"
                cells.append("–" if x is None else f"{x} ({v}{slow})")
            if rig is not None:
                late = get(t, "rig", f"late_wakeups_period_{p}")
                cells.append("–" if late is None else str(late))
            md.append(f"| {p} ({p / 48:.2f} ms) | " + " | ".join(cells) + " |")
        md += ["", "### Position error against an ideal clock from the trigger (ms, p50 / p99 / max)", "",
               "Sampled at each playback wakeup over the whole run; after a playback xrun the stream",
               "and the ideal clock start again from the new trigger. n: how many samples.", "",
               "| period (frames) | " + " | ".join(DRIVERS) + " |", "|---|" + "---|" * len(DRIVERS)]
        for p in periods:
            cells = []
            for drv in DRIVERS:
                q = [get(t, drv, f"pos_err_{k}_period_{p}") for k in ("p50", "p99", "max")]
                n = get(t, drv, f"pos_samples_period_{p}")
                cells.append("–" if q[0] is None or q[0] != q[0] else
                             " / ".join(f"{v:.3f}" for v in q) + f" (n={n})")
            md.append(f"| {p} | " + " | ".join(cells) + " |")
    if remote[t]:
        md += ["", "### A user-space remote against the emulated one (issue #12)", "",
               "The emulated card (`vcpcm`: its remote runs in the kernel) against a card whose remote is",
               "`vcpcm-remote -n 8` in user space, reading its queue in place (`vremote`) or by `read()`",
               "(`vremote_read`), same boot, windows interleaved. Loads: `light`, one pair S16_LE 48 kHz",
               "2 ch; `heavy`, the CPU windows' 8 pairs of S32_LE 192 kHz 8 ch. CPU: the whole guest",
               "(`/proc/stat` user + system + irq + softirq), ms per second. Copies: payload bytes",
               "/dev/vcpcm copied per byte played (into the queue, plus again by `read()`) and per byte",
               "captured (into the card's buffer, plus again where the process's pages could not be",
               "mapped), from its debugfs `copies`; the emulated remote copies each byte played once,",
               "into its FIFO (by construction, not counted). `errors`: lines aplay/arecord printed",
               "(xruns, mostly): a load the remote cannot carry in real time. The round trip of",
               "`vremote` is in the round-trip table above.", "",
               "| load | remote | guest CPU ms/s | copies per byte played | per byte captured | errors | windows |",
               "|---|---|---|---|---|---|---|"]
        for load in ("light", "heavy"):
            for drv in REMOTE_DRIVERS:
                if (load, drv) in remote[t]:
                    cells = [get(t, drv, f"remote_{load}_{m}") for m in
                             ("cpu_ms_per_s", "copies_per_byte_played", "copies_per_byte_captured")]
                    r = remote[t][(load, drv)]
                    md.append(f"| {load} ({r['format']}) | {drv} | " +
                              " | ".join("–" if c is None else f"{c:g}" for c in cells) +
                              f" | {int(r.get('errors', 0))} | {r['windows']} |")
    if cpu[t]:
        md += ["", "### Kernel CPU with every substream streaming (8 playback + 8 capture, S32_LE 192 kHz)", "",
               "Guest `/proc/stat` system + irq + softirq time over the window, in ms of CPU per",
               "second of audio; the idle row is the same window with nothing running.", "",
               "`xruns/errors`: lines aplay/arecord printed in the window (an xrun each, mostly).", "",
               "| driver | format | ms/s | above idle | xruns/errors |", "|---|---|---|---|---|"]
        for drv in ("idle",) + CPU_DRIVERS:
            if drv in cpu[t]:
                above = get(t, drv, "kernel_cpu_ms_per_s_above_idle")
                md.append(f"| {drv} | {cpu[t][drv].get('format')} | {cpu[t][drv]['ms_per_s']:.1f} | "
                          f"{'' if above is None else f'{above:.1f}'} | {cpu[t][drv].get('errors', '')} |")
        if get(t, "idle", "vm_process_cpu_ms_per_s") is not None:
            what = ("the UML kernel process alone (guest programs are other host processes)"
                    if t == "uml" else "the whole QEMU process (guest kernel and programs, emulated)")
            md += ["", f"The same windows measured on the host: CPU time of {what}, from",
                   "`/proc/PID/task/*/schedstat` (nanoseconds; the guest's `/proc/stat` samples at the",
                   "tick and misses work done in timer interrupts).", "",
                   "| driver | ms/s | above idle | windows: lowest – highest ms/s |", "|---|---|---|---|"]
            for drv in ("idle",) + CPU_DRIVERS:
                ms = get(t, drv, "vm_process_cpu_ms_per_s")
                above = get(t, drv, "vm_process_cpu_ms_per_s_above_idle")
                lo, hi = (get(t, drv, f"vm_process_cpu_ms_per_s_window_{k}") for k in ("min", "max"))
                if ms is not None:
                    md.append(f"| {drv} | {ms:.1f} | {'' if above is None else f'{above:.1f}'} | "
                              f"{lo:.1f} – {hi:.1f} |")
            model, share = get(t, "vcpcm", "remote_model_cpu_ms_per_s"), get(t, "vcpcm", "host_share_cpu_ms_per_s_above_idle")
            if model is not None and share is not None:
                md += ["", f"Of snd-vcpcm's figure, {model:.1f} ms/s is the emulated remote's model (its clock,",
                       "FIFO, copies and reports, timed in the kernel: `debugfs snd-vcpcm/cardN/model_ns`),",
                       "work a real remote does on its own processor. **The host driver's share: "
                       f"{share:.1f} ms/s.**"]
            bulk_share = get(t, "vcpcm_bulk", "host_share_cpu_ms_per_s_above_idle")
            if bulk_share is not None:
                md += ["", "`vcpcm_bulk` is snd-vcpcm reloaded with "
                       f"`{cpu[t]['vcpcm_bulk'].get('params', '').replace(',', ' ')}`: a remote whose link moves a",
                       "whole transfer in one message (bulk), as the VideoCore's can, instead of 4000-byte pieces.",
                       f"Its model: {get(t, 'vcpcm_bulk', 'remote_model_cpu_ms_per_s'):.1f} ms/s; "
                       f"**the host driver's share: {bulk_share:.1f} ms/s.**"]
    if get(t, "idle", "loaded_timer_latency_max_us") is not None:
        md += ["", "### Timer wakeup latency beside every substream streaming (interrupts-off time)", "",
               "cyclictest (SCHED_FIFO, every 1 ms, 10 s) while 8 playback + 8 capture substreams stream",
               "S32_LE 192 kHz (8 ch; snd-dummy 10 ch): a section that runs with interrupts off (a",
               "hard-IRQ timer, a spinlock taken with interrupts off) holds the wakeup back, so the",
               "longest wakeup latency bounds the longest such section from above. idle: nothing streams.", "",
               "| driver | p99 (us) | max (us) |", "|---|---|---|"]
        for drv in ("idle",) + DRIVERS:
            mx = get(t, drv, "loaded_timer_latency_max_us")
            if mx is not None:
                md.append(f"| {drv} | {get(t, drv, 'loaded_timer_latency_p99_us')} | {mx} |")
    if t in bench:
        b = bench[t]
        md += ["", "### Copy efficiency (KUnit benchmark, same run)", "",
               f"- transfer path (ring + protocol + the remote's copy): {b['transfer_mib_s']} MiB/s",
               f"- plain memcpy of the same bytes in the same chunks: {b['memcpy_mib_s']} MiB/s",
               f"- ratio: **{b['ratio']:.2f} × memcpy** (messages of up to 4000 bytes, the default `max_payload`)"]
        if "bulk_ratio" in b:
            md += [f"- the same with messages of up to {b['bulk_bytes']} bytes (`max_payload={b['bulk_bytes']}`,"
                   f" a link with bulk transfers): **{b['bulk_ratio']:.2f} × memcpy**"]
        md += [
               f"- bytes copied per byte played: **{b['copies']:.3f}** (the host sends straight from the"
               " buffer; the one copy is the remote's into its FIFO)"]
    if any(d["driver"] == "vcpcm_cmap" for d in duplex[t]):
        md += ["", "### appl_ptr followed (`control_mmap=1`) against `.ack` (the default)", "",
               "The same full-duplex runs (vcpcm-bench, alsa-lib mmap) with snd-vcpcm reloaded with",
               "`control_mmap=1`: alsa-lib then maps the control record and commits by memory writes,",
               "and the driver sends new data at the remote's reports and at position queries instead",
               "of in `.ack`. Messages: per second of audio, host to remote / remote to host.", "",
               "| period | default: xruns | control_mmap=1: xruns | default: p99 pos. error (ms) | "
               "control_mmap=1: p99 | default: messages/s | control_mmap=1: messages/s |",
               "|---|---|---|---|---|---|---|"]
        for p in periods:
            row = []
            for measure in ("xruns_period_{}", "pos_err_p99_period_{}"):
                for drv in ("vcpcm", "vcpcm_cmap"):
                    v = get(t, drv, measure.format(p))
                    row.append("–" if v is None or v != v else
                               (f"{v} ({get(t, drv, f'verified_period_{p}')})" if measure.startswith("x") else f"{v:.3f}"))
            for drv in ("vcpcm", "vcpcm_cmap"):
                a, b_ = get(t, drv, f"to_remote_per_s_period_{p}"), get(t, drv, f"from_remote_per_s_period_{p}")
                row.append("–" if a is None else f"{a} / {b_}")
            md.append(f"| {p} | " + " | ".join(row) + " |")
        rows = [(drv, get(t, drv, "vm_process_cpu_ms_per_s_above_idle"), get(t, drv, "kernel_cpu_ms_per_s_above_idle"),
                 cpu[t].get(drv, {}).get("errors")) for drv in CMAP_CPU_DRIVERS if drv in cpu[t]]
        if rows:
            md += ["", "CPU with every substream streaming through `aplay -M`/`arecord -M` (the windows above,",
                   "mmap access): `vcpcm_mmap` is the default, `vcpcm_cmap` is `control_mmap=1`.", "",
                   "| driver | VM process ms/s above idle | guest kernel ms/s above idle | xruns/errors |",
                   "|---|---|---|---|"]
            md += [f"| {d} | {'' if v is None else v} | {'' if k is None else k} | {'' if e is None else e} |"
                   for d, v, k, e in rows]
    md.append("")

# The targets of issue #4, measured in UML.
if "uml" in targets:
    t = "uml"
    x64 = get(t, "vcpcm", "xruns_period_64")
    p99 = get(t, "vcpcm", "pos_err_p99_period_64")
    p99s = [v for v in (get(t, "vcpcm", f"pos_err_p99_period_{p}") for p in periods) if v is not None and v == v]
    worst_p99 = max(p99s) if p99s else None
    ratio = bench.get(t, {}).get("ratio")
    # The host's measure where there is one: exact, where /proc/stat samples at the tick.
    cpu_measure = "vm_process_cpu_ms_per_s_above_idle" \
        if get(t, "vcpcm", "vm_process_cpu_ms_per_s_above_idle") is not None else "kernel_cpu_ms_per_s_above_idle"
    ours, aloop = get(t, "vcpcm", cpu_measure), get(t, "aloop", cpu_measure)
    share = get(t, "vcpcm", "host_share_cpu_ms_per_s_above_idle")
    late64 = get(t, "rig", "late_wakeups_period_64")
    n64 = get(t, "vcpcm", "pos_samples_period_64")
    samples64 = "" if n64 is None else f", {n64} samples"
    # (target, figure, met, whether this run measured it: a VCPCM_BENCH_PARTS subset may not)
    rows = [("0 xruns at 64-frame periods for the whole run", x64 if late64 is None else
             f"{x64} (the rig alone: {late64} timer wakeups later than 1.33 ms)", x64 == 0, x64 is not None),
            (f"p99 position error ≤ 0.25 ms (64-frame periods{samples64})",
             p99, p99 is not None and p99 <= 0.25, p99 is not None),
            ("the same, worst p99 over every period size", worst_p99, worst_p99 is not None and worst_p99 <= 0.25,
             worst_p99 is not None),
            ("transfer ≥ 0.8 × memcpy (4000-byte messages, the default)", ratio, ratio is not None and ratio >= 0.8,
             ratio is not None),
            ("kernel CPU per audio-second ≤ snd-aloop's (everything, emulated remote included)",
             f"{ours} vs {aloop}", ours is not None and aloop is not None and ours <= aloop,
             ours is not None and aloop is not None)]
    bulk = bench.get(t, {}).get("bulk_ratio")
    if bulk is not None:
        at = next(i for i, r in enumerate(rows) if r[0].startswith("transfer")) + 1
        rows.insert(at, (f"the same, {bench[t]['bulk_bytes']}-byte messages (`max_payload`)", bulk, bulk >= 0.8, True))
    if share is not None and cpu_measure.startswith("vm_"):
        rows.append(("the same, host driver's share (the emulated remote's model left out)",
                     f"{share} vs {aloop}", aloop is not None and share <= aloop, aloop is not None))
    bulk_share = get(t, "vcpcm_bulk", "host_share_cpu_ms_per_s_above_idle")
    if bulk_share is not None and cpu_measure.startswith("vm_"):
        rows.append(("the same, a remote with bulk transfers (`vcpcm_bulk`)",
                     f"{bulk_share} vs {aloop}", aloop is not None and bulk_share <= aloop, aloop is not None))
    md += ["## Targets (UML)", "", "| target | figure | met |", "|---|---|---|"]
    md += [f"| {a} | {b} | {'yes' if c else '**no**'} |" if m else f"| {a} | not measured in this run | – |"
           for a, b, c, m in rows]
    md.append("")
open(os.path.join(results, "report.md"), "w").write("\n".join(md))

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("report: matplotlib missing, no plot")
    sys.exit(0)
fig_, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(17, 4.5))
for t, style in zip(targets, ("-", "--")):
    for drv in DRIVERS:
        xs = [p for p in periods if get(t, drv, f"xruns_period_{p}") is not None]
        ax1.plot(xs, [get(t, drv, f"xruns_period_{p}") + 0.5 for p in xs], style, marker="o",
                 label=f"{drv} ({t})")
if periods:
    ax1.set_xscale("log", base=2)
    ax1.set_yscale("log")
ax1.set_xlabel("period size (frames, 2 periods per buffer)")
ax1.set_ylabel("xruns + 0.5 (log)")
ax1.set_title("xruns vs period size")
ax1.legend(fontsize=7)
t = targets[0]
for drv in DRIVERS:
    f = os.path.join(results, "raw", t, f"poserr-{drv}-64.txt")
    if os.path.exists(f):
        vals = sorted(float(v) for v in open(f) if v.strip())
        if vals:
            ax2.plot(vals, [i / len(vals) for i in range(len(vals))], label=drv)
ax2.set_xscale("symlog", linthresh=0.01)
ax2.set_xlabel("|position error| (ms)")
ax2.set_ylabel("fraction of samples")
ax2.set_title(f"position error distribution, 64-frame periods ({t})")
ax2.legend(fontsize=7)
# The round trip: median and spread (lowest – highest round) per driver, form and target.
bars = [(f"{drv}\n{a} {t}", get(t, drv, f"roundtrip_{a}_median"), get(t, drv, f"roundtrip_{a}_min"),
         get(t, drv, f"roundtrip_{a}_max")) for t in targets for a in ("rw", "mmap") for drv in DRIVERS
        if get(t, drv, f"roundtrip_{a}_median") is not None]
if bars:
    ys = [b[1] for b in bars]
    ax3.bar(range(len(bars)), ys, yerr=[[b[1] - (b[2] or b[1]) for b in bars], [(b[3] or b[1]) - b[1] for b in bars]],
            capsize=3, color=["C0" if b[0].startswith("vcpcm") else "C1" if b[0].startswith("aloop") else "C2" for b in bars])
    ax3.set_xticks(range(len(bars)))
    ax3.set_xticklabels([b[0] for b in bars], fontsize=6, rotation=60)
    ax3.set_ylabel("smallest xrun-free period (frames)")
    ax3.set_title("full-duplex round trip (median, lowest – highest)")
fig_.tight_layout()
fig_.savefig(os.path.join(results, "bench.png"), dpi=110)

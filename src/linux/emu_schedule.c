// SPDX-License-Identifier: GPL-2.0
/*
 * The emulated remote's report schedule: when each channel's reports are
 * due, and when the one timer that serves them all must fire. The timer
 * itself, the model and the locks are transport_emu.c's.
 *
 * @clocked is a bitmap of the channels whose clock runs (bit n: sched[n]);
 * the others are ignored.
 */
#include <linux/bitmap.h>
#include <linux/math64.h>
#include <linux/minmax.h>

#include "emu_schedule.h"

/**
 * vcpcm_emu_schedule_set() - a channel's report schedule, as its clock starts
 * @s: the schedule
 * @anchor: when its clock starts (may lie ahead: a start-up latency)
 * @interval: how often it wants reports (already no finer than tick_us)
 * @rate: its sample rate, 0 for unknown (48 kHz)
 * @on_boundaries: its reports mark period boundaries, so none may come early
 *
 * The interval is kept as whole frames at @rate: report times then fall on
 * frame boundaries and never drift from the period's.
 */
void vcpcm_emu_schedule_set(struct vcpcm_emu_schedule *s, ktime_t anchor, ktime_t interval,
			    u32 rate, bool on_boundaries)
{
	s->anchor = anchor;
	s->on_boundaries = on_boundaries;
	s->rate = rate ?: 48000;
	s->frames = max_t(u32, 1, DIV_ROUND_CLOSEST_ULL((u64)ktime_to_ns(interval) * s->rate,
						       NSEC_PER_SEC));
	s->interval_ns = div_u64((u64)s->frames * NSEC_PER_SEC, s->rate);
}

/**
 * vcpcm_emu_next_report() - a channel's first report time after @now (or at it, anchor ahead)
 * @s: its schedule
 * @now: the time
 *
 * Its anchor plus or minus a whole number of report intervals, rounded up
 * to the nanosecond (a report never falls before the frame boundary it is
 * for). The anchor may lie ahead (a clock with a start-up latency).
 *
 * Return: the report time.
 */
ktime_t vcpcm_emu_next_report(const struct vcpcm_emu_schedule *s, ktime_t now)
{
	u64 per_report = (u64)s->frames * NSEC_PER_SEC;
	u64 k;

	if (now < s->anchor) {
		k = mul_u64_u64_div_u64(ktime_to_ns(ktime_sub(s->anchor, now)), s->rate, per_report);
		return ktime_sub_ns(s->anchor, mul_u64_u64_div_u64(k, per_report, s->rate));
	}
	k = mul_u64_u64_div_u64(ktime_to_ns(ktime_sub(now, s->anchor)), s->rate, per_report) + 1;
	return ktime_add_ns(s->anchor, mul_u64_u64_div_u64(k, per_report, s->rate) + 1);
}

/**
 * vcpcm_emu_next_tick() - when the timer must fire next, per-channel schedules
 * @sched: every channel's schedule
 * @clocked: the channels whose clock runs
 * @now: the time
 * @finest_tick: tick_us, for when no clock runs
 *
 * One tick reports every channel, so it serves each running channel's next
 * report time and tolerates a quarter interval late: it comes at the latest
 * report time within the earliest channel's tolerance, which serves every
 * report time up to it (a linked pair's two clocks, started microseconds
 * apart, share their ticks; a lone stream gets its own times exactly).
 * Exactly then, with no slack: a timer with slack fires at the end of it
 * (measured: an eighth of a tick made every period's capture that much
 * later, 0.17 ms at 64 frames), which a client loses from its period. The
 * model counts time, not ticks: only when reports go varies.
 *
 * Return: the tick time; @now plus @finest_tick when no clock runs but
 * reports may still be owed (a drain's end).
 */
ktime_t vcpcm_emu_next_tick(const struct vcpcm_emu_schedule sched[VCPCM_EMU_CHANS],
			    unsigned long clocked, ktime_t now, ktime_t finest_tick)
{
	ktime_t next[VCPCM_EMU_CHANS];
	ktime_t latest = KTIME_MAX, at = 0;
	unsigned long chan;

	for_each_set_bit(chan, &clocked, VCPCM_EMU_CHANS) {
		next[chan] = vcpcm_emu_next_report(&sched[chan], now);
		latest = min_t(ktime_t, latest, ktime_add_ns(next[chan], sched[chan].interval_ns / 4));
	}
	if (latest == KTIME_MAX)
		return ktime_add(now, finest_tick);
	for_each_set_bit(chan, &clocked, VCPCM_EMU_CHANS) {
		if (next[chan] <= latest)
			at = max_t(ktime_t, at, next[chan]);
	}
	return at;
}

/**
 * vcpcm_emu_shared_interval_ns() - may one coarse tick serve every channel?
 * @sched: every channel's schedule
 * @clocked: the channels whose clock runs
 *
 * Coarse reports (2 ms or more) that mark no period boundary (a period
 * longer than the interval the FIFO or the 10 ms cap allows, playback sent
 * at reports) only have to come that often: when every running channel's
 * are such, one tick serves them all, every shortest interval, and may come
 * up to a quarter of it early, counted from the last, so it locks onto the
 * scheduler tick and shares its interrupt (measured: 16 streams at 192 kHz
 * cost 73 ms/s of CPU on a schedule of their own, 48 sharing; per-channel
 * schedules 96, sharing 86 on a later machine).
 *
 * Return: that interval, or 0 when the per-channel schedules must be kept
 * (or no clock runs).
 */
u64 vcpcm_emu_shared_interval_ns(const struct vcpcm_emu_schedule sched[VCPCM_EMU_CHANS],
				 unsigned long clocked)
{
	u64 shortest = U64_MAX;
	unsigned long chan;

	for_each_set_bit(chan, &clocked, VCPCM_EMU_CHANS) {
		const struct vcpcm_emu_schedule *s = &sched[chan];

		if (s->on_boundaries || s->interval_ns < VCPCM_EMU_COARSE_TICK_NS)
			return 0;
		shortest = min(shortest, s->interval_ns);
	}
	return shortest == U64_MAX ? 0 : shortest;
}

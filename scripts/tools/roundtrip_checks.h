/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpcm-roundtrip's judgement of lost audio, from times and frame counts
 * alone (no ALSA calls), so test-roundtrip-checks.c can hold it to account.
 * Times are ms on the monotonic clock; run_ms counts from the trigger.
 */
#ifndef ROUNDTRIP_CHECKS_H
#define ROUNDTRIP_CHECKS_H

#define RATE		48000

static inline double frames_ms(double frames)
{
	return frames * 1000.0 / RATE;
}

/* What a real card's crystal may drift against the system's clock: 100 ppm. */
static inline double drift_ms(double run_ms)
{
	return run_ms / 10000.0;
}

/*
 * A timer-scheduled client's wakeup is short when it finds less than three
 * quarters of its quantum of capture; the driver's position is to blame only
 * when it also found less than three quarters of what the time since the
 * wakeup before (since_ms; 0: none) made due. Otherwise that wakeup came soon
 * after a late one: the client's own timing.
 */
static inline int short_wakeup(long found, unsigned int quantum)
{
	return found * 4 < 3L * (long)quantum;
}

static inline int short_by_position(long found, unsigned int quantum, double since_ms)
{
	return short_wakeup(found, quantum) && since_ms > 0 &&
	       found * 4 < 3 * since_ms * RATE / 1000;
}

/*
 * How late a wakeup may come after its period ended, by the driver's
 * position, before audio must have been lost: capture cannot hold more than a
 * buffer, so a wakeup later than that with no xrun means the position skipped
 * whole buffers it never delivered (a driver whose position wraps modulo the
 * buffer after a stall of the machine does that silently: snd-dummy). Half a
 * period more allows for report granularity, and the drift.
 */
static inline int skipped_a_buffer(double late_ms, unsigned int period, double run_ms)
{
	return late_ms > frames_ms(2.5 * period) + drift_ms(run_ms);
}

/*
 * A position that slipped: capture delivered fewer frames than the clock ran,
 * more so than before, wakeup after wakeup. Read right after a period came,
 * the shortfall (time since the trigger less what was read and what waits)
 * is the device's capture latency (frames not delivered yet: its report
 * granularity) plus how late the client runs; a stall makes it large once.
 * Its least value so far is that latency. When the shortfall stays over it
 * by more than half a period (plus the drift) for SLIP_WAKEUPS in a row,
 * frames were skipped that nobody captured (snd-dummy can lose a period so).
 *
 * Wakeups in a row: a client that runs late for a while and a quarter-period
 * report granularity (snd-vcpcm at 48 frames: 0.5 ms) give runs of 2 (1 in
 * 40 runs: 8); a skipped period lasts to the end.
 */
#define SLIP_WAKEUPS 32

struct slip {
	double floor_ms;	/* the least shortfall so far (start: HUGE_VAL) */
	unsigned int streak;	/* wakeups in a row over it */
};

/*
 * One wakeup: @delivered frames (read plus waiting) at @run_ms. Returns 1 once
 * the position has slipped, with the excess over the least shortfall in
 * *slip_ms.
 */
static inline int slip_step(struct slip *sl, double run_ms, unsigned long delivered,
			    unsigned int period, double *slip_ms)
{
	double behind = run_ms - frames_ms((double)delivered);

	if (behind < sl->floor_ms)
		sl->floor_ms = behind;
	*slip_ms = behind - sl->floor_ms;
	if (*slip_ms <= frames_ms(0.5 * period) + drift_ms(run_ms)) {
		sl->streak = 0;
		return 0;
	}
	return ++sl->streak >= SLIP_WAKEUPS;
}

/*
 * An mmap client's late write: playback frames written after their time to
 * play came (frame @frame of a stream started at the trigger plays that many
 * frames of time after it: the prefill, then what was written), by more than
 * half a period (a device that takes frames at report ticks, a quarter period
 * apart, needs them only at its next tick) and the drift. The device played
 * something else there (a DMA card its stale buffer, a remote silence). 1 when
 * the write at @run_ms is that late, with how late in *late_by_ms; whether the
 * driver noticed is for the caller to ask.
 */
static inline int write_too_late(double run_ms, unsigned long frame, unsigned int period,
				 double *late_by_ms)
{
	*late_by_ms = run_ms - frames_ms((double)frame);
	return *late_by_ms > frames_ms(0.5 * period) + drift_ms(run_ms);
}

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-roundtrip's lost-audio checks (roundtrip_checks.h) against made-up
 * runs whose answer is known: a device with capture latency and a client
 * that runs late now and then must pass; a skipped buffer, a position that
 * fell behind for good, and a write after its time to play must not.
 * Prints "PASS: ..." / "FAIL: ..." per check; exit status 1 on any failure.
 */
#include <math.h>
#include <stdio.h>

#include "roundtrip_checks.h"

static int failed;
/* A client that always wakes the moment its period has arrived. */
static const double on_time[] = { 0.0 };

static void check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	failed |= !ok;
}

/*
 * A run of @wakeups period wakeups at @period frames, from a device whose
 * capture comes @latency frames after the clock: woken when a period has
 * arrived, late_ms[i % n_late] after that, the client finds every frame of
 * the clock less @latency, less @skipped from wakeup @skip_at until before
 * @skip_end (skipped for good: -1u; reports held up: caught up at @skip_end).
 * Returns the wakeup at which slip_step() first says 1, or -1.
 */
static int first_slip(unsigned int period, unsigned int wakeups, const double *late_ms,
		      unsigned int n_late, unsigned long latency, unsigned long skipped,
		      unsigned int skip_at, unsigned int skip_end)
{
	struct slip sl = { HUGE_VAL, 0 };
	double excess;
	unsigned int i;

	for (i = 0; i < wakeups; i++) {
		double run_ms = frames_ms((double)(i + 1) * period + latency) + late_ms[i % n_late];
		unsigned long clock = (unsigned long)(run_ms * RATE / 1000.0);
		unsigned long delivered = clock - latency - (i >= skip_at && i < skip_end ? skipped : 0);

		if (slip_step(&sl, run_ms, delivered, period, &excess))
			return (int)i;
	}
	return -1;
}

/*
 * 48-frame periods, a device 12 frames behind the clock, whose reports are
 * held up for @n wakeups (the position a period further behind), then catch
 * up: 1 when slip_step() took that for a slip.
 */
static int held_up(unsigned int n)
{
	return first_slip(48, 200, on_time, 1, 12, 48, 100, 100 + n) >= 0;
}

int main(void)
{
	/* A client that runs up to 0.4 ms late, unevenly (48-frame periods: 1 ms). */
	static const double jitter[] = { 0.05, 0.4, 0.1, 0.3, 0.0, 0.2, 0.35, 0.15 };
	double late_by;

	/* Skipped buffer: 96-frame periods (2 ms): the limit is 2.5 periods, 5 ms, plus drift. */
	check(!skipped_a_buffer(4.9, 96, 1000.0), "a wakeup 4.9 ms after a 2 ms period is no loss");
	check(skipped_a_buffer(5.2, 96, 1000.0), "a wakeup 5.2 ms after a 2 ms period is a skipped buffer");
	check(!skipped_a_buffer(5.2, 96, 60000.0), "after a minute the drift allows 6 ms more");

	/* Slip: capture latency is no loss, however large, as long as it stays. */
	check(first_slip(48, 5000, jitter, 8, 12, 0, 0, -1u) < 0,
	      "capture 12 frames behind, client up to 0.4 ms late: no slip in 5000 wakeups");
	check(first_slip(48, 5000, jitter, 8, 200, 0, 0, -1u) < 0,
	      "capture 200 frames behind from the start: no slip (a latency, not a loss)");
	/* A client stalled for 3 ms twice: it finds more waiting, the shortfall stays. */
	{
		double stall[64];
		unsigned int i;

		for (i = 0; i < 64; i++)
			stall[i] = i == 40 || i == 41 ? 3.0 : 0.1;
		check(first_slip(48, 64, stall, 64, 12, 0, 0, -1u) < 0,
		      "two wakeups 3 ms late, then on time again: no slip");
	}
	/* Reports held up: the position lags a period more for a while, then catches up. */
	check(!held_up(8), "the position a period behind for 8 wakeups (the longest such run seen "
	      "in 40 runs at 48 frames), then back: no slip");
	check(!held_up(SLIP_WAKEUPS - 1), "a period behind for SLIP_WAKEUPS - 1 wakeups: no slip yet");
	check(held_up(SLIP_WAKEUPS), "a period behind for SLIP_WAKEUPS wakeups: a slip");
	/* A skipped period: the position stays a period behind to the end. */
	check(first_slip(48, 2000, on_time, 1, 12, 48, 500, -1u) == 500 + SLIP_WAKEUPS - 1,
	      "a period skipped at wakeup 500: slip found SLIP_WAKEUPS wakeups later");
	check(first_slip(48, 2000, jitter, 8, 12, 96, 500, -1u) >= 500,
	      "a buffer skipped at wakeup 500 with a jittery client: slip found");
	check(first_slip(48, 2000, on_time, 1, 12, 20, 500, -1u) < 0,
	      "20 frames (under half a period) further behind: within the allowance");

	/* Late mmap write: 96-frame periods, frame 4800 plays 100 ms after the trigger. */
	check(!write_too_late(100.9, 4800, 96, &late_by) && fabs(late_by - 0.9) < 1e-9,
	      "a write 0.9 ms after its time, 1 ms allowed: not late");
	check(write_too_late(101.2, 4800, 96, &late_by) && fabs(late_by - 1.2) < 1e-9,
	      "a write 1.2 ms after its time: late, by 1.2 ms");
	check(!write_too_late(99.0, 4800, 96, &late_by) && late_by < 0, "a write ahead of its time");

	/* Timer-scheduled, quantum 64 (1.33 ms): short below 48 frames. */
	check(!short_wakeup(48, 64) && short_wakeup(47, 64), "short: less than 48 of a 64-frame quantum");
	check(!short_by_position(20, 64, 0.5),
	      "20 frames 0.5 ms after the wakeup before (24 due): the client's timing");
	check(!short_by_position(47, 64, 1.3),
	      "47 frames 1.3 ms after the wakeup before (62 due, 46.8 needed): the client's timing");
	check(short_by_position(44, 64, 1.3), "44 frames 1.3 ms after the wakeup before: the position lagged");
	check(!short_by_position(10, 64, 0), "the first wakeup of a run has none before it to judge by");
	check(!short_by_position(60, 64, 3.0), "not short: nobody's");

	return failed;
}

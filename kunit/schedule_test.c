// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the emulated remote's report schedule (src/linux/emu_schedule.c).
 * Every figure here is worked out by hand from the frames and the rate.
 */
#include "test_util.h"
#include "emu_schedule.h"

#define RATE	48000
#define CAP0	VCPCM_EMU_CHAN(VCPCM_DIR_CAPTURE, 0)

/* @frames at 48 kHz, as the glue's started() gives them (rounded down to the ns). */
static void sched_set(struct vcpcm_emu_schedule *s, s64 anchor_ns, u32 frames, bool on_boundaries)
{
	vcpcm_emu_schedule_set(s, ns_to_ktime(anchor_ns),
			       ns_to_ktime(div_u64((u64)frames * NSEC_PER_SEC, RATE)), RATE,
			       on_boundaries);
}

static void schedule_keeps_whole_frames(struct kunit *test)
{
	struct vcpcm_emu_schedule s;

	/* 80 frames are 1 666 666.67 ns: rounded back to 80, not 79. */
	vcpcm_emu_schedule_set(&s, 0, ns_to_ktime(1666666), RATE, true);
	KUNIT_EXPECT_EQ(test, s.frames, 80u);
	KUNIT_EXPECT_EQ(test, s.interval_ns, 1666666ULL);
	KUNIT_EXPECT_TRUE(test, s.on_boundaries);
	/* An unknown rate is taken as 48 kHz. */
	vcpcm_emu_schedule_set(&s, 0, ns_to_ktime(1000000), 0, false);
	KUNIT_EXPECT_EQ(test, s.rate, 48000u);
	KUNIT_EXPECT_EQ(test, s.frames, 48u);
	KUNIT_EXPECT_EQ(test, s.interval_ns, 1000000ULL);
	/* Never less than a frame: 10 us at 8 kHz is 0.08 of one. */
	vcpcm_emu_schedule_set(&s, 0, ns_to_ktime(10000), 8000, false);
	KUNIT_EXPECT_EQ(test, s.frames, 1u);
	KUNIT_EXPECT_EQ(test, s.interval_ns, 125000ULL);
}

static void schedule_reports_on_frame_boundaries(struct kunit *test)
{
	struct vcpcm_emu_schedule s;

	sched_set(&s, 0, 80, true);
	/* The boundary is at 1 666 666.67 ns: the report comes just after it. */
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_report(&s, 0)), 1666667LL);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_report(&s, 1666666)), 1666667LL);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_report(&s, 1666667)), 3333334LL);
	/* 1000 intervals on, no drift: 80 000 frames are 1 666 666 666.67 ns. */
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_report(&s, 1666666000)), 1666666667LL);
	/* A clock that starts later (start-up latency): its first report is its start. */
	sched_set(&s, 1000000, 80, true);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_report(&s, 0)), 1000000LL);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_report(&s, 1000000)), 2666667LL);
	/*
	 * A start three intervals ahead (5 ms is 240 frames): the boundaries
	 * before it count too, so the first report is the earliest one not
	 * before now (at 0 ms, then 5 ms - 2 x 1 666 666.67, rounded up).
	 */
	sched_set(&s, 5000000, 80, true);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_report(&s, 0)), 0LL);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_report(&s, 1)), 1666667LL);
}

static void schedule_tick_serves_every_channel(struct kunit *test)
{
	struct vcpcm_emu_schedule sched[VCPCM_EMU_CHANS] = {};

	/* No clock: the finest tick, for reports still owed. */
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_tick(sched, 0, 5000, 1000000)), 1005000LL);

	/*
	 * A linked pair, capture started 20 us after playback, armed as the
	 * capture starts: one tick at the later report (1 686 667), within
	 * playback's quarter (2 083 333).
	 */
	sched_set(&sched[0], 0, 80, true);
	sched_set(&sched[CAP0], 20000, 80, true);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_tick(sched, BIT(0) | BIT(CAP0), 20000, 0)),
			1686667LL);
	/* A stream stopped (clock not running) is not waited for. */
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_tick(sched, BIT(0), 20000, 0)), 1666667LL);
	/* A slow stream (1024 frames, first report 21.3 ms) puts nothing off. */
	sched_set(&sched[1], 0, 1024, false);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_tick(sched, BIT(0) | BIT(1) | BIT(CAP0),
							      20000, 0)), 1686667LL);
	/*
	 * Capture 1 ms behind: more than a quarter (416 666) apart, so its
	 * report at 1 ms comes on its own tick; playback's is not put off to it.
	 */
	sched_set(&sched[CAP0], 1000000, 80, true);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_tick(sched, BIT(0) | BIT(CAP0), 0, 0)),
			1000000LL);
	KUNIT_EXPECT_EQ(test, ktime_to_ns(vcpcm_emu_next_tick(sched, BIT(0) | BIT(CAP0),
							      1000000, 0)), 1666667LL);
}

static void schedule_shares_only_coarse_free_ticks(struct kunit *test)
{
	struct vcpcm_emu_schedule sched[VCPCM_EMU_CHANS] = {};
	unsigned long both = BIT(0) | BIT(CAP0);

	KUNIT_EXPECT_EQ(test, vcpcm_emu_shared_interval_ns(sched, 0), 0ULL);
	/* A tsched server: 1024-frame periods, reports every 256 frames. */
	sched_set(&sched[0], 0, 1024, false);
	sched_set(&sched[CAP0], 0, 256, false);
	KUNIT_EXPECT_EQ(test, vcpcm_emu_shared_interval_ns(sched, both), 5333333ULL);
	/* 2 ms is coarse enough; anything finer keeps its own schedule. */
	sched_set(&sched[CAP0], 0, 96, false);
	KUNIT_EXPECT_EQ(test, vcpcm_emu_shared_interval_ns(sched, both), 2000000ULL);
	sched_set(&sched[CAP0], 0, 95, false);
	KUNIT_EXPECT_EQ(test, vcpcm_emu_shared_interval_ns(sched, both), 0ULL);
	/* Reports that mark period boundaries may never come early. */
	sched_set(&sched[CAP0], 0, 256, true);
	KUNIT_EXPECT_EQ(test, vcpcm_emu_shared_interval_ns(sched, both), 0ULL);
	/* ... unless that stream's clock has stopped. */
	KUNIT_EXPECT_EQ(test, vcpcm_emu_shared_interval_ns(sched, BIT(0)), 21333333ULL);
}

static struct kunit_case vcpcm_schedule_cases[] = {
	KUNIT_CASE(schedule_keeps_whole_frames),
	KUNIT_CASE(schedule_reports_on_frame_boundaries),
	KUNIT_CASE(schedule_tick_serves_every_channel),
	KUNIT_CASE(schedule_shares_only_coarse_free_ticks),
	{}
};

static struct kunit_suite vcpcm_schedule_suite = {
	.name = "vcpcm_schedule",
	.test_cases = vcpcm_schedule_cases,
};
kunit_test_suite(vcpcm_schedule_suite);

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When the emulated remote's timer fires: each channel's report times and
 * the one tick that serves them (emu_schedule.c). Pure arithmetic on the
 * schedules, so KUnit checks the rules without a timer.
 */
#ifndef VCPCM_EMU_SCHEDULE_H
#define VCPCM_EMU_SCHEDULE_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/ktime.h>
#include <linux/types.h>
#include "vcpcm/core.h"

/* Every emulated channel: playback pair n is n, capture pair n is 8 + n. */
#define VCPCM_EMU_CHANS	(2 * VCPCM_EMU_MAX_PAIRS)
/* The clocked channels are one unsigned long bitmap. */
static_assert(VCPCM_EMU_CHANS <= BITS_PER_LONG);

/*
 * When a channel wants its reports: at every multiple of @frames frames at
 * @rate from @anchor, the start of its clock, so they meet its period
 * boundaries instead of drifting across them.
 */
struct vcpcm_emu_schedule {
	ktime_t anchor;
	u32 frames, rate;
	u64 interval_ns;	/* frames at rate, once, not at every tick */
	bool on_boundaries;	/* its reports mark period boundaries: never early */
};

/* Coarse reports, which a tick shared by every channel may serve. */
#define VCPCM_EMU_COARSE_TICK_NS	(2 * NSEC_PER_MSEC)

void vcpcm_emu_schedule_set(struct vcpcm_emu_schedule *s, ktime_t anchor, ktime_t interval,
			    u32 rate, bool on_boundaries);
ktime_t vcpcm_emu_next_report(const struct vcpcm_emu_schedule *s, ktime_t now);
ktime_t vcpcm_emu_next_tick(const struct vcpcm_emu_schedule sched[VCPCM_EMU_CHANS],
			    unsigned long clocked, ktime_t now, ktime_t finest_tick);
u64 vcpcm_emu_shared_interval_ns(const struct vcpcm_emu_schedule sched[VCPCM_EMU_CHANS],
				 unsigned long clocked);

#endif

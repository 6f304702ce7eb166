/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers for the snd-vcpcm KUnit suites. */
#ifndef VCPCM_TEST_UTIL_H
#define VCPCM_TEST_UTIL_H

#include <kunit/test.h>
#include <linux/math64.h>
#include "vcpcm/core.h"
#include "vcpcm/errno.h"

/*
 * 64-bit division the way kernel C must write it: 32-bit kernels have no
 * libgcc helpers for '/' and '%' on u64 (the 32-bit ARM KUnit run links them).
 */
static inline u32 vcpcm_test_mod(u64 a, u32 b)
{
	u32 rem;

	div_u64_rem(a, b, &rem);
	return rem;
}

static inline u64 vcpcm_test_mod64(u64 a, u64 b)
{
	u64 rem;

	div64_u64_rem(a, b, &rem);
	return rem;
}

/* A recorded chunk sink: remembers what the ring asked to move. */
struct vcpcm_test_sink {
	struct vcpcm_chunk chunks[64];
	unsigned int count;
	int fail_after;		/* accept this many chunks, then fail (-1: never) */
	int fail_with;
};

static inline int vcpcm_test_record(void *ctx, const struct vcpcm_chunk *c)
{
	struct vcpcm_test_sink *s = ctx;

	if (s->fail_after >= 0 && s->count >= (unsigned int)s->fail_after)
		return s->fail_with;
	if (s->count < ARRAY_SIZE(s->chunks))
		s->chunks[s->count] = *c;
	s->count++;
	return 0;
}

static inline void vcpcm_test_sink_reset(struct vcpcm_test_sink *s)
{
	s->count = 0;
	s->fail_after = -1;
	s->fail_with = 0;
}

/* ALSA's boundary for a buffer: the 64-bit one, or a 32-bit application's. */
static inline u64 vcpcm_test_boundary(u64 buffer_frames, bool compat32)
{
	u64 limit = compat32 ? 0x7fffffffULL : 0x7fffffffffffffffULL;
	u64 b = buffer_frames;

	while (b * 2 <= limit - buffer_frames)
		b *= 2;
	return b;
}

/* Deterministic byte pattern: the byte at absolute stream offset i. */
static inline u8 vcpcm_test_byte(u64 i, u32 seed)
{
	u64 x = (i + 1) * 0x9E3779B97F4A7C15ULL ^ seed;

	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ULL;
	return (u8)(x >> 56);
}

/* An interleaved intermediate buffer, as most tests prepare it. */
#define VCPCM_TEST_INTERLEAVED(buf, ch) (&(struct vcpcm_sw_buffer){ .area = (buf), .channels = (ch) })

#endif

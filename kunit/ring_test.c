// SPDX-License-Identifier: GPL-2.0
/* KUnit: the indirect ring manager (src/core/indirect_ring.cpp). */
#include "test_util.h"

/* 4 frames of 4 bytes per period, 4 periods: a 64-byte buffer. */
static struct vcpcm_ring_geometry small_geometry(void)
{
	struct vcpcm_ring_geometry g = {
		.sw_bytes = 64, .period_bytes = 16, .frame_bytes = 4,
		.hw_bytes = 40, .queue_limit = 0, .max_chunk = 1024,
	};
	g.boundary = vcpcm_test_boundary(16, false);
	return g;
}

static void ring_rejects_bad_geometry(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_pring r;

	KUNIT_EXPECT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	g.sw_bytes = 62;	/* not whole frames */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_init(&r, &g), -VCPCM_EINVAL);
	g = small_geometry();
	g.boundary = 17;	/* not a multiple of the buffer */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_init(&r, &g), -VCPCM_EINVAL);
	g = small_geometry();
	g.hw_bytes = 3;		/* less than one frame */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_init(&r, &g), -VCPCM_EINVAL);
	g = small_geometry();
	g.period_bytes = 128;	/* larger than the buffer */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_init(&r, &g), -VCPCM_EINVAL);
}

static void ring_splits_at_the_alsa_ring_end_only(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;

	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	/* 9 frames = 36 bytes: fits the 40-byte FIFO in one piece. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 9), 36);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 36);
	KUNIT_ASSERT_EQ(test, sink.count, 1u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].sw_off, 0u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].len, 36u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 36), 2);	/* 36 bytes: 2 periods */

	/*
	 * 7 more frames: the FIFO ring ends at 40, the ALSA ring at 64. The
	 * remote appends what it is sent, so only the ALSA end cuts a chunk.
	 */
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 16), 28);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 28);
	KUNIT_ASSERT_EQ(test, sink.count, 1u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].sw_off, 36u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].hw_off, 36u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].len, 28u);	/* up to the ALSA end */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 28), 2);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_hw_pos(&r), 0u);	/* wrapped exactly */

	/* Next write starts at the ALSA ring's start, FIFO offset 24. */
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 20), 16);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 16);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].sw_off, 0u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].hw_off, 24u);
}

static void ring_respects_max_chunk(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;
	unsigned int i;

	g.max_chunk = 10;	/* rounds down to 8: whole frames */
	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 8), 32);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 32);
	KUNIT_ASSERT_EQ(test, sink.count, 4u);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_EQ(test, sink.chunks[i].len, 8u);
		KUNIT_EXPECT_EQ(test, sink.chunks[i].sw_off, 8 * i);
	}
}

static void ring_in_flight_limit(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;

	g.queue_limit = 12;	/* 3 frames in flight at most */
	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 10), 40);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 12);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_in_flight(&r), 12u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 28u);
	/* Nothing more goes while the remote has no room. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 8), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 8);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_in_flight(&r), 12u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_hw_pos(&r), 8u);
}

/*
 * Room for only part of a message, and at most a quarter of the queue: wait
 * for the next report and send a whole one. With more room, send what fits,
 * so the remote never runs low for the sake of fuller messages.
 */
static void ring_waits_for_room_for_a_whole_message(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;

	g.max_chunk = 32;	/* the queue (40 bytes) holds one message and a bit */
	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 16), 64);
	/* 8 bytes of room left: they wait. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 32);
	KUNIT_EXPECT_EQ(test, sink.count, 1u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 0);
	/* 12 bytes of room, over a quarter of the queue: what fits goes now. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 4), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 12);
	KUNIT_ASSERT_EQ(test, sink.count, 2u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].sw_off, 32u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].len, 12u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_in_flight(&r), 40u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 20u);
	/* The rest fits whole once the remote has played it. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 20), 1);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 20);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 0u);
}

/* dmix's slave: appl_ptr never moves, the buffer is played round and round. */
static void ring_free_running_plays_the_buffer_round(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;
	u32 i, expect_sw = 0;

	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	vcpcm_pring_run_free(&r, 16);	/* one period ahead of the position */
	for (i = 0; i < 10; i++) {
		vcpcm_test_sink_reset(&sink);
		KUNIT_ASSERT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 16);
		KUNIT_ASSERT_GE(test, sink.count, 1u);
		KUNIT_EXPECT_EQ(test, sink.chunks[0].sw_off, expect_sw);
		KUNIT_EXPECT_EQ(test, vcpcm_pring_in_flight(&r), 16u);
		KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 0u);
		/* No more than the limit, however long ago appl_ptr moved. */
		KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 0);
		KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 16), 1);
		expect_sw = (expect_sw + 16) % 64;
		KUNIT_EXPECT_EQ(test, vcpcm_pring_hw_pos(&r), expect_sw);
	}
	/* An application that does write is accepted without queueing more. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 100), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 99), -VCPCM_EPIPE);
}

/*
 * Data sent before START (prepared, acked), then START free-running with a
 * smaller lead: nothing more goes out until the remote drained below it.
 * (Found by the stress test: the limit went below what was queued, and the
 * room wrapped round to 4 GiB.)
 */
static void ring_free_running_below_what_is_queued(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;

	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	KUNIT_ASSERT_EQ(test, vcpcm_pring_ack(&r, 10), 40);
	KUNIT_ASSERT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 40);
	vcpcm_pring_run_free(&r, 16);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_in_flight(&r), 40u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 36), 2);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 12);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_in_flight(&r), 16u);
}

static void ring_partial_transfer_resumes(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;

	g.max_chunk = 8;
	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	sink.fail_after = 1;
	sink.fail_with = -VCPCM_EAGAIN;
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 6), 24);
	/* One chunk went, then the link was busy: report what was sent. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 8);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 16u);
	/* Nothing went at all: the error itself comes back. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), -VCPCM_EAGAIN);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 16);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].sw_off, 8u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].sw_off, 16u);
}

static void ring_folds_appl_ptr_at_boundary(struct kunit *test, bool compat32)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;
	u64 b = vcpcm_test_boundary(16, compat32);

	if (compat32)	/* what a 32-bit application's kernel view uses */
		KUNIT_EXPECT_LT(test, b, 0x80000000ULL);
	else
		KUNIT_EXPECT_GT(test, b, 0xffffffffULL);
	/* Prepared 8 frames before the boundary: frame b-8 is at byte 32. */
	g.boundary = b;
	g.appl_start = b - 8;
	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_hw_pos(&r), 32u);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, b - 4), 16);
	/* Across the boundary appl_ptr restarts at 0: 8 frames forward. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 4), 32);
	/*
	 * The ALSA end at 64 cuts the first message; the 8 bytes of room
	 * left in the 40-byte FIFO wait for the rest to fit whole.
	 */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 32);
	KUNIT_ASSERT_EQ(test, sink.count, 1u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].sw_off, 32u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].len, 32u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 32), 2);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 16);
	KUNIT_ASSERT_EQ(test, sink.count, 2u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].sw_off, 0u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].len, 16u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 16), 1);
	/* 12 frames after b-8 is frame 4: byte 16. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_hw_pos(&r), 16u);
	/* Values at or past the boundary never come from ALSA. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, b), -VCPCM_EINVAL);
	/* One step back is a rewind, not a wrap. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 3), -VCPCM_EPIPE);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 0u);
	/* One step back across the boundary is a rewind too, not a huge jump. */
	g.appl_start = 0;
	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, b - 1), -VCPCM_EPIPE);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 0u);
}

static void ring_folds_appl_ptr_64(struct kunit *test)
{
	ring_folds_appl_ptr_at_boundary(test, false);
}

static void ring_folds_appl_ptr_32(struct kunit *test)
{
	ring_folds_appl_ptr_at_boundary(test, true);
}

/* Drive a ring across the boundary with real steps and check the wrap. */
static void ring_wraps_across_boundary(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;
	u64 b = 32;		/* a tiny boundary: 2 buffers */
	u64 appl = 0;
	int i;

	g.boundary = b;
	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	for (i = 0; i < 20; i++) {
		appl = (appl + 5) % b;
		vcpcm_test_sink_reset(&sink);
		KUNIT_ASSERT_EQ(test, vcpcm_pring_ack(&r, appl), 20);
		KUNIT_ASSERT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 20);
		KUNIT_ASSERT_GE(test, vcpcm_pring_complete(&r, 20), 0);
	}
	/* 100 frames = 400 bytes consumed: 400 mod 64 = 16. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_hw_pos(&r), 16u);
}

static void ring_refuses_rewind_and_overcommit(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_pring r;

	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 8), 32);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 6), -VCPCM_EPIPE);	/* rewind */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 32u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 17), -VCPCM_EINVAL);	/* > one buffer */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_pending(&r), 32u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_ack(&r, 16), 32);		/* still usable */
}

static void ring_rejects_remote_overcount(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_pring r;

	KUNIT_ASSERT_EQ(test, vcpcm_pring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	KUNIT_ASSERT_EQ(test, vcpcm_pring_ack(&r, 4), 16);
	KUNIT_ASSERT_EQ(test, vcpcm_pring_transfer(&r, vcpcm_test_record, &sink), 16);
	/* More than in flight, or a part of a frame: an error, no change. */
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 20), -VCPCM_EIO);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 0xffffffffu), -VCPCM_EIO);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 6), -VCPCM_EIO);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_hw_pos(&r), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_in_flight(&r), 16u);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_complete(&r, 16), 1);
	KUNIT_EXPECT_EQ(test, vcpcm_pring_hw_pos(&r), 16u);
}

/* Capture: the mirror. Data arrives in messages and lands in the ring. */
static void capture_wraps_and_counts(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_cring r;

	KUNIT_ASSERT_EQ(test, vcpcm_cring_init(&r, &g), 0);
	vcpcm_cring_run_free(&r);	/* like DMA: overwrite unread data */
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 56, vcpcm_test_record, &sink), 3);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_hw_pos(&r), 56u);
	vcpcm_test_sink_reset(&sink);
	/* 16 bytes from offset 56: 8 to the end, 8 from the start. */
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 16, vcpcm_test_record, &sink), 1);
	KUNIT_ASSERT_EQ(test, sink.count, 2u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].sw_off, 56u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].hw_off, 0u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].len, 8u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].sw_off, 0u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].hw_off, 8u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].len, 8u);
	/* 72 bytes arrived, none read: 8 were overwritten. */
	KUNIT_EXPECT_EQ(test, vcpcm_cring_overwritten(&r), 8ULL);
}

static void capture_rejects_bad_counts(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_cring r;

	KUNIT_ASSERT_EQ(test, vcpcm_cring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 6, vcpcm_test_record, &sink), -VCPCM_EIO);
	KUNIT_EXPECT_EQ(test, sink.count, 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_hw_pos(&r), 0u);
}

/*
 * Unless the application allows it, data it has not read is never
 * overwritten: what does not fit is refused whole (an overrun).
 */
static void capture_never_overwrites_unread(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_cring r;

	KUNIT_ASSERT_EQ(test, vcpcm_cring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 56, vcpcm_test_record, &sink), 3);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 16, vcpcm_test_record, &sink), -VCPCM_EPIPE);
	KUNIT_EXPECT_EQ(test, sink.count, 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_hw_pos(&r), 56u);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 72, vcpcm_test_record, &sink), -VCPCM_EPIPE);
	/* Exactly full is allowed; then the application reads 4 frames. */
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 8, vcpcm_test_record, &sink), 1);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_ack(&r, 4), 16);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 16, vcpcm_test_record, &sink), 1);
	KUNIT_EXPECT_EQ(test, sink.count, 1u);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_overwritten(&r), 0ULL);
}

/*
 * Free-running, a late report larger than the whole 64-byte buffer: an
 * overrun, as DMA would make it. The newest 64 bytes stay, the position
 * moves by all 72.
 */
static void capture_longer_than_the_buffer_overruns(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_cring r;

	KUNIT_ASSERT_EQ(test, vcpcm_cring_init(&r, &g), 0);
	vcpcm_cring_run_free(&r);
	vcpcm_test_sink_reset(&sink);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(&r, 72, vcpcm_test_record, &sink), 4);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_hw_pos(&r), 8u);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_overwritten(&r), 8ULL);
	/* Payload bytes 8..71 land at 8..63 and then 0..7: the buffer round. */
	KUNIT_ASSERT_EQ(test, sink.count, 2u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].sw_off, 8u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].hw_off, 8u);
	KUNIT_EXPECT_EQ(test, sink.chunks[0].len, 56u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].sw_off, 0u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].hw_off, 64u);
	KUNIT_EXPECT_EQ(test, sink.chunks[1].len, 8u);
}

static void capture_ack_frees_and_refuses_rewind(struct kunit *test)
{
	struct vcpcm_ring_geometry g = small_geometry();
	struct vcpcm_test_sink sink;
	struct vcpcm_cring r;

	KUNIT_ASSERT_EQ(test, vcpcm_cring_init(&r, &g), 0);
	vcpcm_test_sink_reset(&sink);
	KUNIT_ASSERT_EQ(test, vcpcm_cring_receive(&r, 32, vcpcm_test_record, &sink), 2);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_ack(&r, 8), 32);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_ack(&r, 4), -VCPCM_EPIPE);
	/* The reader kept up: a full buffer more arrives without overwriting. */
	KUNIT_ASSERT_EQ(test, vcpcm_cring_receive(&r, 64, vcpcm_test_record, &sink), 4);
	KUNIT_EXPECT_EQ(test, vcpcm_cring_overwritten(&r), 0ULL);
}

static struct kunit_case vcpcm_ring_cases[] = {
	KUNIT_CASE(ring_rejects_bad_geometry),
	KUNIT_CASE(ring_splits_at_the_alsa_ring_end_only),
	KUNIT_CASE(ring_respects_max_chunk),
	KUNIT_CASE(ring_waits_for_room_for_a_whole_message),
	KUNIT_CASE(ring_in_flight_limit),
	KUNIT_CASE(ring_free_running_plays_the_buffer_round),
	KUNIT_CASE(ring_free_running_below_what_is_queued),
	KUNIT_CASE(ring_partial_transfer_resumes),
	KUNIT_CASE(ring_folds_appl_ptr_64),
	KUNIT_CASE(ring_folds_appl_ptr_32),
	KUNIT_CASE(ring_wraps_across_boundary),
	KUNIT_CASE(ring_refuses_rewind_and_overcommit),
	KUNIT_CASE(ring_rejects_remote_overcount),
	KUNIT_CASE(capture_wraps_and_counts),
	KUNIT_CASE(capture_rejects_bad_counts),
	KUNIT_CASE(capture_longer_than_the_buffer_overruns),
	KUNIT_CASE(capture_never_overwrites_unread),
	KUNIT_CASE(capture_ack_frees_and_refuses_rewind),
	{}
};

static struct kunit_suite vcpcm_ring_suite = {
	.name = "vcpcm_ring",
	.test_cases = vcpcm_ring_cases,
};
kunit_test_suite(vcpcm_ring_suite);

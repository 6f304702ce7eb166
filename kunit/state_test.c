// SPDX-License-Identifier: GPL-2.0
/* KUnit: the stream state machine and the stream's message handling. */
#include <linux/unaligned.h>
#include "test_util.h"

/* The legal transitions, written out independently of the core's table. */
static const struct { int from, ev, to; } legal[] = {
	{ VCPCM_ST_CLOSED, VCPCM_EV_OPEN, VCPCM_ST_OPEN },
	{ VCPCM_ST_OPEN, VCPCM_EV_PREPARE, VCPCM_ST_PREPARED },
	{ VCPCM_ST_OPEN, VCPCM_EV_CLOSE, VCPCM_ST_CLOSED },
	{ VCPCM_ST_PREPARED, VCPCM_EV_PREPARE, VCPCM_ST_PREPARED },
	{ VCPCM_ST_PREPARED, VCPCM_EV_START, VCPCM_ST_RUNNING },
	{ VCPCM_ST_PREPARED, VCPCM_EV_STOP, VCPCM_ST_STOPPED },
	{ VCPCM_ST_PREPARED, VCPCM_EV_CLOSE, VCPCM_ST_CLOSED },
	{ VCPCM_ST_RUNNING, VCPCM_EV_STOP, VCPCM_ST_STOPPED },
	{ VCPCM_ST_RUNNING, VCPCM_EV_XRUN, VCPCM_ST_XRUN },
	{ VCPCM_ST_RUNNING, VCPCM_EV_CLOSE, VCPCM_ST_CLOSED },
	{ VCPCM_ST_RUNNING, VCPCM_EV_PAUSE, VCPCM_ST_PAUSED },
	{ VCPCM_ST_PAUSED, VCPCM_EV_RESUME, VCPCM_ST_RUNNING },
	{ VCPCM_ST_PAUSED, VCPCM_EV_STOP, VCPCM_ST_STOPPED },
	{ VCPCM_ST_PAUSED, VCPCM_EV_PREPARE, VCPCM_ST_PREPARED },
	{ VCPCM_ST_PAUSED, VCPCM_EV_CLOSE, VCPCM_ST_CLOSED },
	{ VCPCM_ST_STOPPED, VCPCM_EV_PREPARE, VCPCM_ST_PREPARED },
	{ VCPCM_ST_STOPPED, VCPCM_EV_STOP, VCPCM_ST_STOPPED },
	{ VCPCM_ST_STOPPED, VCPCM_EV_CLOSE, VCPCM_ST_CLOSED },
	{ VCPCM_ST_XRUN, VCPCM_EV_PREPARE, VCPCM_ST_PREPARED },
	{ VCPCM_ST_XRUN, VCPCM_EV_STOP, VCPCM_ST_XRUN },
	{ VCPCM_ST_XRUN, VCPCM_EV_XRUN, VCPCM_ST_XRUN },
	{ VCPCM_ST_XRUN, VCPCM_EV_CLOSE, VCPCM_ST_CLOSED },
};

static void state_table_is_exact(struct kunit *test)
{
	int from, ev;
	unsigned int i;

	for (from = 0; from < VCPCM_ST_COUNT; from++) {
		for (ev = 0; ev < VCPCM_EV_COUNT; ev++) {
			int expected = -VCPCM_EBADFD;

			for (i = 0; i < ARRAY_SIZE(legal); i++)
				if (legal[i].from == from && legal[i].ev == ev)
					expected = legal[i].to;
			KUNIT_EXPECT_EQ_MSG(test, vcpcm_state_next(from, ev), expected,
					    "state %d event %d", from, ev);
		}
	}
	KUNIT_EXPECT_EQ(test, vcpcm_state_next(VCPCM_ST_COUNT, 0), -VCPCM_EINVAL);
	KUNIT_EXPECT_EQ(test, vcpcm_state_next(0, VCPCM_EV_COUNT), -VCPCM_EINVAL);
}

/* A fake link: remembers the last message type sent, can be made to fail. */
struct fake_link {
	u32 types[32];
	u32 tags[32];		/* the requests' tags */
	unsigned int sent;
	int fail;
	u8 fifo[256];
	u32 fifo_bytes;
};

static int fake_send(void *chan, const void *msg, u32 len, const void *payload, u32 plen)
{
	struct fake_link *l = chan;
	struct vcpcm_msg m;

	if (l->fail)
		return l->fail;
	/* What the core sends must itself decode. */
	if (len < 4 || vcpcm_msg_decode(msg, len, 0, &m) == -VCPCM_EPROTO)
		return -VCPCM_EPROTO;
	if (l->sent < ARRAY_SIZE(l->types)) {
		l->types[l->sent] = get_unaligned_le32(msg);
		l->tags[l->sent] = vcpcm_msg_decode(msg, len, 0, &m) ? 0 : m.tag;
	}
	l->sent++;
	if (plen && l->fifo_bytes + plen <= sizeof(l->fifo)) {
		memcpy(l->fifo + l->fifo_bytes, payload, plen);
		l->fifo_bytes += plen;
	}
	return 0;
}

/* A message from the remote: COMPLETE (count a, sequence b, epoch c), RESULT (a, tag b), others. */
static int wire(u8 *buf, u32 type, s32 a, u32 b, u32 c)
{
	struct vcpcm_msg m = { .type = type };

	if (type == VCPCM_MSG_COMPLETE) {
		m.u.complete.count = a;
		m.u.complete.seq = b;
		m.u.complete.epoch = c;
	} else if (type == VCPCM_MSG_RESULT) {
		m.u.result.success = a;
		m.tag = b;
	} else {
		m.tag = (u32)a;
	}
	return vcpcm_msg_encode(&m, buf, 64);
}

static void stream_follows_the_state_machine(struct kunit *test)
{
	struct vcpcm_ring_geometry g = {
		.sw_bytes = 64, .period_bytes = 16, .frame_bytes = 4, .hw_bytes = 64,
		.max_chunk = 64, .boundary = 1 << 20,
	};
	u8 *sw = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct vcpcm_stream_timing timing = { .rate = 48000, .report_interval_ns = 1000000 };
	struct vcpcm_stream_stats st;
	struct vcpcm_rx_event ev;
	u8 msg[64];
	int len, i;

	KUNIT_ASSERT_NOT_NULL(test, sw);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < 64; i++)
		sw[i] = i;
	vcpcm_stream_init(s, VCPCM_DIR_PLAYBACK, fake_send, l);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_start(s, 0, 0), -VCPCM_EBADFD);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_prepare(s, &g, &timing, VCPCM_TEST_INTERLEAVED(sw, 1)), -VCPCM_EBADFD);
	KUNIT_EXPECT_EQ(test, l->sent, 0u);

	KUNIT_ASSERT_EQ(test, vcpcm_stream_open(s), 0);
	KUNIT_EXPECT_EQ(test, l->types[0], (u32)VCPCM_MSG_OPEN);
	len = wire(msg, VCPCM_MSG_RESULT, -5, l->tags[0], 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_RESULT);
	KUNIT_EXPECT_EQ(test, ev.result, -5);

	KUNIT_ASSERT_EQ(test, vcpcm_stream_configure(s, VCPCM_FMT_S16_LE, 2, 48000), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_prepare(s, &g, &timing, VCPCM_TEST_INTERLEAVED(sw, 1)), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_get_state(s), VCPCM_ST_PREPARED);
	/* Data written before START goes to the remote at once. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_ack(s, 8), 0);
	KUNIT_EXPECT_EQ(test, l->fifo_bytes, 32u);
	KUNIT_EXPECT_MEMEQ(test, l->fifo, sw, 32);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_get_state(s), VCPCM_ST_RUNNING);

	/* A report for another start is stale: ignored, counted. */
	len = wire(msg, VCPCM_MSG_COMPLETE, 16, 1, 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 0u);
	/* The right start: the position moves. */
	len = wire(msg, VCPCM_MSG_COMPLETE, 16, 1, 1);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_POSITION);
	KUNIT_EXPECT_EQ(test, ev.periods, 1u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 16u);
	/* More than is in flight, a negative count, a host-only type: errors. */
	len = wire(msg, VCPCM_MSG_COMPLETE, 20, 2, 1);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), -VCPCM_EIO);
	len = wire(msg, VCPCM_MSG_COMPLETE, -4, 3, 1);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), -VCPCM_EPROTO);
	len = wire(msg, VCPCM_MSG_OPEN, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), -VCPCM_EPROTO);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, 3, NULL, 0, 64, 0, &ev), -VCPCM_EMSGSIZE);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 16u);
	/* The refused report used up its number; a repeat or a gap is refused too. */
	len = wire(msg, VCPCM_MSG_COMPLETE, 16, 2, 1);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), -VCPCM_EILSEQ);
	len = wire(msg, VCPCM_MSG_COMPLETE, 16, 4, 1);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), -VCPCM_EILSEQ);
	len = wire(msg, VCPCM_MSG_COMPLETE, 16, 3, 1);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.drained, 1u);

	KUNIT_ASSERT_EQ(test, vcpcm_stream_stop(s), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);	/* stale */
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 32u);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.stale_rx, 2ULL);
	KUNIT_EXPECT_EQ(test, st.bad_rx, 6ULL);
	KUNIT_EXPECT_EQ(test, st.seq_errors, 2ULL);
	KUNIT_EXPECT_EQ(test, st.bytes_tx, 32ULL);
	KUNIT_EXPECT_EQ(test, st.bytes_rx, 32ULL);

	/* A failing link reports its error and the state does not move. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_prepare(s, &g, &timing, VCPCM_TEST_INTERLEAVED(sw, 1)), 0);
	l->fail = -VCPCM_EIO;
	KUNIT_EXPECT_EQ(test, vcpcm_stream_start(s, 0, 0), -VCPCM_EIO);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_get_state(s), VCPCM_ST_PREPARED);
	l->fail = 0;
	KUNIT_EXPECT_EQ(test, vcpcm_stream_close(s), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_get_state(s), VCPCM_ST_CLOSED);
}

/* A stream on a fake link, opened and prepared. */
static struct vcpcm_stream *prepared_stream(struct kunit *test, struct fake_link *l, u32 dir,
					     const struct vcpcm_ring_geometry *g,
					     const struct vcpcm_stream_timing *t, u8 *sw)
{
	struct vcpcm_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, sw);
	vcpcm_stream_init(s, dir, fake_send, l);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_open(s), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_prepare(s, g, t, VCPCM_TEST_INTERLEAVED(sw, 1)), 0);
	return s;
}

/*
 * Playback of a 64-byte buffer (16-byte periods) started free-running, as
 * dmix starts its slave, with a lead of one period; nothing sent before.
 */
static struct vcpcm_stream *free_running_playback(struct kunit *test, struct fake_link *l, u8 *sw)
{
	static const struct vcpcm_ring_geometry g = {
		.sw_bytes = 64, .period_bytes = 16, .frame_bytes = 4, .hw_bytes = 64,
		.max_chunk = 64, .boundary = 1 << 20,
	};
	static const struct vcpcm_stream_timing timing = {
		.rate = 48000, .report_interval_ns = 1000000,
	};
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_PLAYBACK, &g, &timing, sw);

	KUNIT_EXPECT_EQ(test, l->fifo_bytes, 0u);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 16), 0);
	return s;
}

/* Free-running playback (dmix's slave) sends from the buffer without acks. */
static void stream_free_running_sends_without_acks(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	u8 *sw = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct vcpcm_stream *s;
	struct vcpcm_rx_event ev;
	u8 msg[64];
	int i, len;

	KUNIT_ASSERT_NOT_NULL(test, sw);
	for (i = 0; i < 64; i++)
		sw[i] = i + 1;
	s = free_running_playback(test, l, sw);
	KUNIT_EXPECT_EQ(test, l->fifo_bytes, 16u);
	KUNIT_EXPECT_MEMEQ(test, l->fifo, sw, 16);
	/* Each report refills the lead from the next part of the buffer. */
	for (i = 1; i <= 5; i++) {
		len = wire(msg, VCPCM_MSG_COMPLETE, 16, i, 1);
		KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
		KUNIT_EXPECT_EQ(test, ev.drained, 0u);
		KUNIT_EXPECT_EQ(test, l->fifo_bytes, 16u * (i + 1));
		KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), (u32)(16 * i) % 64);
	}
	KUNIT_EXPECT_MEMEQ(test, l->fifo + 64, sw, 32);	/* round again */
}

/* A 32-byte capture ring of 2-byte frames, 8-byte periods. */
static struct vcpcm_ring_geometry tiny_capture_geometry(void)
{
	struct vcpcm_ring_geometry g = {
		.sw_bytes = 32, .period_bytes = 8, .frame_bytes = 2, .hw_bytes = 64,
		.max_chunk = 64, .boundary = 1 << 20,
	};

	return g;
}

static void capture_stream_stores_payload(struct kunit *test)
{
	struct vcpcm_ring_geometry g = tiny_capture_geometry();
	static const u8 data[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	u8 *sw = kunit_kzalloc(test, 32, GFP_KERNEL);
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_msg m = { .type = VCPCM_MSG_CAPTURE };
	struct vcpcm_stream_timing timing = { .rate = 8000, .report_interval_ns = 1000000 };
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_CAPTURE, &g, &timing, sw);
	struct vcpcm_rx_event ev;
	u8 hdr[64];
	int len, i;

	/* Free-running (dsnoop's slave): capture runs over unread data, like DMA. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 1), 0);
	m.u.capture.epoch = 1;
	m.payload = data;
	m.payload_len = m.u.capture.count = sizeof(data);
	for (i = 0; i < 3; i++) {	/* 36 bytes into a 32-byte ring */
		m.u.capture.seq = i + 1;
		len = vcpcm_msg_encode(&m, hdr, sizeof(hdr));
		KUNIT_ASSERT_GT(test, len, 0);
		KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, hdr, len, data, sizeof(data), 64, 0, &ev), 0);
		KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_POSITION);
		/* Nobody read the position: the third message laps the ring. */
		KUNIT_EXPECT_EQ(test, ev.lapped, (u32)(i == 2));
	}
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 4u);
	KUNIT_EXPECT_MEMEQ(test, sw, data + 8, 4);	/* the wrapped tail */
	KUNIT_EXPECT_MEMEQ(test, sw + 24, data, 8);
	/* COMPLETE is for playback; data longer than the ring is refused. */
	len = wire(hdr, VCPCM_MSG_COMPLETE, 4, 0, 1);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, hdr, len, NULL, 0, 64, 0, &ev), -VCPCM_EPROTO);
}


#define US 1000ULL

/* A 4 KiB buffer of 4-byte frames at 48 kHz, four periods, reports every 1 ms. */
static const struct vcpcm_ring_geometry geometry_4k = {
	.sw_bytes = 4096, .period_bytes = 1024, .frame_bytes = 4, .hw_bytes = 4096,
	.max_chunk = 4096, .boundary = 1 << 20,
};
static const struct vcpcm_stream_timing timing_1ms = {
	.rate = 48000, .report_interval_ns = 1000 * US,
};

static struct vcpcm_stream *running_playback(struct kunit *test, struct fake_link *l, u32 frames)
{
	u8 *sw = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_PLAYBACK, &geometry_4k, &timing_1ms, sw);

	KUNIT_ASSERT_EQ(test, vcpcm_stream_ack(s, frames), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
	return s;
}

/* The report numbered seq: the remote consumed bytes. */
static void complete_at(struct kunit *test, struct vcpcm_stream *s, u32 seq, s32 bytes, u64 now)
{
	struct vcpcm_rx_event ev;
	u8 msg[64];
	int len = wire(msg, VCPCM_MSG_COMPLETE, bytes, seq, 1);

	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, now, &ev), 0);
}

/* 48 kHz, 4-byte frames, reports every 1 ms: 48 frames = 192 bytes per ms. */
static void position_interpolates_between_reports(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream *s;

	KUNIT_ASSERT_NOT_NULL(test, l);
	s = running_playback(test, l, 1024);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 0), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 500 * US), 96u);	/* 24 frames */
	/* No report for 3 ms: the estimate stops one interval ahead. */
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 3000 * US), 192u);
	complete_at(test, s, 1, 192, 3000 * US);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 192u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 3500 * US), 288u);
	/* The remote was slower than estimated: the position holds, never goes back. */
	complete_at(test, s, 2, 48, 3600 * US);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 3600 * US), 288u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 3900 * US), 240u + 14 * 4);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_frames_done(s, 3900 * US), 74ULL);
}

static void position_never_passes_what_was_sent(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream *s;

	KUNIT_ASSERT_NOT_NULL(test, l);
	s = running_playback(test, l, 10);	/* 40 bytes in flight */
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 900 * US), 40u);
	complete_at(test, s, 1, 40, 1000 * US);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 1900 * US), 40u);
}

/* The report numbered seq (consumed bytes) laps the buffer since the last read? */
static u32 lapped_at(struct kunit *test, struct vcpcm_stream *s, u32 seq, s32 bytes, u64 now)
{
	struct vcpcm_rx_event ev;
	u8 msg[64];
	int len = wire(msg, VCPCM_MSG_COMPLETE, bytes, seq, 1);

	KUNIT_EXPECT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, now, &ev), 0);
	return ev.lapped;
}

/*
 * ALSA sees the position modulo the buffer: a whole buffer between two
 * reads of it must be reported, whether in one report or several.
 */
static void position_lapping_the_buffer_is_reported(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream *s;

	KUNIT_ASSERT_NOT_NULL(test, l);
	s = running_playback(test, l, 1024);	/* the whole 4096-byte buffer */
	KUNIT_EXPECT_EQ(test, lapped_at(test, s, 1, 2048, 10 * US), 0u);
	KUNIT_EXPECT_EQ(test, lapped_at(test, s, 2, 2044, 20 * US), 0u);
	/* 4096 bytes since the last read at 0. */
	KUNIT_EXPECT_EQ(test, lapped_at(test, s, 3, 4, 30 * US), 1u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 30 * US), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_ack(s, 2048), 0);
	KUNIT_EXPECT_EQ(test, lapped_at(test, s, 4, 2048, 40 * US), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 40 * US), 2048u);
	KUNIT_EXPECT_EQ(test, lapped_at(test, s, 5, 2048, 50 * US), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 50 * US), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_ack(s, 3072), 0);
	KUNIT_EXPECT_EQ(test, lapped_at(test, s, 6, 4092, 60 * US), 0u);
	KUNIT_EXPECT_EQ(test, lapped_at(test, s, 7, 4, 70 * US), 1u);
}

/*
 * A report interval per stream: a period for a client woken at its
 * boundaries, a quarter where the host acts between them; within the FIFO
 * and the remote's clock.
 */
static void report_interval_follows_the_period(struct kunit *test)
{
	struct vcpcm_report_needs n = {
		.finest_ns = 1000000, .fifo_bytes = 32768, .rate = 48000, .frame_bytes = 4,
	};

	n.period_bytes = 64 * 4;	/* 1.33 ms */
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 1333333u);
	n.period_bytes = 32 * 4;	/* 0.67 ms: finer than the clock */
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 1000000u);
	n.period_bytes = 384 * 4;	/* 8 ms */
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 8000000u);
	n.period_bytes = 1024 * 4;	/* 21.3 ms: never more than the ceiling */
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), VCPCM_REPORT_INTERVAL_MAX_NS);
	n.rate = 192000;
	n.frame_bytes = 32;
	n.period_bytes = 384 * 32;	/* 2 ms */
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 2000000u);
	n.period_bytes = 1920 * 32;	/* 10 ms, but half the FIFO plays in 2.67 ms */
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 2666666u);
	n.rate = 0;
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 1000000u);
	/* Playback sent at reports (dmix's slave, a mapped control record): a quarter period. */
	n.rate = 48000;
	n.frame_bytes = 4;
	n.period_bytes = 1024 * 4;
	n.sent_at_reports = 1;
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 5333333u);
	n.period_bytes = 64 * 4;	/* a quarter is finer than the clock */
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 1000000u);
	n.sent_at_reports = 0;
	/* A timer-driven client (no period wakeups): the finest, whatever the period. */
	n.period_bytes = 1024 * 4;
	n.no_period_wakeup = 1;
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 1000000u);
	/* ... unless each position read brings the capture due: a quarter period. */
	n.positions_on_read = 1;
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 5333333u);
	n.positions_on_read = 0;
	/* A remote of fixed cadence reports at it, whatever we would want. */
	n.no_period_wakeup = 0;
	n.fixed_cadence = 1;
	n.finest_ns = 10000000;
	n.period_bytes = 64 * 4;
	KUNIT_EXPECT_EQ(test, vcpcm_report_interval_ns(&n), 10000000u);
}

/* A remote that announced no sequence numbers: repeats and gaps pass, positions still add up. */
static void unnumbered_reports_are_not_checked(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_ring_geometry g = {
		.sw_bytes = 4096, .period_bytes = 1024, .frame_bytes = 4, .hw_bytes = 4096,
		.max_chunk = 4096, .boundary = 1 << 20,
	};
	struct vcpcm_stream_timing timing = {
		.rate = 48000, .report_interval_ns = 1000 * US, .unnumbered = 1,
	};
	u8 *sw = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct vcpcm_stream_stats st;
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_PLAYBACK, &g, &timing, sw);

	KUNIT_ASSERT_EQ(test, vcpcm_stream_ack(s, 1024), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
	complete_at(test, s, 0, 192, 1000 * US);
	complete_at(test, s, 0, 192, 2000 * US);
	complete_at(test, s, 7, 192, 3000 * US);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 576u);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.seq_errors, 0ULL);
}

static void pause_freezes_the_position(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream *s;

	KUNIT_ASSERT_NOT_NULL(test, l);
	s = running_playback(test, l, 1024);
	complete_at(test, s, 1, 192, 1000 * US);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pause(s, 0, 1500 * US), -VCPCM_EBADFD);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_pause(s, 1, 1500 * US), 0);
	KUNIT_EXPECT_EQ(test, l->types[l->sent - 1], (u32)VCPCM_MSG_PAUSE);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_get_state(s), VCPCM_ST_PAUSED);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 9000 * US), 288u);
	/* A report that raced with the pause still counts. */
	complete_at(test, s, 2, 96, 1600 * US);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 9000 * US), 288u);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_pause(s, 0, 10000 * US), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_get_state(s), VCPCM_ST_RUNNING);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 10500 * US), 384u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stop(s), 0);
}

static void capture_position_is_never_estimated(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	u8 *sw = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_CAPTURE, &geometry_4k, &timing_1ms, sw);

	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_pointer(s, 900 * US), 0u);
}

/* The watchdog counts silence only while the remote owes a report. */
static void stream_stall_counts_only_owed_silence(struct kunit *test)
{
	struct vcpcm_ring_geometry g = {
		.sw_bytes = 4096, .period_bytes = 1024, .frame_bytes = 4, .hw_bytes = 4096,
		.max_chunk = 4096, .boundary = 1 << 20,
	};
	struct vcpcm_stream_timing timing = {
		.rate = 48000, .report_interval_ns = 1000 * US,
		.stall_ns = 400000 * US, .start_latency_ns = 100000 * US,
	};
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	u8 *sw = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_PLAYBACK, &g, &timing, sw);

	KUNIT_EXPECT_EQ(test, vcpcm_stream_stalled(s, 5000000 * US), 0);	/* not running */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
	/* Nothing sent: nothing owed, however long. */
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stalled(s, 2000000 * US), 0);
	/* Data queued at 2 s: the silence counts from then (limit 400 + 100 ms). */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_ack(s, 16), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stalled(s, 2500000 * US), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stalled(s, 2501000 * US), 1);
	/* A report starts it again. */
	complete_at(test, s, 1, 32, 2600000 * US);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stalled(s, 3100000 * US), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stalled(s, 3101000 * US), 1);
	/* Paused: the remote's clock is frozen on purpose. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_pause(s, 1, 3200000 * US), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stalled(s, 9000000 * US), 0);
}

/* A capture message for the stream: count bytes of data, numbered seq. */
static int capture_msg_lost(struct vcpcm_stream *s, u32 seq, const u8 *data, u32 count,
			    u32 lost, struct vcpcm_rx_event *ev)
{
	struct vcpcm_msg m = { .type = VCPCM_MSG_CAPTURE };
	u8 hdr[64];
	int len;

	m.u.capture.epoch = 1;
	m.u.capture.seq = seq;
	m.u.capture.lost = lost;
	m.payload = data;
	m.payload_len = m.u.capture.count = count;
	len = vcpcm_msg_encode(&m, hdr, sizeof(hdr));
	if (len < 0)
		return len;
	return vcpcm_stream_receive(s, hdr, len, data, count, 64, 0, ev);
}

static int capture_msg(struct vcpcm_stream *s, u32 seq, const u8 *data, u32 count,
		       struct vcpcm_rx_event *ev)
{
	return capture_msg_lost(s, seq, data, count, 0, ev);
}

/*
 * Data the application has not read is never overwritten: the message
 * that has no room is an overrun (the caller stops the stream), and
 * nothing of it is written (README "Open" until 2026-11: 25 captured frames
 * overwritten in place before ALSA noticed).
 */
static void capture_never_overwrites_unread_data(struct kunit *test)
{
	struct vcpcm_ring_geometry g = tiny_capture_geometry();
	static const u8 data[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	u8 *sw = kunit_kzalloc(test, 32, GFP_KERNEL);
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream_timing timing = { .rate = 8000, .report_interval_ns = 1000000 };
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_CAPTURE, &g, &timing, sw);
	struct vcpcm_stream_stats st;
	struct vcpcm_rx_event ev;

	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, capture_msg(s, 1, data, 12, &ev), 0);
	KUNIT_ASSERT_EQ(test, capture_msg(s, 2, data, 12, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.overrun, 0u);
	/* 24 unread bytes + 12 do not fit 32: nothing written, position held. */
	KUNIT_ASSERT_EQ(test, capture_msg(s, 3, data, 12, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_POSITION);
	KUNIT_EXPECT_EQ(test, ev.overrun, 1u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 24u);
	KUNIT_EXPECT_MEMEQ(test, sw, data, 12);	/* the oldest unread data is intact */
	KUNIT_EXPECT_NULL(test, memchr_inv(sw + 24, 0, 8));
	/* The application read 8 frames: there is room again. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_ack(s, 8), 0);
	KUNIT_ASSERT_EQ(test, capture_msg(s, 4, data, 12, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.overrun, 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 4u);
	KUNIT_EXPECT_MEMEQ(test, sw + 24, data, 8);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.overruns, 1ULL);
}

/* Capture the remote says it lost is a gap: an overrun, nothing written. */
static void capture_lost_by_the_remote_is_an_overrun(struct kunit *test)
{
	struct vcpcm_ring_geometry g = tiny_capture_geometry();
	static const u8 data[4] = { 1, 2, 3, 4 };
	u8 *sw = kunit_kzalloc(test, 32, GFP_KERNEL);
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream_timing timing = { .rate = 8000, .report_interval_ns = 1000000 };
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_CAPTURE, &g, &timing, sw);
	struct vcpcm_rx_event ev;

	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, capture_msg_lost(s, 1, data, 4, 6, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.overrun, 1u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 0u);
	KUNIT_EXPECT_NULL(test, memchr_inv(sw, 0, 32));
	/*
	 * Free-running too (dsnoop's slave): DMA never skips data, and dsnoop
	 * hears of the gap only by the xrun.
	 */
	s = prepared_stream(test, l, VCPCM_DIR_CAPTURE, &g, &timing, sw);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 1), 0);
	KUNIT_ASSERT_EQ(test, capture_msg_lost(s, 1, data, 4, 6, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.overrun, 1u);
	KUNIT_EXPECT_NULL(test, memchr_inv(sw, 0, 32));
}

/* A RESULT answers only the request that carries its tag. */
static void result_answers_only_its_request(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct vcpcm_stream_stats st;
	struct vcpcm_rx_event ev;
	u8 msg[64];
	int len;

	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, s);
	vcpcm_stream_init(s, VCPCM_DIR_PLAYBACK, fake_send, l);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_open(s), 0);
	/* The caller gave up waiting for OPEN's answer and sends CONFIG. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_configure(s, VCPCM_FMT_S16_LE, 2, 48000), 0);
	KUNIT_ASSERT_EQ(test, l->sent, 2u);
	KUNIT_EXPECT_NE(test, l->tags[0], 0u);
	KUNIT_EXPECT_NE(test, l->tags[1], l->tags[0]);
	/* OPEN's late answer is not CONFIG's. */
	len = wire(msg, VCPCM_MSG_RESULT, 0, l->tags[0], 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_NONE);
	len = wire(msg, VCPCM_MSG_RESULT, -22, l->tags[1], 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_RESULT);
	KUNIT_EXPECT_EQ(test, ev.result, -22);
	/* Answered once: a repeat answers nothing. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_NONE);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.stale_rx, 2ULL);
	KUNIT_EXPECT_EQ(test, st.bad_rx, 0ULL);
	/* The substream's next life (closed, opened again) numbers on. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_close(s), 0);
	vcpcm_stream_init(s, VCPCM_DIR_PLAYBACK, fake_send, l);
	vcpcm_stream_follow(s, 3);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_open(s), 0);
	KUNIT_EXPECT_EQ(test, l->tags[3], 4u);
	len = wire(msg, VCPCM_MSG_RESULT, 0, l->tags[0], 0);	/* the first life's OPEN */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
	KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_NONE);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_serial(s), 4u);
}

/*
 * A RESULT's value ends the application's system call: one the protocol
 * does not have (positive, unknown, garbage) is -EPROTO, never passed on.
 */
static void result_outside_the_protocol_is_eproto(struct kunit *test)
{
	static const s32 said[] = { -160035815, 5, S32_MIN, -4096, -1 };
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct vcpcm_rx_event ev;
	unsigned int i;
	u32 serial;
	u8 msg[64];
	int len;

	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, s);
	vcpcm_stream_init(s, VCPCM_DIR_PLAYBACK, fake_send, l);
	for (i = 0; i < ARRAY_SIZE(said); i++) {
		KUNIT_ASSERT_EQ(test, vcpcm_stream_open(s), 0);
		len = wire(msg, VCPCM_MSG_RESULT, said[i], l->tags[l->sent - 1], 0);
		KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev), 0);
		KUNIT_EXPECT_EQ(test, ev.kind, (u32)VCPCM_RX_RESULT);
		KUNIT_EXPECT_EQ_MSG(test, ev.result, -VCPCM_EPROTO, "the remote said %d", said[i]);
		KUNIT_ASSERT_EQ(test, vcpcm_stream_close(s), 0);
		serial = vcpcm_stream_serial(s);
		vcpcm_stream_init(s, VCPCM_DIR_PLAYBACK, fake_send, l);
		vcpcm_stream_follow(s, serial);
	}
	/* The protocol's own errors pass, as this kernel numbers them. */
	KUNIT_EXPECT_EQ(test, vcpcm_result_errno(-VCPCM_EBUSY), -VCPCM_EBUSY);
	KUNIT_EXPECT_EQ(test, vcpcm_kernel_errno(vcpcm_result_errno(-VCPCM_EBUSY)), -EBUSY);
	/* And the glue passes nothing on that a system call could mistake. */
	KUNIT_EXPECT_EQ(test, vcpcm_kernel_errno(-160035815), -EIO);
}

/* What the application writes while paused is there when it resumes. */
static void writes_while_paused_are_sent(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream_stats st;
	struct vcpcm_stream *s;

	KUNIT_ASSERT_NOT_NULL(test, l);
	s = running_playback(test, l, 256);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_pause(s, 1, 1000 * US), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_ack(s, 256 + 128), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_pause(s, 0, 2000 * US), 0);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.bytes_tx, (256ULL + 128) * 4);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_in_flight(s), (256u + 128) * 4);
}

/*
 * A second prepare of a prepared stream: an application thread's write
 * while the CONFIG awaits its answer must not reach the remote, which
 * the CONFIG resets and whose data prepare() then forgets (found by
 * vcpcm-stress: START overflowed the emulated FIFO with -ENOSPC).
 */
static void no_data_between_config_and_prepare(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	u8 *sw = kunit_kzalloc(test, 4096, GFP_KERNEL);
	struct vcpcm_stream *s = prepared_stream(test, l, VCPCM_DIR_PLAYBACK, &geometry_4k, &timing_1ms, sw);
	struct vcpcm_stream_stats st;

	KUNIT_ASSERT_EQ(test, vcpcm_stream_configure(s, VCPCM_FMT_S16_LE, 2, 48000), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_ack(s, 512), 0);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.bytes_tx, 0ULL);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_start(s, 0, 0), -VCPCM_EBADFD);
	/* Prepared again: the data goes, and the stream starts. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_prepare(s, &geometry_4k, &timing_1ms, VCPCM_TEST_INTERLEAVED(sw, 1)), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_ack(s, 512), 0);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.bytes_tx, 2048ULL);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
}

/*
 * SNDRV_PCM_IOCTL_RESET moves appl_ptr back to the position (folded into
 * the first buffer) without an ack. The stream keeps running: the
 * application's rewrite of what is already at the remote is not sent
 * again, and what follows is.
 */
static void reset_keeps_a_running_stream_running(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_stream_stats st;
	struct vcpcm_stream *s;

	KUNIT_ASSERT_NOT_NULL(test, l);
	s = running_playback(test, l, 1024);	/* a whole 4096-byte buffer sent */
	complete_at(test, s, 1, 1024, 1000 * US);	/* 256 frames played */
	/* The application refills what was played: appl_ptr 1280. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_ack(s, 1024 + 256), 0);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_ASSERT_EQ(test, st.bytes_tx, 5120ULL);
	/* RESET at hw_ptr 300: appl_ptr = 300; frames 300..1279 are at the remote. */
	vcpcm_stream_rebase(s, 300);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_ack(s, 300 + 1000), 0);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.bytes_tx, 5120ULL);	/* FIFO full: 20 frames wait */
	complete_at(test, s, 2, 1024, 2000 * US);
	vcpcm_stream_get_stats(s, &st);
	KUNIT_EXPECT_EQ(test, st.bytes_tx, 5120ULL + 20 * 4);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_get_state(s), VCPCM_ST_RUNNING);
	/* A real rewind is still refused. */
	KUNIT_EXPECT_EQ(test, vcpcm_stream_ack(s, 1200), -VCPCM_EPIPE);
}

/* The first report of a run: the remote consumed count bytes and ran dry for underrun. */
static void first_report_with_underrun(struct kunit *test, struct vcpcm_stream *s, s32 count,
				       u32 underrun, struct vcpcm_rx_event *ev)
{
	struct vcpcm_msg m = { .type = VCPCM_MSG_COMPLETE };
	u8 msg[64];
	int len;

	m.u.complete.count = count;
	m.u.complete.seq = 1;
	m.u.complete.epoch = 1;
	m.u.complete.underrun = underrun;
	len = vcpcm_msg_encode(&m, msg, sizeof(msg));
	KUNIT_ASSERT_EQ(test, vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, ev), 0);
	KUNIT_EXPECT_EQ(test, ev->kind, (u32)VCPCM_RX_POSITION);
}

/* A remote that ran dry says so; the glue judges it by the stop threshold. */
static void underrun_reports_are_passed_on(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	struct vcpcm_rx_event ev;

	KUNIT_ASSERT_NOT_NULL(test, l);
	first_report_with_underrun(test, running_playback(test, l, 256), 1024, 96, &ev);
	KUNIT_EXPECT_EQ(test, ev.underrun_bytes, 96u);
	KUNIT_EXPECT_EQ(test, ev.drained, 1u);
}

/*
 * Free-running playback (dmix's slave) runs dry only when the link is late:
 * that silence is passed on too, never hidden (dmix hears of it by the xrun).
 */
static void free_running_underrun_is_passed_on(struct kunit *test)
{
	struct fake_link *l = kunit_kzalloc(test, sizeof(*l), GFP_KERNEL);
	u8 *sw = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct vcpcm_rx_event ev;
	struct vcpcm_stream *s;

	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_ASSERT_NOT_NULL(test, sw);
	s = free_running_playback(test, l, sw);
	first_report_with_underrun(test, s, 16, 32, &ev);
	KUNIT_EXPECT_EQ(test, ev.underrun_bytes, 32u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_hw_pos(s), 16u);
}

static struct kunit_case vcpcm_state_cases[] = {
	KUNIT_CASE(state_table_is_exact),
	KUNIT_CASE(stream_follows_the_state_machine),
	KUNIT_CASE(stream_free_running_sends_without_acks),
	KUNIT_CASE(capture_stream_stores_payload),
	KUNIT_CASE(capture_never_overwrites_unread_data),
	KUNIT_CASE(capture_lost_by_the_remote_is_an_overrun),
	KUNIT_CASE(result_answers_only_its_request),
	KUNIT_CASE(result_outside_the_protocol_is_eproto),
	KUNIT_CASE(writes_while_paused_are_sent),
	KUNIT_CASE(no_data_between_config_and_prepare),
	KUNIT_CASE(reset_keeps_a_running_stream_running),
	KUNIT_CASE(underrun_reports_are_passed_on),
	KUNIT_CASE(free_running_underrun_is_passed_on),
	KUNIT_CASE(position_interpolates_between_reports),
	KUNIT_CASE(position_never_passes_what_was_sent),
	KUNIT_CASE(position_lapping_the_buffer_is_reported),
	KUNIT_CASE(report_interval_follows_the_period),
	KUNIT_CASE(unnumbered_reports_are_not_checked),
	KUNIT_CASE(pause_freezes_the_position),
	KUNIT_CASE(capture_position_is_never_estimated),
	KUNIT_CASE(stream_stall_counts_only_owed_silence),
	{}
};

static struct kunit_suite vcpcm_state_suite = {
	.name = "vcpcm_state",
	.test_cases = vcpcm_state_cases,
};
kunit_test_suite(vcpcm_state_suite);

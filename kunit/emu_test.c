// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the emulated coprocessor model (src/core/coprocessor.cpp), driven
 * with a virtual clock so every figure is exact.
 */
#include "test_util.h"

#define PAIRS	2
#define FIFO	4096
#define PAYLOAD	1000
#define PLAY(i)	VCPCM_EMU_CHAN(VCPCM_DIR_PLAYBACK, i)
#define CAP(i)	VCPCM_EMU_CHAN(VCPCM_DIR_CAPTURE, i)
#define MS	1000000ULL

static struct vcpcm_emu *new_emu_with_latency(struct kunit *test, u32 start_latency_us)
{
	struct vcpcm_emu_params p = {
		.pairs = PAIRS, .fifo_bytes = FIFO, .max_payload = PAYLOAD,
		.start_latency_us = start_latency_us,
	};
	u64 size = vcpcm_emu_mem_size(&p);
	void *mem;

	KUNIT_ASSERT_GT(test, size, 0ULL);
	mem = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_ASSERT_NULL(test, vcpcm_emu_init(mem, size - 1, &p));
	return vcpcm_emu_init(mem, size, &p);
}

static struct vcpcm_emu *new_emu(struct kunit *test)
{
	return new_emu_with_latency(test, 0);
}

/* Send one host message; returns the handle result, RESULT value in *res. */
static int host_send(struct vcpcm_emu *e, u32 chan, struct vcpcm_msg *m, u64 now, int *res)
{
	struct vcpcm_emu_out reply;
	struct vcpcm_msg r;
	u8 hdr[64];
	int len = vcpcm_msg_encode(m, hdr, sizeof(hdr));
	int ret;

	if (len < 0)
		return len;
	ret = vcpcm_emu_handle(e, chan, hdr, len, m->payload, m->payload_len, now, &reply);
	if (ret == 1) {
		if (vcpcm_msg_decode(reply.hdr, reply.len, 0, &r) || r.type != VCPCM_MSG_RESULT)
			return -1000;
		*res = r.u.result.success;
	}
	return ret;
}

static int simple(struct vcpcm_emu *e, u32 chan, u32 type, u32 value, u64 now)
{
	struct vcpcm_msg m = { .type = type };
	int res = 0x7fff, ret;

	m.tag = value;	/* OPEN, CLOSE */
	m.u.epoch = value;	/* START epoch, STOP draining */
	ret = host_send(e, chan, &m, now, &res);
	return ret == 1 ? res : ret;
}

static int configure(struct vcpcm_emu *e, u32 chan, u32 format, u32 channels, u32 rate)
{
	struct vcpcm_msg m = { .type = VCPCM_MSG_CONFIG };
	int res = 0x7fff, ret;

	m.u.config.channels = channels;
	m.u.config.samplerate = rate;
	m.u.config.format = format;
	m.u.config.bps = 8 * vcpcm_format_bytes(format);
	m.u.config.direction = chan >= VCPCM_EMU_MAX_PAIRS;
	ret = host_send(e, chan, &m, 0, &res);
	return ret == 1 ? res : ret;
}

/* Open and configure chan, asserting both are accepted. */
static void ready(struct kunit *test, struct vcpcm_emu *e, u32 chan, u32 format, u32 channels,
		  u32 rate)
{
	KUNIT_ASSERT_EQ(test, simple(e, chan, VCPCM_MSG_OPEN, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, configure(e, chan, format, channels, rate), 0);
}

static int write_data(struct vcpcm_emu *e, u32 chan, const u8 *data, u32 len)
{
	struct vcpcm_msg m = { .type = VCPCM_MSG_WRITE };

	m.u.write.count = len;
	m.payload = data;
	m.payload_len = len;
	return host_send(e, chan, &m, 0, NULL);
}

/* Collect one tick's messages for chan: COMPLETE total, CAPTURE bytes. */
struct tick_result {
	u32 completed, underrun, captured, lost, epoch, messages;
	u32 others, others_completed;	/* other channels' messages, COMPLETE total */
	u32 first_seq, last_seq;
	u8 data[FIFO];
};

static void collect(struct kunit *test, const struct vcpcm_emu_out *out, u32 n, u32 chan,
		    struct tick_result *t)
{
	u32 i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		struct vcpcm_msg m;
		/* The fixed part alone: a CAPTURE then lacks its payload. */
		int err = vcpcm_msg_decode(out[i].hdr, out[i].len, 0, &m);

		KUNIT_ASSERT_EQ(test, err, m.type == VCPCM_MSG_CAPTURE ? -VCPCM_EMSGSIZE : 0);
		if (out[i].chan != chan) {
			t->others++;
			if (m.type == VCPCM_MSG_COMPLETE)
				t->others_completed += m.u.complete.count;
			continue;
		}
		t->messages++;
		t->last_seq = m.type == VCPCM_MSG_COMPLETE ? m.u.complete.seq : m.u.capture.seq;
		if (t->messages == 1)
			t->first_seq = t->last_seq;
		if (m.type == VCPCM_MSG_COMPLETE) {
			t->completed += m.u.complete.count;
			t->underrun += m.u.complete.underrun;
			t->epoch = m.u.complete.epoch;
		} else {
			KUNIT_ASSERT_EQ(test, m.type, (u32)VCPCM_MSG_CAPTURE);
			KUNIT_ASSERT_EQ(test, m.u.capture.count, out[i].payload_len);
			KUNIT_ASSERT_LE(test, out[i].payload_len, (u32)PAYLOAD);
			KUNIT_ASSERT_LE(test, t->captured + out[i].payload_len, (u32)FIFO);
			memcpy(t->data + t->captured, out[i].payload, out[i].payload_len);
			t->captured += out[i].payload_len;
			t->lost += m.u.capture.lost;
			t->epoch = m.u.capture.epoch;
		}
	}
}

static void tick(struct kunit *test, struct vcpcm_emu *e, u64 now, u32 chan, struct tick_result *t)
{
	const struct vcpcm_emu_out *out;
	u32 n = vcpcm_emu_tick(e, now, &out);

	collect(test, out, n, chan, t);
}

/* A position read between ticks: chan's reports up to now, out of turn. */
static void poll_capture(struct kunit *test, struct vcpcm_emu *e, u64 now, u32 chan,
			 struct tick_result *t)
{
	const struct vcpcm_emu_out *out;
	u32 n = vcpcm_emu_poll_capture(e, chan, now, &out);

	collect(test, out, n, chan, t);
}

static void emu_answers_requests(struct kunit *test)
{
	struct vcpcm_emu *e = new_emu(test);
	u8 hdr[VCPCM_MSG_MAX_FIXED] = { VCPCM_MSG_OPEN };

	KUNIT_EXPECT_EQ(test, configure(e, PLAY(0), VCPCM_FMT_S16_LE, 2, 48000), -VCPCM_EBADFD);
	KUNIT_EXPECT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_OPEN, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, configure(e, PLAY(0), VCPCM_FMT_S16_LE, 0, 48000), -VCPCM_EINVAL);
	KUNIT_EXPECT_EQ(test, configure(e, PLAY(0), VCPCM_FMT_S16_LE, 2, 1000), -VCPCM_EINVAL);
	KUNIT_EXPECT_EQ(test, configure(e, PLAY(0), VCPCM_FMT_S16_LE, 9, 48000), -VCPCM_EINVAL);
	KUNIT_EXPECT_EQ(test, configure(e, PLAY(0), VCPCM_FMT_S16_LE, 2, 48000), 0);
	/* START before CONFIG on another channel: refused, no reply. */
	KUNIT_EXPECT_EQ(test, simple(e, PLAY(1), VCPCM_MSG_START, 1, 0), -VCPCM_EBADFD);
	/* Channels past the configured pairs, malformed messages. */
	KUNIT_EXPECT_EQ(test, simple(e, PLAY(PAIRS), VCPCM_MSG_OPEN, 0, 0), -VCPCM_EINVAL);
	KUNIT_EXPECT_EQ(test, vcpcm_emu_handle(e, PLAY(0), hdr, 3, NULL, 0, 0, NULL), -VCPCM_EMSGSIZE);
	hdr[0] = VCPCM_MSG_COMPLETE;	/* a remote-to-host type */
	KUNIT_EXPECT_EQ(test, vcpcm_emu_handle(e, PLAY(0), hdr, 20, NULL, 0, 0, NULL), -VCPCM_EPROTO);
	KUNIT_EXPECT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_CLOSE, 0, 0), 0);
}

static void emu_consumes_at_the_sample_clock(struct kunit *test)
{
	struct vcpcm_emu *e = new_emu(test);
	struct tick_result *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct vcpcm_emu_chan_stats st;
	static u8 data[480];

	KUNIT_ASSERT_NOT_NULL(test, t);
	ready(test, e, PLAY(0), VCPCM_FMT_S16_LE, 2, 48000);
	KUNIT_ASSERT_EQ(test, write_data(e, PLAY(0), data, sizeof(data)), 0);	/* 120 frames */
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_START, 7, 10 * MS), 0);
	KUNIT_EXPECT_TRUE(test, vcpcm_emu_running(e));
	tick(test, e, 11 * MS, PLAY(0), t);	/* 1 ms = 48 frames = 192 bytes */
	KUNIT_EXPECT_EQ(test, t->completed, 192u);
	KUNIT_EXPECT_EQ(test, t->epoch, 7u);
	tick(test, e, 12 * MS, PLAY(0), t);
	KUNIT_EXPECT_EQ(test, t->completed, 192u);
	KUNIT_EXPECT_EQ(test, t->underrun, 0u);
	tick(test, e, 13 * MS, PLAY(0), t);	/* only 24 frames were left */
	KUNIT_EXPECT_EQ(test, t->completed, 96u);
	KUNIT_EXPECT_EQ(test, t->underrun, 96u);	/* then it ran dry */
	tick(test, e, 14 * MS, PLAY(0), t);	/* dry: it says so, with nothing consumed */
	KUNIT_EXPECT_EQ(test, t->messages, 1u);
	KUNIT_EXPECT_EQ(test, t->completed, 0u);
	KUNIT_EXPECT_EQ(test, t->underrun, 192u);
	vcpcm_emu_get_stats(e, PLAY(0), &st);
	KUNIT_EXPECT_EQ(test, st.bytes_played, 480ULL);
	KUNIT_EXPECT_EQ(test, st.underrun_bytes, 4 * 192ULL - 480);
	/* A second's worth later the clock is still exact (rebasing). */
	tick(test, e, 1014 * MS, PLAY(0), t);
	vcpcm_emu_get_stats(e, PLAY(0), &st);
	KUNIT_EXPECT_EQ(test, st.underrun_bytes, 1004 * 192ULL - 480);
}

/* With a start-up latency the clock (and so COMPLETE) starts that much later. */
static void emu_start_latency_delays_the_clock(struct kunit *test)
{
	struct vcpcm_emu_params bad = {
		.pairs = PAIRS, .fifo_bytes = FIFO, .max_payload = PAYLOAD, .start_latency_us = 1000001,
	};
	struct vcpcm_emu *e = new_emu_with_latency(test, 5000);
	struct tick_result *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	static u8 data[960];

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_EXPECT_EQ(test, vcpcm_emu_mem_size(&bad), 0ULL);
	KUNIT_EXPECT_NULL(test, vcpcm_emu_init(t, sizeof(*t), &bad));
	KUNIT_ASSERT_NOT_NULL(test, e);
	ready(test, e, PLAY(0), VCPCM_FMT_S16_LE, 2, 48000);
	KUNIT_ASSERT_EQ(test, write_data(e, PLAY(0), data, sizeof(data)), 0);
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_START, 3, 10 * MS), 0);
	tick(test, e, 11 * MS, PLAY(0), t);
	KUNIT_EXPECT_EQ(test, t->messages, 0u);	/* still starting */
	tick(test, e, 15 * MS, PLAY(0), t);
	KUNIT_EXPECT_EQ(test, t->messages, 0u);
	tick(test, e, 16 * MS, PLAY(0), t);	/* 1 ms after the latency */
	KUNIT_EXPECT_EQ(test, t->completed, 192u);
}

static void emu_flow_control(struct kunit *test)
{
	struct vcpcm_emu *e = new_emu(test);
	static u8 data[FIFO];

	KUNIT_ASSERT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_OPEN, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, write_data(e, PLAY(0), data, 4), -VCPCM_EBADFD);	/* not configured */
	KUNIT_ASSERT_EQ(test, configure(e, PLAY(0), VCPCM_FMT_S32_LE, 2, 48000), 0);
	KUNIT_EXPECT_EQ(test, write_data(e, PLAY(0), data, 12), -VCPCM_EINVAL);	/* part of a frame */
	KUNIT_EXPECT_EQ(test, write_data(e, PLAY(0), data, FIFO - 8), 0);
	KUNIT_EXPECT_EQ(test, write_data(e, PLAY(0), data, 16), -VCPCM_ENOSPC);	/* overflow */
	KUNIT_EXPECT_EQ(test, write_data(e, PLAY(0), data, 8), 0);
	ready(test, e, CAP(0), VCPCM_FMT_S32_LE, 2, 48000);
	KUNIT_EXPECT_EQ(test, write_data(e, CAP(0), data, 8), -VCPCM_EBADFD);	/* capture */
}

static void emu_loops_playback_to_capture(struct kunit *test)
{
	struct vcpcm_emu *e = new_emu(test);
	struct tick_result *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	u8 *data = kunit_kzalloc(test, 3840, GFP_KERNEL);
	u32 i, got = 0;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, data);
	for (i = 0; i < 3840; i++)
		data[i] = vcpcm_test_byte(i, 1);
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(1), VCPCM_MSG_OPEN, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, simple(e, CAP(1), VCPCM_MSG_OPEN, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, configure(e, PLAY(1), VCPCM_FMT_S16_LE, 2, 48000), 0);
	KUNIT_ASSERT_EQ(test, configure(e, CAP(1), VCPCM_FMT_S16_LE, 2, 48000), 0);
	KUNIT_ASSERT_EQ(test, write_data(e, PLAY(1), data, 3840), 0);	/* 20 ms */
	KUNIT_ASSERT_EQ(test, simple(e, CAP(1), VCPCM_MSG_START, 3, 0), 0);
	/* Capture alone: 1 ms of silence at its own clock. */
	tick(test, e, MS, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->captured, 192u);
	KUNIT_EXPECT_EQ(test, t->epoch, 3u);
	KUNIT_EXPECT_NULL(test, memchr_inv(t->data, 0, t->captured));
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(1), VCPCM_MSG_START, 4, MS), 0);
	/* 6 ms ticks: 1152 bytes each, more than one message of 1000. */
	for (i = 1; i <= 4; i++) {
		tick(test, e, MS + 6 * i * MS, CAP(1), t);
		KUNIT_EXPECT_EQ(test, t->captured, 1152u);
		KUNIT_EXPECT_EQ(test, t->messages, 2u);
		KUNIT_EXPECT_MEMEQ(test, t->data, data + got, min(1152u, 3840 - got));
		got += 1152;
	}
	/* The last tick ran 768 bytes past the data: silence, not garbage. */
	KUNIT_EXPECT_NULL(test, memchr_inv(t->data + 3840 - 3456, 0, 768));
}

/*
 * A capture position read between ticks gets every frame due then, in
 * sequence with the ticks' reports and bit-exact in the loopback; the
 * playback it played meanwhile is reported at the next tick.
 */
static void emu_polls_capture_between_ticks(struct kunit *test)
{
	struct vcpcm_emu *e = new_emu(test);
	struct tick_result *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct vcpcm_emu_fault dup = { .kind = VCPCM_FAULT_DUPLICATE, .chan = CAP(1) };
	struct vcpcm_emu_fault none = { .kind = VCPCM_FAULT_NONE, .chan = -1 };
	u8 *data = kunit_kzalloc(test, 3840, GFP_KERNEL);
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_NOT_NULL(test, data);
	for (i = 0; i < 3840; i++)
		data[i] = vcpcm_test_byte(i, 7);
	ready(test, e, PLAY(1), VCPCM_FMT_S16_LE, 2, 48000);
	ready(test, e, CAP(1), VCPCM_FMT_S16_LE, 2, 48000);
	poll_capture(test, e, 0, CAP(1), t);	/* not started: nothing */
	KUNIT_EXPECT_EQ(test, t->messages + t->others, 0u);
	KUNIT_ASSERT_EQ(test, write_data(e, PLAY(1), data, 3840), 0);	/* 20 ms */
	KUNIT_ASSERT_EQ(test, simple(e, CAP(1), VCPCM_MSG_START, 3, 0), 0);
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(1), VCPCM_MSG_START, 4, 0), 0);

	tick(test, e, MS, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->captured, 192u);
	KUNIT_EXPECT_EQ(test, t->last_seq, 1u);
	/* 250 us later: the 12 frames due, for the capture channel alone. */
	poll_capture(test, e, MS + MS / 4, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->captured, 48u);
	KUNIT_EXPECT_EQ(test, t->first_seq, 2u);
	KUNIT_EXPECT_EQ(test, t->epoch, 3u);
	KUNIT_EXPECT_EQ(test, t->others, 0u);
	KUNIT_EXPECT_MEMEQ(test, t->data, data + 192, 48);
	poll_capture(test, e, MS + MS / 4, CAP(1), t);	/* nothing new */
	KUNIT_EXPECT_EQ(test, t->messages + t->others, 0u);
	poll_capture(test, e, 2 * MS, PLAY(1), t);	/* capture only */
	KUNIT_EXPECT_EQ(test, t->messages + t->others, 0u);
	/* The tick goes on from there; playback reports both parts. */
	tick(test, e, 2 * MS, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->captured, 144u);
	KUNIT_EXPECT_EQ(test, t->first_seq, 3u);
	KUNIT_EXPECT_MEMEQ(test, t->data, data + 240, 144);
	KUNIT_EXPECT_EQ(test, t->others_completed, 192u);
	tick(test, e, 3 * MS, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->captured, 192u);
	KUNIT_EXPECT_MEMEQ(test, t->data, data + 384, 192);

	/* A fault set: only the tick reports, where the plan applies. */
	KUNIT_ASSERT_EQ(test, vcpcm_emu_inject(e, &dup, 3 * MS), 0);
	poll_capture(test, e, 3 * MS + MS / 2, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->messages + t->others, 0u);
	KUNIT_ASSERT_EQ(test, vcpcm_emu_inject(e, &none, 3 * MS + MS / 2), 0);
	poll_capture(test, e, 3 * MS + MS / 2, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->captured, 96u);
	KUNIT_EXPECT_MEMEQ(test, t->data, data + 576, 96);

	/* Playback draining: its end belongs to a tick. */
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(1), VCPCM_MSG_STOP, 1, 4 * MS), 0);
	poll_capture(test, e, 5 * MS, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->messages + t->others, 0u);
	tick(test, e, 5 * MS, CAP(1), t);
	KUNIT_EXPECT_EQ(test, t->captured, 288u);
	KUNIT_EXPECT_MEMEQ(test, t->data, data + 672, 288);
}

static void emu_u8_silence_and_draining(struct kunit *test)
{
	struct vcpcm_emu *e = new_emu(test);
	struct tick_result *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	static u8 data[80];

	KUNIT_ASSERT_NOT_NULL(test, t);
	ready(test, e, CAP(0), VCPCM_FMT_U8, 1, 8000);
	KUNIT_ASSERT_EQ(test, simple(e, CAP(0), VCPCM_MSG_START, 1, 0), 0);
	tick(test, e, 10 * MS, CAP(0), t);
	KUNIT_EXPECT_EQ(test, t->captured, 80u);
	KUNIT_EXPECT_NULL(test, memchr_inv(t->data, 0x80, 80));
	KUNIT_ASSERT_EQ(test, simple(e, CAP(0), VCPCM_MSG_STOP, 0, 10 * MS), 0);

	/* A draining stop plays out the FIFO, then the clock stops. */
	ready(test, e, PLAY(0), VCPCM_FMT_U8, 1, 8000);
	KUNIT_ASSERT_EQ(test, write_data(e, PLAY(0), data, 80), 0);
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_START, 1, 0), 0);
	tick(test, e, 5 * MS, PLAY(0), t);
	KUNIT_EXPECT_EQ(test, t->completed, 40u);
	KUNIT_EXPECT_TRUE(test, vcpcm_emu_clocked(e, PLAY(0)));
	KUNIT_EXPECT_FALSE(test, vcpcm_emu_clocked(e, CAP(0)));	/* stopped above */
	KUNIT_EXPECT_FALSE(test, vcpcm_emu_clocked(e, 2 * VCPCM_EMU_MAX_PAIRS));
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_STOP, 1, 5 * MS), 0);
	KUNIT_EXPECT_TRUE(test, vcpcm_emu_running(e));
	KUNIT_EXPECT_TRUE(test, vcpcm_emu_clocked(e, PLAY(0)));	/* draining */
	tick(test, e, 20 * MS, PLAY(0), t);
	KUNIT_EXPECT_EQ(test, t->completed, 40u);
	KUNIT_EXPECT_FALSE(test, vcpcm_emu_running(e));
	KUNIT_EXPECT_FALSE(test, vcpcm_emu_clocked(e, PLAY(0)));
}

/* Capture the remote cannot keep while its reports are held is reported lost. */
static void emu_reports_lost_capture(struct kunit *test)
{
	struct vcpcm_emu *e = new_emu(test);
	struct tick_result *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct vcpcm_emu_fault delay = {
		.kind = VCPCM_FAULT_DELAY, .chan = CAP(0), .delay_ms = 1000,
	};

	KUNIT_ASSERT_NOT_NULL(test, t);
	ready(test, e, CAP(0), VCPCM_FMT_U8, 1, 8000);
	KUNIT_ASSERT_EQ(test, simple(e, CAP(0), VCPCM_MSG_START, 1, 0), 0);
	tick(test, e, 10 * MS, CAP(0), t);
	KUNIT_EXPECT_EQ(test, t->lost, 0u);
	KUNIT_ASSERT_EQ(test, vcpcm_emu_inject(e, &delay, 10 * MS), 0);
	tick(test, e, 500 * MS, CAP(0), t);	/* held: 3920 bytes staged */
	KUNIT_EXPECT_EQ(test, t->messages, 0u);
	tick(test, e, 1100 * MS, CAP(0), t);	/* 8720 due, FIFO bytes kept */
	KUNIT_EXPECT_EQ(test, t->captured, (u32)FIFO);
	KUNIT_EXPECT_EQ(test, t->lost, 8720u - FIFO);
	tick(test, e, 1110 * MS, CAP(0), t);
	KUNIT_EXPECT_EQ(test, t->captured, 80u);
	KUNIT_EXPECT_EQ(test, t->lost, 0u);
}

static void emu_pause_keeps_fifo_and_freezes_clock(struct kunit *test)
{
	struct vcpcm_emu *e = new_emu(test);
	struct tick_result *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct vcpcm_emu_chan_stats st;
	static u8 data[960];

	KUNIT_ASSERT_NOT_NULL(test, t);
	ready(test, e, PLAY(0), VCPCM_FMT_S16_LE, 2, 48000);
	KUNIT_ASSERT_EQ(test, write_data(e, PLAY(0), data, sizeof(data)), 0);
	KUNIT_EXPECT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_PAUSE, 0, 0), -VCPCM_EBADFD);
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_START, 1, 0), 0);
	tick(test, e, MS, PLAY(0), t);
	KUNIT_EXPECT_EQ(test, t->completed, 192u);
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_PAUSE, 1, MS), 0);
	KUNIT_EXPECT_FALSE(test, vcpcm_emu_running(e));
	KUNIT_EXPECT_FALSE(test, vcpcm_emu_clocked(e, PLAY(0)));
	tick(test, e, 5 * MS, PLAY(0), t);
	KUNIT_EXPECT_EQ(test, t->messages, 0u);
	vcpcm_emu_get_stats(e, PLAY(0), &st);
	KUNIT_EXPECT_EQ(test, st.fifo_level, 960u - 192);
	KUNIT_EXPECT_EQ(test, st.underrun_bytes, 0ULL);
	KUNIT_ASSERT_EQ(test, simple(e, PLAY(0), VCPCM_MSG_PAUSE, 0, 5 * MS), 0);
	tick(test, e, 6 * MS, PLAY(0), t);
	KUNIT_EXPECT_EQ(test, t->completed, 192u);
}

static struct kunit_case vcpcm_emu_cases[] = {
	KUNIT_CASE(emu_answers_requests),
	KUNIT_CASE(emu_consumes_at_the_sample_clock),
	KUNIT_CASE(emu_start_latency_delays_the_clock),
	KUNIT_CASE(emu_flow_control),
	KUNIT_CASE(emu_loops_playback_to_capture),
	KUNIT_CASE(emu_polls_capture_between_ticks),
	KUNIT_CASE(emu_u8_silence_and_draining),
	KUNIT_CASE(emu_reports_lost_capture),
	KUNIT_CASE(emu_pause_keeps_fifo_and_freezes_clock),
	{}
};

static struct kunit_suite vcpcm_emu_suite = {
	.name = "vcpcm_emu",
	.test_cases = vcpcm_emu_cases,
};
kunit_test_suite(vcpcm_emu_suite);

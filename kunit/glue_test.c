// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the C glue. Module parameter checks, and the emulated-coprocessor
 * transport with its real hrtimer, work item and locks, carrying core
 * streams end to end: playback into the FIFO, capture back bit-exact.
 */
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "test_util.h"
#include "vcpcm.h"

static void glue_checks_params(struct kunit *test)
{
	struct vcpcm_card_params good = {
		.pcm_substreams = 1, .fifo_bytes = 32768, .tick_us = 1000, .buffer_kib = 512,
		.max_payload = 4000,
	};
	struct vcpcm_card_params p;

	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&good, 0), 0);
	p = good; p.pcm_substreams = 8;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), 0);
	p = good; p.pcm_substreams = 0;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
	p = good; p.pcm_substreams = 9;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
	p = good; p.fifo_bytes = 1000;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
	p = good; p.tick_us = 0;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
	p = good; p.latency_us = 500000;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), 0);
	p = good; p.latency_us = 500001;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
	p = good; p.latency_us = -1;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
	p = good; p.buffer_kib = -1;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
	p = good; p.max_payload = 255;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
	p = good; p.max_payload = 32768;
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), 0);
	p = good; p.max_payload = 32772;	/* more than the FIFO holds */
	KUNIT_EXPECT_EQ(test, vcpcm_check_params(&p, 0), -EINVAL);
}

/* A host-side endpoint: a core stream behind a lock, fed by the transport. */
struct endpoint {
	struct vcpcm_stream core;
	spinlock_t lock;
	struct vcpcm_chan *chan;
	struct completion result_done;
	int result, errors;
	u32 positions, polled;
	u8 *buf;
	u32 buf_bytes;
};

static int endpoint_send(void *chan_ptr, const void *msg, u32 len, const void *payload, u32 plen)
{
	struct vcpcm_chan *chan = chan_ptr;

	return chan->transport->ops->send(chan, msg, len, payload, plen);
}

/* Under ep->lock, as the PCM receives under the stream lock. */
static void endpoint_receive(struct endpoint *ep, const void *msg, u32 len, const void *payload,
			     u32 plen)
{
	struct vcpcm_rx_event ev;

	if (vcpcm_stream_receive(&ep->core, msg, len, payload, plen,
				 ep->chan->transport->caps.max_payload, ktime_get_ns(), &ev))
		ep->errors++;
	else if (ev.kind == VCPCM_RX_RESULT) {
		ep->result = ev.result;
		complete(&ep->result_done);
	} else if (ev.kind == VCPCM_RX_POSITION) {
		ep->positions++;
	}
}

static void endpoint_rx(void *ctx, const void *msg, u32 len, const void *payload, u32 plen)
{
	struct endpoint *ep = ctx;
	unsigned long flags;

	spin_lock_irqsave(&ep->lock, flags);
	endpoint_receive(ep, msg, len, payload, plen);
	spin_unlock_irqrestore(&ep->lock, flags);
}

/* A position read's poll delivers while the reader holds ep->lock. */
static void endpoint_rx_polled(void *ctx, const void *msg, u32 len, const void *payload, u32 plen)
{
	struct endpoint *ep = ctx;

	lockdep_assert_held(&ep->lock);
	ep->polled++;
	endpoint_receive(ep, msg, len, payload, plen);
}

/*
 * As the PCM's capture receives: a report may end a period, and ALSA then
 * reads the position (.pointer polls) from inside the tick's delivery.
 */
static void endpoint_rx_then_poll(void *ctx, const void *msg, u32 len, const void *payload,
				  u32 plen)
{
	struct endpoint *ep = ctx;
	unsigned long flags;

	spin_lock_irqsave(&ep->lock, flags);
	endpoint_receive(ep, msg, len, payload, plen);
	ep->chan->transport->ops->poll(ep->chan, endpoint_rx_polled, ep);
	spin_unlock_irqrestore(&ep->lock, flags);
}

static int endpoint_request(struct endpoint *ep, int sent)
{
	if (sent)
		return sent;
	if (!wait_for_completion_timeout(&ep->result_done, HZ))
		return -ETIMEDOUT;
	reinit_completion(&ep->result_done);
	return ep->result;
}

/* 2 channels of S16_LE: 4-byte frames, planes of buf_bytes / 2 when planar. */
static void endpoint_setup(struct kunit *test, struct endpoint *ep, struct vcpcm_transport *t,
			   int dir, u32 buf_bytes, bool planar)
{
	struct vcpcm_ring_geometry g = {
		.sw_bytes = buf_bytes, .period_bytes = buf_bytes / 4, .frame_bytes = 4,
		.hw_bytes = t->caps.fifo_bytes, .max_chunk = t->caps.max_payload, .boundary = buf_bytes / 4 * 1024,
	};
	struct vcpcm_stream_timing timing = {
		.rate = 48000, .report_interval_ns = t->caps.report_ns,
	};
	struct vcpcm_sw_buffer buf = { .channels = 2, .noninterleaved = planar };

	spin_lock_init(&ep->lock);
	init_completion(&ep->result_done);
	ep->chan = vcpcm_transport_chan(t, dir, 0);
	ep->buf_bytes = buf_bytes;
	ep->buf = kunit_kzalloc(test, buf_bytes, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ep->buf);
	buf.area = ep->buf;
	if (planar && dir == VCPCM_DIR_PLAYBACK) {
		buf.staging_bytes = t->caps.max_payload;
		buf.staging = kunit_kzalloc(test, buf.staging_bytes, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, buf.staging);
	}
	vcpcm_stream_init(&ep->core, dir, endpoint_send, ep->chan);
	t->ops->attach(ep->chan, endpoint_rx, ep);
	/* Sends happen under the endpoint lock, as the PCM does it. */
	spin_lock_irq(&ep->lock);
	ep->result = vcpcm_stream_open(&ep->core);
	spin_unlock_irq(&ep->lock);
	KUNIT_ASSERT_EQ(test, endpoint_request(ep, ep->result), 0);
	spin_lock_irq(&ep->lock);
	ep->result = vcpcm_stream_configure(&ep->core, VCPCM_FMT_S16_LE, 2, 48000);
	spin_unlock_irq(&ep->lock);
	KUNIT_ASSERT_EQ(test, endpoint_request(ep, ep->result), 0);
	spin_lock_irq(&ep->lock);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_prepare(&ep->core, &g, &timing, &buf), 0);
	spin_unlock_irq(&ep->lock);
}

/*
 * What an S16_LE stereo buffer holds in frame order. Written here from the
 * definition of ALSA's non-interleaved layout, independently of the core.
 */
static u8 *packed_view(struct kunit *test, const u8 *buf, u32 bytes, bool planar)
{
	u8 *out = kunit_kzalloc(test, bytes, GFP_KERNEL);
	u32 f, c, plane = bytes / 2;

	KUNIT_ASSERT_NOT_NULL(test, out);
	for (f = 0; f < bytes / 4; f++) {
		for (c = 0; c < 2; c++) {
			const u8 *sample = planar ? buf + c * plane + f * 2 : buf + f * 4 + c * 2;

			memcpy(out + f * 4 + c * 2, sample, 2);
		}
	}
	return out;
}

/*
 * Let 100 ms of audio go by. Polling: read the capture position all the
 * while, as a client waking on its own timer does, and at every report,
 * each read asking the transport for the capture due by then.
 */
static void glue_run_for_100ms(struct endpoint *cap, struct vcpcm_transport *t, bool poll)
{
	u64 end = ktime_get_ns() + 100 * NSEC_PER_MSEC;

	if (!poll) {
		msleep(100);
		return;
	}
	t->ops->attach(cap->chan, endpoint_rx_then_poll, cap);
	while (ktime_get_ns() < end) {
		spin_lock_irq(&cap->lock);
		t->ops->poll(cap->chan, endpoint_rx_polled, cap);
		spin_unlock_irq(&cap->lock);
		usleep_range(50, 150);
	}
}

/* Playback loops back to capture through the transport, in either layout. */
static void glue_loopback(struct kunit *test, bool play_planar, bool cap_planar, bool poll)
{
	struct vcpcm_emu_config cfg = {
		.pairs = 1, .fifo_bytes = 8192, .tick_us = 500, .max_payload = 4000,
	};
	struct vcpcm_transport *t = vcpcm_emu_transport_create(&cfg);
	struct endpoint *play = kunit_kzalloc(test, sizeof(*play), GFP_KERNEL);
	struct endpoint *cap = kunit_kzalloc(test, sizeof(*cap), GFP_KERNEL);
	const u32 pattern_bytes = 4096;	/* 1024 frames: 21 ms at 48 kHz */
	struct vcpcm_stream_stats st;
	u32 i, lead;
	const u8 *played, *captured;

	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/* As the card does: what the emulated remote announced becomes t->caps. */
	KUNIT_ASSERT_EQ(test, vcpcm_caps_accept(NULL, t), 0);
	KUNIT_EXPECT_EQ(test, t->caps.fifo_bytes, 8192u);
	KUNIT_EXPECT_EQ(test, t->caps.report_ns, 500000u);
	KUNIT_ASSERT_NOT_NULL(test, play);
	KUNIT_ASSERT_NOT_NULL(test, cap);
	endpoint_setup(test, play, t, VCPCM_DIR_PLAYBACK, pattern_bytes, play_planar);
	endpoint_setup(test, cap, t, VCPCM_DIR_CAPTURE, 65536, cap_planar);
	for (i = 0; i < pattern_bytes; i++)
		play->buf[i] = vcpcm_test_byte(i, 42) | 1;	/* never silence */

	spin_lock_irq(&cap->lock);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_start(&cap->core, ktime_get_ns(), 0), 0);
	spin_unlock_irq(&cap->lock);
	t->ops->started(cap->chan, t->caps.report_ns, 48000, false);
	spin_lock_irq(&play->lock);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_ack(&play->core, pattern_bytes / 4), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_start(&play->core, ktime_get_ns(), 0), 0);
	spin_unlock_irq(&play->lock);
	t->ops->started(play->chan, t->caps.report_ns, 48000, false);
	glue_run_for_100ms(cap, t, poll);

	spin_lock_irq(&play->lock);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_in_flight(&play->core), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stop(&play->core), 0);
	spin_unlock_irq(&play->lock);
	spin_lock_irq(&cap->lock);
	KUNIT_EXPECT_EQ(test, vcpcm_stream_stop(&cap->core), 0);
	vcpcm_stream_get_stats(&cap->core, &st);
	spin_unlock_irq(&cap->lock);
	KUNIT_EXPECT_EQ(test, play->errors + cap->errors, 0);
	KUNIT_EXPECT_GT(test, play->positions, 0u);
	if (poll)
		KUNIT_EXPECT_GT(test, cap->polled, 0u);
	KUNIT_ASSERT_GE(test, st.bytes_rx, (u64)pattern_bytes);
	KUNIT_ASSERT_LE(test, st.bytes_rx, 65536ULL);

	/* Leading silence, then the pattern bit-exact, then silence. */
	played = packed_view(test, play->buf, pattern_bytes, play_planar);
	captured = packed_view(test, cap->buf, 65536, cap_planar);
	lead = 0;
	while (lead < st.bytes_rx && !captured[lead])
		lead++;
	KUNIT_EXPECT_EQ(test, lead % 4, 0u);
	KUNIT_ASSERT_GE(test, (u32)st.bytes_rx - lead, pattern_bytes);
	KUNIT_EXPECT_MEMEQ(test, captured + lead, played, pattern_bytes);
	KUNIT_EXPECT_NULL(test, memchr_inv(captured + lead + pattern_bytes, 0,
					   st.bytes_rx - lead - pattern_bytes));

	spin_lock_irq(&play->lock);
	play->result = vcpcm_stream_close(&play->core);
	spin_unlock_irq(&play->lock);
	KUNIT_EXPECT_EQ(test, endpoint_request(play, play->result), 0);
	t->ops->detach(play->chan);
	t->ops->detach(cap->chan);
	t->ops->destroy(t);
}

static void glue_transport_loops_back_bit_exact(struct kunit *test)
{
	glue_loopback(test, false, false, false);
}

static void glue_loops_back_noninterleaved_playback(struct kunit *test)
{
	glue_loopback(test, true, false, false);
}

static void glue_loops_back_noninterleaved_capture(struct kunit *test)
{
	glue_loopback(test, false, true, false);
}

/* Capture polled between ticks: still in order, nothing lost or doubled. */
static void glue_polled_capture_loops_back_bit_exact(struct kunit *test)
{
	glue_loopback(test, false, false, true);
}

static void glue_transport_rejects_bad_config(struct kunit *test)
{
	struct vcpcm_emu_config cfg = {
		.pairs = 9, .fifo_bytes = 8192, .tick_us = 500, .max_payload = 4000,
	};

	KUNIT_EXPECT_EQ(test, PTR_ERR(vcpcm_emu_transport_create(&cfg)), -EINVAL);
	cfg.pairs = 1;
	cfg.tick_us = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(vcpcm_emu_transport_create(&cfg)), -EINVAL);
}

/*
 * snd_pcm_period_elapsed() with less than a period since ALSA's last
 * boundary, more than half a buffer after its last update, makes ALSA add
 * a whole buffer to hw_ptr. The glue's rule never calls it then.
 */
static void glue_signals_only_when_alsa_cannot_mistake_it(struct kunit *test)
{
	/* A period went by (or more): always. */
	KUNIT_EXPECT_TRUE(test, vcpcm_elapsed_is_safe(256, 256, 1000, 10));
	KUNIT_EXPECT_TRUE(test, vcpcm_elapsed_is_safe(2048, 256, 1000, 10));
	/* Less, but at most half a buffer since our last call: ALSA's check cannot fire. */
	KUNIT_EXPECT_TRUE(test, vcpcm_elapsed_is_safe(100, 256, 5, 10));
	KUNIT_EXPECT_TRUE(test, vcpcm_elapsed_is_safe(0, 256, 0, 1));
	/* Less, and longer ago (a drain ending mid-period after late reports): never. */
	KUNIT_EXPECT_FALSE(test, vcpcm_elapsed_is_safe(100, 256, 6, 10));
	KUNIT_EXPECT_FALSE(test, vcpcm_elapsed_is_safe(255, 256, 1, 1));
}

/*
 * A client woken at period boundaries that took a few frames past its
 * boundary is short of avail_min at the next one: the glue wakes it when
 * its threshold comes, unless the next boundary's report does that.
 */
static void glue_wakes_waiter_between_boundaries(struct kunit *test)
{
	/* Enough already: ALSA wakes it. */
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(0, 80, 80, 0, 80), 0UL);
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(10, 80, 100, 0, 80), 0UL);
	/* Threshold at or past the next boundary: its report wakes it. */
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(0, 80, 0, 0, 80), 0UL);
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(70, 80, 70, 0, 80), 0UL);
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(79, 80, 0, 0, 1), 0UL);
	/* Three frames short just after a boundary: a wakeup three frames on. */
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(0, 80, 77, 0, 80), 3UL);
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(69, 80, 70, 0, 80), 10UL);
	/* The position already went part or all of the way. */
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(0, 80, 77, 2, 80), 1UL);
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(0, 80, 77, 3, 80), 1UL);
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(0, 80, 77, 40, 80), 1UL);
	/* A waiter for a single frame (avail_min 0 counts as 1). */
	KUNIT_EXPECT_EQ(test, vcpcm_waiter_frames(5, 256, 0, 0, 1), 1UL);
}

/*
 * One report per period (a client woken at boundaries) marks each boundary
 * and must not come early; finer reports, or no period wakeups, need not.
 */
static void glue_reports_mark_boundaries_once_per_period(struct kunit *test)
{
	/* 80 frames at 48 kHz, rounded down to the ns, are still 80 frames. */
	KUNIT_EXPECT_TRUE(test, vcpcm_reports_mark_boundaries(1666666, 48000, 80, false));
	KUNIT_EXPECT_FALSE(test, vcpcm_reports_mark_boundaries(1666666, 48000, 80, true));
	KUNIT_EXPECT_FALSE(test, vcpcm_reports_mark_boundaries(1000000, 48000, 80, false));
	/* A tsched server's 1024-frame period, reports capped at 10 ms (480). */
	KUNIT_EXPECT_FALSE(test, vcpcm_reports_mark_boundaries(10000000, 48000, 1024, false));
	KUNIT_EXPECT_TRUE(test, vcpcm_reports_mark_boundaries(21333333, 48000, 1024, false));
}

static struct kunit_case vcpcm_glue_cases[] = {
	KUNIT_CASE(glue_checks_params),
	KUNIT_CASE(glue_transport_loops_back_bit_exact),
	KUNIT_CASE(glue_loops_back_noninterleaved_playback),
	KUNIT_CASE(glue_loops_back_noninterleaved_capture),
	KUNIT_CASE(glue_polled_capture_loops_back_bit_exact),
	KUNIT_CASE(glue_transport_rejects_bad_config),
	KUNIT_CASE(glue_signals_only_when_alsa_cannot_mistake_it),
	KUNIT_CASE(glue_wakes_waiter_between_boundaries),
	KUNIT_CASE(glue_reports_mark_boundaries_once_per_period),
	{}
};

static struct kunit_suite vcpcm_glue_suite = {
	.name = "vcpcm_glue",
	.test_cases = vcpcm_glue_cases,
};
kunit_test_suite(vcpcm_glue_suite);

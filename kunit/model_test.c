// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the ring manager against a deliberately simple reference model.
 *
 * The model is three byte counters that only grow (written by the
 * application, sent to the remote, consumed by the remote) plus the
 * start offset; every ring position is derived from them with one modulo.
 * Random geometries, random application and remote steps, random link
 * failures and random illegal operations (which must fail and change
 * nothing). The data is a pattern keyed by absolute stream offset, so
 * every chunk is checked to carry exactly the next bytes of the stream.
 */
#include <linux/prandom.h>
#include "test_util.h"

#define MODEL_MIN_OPS	100000

struct model {
	struct kunit *test;
	struct rnd_state rnd;
	struct vcpcm_ring_geometry g;
	u32 hw_bytes, queue_limit, max_chunk;	/* as the ring rounds them */
	u8 *sw;
	u32 start;		/* byte offset of appl_start */
	u64 written, sent, consumed;
	/*
	 * What the ring was told. Half the rounds acknowledge every write (.ack);
	 * the other half tell the ring late, in jumps, as a driver that follows
	 * a mapped control record's appl_ptr at reports does (control_mmap).
	 */
	u64 acked;
	bool late_acks;
	u32 seed;
	int link_fails;		/* percent of chunks the link refuses */
	unsigned long ops;
};

static u32 rnd(struct model *m, u32 n)
{
	return n ? prandom_u32_state(&m->rnd) % n : 0;
}

static u32 round_frames(u32 v, u32 fb)
{
	return v - v % fb;
}

static void random_geometry(struct model *m)
{
	static const u32 frame_sizes[] = { 1, 2, 3, 4, 6, 8, 12, 16, 24, 32 };
	u32 fb = frame_sizes[rnd(m, ARRAY_SIZE(frame_sizes))];
	u32 periods = 2 + rnd(m, 7);
	u32 period_frames = 1 + rnd(m, 64);
	u64 buffer_frames = (u64)periods * period_frames;
	u64 boundary = vcpcm_test_boundary(buffer_frames, rnd(m, 2));

	m->g.frame_bytes = fb;
	m->g.period_bytes = period_frames * fb;
	m->g.sw_bytes = periods * m->g.period_bytes;
	m->g.hw_bytes = fb + rnd(m, 2 * m->g.sw_bytes);
	m->g.queue_limit = rnd(m, 3) ? 0 : fb + rnd(m, m->g.hw_bytes);
	m->g.max_chunk = fb + rnd(m, m->g.sw_bytes);
	m->g.boundary = boundary;
	/* Start close to the boundary half the time, so runs cross it. */
	m->g.appl_start = rnd(m, 2) ? boundary - 1 - rnd(m, 3 * buffer_frames) : rnd(m, 1000);
	m->hw_bytes = round_frames(m->g.hw_bytes, fb);
	m->queue_limit = m->g.queue_limit ? round_frames(min(m->g.queue_limit, m->g.hw_bytes), fb)
					  : m->hw_bytes;
	m->max_chunk = round_frames(m->g.max_chunk, fb);
	m->start = vcpcm_test_mod(m->g.appl_start, (u32)buffer_frames) * fb;
	m->written = m->sent = m->consumed = m->acked = 0;
	m->late_acks = rnd(m, 2);
	m->link_fails = rnd(m, 2) ? 0 : 20;
}

static u64 appl_ptr_of(struct model *m, u64 bytes)
{
	return vcpcm_test_mod64(m->g.appl_start + div_u64(bytes, m->g.frame_bytes), m->g.boundary);
}

/* The link: checks each chunk against the model, then "sends" it. */
static int model_sink(void *ctx, const struct vcpcm_chunk *c)
{
	struct model *m = ctx;
	struct kunit *test = m->test;
	u32 i;

	if (m->link_fails && rnd(m, 100) < m->link_fails)
		return -VCPCM_EAGAIN;
	KUNIT_ASSERT_EQ(test, c->sw_off, vcpcm_test_mod(m->start + m->sent, m->g.sw_bytes));
	KUNIT_ASSERT_EQ(test, c->hw_off, vcpcm_test_mod(m->sent, m->hw_bytes));
	KUNIT_ASSERT_GT(test, c->len, 0u);
	KUNIT_ASSERT_EQ(test, c->len % m->g.frame_bytes, 0u);
	KUNIT_ASSERT_LE(test, c->len, m->max_chunk);
	KUNIT_ASSERT_LE(test, c->sw_off + c->len, m->g.sw_bytes);
	/* Never anything the ring was not told of. */
	KUNIT_ASSERT_LE(test, m->sent + c->len, m->acked);
	for (i = 0; i < c->len; i++)
		if (m->sw[c->sw_off + i] != vcpcm_test_byte(m->sent + i, m->seed))
			KUNIT_FAIL_AND_ABORT(test, "chunk byte %llu wrong", m->sent + i);
	m->sent += c->len;
	return 0;
}

static void check_positions(struct model *m, struct vcpcm_pring *r)
{
	struct kunit *test = m->test;

	KUNIT_ASSERT_EQ(test, vcpcm_pring_hw_pos(r), vcpcm_test_mod(m->start + m->consumed, m->g.sw_bytes));
	KUNIT_ASSERT_EQ(test, vcpcm_pring_in_flight(r), (u32)(m->sent - m->consumed));
	KUNIT_ASSERT_EQ(test, vcpcm_pring_pending(r), (u32)(m->acked - m->sent));
	KUNIT_ASSERT_LE(test, (u32)(m->sent - m->consumed), m->queue_limit);
}

static void app_writes(struct model *m, struct vcpcm_pring *r)
{
	u32 fb = m->g.frame_bytes;
	/* Up to a buffer past the reported position, or (as with an
	 * estimated position) past what was sent: in-flight bytes are copied
	 * out already and may be overwritten.
	 */
	u64 base = rnd(m, 2) ? m->consumed : m->sent;
	u32 room = m->g.sw_bytes - (u32)min_t(u64, m->written - base, m->g.sw_bytes);
	u32 bytes = rnd(m, room / fb + 1) * fb;
	u32 i;

	for (i = 0; i < bytes; i++)
		m->sw[vcpcm_test_mod(m->start + m->written + i, m->g.sw_bytes)] =
			vcpcm_test_byte(m->written + i, m->seed);
	m->written += bytes;
	if (!m->late_acks) {
		KUNIT_ASSERT_EQ(m->test, vcpcm_pring_ack(r, appl_ptr_of(m, m->written)), (int)bytes);
		m->acked = m->written;
	}
}

/* control_mmap: the driver learns appl_ptr now, whatever was written since. */
static void driver_follows(struct model *m, struct vcpcm_pring *r)
{
	KUNIT_ASSERT_EQ(m->test, vcpcm_pring_ack(r, appl_ptr_of(m, m->written)),
			(int)(m->written - m->acked));
	m->acked = m->written;
}

/* The ring holds back a message that only partly fits (indirect_ring.cpp). */
static bool waits_for_whole_message(const struct model *m)
{
	u32 queued = (u32)(m->sent - m->consumed);
	u32 to_alsa_end = m->g.sw_bytes - vcpcm_test_mod(m->start + m->sent, m->g.sw_bytes);
	u32 whole = min3(to_alsa_end, m->max_chunk, (u32)(m->acked - m->sent));

	return m->queue_limit - queued < whole && m->queue_limit - queued <= m->queue_limit / 4;
}

static void link_transfers(struct model *m, struct vcpcm_pring *r)
{
	u64 before = m->sent;
	int ret = vcpcm_pring_transfer(r, model_sink, m);

	if (ret >= 0) {
		KUNIT_ASSERT_EQ(m->test, (u64)ret, m->sent - before);
		/*
		 * Without link trouble it stops only when done, full, or
		 * waiting for room for a whole message while the remote
		 * still has three quarters of its queue to play.
		 */
		if (!m->link_fails)
			KUNIT_ASSERT_TRUE(m->test, m->sent == m->acked ||
					  m->sent - m->consumed == m->queue_limit ||
					  waits_for_whole_message(m));
	} else {
		KUNIT_ASSERT_EQ(m->test, ret, -VCPCM_EAGAIN);
		KUNIT_ASSERT_EQ(m->test, m->sent, before);
	}
}

static void remote_consumes(struct model *m, struct vcpcm_pring *r)
{
	u32 fb = m->g.frame_bytes, pb = m->g.period_bytes;
	u32 in_flight = (u32)(m->sent - m->consumed);
	u32 bytes = rnd(m, in_flight / fb + 1) * fb;
	u64 p0 = div_u64(m->start + m->consumed, pb);
	u64 p1 = div_u64(m->start + m->consumed + bytes, pb);

	KUNIT_ASSERT_EQ(m->test, vcpcm_pring_complete(r, bytes), (int)(p1 - p0));
	m->consumed += bytes;
}

/* Illegal steps: each must fail and leave every position as it was. */
static void illegal_step(struct model *m, struct vcpcm_pring *r)
{
	u32 fb = m->g.frame_bytes;
	u32 in_flight = (u32)(m->sent - m->consumed);

	switch (rnd(m, 3)) {
	case 0:	/* the remote reports more than was sent */
		KUNIT_ASSERT_EQ(m->test, vcpcm_pring_complete(r, in_flight + fb * (1 + rnd(m, 8))),
				-VCPCM_EIO);
		break;
	case 1:	/* a rewind */
		if (m->acked)
			KUNIT_ASSERT_EQ(m->test, vcpcm_pring_ack(r, appl_ptr_of(m, m->acked - fb)),
					-VCPCM_EPIPE);
		break;
	case 2:	/* more than one buffer of unsent data */
		KUNIT_ASSERT_EQ(m->test,
				vcpcm_pring_ack(r, appl_ptr_of(m, m->sent + m->g.sw_bytes + fb)),
				-VCPCM_EINVAL);
		break;
	}
}

static void model_playback_random(struct kunit *test)
{
	struct model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct vcpcm_pring *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	unsigned int round, step;

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, r);
	m->test = test;
	prandom_seed_state(&m->rnd, 0x76637063);	/* fixed: failures reproduce */
	for (round = 0; m->ops < MODEL_MIN_OPS; round++) {
		random_geometry(m);
		m->seed = round;
		m->sw = kunit_kzalloc(test, m->g.sw_bytes, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, m->sw);
		KUNIT_ASSERT_EQ_MSG(test, vcpcm_pring_init(r, &m->g), 0, "round %u", round);
		check_positions(m, r);
		for (step = 0; step < 1000; step++, m->ops++) {
			switch (rnd(m, 10)) {
			case 0 ... 3:
				if (m->late_acks && rnd(m, 2))
					driver_follows(m, r);
				else
					app_writes(m, r);
				break;
			case 4 ... 6:
				link_transfers(m, r);
				break;
			case 7 ... 8:
				remote_consumes(m, r);
				break;
			default:
				illegal_step(m, r);
				break;
			}
			check_positions(m, r);
		}
		kunit_kfree(test, m->sw);
	}
	kunit_info(test, "%lu operations in %u random geometries", m->ops, round);
	KUNIT_EXPECT_GE(test, m->ops, (unsigned long)MODEL_MIN_OPS);
}

/* Capture: random message sizes land at the model's position, in order. */
struct cmodel {
	struct kunit *test;
	u8 *sw;
	const u8 *payload;
	u64 received;
	u32 start, sw_bytes;
	u32 seed;
};

static int cmodel_sink(void *ctx, const struct vcpcm_chunk *c)
{
	struct cmodel *cm = ctx;

	KUNIT_ASSERT_EQ(cm->test, c->sw_off, vcpcm_test_mod(cm->start + cm->received + c->hw_off, cm->sw_bytes));
	KUNIT_ASSERT_LE(cm->test, c->sw_off + c->len, cm->sw_bytes);
	memcpy(cm->sw + c->sw_off, cm->payload + c->hw_off, c->len);
	return 0;
}

static void model_capture_random(struct kunit *test)
{
	struct model *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);
	struct vcpcm_cring *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct cmodel cm = { .test = test };
	u8 *payload;
	unsigned int round, step;
	unsigned long ops = 0;

	KUNIT_ASSERT_NOT_NULL(test, m);
	KUNIT_ASSERT_NOT_NULL(test, r);
	m->test = test;
	prandom_seed_state(&m->rnd, 0x63617074);
	for (round = 0; round < 30; round++) {
		u32 fb, i, bytes;
		u64 read = 0;

		random_geometry(m);
		fb = m->g.frame_bytes;
		cm.sw_bytes = m->g.sw_bytes;
		cm.start = m->start;
		cm.received = 0;
		cm.sw = kunit_kzalloc(test, cm.sw_bytes, GFP_KERNEL);
		payload = kunit_kzalloc(test, 2 * cm.sw_bytes, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, cm.sw);
		KUNIT_ASSERT_NOT_NULL(test, payload);
		KUNIT_ASSERT_EQ(test, vcpcm_cring_init(r, &m->g), 0);
		/* Odd rounds: like DMA (dsnoop). Even: unread data is never overwritten. */
		if (round & 1)
			vcpcm_cring_run_free(r);
		for (step = 0; step < 1000; step++, ops++) {
			if (rnd(m, 2)) {
				/* Up to two buffers: a late report overruns it. */
				bytes = rnd(m, 2 * cm.sw_bytes / fb + 1) * fb;
				for (i = 0; i < bytes; i++)
					payload[i] = vcpcm_test_byte(cm.received + i, round);
				cm.payload = payload;
				if (!(round & 1) && cm.received - read + bytes > cm.sw_bytes) {
					KUNIT_ASSERT_EQ(test, vcpcm_cring_receive(r, bytes, cmodel_sink, &cm),
							-VCPCM_EPIPE);
					continue;	/* refused whole */
				}
				KUNIT_ASSERT_GE(test, vcpcm_cring_receive(r, bytes, cmodel_sink, &cm), 0);
				cm.received += bytes;
			} else if (cm.received > read) {
				/* ALSA moves appl_ptr by at most one buffer at a time. */
				u64 avail = min_t(u64, cm.received - read, cm.sw_bytes);
				u32 step = rnd(m, (u32)avail / fb + 1) * fb;	/* avail <= sw_bytes */

				read += step;
				KUNIT_ASSERT_EQ(test, vcpcm_cring_ack(r, appl_ptr_of(m, read)), (int)step);
			}
			KUNIT_ASSERT_EQ(test, vcpcm_cring_hw_pos(r),
					vcpcm_test_mod(cm.start + cm.received, cm.sw_bytes));
		}
		/* The ring holds the newest sw_bytes of the stream. */
		for (i = 0; i < min_t(u64, cm.received, cm.sw_bytes); i++) {
			u64 abs = cm.received - 1 - i;

			if (cm.sw[vcpcm_test_mod(cm.start + abs, cm.sw_bytes)] != vcpcm_test_byte(abs, round))
				KUNIT_FAIL_AND_ABORT(test, "capture byte %llu wrong", abs);
		}
		if (fb > 1)	/* part of a frame */
			KUNIT_EXPECT_EQ(test, vcpcm_cring_receive(r, fb - 1, cmodel_sink, &cm),
					-VCPCM_EIO);
		kunit_kfree(test, cm.sw);
		kunit_kfree(test, payload);
	}
	kunit_info(test, "%lu capture operations", ops);
}

static struct kunit_case vcpcm_model_cases[] = {
	KUNIT_CASE_SLOW(model_playback_random),
	KUNIT_CASE(model_capture_random),
	{}
};

static struct kunit_suite vcpcm_model_suite = {
	.name = "vcpcm_model",
	.test_cases = vcpcm_model_cases,
};
kunit_test_suite(vcpcm_model_suite);

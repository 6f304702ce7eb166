// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: every fault the emulated remote can inject, against the host's
 * streams (src/core), in virtual time. Each must be noticed within 1 s
 * (an error the glue turns into an xrun, or a stall), a re-prepare must
 * recover to bit-exact loopback, and no byte outside the buffers may
 * change.
 */
#include "test_util.h"

#define FRAME		4		/* S16_LE, 2 channels */
#define RATE		48000
#define SW		4096		/* the ALSA buffer: 1024 frames */
#define FIFO		4096		/* the remote's FIFO */
#define PAYLOAD		1000
#define GUARD		64
#define MS		1000000ULL
#define STALL_NS	(400 * MS)
#define PLAY		VCPCM_EMU_CHAN(VCPCM_DIR_PLAYBACK, 0)
#define CAP		VCPCM_EMU_CHAN(VCPCM_DIR_CAPTURE, 0)
#define SEED		0x5eed

struct rig;

struct rig_link {
	struct rig *rig;
	u32 chan;
	int result;		/* the remote's last RESULT */
};

struct rig {
	struct kunit *test;
	struct vcpcm_emu *emu;
	struct vcpcm_stream play, cap;
	struct rig_link play_link, cap_link;
	u8 *play_mem, *cap_mem;	/* GUARD + SW + GUARD */
	u64 now;
	u64 play_appl, cap_appl;	/* frames committed / read since prepare */
	u64 play_base, cap_base;	/* the streams' byte counters at prepare */
	u64 verified, mismatches;	/* capture bytes checked against the pattern */
	int play_err, cap_err;		/* first error each stream saw */
};

static int rig_send(void *ctx, const void *msg, u32 len, const void *payload, u32 plen)
{
	struct rig_link *l = ctx;
	struct vcpcm_emu_out reply;
	struct vcpcm_msg r;
	int ret = vcpcm_emu_handle(l->rig->emu, l->chan, msg, len, payload, plen, l->rig->now,
				   &reply);

	if (ret == 1 && !vcpcm_msg_decode(reply.hdr, reply.len, 0, &r))
		l->result = r.u.result.success;
	return ret < 0 ? ret : 0;
}

static u8 *area(u8 *mem)
{
	return mem + GUARD;
}

static struct rig *rig_new(struct kunit *test)
{
	struct vcpcm_emu_params p = { .pairs = 1, .fifo_bytes = FIFO, .max_payload = PAYLOAD };
	struct rig *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	u64 size = vcpcm_emu_mem_size(&p);
	void *mem = kunit_kzalloc(test, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	r->test = test;
	r->emu = vcpcm_emu_init(mem, size, &p);
	KUNIT_ASSERT_NOT_NULL(test, r->emu);
	r->play_mem = kunit_kmalloc(test, SW + 2 * GUARD, GFP_KERNEL);
	r->cap_mem = kunit_kmalloc(test, SW + 2 * GUARD, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->play_mem);
	KUNIT_ASSERT_NOT_NULL(test, r->cap_mem);
	memset(r->play_mem, 0xa5, SW + 2 * GUARD);
	memset(r->cap_mem, 0xa5, SW + 2 * GUARD);
	r->play_link = (struct rig_link){ .rig = r, .chan = PLAY };
	r->cap_link = (struct rig_link){ .rig = r, .chan = CAP };
	vcpcm_stream_init(&r->play, VCPCM_DIR_PLAYBACK, rig_send, &r->play_link);
	vcpcm_stream_init(&r->cap, VCPCM_DIR_CAPTURE, rig_send, &r->cap_link);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_open(&r->play), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_open(&r->cap), 0);
	return r;
}

/* CONFIG; a remote that restarted refuses it, so open the channel again (as the glue does). */
static void rig_configure(struct rig *r, struct vcpcm_stream *s, struct rig_link *l)
{
	KUNIT_ASSERT_EQ(r->test, vcpcm_stream_configure(s, VCPCM_FMT_S16_LE, 2, RATE), 0);
	if (l->result == -VCPCM_EBADFD) {
		KUNIT_ASSERT_EQ(r->test, vcpcm_stream_reopen(s), 0);
		KUNIT_ASSERT_EQ(r->test, l->result, 0);
		KUNIT_ASSERT_EQ(r->test, vcpcm_stream_configure(s, VCPCM_FMT_S16_LE, 2, RATE), 0);
	}
	KUNIT_ASSERT_EQ(r->test, l->result, 0);
}

/* The application keeps the playback buffer full of the pattern. */
static void app_writes(struct rig *r)
{
	struct vcpcm_stream_stats st;
	u64 free, i;

	vcpcm_stream_get_stats(&r->play, &st);
	free = SW - (r->play_appl * FRAME - (st.bytes_rx - r->play_base));
	for (i = 0; i < free; i++) {
		u64 off = r->play_appl * FRAME + i;

		area(r->play_mem)[vcpcm_test_mod(off, SW)] = vcpcm_test_byte(off, SEED);
	}
	r->play_appl += div_u64(free, FRAME);
	if (!r->play_err)
		r->play_err = vcpcm_stream_ack(&r->play, r->play_appl);
}

/* The application reads what arrived and checks it is what was played. */
static void app_reads(struct rig *r)
{
	struct vcpcm_stream_stats st;
	u64 off;

	vcpcm_stream_get_stats(&r->cap, &st);
	st.bytes_rx -= r->cap_base;
	for (off = r->cap_appl * FRAME; off < st.bytes_rx; off++) {
		if (area(r->cap_mem)[vcpcm_test_mod(off, SW)] != vcpcm_test_byte(off, SEED))
			r->mismatches++;
		r->verified++;
	}
	r->cap_appl = div_u64(st.bytes_rx, FRAME);
	if (!r->cap_err)
		r->cap_err = vcpcm_stream_ack(&r->cap, r->cap_appl);
}

static void deliver(struct rig *r, const struct vcpcm_emu_out *o)
{
	struct vcpcm_stream *s = o->chan == PLAY ? &r->play : &r->cap;
	int *err = o->chan == PLAY ? &r->play_err : &r->cap_err;
	struct vcpcm_rx_event ev;
	int ret;

	if (*err)
		return;	/* stopped as an xrun: the glue drops the rest */
	ret = vcpcm_stream_receive(s, o->hdr, o->len, o->payload, o->payload_len, PAYLOAD,
				   r->now, &ev);
	if (ret)
		*err = ret;
}

/* One millisecond: the remote ticks, the host receives, the applications run. */
static void rig_step(struct rig *r)
{
	const struct vcpcm_emu_out *out;
	u32 n, i;

	r->now += MS;
	n = vcpcm_emu_tick(r->emu, r->now, &out);
	for (i = 0; i < n; i++)
		deliver(r, &out[i]);
	if (!r->play_err && vcpcm_stream_stalled(&r->play, r->now))
		r->play_err = -VCPCM_ETIMEDOUT;
	if (!r->cap_err && vcpcm_stream_stalled(&r->cap, r->now))
		r->cap_err = -VCPCM_ETIMEDOUT;
	app_writes(r);
	app_reads(r);
}

/* Prepare both streams at position 0, fill the playback, start both. */
static void rig_start(struct rig *r)
{
	struct vcpcm_ring_geometry g = {
		.sw_bytes = SW, .period_bytes = SW / 4, .frame_bytes = FRAME, .hw_bytes = FIFO,
		.max_chunk = PAYLOAD, .boundary = vcpcm_test_boundary(SW / FRAME, false),
	};
	struct vcpcm_stream_timing t = {
		.rate = RATE, .report_interval_ns = MS, .stall_ns = STALL_NS,
	};
	struct vcpcm_stream_stats st;

	rig_configure(r, &r->play, &r->play_link);
	rig_configure(r, &r->cap, &r->cap_link);
	KUNIT_ASSERT_EQ(r->test, vcpcm_stream_prepare(&r->play, &g, &t,
						      VCPCM_TEST_INTERLEAVED(area(r->play_mem), 2)), 0);
	KUNIT_ASSERT_EQ(r->test, vcpcm_stream_prepare(&r->cap, &g, &t,
						      VCPCM_TEST_INTERLEAVED(area(r->cap_mem), 2)), 0);
	r->play_appl = r->cap_appl = r->verified = r->mismatches = 0;
	vcpcm_stream_get_stats(&r->play, &st);
	r->play_base = st.bytes_rx;
	vcpcm_stream_get_stats(&r->cap, &st);
	r->cap_base = st.bytes_rx;
	r->play_err = r->cap_err = 0;
	app_writes(r);
	KUNIT_ASSERT_EQ(r->test, r->play_err, 0);
	KUNIT_ASSERT_EQ(r->test, vcpcm_stream_start(&r->cap, r->now, 0), 0);
	KUNIT_ASSERT_EQ(r->test, vcpcm_stream_start(&r->play, r->now, 0), 0);
}

/* Stream ms milliseconds with no fault: no error, every captured byte as played. */
static void expect_clean_run(struct rig *r, unsigned int ms, const char *when)
{
	unsigned int i;

	for (i = 0; i < ms; i++)
		rig_step(r);
	KUNIT_EXPECT_EQ_MSG(r->test, r->play_err, 0, "playback %s", when);
	KUNIT_EXPECT_EQ_MSG(r->test, r->cap_err, 0, "capture %s", when);
	KUNIT_EXPECT_EQ_MSG(r->test, r->mismatches, 0ULL, "%s", when);
	/* Loopback starts once the FIFO's worth has played: most of the run arrives. */
	KUNIT_EXPECT_GE_MSG(r->test, r->verified, div_u64((u64)(ms - 30) * RATE, 1000) * FRAME, "%s", when);
}

static void expect_guards_intact(struct rig *r)
{
	u8 *bufs[] = { r->play_mem, r->cap_mem };
	unsigned int b, i;

	for (b = 0; b < ARRAY_SIZE(bufs); b++) {
		for (i = 0; i < GUARD; i++) {
			KUNIT_ASSERT_EQ(r->test, bufs[b][i], 0xa5);
			KUNIT_ASSERT_EQ(r->test, bufs[b][GUARD + SW + i], 0xa5);
		}
	}
}

/* A fault, and the error each stream must notice it by (-ETIMEDOUT: the watchdog). */
struct fault_case {
	const char *what;
	u32 kind, count, delay_ms;
	int play_err, cap_err;
};

#define SILENT	(-VCPCM_ETIMEDOUT)

static const struct fault_case fault_table[] = {
	{ "drop", VCPCM_FAULT_DROP, 1, 0, -VCPCM_EILSEQ, -VCPCM_EILSEQ },
	{ "duplicate", VCPCM_FAULT_DUPLICATE, 1, 0, -VCPCM_EILSEQ, -VCPCM_EILSEQ },
	{ "reorder", VCPCM_FAULT_REORDER, 1, 0, -VCPCM_EILSEQ, -VCPCM_EILSEQ },
	{ "bad-type", VCPCM_FAULT_BAD_TYPE, 1, 0, -VCPCM_EPROTO, -VCPCM_EPROTO },
	{ "truncate", VCPCM_FAULT_TRUNCATE, 1, 0, -VCPCM_EMSGSIZE, -VCPCM_EMSGSIZE },
	/* More consumed than in flight; a capture announcing more than it carries. */
	{ "overcount", VCPCM_FAULT_OVERCOUNT, 1, 0, -VCPCM_EIO, -VCPCM_EMSGSIZE },
	/* A negative count; a capture longer than the largest message. */
	{ "overlong", VCPCM_FAULT_OVERLONG, 1, 0, -VCPCM_EPROTO, -VCPCM_EMSGSIZE },
	/* Held past the stall limit: noticed as a silent remote. */
	{ "long-delay", VCPCM_FAULT_DELAY, 0, 3000, SILENT, SILENT },
	{ "stall", VCPCM_FAULT_STALL, 0, 0, SILENT, SILENT },
	/* Both fall silent (this application only writes when the remote made room). */
	{ "reset", VCPCM_FAULT_RESET, 0, 0, SILENT, SILENT },
};

static void fault_case_name(const struct fault_case *c, char *desc)
{
	strscpy(desc, c->what, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(fault, fault_table, fault_case_name);

/*
 * Stream, inject the fault on every channel, and count the milliseconds
 * until both streams have noticed; then recover as an application does
 * after an xrun.
 */
static void fault_is_noticed_and_recovered(struct kunit *test)
{
	const struct fault_case *c = test->param_value;
	struct vcpcm_emu_fault f = {
		.kind = c->kind, .chan = -1, .count = c->count, .delay_ms = c->delay_ms,
	};
	struct vcpcm_emu_fault none = { .kind = VCPCM_FAULT_NONE, .chan = -1 };
	struct rig *r = rig_new(test);
	unsigned int ms;

	rig_start(r);
	expect_clean_run(r, 200, "before the fault");
	KUNIT_ASSERT_EQ(test, vcpcm_emu_inject(r->emu, &f, r->now), 0);
	for (ms = 0; ms < 2000 && !(r->play_err && r->cap_err); ms++)
		rig_step(r);
	kunit_info(test, "%u ms to notice %s (playback %d, capture %d)", ms, c->what,
		   r->play_err, r->cap_err);
	KUNIT_EXPECT_EQ(test, r->play_err, c->play_err);
	KUNIT_EXPECT_EQ(test, r->cap_err, c->cap_err);
	KUNIT_EXPECT_LE(test, ms, 1000u);
	KUNIT_EXPECT_GE(test, vcpcm_emu_faults_injected(r->emu), 1ULL);

	/* The xrun: ALSA stops both; the application clears up and re-prepares. */
	KUNIT_ASSERT_EQ(test, vcpcm_stream_stop(&r->play), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_stop(&r->cap), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_emu_inject(r->emu, &none, r->now), 0);
	rig_start(r);
	expect_clean_run(r, 300, "after recovering");
	expect_guards_intact(r);
}

/* A delay the remote's FIFO covers costs nothing: no error, no byte lost. */
static void fault_short_delay_is_absorbed(struct kunit *test)
{
	struct vcpcm_emu_fault f = { .kind = VCPCM_FAULT_DELAY, .chan = -1, .delay_ms = 10 };
	struct rig *r = rig_new(test);
	struct vcpcm_stream_stats play, cap;

	rig_start(r);
	expect_clean_run(r, 100, "before the delay");
	KUNIT_ASSERT_EQ(test, vcpcm_emu_inject(r->emu, &f, r->now), 0);
	expect_clean_run(r, 300, "through a 10 ms delay");
	expect_guards_intact(r);
	/* The reports really were held. */
	vcpcm_stream_get_stats(&r->play, &play);
	vcpcm_stream_get_stats(&r->cap, &cap);
	KUNIT_EXPECT_GE(test, play.max_report_gap_ns, 10 * MS);
	KUNIT_EXPECT_GE(test, cap.max_report_gap_ns, 10 * MS);
}

/* Faults hit only the channel asked for, and only count reports of it. */
static void fault_hits_only_its_channel(struct kunit *test)
{
	struct vcpcm_emu_fault f = { .kind = VCPCM_FAULT_DROP, .chan = CAP, .count = 2 };
	struct vcpcm_emu_fault bad = { .kind = VCPCM_FAULT_COUNT, .chan = -1 };
	struct rig *r = rig_new(test);
	unsigned int i;

	KUNIT_EXPECT_EQ(test, vcpcm_emu_inject(r->emu, &bad, 0), -VCPCM_EINVAL);
	bad = (struct vcpcm_emu_fault){ .kind = VCPCM_FAULT_DROP, .chan = VCPCM_EMU_CHAN(1, 1) };
	KUNIT_EXPECT_EQ(test, vcpcm_emu_inject(r->emu, &bad, 0), -VCPCM_EINVAL);
	bad = (struct vcpcm_emu_fault){ .kind = VCPCM_FAULT_DELAY, .chan = -1, .delay_ms = 0 };
	KUNIT_EXPECT_EQ(test, vcpcm_emu_inject(r->emu, &bad, 0), -VCPCM_EINVAL);
	KUNIT_EXPECT_STREQ(test, vcpcm_emu_fault_name(VCPCM_FAULT_BAD_TYPE), "bad-type");
	KUNIT_EXPECT_NULL(test, vcpcm_emu_fault_name(VCPCM_FAULT_COUNT));

	rig_start(r);
	expect_clean_run(r, 50, "before the fault");
	KUNIT_ASSERT_EQ(test, vcpcm_emu_inject(r->emu, &f, r->now), 0);
	for (i = 0; i < 100; i++)
		rig_step(r);
	KUNIT_EXPECT_EQ(test, r->play_err, 0);
	KUNIT_EXPECT_EQ(test, r->cap_err, -VCPCM_EILSEQ);
	KUNIT_EXPECT_EQ(test, vcpcm_emu_faults_injected(r->emu), 2ULL);
}

static struct kunit_case fault_cases[] = {
	KUNIT_CASE_PARAM(fault_is_noticed_and_recovered, fault_gen_params),
	KUNIT_CASE(fault_short_delay_is_absorbed),
	KUNIT_CASE(fault_hits_only_its_channel),
	{}
};

static struct kunit_suite fault_suite = {
	.name = "vcpcm_fault",
	.test_cases = fault_cases,
};

kunit_test_suite(fault_suite);

// SPDX-License-Identifier: GPL-2.0
/* KUnit: the protocol codec (src/core/protocol.cpp). */
#include "test_util.h"

#define MAX_PAYLOAD 4000

static const u32 all_types[] = {
	VCPCM_MSG_RESULT, VCPCM_MSG_COMPLETE, VCPCM_MSG_CONFIG, VCPCM_MSG_CONTROL,
	VCPCM_MSG_OPEN, VCPCM_MSG_CLOSE, VCPCM_MSG_START, VCPCM_MSG_STOP,
	VCPCM_MSG_WRITE, VCPCM_MSG_CAPTURE, VCPCM_MSG_PAUSE,
};

/* A message of each type with every field set to something distinct. */
static struct vcpcm_msg sample(u32 type, const u8 *payload, u32 payload_len)
{
	struct vcpcm_msg m = { .type = type };

	switch (type) {
	case VCPCM_MSG_RESULT:
		m.u.result.success = -22;
		m.tag = 0x5a5a0001;
		break;
	case VCPCM_MSG_COMPLETE:
		m.u.complete.count = 4096;
		m.u.complete.seq = 0x80000001;
		m.u.complete.epoch = 0xdeadbeef;
		m.u.complete.underrun = 0x1234;
		break;
	case VCPCM_MSG_CONFIG:
		m.u.config.channels = 2;
		m.u.config.samplerate = 48000;
		m.u.config.bps = 32;
		m.u.config.format = VCPCM_FMT_S32_LE;
		m.u.config.direction = VCPCM_DIR_CAPTURE;
		m.tag = 0x7a6b5c4d;
		break;
	case VCPCM_MSG_CONTROL:
		m.u.control.volume = 1234;
		m.u.control.dest = 2;
		m.u.control.mute = 1;
		m.tag = 0xfffffffe;
		break;
	case VCPCM_MSG_STOP:
		m.u.stop.draining = 1;
		break;
	case VCPCM_MSG_START:
		m.u.epoch = 77;
		break;
	case VCPCM_MSG_PAUSE:
		m.u.pause.paused = 1;
		break;
	case VCPCM_MSG_WRITE:
		m.u.write.count = payload_len;
		m.u.write.cookie1 = VCPCM_WRITE_COOKIE1;
		m.u.write.cookie2 = VCPCM_WRITE_COOKIE2;
		m.u.write.silence = -1;
		m.u.write.max_packet = 4000;
		m.payload = payload;
		m.payload_len = payload_len;
		break;
	case VCPCM_MSG_CAPTURE:
		m.u.capture.count = payload_len;
		m.u.capture.epoch = 9;
		m.u.capture.seq = 0xfffffffe;
		m.u.capture.lost = 0x10203;
		m.payload = payload;
		m.payload_len = payload_len;
		break;
	default:
		m.tag = 0x11223344;	/* OPEN, CLOSE */
		break;
	}
	return m;
}

/* Encode fixed part, append payload: the contiguous wire form. */
static int to_wire(const struct vcpcm_msg *m, u8 *buf, u32 cap)
{
	int len = vcpcm_msg_encode(m, buf, cap);

	if (len < 0 || len + m->payload_len > cap)
		return len < 0 ? len : -VCPCM_EMSGSIZE;
	if (m->payload_len)
		memcpy(buf + len, m->payload, m->payload_len);
	return len + m->payload_len;
}

static void protocol_config_layout(struct kunit *test)
{
	/* By hand: AUDS's type, channels, rate, bps; then format, direction, tag. */
	static const u8 expected[] = {
		0x02, 0, 0, 0,  0x02, 0, 0, 0,  0x80, 0xbb, 0, 0,  0x10, 0, 0, 0,
		0x01, 0, 0, 0,  0x00, 0, 0, 0,  0x04, 0x03, 0x02, 0x01,
	};
	struct vcpcm_msg m = { .type = VCPCM_MSG_CONFIG };
	u8 buf[64];

	m.u.config.channels = 2;
	m.u.config.samplerate = 48000;
	m.u.config.bps = 16;
	m.u.config.format = VCPCM_FMT_S16_LE;
	m.u.config.direction = VCPCM_DIR_PLAYBACK;
	m.tag = 0x01020304;
	KUNIT_ASSERT_EQ(test, vcpcm_msg_encode(&m, buf, sizeof(buf)), (int)sizeof(expected));
	KUNIT_EXPECT_MEMEQ(test, buf, expected, sizeof(expected));
}

/* By hand: a RESULT is the answer then the tag; COMPLETE ends with underrun. */
static void protocol_reports_layout(struct kunit *test)
{
	static const u8 result[] = { 0, 0, 0, 0,  0xea, 0xff, 0xff, 0xff,  0x01, 0, 0x5a, 0x5a };
	static const u8 complete[] = {
		0x01, 0, 0, 0,  0, 0x10, 0, 0,  0x01, 0, 0, 0x80,  0xef, 0xbe, 0xad, 0xde,
		0x34, 0x12, 0, 0,
	};
	struct vcpcm_msg m = sample(VCPCM_MSG_RESULT, NULL, 0);
	u8 buf[64];

	KUNIT_ASSERT_EQ(test, vcpcm_msg_encode(&m, buf, sizeof(buf)), (int)sizeof(result));
	KUNIT_EXPECT_MEMEQ(test, buf, result, sizeof(result));
	m = sample(VCPCM_MSG_COMPLETE, NULL, 0);
	KUNIT_ASSERT_EQ(test, vcpcm_msg_encode(&m, buf, sizeof(buf)), (int)sizeof(complete));
	KUNIT_EXPECT_MEMEQ(test, buf, complete, sizeof(complete));
}

/* The types whose fixed part ends with a tag (not part of the union). */
static bool tagged(u32 type)
{
	return type == VCPCM_MSG_RESULT || type == VCPCM_MSG_CONFIG || type == VCPCM_MSG_CONTROL ||
	       type == VCPCM_MSG_OPEN || type == VCPCM_MSG_CLOSE;
}

static void protocol_write_layout(struct kunit *test)
{
	static const u8 expected[] = {
		0x08, 0, 0, 0,  0x03, 0, 0, 0,  'B', 'C', 'M', 'A',  'D', 'A', 'T', 'A',
		0xff, 0xff, 0xa0, 0x0f,  0xaa, 0xbb, 0xcc,
	};
	static const u8 payload[] = { 0xaa, 0xbb, 0xcc };
	struct vcpcm_msg m = sample(VCPCM_MSG_WRITE, payload, sizeof(payload));
	u8 buf[64];

	KUNIT_ASSERT_EQ(test, to_wire(&m, buf, sizeof(buf)), (int)sizeof(expected));
	KUNIT_EXPECT_MEMEQ(test, buf, expected, sizeof(expected));
}

static void protocol_round_trips_every_type(struct kunit *test)
{
	static const u8 payload[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all_types); i++) {
		struct vcpcm_msg in = sample(all_types[i], payload, sizeof(payload));
		struct vcpcm_msg out;
		u8 buf[128];
		int len = to_wire(&in, buf, sizeof(buf));
		/* The body: the fixed part less the type word (and the tag). */
		int body = vcpcm_msg_encode(&in, buf + 64, 64) - 4 - (tagged(in.type) ? 4 : 0);

		KUNIT_ASSERT_GT_MSG(test, len, 0, "type %u", in.type);
		KUNIT_ASSERT_GE(test, body, 0);
		memset(&out, 0x5a, sizeof(out));
		KUNIT_ASSERT_EQ_MSG(test, vcpcm_msg_decode(buf, len, MAX_PAYLOAD, &out), 0,
				    "type %u", in.type);
		KUNIT_EXPECT_EQ(test, out.type, in.type);
		KUNIT_EXPECT_EQ(test, out.tag, tagged(in.type) ? in.tag : 0u);
		if (body)
			KUNIT_EXPECT_MEMEQ(test, &out.u, &in.u, body);
		KUNIT_EXPECT_EQ(test, out.payload_len, in.payload_len);
		if (in.payload_len)
			KUNIT_EXPECT_MEMEQ(test, out.payload, payload, sizeof(payload));
	}
}

static void protocol_rejects_truncated(struct kunit *test)
{
	static const u8 payload[] = { 9, 9, 9, 9 };
	unsigned int i;
	int len, cut;

	for (i = 0; i < ARRAY_SIZE(all_types); i++) {
		struct vcpcm_msg in = sample(all_types[i], payload, sizeof(payload));
		struct vcpcm_msg out;
		u8 buf[128];

		len = to_wire(&in, buf, sizeof(buf));
		KUNIT_ASSERT_GT(test, len, 0);
		for (cut = 0; cut < len; cut++)
			KUNIT_EXPECT_EQ_MSG(test, vcpcm_msg_decode(buf, cut, MAX_PAYLOAD, &out),
					    -VCPCM_EMSGSIZE, "type %u cut to %d", in.type, cut);
	}
}

static void protocol_rejects_oversized(struct kunit *test)
{
	static u8 payload[MAX_PAYLOAD + 4];
	struct vcpcm_msg in, out;
	unsigned int i;
	u8 buf[64];
	int len;

	/* Trailing garbage after a fixed-size message. */
	for (i = 0; i < ARRAY_SIZE(all_types); i++) {
		in = sample(all_types[i], payload, 4);
		len = to_wire(&in, buf, sizeof(buf));
		KUNIT_ASSERT_GT(test, len, 0);
		KUNIT_EXPECT_EQ(test, vcpcm_msg_decode(buf, len + 1, MAX_PAYLOAD, &out),
				-VCPCM_EMSGSIZE);
	}
	/* A payload larger than the receiver accepts. */
	in = sample(VCPCM_MSG_CAPTURE, payload, sizeof(payload));
	{
		u8 *big = kunit_kzalloc(test, sizeof(payload) + 64, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, big);
		len = to_wire(&in, big, sizeof(payload) + 64);
		KUNIT_ASSERT_GT(test, len, 0);
		KUNIT_EXPECT_EQ(test, vcpcm_msg_decode(big, len, MAX_PAYLOAD, &out), -VCPCM_EMSGSIZE);
		KUNIT_EXPECT_EQ(test, vcpcm_msg_decode(big, len, sizeof(payload), &out), 0);
	}
	/* A count announcing more than is there. */
	in = sample(VCPCM_MSG_WRITE, payload, 8);
	len = to_wire(&in, buf, sizeof(buf));
	buf[4] = 9;
	KUNIT_EXPECT_EQ(test, vcpcm_msg_decode(buf, len, MAX_PAYLOAD, &out), -VCPCM_EMSGSIZE);
}

static void protocol_rejects_unknown(struct kunit *test)
{
	static const u32 unknown[] = { 9, 0xff, 0x102, 0xffffffff };
	struct vcpcm_msg out;
	unsigned int i;
	u8 buf[32] = {};

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		buf[0] = unknown[i] & 0xff;
		buf[1] = (unknown[i] >> 8) & 0xff;
		buf[2] = (unknown[i] >> 16) & 0xff;
		buf[3] = unknown[i] >> 24;
		KUNIT_EXPECT_EQ(test, vcpcm_msg_decode(buf, sizeof(buf), MAX_PAYLOAD, &out),
				-VCPCM_EPROTO);
	}
	/* A CONFIG with a format we do not know, or bps that does not match. */
	{
		struct vcpcm_msg m = sample(VCPCM_MSG_CONFIG, NULL, 0);
		int len = vcpcm_msg_encode(&m, buf, sizeof(buf));

		buf[16] = VCPCM_FMT_COUNT;
		KUNIT_EXPECT_EQ(test, vcpcm_msg_decode(buf, len, MAX_PAYLOAD, &out), -VCPCM_EPROTO);
		buf[16] = VCPCM_FMT_S16_LE;	/* bps says 32 */
		KUNIT_EXPECT_EQ(test, vcpcm_msg_decode(buf, len, MAX_PAYLOAD, &out), -VCPCM_EPROTO);
	}
}

static void protocol_encode_checks(struct kunit *test)
{
	static const u8 payload[8];
	struct vcpcm_msg m = sample(VCPCM_MSG_WRITE, payload, sizeof(payload));
	u8 buf[64];

	KUNIT_EXPECT_EQ(test, vcpcm_msg_encode(&m, buf, 8), -VCPCM_EMSGSIZE);
	m.u.write.count = 7;	/* does not match the payload */
	KUNIT_EXPECT_EQ(test, vcpcm_msg_encode(&m, buf, sizeof(buf)), -VCPCM_EPROTO);
	m.type = 42;
	KUNIT_EXPECT_EQ(test, vcpcm_msg_encode(&m, buf, sizeof(buf)), -VCPCM_EPROTO);
	KUNIT_EXPECT_EQ(test, vcpcm_format_bytes(VCPCM_FMT_S24_LE), 4u);
	KUNIT_EXPECT_EQ(test, vcpcm_format_bytes(VCPCM_FMT_COUNT), 0u);
}

static struct kunit_case vcpcm_protocol_cases[] = {
	KUNIT_CASE(protocol_config_layout),
	KUNIT_CASE(protocol_reports_layout),
	KUNIT_CASE(protocol_write_layout),
	KUNIT_CASE(protocol_round_trips_every_type),
	KUNIT_CASE(protocol_rejects_truncated),
	KUNIT_CASE(protocol_rejects_oversized),
	KUNIT_CASE(protocol_rejects_unknown),
	KUNIT_CASE(protocol_encode_checks),
	{}
};

static struct kunit_suite vcpcm_protocol_suite = {
	.name = "vcpcm_protocol",
	.test_cases = vcpcm_protocol_cases,
};
kunit_test_suite(vcpcm_protocol_suite);

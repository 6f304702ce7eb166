// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the remote's capabilities. The ANNOUNCE codec and what the host
 * accepts (src/core/capabilities.cpp), and the card the glue builds from
 * them (src/linux/capabilities.c).
 */
#include <sound/pcm_params.h>
#include "test_util.h"
#include "vcpcm.h"

/* A remote like the VideoCore: playback only, S16_LE, 10 ms fixed cadence. */
static const struct vcpcm_msg_announce videocore_like = {
	.version = VCPCM_PROTOCOL_VERSION,
	.formats = 1u << VCPCM_FMT_S16_LE,
	.rate_min = 8000, .rate_max = 48000,
	.channels_min = 1, .channels_max = 2,
	.playback_chans = 1, .capture_chans = 0,
	.fifo_bytes = 16384, .max_payload = 4000,
	.report_ns = 10000000, .start_latency_ns = 20000000,
	.flags = VCPCM_CAP_FIXED_CADENCE,
};

static u32 word_at(const u8 *buf, u32 off)
{
	return buf[off] | buf[off + 1] << 8 | buf[off + 2] << 16 | (u32)buf[off + 3] << 24;
}

static void announce_layout_and_round_trip(struct kunit *test)
{
	struct vcpcm_msg_announce back;
	u8 buf[VCPCM_MSG_ANNOUNCE_SIZE + 8];

	KUNIT_ASSERT_EQ(test, vcpcm_announce_encode(&videocore_like, buf, sizeof(buf)),
			(int)VCPCM_MSG_ANNOUNCE_SIZE);
	KUNIT_EXPECT_EQ(test, VCPCM_MSG_ANNOUNCE_SIZE, 56u);
	/* docs/protocol.md's table: type, version, formats, ... flags last. */
	KUNIT_EXPECT_EQ(test, word_at(buf, 0), (u32)VCPCM_MSG_ANNOUNCE);
	KUNIT_EXPECT_EQ(test, word_at(buf, 4), (u32)VCPCM_PROTOCOL_VERSION);
	KUNIT_EXPECT_EQ(test, word_at(buf, 8), 2u);
	KUNIT_EXPECT_EQ(test, word_at(buf, 16), 48000u);
	KUNIT_EXPECT_EQ(test, word_at(buf, 28), 1u);
	KUNIT_EXPECT_EQ(test, word_at(buf, 32), 0u);
	KUNIT_EXPECT_EQ(test, word_at(buf, 44), 10000000u);
	KUNIT_EXPECT_EQ(test, word_at(buf, 52), (u32)VCPCM_CAP_FIXED_CADENCE);
	KUNIT_ASSERT_EQ(test, vcpcm_announce_decode(buf, VCPCM_MSG_ANNOUNCE_SIZE, &back), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&back, &videocore_like, sizeof(back)), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_announce_encode(&videocore_like, buf, 40), -VCPCM_EMSGSIZE);
}

/* The worked example in docs/protocol.md, byte for byte. */
static void announce_matches_the_documented_example(struct kunit *test)
{
	static const u8 documented[VCPCM_MSG_ANNOUNCE_SIZE] = {
		0x02, 0x01, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
		0x40, 0x1f, 0x00, 0x00, 0x80, 0xbb, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x40, 0x00, 0x00, 0xa0, 0x0f, 0x00, 0x00, 0x80, 0x96, 0x98, 0x00,
		0x00, 0x2d, 0x31, 0x01, 0x01, 0x00, 0x00, 0x00,
	};
	u8 buf[VCPCM_MSG_ANNOUNCE_SIZE];

	KUNIT_ASSERT_EQ(test, vcpcm_announce_encode(&videocore_like, buf, sizeof(buf)),
			(int)sizeof(buf));
	KUNIT_EXPECT_EQ(test, memcmp(buf, documented, sizeof(buf)), 0);
}

static void announce_rejects_malformed_and_other_versions(struct kunit *test)
{
	struct vcpcm_msg_announce a = videocore_like, back;
	u8 buf[VCPCM_MSG_ANNOUNCE_SIZE + 8] = {};

	KUNIT_ASSERT_GT(test, vcpcm_announce_encode(&a, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_announce_decode(buf, VCPCM_MSG_ANNOUNCE_SIZE - 1, &back),
			-VCPCM_EMSGSIZE);
	KUNIT_EXPECT_EQ(test, vcpcm_announce_decode(buf, VCPCM_MSG_ANNOUNCE_SIZE + 4, &back),
			-VCPCM_EMSGSIZE);
	KUNIT_EXPECT_EQ(test, vcpcm_announce_decode(buf, 3, &back), -VCPCM_EMSGSIZE);
	buf[0] = VCPCM_MSG_OPEN;
	KUNIT_EXPECT_EQ(test, vcpcm_announce_decode(buf, VCPCM_MSG_ANNOUNCE_SIZE, &back), -VCPCM_EPROTO);
	/* Another version is told apart whatever its length, and named. */
	a.version = VCPCM_PROTOCOL_VERSION + 1;
	KUNIT_ASSERT_GT(test, vcpcm_announce_encode(&a, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_announce_decode(buf, 12, &back), -VCPCM_EPROTONOSUPPORT);
	KUNIT_EXPECT_EQ(test, back.version, (u32)VCPCM_PROTOCOL_VERSION + 1);
	a.version = 3;
	KUNIT_ASSERT_GT(test, vcpcm_announce_encode(&a, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_announce_decode(buf, VCPCM_MSG_ANNOUNCE_SIZE, &back),
			-VCPCM_EPROTONOSUPPORT);
	/* A channel's decoder does not take it for one of its messages. */
	KUNIT_EXPECT_NE(test, vcpcm_msg_decode(buf, VCPCM_MSG_ANNOUNCE_SIZE, 4000,
					       &(struct vcpcm_msg){}), 0);
}

static void announce_problems_are_named(struct kunit *test)
{
	static const struct {
		u32 offset;	/* field to break, in bytes into the struct */
		u32 value;
	} bad[] = {
		{ offsetof(struct vcpcm_msg_announce, formats), 0 },
		{ offsetof(struct vcpcm_msg_announce, formats), 1u << VCPCM_FMT_COUNT | 1 },
		{ offsetof(struct vcpcm_msg_announce, rate_min), 7999 },
		{ offsetof(struct vcpcm_msg_announce, rate_min), 48001 },
		{ offsetof(struct vcpcm_msg_announce, rate_max), 192001 },
		{ offsetof(struct vcpcm_msg_announce, channels_min), 0 },
		{ offsetof(struct vcpcm_msg_announce, channels_max), 9 },
		{ offsetof(struct vcpcm_msg_announce, playback_chans), 9 },
		{ offsetof(struct vcpcm_msg_announce, capture_chans), 0xffffffff },
		{ offsetof(struct vcpcm_msg_announce, playback_chans), 0 },	/* none at all */
		{ offsetof(struct vcpcm_msg_announce, fifo_bytes), 4095 },
		{ offsetof(struct vcpcm_msg_announce, fifo_bytes), 0x80000000 },
		{ offsetof(struct vcpcm_msg_announce, max_payload), 255 },
		{ offsetof(struct vcpcm_msg_announce, max_payload), 16388 },	/* > FIFO */
		{ offsetof(struct vcpcm_msg_announce, report_ns), 99999 },
		{ offsetof(struct vcpcm_msg_announce, report_ns), 100000001 },
		{ offsetof(struct vcpcm_msg_announce, start_latency_ns), 1000000001 },
		{ offsetof(struct vcpcm_msg_announce, flags), 1u << 3 },
		{ offsetof(struct vcpcm_msg_announce, version), 3 },
	};
	struct vcpcm_msg_announce a = videocore_like;
	unsigned int i;

	KUNIT_EXPECT_NULL(test, vcpcm_announce_problem(&a));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		a = videocore_like;
		memcpy((u8 *)&a + bad[i].offset, &bad[i].value, sizeof(u32));
		KUNIT_EXPECT_NOT_NULL_MSG(test, vcpcm_announce_problem(&a), "case %u", i);
	}
	/* The edges of each range are accepted. */
	a = videocore_like;
	a.rate_min = 8000;
	a.rate_max = 192000;
	a.channels_min = 8;
	a.channels_max = 8;
	a.playback_chans = 0;
	a.capture_chans = 8;
	a.fifo_bytes = 1 << 20;
	a.max_payload = 65536;
	a.report_ns = 100000;
	a.start_latency_ns = 1000000000;
	a.flags = VCPCM_CAP_ALL;
	KUNIT_EXPECT_NULL(test, vcpcm_announce_problem(&a));
}

static void period_floor_follows_the_report_cadence(struct kunit *test)
{
	struct vcpcm_msg_announce a = videocore_like;

	KUNIT_EXPECT_EQ(test, vcpcm_announce_period_us_min(&a), 10000u);
	a.report_ns = 250000;
	KUNIT_EXPECT_EQ(test, vcpcm_announce_period_us_min(&a), 250u);
	a.report_ns = 250001;	/* never below the cadence */
	KUNIT_EXPECT_EQ(test, vcpcm_announce_period_us_min(&a), 251u);
}

/* The FIFO holds two report intervals: that bounds the bytes per second. */
static void fifo_bounds_the_bytes_per_second(struct kunit *test)
{
	struct vcpcm_msg_announce a = videocore_like;

	/* 16 KiB for 2 x 10 ms: 48 kHz stereo S16_LE (192 000 B/s) fits, 8 ch S32_LE would not. */
	KUNIT_EXPECT_EQ(test, vcpcm_announce_bytes_per_s_max(&a), 819200u);
	a.fifo_bytes = 1048576;
	a.report_ns = 100000;
	KUNIT_EXPECT_EQ(test, vcpcm_announce_bytes_per_s_max(&a), VCPCM_ANNOUNCE_BYTES_PER_S_CAP);
	/* A remote whose smallest stream cannot be served is refused, and says why. */
	a = videocore_like;
	a.fifo_bytes = 4096;
	a.report_ns = 100000000;	/* 20 480 B/s: 8 kHz mono S16_LE (16 000) fits */
	KUNIT_EXPECT_NULL(test, vcpcm_announce_problem(&a));
	a.formats = 1u << VCPCM_FMT_S32_LE;	/* 32 000 B/s does not */
	KUNIT_EXPECT_STREQ(test, vcpcm_announce_problem(&a),
			   "fifo_bytes: less than two report intervals of the smallest stream announced");
	a.formats |= 1u << VCPCM_FMT_U8;	/* the narrowest format counts */
	KUNIT_EXPECT_NULL(test, vcpcm_announce_problem(&a));
}

/* The emulated coprocessor introduces itself as any remote would. */
static void emulator_announces_what_it_does(struct kunit *test)
{
	struct vcpcm_emu_params p = {
		.pairs = 3, .fifo_bytes = 65536, .max_payload = 4000, .start_latency_us = 1500,
	};
	struct vcpcm_msg_announce a;

	vcpcm_emu_announce(&p, 250000, &a);
	KUNIT_EXPECT_NULL(test, vcpcm_announce_problem(&a));
	KUNIT_EXPECT_EQ(test, a.playback_chans, 3u);
	KUNIT_EXPECT_EQ(test, a.capture_chans, 3u);
	KUNIT_EXPECT_EQ(test, a.fifo_bytes, 65536u);
	KUNIT_EXPECT_EQ(test, a.report_ns, 250000u);
	KUNIT_EXPECT_EQ(test, a.start_latency_ns, 1500000u);
	KUNIT_EXPECT_EQ(test, a.formats, (1u << VCPCM_FMT_COUNT) - 1);
	KUNIT_EXPECT_EQ(test, a.flags, (u32)(VCPCM_CAP_PAUSE | VCPCM_CAP_NUMBERED));
}

/* A transport whose remote said buf: what the glue accepts. */
static int accept_bytes(struct kunit *test, const void *buf, u32 len)
{
	struct vcpcm_transport t = { .name = "kunit remote", .announce = buf, .announce_len = len };

	return vcpcm_caps_accept(NULL, &t);
}

static void glue_refuses_bad_remotes(struct kunit *test)
{
	struct vcpcm_msg_announce a = videocore_like;
	u8 buf[VCPCM_MSG_ANNOUNCE_SIZE];

	KUNIT_ASSERT_GT(test, vcpcm_announce_encode(&a, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, accept_bytes(test, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, accept_bytes(test, buf, sizeof(buf) - 4), -EMSGSIZE);
	a.version = 99;
	KUNIT_ASSERT_GT(test, vcpcm_announce_encode(&a, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, accept_bytes(test, buf, sizeof(buf)), -EPROTONOSUPPORT);
	a = videocore_like;
	a.channels_max = 0;
	KUNIT_ASSERT_GT(test, vcpcm_announce_encode(&a, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_EQ(test, accept_bytes(test, buf, sizeof(buf)), -EINVAL);
}

static void glue_hardware_is_what_was_announced(struct kunit *test)
{
	struct snd_pcm_hardware hw;
	struct vcpcm_msg_announce a = videocore_like;

	vcpcm_caps_hardware(&a, 65536, &hw);
	KUNIT_EXPECT_EQ(test, hw.formats, (u64)SNDRV_PCM_FMTBIT_S16_LE);
	KUNIT_EXPECT_EQ(test, hw.rate_min, 8000u);
	KUNIT_EXPECT_EQ(test, hw.rate_max, 48000u);
	KUNIT_EXPECT_EQ(test, hw.channels_min, 1u);
	KUNIT_EXPECT_EQ(test, hw.channels_max, 2u);
	KUNIT_EXPECT_EQ(test, hw.buffer_bytes_max, (size_t)65536);
	KUNIT_EXPECT_FALSE(test, hw.info & SNDRV_PCM_INFO_PAUSE);
	KUNIT_EXPECT_TRUE(test, hw.info & SNDRV_PCM_INFO_MMAP);

	a.formats = (1u << VCPCM_FMT_COUNT) - 1;
	a.flags = VCPCM_CAP_PAUSE;
	vcpcm_caps_hardware(&a, 65536, &hw);
	KUNIT_EXPECT_EQ(test, hw.formats, (u64)(SNDRV_PCM_FMTBIT_U8 | SNDRV_PCM_FMTBIT_S16_LE |
						 SNDRV_PCM_FMTBIT_S24_LE | SNDRV_PCM_FMTBIT_S32_LE |
						 SNDRV_PCM_FMTBIT_FLOAT_LE));
	KUNIT_EXPECT_TRUE(test, hw.info & SNDRV_PCM_INFO_PAUSE);
	KUNIT_EXPECT_EQ(test, vcpcm_wire_format(SNDRV_PCM_FORMAT_S24_LE), (int)VCPCM_FMT_S24_LE);
	KUNIT_EXPECT_EQ(test, vcpcm_wire_format(SNDRV_PCM_FORMAT_S16_BE), -EINVAL);
}

static struct kunit_case vcpcm_capabilities_cases[] = {
	KUNIT_CASE(announce_layout_and_round_trip),
	KUNIT_CASE(announce_matches_the_documented_example),
	KUNIT_CASE(announce_rejects_malformed_and_other_versions),
	KUNIT_CASE(announce_problems_are_named),
	KUNIT_CASE(period_floor_follows_the_report_cadence),
	KUNIT_CASE(fifo_bounds_the_bytes_per_second),
	KUNIT_CASE(emulator_announces_what_it_does),
	KUNIT_CASE(glue_refuses_bad_remotes),
	KUNIT_CASE(glue_hardware_is_what_was_announced),
	{}
};

static struct kunit_suite vcpcm_capabilities_suite = {
	.name = "vcpcm_capabilities",
	.test_cases = vcpcm_capabilities_cases,
};
kunit_test_suite(vcpcm_capabilities_suite);

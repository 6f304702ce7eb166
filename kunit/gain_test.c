// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: fixed-point gain (src/core/gain.cpp). Expected values were
 * computed independently in double precision: round(10^(cB/2000) * 2^30).
 */
#include <linux/unaligned.h>
#include "test_util.h"

static void gain_matches_decibels(struct kunit *test)
{
	static const struct { s32 centibel; s64 q30; } ref[] = {
		{ -300, 760150998 }, { -600, 538145694 }, { -2000, 107374182 },
		{ -6000, 1073742 }, { -10239, 8155 }, { 150, 1276144550 }, { 400, 1701766107 },
	};
	unsigned int i;

	KUNIT_EXPECT_EQ(test, vcpcm_gain_q30(0, 0), 1LL << 30);
	KUNIT_EXPECT_EQ(test, vcpcm_gain_q30(-300, 1), 0LL);
	for (i = 0; i < ARRAY_SIZE(ref); i++) {
		s64 got = vcpcm_gain_q30(ref[i].centibel, 0);

		/* Two rounded Q30 factors: within a few parts per billion. */
		KUNIT_EXPECT_LE_MSG(test, abs(got - ref[i].q30), 2,
				    "%d cB: %lld, want %lld", ref[i].centibel, got, ref[i].q30);
	}
	/* Out of range clamps; the curve only ever rises. */
	KUNIT_EXPECT_EQ(test, vcpcm_gain_q30(-20000, 0), vcpcm_gain_q30(-10239, 0));
	KUNIT_EXPECT_EQ(test, vcpcm_gain_q30(1000, 0), vcpcm_gain_q30(400, 0));
	for (i = 0; i < 10639; i++)
		KUNIT_ASSERT_LE(test, vcpcm_gain_q30(-10239 + i, 0), vcpcm_gain_q30(-10238 + i, 0));
}

static void gain_scales_integer_formats(struct kunit *test)
{
	u8 b16[6] = { 0x20, 0x4e, 0xe0, 0xb1, 0xff, 0x7f };	/* 20000, -20000, 32767 */
	u8 b32[4] = { 0x00, 0x00, 0x00, 0x40 };		/* 2^30 */
	u8 b24[4] = { 0x00, 0x00, 0xc0, 0xff };		/* -(2^22), sign-extended */
	u8 u8s[3] = { 0x80, 0xff, 0x00 };

	vcpcm_gain_apply(-600, 0, VCPCM_FMT_S16_LE, b16, 4);
	KUNIT_EXPECT_EQ(test, (s16)(b16[0] | b16[1] << 8), (s16)10024);	/* 10023.74 */
	KUNIT_EXPECT_EQ(test, (s16)(b16[2] | b16[3] << 8), (s16)-10024);
	vcpcm_gain_apply(400, 0, VCPCM_FMT_S16_LE, b16 + 4, 2);
	KUNIT_EXPECT_EQ(test, (s16)(b16[4] | b16[5] << 8), (s16)32767);	/* saturates */
	vcpcm_gain_apply(-602, 0, VCPCM_FMT_S32_LE, b32, 4);
	KUNIT_EXPECT_LE(test, abs((s32)get_unaligned_le32(b32) - (1 << 29)), 1 << 19);
	vcpcm_gain_apply(-602, 0, VCPCM_FMT_S24_LE, b24, 4);
	KUNIT_EXPECT_LE(test, abs((s32)get_unaligned_le32(b24) + (1 << 21)), 1 << 11);
	vcpcm_gain_apply(-602, 0, VCPCM_FMT_U8, u8s, 3);
	KUNIT_EXPECT_EQ(test, u8s[0], 0x80);	/* silence stays silence */
	KUNIT_EXPECT_EQ(test, u8s[1], 128 + 64);	/* 127 x 0.500035 = 63.50 */
	KUNIT_EXPECT_EQ(test, u8s[2], 128 - 64);
	vcpcm_gain_apply(0, 1, VCPCM_FMT_S16_LE, b16, 6);
	KUNIT_EXPECT_NULL(test, memchr_inv(b16, 0, 6));	/* mute */
}

static void gain_keeps_unity_bit_exact(struct kunit *test)
{
	u8 data[16], copy[16];
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = vcpcm_test_byte(i, 3);
	memcpy(copy, data, sizeof(data));
	for (i = 0; i < VCPCM_FMT_COUNT; i++) {
		vcpcm_gain_apply(0, 0, i, data, sizeof(data));
		KUNIT_EXPECT_MEMEQ(test, data, copy, sizeof(data));
	}
}

static void gain_scales_floats_in_integer_arithmetic(struct kunit *test)
{
	const s64 half = 1LL << 29;

	KUNIT_EXPECT_EQ(test, vcpcm_gain_scale_float(0x3f800000, half), 0x3f000000u);	/* 1 -> 0.5 */
	KUNIT_EXPECT_EQ(test, vcpcm_gain_scale_float(0xc0400000, half), 0xbfc00000u);	/* -3 -> -1.5 */
	KUNIT_EXPECT_EQ(test, vcpcm_gain_scale_float(0x00000000, half), 0u);
	KUNIT_EXPECT_EQ(test, vcpcm_gain_scale_float(0x00800000, half), 0u);	/* to denormal: 0 */
	KUNIT_EXPECT_EQ(test, vcpcm_gain_scale_float(0x7f800000, half), 0x7f800000u);	/* inf */
	KUNIT_EXPECT_EQ(test, vcpcm_gain_scale_float(0x7fc00000, half), 0x7fc00000u);	/* NaN */
	KUNIT_EXPECT_EQ(test, vcpcm_gain_scale_float(0x7f7fffff, 3 * half), 0x7f7fffffu); /* clamps */
	KUNIT_EXPECT_EQ(test, vcpcm_gain_scale_float(0x3f800000, 0), 0u);
	/* 1.0 at -6 dB is 0x3f004dce in single precision: within one ulp. */
	KUNIT_EXPECT_LE(test, abs((s32)vcpcm_gain_scale_float(0x3f800000, vcpcm_gain_q30(-600, 0)) -
				  0x3f004dce), 1);
}

static struct kunit_case vcpcm_gain_cases[] = {
	KUNIT_CASE(gain_matches_decibels),
	KUNIT_CASE(gain_scales_integer_formats),
	KUNIT_CASE(gain_keeps_unity_bit_exact),
	KUNIT_CASE(gain_scales_floats_in_integer_arithmetic),
	{}
};

static struct kunit_suite vcpcm_gain_suite = {
	.name = "vcpcm_gain",
	.test_cases = vcpcm_gain_cases,
};
kunit_test_suite(vcpcm_gain_suite);

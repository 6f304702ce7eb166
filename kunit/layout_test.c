// SPDX-License-Identifier: GPL-2.0
/* KUnit: interleaved and non-interleaved buffers (src/core/frame_layout.cpp). */
#include <linux/slab.h>
#include "test_util.h"

#define FRAMES 96

static void layout_rejects_bad_shapes(struct kunit *test)
{
	struct vcpcm_frame_layout l;

	KUNIT_EXPECT_EQ(test, vcpcm_layout_init(&l, 4, 2, 4 * FRAMES, 1), 0);
	KUNIT_EXPECT_EQ(test, vcpcm_layout_init(&l, 4, 0, 4 * FRAMES, 1), -VCPCM_EINVAL);
	KUNIT_EXPECT_EQ(test, vcpcm_layout_init(&l, 6, 2, 6 * FRAMES, 1), -VCPCM_EINVAL);
	KUNIT_EXPECT_EQ(test, vcpcm_layout_init(&l, 4, 3, 4 * FRAMES, 1), -VCPCM_EINVAL);
	KUNIT_EXPECT_EQ(test, vcpcm_layout_init(&l, 4, 2, 4 * FRAMES + 2, 1), -VCPCM_EINVAL);
}

/*
 * Every sample size and several channel counts, at offsets that start and
 * end anywhere in the buffer. The expected bytes come from the definition
 * of ALSA's non-interleaved layout: channel c of frame f lives at
 * c * plane + f * sample_bytes.
 */
static void layout_gather_and_scatter_planes(struct kunit *test)
{
	static const u32 sample_sizes[] = { 1, 2, 4 };
	static const u32 channel_counts[] = { 1, 2, 3, 6, 8 };
	u32 si, ci, trial;

	for (si = 0; si < ARRAY_SIZE(sample_sizes); si++) {
		for (ci = 0; ci < ARRAY_SIZE(channel_counts); ci++) {
			u32 sb = sample_sizes[si], ch = channel_counts[ci], fb = sb * ch;
			u32 bytes = fb * FRAMES, plane = bytes / ch;
			u8 *buf = kunit_kmalloc(test, bytes, GFP_KERNEL);
			u8 *packed = kunit_kmalloc(test, bytes, GFP_KERNEL);
			u8 *back = kunit_kmalloc(test, bytes + 1, GFP_KERNEL);
			struct vcpcm_frame_layout l;
			u32 i;

			KUNIT_ASSERT_NOT_NULL(test, buf);
			KUNIT_ASSERT_NOT_NULL(test, packed);
			KUNIT_ASSERT_NOT_NULL(test, back);
			KUNIT_ASSERT_EQ(test, vcpcm_layout_init(&l, fb, ch, bytes, 1), 0);
			for (i = 0; i < bytes; i++)
				buf[i] = vcpcm_test_byte(i, sb * 16 + ch);
			for (trial = 0; trial < 20; trial++) {
				u32 first = vcpcm_test_byte(trial, 1) % FRAMES;
				u32 count = 1 + vcpcm_test_byte(trial, 2) % (FRAMES - first);
				u32 f, c;

				vcpcm_layout_gather(&l, buf, first * fb, packed, count * fb);
				for (f = 0; f < count; f++)
					for (c = 0; c < ch; c++)
						KUNIT_ASSERT_EQ_MSG(test,
							memcmp(packed + f * fb + c * sb,
							       buf + c * plane + (first + f) * sb, sb), 0,
							"sample %u ch %u frame %u of %u", sb, c, f, ch);
				/* Scatter writes exactly those samples and nothing else. */
				memset(back, 0xa5, bytes + 1);
				vcpcm_layout_scatter(&l, back, first * fb, packed, count * fb);
				for (c = 0; c < ch; c++) {
					u32 start = c * plane + first * sb, end = start + count * sb;

					KUNIT_EXPECT_EQ(test, memcmp(back + start, buf + start,
								     end - start), 0);
					if (start > c * plane)
						KUNIT_EXPECT_NULL(test, memchr_inv(back + c * plane, 0xa5,
										   start - c * plane));
					KUNIT_EXPECT_NULL(test, memchr_inv(back + end, 0xa5,
									   (c + 1) * plane - end));
				}
				KUNIT_EXPECT_EQ(test, back[bytes], 0xa5);
			}
		}
	}
}

static void layout_interleaved_is_a_plain_copy(struct kunit *test)
{
	u8 buf[4 * FRAMES], out[4 * FRAMES];
	struct vcpcm_frame_layout l;
	u32 i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = vcpcm_test_byte(i, 7);
	KUNIT_ASSERT_EQ(test, vcpcm_layout_init(&l, 4, 2, sizeof(buf), 0), 0);
	vcpcm_layout_gather(&l, buf, 40, out, 80);
	KUNIT_EXPECT_EQ(test, memcmp(out, buf + 40, 80), 0);
	memset(out, 0, sizeof(out));
	vcpcm_layout_scatter(&l, out, 8, buf, 16);
	KUNIT_EXPECT_EQ(test, memcmp(out + 8, buf, 16), 0);
	KUNIT_EXPECT_NULL(test, memchr_inv(out, 0, 8));
	KUNIT_EXPECT_NULL(test, memchr_inv(out + 24, 0, sizeof(out) - 24));
}

static struct kunit_case vcpcm_layout_cases[] = {
	KUNIT_CASE(layout_rejects_bad_shapes),
	KUNIT_CASE(layout_gather_and_scatter_planes),
	KUNIT_CASE(layout_interleaved_is_a_plain_copy),
	{}
};

static struct kunit_suite vcpcm_layout_suite = {
	.name = "vcpcm_layout",
	.test_cases = vcpcm_layout_cases,
};
kunit_test_suite(vcpcm_layout_suite);

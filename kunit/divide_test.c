// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the core's 64-by-32-bit division in 32-bit steps, which is what a
 * 32-bit kernel runs (src/core/divide.cpp), against the native division.
 */
#include <linux/math64.h>
#include <linux/prandom.h>
#include "test_util.h"

static void expect_divides(struct kunit *test, u64 n, u32 d)
{
	u32 rem, want_rem;
	u64 quot = vcpcm_divide_in_steps(n, d, &rem);
	u64 want = div_u64_rem(n, d, &want_rem);

	KUNIT_EXPECT_EQ_MSG(test, quot, want, "%llu / %u", n, d);
	KUNIT_EXPECT_EQ_MSG(test, rem, want_rem, "%llu %% %u", n, d);
}

static void divide_in_steps_is_exact(struct kunit *test)
{
	static const u64 numerators[] = {
		0, 1, 999999999, 1000000000, 0xffffffffULL, 0x100000000ULL,
		0x7fffffffffffffffULL, 0xffffffffffffffffULL, 0xfffffffe00000001ULL,
	};
	static const u32 divisors[] = { 1, 2, 3, 7, 48000, 1000000000, 0x80000000u, 0xffffffffu };
	struct rnd_state rnd;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(numerators); i++)
		for (j = 0; j < ARRAY_SIZE(divisors); j++)
			expect_divides(test, numerators[i], divisors[j]);
	prandom_seed_state(&rnd, 0x64697669);
	for (i = 0; i < 100000; i++) {
		u64 n = (u64)prandom_u32_state(&rnd) << 32 | prandom_u32_state(&rnd);
		u32 d = prandom_u32_state(&rnd) >> (prandom_u32_state(&rnd) % 32);

		expect_divides(test, n >> (i % 64), d ?: 1);
	}
}

static struct kunit_case vcpcm_divide_cases[] = {
	KUNIT_CASE(divide_in_steps_is_exact),
	{}
};

static struct kunit_suite vcpcm_divide_suite = {
	.name = "vcpcm_divide",
	.test_cases = vcpcm_divide_cases,
};
kunit_test_suite(vcpcm_divide_suite);

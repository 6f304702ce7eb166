// SPDX-License-Identifier: GPL-2.0
// Exact 64-by-32-bit division in 32-bit steps (divide.hpp).
#include "divide.hpp"

namespace vcpcm {

QuotRem divide_in_steps(uint64_t n, uint32_t d)
{
	uint32_t hi = static_cast<uint32_t>(n >> 32);
	uint32_t lo = static_cast<uint32_t>(n);
	uint32_t quot_lo = 0;
	uint32_t rem = hi % d;	// 32-bit division: every target has it
	// Bring the low word in bit by bit: the remainder stays below 2d.
	for (int bit = 31; bit >= 0; bit--) {
		uint64_t cur = static_cast<uint64_t>(rem) << 1 | ((lo >> bit) & 1u);
		if (cur >= d) {
			cur -= d;
			quot_lo |= 1u << bit;
		}
		rem = static_cast<uint32_t>(cur);
	}
	return { static_cast<uint64_t>(hi / d) << 32 | quot_lo, rem };
}

} // namespace vcpcm

extern "C" uint64_t vcpcm_divide_in_steps(uint64_t n, uint32_t d, uint32_t *rem)
{
	vcpcm::QuotRem q = vcpcm::divide_in_steps(n, d);
	*rem = q.rem;
	return q.quot;
}

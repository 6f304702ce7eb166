// SPDX-License-Identifier: GPL-2.0
// Exact division of a 64-bit number by a 32-bit one. A 32-bit kernel has
// no libgcc helper for a 64-bit '/' or '%' (__udivdi3, __aeabi_uldivmod),
// so there the core divides in 32-bit steps; 64-bit targets divide natively.
#pragma once

#include "support.hpp"

namespace vcpcm {

struct QuotRem {
	uint64_t quot;
	uint32_t rem;
};

// Long division in 32-bit steps: what 32-bit targets run. Always built, so
// the tests check it against the native division on any host. d != 0.
QuotRem divide_in_steps(uint64_t n, uint32_t d);

// VCPCM_DIVIDE_IN_STEPS: a 64-bit test build that runs every suite through
// the 32-bit targets' arithmetic (make check's KUnit under KASAN does).
inline QuotRem divide(uint64_t n, uint32_t d)
{
#if UINTPTR_MAX > 0xffffffffu && !defined(VCPCM_DIVIDE_IN_STEPS)
	return { n / d, static_cast<uint32_t>(n % d) };
#else
	return divide_in_steps(n, d);
#endif
}

inline uint64_t quotient(uint64_t n, uint32_t d) { return divide(n, d).quot; }
inline uint32_t remainder(uint64_t n, uint32_t d) { return divide(n, d).rem; }

} // namespace vcpcm

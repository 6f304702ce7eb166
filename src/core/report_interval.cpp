// SPDX-License-Identifier: GPL-2.0
// How often a stream needs the remote's reports (see vcpcm/core.h).
#include "divide.hpp"

namespace vcpcm {
namespace {

constexpr uint64_t NSEC_PER_SEC = 1000000000ull;

// Time for rate frames of frame_bytes to fill bytes, in ns. Two floor
// divisions in a row are exactly one by the product.
uint64_t ns_to_fill(uint32_t bytes, uint32_t rate, uint32_t frame_bytes)
{
	return quotient(quotient(bytes * NSEC_PER_SEC, rate), frame_bytes);
}

} // namespace
} // namespace vcpcm

extern "C" uint32_t vcpcm_report_interval_ns(const struct vcpcm_report_needs *n)
{
	using vcpcm::max;
	using vcpcm::min;
	if (!n->rate || !n->frame_bytes || (n->no_period_wakeup && !n->positions_on_read) ||
	    n->fixed_cadence)
		return n->finest_ns;
	uint64_t period_ns = vcpcm::ns_to_fill(n->period_bytes, n->rate, n->frame_bytes);
	uint64_t want = n->no_period_wakeup || n->sent_at_reports ? period_ns / 4 : period_ns;
	// Each report lets the host refill the remote, whose FIFO must hold
	// two intervals' worth (one playing, one arriving).
	want = min(want, vcpcm::ns_to_fill(n->fifo_bytes / 2, n->rate, n->frame_bytes));
	want = min<uint64_t>(want, VCPCM_REPORT_INTERVAL_MAX_NS);
	return static_cast<uint32_t>(max<uint64_t>(want, n->finest_ns));
}

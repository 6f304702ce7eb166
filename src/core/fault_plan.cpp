// SPDX-License-Identifier: GPL-2.0
// The emulated remote's fault plan (fault_plan.hpp).
#include "fault_plan.hpp"

namespace vcpcm {
namespace {

constexpr uint64_t NSEC_PER_MSEC = 1000000ull;
constexpr uint32_t UNKNOWN_TYPE = VCPCM_MSG_EXT_BASE + 0xff;

void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = static_cast<uint8_t>(v >> (8 * i));
}

uint32_t get_u32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | static_cast<uint32_t>(p[3]) << 24;
}

} // namespace

void FaultPlan::clear()
{
	for (Plan &p : plans_)
		p = Plan();
}

void FaultPlan::arm(uint32_t chan, const vcpcm_emu_fault &f, uint64_t now_ns)
{
	Plan &p = plans_[chan];
	p = Plan();
	p.kind = f.kind;
	p.remaining = f.count;
	if (f.kind == VCPCM_FAULT_DELAY)
		p.hold_until_ns = now_ns + f.delay_ms * NSEC_PER_MSEC;
	if (f.kind == VCPCM_FAULT_DELAY || f.kind == VCPCM_FAULT_STALL ||
	    f.kind == VCPCM_FAULT_NO_ANSWER)
		injected_++;
}

bool FaultPlan::holding(uint32_t chan, uint64_t now_ns) const
{
	const Plan &p = plans_[chan];
	return p.kind == VCPCM_FAULT_STALL || (p.kind == VCPCM_FAULT_DELAY && now_ns < p.hold_until_ns);
}

uint32_t FaultPlan::peek(uint32_t chan) const
{
	// These last until cleared and damage no report.
	uint32_t kind = plans_[chan].kind;
	return kind == VCPCM_FAULT_DELAY || kind == VCPCM_FAULT_STALL || kind == VCPCM_FAULT_NO_ANSWER ?
	       static_cast<uint32_t>(VCPCM_FAULT_NONE) : kind;
}

uint32_t FaultPlan::take(uint32_t chan)
{
	Plan &p = plans_[chan];
	uint32_t kind = peek(chan);
	if (kind == VCPCM_FAULT_NONE)
		return kind;
	if (p.remaining && !--p.remaining)
		p = Plan();	// that was the last one
	injected_++;
	return kind;
}

void damage_report(uint32_t fault, uint8_t *hdr, uint32_t &len, uint32_t &payload_len,
		   uint32_t payload_room, uint32_t max_payload)
{
	uint32_t type = get_u32(hdr);
	bool capture = type == VCPCM_MSG_CAPTURE;
	switch (fault) {
	case VCPCM_FAULT_BAD_TYPE:
		put_u32(hdr, UNKNOWN_TYPE);
		break;
	case VCPCM_FAULT_TRUNCATE:
		len--;
		break;
	case VCPCM_FAULT_OVERCOUNT:
		// The count word follows the type in both reports.
		if (capture)
			put_u32(hdr + 4, payload_len + 4);	// announces more than it carries
		else
			put_u32(hdr + 4, get_u32(hdr + 4) + (1u << 30));	// more than was ever sent
		break;
	case VCPCM_FAULT_OVERLONG:
		if (capture && payload_room > max_payload) {
			// A message longer than the host accepts, announced consistently.
			payload_len = min(payload_room, max_payload + 64);
			put_u32(hdr + 4, payload_len);
		} else if (capture) {
			put_u32(hdr + 4, max_payload + 1);
		} else {
			put_u32(hdr + 4, 0x80000000u | get_u32(hdr + 4));	// a negative count
		}
		break;
	}
}

} // namespace vcpcm

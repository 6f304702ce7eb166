// SPDX-License-Identifier: GPL-2.0
// Which faults the emulated remote injects, per channel: the plan that the
// reliability tests set through vcpcm_emu_inject(), and how a report is
// damaged when its turn comes. The coprocessor asks before each report.
#pragma once

#include "support.hpp"

namespace vcpcm {

class FaultPlan {
public:
	static constexpr uint32_t CHANNELS = 2 * VCPCM_EMU_MAX_PAIRS;

	void clear();
	// Set f on its channel(s); valid(chan) says which exist. 0 or -EINVAL.
	template <typename Valid> int set(const vcpcm_emu_fault &f, uint64_t now_ns, Valid valid)
	{
		if (f.kind >= VCPCM_FAULT_COUNT || f.kind == VCPCM_FAULT_RESET ||
		    (f.kind == VCPCM_FAULT_DELAY && (!f.delay_ms || f.delay_ms > 60000)))
			return -VCPCM_EINVAL;
		if (f.chan >= 0 && !valid(static_cast<uint32_t>(f.chan)))
			return -VCPCM_EINVAL;
		for (uint32_t c = 0; c < CHANNELS; c++)
			if (f.chan < 0 ? valid(c) : c == static_cast<uint32_t>(f.chan))
				arm(c, f, now_ns);
		return 0;
	}
	// DELAY or STALL: the channel's reports wait (the remote is late).
	bool holding(uint32_t chan, uint64_t now_ns) const;
	// NO_ANSWER: the channel's requests go unanswered (a dead remote).
	bool answering(uint32_t chan) const { return plans_[chan].kind != VCPCM_FAULT_NO_ANSWER; }
	// The fault planned for the channel's next report, or NONE.
	uint32_t peek(uint32_t chan) const;
	// No fault of any kind is set on the channel.
	bool clear_on(uint32_t chan) const { return plans_[chan].kind == VCPCM_FAULT_NONE; }
	// The same, now applied to a report (counted), or NONE.
	uint32_t take(uint32_t chan);
	void count_one() { injected_++; }
	uint64_t injected() const { return injected_; }

private:
	struct Plan {
		uint32_t kind = VCPCM_FAULT_NONE;
		uint32_t remaining = 0;		// 0: until cleared
		uint64_t hold_until_ns = 0;	// DELAY; STALL holds for ever
	};
	void arm(uint32_t chan, const vcpcm_emu_fault &f, uint64_t now_ns);

	Plan plans_[CHANNELS];
	uint64_t injected_ = 0;
};

// Damage an encoded report (fixed part in hdr, length len, payload_len) as
// fault says. payload_room: valid bytes at the payload, which may be sent
// longer than max_payload (OVERLONG) but never past that memory.
void damage_report(uint32_t fault, uint8_t *hdr, uint32_t &len, uint32_t &payload_len,
		   uint32_t payload_room, uint32_t max_payload);

} // namespace vcpcm

// SPDX-License-Identifier: GPL-2.0
// The remote's main loop: the host's messages go to the model, its answers
// and the reports of each clock tick go back.
#pragma once

#include "link.hpp"
#include "mode.hpp"

namespace remote {

class Engine {
public:
	Engine(Link &link, vcpcm_emu *model, Mode &mode, uint32_t tick_us, bool verbose)
		: link_(link), model_(model), mode_(mode), tick_ns_(tick_us * 1000ull), verbose_(verbose) {}
	// Until SIGINT or SIGTERM (0), or the link fails (1). Both signals
	// must be blocked; they are let in only while the loop waits.
	int run();
private:
	bool handle_received();
	bool tick(uint64_t now);
	Link &link_;
	vcpcm_emu *model_;
	Mode &mode_;
	uint64_t tick_ns_;
	bool verbose_;
};

uint64_t now_ns();
extern volatile int stop_requested;

} // namespace remote

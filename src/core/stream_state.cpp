// SPDX-License-Identifier: GPL-2.0
// The stream state machine: which host-side events are legal in which
// state. One table, so the rules can be read (and tested) in one place.
#include "support.hpp"

namespace vcpcm {
namespace {

constexpr int8_t X = -1;	// not allowed

// next[state][event]; events: OPEN PREPARE START STOP XRUN CLOSE PAUSE RESUME
constexpr int8_t next_state[VCPCM_ST_COUNT][VCPCM_EV_COUNT] = {
	/* CLOSED   */ { VCPCM_ST_OPEN, X, X, X, X, X, X, X },
	/* OPEN     */ { X, VCPCM_ST_PREPARED, X, X, X, VCPCM_ST_CLOSED, X, X },
	/* PREPARED */ { X, VCPCM_ST_PREPARED, VCPCM_ST_RUNNING, VCPCM_ST_STOPPED, X,
			 VCPCM_ST_CLOSED, X, X },
	/* RUNNING  */ { X, X, X, VCPCM_ST_STOPPED, VCPCM_ST_XRUN, VCPCM_ST_CLOSED,
			 VCPCM_ST_PAUSED, X },
	/* STOPPED  */ { X, VCPCM_ST_PREPARED, X, VCPCM_ST_STOPPED, X, VCPCM_ST_CLOSED, X, X },
	/* XRUN     */ { X, VCPCM_ST_PREPARED, X, VCPCM_ST_XRUN, VCPCM_ST_XRUN, VCPCM_ST_CLOSED,
			 X, X },
	/* PAUSED   */ { X, VCPCM_ST_PREPARED, X, VCPCM_ST_STOPPED, X, VCPCM_ST_CLOSED, X,
			 VCPCM_ST_RUNNING },
};

} // namespace
} // namespace vcpcm

extern "C" int vcpcm_state_next(vcpcm_stream_state from, vcpcm_stream_event ev)
{
	if (static_cast<unsigned>(from) >= VCPCM_ST_COUNT || static_cast<unsigned>(ev) >= VCPCM_EV_COUNT)
		return -VCPCM_EINVAL;
	int8_t to = vcpcm::next_state[from][ev];
	return to == vcpcm::X ? -VCPCM_EBADFD : to;
}

// SPDX-License-Identifier: GPL-2.0
// What vcpcm-remote does with the audio: its modes. The model (the same
// coprocessor model as the kernel's emulated card) speaks the protocol;
// a mode gives it somewhere to play to and record from (vcpcm_emu_io).
//   loopback   the model alone: playback N comes back on capture N
//   wav        mode_wav.cpp: playback into WAV files, capture from a WAV
//   alsa       mode_alsa.cpp: playback into, capture from ALSA devices
#pragma once

#include <cstdint>
#include <memory>

#include "vcpcm/core.h"
#include "vcpcm/errno.h"
#include "vcpcm/user.h"

namespace remote {

struct Options {
	const char *device = VCPCM_USER_DEVICE;
	const char *id = "vcpcmuser";
	uint32_t pairs = 1;
	uint32_t fifo_bytes = 131072;
	uint32_t max_payload = 4000;
	uint32_t tick_us = 1000;
	uint32_t formats = (1u << VCPCM_FMT_COUNT) - 1;
	bool capture = true;
	bool playback = true;
	bool fixed_cadence = false;
	bool verbose = false;
	bool by_read = false;	// the host's frames by read(), not from the mapped queue
	uint32_t rt_priority = 0;	// SCHED_FIFO at this priority (1-99), or 0: as started
	// wav
	const char *record_dir = nullptr;
	const char *capture_wav = nullptr;
	bool loop = false;
	// alsa
	const char *playback_device = "default";
	const char *capture_device = "default";
	uint32_t period_us = 10000;
	uint32_t buffer_us = 40000;
};

class Mode {
public:
	virtual ~Mode() = default;
	// The model's hooks; none (the default): the model's own loopback.
	virtual vcpcm_emu_io io() { return vcpcm_emu_io(); }
	// What the card announces, as the mode can serve it.
	virtual void announce(vcpcm_msg_announce &) const {}
	// Before each wait for the host: true while the mode needs ticks
	// although no stream runs (e.g. a device still playing out).
	virtual bool service() { return false; }
	// The process ends: files completed, devices closed.
	virtual void finish() {}
};

std::unique_ptr<Mode> make_wav_mode(const Options &o);
#ifdef VCPCM_REMOTE_ALSA
std::unique_ptr<Mode> make_alsa_mode(const Options &o);
#endif

// Playback pair N is channel N, capture pair N channel 8 + N.
inline bool is_capture_chan(uint32_t chan) { return chan >= VCPCM_EMU_MAX_PAIRS; }
inline uint32_t pair_of(uint32_t chan) { return chan % VCPCM_EMU_MAX_PAIRS; }
const char *format_name(uint32_t wire_format);
// "PATTERN" with each %n replaced by pair (0-7), into out.
bool expand_pair(const char *pattern, uint32_t pair, char *out, size_t size);

} // namespace remote

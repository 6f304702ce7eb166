// SPDX-License-Identifier: GPL-2.0
// The link to the host: /dev/vcpcm framing (include/vcpcm/user.h), one
// frame per read() and per write().
#pragma once

#include <cstdint>

#include "vcpcm/core.h"
#include "vcpcm/user.h"

namespace remote {

// One frame from the host, split the way the model takes it.
struct Frame {
	uint32_t chan;
	uint32_t type;
	const uint8_t *msg;	// the fixed part
	uint32_t len;
	const uint8_t *payload;	// WRITE's audio, or nullptr
	uint32_t payload_len;
};

class Link {
public:
	~Link();
	// path: the control device, or (for tests) a SOCK_SEQPACKET socket
	// that a fake host listens on. False with a message on stderr.
	bool open(const char *path);
	int fd() const { return fd_; }
	void set_verbose(bool on) { verbose_ = on; }
	bool send(uint32_t chan, const void *msg, uint32_t len, const void *payload, uint32_t plen);
	bool send(const vcpcm_emu_out &o) { return send(o.chan, o.hdr, o.len, o.payload, o.payload_len); }
	// 1: a frame in *f (valid until the next call); 0: nothing usable
	// (interrupted, or a malformed frame, logged and dropped); -1: the
	// link is gone.
	int receive(Frame *f);

private:
	int fd_ = -1;
	bool verbose_ = false;
	uint8_t in_[VCPCM_USER_FRAME_MAX];
	uint8_t out_[VCPCM_USER_FRAME_MAX];
};

} // namespace remote

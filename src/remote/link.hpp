// SPDX-License-Identifier: GPL-2.0
// The link to the host: /dev/vcpcm framing (include/vcpcm/user.h). The
// host's frames are read in place from its mapped queue (one copy per byte
// in all: the host's, into the queue), or one per read() where the queue
// cannot be mapped (a test's socket) or --read asks for it; ours go one per
// write().
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
	// Before open(): take the host's frames by read(), not from the mapped queue.
	void set_read_only(bool on) { by_read_ = on; }
	bool mapped() const { return queue_ != nullptr; }
	int fd() const { return fd_; }
	void set_verbose(bool on) { verbose_ = on; }
	bool send(uint32_t chan, const void *msg, uint32_t len, const void *payload, uint32_t plen);
	bool send(const vcpcm_emu_out &o) { return send(o.chan, o.hdr, o.len, o.payload, o.payload_len); }
	// 1: a frame in *f (valid until the next call); 0: nothing usable
	// (interrupted, or a malformed frame, logged and dropped); -1: the
	// link is gone.
	int receive(Frame *f);

private:
	void map_queue();
	int receive_mapped(Frame *f);
	int parse(const uint8_t *frame, uint32_t n, Frame *f);
	int fd_ = -1;
	bool by_read_ = false;
	vcpcm_user_queue *queue_ = nullptr;	// the host's, mapped
	const uint8_t *queue_data_ = nullptr;
	size_t map_bytes_ = 0;
	uint32_t held_tail_ = 0;	// the end of the frame handed out last
	bool holding_ = false;
	bool verbose_ = false;
	uint8_t in_[VCPCM_USER_FRAME_MAX];
	uint8_t out_[VCPCM_USER_FRAME_MAX];
};

} // namespace remote

// SPDX-License-Identifier: GPL-2.0
// The indirect ring manager: keeps the ALSA intermediate buffer and the
// remote side in step, the pcm-indirect way, with its sharp edges handled
// (rewinds refused, appl_ptr folded at boundary, remote counts checked).
#pragma once

#include "divide.hpp"

namespace vcpcm {

// Validated, frame-aligned ring geometry.
class RingGeometry {
public:
	int assign(const vcpcm_ring_geometry &g);
	uint32_t sw_bytes = 0, period_bytes = 0, frame_bytes = 0;
	uint32_t hw_bytes = 0, queue_limit = 0, max_chunk = 0;
	uint64_t boundary = 0;
	uint64_t appl_start = 0;
	uint32_t round_to_frames(uint32_t bytes) const { return bytes - bytes % frame_bytes; }
	// Where frame number appl lives in the ALSA buffer.
	uint32_t sw_offset_of(uint64_t appl) const
	{
		return remainder(appl, sw_bytes / frame_bytes) * frame_bytes;
	}
};

// Folds the application pointer at ALSA's boundary (a smaller one for
// 32-bit applications) and refuses to move backwards.
class ApplPointer {
public:
	void reset(uint64_t boundary, uint64_t start) { boundary_ = boundary; last_ = start; }
	// Frames moved forward since the last call, or -EPIPE for a rewind.
	int64_t advance(uint64_t appl_ptr);
private:
	uint64_t boundary_ = 0, last_ = 0;
};

// pos + n in a ring of size bytes: the division only when it wraps (rarely
// more than once), as the transfer path runs per message.
inline uint32_t ring_add(uint32_t pos, uint64_t n, uint32_t size)
{
	uint64_t sum = pos + n;
	return static_cast<uint32_t>(sum < size ? sum : remainder(sum, size));
}

// Counts period boundaries crossed by a byte position that only grows.
class PeriodCounter {
public:
	// start: the byte offset in the buffer where counting begins.
	void reset(uint32_t period_bytes, uint32_t start)
	{
		period_bytes_ = period_bytes;
		into_period_ = start % period_bytes;
	}
	uint32_t advance(uint32_t bytes)
	{
		uint64_t into = static_cast<uint64_t>(into_period_) + bytes;
		if (into < period_bytes_) {	// the common case: no division
			into_period_ = static_cast<uint32_t>(into);
			return 0;
		}
		QuotRem crossed = divide(into, period_bytes_);
		into_period_ = crossed.rem;
		return static_cast<uint32_t>(crossed.quot);
	}
private:
	uint32_t period_bytes_ = 1;
	uint32_t into_period_ = 0;	// bytes past the last boundary
};

class PlaybackRing {
public:
	int reset(const vcpcm_ring_geometry &g);
	int ack(uint64_t appl_ptr);
	int transfer(vcpcm_chunk_fn sink, void *ctx);
	int complete(uint32_t bytes);
	void run_free(uint32_t lead_bytes);
	// ALSA moved appl_ptr back to the position (SNDRV_PCM_IOCTL_RESET).
	void rebase(uint64_t appl_ptr);
	uint32_t hw_pos() const { return sw_io_; }
	uint32_t in_flight() const { return hw_ready_; }
	uint32_t pending() const { return sw_ready_; }
private:
	RingGeometry g_;
	ApplPointer appl_;
	PeriodCounter periods_;
	bool free_running_ = false;
	// After a rebase: bytes the application will commit again that were
	// already sent (they sit at the remote, as DMA would have fetched them).
	uint32_t already_sent_ = 0;
	uint32_t sw_data_ = 0;	// next ALSA-buffer byte to send
	uint32_t hw_data_ = 0;	// where it lands in the remote FIFO
	uint32_t sw_ready_ = 0;	// committed by the application, not sent
	uint32_t hw_ready_ = 0;	// sent, not yet consumed by the remote
	uint32_t sw_io_ = 0;	// consumed by the remote: the hw position
};

class CaptureRing {
public:
	int reset(const vcpcm_ring_geometry &g);
	int ack(uint64_t appl_ptr);
	// Bytes delivered: periods elapsed, -EIO for a count that is not whole
	// frames, or -EPIPE (nothing written) when they would overwrite data the
	// application has not read and it did not allow that (run_free).
	int receive(uint32_t bytes, vcpcm_chunk_fn sink, void *ctx);
	// Like DMA, keep writing over unread data (the application set a stop
	// threshold beyond the buffer, as dsnoop does). Until the next reset.
	void run_free() { free_running_ = true; }
	// ALSA moved appl_ptr to the position (SNDRV_PCM_IOCTL_RESET).
	void rebase(uint64_t appl_ptr);
	uint32_t hw_pos() const { return sw_io_; }
	uint64_t overwritten() const { return overwritten_; }
private:
	RingGeometry g_;
	ApplPointer appl_;
	PeriodCounter periods_;
	bool free_running_ = false;
	uint32_t sw_io_ = 0;	// where the next received byte goes
	uint32_t unread_ = 0;	// received, not yet read by the application
	uint64_t overwritten_ = 0;
};

} // namespace vcpcm

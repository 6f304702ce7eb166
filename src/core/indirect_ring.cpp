// SPDX-License-Identifier: GPL-2.0
// The indirect ring manager (see indirect_ring.hpp).
#include "indirect_ring.hpp"

namespace vcpcm {

int RingGeometry::assign(const vcpcm_ring_geometry &g)
{
	if (!g.frame_bytes || !g.sw_bytes || g.sw_bytes % g.frame_bytes)
		return -VCPCM_EINVAL;
	if (!g.period_bytes || g.period_bytes % g.frame_bytes || g.period_bytes > g.sw_bytes)
		return -VCPCM_EINVAL;
	uint32_t buffer_frames = g.sw_bytes / g.frame_bytes;
	// ALSA's boundary is a multiple of the buffer size; anything else
	// would make the folded pointer land in the wrong place.
	if (!g.boundary || remainder(g.boundary, buffer_frames) || g.appl_start >= g.boundary)
		return -VCPCM_EINVAL;
	frame_bytes = g.frame_bytes;
	sw_bytes = g.sw_bytes;
	period_bytes = g.period_bytes;
	boundary = g.boundary;
	appl_start = g.appl_start;
	// The remote side works in whole frames: round its sizes down.
	hw_bytes = round_to_frames(g.hw_bytes);
	queue_limit = round_to_frames(g.queue_limit ? min(g.queue_limit, g.hw_bytes) : g.hw_bytes);
	max_chunk = round_to_frames(g.max_chunk);
	if (!hw_bytes || !queue_limit || !max_chunk)
		return -VCPCM_EINVAL;
	return 0;
}

int64_t ApplPointer::advance(uint64_t appl_ptr)
{
	if (appl_ptr >= boundary_)
		return -VCPCM_EINVAL;
	int64_t diff = static_cast<int64_t>(appl_ptr) - static_cast<int64_t>(last_);
	// Across the boundary a step forward looks like a huge step back,
	// and a step back like a huge step forward: fold both ways.
	int64_t half = static_cast<int64_t>(boundary_ / 2);
	if (diff < -half)
		diff += static_cast<int64_t>(boundary_);
	else if (diff > half)
		diff -= static_cast<int64_t>(boundary_);
	if (diff < 0)
		return -VCPCM_EPIPE;	// a rewind: we advertise NO_REWINDS
	last_ = appl_ptr;
	return diff;
}

int PlaybackRing::reset(const vcpcm_ring_geometry &g)
{
	int err = g_.assign(g);
	if (err)
		return err;
	appl_.reset(g_.boundary, g_.appl_start);
	sw_data_ = sw_io_ = g_.sw_offset_of(g_.appl_start);
	periods_.reset(g_.period_bytes, sw_io_);
	hw_data_ = sw_ready_ = hw_ready_ = already_sent_ = 0;
	free_running_ = false;
	return 0;
}

// Bytes from ALSA-buffer offset from to offset to, going forward; equal
// offsets mean nothing, or the whole buffer when at most is that much.
static uint32_t forward_distance(uint32_t from, uint32_t to, uint32_t size, uint32_t at_most)
{
	uint32_t d = to >= from ? to - from : size - from + to;
	if (!d && at_most >= size)
		d = size;
	return min(d, at_most);
}

void PlaybackRing::rebase(uint64_t appl_ptr)
{
	if (appl_ptr >= g_.boundary)
		return;
	appl_.reset(g_.boundary, appl_ptr);
	// Committed, not sent: dropped, as RESET discards it. What was sent
	// stays at the remote and plays; the application's next writes over
	// those bytes are not sent again, so what follows lands in place.
	sw_ready_ = 0;
	already_sent_ = forward_distance(g_.sw_offset_of(appl_ptr), sw_data_, g_.sw_bytes, hw_ready_);
}

void PlaybackRing::run_free(uint32_t lead_bytes)
{
	if (!lead_bytes)
		return;
	// What was committed is part of the buffer that now plays anyway.
	free_running_ = true;
	sw_ready_ = 0;
	g_.queue_limit = max(g_.frame_bytes, g_.round_to_frames(min(lead_bytes, g_.hw_bytes)));
}

int PlaybackRing::ack(uint64_t appl_ptr)
{
	// Check before moving so a bad pointer leaves the ring untouched.
	ApplPointer probe = appl_;
	int64_t frames = probe.advance(appl_ptr);
	if (frames < 0)
		return static_cast<int>(frames);
	if (free_running_) {
		appl_ = probe;	// the whole buffer is always "ready"
		return 0;
	}
	uint64_t bytes = static_cast<uint64_t>(frames) * g_.frame_bytes;
	// ALSA lets the application write up to one buffer past the position
	// it was given, which may be estimated past the remote's last report
	// but never past what was sent: bytes in flight are already copied
	// out and may be overwritten. Only unsent data must fit the buffer.
	uint32_t skip = static_cast<uint32_t>(min<uint64_t>(bytes, already_sent_));
	bytes -= skip;
	if (bytes + sw_ready_ > g_.sw_bytes)
		return -VCPCM_EINVAL;
	appl_ = probe;
	already_sent_ -= skip;
	sw_ready_ += static_cast<uint32_t>(bytes);
	return static_cast<int>(bytes);
}

int PlaybackRing::transfer(vcpcm_chunk_fn sink, void *ctx)
{
	int sent = 0;

	// Free-running, the buffer is played round and round, like DMA.
	while (sw_ready_ || free_running_) {
		// Starting free-running may lower the limit below what is
		// already queued: nothing more until the remote drains below it.
		if (hw_ready_ >= g_.queue_limit)
			break;
		uint32_t room = g_.queue_limit - hw_ready_;
		// The remote appends what it gets to its FIFO: a chunk is cut
		// where the ALSA buffer wraps, never where the FIFO does.
		uint32_t want = min(g_.sw_bytes - sw_data_, g_.max_chunk);
		if (!free_running_)
			want = min(want, sw_ready_);
		// Room for only part of it, and little: the remote still has
		// three quarters of its queue to play, and the next report
		// makes room for all of it. Fewer, fuller messages cost less
		// on every link; waiting longer could starve the remote.
		if (room < want && room <= g_.queue_limit / 4)
			break;
		vcpcm_chunk c;
		c.sw_off = sw_data_;
		c.hw_off = hw_data_;
		c.len = min(room, want);
		int err = sink(ctx, &c);
		if (err)
			return sent ? sent : err;
		sw_data_ = ring_add(sw_data_, c.len, g_.sw_bytes);
		hw_data_ = ring_add(hw_data_, c.len, g_.hw_bytes);
		if (!free_running_)
			sw_ready_ -= c.len;
		hw_ready_ += c.len;
		sent += static_cast<int>(c.len);
	}
	return sent;
}

int PlaybackRing::complete(uint32_t bytes)
{
	// The remote cannot consume what it was never sent.
	if (bytes > hw_ready_ || bytes % g_.frame_bytes)
		return -VCPCM_EIO;
	hw_ready_ -= bytes;
	sw_io_ = ring_add(sw_io_, bytes, g_.sw_bytes);
	return static_cast<int>(periods_.advance(bytes));
}

int CaptureRing::reset(const vcpcm_ring_geometry &g)
{
	int err = g_.assign(g);
	if (err)
		return err;
	appl_.reset(g_.boundary, g_.appl_start);
	sw_io_ = g_.sw_offset_of(g_.appl_start);
	periods_.reset(g_.period_bytes, sw_io_);
	unread_ = 0;
	overwritten_ = 0;
	free_running_ = false;
	return 0;
}

void CaptureRing::rebase(uint64_t appl_ptr)
{
	if (appl_ptr >= g_.boundary)
		return;
	appl_.reset(g_.boundary, appl_ptr);
	// What ALSA has not seen yet stays unread; the rest is discarded.
	unread_ = forward_distance(g_.sw_offset_of(appl_ptr), sw_io_, g_.sw_bytes, unread_);
}

int CaptureRing::ack(uint64_t appl_ptr)
{
	ApplPointer probe = appl_;
	int64_t frames = probe.advance(appl_ptr);
	if (frames < 0)
		return static_cast<int>(frames);
	uint64_t bytes = static_cast<uint64_t>(frames) * g_.frame_bytes;
	if (bytes > g_.sw_bytes)
		return -VCPCM_EINVAL;
	appl_ = probe;
	// After an overrun the application may skip data that was overwritten.
	unread_ -= static_cast<uint32_t>(min<uint64_t>(bytes, unread_));
	return static_cast<int>(bytes);
}

int CaptureRing::receive(uint32_t bytes, vcpcm_chunk_fn sink, void *ctx)
{
	if (bytes % g_.frame_bytes)
		return -VCPCM_EIO;
	// Data the application has not read is never overwritten behind its
	// back: ALSA might not notice (the application reads between our write
	// and ALSA's next position update, and commits past it). An overrun.
	if (!free_running_ && static_cast<uint64_t>(unread_) + bytes > g_.sw_bytes)
		return -VCPCM_EPIPE;
	// A message longer than the whole buffer (the remote reports late, the
	// buffer is small) overruns it: like DMA, only its newest buffer's worth
	// stays. The position still moves by all of it.
	uint32_t done = bytes > g_.sw_bytes ? bytes - g_.sw_bytes : 0;
	sw_io_ = ring_add(sw_io_, done, g_.sw_bytes);
	while (done < bytes) {
		vcpcm_chunk c;
		c.sw_off = sw_io_;
		c.hw_off = done;
		c.len = min(bytes - done, g_.sw_bytes - sw_io_);
		int err = sink(ctx, &c);
		if (err)
			return err;
		sw_io_ = ring_add(sw_io_, c.len, g_.sw_bytes);
		done += c.len;
	}
	// Like DMA hardware, capture keeps running over unread data; ALSA
	// decides from the positions whether that is an xrun. Count it.
	uint64_t unread = static_cast<uint64_t>(unread_) + bytes;
	if (unread > g_.sw_bytes) {
		overwritten_ += unread - g_.sw_bytes;
		unread = g_.sw_bytes;
	}
	unread_ = static_cast<uint32_t>(unread);
	return static_cast<int>(periods_.advance(bytes));
}

} // namespace vcpcm

using vcpcm::CaptureRing;
using vcpcm::PlaybackRing;

extern "C" {

int vcpcm_pring_init(vcpcm_pring *r, const vcpcm_ring_geometry *g)
{
	return vcpcm::construct_in<PlaybackRing>(r)->reset(*g);
}
int vcpcm_pring_ack(vcpcm_pring *r, uint64_t appl_ptr)
{
	return vcpcm::object_in<PlaybackRing>(r)->ack(appl_ptr);
}
int vcpcm_pring_transfer(vcpcm_pring *r, vcpcm_chunk_fn sink, void *ctx)
{
	return vcpcm::object_in<PlaybackRing>(r)->transfer(sink, ctx);
}
int vcpcm_pring_complete(vcpcm_pring *r, uint32_t bytes)
{
	return vcpcm::object_in<PlaybackRing>(r)->complete(bytes);
}
uint32_t vcpcm_pring_hw_pos(const vcpcm_pring *r) { return vcpcm::object_in<PlaybackRing>(r)->hw_pos(); }
uint32_t vcpcm_pring_in_flight(const vcpcm_pring *r) { return vcpcm::object_in<PlaybackRing>(r)->in_flight(); }
uint32_t vcpcm_pring_pending(const vcpcm_pring *r) { return vcpcm::object_in<PlaybackRing>(r)->pending(); }
void vcpcm_pring_run_free(vcpcm_pring *r, uint32_t lead_bytes)
{
	vcpcm::object_in<PlaybackRing>(r)->run_free(lead_bytes);
}

int vcpcm_cring_init(vcpcm_cring *r, const vcpcm_ring_geometry *g)
{
	return vcpcm::construct_in<CaptureRing>(r)->reset(*g);
}
int vcpcm_cring_ack(vcpcm_cring *r, uint64_t appl_ptr)
{
	return vcpcm::object_in<CaptureRing>(r)->ack(appl_ptr);
}
int vcpcm_cring_receive(vcpcm_cring *r, uint32_t bytes, vcpcm_chunk_fn sink, void *ctx)
{
	return vcpcm::object_in<CaptureRing>(r)->receive(bytes, sink, ctx);
}
void vcpcm_cring_run_free(vcpcm_cring *r) { vcpcm::object_in<CaptureRing>(r)->run_free(); }
uint32_t vcpcm_cring_hw_pos(const vcpcm_cring *r) { return vcpcm::object_in<CaptureRing>(r)->hw_pos(); }
uint64_t vcpcm_cring_overwritten(const vcpcm_cring *r) { return vcpcm::object_in<CaptureRing>(r)->overwritten(); }

} // extern "C"

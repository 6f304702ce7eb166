// SPDX-License-Identifier: GPL-2.0
// Where the samples of a frame live in the ALSA buffer. The ring manager
// counts in packed (interleaved) bytes, which is also what goes on the
// wire; this class maps those bytes to the buffer, which may instead hold
// one plane per channel (non-interleaved access).
#pragma once

#include "support.hpp"

namespace vcpcm {

class FrameLayout {
public:
	// sw_bytes: the whole buffer; a plane is sw_bytes / channels.
	int assign(uint32_t frame_bytes, uint32_t channels, uint32_t sw_bytes, bool planar);
	bool planar() const { return planar_; }
	// Copy len packed bytes, starting at packed offset off, out of buf.
	void gather(const uint8_t *buf, uint32_t off, uint8_t *dst, uint32_t len) const;
	// Copy len packed bytes into buf at packed offset off.
	void scatter(uint8_t *buf, uint32_t off, const uint8_t *src, uint32_t len) const;

private:
	// Where channel c of the frame at packed offset off lives in a planar buffer.
	uint32_t plane_offset(uint32_t off, uint32_t c) const
	{
		return c * plane_bytes_ + off / frame_bytes_ * sample_bytes_;
	}
	uint32_t channels_ = 1, sample_bytes_ = 1, frame_bytes_ = 1, plane_bytes_ = 0;
	bool planar_ = false;
};

} // namespace vcpcm

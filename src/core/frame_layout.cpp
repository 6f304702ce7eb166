// SPDX-License-Identifier: GPL-2.0
// Interleaved and non-interleaved buffers (see frame_layout.hpp).
#include "frame_layout.hpp"

namespace vcpcm {

int FrameLayout::assign(uint32_t frame_bytes, uint32_t channels, uint32_t sw_bytes, bool planar)
{
	if (!channels || !frame_bytes || frame_bytes % channels || !sw_bytes || sw_bytes % frame_bytes)
		return -VCPCM_EINVAL;
	uint32_t sample_bytes = frame_bytes / channels;
	if (sample_bytes != 1 && sample_bytes != 2 && sample_bytes != 4)
		return -VCPCM_EINVAL;
	channels_ = channels;
	sample_bytes_ = sample_bytes;
	frame_bytes_ = frame_bytes;
	plane_bytes_ = sw_bytes / channels;
	planar_ = planar && channels > 1;	// one plane is the interleaved layout
	return 0;
}

// One sample of a known size: the compiler turns these into single moves.
template <uint32_t N> static void copy_samples(uint8_t *dst, uint32_t dst_step, const uint8_t *src,
					       uint32_t src_step, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++, dst += dst_step, src += src_step)
		__builtin_memcpy(dst, src, N);
}

static void copy_strided(uint32_t sample_bytes, uint8_t *dst, uint32_t dst_step, const uint8_t *src,
			 uint32_t src_step, uint32_t count)
{
	switch (sample_bytes) {
	case 1: copy_samples<1>(dst, dst_step, src, src_step, count); break;
	case 2: copy_samples<2>(dst, dst_step, src, src_step, count); break;
	default: copy_samples<4>(dst, dst_step, src, src_step, count); break;
	}
}

// Each plane is walked sequentially, channel by channel.
void FrameLayout::gather(const uint8_t *buf, uint32_t off, uint8_t *dst, uint32_t len) const
{
	if (!planar_)
		return copy_bytes(dst, buf + off, len);
	for (uint32_t c = 0; c < channels_; c++)
		copy_strided(sample_bytes_, dst + c * sample_bytes_, frame_bytes_,
			     buf + plane_offset(off, c), sample_bytes_, len / frame_bytes_);
}

void FrameLayout::scatter(uint8_t *buf, uint32_t off, const uint8_t *src, uint32_t len) const
{
	if (!planar_)
		return copy_bytes(buf + off, src, len);
	for (uint32_t c = 0; c < channels_; c++)
		copy_strided(sample_bytes_, buf + plane_offset(off, c), sample_bytes_,
			     src + c * sample_bytes_, frame_bytes_, len / frame_bytes_);
}

} // namespace vcpcm

using vcpcm::FrameLayout;

extern "C" {

int vcpcm_layout_init(vcpcm_frame_layout *l, uint32_t frame_bytes, uint32_t channels,
		      uint32_t sw_bytes, int noninterleaved)
{
	return vcpcm::construct_in<FrameLayout>(l)->assign(frame_bytes, channels, sw_bytes,
							    noninterleaved != 0);
}
void vcpcm_layout_gather(const vcpcm_frame_layout *l, const uint8_t *buf, uint32_t off, uint8_t *dst,
			 uint32_t len)
{
	vcpcm::object_in<FrameLayout>(l)->gather(buf, off, dst, len);
}
void vcpcm_layout_scatter(const vcpcm_frame_layout *l, uint8_t *buf, uint32_t off, const uint8_t *src,
			  uint32_t len)
{
	vcpcm::object_in<FrameLayout>(l)->scatter(buf, off, src, len);
}

} // extern "C"

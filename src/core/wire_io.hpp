// SPDX-License-Identifier: GPL-2.0
// Little-endian words in and out of wire bytes, one byte at a time: right
// on any host, and the writer never writes past its capacity.
#pragma once

#include "support.hpp"

namespace vcpcm {

class Writer {
public:
	Writer(uint8_t *buf, uint32_t cap) : buf_(buf), cap_(cap) {}
	void u32(uint32_t v)
	{
		if (len_ + 4 <= cap_)
			for (int i = 0; i < 4; i++)
				buf_[len_ + i] = static_cast<uint8_t>(v >> (8 * i));
		len_ += 4;
	}
	void s16_pair(int16_t a, int16_t b)
	{
		u32(static_cast<uint16_t>(a) | static_cast<uint32_t>(static_cast<uint16_t>(b)) << 16);
	}
	bool overflowed() const { return len_ > cap_; }
	uint32_t length() const { return len_; }
private:
	uint8_t *buf_;
	uint32_t cap_, len_ = 0;
};

class Reader {
public:
	explicit Reader(const uint8_t *buf) : buf_(buf) {}
	uint32_t u32()
	{
		uint32_t v = 0;
		for (int i = 0; i < 4; i++)
			v |= static_cast<uint32_t>(buf_[pos_ + i]) << (8 * i);
		pos_ += 4;
		return v;
	}
	uint32_t position() const { return pos_; }
private:
	const uint8_t *buf_;
	uint32_t pos_ = 0;
};

} // namespace vcpcm

// SPDX-License-Identifier: GPL-2.0
#include "wav_file.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

#include "mode.hpp"

namespace remote {
namespace {

constexpr uint16_t TAG_PCM = 1, TAG_FLOAT = 3, TAG_EXTENSIBLE = 0xfffe;
// The GUID of an extensible format's subformat, after its first two bytes (the tag).
constexpr uint8_t GUID_TAIL[14] = { 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00,
				    0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 };
constexpr uint64_t RIFF_MAX = 0xffffffffu;

void put16(uint8_t *p, uint32_t v) { p[0] = v & 0xff; p[1] = (v >> 8) & 0xff; }
void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }
uint32_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }

uint8_t silence_byte(uint32_t wire_format) { return wire_format == VCPCM_FMT_U8 ? 0x80 : 0; }

// S24_LE (24 bits low, sign-extended) <-> WAV's 24 valid bits high in 32.
void shift_up(uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i + 4 <= len; i += 4)
		put32(p + i, get32(p + i) << 8);
}
void shift_down(uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i + 4 <= len; i += 4)
		put32(p + i, static_cast<uint32_t>(static_cast<int32_t>(get32(p + i)) >> 8));
}

} // namespace

const char *describe(const WavFormat &f, char *buf, size_t size)
{
	std::snprintf(buf, size, "%s %u Hz %u ch", format_name(f.wire_format), f.rate, f.channels);
	return buf;
}

bool WavWriter::create(const char *path, const WavFormat &f)
{
	close();
	std::snprintf(path_, sizeof(path_), "%s", path);
	fmt_ = f;
	data_bytes_ = 0;
	failed_ = false;
	file_ = std::fopen(path, "wb");
	if (!file_) {
		std::fprintf(stderr, "vcpcm-remote: %s: %s: not recording\n", path, std::strerror(errno));
		return false;
	}
	update_header();
	return !failed_;
}

// RIFF, fmt (PCM 16 bytes, float 18, extensible 40), fact for float, data.
void WavWriter::update_header()
{
	if (!file_ || failed_)
		return;
	uint32_t sample_bytes = vcpcm_format_bytes(fmt_.wire_format);
	bool is_float = fmt_.wire_format == VCPCM_FMT_FLOAT_LE;
	bool extensible = fmt_.channels > 2 || fmt_.wire_format == VCPCM_FMT_S24_LE;
	uint32_t fmt_bytes = extensible ? 40 : is_float ? 18 : 16;
	uint32_t frames = static_cast<uint32_t>(data_bytes_ / (sample_bytes * fmt_.channels));
	uint8_t h[80] = {};
	uint8_t *p = h;
	std::memcpy(p, "RIFF", 4);
	std::memcpy(p + 8, "WAVE", 4);
	std::memcpy(p + 12, "fmt ", 4);
	put32(p + 16, fmt_bytes);
	p += 20;
	put16(p, extensible ? TAG_EXTENSIBLE : is_float ? TAG_FLOAT : TAG_PCM);
	put16(p + 2, fmt_.channels);
	put32(p + 4, fmt_.rate);
	put32(p + 8, fmt_.rate * sample_bytes * fmt_.channels);
	put16(p + 12, sample_bytes * fmt_.channels);
	put16(p + 14, sample_bytes * 8);
	if (fmt_bytes > 16)
		put16(p + 16, fmt_bytes - 18);	// cbSize
	if (extensible) {
		put16(p + 18, fmt_.wire_format == VCPCM_FMT_S24_LE ? 24 : sample_bytes * 8);
		put32(p + 20, 0);	// no speaker positions claimed
		put16(p + 24, is_float ? TAG_FLOAT : TAG_PCM);
		std::memcpy(p + 26, GUID_TAIL, sizeof(GUID_TAIL));
	}
	p += fmt_bytes;
	if (is_float) {
		std::memcpy(p, "fact", 4);
		put32(p + 4, 4);
		put32(p + 8, frames);
		p += 12;
	}
	std::memcpy(p, "data", 4);
	put32(p + 4, static_cast<uint32_t>(data_bytes_));
	p += 8;
	header_bytes_ = static_cast<uint32_t>(p - h);
	put32(h + 4, static_cast<uint32_t>(header_bytes_ - 8 + data_bytes_));
	long end = std::ftell(file_);
	if (std::fseek(file_, 0, SEEK_SET) || std::fwrite(h, 1, header_bytes_, file_) != header_bytes_ ||
	    (end > 0 && std::fseek(file_, end, SEEK_SET)) || std::fflush(file_)) {
		std::fprintf(stderr, "vcpcm-remote: %s: %s: recording stops\n", path_, std::strerror(errno));
		failed_ = true;
	}
}

void WavWriter::put(const uint8_t *data, uint32_t len)
{
	if (failed_)
		return;
	if (data_bytes_ + len + header_bytes_ - 8 > RIFF_MAX) {
		std::fprintf(stderr, "vcpcm-remote: %s: 4 GiB, as much as a WAV holds: recording stops\n", path_);
		failed_ = true;
		return;
	}
	if (std::fwrite(data, 1, len, file_) != len) {
		std::fprintf(stderr, "vcpcm-remote: %s: %s: recording stops\n", path_, std::strerror(errno));
		failed_ = true;
		return;
	}
	data_bytes_ += len;
}

void WavWriter::write(const uint8_t *data, uint32_t len)
{
	uint8_t buf[4096];	// a multiple of every sample size
	if (!file_)
		return;
	if (data && fmt_.wire_format != VCPCM_FMT_S24_LE) {
		put(data, len);
		return;
	}
	if (!data)
		std::memset(buf, silence_byte(fmt_.wire_format), sizeof(buf));
	for (uint32_t off = 0; off < len; off += sizeof(buf)) {
		uint32_t n = len - off < sizeof(buf) ? len - off : sizeof(buf);
		if (data) {
			std::memcpy(buf, data + off, n);
			shift_up(buf, n);
		}
		put(buf, n);
	}
}

void WavWriter::close()
{
	if (!file_)
		return;
	update_header();
	if (std::fclose(file_) && !failed_)
		std::fprintf(stderr, "vcpcm-remote: %s: %s\n", path_, std::strerror(errno));
	file_ = nullptr;
}

int WavReader::open(const char *path)
{
	close();
	std::snprintf(path_, sizeof(path_), "%s", path);
	file_ = std::fopen(path, "rb");
	if (!file_) {
		std::fprintf(stderr, "vcpcm-remote: %s: %s\n", path, std::strerror(errno));
		return -VCPCM_EIO;
	}
	const char *why = nullptr;
	uint8_t h[40];
	bool have_fmt = false;
	uint32_t container = 0;
	if (std::fread(h, 1, 12, file_) != 12 || std::memcmp(h, "RIFF", 4) || std::memcmp(h + 8, "WAVE", 4))
		why = "not a RIFF/WAVE file";
	while (!why) {
		if (std::fread(h, 1, 8, file_) != 8) {
			why = have_fmt ? "no data chunk" : "no fmt chunk";
			break;
		}
		uint32_t size = get32(h + 4);
		if (!std::memcmp(h, "data", 4)) {
			if (!have_fmt) {
				why = "data before its fmt chunk";
				break;
			}
			data_offset_ = std::ftell(file_);
			struct stat st;
			uint64_t rest = fstat(fileno(file_), &st) == 0 && st.st_size > data_offset_ ?
					st.st_size - data_offset_ : 0;
			// 0 or ~0: a writer that could not say (a pipe, or still recording).
			data_bytes_ = size == 0 || size == 0xffffffffu || size > rest ? rest : size;
			data_bytes_ -= data_bytes_ % (container * fmt_.channels);
			break;
		}
		uint32_t skip = size + (size & 1);
		if (!std::memcmp(h, "fmt ", 4)) {
			uint32_t take = size < sizeof(h) ? size : sizeof(h);
			if (size < 16 || std::fread(h, 1, take, file_) != take) {
				why = "a short fmt chunk";
				break;
			}
			skip -= take;
			uint32_t tag = get16(h), bits = get16(h + 14), valid = bits;
			fmt_.channels = get16(h + 2);
			fmt_.rate = get32(h + 4);
			if (tag == TAG_EXTENSIBLE) {
				if (take < 40 || std::memcmp(h + 26, GUID_TAIL, sizeof(GUID_TAIL))) {
					why = "an extensible format of an unknown kind";
					break;
				}
				tag = get16(h + 24);
				valid = get16(h + 18) ? get16(h + 18) : bits;
			}
			container = fmt_.channels ? get16(h + 12) / fmt_.channels : 0;
			if (!fmt_.channels || fmt_.channels > 8 || !fmt_.rate) {
				why = "not 1-8 channels at a rate";
				break;
			}
			shift24_ = false;
			if (tag == TAG_FLOAT && bits == 32 && container == 4)
				fmt_.wire_format = VCPCM_FMT_FLOAT_LE;
			else if (tag == TAG_PCM && bits == 8 && container == 1)
				fmt_.wire_format = VCPCM_FMT_U8;
			else if (tag == TAG_PCM && bits == 16 && container == 2)
				fmt_.wire_format = VCPCM_FMT_S16_LE;
			else if (tag == TAG_PCM && bits == 32 && valid == 32 && container == 4)
				fmt_.wire_format = VCPCM_FMT_S32_LE;
			else if (tag == TAG_PCM && bits == 32 && valid == 24 && container == 4)
				fmt_.wire_format = VCPCM_FMT_S24_LE, shift24_ = true;
			else if (tag == TAG_PCM && bits == 24 && container == 4)
				fmt_.wire_format = VCPCM_FMT_S24_LE;	// as arecord -f S24_LE writes it
			else {
				why = "a sample layout the wire formats lack (U8, 16 or 32-bit PCM, 24 in 32, 32-bit float)";
				break;
			}
			have_fmt = true;
		}
		if (skip && std::fseek(file_, skip, SEEK_CUR))
			why = "truncated";
	}
	if (why) {
		std::fprintf(stderr, "vcpcm-remote: %s: %s\n", path, why);
		close();
		return -VCPCM_EIO;
	}
	rewind();
	return 0;
}

void WavReader::rewind()
{
	pos_ = 0;
	if (file_)
		std::fseek(file_, data_offset_, SEEK_SET);
}

void WavReader::read(uint8_t *dst, uint32_t len, bool loop)
{
	while (len && file_) {
		if (pos_ == data_bytes_) {
			if (!loop || !data_bytes_)
				break;
			rewind();
		}
		uint32_t n = data_bytes_ - pos_ < len ? static_cast<uint32_t>(data_bytes_ - pos_) : len;
		size_t got = std::fread(dst, 1, n, file_);
		if (shift24_)
			shift_down(dst, static_cast<uint32_t>(got));
		pos_ += got;
		dst += got;
		len -= static_cast<uint32_t>(got);
		if (got < n) {
			std::fprintf(stderr, "vcpcm-remote: %s: %s: silence from here\n", path_,
				     std::ferror(file_) ? std::strerror(errno) : "shorter than it said");
			close();
		}
	}
	std::memset(dst, silence_byte(fmt_.wire_format), len);
}

void WavReader::close()
{
	if (file_)
		std::fclose(file_);
	file_ = nullptr;
}

} // namespace remote

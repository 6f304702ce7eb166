// SPDX-License-Identifier: GPL-2.0
// WAV (RIFF/WAVE) files in the wire formats, for the wav mode: PCM, IEEE
// float, and WAVE_FORMAT_EXTENSIBLE for more than 2 channels and for S24_LE
// (24 valid bits in 32, which WAV keeps in the high bits: samples are
// shifted by 8 on the way in and out, losslessly).
#pragma once

#include <cstdint>
#include <cstdio>

namespace remote {

struct WavFormat {
	uint32_t wire_format;	// enum vcpcm_wire_format
	uint32_t channels;
	uint32_t rate;
	bool operator==(const WavFormat &o) const
	{
		return wire_format == o.wire_format && channels == o.channels && rate == o.rate;
	}
	bool operator!=(const WavFormat &o) const { return !(*this == o); }
};

// "S16_LE 48000 Hz 2 ch", for messages.
const char *describe(const WavFormat &f, char *buf, size_t size);

// Appends audio to a new WAV file; the header's sizes are right after
// update_header() and close().
class WavWriter {
public:
	~WavWriter() { close(); }
	bool create(const char *path, const WavFormat &f);	// false: said why on stderr
	bool is_open() const { return file_ != nullptr; }
	const WavFormat &format() const { return fmt_; }
	// len bytes of whole frames; data nullptr: silence.
	void write(const uint8_t *data, uint32_t len);
	void update_header();
	void close();
private:
	void put(const uint8_t *data, uint32_t len);
	FILE *file_ = nullptr;
	WavFormat fmt_ = {};
	uint32_t header_bytes_ = 0;
	uint64_t data_bytes_ = 0;
	bool failed_ = false;	// an error was reported: nothing more is written
	char path_[4096] = "";
};

// Serves the audio of a WAV file, whole frames at a time.
class WavReader {
public:
	~WavReader() { close(); }
	// 0, or a negative VCPCM_E* error with the reason on stderr (-EIO: no
	// such file or not a WAV we can serve).
	int open(const char *path);
	const WavFormat &format() const { return fmt_; }
	void rewind();
	// len bytes into dst; past the end of the data, from its start again
	// (loop) or silence.
	void read(uint8_t *dst, uint32_t len, bool loop);
	void close();
private:
	FILE *file_ = nullptr;
	WavFormat fmt_ = {};
	bool shift24_ = false;	// 24 bits in the high bytes: S24_LE wants them low
	long data_offset_ = 0;
	uint64_t data_bytes_ = 0, pos_ = 0;
	char path_[4096] = "";
};

} // namespace remote

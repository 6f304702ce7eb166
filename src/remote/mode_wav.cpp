// SPDX-License-Identifier: GPL-2.0
// wav mode: what is played on playback N is recorded into
// RECORD_DIR/playback-N.wav, and capture N is served from a WAV file, at
// the process's own clock (as loopback).
//  - A recording starts at the first START after the stream is opened (a
//    new open replaces the file; so does a new format within one open)
//    and has what the card played: the application's audio after the
//    mixer, and silence where its FIFO ran dry. The header's sizes are
//    right at every STOP, at CLOSE and when the program ends.
//  - Capture: the file is opened at each CONFIG (the stream's prepare) and
//    must have the stream's format, rate and channels (no conversion:
//    else CONFIG fails with -EINVAL, so the application's prepare does).
//    Every START serves it from its start; after its end, silence, or
//    the file again with --loop.
#include <cstdio>
#include <cstring>

#include "mode.hpp"
#include "wav_file.hpp"

namespace remote {
namespace {

class WavMode : public Mode {
public:
	explicit WavMode(const Options &o) : opt_(o) {}
	vcpcm_emu_io io() override;
	void finish() override;

private:
	static int on_event(void *ctx, uint32_t chan, uint32_t event, const vcpcm_msg_config *c);
	static uint32_t on_play(void *ctx, uint32_t chan, const uint8_t *data, uint32_t len);
	static uint32_t on_capture(void *ctx, uint32_t chan, uint8_t *dst, uint32_t len);
	int playback_event(uint32_t pair, uint32_t event, const WavFormat &f);
	int capture_event(uint32_t pair, uint32_t event, const WavFormat &f);

	struct Recording {
		WavWriter file;
		bool fresh = true;	// opened since the last recording began
	};
	const Options &opt_;
	Recording rec_[VCPCM_EMU_MAX_PAIRS];
	WavReader src_[VCPCM_EMU_MAX_PAIRS];
};

vcpcm_emu_io WavMode::io()
{
	vcpcm_emu_io io = {};
	io.ctx = this;
	io.event = on_event;
	io.play = on_play;	// also without --record-dir: nothing loops back
	if (opt_.capture_wav)
		io.capture = on_capture;
	return io;
}

int WavMode::on_event(void *ctx, uint32_t chan, uint32_t event, const vcpcm_msg_config *c)
{
	WavMode *m = static_cast<WavMode *>(ctx);
	WavFormat f = { c->format, c->channels, c->samplerate };
	return is_capture_chan(chan) ? m->capture_event(pair_of(chan), event, f) :
				       m->playback_event(pair_of(chan), event, f);
}

int WavMode::playback_event(uint32_t pair, uint32_t event, const WavFormat &f)
{
	Recording &r = rec_[pair];
	if (!opt_.record_dir)
		return 0;
	switch (event) {
	case VCPCM_EMU_IO_START:
		if (r.fresh || !r.file.is_open() || r.file.format() != f) {
			char path[4096], what[64];
			std::snprintf(path, sizeof(path), "%s/playback-%u.wav", opt_.record_dir, pair);
			if (r.file.create(path, f))
				std::fprintf(stderr, "vcpcm-remote: playback %u: recording %s into %s\n", pair,
					     describe(f, what, sizeof(what)), path);
			r.fresh = false;
		}
		break;
	case VCPCM_EMU_IO_STOP:
		r.file.update_header();
		break;
	case VCPCM_EMU_IO_CLOSE:
		r.file.close();
		r.fresh = true;
		break;
	}
	return 0;
}

int WavMode::capture_event(uint32_t pair, uint32_t event, const WavFormat &f)
{
	WavReader &src = src_[pair];
	if (!opt_.capture_wav)
		return 0;
	char path[4096], want[64], have[64];
	switch (event) {
	case VCPCM_EMU_IO_CONFIG:
		if (!expand_pair(opt_.capture_wav, pair, path, sizeof(path)))
			return -VCPCM_EINVAL;
		if (int err = src.open(path)) {
			std::fprintf(stderr, "vcpcm-remote: capture %u: cannot serve %s: the stream's prepare fails\n",
				     pair, path);
			return err;
		}
		if (src.format() != f) {
			std::fprintf(stderr, "vcpcm-remote: capture %u: %s is %s, the stream wants %s: refused "
				     "(no conversion)\n", pair, path, describe(src.format(), have, sizeof(have)),
				     describe(f, want, sizeof(want)));
			src.close();
			return -VCPCM_EINVAL;
		}
		break;
	case VCPCM_EMU_IO_START:
		src.rewind();
		break;
	case VCPCM_EMU_IO_CLOSE:
		src.close();
		break;
	}
	return 0;
}

uint32_t WavMode::on_play(void *ctx, uint32_t chan, const uint8_t *data, uint32_t len)
{
	static_cast<WavMode *>(ctx)->rec_[pair_of(chan)].file.write(data, len);
	return 0;
}

uint32_t WavMode::on_capture(void *ctx, uint32_t chan, uint8_t *dst, uint32_t len)
{
	WavMode *m = static_cast<WavMode *>(ctx);
	m->src_[pair_of(chan)].read(dst, len, m->opt_.loop);
	return 0;
}

void WavMode::finish()
{
	for (Recording &r : rec_)
		r.file.close();
}

} // namespace

std::unique_ptr<Mode> make_wav_mode(const Options &o) { return std::unique_ptr<Mode>(new WavMode(o)); }

} // namespace remote

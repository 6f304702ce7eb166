// SPDX-License-Identifier: GPL-2.0
// alsa mode: playback N is played into an ALSA PCM device and capture N
// is recorded from one, and the devices' clocks pace the model: at every
// tick the model plays exactly as many frames as its playback device has
// consumed, and records as many as its capture device has ready, so the
// two cards never drift apart.
//  - A device is opened at CONFIG (the stream's prepare) with the stream's
//    format, rate and channels, no conversion asked for; if it cannot be,
//    CONFIG fails (the application's prepare fails) and stderr says why.
//  - START: playback fills the device's buffer with silence and starts it
//    (the card's latency is that buffer); capture starts the device.
//  - STOP: playback lets the device play out what it holds (without
//    blocking: the remote serves its other streams meanwhile); capture
//    stops at once. CLOSE closes the device (after that play-out).
//  - A device that fell behind (xrun: the remote was late) is restarted
//    and the host is told (underrun, or capture lost): its stream xruns
//    instead of playing a silent gap as audio.
#include <alsa/asoundlib.h>
#include <cstdio>
#include <cstring>
#include <vector>

#include "engine.hpp"
#include "mode.hpp"

namespace remote {
namespace {

snd_pcm_format_t alsa_format(uint32_t wire_format)
{
	switch (wire_format) {
	case VCPCM_FMT_U8: return SND_PCM_FORMAT_U8;
	case VCPCM_FMT_S16_LE: return SND_PCM_FORMAT_S16_LE;
	case VCPCM_FMT_S24_LE: return SND_PCM_FORMAT_S24_LE;
	case VCPCM_FMT_S32_LE: return SND_PCM_FORMAT_S32_LE;
	default: return SND_PCM_FORMAT_FLOAT_LE;
	}
}

// One stream's device.
class Port {
public:
	~Port() { close(); }
	// 0, or a negative VCPCM_E* error with the reason on stderr.
	int open(const char *name, bool playback, uint32_t pair, const vcpcm_msg_config &c, const Options &o);
	bool is_open() const { return pcm_ != nullptr; }
	int start();
	void pause(bool paused);
	void stop();
	// The device goes; one still playing out is handed over (nullptr else).
	snd_pcm_t *release();
	void close();
	uint32_t due();
	uint32_t write(const uint8_t *data, uint32_t len);
	uint32_t read(uint8_t *dst, uint32_t len);

private:
	void fail(const char *what, int err);
	bool restart(int err);
	snd_pcm_t *pcm_ = nullptr;
	snd_pcm_format_t format_ = SND_PCM_FORMAT_S16_LE;
	bool playback_ = true, can_pause_ = false;
	uint32_t frame_bytes_ = 0;
	snd_pcm_uframes_t buffer_frames_ = 0;
	uint64_t trouble_ = 0;		// bytes: silence the device inserted, or capture it lost
	snd_pcm_uframes_t promised_ = 0;	// capture: frames due() said were ready
	std::vector<uint8_t> silence_;
	char who_[300] = "";
};

void Port::fail(const char *what, int err)
{
	std::fprintf(stderr, "vcpcm-remote: %s: %s: %s\n", who_, what, snd_strerror(err));
}

int Port::open(const char *name, bool playback, uint32_t pair, const vcpcm_msg_config &c, const Options &o)
{
	close();
	playback_ = playback;
	std::snprintf(who_, sizeof(who_), "%s %u (ALSA device %s)", playback ? "playback" : "capture", pair, name);
	int err = snd_pcm_open(&pcm_, name, playback ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE,
			       SND_PCM_NONBLOCK);
	if (err < 0) {
		pcm_ = nullptr;
		fail("cannot open it; the stream's prepare fails", err);
		return err == -EBUSY ? -VCPCM_EBUSY : -VCPCM_EIO;
	}
	snd_pcm_format_t format = format_ = alsa_format(c.format);
	unsigned int rate = c.samplerate, period_us = o.period_us, buffer_us = o.buffer_us;
	snd_pcm_hw_params_t *hw;
	snd_pcm_hw_params_alloca(&hw);
	const char *step = "no configuration";
	if ((err = snd_pcm_hw_params_any(pcm_, hw)) >= 0 &&
	    (step = "no interleaved read/write access",
	     err = snd_pcm_hw_params_set_access(pcm_, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) >= 0 &&
	    (step = "format not supported", err = snd_pcm_hw_params_set_format(pcm_, hw, format)) >= 0 &&
	    (step = "channel count not supported", err = snd_pcm_hw_params_set_channels(pcm_, hw, c.channels)) >= 0 &&
	    (step = "rate not supported", err = snd_pcm_hw_params_set_rate(pcm_, hw, rate, 0)) >= 0 &&
	    (step = "period time", err = snd_pcm_hw_params_set_period_time_near(pcm_, hw, &period_us, nullptr)) >= 0 &&
	    (step = "buffer time", err = snd_pcm_hw_params_set_buffer_time_near(pcm_, hw, &buffer_us, nullptr)) >= 0 &&
	    (step = "hw_params", err = snd_pcm_hw_params(pcm_, hw)) >= 0) {
		can_pause_ = snd_pcm_hw_params_can_pause(hw);
		snd_pcm_hw_params_get_buffer_size(hw, &buffer_frames_);
		snd_pcm_sw_params_t *sw;
		snd_pcm_sw_params_alloca(&sw);
		snd_pcm_uframes_t boundary = 0;
		// Started by us (after the prefill), never by a threshold.
		if ((step = "sw_params", err = snd_pcm_sw_params_current(pcm_, sw)) >= 0 &&
		    (err = snd_pcm_sw_params_get_boundary(sw, &boundary)) >= 0 &&
		    (err = snd_pcm_sw_params_set_start_threshold(pcm_, sw, boundary)) >= 0 &&
		    (err = snd_pcm_sw_params(pcm_, sw)) >= 0)
			step = nullptr;
	}
	if (step) {
		char what[160];
		std::snprintf(what, sizeof(what), "cannot take %s %u Hz %u ch (%s); the stream's prepare fails",
			      format_name(c.format), c.samplerate, c.channels, step);
		fail(what, err);
		close();
		return -VCPCM_EINVAL;
	}
	frame_bytes_ = c.channels * vcpcm_format_bytes(c.format);
	silence_.assign(frame_bytes_ * 1024, 0);
	snd_pcm_format_set_silence(format, silence_.data(), c.channels * 1024);
	trouble_ = 0;
	promised_ = 0;
	if (o.verbose)
		std::fprintf(stderr, "vcpcm-remote: %s: %s %u Hz %u ch, buffer %lu frames\n", who_,
			     format_name(c.format), rate, c.channels, static_cast<unsigned long>(buffer_frames_));
	return 0;
}

int Port::start()
{
	if (!pcm_)
		return -VCPCM_EBADFD;
	int err = 0;
	if (snd_pcm_state(pcm_) != SND_PCM_STATE_PREPARED) {
		snd_pcm_drop(pcm_);
		err = snd_pcm_prepare(pcm_);
	}
	// Playback: a buffer of silence ahead, then the device takes what
	// the model plays as it consumes.
	for (snd_pcm_uframes_t left = playback_ ? buffer_frames_ : 0; err >= 0 && left;) {
		snd_pcm_uframes_t n = left < 1024 ? left : 1024;
		snd_pcm_sframes_t w = snd_pcm_writei(pcm_, silence_.data(), n);
		if (w < 0)
			err = static_cast<int>(w);
		else
			left -= static_cast<snd_pcm_uframes_t>(w);
		if (w == 0)
			break;
	}
	if (err >= 0)
		err = snd_pcm_start(pcm_);
	if (err < 0) {
		fail("cannot start it; the stream gets no reports", err);
		return -VCPCM_EIO;
	}
	promised_ = 0;
	return 0;
}

void Port::pause(bool paused)
{
	if (!pcm_)
		return;
	if (can_pause_) {
		int err = snd_pcm_pause(pcm_, paused);
		if (err >= 0)
			return;
		fail("pause", err);
	}
	// A device that cannot pause stops, and starts again on resume.
	if (paused)
		snd_pcm_drop(pcm_);
	else
		start();
}

void Port::stop()
{
	if (!pcm_)
		return;
	// Playback plays out its buffer (what the host was told is played);
	// on a non-blocking handle drain only starts it (-EAGAIN).
	if (playback_ && snd_pcm_state(pcm_) == SND_PCM_STATE_RUNNING)
		snd_pcm_drain(pcm_);
	else
		snd_pcm_drop(pcm_);
}

snd_pcm_t *Port::release()
{
	snd_pcm_t *draining = pcm_ && snd_pcm_state(pcm_) == SND_PCM_STATE_DRAINING ? pcm_ : nullptr;
	if (draining)
		pcm_ = nullptr;
	close();
	return draining;
}

void Port::close()
{
	if (!pcm_)
		return;
	snd_pcm_drop(pcm_);
	snd_pcm_close(pcm_);
	pcm_ = nullptr;
}

// After an xrun: start again, and count what the host must hear of.
bool Port::restart(int err)
{
	if (err == -EPIPE || err == -ESTRPIPE) {
		std::fprintf(stderr, "vcpcm-remote: %s: %s (the remote was late): restarted, the host is told\n",
			     who_, playback_ ? "underrun" : "overrun");
		trouble_ += static_cast<uint64_t>(buffer_frames_) * frame_bytes_;
		if (start() == 0)
			return true;
	} else {
		fail("failed; the stream gets no more reports", err);
	}
	close();
	return false;
}

uint32_t Port::due()
{
	if (!pcm_)
		return 0;
	if (promised_) {
		// Capture the model had no room for: it counted it lost.
		snd_pcm_forward(pcm_, promised_);
		promised_ = 0;
	}
	snd_pcm_sframes_t avail = snd_pcm_avail(pcm_);
	if (avail < 0) {
		restart(static_cast<int>(avail));
		return 0;
	}
	if (!playback_)
		promised_ = static_cast<snd_pcm_uframes_t>(avail);
	return static_cast<uint32_t>(avail);
}

uint32_t Port::write(const uint8_t *data, uint32_t len)
{
	snd_pcm_uframes_t frames = len / frame_bytes_;
	while (frames && pcm_) {
		snd_pcm_uframes_t n = data ? frames : frames < 1024 ? frames : 1024;
		snd_pcm_sframes_t w = snd_pcm_writei(pcm_, data ? data : silence_.data(), n);
		if (w <= 0) {
			if (w == 0 || w == -EAGAIN)	// more than it had room for: lost
				trouble_ += static_cast<uint64_t>(frames) * frame_bytes_;
			else
				restart(static_cast<int>(w));
			break;
		}
		frames -= static_cast<snd_pcm_uframes_t>(w);
		if (data)
			data += static_cast<size_t>(w) * frame_bytes_;
	}
	uint64_t t = trouble_ < 0x7fffffffu ? trouble_ : 0x7fffffffu;
	trouble_ = 0;
	return static_cast<uint32_t>(t);
}

uint32_t Port::read(uint8_t *dst, uint32_t len)
{
	snd_pcm_uframes_t frames = len / frame_bytes_;
	snd_pcm_sframes_t got = pcm_ ? snd_pcm_readi(pcm_, dst, frames) : 0;
	if (got < 0) {
		restart(static_cast<int>(got));
		got = 0;
	}
	if (static_cast<snd_pcm_uframes_t>(got) < frames) {
		// Not there after all: silence in its place, and the host is told.
		snd_pcm_format_set_silence(format_, dst + got * frame_bytes_,
					   static_cast<unsigned int>((frames - got) * frame_bytes_ /
								     (snd_pcm_format_physical_width(format_) / 8)));
		trouble_ += (frames - got) * frame_bytes_;
	}
	if (pcm_ && promised_ > frames)
		snd_pcm_forward(pcm_, promised_ - frames);
	promised_ = 0;
	uint64_t t = trouble_ < 0x7fffffffu ? trouble_ : 0x7fffffffu;
	trouble_ = 0;
	return static_cast<uint32_t>(t);
}

class AlsaMode : public Mode {
public:
	explicit AlsaMode(const Options &o) : opt_(o) {}
	~AlsaMode() override { finish(); }
	vcpcm_emu_io io() override;
	void announce(vcpcm_msg_announce &a) const override;
	bool service() override;
	void finish() override;

private:
	struct Closing {
		snd_pcm_t *pcm;
		uint32_t chan;
		uint64_t deadline_ns;
	};
	static int on_event(void *ctx, uint32_t chan, uint32_t event, const vcpcm_msg_config *c);
	static uint32_t on_due(void *ctx, uint32_t chan) { return static_cast<AlsaMode *>(ctx)->ports_[chan].due(); }
	static uint32_t on_play(void *ctx, uint32_t chan, const uint8_t *data, uint32_t len)
	{
		return static_cast<AlsaMode *>(ctx)->ports_[chan].write(data, len);
	}
	static uint32_t on_capture(void *ctx, uint32_t chan, uint8_t *dst, uint32_t len)
	{
		return static_cast<AlsaMode *>(ctx)->ports_[chan].read(dst, len);
	}
	int event(uint32_t chan, uint32_t event, const vcpcm_msg_config &c);
	// Close the devices done playing out (or past their time); chan's at once.
	void finish_closing(uint32_t chan);

	static constexpr uint32_t NONE = ~0u, ALL = ~0u - 1;
	const Options &opt_;
	Port ports_[2 * VCPCM_EMU_MAX_PAIRS];
	std::vector<Closing> closing_;	// playback devices still playing out
};

vcpcm_emu_io AlsaMode::io()
{
	vcpcm_emu_io io = {};
	io.ctx = this;
	io.event = on_event;
	io.due = on_due;
	io.play = on_play;
	io.capture = on_capture;
	return io;
}

// Reports come as the devices move: a period at a time.
void AlsaMode::announce(vcpcm_msg_announce &a) const
{
	uint32_t finest_us = opt_.period_us > opt_.tick_us ? opt_.period_us : opt_.tick_us;
	a.report_ns = finest_us * 1000u;
	a.start_latency_ns = (opt_.buffer_us < 1000000 ? opt_.buffer_us : 1000000) * 1000u;
}

int AlsaMode::on_event(void *ctx, uint32_t chan, uint32_t event, const vcpcm_msg_config *c)
{
	return static_cast<AlsaMode *>(ctx)->event(chan, event, *c);
}

int AlsaMode::event(uint32_t chan, uint32_t event, const vcpcm_msg_config &c)
{
	Port &port = ports_[chan];
	bool playback = !is_capture_chan(chan);
	switch (event) {
	case VCPCM_EMU_IO_CONFIG: {
		char name[256];
		if (!expand_pair(playback ? opt_.playback_device : opt_.capture_device, pair_of(chan), name,
				 sizeof(name)))
			return -VCPCM_EINVAL;
		// The device may still be playing out the last stream: it goes now.
		finish_closing(chan);
		return port.open(name, playback, pair_of(chan), c, opt_);
	}
	case VCPCM_EMU_IO_START:
		return port.start();
	case VCPCM_EMU_IO_PAUSE:
	case VCPCM_EMU_IO_RESUME:
		port.pause(event == VCPCM_EMU_IO_PAUSE);
		return 0;
	case VCPCM_EMU_IO_STOP:
		port.stop();
		return 0;
	case VCPCM_EMU_IO_CLOSE:
		if (snd_pcm_t *draining = port.release())
			closing_.push_back({ draining, chan, now_ns() + (opt_.buffer_us + 1000000ull) * 1000u });
		return 0;
	}
	return 0;
}

void AlsaMode::finish_closing(uint32_t chan)
{
	uint64_t now = now_ns();
	for (size_t i = 0; i < closing_.size();) {
		Closing &c = closing_[i];
		if (c.chan == chan || chan == ALL || now > c.deadline_ns ||
		    snd_pcm_state(c.pcm) != SND_PCM_STATE_DRAINING) {
			snd_pcm_drop(c.pcm);
			snd_pcm_close(c.pcm);
			closing_[i] = closing_.back();
			closing_.pop_back();
		} else {
			i++;
		}
	}
}

bool AlsaMode::service()
{
	finish_closing(NONE);
	return !closing_.empty();
}

void AlsaMode::finish()
{
	finish_closing(ALL);
	for (Port &p : ports_)
		p.close();
}

} // namespace

std::unique_ptr<Mode> make_alsa_mode(const Options &o) { return std::unique_ptr<Mode>(new AlsaMode(o)); }

} // namespace remote

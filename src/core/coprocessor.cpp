// SPDX-License-Identifier: GPL-2.0
// The emulated coprocessor: what firmware on the far side of the message
// link does. It owns its FIFO memory, consumes playback at the sample
// clock, answers COMPLETE, and produces capture data as messages: a
// loopback of the paired playback channel (bit-exact when both use the
// same format), or silence. Time comes from the caller; nothing here
// sleeps, locks or allocates. A user-space remote may give it real audio
// to play into and record from, and a real clock (vcpcm_emu_io).
#include "divide.hpp"
#include "fault_plan.hpp"
#include "gain.hpp"
#include "protocol.hpp"

namespace vcpcm {
namespace {

constexpr uint32_t NSEC_PER_SEC = 1000000000u;
constexpr uint32_t MIN_RATE = 5512, MAX_RATE = 384000, MAX_CHANNELS = 8;

uint64_t align8(uint64_t n) { return (n + 7) & ~7ull; }

// Frames due since start at a fixed rate. Rebased every second so the
// multiplication cannot overflow however long the stream runs.
class SampleClock {
public:
	void start(uint64_t now_ns, uint32_t rate)
	{
		base_ns_ = now_ns;
		base_frames_ = 0;
		rate_ = rate;
	}
	uint64_t frames_at(uint64_t now_ns)
	{
		if (now_ns <= base_ns_)
			return base_frames_;
		QuotRem elapsed = divide(now_ns - base_ns_, NSEC_PER_SEC);
		base_ns_ += elapsed.quot * NSEC_PER_SEC;
		base_frames_ += elapsed.quot * rate_;
		return base_frames_ + quotient(static_cast<uint64_t>(elapsed.rem) * rate_, NSEC_PER_SEC);
	}
private:
	uint64_t base_ns_ = 0, base_frames_ = 0;
	uint32_t rate_ = 0;
};

// The remote's own FIFO memory.
class ByteFifo {
public:
	void attach(uint8_t *mem, uint32_t size) { mem_ = mem; capacity_ = size_ = size; clear(); }
	// Empty, using size bytes of the memory (at most all of it).
	void reset(uint32_t size) { size_ = min(size, capacity_); clear(); }
	void clear() { read_ = level_ = 0; }
	uint32_t level() const { return level_; }
	int push(const uint8_t *src, uint32_t n)
	{
		if (n > size_ - level_)
			return -VCPCM_ENOSPC;	// the host broke flow control
		uint32_t write = (read_ + level_) % size_;
		uint32_t first = min(n, size_ - write);
		copy_bytes(mem_ + write, src, first);
		copy_bytes(mem_, src + first, n - first);
		level_ += n;
		return 0;
	}
	// Take up to n bytes; copy them to dst unless it is null.
	uint32_t pop(uint8_t *dst, uint32_t n)
	{
		n = min(n, level_);
		uint32_t first = min(n, size_ - read_);
		if (dst) {
			copy_bytes(dst, mem_ + read_, first);
			copy_bytes(dst + first, mem_, n - first);
		}
		read_ = (read_ + n) % size_;
		level_ -= n;
		return n;
	}
	// The oldest bytes, up to n of them, where they lie contiguous (not taken).
	uint8_t *front(uint32_t n, uint32_t &len) const
	{
		len = min(min(n, level_), size_ - read_);
		return mem_ + read_;
	}
private:
	uint8_t *mem_ = nullptr;
	uint32_t capacity_ = 0, size_ = 0, read_ = 0, level_ = 0;
};

struct Channel {
	enum State { CLOSED, OPEN, CONFIGURED, RUNNING, DRAINING, PAUSED } state = CLOSED;
	State paused_from = RUNNING;
	vcpcm_msg_config config = {};
	uint32_t frame_bytes = 0;
	uint32_t epoch = 0;
	SampleClock clock;
	uint64_t frames_done = 0;
	ByteFifo fifo;			// playback
	uint8_t *staging = nullptr;	// capture: data not yet sent
	uint32_t staged = 0;
	bool loop_fed = false;		// capture: playback filled staging this tick
	Gain gain;			// playback: the mixer, applied to what plays
	vcpcm_emu_chan_stats stats = {};
	// Reports: numbered from START; playback bytes not yet reported.
	uint32_t seq = 0;
	uint32_t unreported = 0;
	uint32_t dry_unreported = 0;	// silence played because the FIFO ran dry
	uint32_t lost_unreported = 0;	// capture: dropped because staging was full
	// A report held back by REORDER, sent after the channel's next one.
	vcpcm_emu_out reordered = {};
	bool has_reordered = false;
	bool reordered_this_tick = false;	// its payload copy is still in the outbox
	uint8_t *reorder_buf = nullptr;

	bool clocked() const { return state == RUNNING || state == DRAINING; }
	// Capture that did not fit staging (reports held back): the host hears of it.
	void note_lost(uint64_t bytes)
	{
		stats.dropped_bytes += bytes;
		lost_unreported = static_cast<uint32_t>(min<uint64_t>(lost_unreported + bytes, 0x7fffffffu));
	}
	uint8_t silence_byte() const { return config.format == VCPCM_FMT_U8 ? 0x80 : 0; }
	uint32_t staging_room(uint32_t fifo_bytes) const { return fifo_bytes - fifo_bytes % frame_bytes; }
	// A new START or a STOP: nothing of the old run is reported any more.
	void forget_reports()
	{
		seq = unreported = staged = dry_unreported = lost_unreported = 0;
		has_reordered = false;
	}
};

} // namespace

class Coprocessor {
public:
	int init(const vcpcm_emu_params &p, uint8_t *mem);
	static uint64_t extra_memory(const vcpcm_emu_params &p);
	int handle(uint32_t chan, const uint8_t *msg, uint32_t len, const uint8_t *payload,
		   uint32_t payload_len, uint64_t now_ns, vcpcm_emu_out &reply);
	uint32_t tick(uint64_t now_ns, const vcpcm_emu_out **out);
	uint32_t poll_capture(uint32_t chan, uint64_t now_ns, const vcpcm_emu_out **out);
	int inject(const vcpcm_emu_fault &f, uint64_t now_ns);
	void set_io(const vcpcm_emu_io *io) { io_ = io ? *io : vcpcm_emu_io(); }
	uint64_t faults_injected() const { return faults_.injected(); }
	bool running() const;
	bool clocked(uint32_t chan) const { return valid_chan(chan) && chans_[chan].clocked(); }
	void get_stats(uint32_t chan, vcpcm_emu_chan_stats &st) const;

private:
	static uint32_t outbox_capacity(const vcpcm_emu_params &p);
	bool valid_chan(uint32_t chan) const { return chan % VCPCM_EMU_MAX_PAIRS < params_.pairs && chan < 2 * VCPCM_EMU_MAX_PAIRS; }
	static bool is_capture(uint32_t chan) { return chan >= VCPCM_EMU_MAX_PAIRS; }
	int configure(uint32_t chan, const vcpcm_msg_config &c);
	int apply(uint32_t chan, const vcpcm_msg &m, uint64_t now_ns);
	void play(uint32_t pair, uint64_t now_ns);
	uint32_t play_out(uint32_t pair, uint64_t due);
	int notify(uint32_t chan, uint32_t event);
	void end_run(uint32_t chan, bool closing);
	void capture(uint32_t pair, uint64_t now_ns);
	void report_played(uint32_t pair, uint64_t now_ns);
	void report_captured(uint32_t chan, uint64_t now_ns);
	void reset();
	vcpcm_emu_out *next_out(uint32_t chan);
	void emit(uint32_t chan, vcpcm_msg &m);

	vcpcm_emu_params params_ = {};
	vcpcm_emu_io io_ = {};
	Channel chans_[2 * VCPCM_EMU_MAX_PAIRS];
	FaultPlan faults_;
	vcpcm_emu_out *outbox_ = nullptr;
	uint32_t outbox_cap_ = 0, out_count_ = 0;
};

uint32_t Coprocessor::outbox_capacity(const vcpcm_emu_params &p)
{
	// Per pair: one COMPLETE, and the staging area cut into CAPTURE
	// messages of at least (max_payload - largest frame) bytes each;
	// faults may double each report and add a reordered one per channel.
	uint32_t chunk = p.max_payload - 32;
	return 2 * p.pairs * (1 + (p.fifo_bytes + chunk - 1) / chunk + 1) + 2 * p.pairs;
}

uint64_t Coprocessor::extra_memory(const vcpcm_emu_params &p)
{
	return 2ull * p.pairs * align8(p.fifo_bytes) + align8(outbox_capacity(p) * sizeof(vcpcm_emu_out)) +
	       2ull * p.pairs * align8(p.max_payload + 64);
}

int Coprocessor::init(const vcpcm_emu_params &p, uint8_t *mem)
{
	params_ = p;
	for (uint32_t i = 0; i < p.pairs; i++) {
		chans_[i].fifo.attach(mem, p.fifo_bytes);
		mem += align8(p.fifo_bytes);
		chans_[VCPCM_EMU_MAX_PAIRS + i].staging = mem;
		mem += align8(p.fifo_bytes);
	}
	outbox_ = reinterpret_cast<vcpcm_emu_out *>(mem);
	outbox_cap_ = outbox_capacity(p);
	mem += align8(outbox_cap_ * sizeof(vcpcm_emu_out));
	for (uint32_t i = 0; i < p.pairs; i++) {
		for (uint32_t dir = 0; dir < 2; dir++) {
			chans_[VCPCM_EMU_CHAN(dir, i)].reorder_buf = mem;
			mem += align8(p.max_payload + 64);
		}
	}
	return 0;
}

// The io hook hears of a change on chan: its answer, or 0 without a hook.
int Coprocessor::notify(uint32_t chan, uint32_t event)
{
	return io_.event ? io_.event(io_.ctx, chan, event, &chans_[chan].config) : 0;
}

// chan's run ends (and, closing, the channel): the hook hears of it.
void Coprocessor::end_run(uint32_t chan, bool closing)
{
	Channel &ch = chans_[chan];
	if (ch.clocked() || ch.state == Channel::PAUSED)
		notify(chan, VCPCM_EMU_IO_STOP);
	if (closing && ch.state != Channel::CLOSED)
		notify(chan, VCPCM_EMU_IO_CLOSE);
}

int Coprocessor::configure(uint32_t chan, const vcpcm_msg_config &c)
{
	Channel &ch = chans_[chan];
	uint32_t frame_bytes = c.channels * vcpcm_format_bytes(c.format);
	if (ch.state == Channel::CLOSED)
		return -VCPCM_EBADFD;
	if (ch.clocked())
		return -VCPCM_EBUSY;
	if (c.direction != (is_capture(chan) ? VCPCM_DIR_CAPTURE : VCPCM_DIR_PLAYBACK) ||
	    !c.channels || c.channels > MAX_CHANNELS || c.samplerate < MIN_RATE ||
	    c.samplerate > MAX_RATE || !frame_bytes || frame_bytes > params_.fifo_bytes)
		return -VCPCM_EINVAL;
	end_run(chan, false);
	ch.config = c;
	ch.frame_bytes = frame_bytes;
	// The ring holds whole frames, so that none is split at its end (the
	// io hook's play takes whole frames). It never held more: the host
	// sends whole frames and keeps at most fifo_bytes in flight.
	ch.fifo.reset(params_.fifo_bytes - params_.fifo_bytes % frame_bytes);
	int err = notify(chan, VCPCM_EMU_IO_CONFIG);
	ch.state = err ? Channel::OPEN : Channel::CONFIGURED;
	return err;
}

int Coprocessor::apply(uint32_t chan, const vcpcm_msg &m, uint64_t now_ns)
{
	Channel &ch = chans_[chan];
	switch (m.type) {
	case VCPCM_MSG_OPEN:
		// A host that lost track of us (e.g. a CLOSE that timed out)
		// reopens: start the channel afresh.
		end_run(chan, true);
		ch.state = Channel::OPEN;
		ch.fifo.clear();
		ch.gain.set(0, false);
		return 0;
	case VCPCM_MSG_CLOSE:
		end_run(chan, true);
		ch.state = Channel::CLOSED;
		ch.fifo.clear();
		return 0;
	case VCPCM_MSG_CONFIG:
		return configure(chan, m.u.config);
	case VCPCM_MSG_CONTROL:
		if (ch.state == Channel::CLOSED)
			return -VCPCM_EBADFD;
		// volume: hundredths of a dB, two's complement; dest is the
		// output route (one output here, so only remembered).
		ch.gain.set(static_cast<int32_t>(m.u.control.volume), m.u.control.mute != 0);
		return 0;
	case VCPCM_MSG_START:
		if (ch.state != Channel::CONFIGURED)
			return -VCPCM_EBADFD;
		if (int err = notify(chan, VCPCM_EMU_IO_START))
			return err;
		ch.clock.start(now_ns + params_.start_latency_us * 1000ull, ch.config.samplerate);
		ch.frames_done = 0;
		ch.forget_reports();
		ch.epoch = m.u.epoch;
		ch.state = Channel::RUNNING;
		return 0;
	case VCPCM_MSG_PAUSE:
		if (m.u.pause.paused && ch.clocked()) {
			ch.paused_from = ch.state;	// the clock stops; the FIFO stays
			ch.state = Channel::PAUSED;
			notify(chan, VCPCM_EMU_IO_PAUSE);
			return 0;
		}
		if (!m.u.pause.paused && ch.state == Channel::PAUSED) {
			notify(chan, VCPCM_EMU_IO_RESUME);
			ch.state = ch.paused_from;
			ch.clock.start(now_ns, ch.config.samplerate);
			ch.frames_done = 0;
			return 0;
		}
		return -VCPCM_EBADFD;
	case VCPCM_MSG_STOP:
		if (m.u.stop.draining && ch.state == Channel::RUNNING && !is_capture(chan)) {
			ch.state = Channel::DRAINING;	// play out the FIFO first
			return 0;
		}
		if (ch.state >= Channel::CONFIGURED) {
			end_run(chan, false);
			ch.state = Channel::CONFIGURED;
			ch.fifo.clear();
			ch.forget_reports();
		}
		return 0;
	case VCPCM_MSG_WRITE:
		if (is_capture(chan) || ch.state < Channel::CONFIGURED)
			return -VCPCM_EBADFD;
		if (m.payload_len % ch.frame_bytes)
			return -VCPCM_EINVAL;
		return ch.fifo.push(static_cast<const uint8_t *>(m.payload), m.payload_len);
	default:
		return -VCPCM_EPROTO;	// a remote-to-host type
	}
}

int Coprocessor::handle(uint32_t chan, const uint8_t *msg, uint32_t len, const uint8_t *payload,
			uint32_t payload_len, uint64_t now_ns, vcpcm_emu_out &reply)
{
	vcpcm_msg m;
	if (!valid_chan(chan))
		return -VCPCM_EINVAL;
	int err = decode_parts(msg, len, payload, payload_len, params_.fifo_bytes, m);
	if (err)
		return err;
	// Like AUDS: OPEN, CLOSE, CONFIG and CONTROL are answered with a
	// RESULT; START, STOP and WRITE are fire-and-forget.
	bool request = m.type == VCPCM_MSG_OPEN || m.type == VCPCM_MSG_CLOSE ||
		       m.type == VCPCM_MSG_CONFIG || m.type == VCPCM_MSG_CONTROL;
	if (request && !faults_.answering(chan))
		return 0;	// a dead remote: nothing happens, nobody answers
	err = apply(chan, m, now_ns);
	if (!request)
		return err;
	vcpcm_msg r = {};
	r.type = VCPCM_MSG_RESULT;
	r.tag = m.tag;	// the host matches the answer to its request
	r.u.result.success = err;
	reply.chan = chan;
	reply.len = static_cast<uint32_t>(encode(r, reply.hdr, sizeof(reply.hdr)));
	reply.payload = nullptr;
	reply.payload_len = 0;
	return 1;
}

vcpcm_emu_out *Coprocessor::next_out(uint32_t chan)
{
	if (out_count_ >= outbox_cap_)
		return nullptr;	// cannot happen with the computed capacity
	vcpcm_emu_out *o = &outbox_[out_count_++];
	o->chan = chan;
	o->payload = nullptr;
	o->payload_len = 0;
	return o;
}

// A report out: numbered, then put through the fault plan.
void Coprocessor::emit(uint32_t chan, vcpcm_msg &m)
{
	Channel &ch = chans_[chan];
	if (m.type == VCPCM_MSG_COMPLETE)
		m.u.complete.seq = ++ch.seq;
	else
		m.u.capture.seq = ++ch.seq;
	// One report held back at a time, and one per tick: the copy of the
	// last one may still be in the outbox. Meanwhile reports pass.
	bool slot_busy = ch.has_reordered || ch.reordered_this_tick;
	uint32_t fault = slot_busy && faults_.peek(chan) == VCPCM_FAULT_REORDER ?
			 static_cast<uint32_t>(VCPCM_FAULT_NONE) : faults_.take(chan);
	if (fault == VCPCM_FAULT_DROP)
		return;
	vcpcm_emu_out *o = next_out(chan);
	if (!o)
		return;
	o->len = static_cast<uint32_t>(encode(m, o->hdr, sizeof(o->hdr)));
	o->payload = m.payload;
	o->payload_len = m.payload_len;
	if (fault == VCPCM_FAULT_REORDER) {
		ch.reordered = *o;
		if (m.payload_len)
			copy_bytes(ch.reorder_buf, m.payload, m.payload_len);
		ch.reordered.payload = m.payload_len ? ch.reorder_buf : nullptr;
		ch.has_reordered = true;
		out_count_--;
		return;
	}
	if (fault == VCPCM_FAULT_DUPLICATE) {
		vcpcm_emu_out *twin = next_out(chan);
		if (twin)
			*twin = *o;
	} else if (fault != VCPCM_FAULT_NONE) {
		// Room behind the payload: the rest of the capture staging area.
		uint32_t room = m.payload ? static_cast<uint32_t>(
			ch.staging + ch.staging_room(params_.fifo_bytes) - static_cast<const uint8_t *>(m.payload)) : 0;
		damage_report(fault, o->hdr, o->len, o->payload_len, room, params_.max_payload);
	}
	if (ch.has_reordered) {
		vcpcm_emu_out *late = next_out(chan);
		if (late)
			*late = ch.reordered;
		ch.has_reordered = false;
		ch.reordered_this_tick = true;
	}
}

void Coprocessor::play(uint32_t pair, uint64_t now_ns)
{
	Channel &ch = chans_[pair];
	Channel &cap = chans_[VCPCM_EMU_MAX_PAIRS + pair];
	cap.loop_fed = false;
	if (!ch.clocked())
		return;
	uint64_t due_frames = io_.due ? io_.due(io_.ctx, pair) : ch.clock.frames_at(now_ns) - ch.frames_done;
	ch.frames_done += due_frames;
	uint64_t due = due_frames * ch.frame_bytes;
	uint64_t inserted = 0;	// silence the output put in on its own
	bool loop = !io_.play && !io_.capture && cap.state == Channel::RUNNING &&
		    cap.config.format == ch.config.format &&
		    cap.config.channels == ch.config.channels &&
		    cap.config.samplerate == ch.config.samplerate;
	uint32_t taken;
	if (loop) {
		// What is played is what the paired capture hears: the FIFO
		// data, then silence where the FIFO ran dry. It joins what the
		// capture has not sent yet (reports may be held).
		uint8_t *dst = cap.staging + cap.staged;
		uint32_t fill = static_cast<uint32_t>(min<uint64_t>(due, cap.staging_room(params_.fifo_bytes) - cap.staged));
		uint32_t copied = ch.fifo.pop(dst, fill);
		taken = copied + ch.fifo.pop(nullptr, static_cast<uint32_t>(min<uint64_t>(due - copied, ch.fifo.level())));
		ch.gain.apply(ch.config.format, dst, copied);
		fill_bytes(dst + copied, ch.silence_byte(), fill - copied);
		cap.staged += fill;
		cap.frames_done += fill / cap.frame_bytes;
		cap.loop_fed = true;
		cap.note_lost(due - fill);
	} else if (io_.play) {
		taken = static_cast<uint32_t>(min<uint64_t>(due, ch.fifo.level()));
		inserted = play_out(pair, due);
	} else {
		taken = ch.fifo.pop(nullptr, static_cast<uint32_t>(min<uint64_t>(due, ch.fifo.level())));
	}
	ch.stats.bytes_played += taken;
	ch.stats.underrun_bytes += due - taken;
	ch.unreported += taken;
	// Running dry while draining is the end of the stream; while running
	// it is silence in the middle of it, and the host must hear of it.
	if (ch.state == Channel::RUNNING)
		ch.dry_unreported = static_cast<uint32_t>(min<uint64_t>(ch.dry_unreported + (due - taken) + inserted,
									  0x7fffffffu));
	if (ch.state == Channel::DRAINING && !ch.fifo.level()) {
		end_run(pair, false);
		ch.state = Channel::CONFIGURED;
	}
}

// Due bytes of playback to the io hook: what the FIFO holds, then silence.
// Returns the silence the output inserted on its own.
uint32_t Coprocessor::play_out(uint32_t pair, uint64_t due)
{
	Channel &ch = chans_[pair];
	const uint32_t piece = (1u << 30) - (1u << 30) % ch.frame_bytes;	// whole frames, within a u32
	uint64_t inserted = 0;
	uint32_t len;
	while (due) {
		uint8_t *data = ch.fifo.front(static_cast<uint32_t>(min<uint64_t>(due, piece)), len);
		if (!len)
			break;
		ch.gain.apply(ch.config.format, data, len);	// the data is ours until popped
		inserted += io_.play(io_.ctx, pair, data, len);
		ch.fifo.pop(nullptr, len);
		due -= len;
	}
	while (due) {
		len = static_cast<uint32_t>(min<uint64_t>(due, piece));
		inserted += io_.play(io_.ctx, pair, nullptr, len);
		due -= len;
	}
	return static_cast<uint32_t>(min<uint64_t>(inserted, 0x7fffffffu));
}

void Coprocessor::report_played(uint32_t pair, uint64_t now_ns)
{
	Channel &ch = chans_[pair];
	if ((!ch.unreported && !ch.dry_unreported) || faults_.holding(pair, now_ns))
		return;
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_COMPLETE;
	m.u.complete.count = static_cast<int32_t>(ch.unreported);
	m.u.complete.epoch = ch.epoch;
	m.u.complete.underrun = ch.dry_unreported;
	ch.unreported = ch.dry_unreported = 0;
	emit(pair, m);
}

void Coprocessor::capture(uint32_t pair, uint64_t now_ns)
{
	uint32_t chan = VCPCM_EMU_MAX_PAIRS + pair;
	Channel &cap = chans_[chan];
	if (cap.state != Channel::RUNNING)
		return;
	uint64_t clock_frames = cap.clock.frames_at(now_ns);
	if (!cap.loop_fed) {
		// Nothing plays into us: silence at our own clock (or the io
		// hook's input at its clock).
		uint64_t due_frames = io_.due ? io_.due(io_.ctx, chan) :
				      clock_frames > cap.frames_done ? clock_frames - cap.frames_done : 0;
		uint64_t due = due_frames * cap.frame_bytes;
		uint32_t fill = static_cast<uint32_t>(min<uint64_t>(due, cap.staging_room(params_.fifo_bytes) - cap.staged));
		if (io_.capture && fill)
			cap.note_lost(io_.capture(io_.ctx, chan, cap.staging + cap.staged, fill));
		else
			fill_bytes(cap.staging + cap.staged, cap.silence_byte(), fill);
		cap.staged += fill;
		cap.frames_done += due_frames;
		cap.note_lost(due - fill);
	}
	report_captured(chan, now_ns);
}

void Coprocessor::report_captured(uint32_t chan, uint64_t now_ns)
{
	Channel &cap = chans_[chan];
	if ((!cap.staged && !cap.lost_unreported) || faults_.holding(chan, now_ns))
		return;	// a late remote keeps its data until it reports
	uint32_t chunk = params_.max_payload - params_.max_payload % cap.frame_bytes;
	// At least one message, the first saying what was lost before it.
	uint32_t off = 0;
	do {
		vcpcm_msg m = {};
		m.type = VCPCM_MSG_CAPTURE;
		m.payload = cap.staged ? cap.staging + off : nullptr;
		m.payload_len = min(chunk, cap.staged - off);
		m.u.capture.count = m.payload_len;
		m.u.capture.epoch = cap.epoch;
		m.u.capture.lost = cap.lost_unreported;
		cap.lost_unreported = 0;
		emit(chan, m);
		off += m.payload_len;
	} while (off < cap.staged);
	cap.stats.bytes_captured += cap.staged;
	cap.staged = 0;
}

uint32_t Coprocessor::tick(uint64_t now_ns, const vcpcm_emu_out **out)
{
	out_count_ = 0;
	for (Channel &ch : chans_)
		ch.reordered_this_tick = false;
	for (uint32_t pair = 0; pair < params_.pairs; pair++) {
		play(pair, now_ns);
		report_played(pair, now_ns);
		capture(pair, now_ns);
	}
	*out = outbox_;
	return out_count_;
}

// A capture channel's data up to now, out of turn: what the tick at now_ns
// would report for it, so a host that asks for the position between ticks
// finds every frame due (a DMA pointer moves at every read). Its pair's
// playback advances with it, as the loopback needs; its report stays for
// the next tick. Nothing out of turn where the tick must decide: a fault
// set, a draining playback (its end), or an io hook's own clock.
uint32_t Coprocessor::poll_capture(uint32_t chan, uint64_t now_ns, const vcpcm_emu_out **out)
{
	out_count_ = 0;
	*out = outbox_;
	if (!valid_chan(chan) || !is_capture(chan) || io_.due || io_.play || io_.capture)
		return 0;
	uint32_t pair = chan - VCPCM_EMU_MAX_PAIRS;
	const Channel &cap = chans_[chan], &play_ch = chans_[pair];
	if (cap.state != Channel::RUNNING || cap.has_reordered || !faults_.clear_on(chan) ||
	    (play_ch.clocked() && play_ch.state != Channel::RUNNING))
		return 0;
	play(pair, now_ns);
	capture(pair, now_ns);
	return out_count_;
}

// The remote restarts (firmware reset): it forgets every channel.
void Coprocessor::reset()
{
	for (uint32_t chan = 0; chan < 2 * VCPCM_EMU_MAX_PAIRS; chan++) {
		Channel &ch = chans_[chan];
		if (valid_chan(chan))
			end_run(chan, true);
		ch.state = Channel::CLOSED;
		ch.fifo.clear();
		ch.forget_reports();
		ch.gain.set(0, false);
	}
	faults_.clear();
	faults_.count_one();
}

int Coprocessor::inject(const vcpcm_emu_fault &f, uint64_t now_ns)
{
	if (f.kind == VCPCM_FAULT_RESET) {
		reset();
		return 0;
	}
	return faults_.set(f, now_ns, [this](uint32_t chan) { return valid_chan(chan); });
}

bool Coprocessor::running() const
{
	// Reports still owed after a drain ended count too.
	for (const Channel &ch : chans_)
		if (ch.clocked() || ch.unreported)
			return true;
	return false;
}

void Coprocessor::get_stats(uint32_t chan, vcpcm_emu_chan_stats &st) const
{
	st = vcpcm_emu_chan_stats();
	if (!valid_chan(chan))
		return;
	st = chans_[chan].stats;
	st.fifo_level = chans_[chan].fifo.level();
}

} // namespace vcpcm

using vcpcm::Coprocessor;

namespace {
bool valid_params(const vcpcm_emu_params *p)
{
	// A capture message must hold at least one largest frame (8 x 32 bit).
	return p && p->pairs >= 1 && p->pairs <= VCPCM_EMU_MAX_PAIRS && p->fifo_bytes >= 256 &&
	       p->fifo_bytes <= (1u << 24) && p->max_payload >= 64 &&
	       p->start_latency_us <= 1000000;
}
} // namespace

extern "C" {

void vcpcm_emu_announce(const vcpcm_emu_params *p, uint32_t finest_report_ns, vcpcm_msg_announce *a)
{
	*a = {};
	a->version = VCPCM_PROTOCOL_VERSION;
	a->formats = (1u << VCPCM_FMT_COUNT) - 1;
	// The model plays 5512..384000 Hz; the host serves 8000..192000.
	a->rate_min = VCPCM_ANNOUNCE_RATE_MIN;
	a->rate_max = VCPCM_ANNOUNCE_RATE_MAX;
	a->channels_min = 1;
	a->channels_max = vcpcm::MAX_CHANNELS;
	a->playback_chans = p->pairs;
	a->capture_chans = p->pairs;	// capture N loops back playback N
	a->fifo_bytes = p->fifo_bytes;
	a->max_payload = p->max_payload;
	a->report_ns = finest_report_ns;
	a->start_latency_ns = p->start_latency_us * 1000u;
	a->flags = VCPCM_CAP_PAUSE | VCPCM_CAP_NUMBERED;
}

uint64_t vcpcm_emu_mem_size(const vcpcm_emu_params *p)
{
	if (!valid_params(p))
		return 0;
	return vcpcm::align8(sizeof(Coprocessor)) + Coprocessor::extra_memory(*p);
}

vcpcm_emu *vcpcm_emu_init(void *mem, uint64_t mem_size, const vcpcm_emu_params *p)
{
	if (!mem || !valid_params(p) || mem_size < vcpcm_emu_mem_size(p))
		return nullptr;
	Coprocessor *c = new (mem) Coprocessor();
	c->init(*p, static_cast<uint8_t *>(mem) + vcpcm::align8(sizeof(Coprocessor)));
	return reinterpret_cast<vcpcm_emu *>(c);
}

int vcpcm_emu_handle(vcpcm_emu *e, uint32_t chan, const void *msg, uint32_t len,
		     const void *payload, uint32_t payload_len, uint64_t now_ns, vcpcm_emu_out *reply)
{
	return reinterpret_cast<Coprocessor *>(e)->handle(chan, static_cast<const uint8_t *>(msg), len,
							  static_cast<const uint8_t *>(payload),
							  payload_len, now_ns, *reply);
}

uint32_t vcpcm_emu_tick(vcpcm_emu *e, uint64_t now_ns, const vcpcm_emu_out **out)
{
	return reinterpret_cast<Coprocessor *>(e)->tick(now_ns, out);
}

uint32_t vcpcm_emu_poll_capture(vcpcm_emu *e, uint32_t chan, uint64_t now_ns,
				const vcpcm_emu_out **out)
{
	return reinterpret_cast<Coprocessor *>(e)->poll_capture(chan, now_ns, out);
}

int vcpcm_emu_inject(vcpcm_emu *e, const vcpcm_emu_fault *f, uint64_t now_ns)
{
	return reinterpret_cast<Coprocessor *>(e)->inject(*f, now_ns);
}

uint64_t vcpcm_emu_faults_injected(const vcpcm_emu *e)
{
	return reinterpret_cast<const Coprocessor *>(e)->faults_injected();
}

const char *vcpcm_emu_fault_name(uint32_t kind)
{
	static const char *const names[VCPCM_FAULT_COUNT] = {
		"none", "drop", "delay", "duplicate", "reorder", "bad-type", "truncate",
		"overcount", "overlong", "stall", "reset", "no-answer",
	};
	return kind < VCPCM_FAULT_COUNT ? names[kind] : nullptr;
}

void vcpcm_emu_set_io(vcpcm_emu *e, const vcpcm_emu_io *io)
{
	reinterpret_cast<Coprocessor *>(e)->set_io(io);
}

int vcpcm_emu_running(const vcpcm_emu *e) { return reinterpret_cast<const Coprocessor *>(e)->running(); }

int vcpcm_emu_clocked(const vcpcm_emu *e, uint32_t chan)
{
	return reinterpret_cast<const Coprocessor *>(e)->clocked(chan);
}

void vcpcm_emu_get_stats(const vcpcm_emu *e, uint32_t chan, vcpcm_emu_chan_stats *st)
{
	reinterpret_cast<const Coprocessor *>(e)->get_stats(chan, *st);
}

} // extern "C"

// SPDX-License-Identifier: GPL-2.0
// A host-side stream: the state machine, one ring and the protocol,
// talking to the remote through the caller's send function.
#include "divide.hpp"
#include "frame_layout.hpp"
#include "indirect_ring.hpp"
#include "protocol.hpp"

namespace vcpcm {

class Stream {
public:
	void init(uint32_t direction, vcpcm_send_fn send, void *chan)
	{
		direction_ = direction;
		send_ = send;
		chan_ = chan;
	}
	vcpcm_stream_state state() const { return state_; }
	uint32_t serial() const { return max(last_tag_, epoch_); }
	void follow(uint32_t serial) { last_tag_ = epoch_ = serial; }
	int open();
	int reopen();
	int configure(uint32_t format, uint32_t channels, uint32_t rate);
	int prepare(const vcpcm_ring_geometry &g, const vcpcm_stream_timing &t, const vcpcm_sw_buffer &buf);
	int start(uint64_t now_ns, uint32_t free_running_lead);
	void retime(uint32_t report_interval_ns, uint64_t stall_ns)
	{
		timing_.report_interval_ns = report_interval_ns;
		timing_.stall_ns = stall_ns;
	}
	int stop();
	int pause(bool paused, uint64_t now_ns);
	int close();
	int set_control(uint32_t volume, uint32_t dest, uint32_t mute);
	int ack(uint64_t appl_ptr);
	void rebase(uint64_t appl_ptr);
	int receive(const uint8_t *buf, uint32_t len, const uint8_t *payload, uint32_t payload_len,
		    uint32_t max_payload, uint64_t now_ns, vcpcm_rx_event &ev);
	uint32_t hw_pos() const { return playback() ? play_.hw_pos() : cap_.hw_pos(); }
	uint32_t in_flight() const { return playback() ? play_.in_flight() : 0; }
	bool stalled(uint64_t now_ns);
	uint64_t bytes_done(uint64_t now_ns);
	uint32_t pointer(uint64_t now_ns);
	uint32_t position(uint64_t now_ns);
	uint64_t frames_done(uint64_t now_ns) { return quotient(bytes_done(now_ns), frame_bytes_); }
	vcpcm_stream_stats stats() const;

private:
	bool playback() const { return direction_ == VCPCM_DIR_PLAYBACK; }
	// Where appl_ptr moves mean data to pass on (paused too: what is
	// written while paused must be there when it resumes).
	bool accepts_data() const
	{
		return !reconfiguring_ &&
		       (state_ == VCPCM_ST_PREPARED || state_ == VCPCM_ST_RUNNING || state_ == VCPCM_ST_PAUSED);
	}
	int move_to(vcpcm_stream_event ev);
	int send(const vcpcm_msg &m);
	int send_request(vcpcm_msg &m);
	int send_bare_request(uint32_t type);
	int send_simple(uint32_t type, uint32_t value);
	int refill();
	int on_result(const vcpcm_msg &m, vcpcm_rx_event &ev);
	int on_complete(const vcpcm_msg &m, vcpcm_rx_event &ev);
	int on_capture(const vcpcm_msg &m, vcpcm_rx_event &ev);
	bool reporting() const { return state_ == VCPCM_ST_RUNNING || state_ == VCPCM_ST_PAUSED; }
	int check_sequence(uint32_t seq);
	void note_report(uint64_t bytes, uint64_t now_ns);
	void note_unseen(uint64_t now_ns, vcpcm_rx_event &ev);
	static int write_chunk(void *self, const vcpcm_chunk *c);
	static int store_chunk(void *self, const vcpcm_chunk *c);

	uint32_t direction_ = VCPCM_DIR_PLAYBACK;
	vcpcm_send_fn send_ = nullptr;
	void *chan_ = nullptr;
	vcpcm_stream_state state_ = VCPCM_ST_CLOSED;
	uint32_t epoch_ = 0;	// which START the remote's reports belong to
	uint32_t last_tag_ = 0;	// the tag of the newest request
	// CONFIG went out; the ring is reset only when prepare() follows. Data
	// sent meanwhile would stay at the remote, forgotten by the host.
	bool reconfiguring_ = false;
	uint32_t awaited_tag_ = 0;	// the request whose RESULT is awaited; 0: none
	uint32_t next_seq_ = 1;	// the report sequence number expected next
	uint8_t *sw_buf_ = nullptr;
	FrameLayout layout_;
	uint8_t *staging_ = nullptr;	// non-interleaved playback: one payload
	const uint8_t *rx_payload_ = nullptr;
	PlaybackRing play_;
	CaptureRing cap_;
	vcpcm_stream_stats stats_ = {};
	// Position keeping: totals since prepare, in bytes.
	vcpcm_stream_timing timing_ = {};
	uint32_t frame_bytes_ = 1, sw_bytes_ = 1, start_off_ = 0;
	uint64_t reported_ = 0;		// what the remote said it consumed/delivered
	uint64_t returned_ = 0;		// the largest position handed out (monotonic)
	uint64_t read_ = 0;		// the position when pointer() was last called
	uint64_t report_ns_ = 0;	// when the last report (or the start) came
	uint64_t quiet_since_ns_ = 0;	// since when the remote owes a report
};

int Stream::move_to(vcpcm_stream_event ev)
{
	int to = vcpcm_state_next(state_, ev);
	if (to < 0)
		return to;
	state_ = static_cast<vcpcm_stream_state>(to);
	return 0;
}

int Stream::send(const vcpcm_msg &m)
{
	uint8_t hdr[VCPCM_MSG_MAX_FIXED];
	int len = encode(m, hdr, sizeof(hdr));
	if (len < 0)
		return len;
	int err = send_(chan_, hdr, static_cast<uint32_t>(len), m.payload, m.payload_len);
	if (err)
		return err;
	stats_.msgs_tx++;
	stats_.bytes_tx += m.payload_len;
	return 0;
}

int Stream::send_simple(uint32_t type, uint32_t value)
{
	vcpcm_msg m = {};
	m.type = type;
	m.u.epoch = value;	// START epoch, STOP draining
	return send(m);
}

// A request: tagged, and only the RESULT with its tag answers it. A late
// answer to one the caller gave up on is never taken for the next one's.
int Stream::send_request(vcpcm_msg &m)
{
	if (!++last_tag_)
		last_tag_ = 1;	// 0 means "no request"
	m.tag = last_tag_;
	int err = send(m);
	awaited_tag_ = err ? 0 : m.tag;
	return err;
}

// OPEN or CLOSE: a request whose only word is its tag.
int Stream::send_bare_request(uint32_t type)
{
	vcpcm_msg m = {};
	m.type = type;
	return send_request(m);
}

int Stream::open()
{
	int err = move_to(VCPCM_EV_OPEN);
	return err ? err : send_bare_request(VCPCM_MSG_OPEN);
}

int Stream::reopen()
{
	if (state_ == VCPCM_ST_CLOSED || state_ == VCPCM_ST_RUNNING || state_ == VCPCM_ST_PAUSED)
		return -VCPCM_EBADFD;
	return send_bare_request(VCPCM_MSG_OPEN);
}

int Stream::configure(uint32_t format, uint32_t channels, uint32_t rate)
{
	if (state_ == VCPCM_ST_CLOSED || state_ == VCPCM_ST_RUNNING)
		return -VCPCM_EBADFD;
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_CONFIG;
	m.u.config.channels = channels;
	m.u.config.samplerate = rate;
	m.u.config.bps = 8 * vcpcm_format_bytes(format);
	m.u.config.format = format;
	m.u.config.direction = direction_;
	reconfiguring_ = true;
	return send_request(m);
}

int Stream::prepare(const vcpcm_ring_geometry &g, const vcpcm_stream_timing &t,
		    const vcpcm_sw_buffer &buf)
{
	if (vcpcm_state_next(state_, VCPCM_EV_PREPARE) < 0)
		return -VCPCM_EBADFD;
	if (!t.rate || !buf.area)
		return -VCPCM_EINVAL;
	int err = layout_.assign(g.frame_bytes, buf.channels, g.sw_bytes, buf.noninterleaved != 0);
	if (err)
		return err;
	// Interleaving needs somewhere to put a whole message's payload.
	bool staged = playback() && layout_.planar();
	if (staged && (!buf.staging || buf.staging_bytes < g.max_chunk))
		return -VCPCM_EINVAL;
	err = playback() ? play_.reset(g) : cap_.reset(g);
	if (err)
		return err;
	sw_buf_ = buf.area;
	staging_ = staged ? buf.staging : nullptr;
	timing_ = t;
	frame_bytes_ = g.frame_bytes;
	sw_bytes_ = g.sw_bytes;
	start_off_ = hw_pos();
	reported_ = returned_ = read_ = 0;
	err = move_to(VCPCM_EV_PREPARE);
	if (!err)
		reconfiguring_ = false;
	return err;
}

int Stream::start(uint64_t now_ns, uint32_t free_running_lead)
{
	if (reconfiguring_ || vcpcm_state_next(state_, VCPCM_EV_START) < 0)
		return -VCPCM_EBADFD;
	epoch_++;
	next_seq_ = 1;
	int err = send_simple(VCPCM_MSG_START, epoch_);
	if (err)
		return err;
	report_ns_ = quiet_since_ns_ = now_ns;	// the remote's clock starts now
	// Free-running playback never acks: fill the remote now.
	if (playback()) {
		play_.run_free(free_running_lead);
		err = refill();
		if (err)
			return err;
	} else if (free_running_lead) {
		cap_.run_free();
	}
	return move_to(VCPCM_EV_START);
}

int Stream::pause(bool paused, uint64_t now_ns)
{
	vcpcm_stream_event ev = paused ? VCPCM_EV_PAUSE : VCPCM_EV_RESUME;
	if (vcpcm_state_next(state_, ev) < 0)
		return -VCPCM_EBADFD;
	if (paused)
		bytes_done(now_ns);	// freeze the position where it is
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_PAUSE;
	m.u.pause.paused = paused;
	int err = send(m);
	if (err)
		return err;
	if (!paused)
		report_ns_ = now_ns;	// the remote's clock resumes now
	err = move_to(ev);
	// Whatever was committed while paused and did not fit then goes now.
	return err || paused || !playback() ? err : refill();
}

// Playback: send what is committed, within what the remote has room for.
int Stream::refill()
{
	int sent = play_.transfer(write_chunk, this);
	return sent < 0 ? sent : 0;
}

int Stream::stop()
{
	int err = move_to(VCPCM_EV_STOP);
	// The remote is told even after an xrun: it must stop its clock.
	return err ? err : send_simple(VCPCM_MSG_STOP, 0);
}

int Stream::close()
{
	int err = move_to(VCPCM_EV_CLOSE);
	return err ? err : send_bare_request(VCPCM_MSG_CLOSE);
}

int Stream::set_control(uint32_t volume, uint32_t dest, uint32_t mute)
{
	if (state_ == VCPCM_ST_CLOSED)
		return -VCPCM_EBADFD;
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_CONTROL;
	m.u.control.volume = volume;
	m.u.control.dest = dest;
	m.u.control.mute = mute;
	return send_request(m);
}

int Stream::write_chunk(void *self, const vcpcm_chunk *c)
{
	Stream *s = static_cast<Stream *>(self);
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_WRITE;
	m.u.write.count = c->len;
	m.u.write.cookie1 = VCPCM_WRITE_COOKIE1;
	m.u.write.cookie2 = VCPCM_WRITE_COOKIE2;
	if (s->staging_) {
		s->layout_.gather(s->sw_buf_, c->sw_off, s->staging_, c->len);
		m.payload = s->staging_;
	} else {
		m.payload = s->sw_buf_ + c->sw_off;	// the one copy happens at the remote
	}
	m.payload_len = c->len;
	return s->send(m);
}

int Stream::ack(uint64_t appl_ptr)
{
	if (!accepts_data())
		return 0;	// nothing to move until prepared again
	if (!playback())
		return cap_.ack(appl_ptr) < 0 ? -VCPCM_EPIPE : 0;
	int added = play_.ack(appl_ptr);
	return added < 0 ? added : refill();
}

void Stream::rebase(uint64_t appl_ptr)
{
	if (!accepts_data())
		return;	// prepare starts afresh anyway
	if (playback())
		play_.rebase(appl_ptr);
	else
		cap_.rebase(appl_ptr);
}

// Reports are numbered from START: anything but the next number means
// the link lost, repeated or reordered one, and positions cannot be trusted.
int Stream::check_sequence(uint32_t seq)
{
	if (timing_.unnumbered)
		return 0;
	if (seq != next_seq_) {
		stats_.seq_errors++;
		return -VCPCM_EILSEQ;
	}
	next_seq_++;
	return 0;
}

bool Stream::stalled(uint64_t now_ns)
{
	if (state_ != VCPCM_ST_RUNNING || !timing_.stall_ns)
		return false;
	quiet_since_ns_ = max(quiet_since_ns_, report_ns_);
	// Playback with nothing at the remote owes no report: the silence
	// only counts from when it has something again.
	if (playback() && !play_.in_flight())
		quiet_since_ns_ = max(quiet_since_ns_, now_ns);
	if (now_ns <= quiet_since_ns_)
		return false;
	// A remote may take its start-up latency again whenever a clock
	// starts (its paired capture waits for a playback that just started).
	return now_ns - quiet_since_ns_ > timing_.stall_ns + timing_.start_latency_ns;
}

void Stream::note_report(uint64_t bytes, uint64_t now_ns)
{
	if (state_ == VCPCM_ST_RUNNING && now_ns > report_ns_)
		stats_.max_report_gap_ns = max(stats_.max_report_gap_ns, now_ns - report_ns_);
	reported_ += bytes;
	report_ns_ = now_ns;
}

// How far the position moved since the caller last read it. It reads the
// position modulo the buffer: a whole buffer since it last looked (late
// reports, or one long capture message) is invisible to it.
void Stream::note_unseen(uint64_t now_ns, vcpcm_rx_event &ev)
{
	uint64_t unseen = bytes_done(now_ns) - read_;
	ev.unseen_bytes = static_cast<uint32_t>(min<uint64_t>(unseen, 0xffffffffu));
	ev.lapped = unseen >= sw_bytes_;
}

uint64_t Stream::bytes_done(uint64_t now_ns)
{
	uint64_t estimate = reported_;
	// Between reports the remote keeps consuming at its clock: estimate
	// how far, but never more than one report interval, never more than
	// it was sent, and never while paused. Capture is never estimated:
	// it must not point at data that is not in the buffer yet.
	if (playback() && state_ == VCPCM_ST_RUNNING && now_ns > report_ns_) {
		uint64_t ns = min<uint64_t>(now_ns - report_ns_, timing_.report_interval_ns);
		uint64_t frames = quotient(ns * timing_.rate, 1000000000u);
		estimate += min<uint64_t>(frames * frame_bytes_, play_.in_flight());
	}
	returned_ = max(returned_, estimate);
	return returned_;
}

uint32_t Stream::position(uint64_t now_ns)
{
	return remainder(start_off_ + bytes_done(now_ns), sw_bytes_);
}

uint32_t Stream::pointer(uint64_t now_ns)
{
	read_ = bytes_done(now_ns);
	return remainder(start_off_ + read_, sw_bytes_);
}

vcpcm_stream_stats Stream::stats() const
{
	vcpcm_stream_stats st = stats_;
	st.in_flight = in_flight();
	return st;
}

int Stream::on_result(const vcpcm_msg &m, vcpcm_rx_event &ev)
{
	if (!awaited_tag_ || m.tag != awaited_tag_) {
		stats_.stale_rx++;	// the answer to a request given up on
		return 0;
	}
	awaited_tag_ = 0;
	ev.kind = VCPCM_RX_RESULT;
	ev.result = vcpcm_result_errno(m.u.result.success);
	return 0;
}

int Stream::on_complete(const vcpcm_msg &m, vcpcm_rx_event &ev)
{
	if (!playback() || m.u.complete.count < 0)
		return -VCPCM_EPROTO;
	if (!reporting() || m.u.complete.epoch != epoch_) {
		stats_.stale_rx++;	// raced with a stop or re-prepare
		return 0;
	}
	int err = check_sequence(m.u.complete.seq);
	if (err)
		return err;
	int periods = play_.complete(static_cast<uint32_t>(m.u.complete.count));
	if (periods < 0)
		return periods;
	stats_.bytes_rx += static_cast<uint32_t>(m.u.complete.count);
	// The remote made room: refill it from what the application wrote.
	err = refill();
	if (err)
		return err;
	stats_.max_in_flight = max(stats_.max_in_flight, play_.in_flight());
	ev.kind = VCPCM_RX_POSITION;
	ev.periods = static_cast<uint32_t>(periods);
	ev.drained = !play_.in_flight() && !play_.pending();
	// The glue judges it: whether the application let the buffer run dry.
	ev.underrun_bytes = m.u.complete.underrun;
	return 0;
}

int Stream::store_chunk(void *self, const vcpcm_chunk *c)
{
	Stream *s = static_cast<Stream *>(self);
	s->layout_.scatter(s->sw_buf_, c->sw_off, s->rx_payload_ + c->hw_off, c->len);
	return 0;
}

int Stream::on_capture(const vcpcm_msg &m, vcpcm_rx_event &ev)
{
	if (playback())
		return -VCPCM_EPROTO;
	if (!reporting() || m.u.capture.epoch != epoch_) {
		stats_.stale_rx++;
		return 0;
	}
	int err = check_sequence(m.u.capture.seq);
	if (err)
		return err;
	// The remote dropped data before this: a gap the application must
	// hear of. Free-running too (dsnoop's slave): DMA never skips data, and
	// without the xrun dsnoop's clients would read on across the gap.
	if (m.u.capture.lost) {
		stats_.overruns++;
		ev.kind = VCPCM_RX_POSITION;
		ev.overrun = 1;
		return 0;
	}
	rx_payload_ = static_cast<const uint8_t *>(m.payload);
	int periods = cap_.receive(m.payload_len, store_chunk, this);
	rx_payload_ = nullptr;
	if (periods == -VCPCM_EPIPE) {
		// No room: the application fell a buffer behind. Nothing was
		// written; the caller stops the stream (overrun).
		stats_.overruns++;
		ev.kind = VCPCM_RX_POSITION;
		ev.overrun = 1;
		return 0;
	}
	if (periods < 0)
		return periods;
	stats_.bytes_rx += m.payload_len;
	ev.kind = VCPCM_RX_POSITION;
	ev.periods = static_cast<uint32_t>(periods);
	return 0;
}

int Stream::receive(const uint8_t *buf, uint32_t len, const uint8_t *payload, uint32_t payload_len,
		    uint32_t max_payload, uint64_t now_ns, vcpcm_rx_event &ev)
{
	vcpcm_msg m;
	ev = vcpcm_rx_event();
	int err = payload ? decode_parts(buf, len, payload, payload_len, max_payload, m)
			  : decode(buf, len, max_payload, m);
	if (!err) {
		stats_.msgs_rx++;
		switch (m.type) {
		case VCPCM_MSG_RESULT:
			return on_result(m, ev);
		case VCPCM_MSG_COMPLETE:
			err = on_complete(m, ev);
			if (!err && ev.kind == VCPCM_RX_POSITION) {
				note_report(static_cast<uint32_t>(m.u.complete.count), now_ns);
				note_unseen(now_ns, ev);
			}
			break;
		case VCPCM_MSG_CAPTURE:
			err = on_capture(m, ev);
			if (!err && ev.kind == VCPCM_RX_POSITION && !ev.overrun) {
				note_report(m.payload_len, now_ns);
				note_unseen(now_ns, ev);
			}
			break;
		default:
			err = -VCPCM_EPROTO;	// a host-to-remote type
		}
	}
	if (err)
		stats_.bad_rx++;
	return err;
}

} // namespace vcpcm

using vcpcm::Stream;
using vcpcm::object_in;

extern "C" {

void vcpcm_stream_init(vcpcm_stream *s, uint32_t direction, vcpcm_send_fn send, void *chan)
{
	vcpcm::construct_in<Stream>(s)->init(direction, send, chan);
}
vcpcm_stream_state vcpcm_stream_get_state(const vcpcm_stream *s) { return object_in<Stream>(s)->state(); }
uint32_t vcpcm_stream_serial(const vcpcm_stream *s) { return object_in<Stream>(s)->serial(); }
void vcpcm_stream_follow(vcpcm_stream *s, uint32_t serial) { object_in<Stream>(s)->follow(serial); }
int vcpcm_stream_open(vcpcm_stream *s) { return object_in<Stream>(s)->open(); }
int vcpcm_stream_reopen(vcpcm_stream *s) { return object_in<Stream>(s)->reopen(); }
int vcpcm_stream_configure(vcpcm_stream *s, uint32_t wire_format, uint32_t channels, uint32_t rate)
{
	return object_in<Stream>(s)->configure(wire_format, channels, rate);
}
int vcpcm_stream_prepare(vcpcm_stream *s, const vcpcm_ring_geometry *g, const vcpcm_stream_timing *t,
			 const vcpcm_sw_buffer *buf)
{
	return object_in<Stream>(s)->prepare(*g, *t, *buf);
}
int vcpcm_stream_start(vcpcm_stream *s, uint64_t now_ns, uint32_t free_running_lead)
{
	return object_in<Stream>(s)->start(now_ns, free_running_lead);
}

void vcpcm_stream_retime(vcpcm_stream *s, uint32_t report_interval_ns, uint64_t stall_ns)
{
	object_in<Stream>(s)->retime(report_interval_ns, stall_ns);
}
int vcpcm_stream_pause(vcpcm_stream *s, int paused, uint64_t now_ns)
{
	return object_in<Stream>(s)->pause(paused != 0, now_ns);
}
int vcpcm_stream_stop(vcpcm_stream *s) { return object_in<Stream>(s)->stop(); }
int vcpcm_stream_close(vcpcm_stream *s) { return object_in<Stream>(s)->close(); }
int vcpcm_stream_set_control(vcpcm_stream *s, uint32_t volume, uint32_t dest, uint32_t mute)
{
	return object_in<Stream>(s)->set_control(volume, dest, mute);
}
int vcpcm_stream_ack(vcpcm_stream *s, uint64_t appl_ptr) { return object_in<Stream>(s)->ack(appl_ptr); }
void vcpcm_stream_rebase(vcpcm_stream *s, uint64_t appl_ptr) { object_in<Stream>(s)->rebase(appl_ptr); }
int vcpcm_stream_receive(vcpcm_stream *s, const void *msg, uint32_t len, const void *payload,
			 uint32_t payload_len, uint32_t max_payload, uint64_t now_ns, vcpcm_rx_event *ev)
{
	return object_in<Stream>(s)->receive(static_cast<const uint8_t *>(msg), len,
					     static_cast<const uint8_t *>(payload), payload_len,
					     max_payload, now_ns, *ev);
}
uint32_t vcpcm_stream_pointer(vcpcm_stream *s, uint64_t now_ns) { return object_in<Stream>(s)->pointer(now_ns); }
uint32_t vcpcm_stream_position(vcpcm_stream *s, uint64_t now_ns) { return object_in<Stream>(s)->position(now_ns); }
uint64_t vcpcm_stream_frames_done(vcpcm_stream *s, uint64_t now_ns)
{
	return object_in<Stream>(s)->frames_done(now_ns);
}
int vcpcm_stream_stalled(vcpcm_stream *s, uint64_t now_ns) { return object_in<Stream>(s)->stalled(now_ns); }
uint32_t vcpcm_stream_hw_pos(const vcpcm_stream *s) { return object_in<Stream>(s)->hw_pos(); }
uint32_t vcpcm_stream_in_flight(const vcpcm_stream *s) { return object_in<Stream>(s)->in_flight(); }
void vcpcm_stream_get_stats(const vcpcm_stream *s, vcpcm_stream_stats *st) { *st = object_in<Stream>(s)->stats(); }

} // extern "C"

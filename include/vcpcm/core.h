/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entry points of the freestanding C++ core, callable from C.
 *
 * The core is pure logic: it never allocates, sleeps, locks or reads a
 * clock. The caller supplies memory (objects are opaque storage of a fixed
 * size declared here), the time, and serialisation: every call on one
 * object must be made under the caller's lock for that object.
 * Errors are negative VCPCM_E* values (include/vcpcm/errno.h).
 */
#ifndef VCPCM_CORE_H
#define VCPCM_CORE_H

#include "wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Indirect ring manager (pcm-indirect with its edges handled) ------ */

struct vcpcm_ring_geometry {
	uint32_t sw_bytes;	/* the ALSA intermediate buffer */
	uint32_t period_bytes;
	uint32_t frame_bytes;
	uint32_t hw_bytes;	/* the remote FIFO ring (playback) */
	uint32_t queue_limit;	/* most bytes in flight to the remote; 0 = hw_bytes */
	uint32_t max_chunk;	/* most payload bytes in one message */
	uint64_t boundary;	/* ALSA's boundary in frames (appl_ptr wraps here) */
	uint64_t appl_start;	/* appl_ptr (= hw_ptr) when prepared, in frames */
};

/* One contiguous piece to move: never crosses either ring's end. */
struct vcpcm_chunk {
	uint32_t sw_off;	/* offset in the ALSA buffer */
	uint32_t hw_off;	/* playback: remote FIFO offset of the first byte; capture: payload offset */
	uint32_t len;
};

/* Returns 0 when the chunk was moved, or a negative error to stop. */
typedef int (*vcpcm_chunk_fn)(void *ctx, const struct vcpcm_chunk *chunk);

struct vcpcm_pring { uint64_t opaque[16]; };	/* playback ring */
struct vcpcm_cring { uint64_t opaque[16]; };	/* capture ring */

int vcpcm_pring_init(struct vcpcm_pring *r, const struct vcpcm_ring_geometry *g);
/* The application committed up to appl_ptr (frames): new bytes, or -EPIPE/-EINVAL. */
int vcpcm_pring_ack(struct vcpcm_pring *r, uint64_t appl_ptr);
/* Send what is ready, within the in-flight limit: bytes sent, or the sink's error. */
int vcpcm_pring_transfer(struct vcpcm_pring *r, vcpcm_chunk_fn sink, void *ctx);
/* The remote consumed bytes: periods elapsed, or -EIO when more than in flight. */
int vcpcm_pring_complete(struct vcpcm_pring *r, uint32_t bytes);
uint32_t vcpcm_pring_hw_pos(const struct vcpcm_pring *r);	/* byte offset in sw ring */
uint32_t vcpcm_pring_in_flight(const struct vcpcm_pring *r);
uint32_t vcpcm_pring_pending(const struct vcpcm_pring *r);	/* committed, not sent */
/*
 * Play the buffer round and round whatever appl_ptr says, like DMA
 * hardware, lead_bytes ahead of the position: for applications that asked
 * for it (stop_threshold >= boundary; dmix never moves its slave's
 * appl_ptr). Until the next init.
 */
void vcpcm_pring_run_free(struct vcpcm_pring *r, uint32_t lead_bytes);

int vcpcm_cring_init(struct vcpcm_cring *r, const struct vcpcm_ring_geometry *g);
/* The application read up to appl_ptr (frames): bytes freed, or -EPIPE/-EINVAL. */
int vcpcm_cring_ack(struct vcpcm_cring *r, uint64_t appl_ptr);
/*
 * The remote delivered bytes: chunks for the sink; periods elapsed, -EIO,
 * or -EPIPE (nothing written) when they would overwrite unread data.
 */
int vcpcm_cring_receive(struct vcpcm_cring *r, uint32_t bytes, vcpcm_chunk_fn sink, void *ctx);
/* Overwrite unread data like DMA (the application allowed it). Until init. */
void vcpcm_cring_run_free(struct vcpcm_cring *r);
uint32_t vcpcm_cring_hw_pos(const struct vcpcm_cring *r);
/* Bytes delivered over data the application had not read yet (overruns). */
uint64_t vcpcm_cring_overwritten(const struct vcpcm_cring *r);

/* ---- Arithmetic --------------------------------------------------------- */

/*
 * n / d and n % d (d != 0) in 32-bit steps, as the core divides on 32-bit
 * targets (no 64-bit division helpers there); for tests on 64-bit hosts.
 */
uint64_t vcpcm_divide_in_steps(uint64_t n, uint32_t d, uint32_t *rem);

/* ---- Buffer layout ---------------------------------------------------- */

/*
 * The ring counts packed (interleaved) bytes, as sent on the wire; a
 * non-interleaved buffer holds one plane of sw_bytes / channels per
 * channel instead. These copy between the two.
 */
struct vcpcm_frame_layout { uint64_t opaque[3]; };

int vcpcm_layout_init(struct vcpcm_frame_layout *l, uint32_t frame_bytes, uint32_t channels,
		      uint32_t sw_bytes, int noninterleaved);
/* Copy len packed bytes from packed offset off of buf to dst. */
void vcpcm_layout_gather(const struct vcpcm_frame_layout *l, const uint8_t *buf, uint32_t off,
			 uint8_t *dst, uint32_t len);
/* Copy len packed bytes from src into buf at packed offset off. */
void vcpcm_layout_scatter(const struct vcpcm_frame_layout *l, uint8_t *buf, uint32_t off,
			  const uint8_t *src, uint32_t len);

/* ---- Protocol codec ---------------------------------------------------- */

/* A message in decoded form. payload points into the decoded buffer. */
struct vcpcm_msg {
	uint32_t type;
	uint32_t tag;		/* OPEN, CLOSE, CONFIG, CONTROL and their RESULT */
	union {
		struct vcpcm_msg_config config;
		struct vcpcm_msg_control control;
		struct vcpcm_msg_stop stop;
		struct vcpcm_msg_write write;
		struct vcpcm_msg_result result;
		struct vcpcm_msg_complete complete;
		struct vcpcm_msg_capture capture;
		struct vcpcm_msg_pause pause;
		uint32_t epoch;		/* START (AUDS: dummy) */
	} u;
	const void *payload;
	uint32_t payload_len;
};

/* Fixed part of m into buf: its length, or -EMSGSIZE/-EPROTO. */
int vcpcm_msg_encode(const struct vcpcm_msg *m, void *buf, uint32_t cap);
/*
 * Whole message (fixed part + payload): 0, or -EMSGSIZE (truncated,
 * oversized, payload over max_payload) or -EPROTO (unknown type/field).
 */
int vcpcm_msg_decode(const void *buf, uint32_t len, uint32_t max_payload, struct vcpcm_msg *m);
/*
 * Bytes of a message type's fixed part (what comes before its payload), or
 * 0 for an unknown type: lets a transport place the payload apart.
 */
uint32_t vcpcm_msg_fixed_size(uint32_t type);
/*
 * A RESULT's value as the protocol has it: 0 or one of the VCPCM_E* errors.
 * Anything else a remote says (positive, unknown, garbage) is -EPROTO:
 * the answer ends a system call, whose return value must be an errno.
 */
int32_t vcpcm_result_errno(int32_t success);
uint32_t vcpcm_format_bytes(uint32_t wire_format);	/* 0 if unknown */

/* ---- The remote's capabilities (ANNOUNCE) ------------------------------ */

/* a as an ANNOUNCE message into buf: its length, or -EMSGSIZE. */
int vcpcm_announce_encode(const struct vcpcm_msg_announce *a, void *buf, uint32_t cap);
/*
 * An ANNOUNCE: 0; -EPROTO (another message), -EMSGSIZE (wrong length) or
 * -EPROTONOSUPPORT (another protocol version, left in a->version). The
 * values are not judged: vcpcm_announce_problem() does.
 */
int vcpcm_announce_decode(const void *buf, uint32_t len, struct vcpcm_msg_announce *a);
/* NULL when the host can serve a card for a; else what is wrong, for the log. */
const char *vcpcm_announce_problem(const struct vcpcm_msg_announce *a);
/*
 * The shortest period, in µs, that the remote's reports can serve (the
 * shortest buffer is two of them): positions move only at reports.
 */
uint32_t vcpcm_announce_period_us_min(const struct vcpcm_msg_announce *a);
/*
 * The most audio, in bytes per second, the remote's FIFO can take: it must
 * hold two report intervals, as the host refills it only at reports. Never
 * more than VCPCM_ANNOUNCE_BYTES_PER_S_CAP (so that 8 times it fits 32 bits).
 */
#define VCPCM_ANNOUNCE_BYTES_PER_S_CAP (1u << 28)
uint32_t vcpcm_announce_bytes_per_s_max(const struct vcpcm_msg_announce *a);

/* ---- Stream: state machine + ring + protocol, one per substream ------- */

enum vcpcm_stream_state {
	VCPCM_ST_CLOSED, VCPCM_ST_OPEN, VCPCM_ST_PREPARED, VCPCM_ST_RUNNING,
	VCPCM_ST_STOPPED, VCPCM_ST_XRUN, VCPCM_ST_PAUSED, VCPCM_ST_COUNT
};
enum vcpcm_stream_event {
	VCPCM_EV_OPEN, VCPCM_EV_PREPARE, VCPCM_EV_START, VCPCM_EV_STOP,
	VCPCM_EV_XRUN, VCPCM_EV_CLOSE, VCPCM_EV_PAUSE, VCPCM_EV_RESUME, VCPCM_EV_COUNT
};
/* The state after ev, or -EBADFD when ev is not allowed in from. */
int vcpcm_state_next(enum vcpcm_stream_state from, enum vcpcm_stream_event ev);

/* How the core sends: one message, fixed part then payload (may be NULL). */
typedef int (*vcpcm_send_fn)(void *chan, const void *msg, uint32_t len,
			     const void *payload, uint32_t payload_len);

struct vcpcm_stream_stats {
	uint64_t msgs_tx, msgs_rx, bytes_tx, bytes_rx;
	uint64_t stale_rx;	/* messages for an older start (ignored) */
	uint64_t bad_rx;	/* malformed or impossible messages */
	uint64_t seq_errors;	/* reports lost, repeated or out of order */
	uint64_t overruns;	/* capture: data with no room left, or lost by the remote */
	uint64_t max_report_gap_ns;	/* longest wait between two reports while running */
	uint32_t max_in_flight;	/* most bytes queued at the remote at once */
	uint32_t in_flight;	/* bytes queued at the remote now */
};

/* How time maps to the stream, for the interpolated position. */
struct vcpcm_stream_timing {
	uint32_t rate;			/* frames per second */
	uint32_t report_interval_ns;	/* how often the remote reports */
	/*
	 * A running stream with no report for this long has lost its remote
	 * (0: never), plus start_latency_ns: the remote's clocks may take that
	 * long to start.
	 */
	uint64_t stall_ns;
	uint64_t start_latency_ns;
	/* The remote's reports carry no sequence numbers: none are checked. */
	uint32_t unnumbered;
};

/*
 * How often a stream needs a report from the remote. A client woken at
 * period boundaries needs one at each boundary and no more, as a DMA
 * engine's period interrupt: a period. Finer reports bought nothing there
 * and their clock interrupts delayed the client's own wakeups (measured in
 * UML, docs/performance.md). A quarter period where the host acts between
 * boundaries: playback sent at reports (run free as dmix's slave is,
 * refilled a period ahead of the position at each; or committed through a
 * mapped control record); a client that turned period wakeups off
 * (PipeWire, PulseAudio, CRAS) and reads the position on its own timer, at a
 * quantum the driver never learns, when the transport reports capture as the
 * position is read (playback is estimated between reports anyway); without
 * that, such a client gets the remote's finest clock. Always: no longer than
 * it takes to play half the remote's FIFO (the host refills it at each
 * report), never longer than VCPCM_REPORT_INTERVAL_MAX_NS and never shorter
 * than the remote's finest clock.
 */
#define VCPCM_REPORT_INTERVAL_MAX_NS	10000000u
struct vcpcm_report_needs {
	uint32_t finest_ns;	/* the remote's finest report interval */
	uint32_t period_bytes;
	uint32_t fifo_bytes;	/* the remote's FIFO per channel */
	uint32_t rate;
	uint32_t frame_bytes;
	uint32_t no_period_wakeup;	/* the client wakes on its own timer */
	/*
	 * Playback that reaches the remote only at reports: run free (dmix's
	 * slave, sent round the buffer a period ahead of the position) or
	 * committed through a mapped control record (followed at reports).
	 */
	uint32_t sent_at_reports;
	uint32_t positions_on_read;	/* a position read brings the capture due */
	uint32_t fixed_cadence;	/* the remote reports at finest_ns, whatever we ask */
};
uint32_t vcpcm_report_interval_ns(const struct vcpcm_report_needs *n);

/* The ALSA intermediate buffer, as prepared. */
struct vcpcm_sw_buffer {
	uint8_t *area;
	uint32_t channels;
	uint32_t noninterleaved;	/* one plane per channel */
	/*
	 * Playback, non-interleaved only: room to interleave one message's
	 * payload (at least the geometry's max_chunk bytes). Interleaved
	 * playback sends straight from the buffer.
	 */
	uint8_t *staging;
	uint32_t staging_bytes;
};

struct vcpcm_stream { uint64_t opaque[68]; };

void vcpcm_stream_init(struct vcpcm_stream *s, uint32_t direction, vcpcm_send_fn send, void *chan);
/*
 * Request tags and START epochs only grow over a substream's lives (each
 * open constructs the stream afresh): the largest used so far, and, for a
 * stream just constructed, carry on after it. A late answer or report of
 * an earlier open is then never taken for one of this.
 */
uint32_t vcpcm_stream_serial(const struct vcpcm_stream *s);
void vcpcm_stream_follow(struct vcpcm_stream *s, uint32_t serial);
enum vcpcm_stream_state vcpcm_stream_get_state(const struct vcpcm_stream *s);
int vcpcm_stream_open(struct vcpcm_stream *s);
/* Sends OPEN again to a remote that forgot the channel (it restarted). */
int vcpcm_stream_reopen(struct vcpcm_stream *s);
/*
 * Sends CONFIG (the remote resets the channel); the caller waits for RESULT.
 * Until prepare() follows, the stream takes no data and cannot start: what
 * an ack sent meanwhile would sit at the remote, forgotten by the host.
 */
int vcpcm_stream_configure(struct vcpcm_stream *s, uint32_t wire_format,
			   uint32_t channels, uint32_t rate);
int vcpcm_stream_prepare(struct vcpcm_stream *s, const struct vcpcm_ring_geometry *g,
			 const struct vcpcm_stream_timing *t, const struct vcpcm_sw_buffer *buf);
/*
 * free_running_lead: 0, or playback runs free that far ahead
 * (vcpcm_pring_run_free); for capture, nonzero lets capture run over data
 * the application has not read (its stop threshold is beyond the buffer).
 */
int vcpcm_stream_start(struct vcpcm_stream *s, uint64_t now_ns, uint32_t free_running_lead);
/*
 * Before a start: the report interval and stall time that start runs with
 * (how a stream runs is known only at START: alsa-lib sets the sw_params
 * after hw_params has prepared the stream).
 */
void vcpcm_stream_retime(struct vcpcm_stream *s, uint32_t report_interval_ns, uint64_t stall_ns);
int vcpcm_stream_stop(struct vcpcm_stream *s);
/* Freeze (paused = 1) or resume (0) the stream; the remote keeps its FIFO. */
int vcpcm_stream_pause(struct vcpcm_stream *s, int paused, uint64_t now_ns);
int vcpcm_stream_close(struct vcpcm_stream *s);
int vcpcm_stream_set_control(struct vcpcm_stream *s, uint32_t volume, uint32_t dest, uint32_t mute);
/*
 * Playback: send what the application committed. Capture: note what it
 * read. Also while paused (sent at once, within the remote's room).
 */
int vcpcm_stream_ack(struct vcpcm_stream *s, uint64_t appl_ptr);
/*
 * ALSA moved appl_ptr back to the position (SNDRV_PCM_IOCTL_RESET, which
 * never calls .ack): playback drops what was committed and not sent, and
 * does not send again what the application rewrites over bytes already at
 * the remote; capture discards what was read. The stream keeps running.
 */
void vcpcm_stream_rebase(struct vcpcm_stream *s, uint64_t appl_ptr);

enum vcpcm_rx_kind { VCPCM_RX_NONE, VCPCM_RX_RESULT, VCPCM_RX_POSITION };
struct vcpcm_rx_event {
	uint32_t kind;		/* enum vcpcm_rx_kind */
	int32_t result;		/* RESULT: the remote's answer */
	uint32_t periods;	/* POSITION: period boundaries crossed */
	uint32_t drained;	/* POSITION: playback has nothing left anywhere */
	/*
	 * POSITION: the stream moved a whole buffer or more since the position
	 * was last read (vcpcm_stream_pointer): ALSA, which sees the position
	 * modulo the buffer, cannot tell and would lose a buffer. An xrun.
	 */
	uint32_t lapped;
	/* POSITION: bytes the position moved since it was last read (capped at 4 GiB) */
	uint32_t unseen_bytes;
	/*
	 * POSITION, playback: the remote played this much silence because its
	 * FIFO ran dry (not for free-running playback). An underrun.
	 */
	uint32_t underrun_bytes;
	/*
	 * POSITION, capture: data arrived with no room for it (the application
	 * is a buffer behind and did not allow overwriting), or the remote
	 * lost some before it. Nothing was written and the position did not
	 * move: the caller stops the stream.
	 */
	uint32_t overrun;
};
/*
 * A message from the remote: its fixed part and payload, or (payload NULL)
 * the whole message contiguous in msg. -EIO/-EPROTO/-EMSGSIZE, or -EILSEQ
 * (a report lost, repeated or out of order): the stream must xrun; nothing
 * was written.
 */
int vcpcm_stream_receive(struct vcpcm_stream *s, const void *msg, uint32_t len,
			 const void *payload, uint32_t payload_len, uint32_t max_payload,
			 uint64_t now_ns, struct vcpcm_rx_event *ev);
/*
 * Has the remote stopped reporting on a running stream for longer than
 * timing.stall_ns + timing.start_latency_ns? Playback only counts while the
 * remote holds data to report on. Called periodically (it notes when
 * playback was idle); the caller stops the stream (xrun): reports lost, a
 * stalled or reset remote.
 */
int vcpcm_stream_stalled(struct vcpcm_stream *s, uint64_t now_ns);
/* What the remote has really consumed (playback) or delivered (capture): bytes in sw ring. */
uint32_t vcpcm_stream_hw_pos(const struct vcpcm_stream *s);
/*
 * The position for ALSA's .pointer, in bytes in the sw ring. Playback
 * interpolates between reports against the clock (at most one report
 * interval ahead, never past what was sent, never backwards); capture
 * never runs ahead of the data in the buffer.
 */
uint32_t vcpcm_stream_pointer(struct vcpcm_stream *s, uint64_t now_ns);
/* The same position, without counting it as read (for the glue's own checks). */
uint32_t vcpcm_stream_position(struct vcpcm_stream *s, uint64_t now_ns);
/* Frames played (playback, interpolated) or captured since prepare. */
uint64_t vcpcm_stream_frames_done(struct vcpcm_stream *s, uint64_t now_ns);
uint32_t vcpcm_stream_in_flight(const struct vcpcm_stream *s);	/* bytes at the remote */
void vcpcm_stream_get_stats(const struct vcpcm_stream *s, struct vcpcm_stream_stats *st);

/* ---- Fixed-point gain (the remote's mixer) ----------------------------- */

/* Gain for centibel (hundredths of a dB, -10239..400) in Q30; 0 when muted. */
int64_t vcpcm_gain_q30(int32_t centibel, int mute);
/* Scale len bytes of samples of wire_format in place. */
void vcpcm_gain_apply(int32_t centibel, int mute, uint32_t wire_format, uint8_t *data, uint32_t len);
/* One IEEE-754 single (as bits) times a Q30 gain, in integer arithmetic. */
uint32_t vcpcm_gain_scale_float(uint32_t bits, int64_t q30);

/* ---- The emulated coprocessor (the far side, as firmware would be) ---- */

#define VCPCM_EMU_MAX_PAIRS	8

struct vcpcm_emu_params {
	uint32_t pairs;		/* playback/capture channel pairs, 1..8 */
	uint32_t fifo_bytes;	/* each playback FIFO and capture staging area */
	uint32_t max_payload;	/* most payload bytes per CAPTURE message */
	/*
	 * The sample clock starts this long after START, as firmware that
	 * takes time to open its output (at most 1 s).
	 */
	uint32_t start_latency_us;
};

/* A message the remote emits. hdr holds the fixed part. */
struct vcpcm_emu_out {
	uint32_t chan;
	uint32_t len;
	uint8_t hdr[VCPCM_MSG_MAX_FIXED];
	const void *payload;
	uint32_t payload_len;
};

struct vcpcm_emu;
/* Channel numbering: playback pair i = i, capture pair i = VCPCM_EMU_MAX_PAIRS + i. */
#define VCPCM_EMU_CHAN(dir, pair)	((dir) * VCPCM_EMU_MAX_PAIRS + (pair))

/*
 * What the emulated remote announces (its ANNOUNCE, as any remote's): every
 * format, 8000..192000 Hz, 1..8 channels, pairs channels each way, pause,
 * numbered reports, paced by the host no finer than finest_report_ns.
 */
void vcpcm_emu_announce(const struct vcpcm_emu_params *p, uint32_t finest_report_ns,
			struct vcpcm_msg_announce *a);

/* Bytes of memory vcpcm_emu_init needs, or 0 for invalid params. */
uint64_t vcpcm_emu_mem_size(const struct vcpcm_emu_params *p);
struct vcpcm_emu *vcpcm_emu_init(void *mem, uint64_t mem_size, const struct vcpcm_emu_params *p);
/*
 * A host message (fixed part + payload). May fill *reply (RESULT); returns
 * 1 when it did, 0 when not, or a negative error for a rejected message.
 */
int vcpcm_emu_handle(struct vcpcm_emu *e, uint32_t chan, const void *msg, uint32_t len,
		     const void *payload, uint32_t payload_len, uint64_t now_ns,
		     struct vcpcm_emu_out *reply);
/*
 * Advance the sample clocks to now_ns. Returns the number of messages in
 * *out (valid until the next tick); they must be delivered in order.
 */
uint32_t vcpcm_emu_tick(struct vcpcm_emu *e, uint64_t now_ns, const struct vcpcm_emu_out **out);
/*
 * A capture channel's reports up to now_ns, between ticks (a position read
 * by the host): the messages in *out are all for chan and replace the last
 * tick's outbox, so the caller must have delivered that first. 0 when the
 * next tick must report instead (not running, faults set, playback draining).
 */
uint32_t vcpcm_emu_poll_capture(struct vcpcm_emu *e, uint32_t chan, uint64_t now_ns,
				const struct vcpcm_emu_out **out);
int vcpcm_emu_running(const struct vcpcm_emu *e);	/* any clock running */
int vcpcm_emu_clocked(const struct vcpcm_emu *e, uint32_t chan);	/* chan's clock running */

/*
 * Faults the emulated remote injects into its reports (COMPLETE, CAPTURE)
 * on purpose, for reliability tests. Off until asked for.
 */
enum vcpcm_fault {
	VCPCM_FAULT_NONE,	/* clear the channel's faults (and release held reports) */
	VCPCM_FAULT_DROP,	/* a report never arrives */
	VCPCM_FAULT_DELAY,	/* reports are held delay_ms, then sent together */
	VCPCM_FAULT_DUPLICATE,	/* a report arrives twice */
	VCPCM_FAULT_REORDER,	/* a report arrives after the next one */
	VCPCM_FAULT_BAD_TYPE,	/* a report with an unknown message type */
	VCPCM_FAULT_TRUNCATE,	/* a report one byte short */
	VCPCM_FAULT_OVERCOUNT,	/* COMPLETE: more than in flight; CAPTURE: more than carried */
	VCPCM_FAULT_OVERLONG,	/* CAPTURE: payload past the largest message; COMPLETE: negative */
	VCPCM_FAULT_STALL,	/* no report at all, until cleared */
	VCPCM_FAULT_RESET,	/* the remote restarts: every channel closed, FIFOs emptied */
	VCPCM_FAULT_NO_ANSWER,	/* requests are neither applied nor answered, until cleared */
	VCPCM_FAULT_COUNT
};

struct vcpcm_emu_fault {
	uint32_t kind;		/* enum vcpcm_fault */
	int32_t chan;		/* whose reports; -1: every channel (RESET: always all) */
	uint32_t count;		/* reports hit (DROP..OVERLONG); 0: every one until cleared */
	uint32_t delay_ms;	/* DELAY: how long reports are held (1..60000) */
};

/* 0, or -EINVAL for an unknown kind, channel or delay. */
int vcpcm_emu_inject(struct vcpcm_emu *e, const struct vcpcm_emu_fault *f, uint64_t now_ns);
/* The fault's name for debugfs ("drop", "bad-type", ...), or NULL past the last. */
const char *vcpcm_emu_fault_name(uint32_t kind);
/* Faults injected so far: reports hit, plus every DELAY, STALL and RESET. */
uint64_t vcpcm_emu_faults_injected(const struct vcpcm_emu *e);

/*
 * What the model plays into and records from, and whose clock paces it, for
 * a remote with real audio behind it (vcpcm-remote's wav and alsa modes).
 * Without it (the default; the kernel's emulated card never sets one)
 * playback N loops back to capture N at the model's own clock. Every member
 * is optional: NULL keeps the model's own behaviour for that part. The
 * callbacks run inside vcpcm_emu_handle (event) and vcpcm_emu_tick (the
 * others), under the caller's serialisation; chan as in VCPCM_EMU_CHAN.
 */
enum vcpcm_emu_io_event {
	VCPCM_EMU_IO_CONFIG,	/* CONFIG passed the model's checks: c is the format; an error refuses it */
	VCPCM_EMU_IO_START,	/* START: the clock starts; an error refuses it (no reports follow) */
	VCPCM_EMU_IO_PAUSE,	/* the clock freezes, the FIFO stays */
	VCPCM_EMU_IO_RESUME,
	VCPCM_EMU_IO_STOP,	/* the run is over: STOP, a drain that ended, CLOSE or OPEN of a running channel */
	VCPCM_EMU_IO_CLOSE,	/* the channel closes (CLOSE, or OPEN again) */
};

struct vcpcm_emu_io {
	void *ctx;
	/* 0, or a negative VCPCM_E* error (CONFIG: the host gets it as the RESULT). */
	int (*event)(void *ctx, uint32_t chan, uint32_t event, const struct vcpcm_msg_config *c);
	/*
	 * Frames the channel's clock advanced since the last call (asked once
	 * per tick while it runs): replaces the model's clock and its start
	 * latency, so that a real device's clock paces the reports.
	 */
	uint32_t (*due)(void *ctx, uint32_t chan);
	/*
	 * Playback chan plays len bytes of whole frames: data after the mixer,
	 * or silence where data is NULL (the FIFO ran dry). Returns the bytes
	 * of silence the output inserted itself (it fell behind), reported as
	 * an underrun. Set, playback no longer loops back to capture.
	 */
	uint32_t (*play)(void *ctx, uint32_t chan, const uint8_t *data, uint32_t len);
	/*
	 * Capture chan records len bytes of whole frames into dst. Returns the
	 * bytes the input lost before them (reported to the host as lost). Set,
	 * capture no longer hears the paired playback (nor silence).
	 */
	uint32_t (*capture)(void *ctx, uint32_t chan, uint8_t *dst, uint32_t len);
};

/* Use io (copied; NULL: none again). Before the first message. */
void vcpcm_emu_set_io(struct vcpcm_emu *e, const struct vcpcm_emu_io *io);

struct vcpcm_emu_chan_stats {
	uint64_t bytes_played, underrun_bytes, bytes_captured, dropped_bytes;
	uint32_t fifo_level;
};
void vcpcm_emu_get_stats(const struct vcpcm_emu *e, uint32_t chan, struct vcpcm_emu_chan_stats *st);

#ifdef __cplusplus
}
#endif
#endif /* VCPCM_CORE_H */

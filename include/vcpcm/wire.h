/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vcpcm wire format: the messages exchanged with the remote audio processor.
 * docs/protocol.md describes it for remote authors.
 *
 * The protocol is *derived from* the Raspberry Pi VideoCore audio service
 * ('AUDS', version 2) but is not byte compatible with it: the type numbers
 * 0..8 keep their AUDS meaning, and everything else differs. The firmware
 * sends every message as the whole 20-byte union (struct vc_audio_msg); here
 * each message is only as long as its own fields. AUDS's COMPLETE echoes
 * the two cookies of the WRITE it answers; here those words are a report
 * sequence number and the START epoch. AUDS sends a WRITE's audio as
 * separate messages of at most 4000 bytes; here the payload follows the
 * WRITE's fixed part in the same message. AUDS's CONTROL volume is in the
 * firmware's own units; here it is hundredths of a dB. Requests carry a tag
 * that their RESULT echoes, COMPLETE reports the silence played when the
 * FIFO ran dry, and capture (CAPTURE, which reports data the remote lost)
 * and PAUSE are extensions that AUDS does not have. Talking to real VideoCore firmware needs a translating
 * bridge or dialect.
 *
 * All fields are little-endian, fixed width, no padding. Shared by the C glue
 * and the C++ core; include nothing but this file's own needs.
 */
#ifndef VCPCM_WIRE_H
#define VCPCM_WIRE_H

#if defined(__KERNEL__) && !defined(__cplusplus)
#include <linux/types.h>	/* kernel C: uint32_t and friends */
#else
#include <stdint.h>		/* C++ core: the compiler's freestanding header */
#include <stddef.h>
#endif

#define VCPCM_FOURCC(a, b, c, d) \
	((uint32_t)(a) | ((uint32_t)(b) << 8) | ((uint32_t)(c) << 16) | ((uint32_t)(d) << 24))
#define VCPCM_SERVICE_NAME	VCPCM_FOURCC('A', 'U', 'D', 'S')
#define VCPCM_WRITE_COOKIE1	VCPCM_FOURCC('B', 'C', 'M', 'A')
#define VCPCM_WRITE_COOKIE2	VCPCM_FOURCC('D', 'A', 'T', 'A')
#define VCPCM_PROTOCOL_VERSION	4

enum vcpcm_msg_type {
	VCPCM_MSG_RESULT = 0,	/* remote -> host: answer to OPEN/CLOSE/CONFIG/CONTROL */
	VCPCM_MSG_COMPLETE = 1,	/* remote -> host: bytes consumed from the FIFO */
	VCPCM_MSG_CONFIG = 2,
	VCPCM_MSG_CONTROL = 3,
	VCPCM_MSG_OPEN = 4,
	VCPCM_MSG_CLOSE = 5,
	VCPCM_MSG_START = 6,
	VCPCM_MSG_STOP = 7,
	VCPCM_MSG_WRITE = 8,	/* host -> remote: playback data follows */
	VCPCM_MSG_EXT_BASE = 0x100,
	VCPCM_MSG_CAPTURE = 0x100,	/* remote -> host: capture data follows */
	VCPCM_MSG_PAUSE = 0x101,	/* host -> remote: freeze/resume the clock, keep the FIFO */
	VCPCM_MSG_ANNOUNCE = 0x102,	/* remote -> host, first and once: what it can do */
};

/* Sample formats of the CONFIG extension (AUDS itself only knows bps). */
enum vcpcm_wire_format {
	VCPCM_FMT_U8 = 0,
	VCPCM_FMT_S16_LE = 1,
	VCPCM_FMT_S24_LE = 2,	/* 24 bits in the low bytes of 32 */
	VCPCM_FMT_S32_LE = 3,
	VCPCM_FMT_FLOAT_LE = 4,
	VCPCM_FMT_COUNT
};

enum vcpcm_direction { VCPCM_DIR_PLAYBACK = 0, VCPCM_DIR_CAPTURE = 1 };

struct vcpcm_msg_config {
	uint32_t channels;
	uint32_t samplerate;
	uint32_t bps;		/* AUDS: bits per sample as stored */
	uint32_t format;	/* extension: enum vcpcm_wire_format */
	uint32_t direction;	/* extension: enum vcpcm_direction */
	/* then the request's tag (u32) */
};

struct vcpcm_msg_control {
	uint32_t volume;	/* gain in 1/100 dB, two's complement (-10239..400) */
	uint32_t dest;		/* AUDS: output route (0 auto, 1 headphones, 2 HDMI) */
	uint32_t mute;		/* extension: 1 = silence */
	/* then the request's tag (u32) */
};

/* OPEN and CLOSE: one word, the request's tag. */

struct vcpcm_msg_stop {
	uint32_t draining;
};

struct vcpcm_msg_write {
	uint32_t count;		/* payload bytes that follow */
	uint32_t cookie1;
	uint32_t cookie2;
	int16_t silence;
	int16_t max_packet;
};

/*
 * Requests (OPEN, CLOSE, CONFIG, CONTROL) end with a tag the host chose;
 * the RESULT answering one echoes it, so a late answer to a request the
 * host gave up on is never taken for the answer to the next one.
 */
struct vcpcm_msg_result {
	int32_t success;	/* 0 or a negative errno */
	/* then the request's tag (u32) */
};

/*
 * Reports (COMPLETE, CAPTURE) carry a sequence number: 1 for the first
 * report on a channel after START, then one more per report. A gap, a
 * repeat or a step back means a report was lost, duplicated or reordered
 * on the link, and the host stops the stream instead of guessing.
 * (AUDS echoes two host cookies in COMPLETE; vcpcm uses those two words
 * for the sequence number and the START epoch.)
 *
 * underrun: bytes of silence the remote played, since its last report,
 * because its FIFO ran dry while running (not while draining). A remote
 * that runs dry must say so: the host makes it an xrun the application
 * sees instead of silence inserted into its stream.
 */
struct vcpcm_msg_complete {
	int32_t count;		/* bytes the remote consumed since the last COMPLETE */
	uint32_t seq;		/* report sequence number since START */
	uint32_t epoch;		/* the START epoch: reports of an older start are stale */
	uint32_t underrun;	/* bytes of silence played because the FIFO ran dry */
};

struct vcpcm_msg_pause {
	uint32_t paused;	/* 1: freeze, 0: resume */
};

/*
 * lost: bytes of capture the remote could not keep since its last report
 * (its own buffer overflowed while reports were held back). Like underrun
 * for playback: the host makes it an xrun instead of a silent gap.
 */
struct vcpcm_msg_capture {
	uint32_t count;		/* payload bytes that follow */
	uint32_t epoch;		/* the START this data belongs to: stale data is dropped */
	uint32_t seq;		/* report sequence number since START */
	uint32_t lost;		/* bytes the remote dropped before this message */
};

/*
 * ANNOUNCE: the remote's capabilities, the first message it sends and on
 * no channel (it describes the card). The host builds the card from it, or
 * refuses the remote with an error naming the field. version comes first so
 * that a remote of another protocol version is told apart from a malformed
 * one whatever the rest of its layout.
 */
#define VCPCM_ANNOUNCE_MAX_CHANS	8	/* per direction */
#define VCPCM_ANNOUNCE_RATE_MIN		8000
#define VCPCM_ANNOUNCE_RATE_MAX		192000
#define VCPCM_ANNOUNCE_CHANNELS_MAX	8

enum vcpcm_announce_flags {
	/*
	 * Reports come at report_ns whatever the host asks (the VideoCore's
	 * ~10 ms); without it the host paces them (at report_ns or coarser).
	 */
	VCPCM_CAP_FIXED_CADENCE = 1u << 0,
	VCPCM_CAP_PAUSE = 1u << 1,	/* PAUSE is understood */
	VCPCM_CAP_NUMBERED = 1u << 2,	/* COMPLETE/CAPTURE carry seq numbers */
	VCPCM_CAP_ALL = (1u << 3) - 1,
};

struct vcpcm_msg_announce {
	uint32_t version;	/* VCPCM_PROTOCOL_VERSION the remote speaks */
	uint32_t formats;	/* bit (1 << enum vcpcm_wire_format) per format */
	uint32_t rate_min, rate_max;	/* Hz, within 8000..192000 */
	uint32_t channels_min, channels_max;	/* within 1..8 */
	uint32_t playback_chans;	/* channels 0..n-1 of playback, 0..8 */
	uint32_t capture_chans;		/* channels 8..8+n-1, 0..8 */
	uint32_t fifo_bytes;	/* the remote's FIFO per playback channel */
	uint32_t max_payload;	/* largest payload in one WRITE or CAPTURE */
	uint32_t report_ns;	/* the finest (or the fixed) report interval */
	uint32_t start_latency_ns;	/* START to the first sample, at most */
	uint32_t flags;		/* enum vcpcm_announce_flags */
};

/* Size of each message's fixed part: the 32-bit type plus its body. */
#define VCPCM_MSG_HDR_SIZE	4u
#define VCPCM_MSG_MAX_FIXED	(VCPCM_MSG_HDR_SIZE + 24u)
#define VCPCM_MSG_ANNOUNCE_SIZE	(VCPCM_MSG_HDR_SIZE + 52u)

#endif /* VCPCM_WIRE_H */

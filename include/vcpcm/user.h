/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/vcpcm: a user-space process as the remote behind a snd-vcpcm card.
 * docs/protocol.md (section "User-space remotes") describes it. Remote
 * authors include this file and vcpcm/wire.h.
 *
 * Every read() returns one frame, every write() takes one: a frame header,
 * then one message in the wire format (fixed part, then its payload).
 * The first frame a process writes is on VCPCM_USER_CHAN_CARD: its ANNOUNCE
 * message, optionally followed by the card's id (up to 15 characters,
 * NUL-padded to VCPCM_USER_ID_LEN bytes). The card then appears; the host's
 * messages arrive by read(), the remote's answers go by write(). Closing
 * the device (or dying) disconnects the card.
 *
 * One copy per byte: the host's messages are written once, straight from
 * the application's buffer, into a queue the process may mmap() (struct
 * vcpcm_user_queue) and read in place instead of read()ing a copy; a
 * write()'s payload is copied once, straight into the card's buffer.
 */
#ifndef VCPCM_USER_H
#define VCPCM_USER_H

#include "wire.h"

#define VCPCM_USER_DEVICE	"/dev/vcpcm"
#define VCPCM_USER_CHAN_CARD	0xffffffffu	/* the card itself: ANNOUNCE */
#define VCPCM_USER_ID_LEN	16

struct vcpcm_user_frame {
	uint32_t chan;	/* playback N: N, capture N: 8 + N; or VCPCM_USER_CHAN_CARD */
	uint32_t len;	/* bytes of the message that follows */
};

/* The largest frame either way: a read() buffer of this size always fits. */
#define VCPCM_USER_FRAME_MAX	(8u + VCPCM_MSG_MAX_FIXED + 65536u)

/*
 * The queue of host messages, shared: mmap(NULL, data_offset + size,
 * PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) (map the first page alone to
 * learn the two). Frames lie in the data area from tail to head, each at
 * an offset that is a multiple of VCPCM_USER_QUEUE_ALIGN, never across its
 * end: where one would not fit, a frame on VCPCM_USER_CHAN_PAD fills the
 * rest of the area and the next starts at offset 0. Positions count bytes
 * and wrap at 2^32; a position's offset in the area is pos & (size - 1).
 * The process consumes frames in place, then stores the new tail (with
 * release order, after its last read of them). The host never trusts what
 * it finds there: a tail that is not possible stops the card's streams.
 * read() takes frames from the same queue (it moves tail too).
 */
struct vcpcm_user_queue {
	uint32_t head;		/* host: where the next frame will start */
	uint32_t tail;		/* process: the start of the first frame not consumed */
	uint32_t size;		/* bytes in the data area: a power of two */
	uint32_t data_offset;	/* where the data area starts in the mapping */
};

#define VCPCM_USER_CHAN_PAD	0xfffffffeu	/* filler to the data area's end */
#define VCPCM_USER_QUEUE_ALIGN	8u
#define VCPCM_USER_QUEUE_BYTES	(1u << 20)	/* the data area's size */

#endif /* VCPCM_USER_H */

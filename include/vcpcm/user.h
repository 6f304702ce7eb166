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

#endif /* VCPCM_USER_H */

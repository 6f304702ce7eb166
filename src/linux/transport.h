/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transport shim: how the driver reaches the remote audio processor.
 *
 * A transport has one channel per substream. The driver sends messages
 * (fixed part + optional payload) and receives the remote's messages
 * through a callback. The remote's first message, ANNOUNCE, says what it
 * can do (capabilities.c builds the card from it). Backends: the emulated
 * coprocessor (transport_emu.c) and a user-space process (transport_user.c).
 *
 * Rules every backend keeps, so the PCM can stay atomic:
 *  - send() never calls back into the receiver (replies arrive later, from
 *    the backend's own context), and never sleeps unless send_may_sleep;
 *  - after detach() returns, the receiver is not running and never will be.
 */
#ifndef VCPCM_TRANSPORT_H
#define VCPCM_TRANSPORT_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include "vcpcm/core.h"

struct vcpcm_transport;
struct dentry;

/* A message from the remote; msg NULL: the remote went away for good. */
typedef void (*vcpcm_rx_fn)(void *ctx, const void *msg, u32 len,
			    const void *payload, u32 payload_len);

struct vcpcm_chan {
	struct vcpcm_transport *transport;
	u32 id;
	vcpcm_rx_fn rx;		/* protected by the backend's receive lock */
	void *rx_ctx;
};

struct vcpcm_transport_ops {
	int (*send)(struct vcpcm_chan *chan, const void *msg, u32 len,
		    const void *payload, u32 payload_len);
	void (*attach)(struct vcpcm_chan *chan, vcpcm_rx_fn rx, void *ctx);
	void (*detach)(struct vcpcm_chan *chan);
	/*
	 * A START went out on chan: a clock may need to run, reporting at
	 * least every report_ns (never finer than report_interval_ns, the
	 * backend's finest), for a stream of rate frames per second whose
	 * clock started before this call. on_boundaries: each report marks a
	 * period boundary that a client wakes at, so none may come early.
	 * Atomic-safe.
	 */
	void (*started)(struct vcpcm_chan *chan, u32 report_ns, u32 rate, bool on_boundaries);
	/*
	 * Optional, capture: hand chan's reports due by now to rx(ctx, ...)
	 * at once, in the caller's context (a position read, under the stream
	 * lock), in order with those the backend delivers itself; none when
	 * it cannot now. rx must not send. Atomic-safe.
	 */
	void (*poll)(struct vcpcm_chan *chan, vcpcm_rx_fn rx, void *ctx);
	/* Optional: the backend's own debugfs files, in the card's directory. */
	void (*debugfs_init)(struct vcpcm_transport *t, struct dentry *dir);
	void (*destroy)(struct vcpcm_transport *t);
};

struct vcpcm_transport {
	const struct vcpcm_transport_ops *ops;
	const char *name;
	/* The remote's ANNOUNCE as it arrived, and what it says once accepted. */
	const void *announce;
	u32 announce_len;
	struct vcpcm_msg_announce caps;
	bool send_may_sleep;	/* true: the PCM must be nonatomic */
	struct vcpcm_chan chans[2 * VCPCM_ANNOUNCE_MAX_CHANS];
};

static inline struct vcpcm_chan *vcpcm_transport_chan(struct vcpcm_transport *t,
						      int dir, unsigned int index)
{
	return &t->chans[dir * VCPCM_ANNOUNCE_MAX_CHANS + index];
}

/* A new transport's channels: each knows its transport and its number. */
static inline void vcpcm_transport_init_chans(struct vcpcm_transport *t)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(t->chans); i++) {
		t->chans[i].transport = t;
		t->chans[i].id = i;
	}
}

/* attach()/detach() for a backend that delivers under its own rx_lock. */
static inline void vcpcm_chan_set_rx(struct vcpcm_chan *chan, spinlock_t *rx_lock,
				     vcpcm_rx_fn rx, void *ctx)
{
	unsigned long flags;

	spin_lock_irqsave(rx_lock, flags);
	chan->rx = rx;
	chan->rx_ctx = ctx;
	spin_unlock_irqrestore(rx_lock, flags);
}

struct vcpcm_emu_config {
	u32 pairs;
	u32 fifo_bytes;
	u32 tick_us;
	u32 latency_us;		/* the remote's start-up latency */
	u32 max_payload;	/* largest payload per message */
};

struct vcpcm_transport *vcpcm_emu_transport_create(const struct vcpcm_emu_config *cfg);

#endif /* VCPCM_TRANSPORT_H */

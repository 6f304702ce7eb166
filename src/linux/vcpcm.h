/* SPDX-License-Identifier: GPL-2.0 */
/* snd-vcpcm glue: what the card, PCM and test code share. */
#ifndef VCPCM_GLUE_H
#define VCPCM_GLUE_H

#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/timer.h>
#include <sound/core.h>
#include <sound/pcm.h>

#include "vcpcm/core.h"
#include "vcpcm/errno.h"
#include "transport.h"

#define VCPCM_DRIVER		"vcpcm"
#define VCPCM_MAX_SUBSTREAMS	VCPCM_ANNOUNCE_MAX_CHANS
/* How long a request waits for the remote's RESULT. */
#define VCPCM_RESULT_TIMEOUT_MS	1000

struct vcpcm_card;

/* One per substream: the core's stream and what the glue needs around it. */
struct vcpcm_sub {
	struct vcpcm_card *vc;
	struct snd_pcm_substream *substream;	/* set while open */
	struct vcpcm_chan *chan;
	struct vcpcm_stream core;		/* under the substream's lock */
	u8 *staging;				/* playback: interleaves one message */
	struct mutex request_lock;		/* one request at a time */
	struct completion result_done;
	int result;
	bool ready;				/* opened at the remote; under open_lock */
	u32 serial;				/* tags and epochs of earlier opens */
	u64 xruns;				/* under the substream's lock */
	u64 stalls;				/* xruns because the remote fell silent */
	u64 underruns;				/* xruns because the remote ran dry */
	struct timer_list watchdog;		/* notices a silent remote */
	struct hrtimer waiter;			/* wakes a waiter between reports */
	u32 report_ns;				/* reports needed this often (prepare) */
	unsigned long buffer_jiffies;		/* the buffer's length (prepare) */
	/* Our last snd_pcm_period_elapsed(): ALSA's period boundary then, and when. */
	snd_pcm_uframes_t irq_boundary;		/* under the substream's lock */
	unsigned long irq_jiffies;
	/* control_mmap: the appl_ptr last passed to the core (under the lock). */
	snd_pcm_uframes_t seen_appl;
};

struct vcpcm_card {
	struct snd_card *card;
	struct snd_pcm *pcm;
	struct vcpcm_transport *transport;
	struct mutex open_lock;			/* guards subs[][].substream, .ready */
	struct mutex mixer_lock;		/* guards the mixer values below */
	int volume;				/* hundredths of a dB */
	int unmuted;
	int route;
	size_t buffer_bytes_max;
	bool follow_appl_ptr;			/* control_mmap: no SYNC_APPLPTR */
	struct dentry *debugfs;			/* snd-vcpcm/cardN, or NULL */
	struct vcpcm_sub subs[2][VCPCM_MAX_SUBSTREAMS];
};

/* The module's parameters for one card, checked before anything is built. */
struct vcpcm_card_params {
	int pcm_substreams;
	int fifo_bytes;
	int tick_us;
	int latency_us;
	int buffer_kib;
	int max_payload;
	bool control_mmap;
};

/* Substreams in ALSA direction @stream: the channels the remote announced. */
static inline unsigned int vcpcm_substreams(const struct vcpcm_card *vc, int stream)
{
	return stream == SNDRV_PCM_STREAM_PLAYBACK ? vc->transport->caps.playback_chans :
						     vc->transport->caps.capture_chans;
}

int vcpcm_wire_format(snd_pcm_format_t format);
int vcpcm_caps_accept(struct device *dev, struct vcpcm_transport *t);
void vcpcm_caps_hardware(const struct vcpcm_msg_announce *caps, size_t buffer_bytes_max,
			 struct snd_pcm_hardware *hw);
int vcpcm_caps_constrain(struct snd_pcm_runtime *runtime, const struct vcpcm_msg_announce *caps);
extern struct dentry *vcpcm_debugfs_root;
int vcpcm_card_create(struct device *parent, int idx, const char *xid,
		      struct vcpcm_transport *t, const struct vcpcm_card_params *p,
		      const char *debugfs_name, struct snd_card **out);
int vcpcm_user_init(unsigned int max_cards, const struct vcpcm_card_params *p);
void vcpcm_user_exit(unsigned int max_cards);
int vcpcm_check_params(const struct vcpcm_card_params *p, int card_index);
int vcpcm_pcm_create(struct vcpcm_card *vc);
int vcpcm_proc_create(struct vcpcm_card *vc);
int vcpcm_mixer_create(struct vcpcm_card *vc);
int vcpcm_mixer_send(struct vcpcm_sub *sub);
int vcpcm_wait_result(struct vcpcm_sub *sub, int sent, const char *what);
int vcpcm_wait_answer(struct vcpcm_sub *sub, const char *what, unsigned long timeout);
bool vcpcm_elapsed_is_safe(unsigned long since_irq_boundary, unsigned long period_size,
			   unsigned long jiffies_since_irq, unsigned long buffer_jiffies);
unsigned long vcpcm_waiter_frames(unsigned long in_period, unsigned long period_size,
				  unsigned long avail, unsigned long moved, unsigned long need);
bool vcpcm_reports_mark_boundaries(u32 report_ns, u32 rate, unsigned long period_size,
				   bool no_period_wakeup);

/*
 * A request to the remote: the core sends it under the stream lock, then
 * the caller waits (unlocked, process context) for its RESULT. Requests
 * on one substream are serialised.
 */
#define vcpcm_request(sub, what, call) ({					\
	struct snd_pcm_substream *__ss = (sub)->substream;			\
	int __sent, __ret;							\
	mutex_lock(&(sub)->request_lock);					\
	reinit_completion(&(sub)->result_done);					\
	snd_pcm_stream_lock_irq(__ss);						\
	__sent = vcpcm_kernel_errno(call);					\
	snd_pcm_stream_unlock_irq(__ss);					\
	__ret = vcpcm_wait_result(sub, __sent, what);				\
	mutex_unlock(&(sub)->request_lock);					\
	__ret;									\
})

#endif /* VCPCM_GLUE_H */

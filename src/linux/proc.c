// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/asound/cardN/vcpcm: per-substream statistics. Everything is copied
 * out under the substream's lock, then printed.
 */
#include <linux/math64.h>
#include <sound/info.h>

#include "vcpcm.h"

static const char *const vcpcm_state_names[VCPCM_ST_COUNT] = {
	[VCPCM_ST_CLOSED] = "closed", [VCPCM_ST_OPEN] = "open",
	[VCPCM_ST_PREPARED] = "prepared", [VCPCM_ST_RUNNING] = "running",
	[VCPCM_ST_STOPPED] = "stopped", [VCPCM_ST_XRUN] = "xrun",
	[VCPCM_ST_PAUSED] = "paused",
};

struct vcpcm_proc_snapshot {
	struct vcpcm_stream_stats st;
	enum vcpcm_stream_state state;
	u64 xruns, stalls, underruns;
	unsigned int rate, frame_bytes;
	u32 report_ns;
};

static void vcpcm_proc_substream(struct snd_info_buffer *buf, struct vcpcm_sub *sub,
				 int dir, unsigned int index)
{
	struct snd_pcm_substream *substream = sub->substream;
	const char *name = dir == SNDRV_PCM_STREAM_PLAYBACK ? "playback" : "capture";
	struct vcpcm_proc_snapshot s = {};
	u64 bytes_per_s;

	if (!substream) {
		snd_iprintf(buf, "%s %u: closed\n", name, index);
		return;
	}
	snd_pcm_stream_lock_irq(substream);
	vcpcm_stream_get_stats(&sub->core, &s.st);
	s.state = vcpcm_stream_get_state(&sub->core);
	s.xruns = sub->xruns;
	s.stalls = sub->stalls;
	s.underruns = sub->underruns;
	s.report_ns = sub->report_ns;
	if (substream->runtime->rate && substream->runtime->frame_bits) {
		s.rate = substream->runtime->rate;
		s.frame_bytes = substream->runtime->frame_bits / 8;
	}
	snd_pcm_stream_unlock_irq(substream);

	snd_iprintf(buf, "%s %u: %s\n", name, index,
		    s.state < VCPCM_ST_COUNT ? vcpcm_state_names[s.state] : "?");
	snd_iprintf(buf, "  messages: %llu sent, %llu received (%llu stale, %llu bad, %llu out of sequence)\n",
		    s.st.msgs_tx, s.st.msgs_rx, s.st.stale_rx, s.st.bad_rx, s.st.seq_errors);
	snd_iprintf(buf, "  bytes: %llu sent, %llu %s\n", s.st.bytes_tx, s.st.bytes_rx,
		    dir == SNDRV_PCM_STREAM_PLAYBACK ? "consumed by the remote" : "received");
	snd_iprintf(buf, "  xruns: %llu (remote silent: %llu, remote ran dry: %llu, capture overruns: %llu)\n",
		    s.xruns, s.stalls, s.underruns, s.st.overruns);
	bytes_per_s = (u64)s.rate * s.frame_bytes;
	snd_iprintf(buf, "  remote FIFO: %u bytes now, %u at most", s.st.in_flight, s.st.max_in_flight);
	if (bytes_per_s)
		snd_iprintf(buf, " (worst latency %llu us)",
			    div64_u64((u64)s.st.max_in_flight * USEC_PER_SEC, bytes_per_s));
	snd_iprintf(buf, "\n  reports wanted every %u us; longest gap between reports: %llu us\n",
		    s.report_ns / 1000, div_u64(s.st.max_report_gap_ns, NSEC_PER_USEC));
}

static void vcpcm_proc_read(struct snd_info_entry *entry, struct snd_info_buffer *buf)
{
	struct vcpcm_card *vc = entry->private_data;
	const struct vcpcm_msg_announce *caps = &vc->transport->caps;
	unsigned int dir, i;

	snd_iprintf(buf, "transport: %s, protocol %u, FIFO %u bytes, payload %u bytes, reports %s every %u us, start latency %u us%s%s\n",
		    vc->transport->name, caps->version, caps->fifo_bytes, caps->max_payload,
		    caps->flags & VCPCM_CAP_FIXED_CADENCE ? "fixed at" : "at most",
		    caps->report_ns / 1000, caps->start_latency_ns / 1000,
		    caps->flags & VCPCM_CAP_PAUSE ? ", pause" : "",
		    caps->flags & VCPCM_CAP_NUMBERED ? ", numbered reports" : "");
	mutex_lock(&vc->open_lock);
	for (dir = 0; dir < 2; dir++)
		for (i = 0; i < vcpcm_substreams(vc, dir); i++)
			vcpcm_proc_substream(buf, &vc->subs[dir][i], dir, i);
	mutex_unlock(&vc->open_lock);
}

/**
 * vcpcm_proc_create() - add /proc/asound/cardN/vcpcm
 * @vc: the card
 *
 * Return: 0 or a negative errno.
 */
int vcpcm_proc_create(struct vcpcm_card *vc)
{
	return snd_card_ro_proc_new(vc->card, "vcpcm", vc, vcpcm_proc_read);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * snd-vcpcm PCM: the snd_pcm_ops table. The glue converts between ALSA's
 * view (substreams, runtime, frames) and the core's (bytes, messages); all
 * ring arithmetic and protocol work happens in the core.
 *
 * The PCM is atomic: the emulated coprocessor's send never sleeps, and
 * .ack runs under the stream lock (also from inside .pointer paths).
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <sound/pcm_params.h>

#include "vcpcm.h"

/* A running stream with no report for this long has lost its remote. */
#define VCPCM_STALL_MS		400
#define VCPCM_WATCHDOG_MS	100

static struct vcpcm_sub *vcpcm_sub_of(struct snd_pcm_substream *substream)
{
	return substream->runtime->private_data;
}

/* The core's send function: one message out on the substream's channel. */
static int vcpcm_send(void *chan_ptr, const void *msg, u32 len, const void *payload, u32 plen)
{
	struct vcpcm_chan *chan = chan_ptr;

	return chan->transport->ops->send(chan, msg, len, payload, plen);
}

/**
 * vcpcm_wait_answer() - wait for the RESULT of the request sent last
 * @sub: the substream
 * @what: the request, for error messages
 * @timeout: jiffies to wait at most
 *
 * Context: process context, holding @sub's request_lock.
 * Return: the remote's answer, or -ETIMEDOUT.
 */
int vcpcm_wait_answer(struct vcpcm_sub *sub, const char *what, unsigned long timeout)
{
	struct device *dev = sub->vc->card->dev;

	if (!wait_for_completion_timeout(&sub->result_done, timeout)) {
		dev_err(dev, "%s: no answer from the remote within %d ms\n", what,
			VCPCM_RESULT_TIMEOUT_MS);
		return -ETIMEDOUT;
	}
	if (sub->result)
		dev_err(dev, "%s: the remote refused (%d)\n", what, sub->result);
	return sub->result;
}

/**
 * vcpcm_wait_result() - wait for the RESULT of a request just sent
 * @sub: the substream
 * @sent: what sending the request returned
 * @what: the request, for error messages
 *
 * The remote may be dead: never waits longer than VCPCM_RESULT_TIMEOUT_MS.
 * Context: process context, holding @sub's request_lock.
 * Return: the remote's answer, the send error, or -ETIMEDOUT.
 */
int vcpcm_wait_result(struct vcpcm_sub *sub, int sent, const char *what)
{
	if (sent) {
		/* -ENODEV: the remote went away, and the card says so once. */
		if (sent != -ENODEV)
			dev_err(sub->vc->card->dev, "%s: sending failed (%d)\n", what, sent);
		return sent;
	}
	return vcpcm_wait_answer(sub, what, msecs_to_jiffies(VCPCM_RESULT_TIMEOUT_MS));
}

/**
 * vcpcm_elapsed_is_safe() - may snd_pcm_period_elapsed() be called now?
 * @since_irq_boundary: frames from the period boundary ALSA counted at our
 *                      last call to where the position will be now
 * @period_size: frames per period
 * @jiffies_since_irq: jiffies since our last call (or START)
 * @buffer_jiffies: the buffer's length in jiffies
 *
 * snd_pcm_period_elapsed() assumes a period went by. Called with less, and
 * more than half a buffer's jiffies after the position was last updated,
 * ALSA takes it for a missed interrupt and adds a whole buffer to hw_ptr
 * (skipping data). ALSA updates that time at each of our calls, so it is
 * never older than ours: counting from our own last call is on the safe
 * side, and needs nothing of ALSA but the public status record.
 *
 * Return: true when ALSA will see a period boundary, or cannot take the
 * call for a missed interrupt.
 */
bool vcpcm_elapsed_is_safe(unsigned long since_irq_boundary, unsigned long period_size,
			   unsigned long jiffies_since_irq, unsigned long buffer_jiffies)
{
	return since_irq_boundary >= period_size || jiffies_since_irq <= buffer_jiffies / 2;
}

/* Frames from @from to @to going forward, in a counter that wraps at @wrap. */
static snd_pcm_uframes_t vcpcm_frames_between(snd_pcm_uframes_t from, snd_pcm_uframes_t to,
					      snd_pcm_uframes_t wrap)
{
	return to >= from ? to - from : to + (wrap - from);
}

/*
 * Where ALSA's hw_ptr will be when it next reads the position: its current
 * value moved forward to the core's position in the buffer. The position
 * never runs backwards and ALSA reads it later than this, so no further.
 */
static snd_pcm_uframes_t vcpcm_next_hw_ptr(struct vcpcm_sub *sub, struct snd_pcm_runtime *runtime)
{
	snd_pcm_uframes_t hw_ptr = runtime->status->hw_ptr;
	snd_pcm_uframes_t pos = bytes_to_frames(runtime, vcpcm_stream_position(&sub->core,
									      ktime_get_ns()));

	return hw_ptr + vcpcm_frames_between(hw_ptr % runtime->buffer_size, pos,
					     runtime->buffer_size);
}

static bool vcpcm_may_signal(struct vcpcm_sub *sub, struct snd_pcm_runtime *runtime,
			     snd_pcm_uframes_t next_hw_ptr)
{
	return vcpcm_elapsed_is_safe(vcpcm_frames_between(sub->irq_boundary, next_hw_ptr,
							  runtime->boundary),
				     runtime->period_size, jiffies - sub->irq_jiffies,
				     sub->buffer_jiffies);
}

/*
 * A period boundary went by since our last call, maybe in a position read
 * (a capture poll, vcpcm_poll_capture()) that the report's own count does
 * not see: ALSA still owes that period its wakeup, timer tick and SIGIO.
 */
static bool vcpcm_period_passed(struct vcpcm_sub *sub, struct snd_pcm_runtime *runtime,
				snd_pcm_uframes_t next_hw_ptr)
{
	snd_pcm_uframes_t ahead = vcpcm_frames_between(sub->irq_boundary, next_hw_ptr,
						       runtime->boundary);

	/* irq_boundary lies ahead after a RESET (it counts from the next one). */
	return ahead >= runtime->period_size && ahead < runtime->boundary / 2;
}

/* Tell ALSA the position moved (under the stream lock), and remember when. */
static void vcpcm_signal(struct vcpcm_sub *sub, struct snd_pcm_substream *substream)
{
	struct snd_pcm_runtime *runtime = substream->runtime;

	snd_pcm_period_elapsed_under_stream_lock(substream);
	/* ALSA's period boundary is now the one at or below hw_ptr. */
	sub->irq_boundary = runtime->status->hw_ptr - runtime->status->hw_ptr % runtime->period_size;
	sub->irq_jiffies = jiffies;
}

/*
 * Should a report that crossed no period boundary update ALSA anyway? Yes
 * when it may let a task waiting on the stream go on: the position is finer
 * than a period, so an application may have written a few frames early and
 * need more than the next boundary gives; woken only at boundaries it would
 * sleep into an xrun. Waiters wait for avail_min frames (a blocking
 * read/write for at most that many), so wake when that much became
 * available and ALSA does not know it yet.
 */
static bool vcpcm_wakes_waiters(struct snd_pcm_substream *substream,
				snd_pcm_uframes_t next_hw_ptr)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	snd_pcm_uframes_t need = max_t(snd_pcm_uframes_t, runtime->control->avail_min, 1);
	snd_pcm_uframes_t known, moved;

	known = substream->stream == SNDRV_PCM_STREAM_PLAYBACK ? snd_pcm_playback_avail(runtime) :
								  snd_pcm_capture_avail(runtime);
	moved = vcpcm_frames_between(runtime->status->hw_ptr, next_hw_ptr, runtime->boundary);
	return known < need && known + moved >= need;
}

/**
 * vcpcm_waiter_frames() - how far must the position go before a waiting
 *                         client can go on, where no report would tell it?
 * @in_period: frames from ALSA's last period boundary to hw_ptr
 * @period_size: frames per period
 * @avail: frames the client has now, as ALSA counts them from hw_ptr
 * @moved: frames the position went past hw_ptr that ALSA does not know yet
 * @need: frames the client waits for (avail_min, at least 1)
 *
 * A client woken at period boundaries gets a report at each. One that
 * took a little past its boundary (it moves what is available, on two
 * unlinked streams) is short of avail_min at the next one, and a report
 * per period would wake it a period late, its buffer nearly dry: it
 * needs a wakeup of its own when its threshold falls between boundaries.
 *
 * Return: the frames still to go (1 when the position is there already),
 * or 0 when no wakeup of the driver's own is needed: the client has
 * enough, or its threshold lies at or past the next boundary.
 */
unsigned long vcpcm_waiter_frames(unsigned long in_period, unsigned long period_size,
				  unsigned long avail, unsigned long moved, unsigned long need)
{
	unsigned long short_by;

	if (avail >= need)
		return 0;
	short_by = need - avail;
	if (in_period + short_by >= period_size)
		return 0;
	return short_by > moved ? short_by - moved : 1;
}

/*
 * Arm the waiter's wakeup (vcpcm_waiter_frames()), under the stream lock.
 * Capture is due at a position read only where the backend can poll.
 */
static void vcpcm_arm_waiter(struct vcpcm_sub *sub, struct snd_pcm_substream *substream)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	snd_pcm_uframes_t hw_ptr = runtime->status->hw_ptr;
	snd_pcm_uframes_t avail, frames;

	if (runtime->state != SNDRV_PCM_STATE_RUNNING || runtime->no_period_wakeup)
		return;
	if (substream->stream == SNDRV_PCM_STREAM_PLAYBACK)
		avail = snd_pcm_playback_avail(runtime);
	else if (sub->vc->transport->ops->poll)
		avail = snd_pcm_capture_avail(runtime);
	else
		return;
	frames = vcpcm_waiter_frames(hw_ptr % runtime->period_size, runtime->period_size, avail,
				     vcpcm_frames_between(hw_ptr, vcpcm_next_hw_ptr(sub, runtime),
							  runtime->boundary),
				     max_t(snd_pcm_uframes_t, runtime->control->avail_min, 1));
	if (frames)
		hrtimer_start(&sub->waiter,
			      ns_to_ktime(div_u64((u64)frames * NSEC_PER_SEC, runtime->rate)),
			      HRTIMER_MODE_REL_SOFT);
}

static const char *vcpcm_dir_name(struct snd_pcm_substream *substream)
{
	return substream->stream == SNDRV_PCM_STREAM_PLAYBACK ? "playback" : "capture";
}

static const char *vcpcm_rx_error(int err)
{
	switch (err) {
	case -EILSEQ: return "a report lost, repeated or out of order";
	case -EMSGSIZE: return "a message of the wrong length";
	case -EPROTO: return "a malformed or unexpected message";
	case -EIO: return "a count the stream cannot have";
	default: return "a message it cannot use";
	}
}

static const char vcpcm_overrun_why[] =
	"no room for the captured data, or the remote lost some (overrun)";

/* Say why the stream stops; the caller stops it (or has ALSA do it). */
static void vcpcm_xrun_why(struct vcpcm_sub *sub, struct snd_pcm_substream *substream,
			   const char *why, int err)
{
	if (err)
		dev_err_ratelimited(sub->vc->card->dev,
				    "%s %u: %s from the remote (%d): stopping the stream (xrun)\n",
				    vcpcm_dir_name(substream), substream->number, why, err);
	else
		dev_err_ratelimited(sub->vc->card->dev, "%s %u: %s: stopping the stream (xrun)\n",
				    vcpcm_dir_name(substream), substream->number, why);
}

static void vcpcm_xrun(struct vcpcm_sub *sub, struct snd_pcm_substream *substream,
		       const char *why)
{
	vcpcm_xrun_why(sub, substream, why, 0);
	snd_pcm_stop(substream, SNDRV_PCM_STATE_XRUN);
}

/*
 * Playback has nothing left anywhere, but a period_elapsed now could make
 * ALSA add a buffer (vcpcm_elapsed_is_safe()): end it as ALSA would, a
 * drain done or (when the application lets the buffer run empty only
 * with a stop) an underrun.
 */
static void vcpcm_drained_quietly(struct vcpcm_sub *sub, struct snd_pcm_substream *substream)
{
	struct snd_pcm_runtime *runtime = substream->runtime;

	if (runtime->state == SNDRV_PCM_STATE_DRAINING)
		snd_pcm_stop(substream, SNDRV_PCM_STATE_SETUP);
	else if (runtime->stop_threshold <= runtime->buffer_size)
		vcpcm_xrun(sub, substream, "the application wrote nothing more in time");
}

/*
 * control_mmap: an application that maps the control record moves appl_ptr
 * by a memory write, and no .ack follows. Follow it as DMA hardware does: at
 * every report, position query and START (under the stream lock). Returns
 * what .ack would: 0, or -EPIPE when the new appl_ptr cannot be taken (past
 * the boundary, more than a buffer ahead, or the link refused the data).
 */
static int vcpcm_follow_appl_ptr(struct vcpcm_sub *sub, struct snd_pcm_substream *substream)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	snd_pcm_uframes_t appl = READ_ONCE(runtime->control->appl_ptr);

	if (!sub->vc->follow_appl_ptr || appl == sub->seen_appl)
		return 0;
	/* dmix's slave, stopped: nothing is sent before START (vcpcm_pcm_ack). */
	if (substream->stream == SNDRV_PCM_STREAM_PLAYBACK && !snd_pcm_running(substream) &&
	    runtime->stop_threshold >= runtime->boundary)
		return 0;
	if (appl >= runtime->boundary)
		return -EPIPE;
	sub->seen_appl = appl;
	return vcpcm_stream_ack(&sub->core, appl) ? -EPIPE : 0;
}

/* A report moved the position (under the stream lock). */
static void vcpcm_pcm_position(struct vcpcm_sub *sub, struct snd_pcm_substream *substream,
			       const struct vcpcm_rx_event *ev)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	snd_pcm_uframes_t next_hw_ptr;

	if (ev->overrun) {
		vcpcm_xrun(sub, substream, vcpcm_overrun_why);
		return;
	}
	/*
	 * A remote that ran dry played silence the application never wrote: an
	 * xrun, unless the application lets the buffer run past what it wrote
	 * (a stop threshold beyond the buffer). Free-running playback (dmix's
	 * slave) is sent round whatever was written, so there only a late link
	 * runs it dry; DMA never would, and dmix hears of it only by the xrun
	 * (it recovers the slave and tells its clients), not by a silent gap.
	 */
	if (ev->underrun_bytes && runtime->state == SNDRV_PCM_STATE_RUNNING &&
	    (runtime->stop_threshold <= runtime->buffer_size ||
	     runtime->stop_threshold >= runtime->boundary)) {
		sub->underruns++;
		vcpcm_xrun(sub, substream, "the remote ran dry and played silence (underrun)");
		return;
	}
	if (ev->lapped && runtime->stop_threshold < runtime->boundary) {
		vcpcm_xrun(sub, substream,
			   "a whole buffer went by between two position updates (reports too late for it)");
		return;
	}
	next_hw_ptr = vcpcm_next_hw_ptr(sub, runtime);
	if (ev->periods || ev->drained || ev->lapped ||
	    vcpcm_period_passed(sub, runtime, next_hw_ptr) ||
	    vcpcm_wakes_waiters(substream, next_hw_ptr)) {
		if (vcpcm_may_signal(sub, runtime, next_hw_ptr))
			vcpcm_signal(sub, substream);
		else if (ev->drained)
			vcpcm_drained_quietly(sub, substream);
	}
	vcpcm_arm_waiter(sub, substream);
}

/* One message from the remote into the core's stream (under the stream lock). */
static int vcpcm_receive(struct vcpcm_sub *sub, const void *msg, u32 len, const void *payload,
			 u32 plen, struct vcpcm_rx_event *ev)
{
	return vcpcm_kernel_errno(vcpcm_stream_receive(&sub->core, msg, len, payload, plen,
						       sub->vc->transport->caps.max_payload,
						       ktime_get_ns(), ev));
}

/* Messages from the remote, in the transport's delivery context. */
static void vcpcm_pcm_rx(void *ctx, const void *msg, u32 len, const void *payload, u32 plen)
{
	struct vcpcm_sub *sub = ctx;
	struct snd_pcm_substream *substream = sub->substream;
	struct vcpcm_rx_event ev;
	unsigned long flags;
	int err;

	snd_pcm_stream_lock_irqsave(substream, flags);
	if (!msg) {
		/* The remote is gone: a request waiting for its answer ends now. */
		sub->result = -ENODEV;
		complete(&sub->result_done);
		snd_pcm_stream_unlock_irqrestore(substream, flags);
		return;
	}
	/* New data goes out with this report's refill; freed capture room takes its data. */
	if (snd_pcm_running(substream) && vcpcm_follow_appl_ptr(sub, substream)) {
		vcpcm_xrun(sub, substream, "appl_ptr (written to the mapped control record) cannot be followed");
		snd_pcm_stream_unlock_irqrestore(substream, flags);
		return;
	}
	err = vcpcm_receive(sub, msg, len, payload, plen, &ev);
	if (err) {
		vcpcm_xrun_why(sub, substream, vcpcm_rx_error(err), err);
		if (snd_pcm_running(substream))
			snd_pcm_stop(substream, SNDRV_PCM_STATE_XRUN);
	} else if (ev.kind == VCPCM_RX_RESULT) {
		sub->result = vcpcm_kernel_errno(ev.result);
		complete(&sub->result_done);
	} else if (ev.kind == VCPCM_RX_POSITION && snd_pcm_running(substream)) {
		vcpcm_pcm_position(sub, substream, &ev);
	}
	snd_pcm_stream_unlock_irqrestore(substream, flags);
}

/*
 * The watchdog: a remote that stops reporting (stalled, restarted, or its
 * reports lost) would leave the application waiting for ever. Runs every
 * VCPCM_WATCHDOG_MS while the stream runs or is paused.
 */
static void vcpcm_watchdog(struct timer_list *timer)
{
	struct vcpcm_sub *sub = from_timer(sub, timer, watchdog);
	struct snd_pcm_substream *substream = sub->substream;
	enum vcpcm_stream_state state;
	unsigned long flags;

	snd_pcm_stream_lock_irqsave(substream, flags);
	if (snd_pcm_running(substream) && vcpcm_stream_stalled(&sub->core, ktime_get_ns())) {
		dev_err_ratelimited(sub->vc->card->dev,
				    "%s %u: no report from the remote for %u ms: stopping the stream (xrun)\n",
				    vcpcm_dir_name(substream), substream->number, VCPCM_STALL_MS);
		sub->stalls++;
		snd_pcm_stop(substream, SNDRV_PCM_STATE_XRUN);
	}
	state = vcpcm_stream_get_state(&sub->core);
	if (state == VCPCM_ST_RUNNING || state == VCPCM_ST_PAUSED)
		mod_timer(&sub->watchdog, jiffies + msecs_to_jiffies(VCPCM_WATCHDOG_MS));
	snd_pcm_stream_unlock_irqrestore(substream, flags);
}

static int vcpcm_pcm_open(struct snd_pcm_substream *substream)
{
	struct vcpcm_card *vc = snd_pcm_substream_chip(substream);
	struct snd_pcm_runtime *runtime = substream->runtime;
	struct vcpcm_sub *sub = &vc->subs[substream->stream][substream->number];
	int err;

	vcpcm_caps_hardware(&vc->transport->caps, vc->buffer_bytes_max, &runtime->hw);
	/* The control record may be mapped: appl_ptr is followed instead (vcpcm_follow_appl_ptr). */
	if (vc->follow_appl_ptr)
		runtime->hw.info &= ~SNDRV_PCM_INFO_SYNC_APPLPTR;
	err = vcpcm_caps_constrain(runtime, &vc->transport->caps);
	if (err < 0)
		return err;

	runtime->private_data = sub;
	/* Construct the core before /proc (under open_lock) can see it. */
	vcpcm_stream_init(&sub->core, substream->stream == SNDRV_PCM_STREAM_PLAYBACK ?
			  VCPCM_DIR_PLAYBACK : VCPCM_DIR_CAPTURE, vcpcm_send, sub->chan);
	vcpcm_stream_follow(&sub->core, sub->serial);
	mutex_lock(&vc->open_lock);
	sub->substream = substream;
	sub->xruns = 0;
	sub->stalls = 0;
	sub->underruns = 0;
	mutex_unlock(&vc->open_lock);
	vc->transport->ops->attach(sub->chan, vcpcm_pcm_rx, sub);
	err = vcpcm_request(sub, "open", vcpcm_stream_open(&sub->core));
	if (!err && substream->stream == SNDRV_PCM_STREAM_PLAYBACK) {
		mutex_lock(&vc->mixer_lock);
		err = vcpcm_mixer_send(sub);
		mutex_unlock(&vc->mixer_lock);
	}
	if (!err) {
		mutex_lock(&vc->open_lock);
		sub->ready = true;
		mutex_unlock(&vc->open_lock);
	}
	if (err) {
		sub->serial = vcpcm_stream_serial(&sub->core);
		vc->transport->ops->detach(sub->chan);
		mutex_lock(&vc->open_lock);
		sub->substream = NULL;
		mutex_unlock(&vc->open_lock);
	}
	return err;
}

static int vcpcm_pcm_close(struct snd_pcm_substream *substream)
{
	struct vcpcm_sub *sub = vcpcm_sub_of(substream);

	mutex_lock(&sub->vc->open_lock);
	sub->ready = false;
	mutex_unlock(&sub->vc->open_lock);
	/* Waits for a running watchdog, and stops one that re-arms itself. */
	del_timer_sync(&sub->watchdog);
	/* Closing always finishes, even if the remote does not answer. */
	vcpcm_request(sub, "close", vcpcm_stream_close(&sub->core));
	sub->serial = vcpcm_stream_serial(&sub->core);
	sub->vc->transport->ops->detach(sub->chan);
	/* Nothing arms it now: no reports, no stream running. */
	hrtimer_cancel(&sub->waiter);
	mutex_lock(&sub->vc->open_lock);
	sub->substream = NULL;
	mutex_unlock(&sub->vc->open_lock);
	return 0;
}

/*
 * How often the remote should report, for how the stream runs now
 * (vcpcm_report_interval_ns()). Playback goes out at reports when it runs
 * free (ALSA would never stop it: stop_threshold >= boundary, as dmix sets
 * up its slave) or when appl_ptr is followed (control_mmap).
 */
static u32 vcpcm_report_ns(struct snd_pcm_substream *substream)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	struct vcpcm_card *vc = vcpcm_sub_of(substream)->vc;
	struct vcpcm_transport *t = vc->transport;
	struct vcpcm_report_needs needs = {
		.finest_ns = t->caps.report_ns,
		.period_bytes = snd_pcm_lib_period_bytes(substream),
		.fifo_bytes = t->caps.fifo_bytes,
		.rate = runtime->rate,
		.frame_bytes = frames_to_bytes(runtime, 1),
		.no_period_wakeup = runtime->no_period_wakeup,
		.sent_at_reports = substream->stream == SNDRV_PCM_STREAM_PLAYBACK &&
				   (runtime->stop_threshold >= runtime->boundary || vc->follow_appl_ptr),
		.positions_on_read = !!t->ops->poll,
		.fixed_cadence = !!(t->caps.flags & VCPCM_CAP_FIXED_CADENCE),
	};

	return vcpcm_report_interval_ns(&needs);
}

/**
 * vcpcm_reports_mark_boundaries() - do a stream's reports mark its period boundaries?
 * @report_ns: how often the remote reports (vcpcm_report_interval_ns())
 * @rate: the stream's rate
 * @period_size: its period, in frames
 * @no_period_wakeup: its client is not woken at period boundaries
 *
 * A client woken at period boundaries gets one report per period, a whole
 * period apart: those reports must never come early, or the period would
 * end after them. Finer reports, or no period wakeups, may.
 *
 * Return: true when each report marks a boundary.
 */
bool vcpcm_reports_mark_boundaries(u32 report_ns, u32 rate, unsigned long period_size,
				   bool no_period_wakeup)
{
	u64 frames = div_u64((u64)report_ns * rate + NSEC_PER_SEC / 2, NSEC_PER_SEC);

	return !no_period_wakeup && frames >= period_size;
}

/* The remote's clock runs: tell the backend how often to report, and how strictly. */
static void vcpcm_remote_started(struct vcpcm_sub *sub, struct snd_pcm_substream *substream)
{
	struct snd_pcm_runtime *runtime = substream->runtime;

	sub->vc->transport->ops->started(sub->chan, sub->report_ns, runtime->rate,
					 vcpcm_reports_mark_boundaries(sub->report_ns, runtime->rate,
								       runtime->period_size,
								       runtime->no_period_wakeup));
}

/* A running stream that long without a report has lost its remote. */
static u64 vcpcm_stall_ns(u32 report_ns)
{
	return max_t(u64, VCPCM_STALL_MS * NSEC_PER_MSEC, 8ULL * report_ns);
}

/*
 * Free-running playback (stop_threshold >= boundary, as dmix sets up its
 * slave) is sent round the buffer ahead of the position, like DMA: one
 * period ahead, which dmix never writes into, but at least two reports'
 * worth so the remote does not run dry between refills.
 */
static u32 vcpcm_free_running_lead(struct snd_pcm_substream *substream, u32 report_interval_ns)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	u64 per_report;

	/*
	 * Decided at start: alsa-lib prepares before sw_params are set.
	 * Capture runs free over unread data only where ALSA would not stop
	 * it for that (a stop threshold beyond the buffer, as dsnoop sets).
	 */
	if (substream->stream == SNDRV_PCM_STREAM_CAPTURE)
		return runtime->stop_threshold > runtime->buffer_size;
	if (runtime->stop_threshold < runtime->boundary)
		return 0;
	per_report = div_u64((u64)runtime->rate * report_interval_ns, NSEC_PER_SEC);
	return frames_to_bytes(runtime, max_t(u32, runtime->period_size, 2 * per_report + 1));
}

/*
 * CONFIG, which also makes the remote drop what an earlier run left queued.
 * A remote that restarted has forgotten the channel and refuses it
 * (-EBADFD): open the channel again, with its mixer settings, and retry.
 */
static int vcpcm_configure(struct vcpcm_sub *sub, int format)
{
	struct snd_pcm_substream *substream = sub->substream;
	struct snd_pcm_runtime *runtime = substream->runtime;
	int err;

	err = vcpcm_request(sub, "configure",
			    vcpcm_stream_configure(&sub->core, format, runtime->channels,
						   runtime->rate));
	if (err != -EBADFD)
		return err;
	dev_warn(sub->vc->card->dev, "%s %u: the remote forgot the stream (restarted?): opening it again\n",
		 vcpcm_dir_name(substream), substream->number);
	err = vcpcm_request(sub, "reopen", vcpcm_stream_reopen(&sub->core));
	if (!err && substream->stream == SNDRV_PCM_STREAM_PLAYBACK) {
		mutex_lock(&sub->vc->mixer_lock);
		err = vcpcm_mixer_send(sub);
		mutex_unlock(&sub->vc->mixer_lock);
	}
	return err ?: vcpcm_request(sub, "configure",
				    vcpcm_stream_configure(&sub->core, format, runtime->channels,
							   runtime->rate));
}

static int vcpcm_pcm_prepare(struct snd_pcm_substream *substream)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	struct vcpcm_sub *sub = vcpcm_sub_of(substream);
	struct vcpcm_transport *t = sub->vc->transport;
	struct vcpcm_ring_geometry geometry = {
		.sw_bytes = snd_pcm_lib_buffer_bytes(substream),
		.period_bytes = snd_pcm_lib_period_bytes(substream),
		.frame_bytes = frames_to_bytes(runtime, 1),
		.hw_bytes = t->caps.fifo_bytes,
		.max_chunk = t->caps.max_payload,
		.boundary = runtime->boundary,
		/*
		 * Prepare leaves hw_ptr and appl_ptr at 0 (it cannot run on a
		 * running stream), but depending on the kernel ALSA resets
		 * them after calling us: here they may still hold where an
		 * earlier run stopped.
		 */
		.appl_start = 0,
	};
	struct vcpcm_sw_buffer buf = {
		.area = runtime->dma_area,
		.channels = runtime->channels,
		.noninterleaved = runtime->access == SNDRV_PCM_ACCESS_MMAP_NONINTERLEAVED ||
				  runtime->access == SNDRV_PCM_ACCESS_RW_NONINTERLEAVED,
		.staging = sub->staging,
		.staging_bytes = t->caps.max_payload,
	};
	u32 report_ns = vcpcm_report_ns(substream);
	struct vcpcm_stream_timing timing = {
		.rate = runtime->rate,
		.report_interval_ns = report_ns,
		.stall_ns = vcpcm_stall_ns(report_ns),
		.start_latency_ns = t->caps.start_latency_ns,
		.unnumbered = !(t->caps.flags & VCPCM_CAP_NUMBERED),
	};
	int format = vcpcm_wire_format(runtime->format);
	int err;

	if (format < 0)
		return format;
	err = vcpcm_configure(sub, format);
	if (err)
		return err;
	snd_pcm_stream_lock_irq(substream);
	if (runtime->state == SNDRV_PCM_STATE_XRUN)
		sub->xruns++;	/* the application is recovering from one */
	err = vcpcm_kernel_errno(vcpcm_stream_prepare(&sub->core, &geometry, &timing, &buf));
	sub->seen_appl = 0;	/* as appl_start; the RESET that follows moves both to hw_ptr */
	if (!err) {
		sub->report_ns = report_ns;
		/* As ALSA computes it (hw_ptr_buffer_jiffies). */
		sub->buffer_jiffies = div_u64((u64)runtime->buffer_size * HZ, runtime->rate);
	}
	snd_pcm_stream_unlock_irq(substream);
	if (err)
		dev_err(sub->vc->card->dev, "prepare: ring geometry rejected (%d)\n", err);
	return err;
}

/* ALSA's period boundary is the one at or below hw_ptr; as of @when. */
static void vcpcm_irq_restart(struct vcpcm_sub *sub, struct snd_pcm_runtime *runtime,
			      unsigned long when)
{
	sub->irq_boundary = runtime->status->hw_ptr - runtime->status->hw_ptr % runtime->period_size;
	sub->irq_jiffies = when;
}

static int vcpcm_pcm_trigger(struct snd_pcm_substream *substream, int cmd)
{
	struct vcpcm_sub *sub = vcpcm_sub_of(substream);
	u32 report_ns;
	int err;

	switch (cmd) {
	case SNDRV_PCM_TRIGGER_START:
		/* What was written to the mapped buffer before START reached no callback. */
		err = vcpcm_follow_appl_ptr(sub, substream);
		if (err)
			return err;
		/* Prepared before the sw_params were set: how it runs is known now. */
		report_ns = vcpcm_report_ns(substream);
		if (report_ns != sub->report_ns) {
			sub->report_ns = report_ns;
			vcpcm_stream_retime(&sub->core, sub->report_ns, vcpcm_stall_ns(sub->report_ns));
		}
		err = vcpcm_kernel_errno(vcpcm_stream_start(&sub->core, ktime_get_ns(),
							    vcpcm_free_running_lead(substream,
										    sub->report_ns)));
		if (!err) {
			vcpcm_irq_restart(sub, substream->runtime, jiffies);
			vcpcm_remote_started(sub, substream);
			mod_timer(&sub->watchdog, jiffies + msecs_to_jiffies(VCPCM_WATCHDOG_MS));
		}
		return err;
	case SNDRV_PCM_TRIGGER_PAUSE_PUSH:
	case SNDRV_PCM_TRIGGER_PAUSE_RELEASE:
		/* Written to the mapped buffer while paused: it goes out on release. */
		err = cmd == SNDRV_PCM_TRIGGER_PAUSE_RELEASE ? vcpcm_follow_appl_ptr(sub, substream) : 0;
		if (err)
			return err;
		err = vcpcm_kernel_errno(vcpcm_stream_pause(&sub->core,
							    cmd == SNDRV_PCM_TRIGGER_PAUSE_PUSH,
							    ktime_get_ns()));
		/*
		 * ALSA backdates its update time at a pause so its next update
		 * skips a check: only a crossed boundary is safe until then.
		 */
		vcpcm_irq_restart(sub, substream->runtime, jiffies - sub->buffer_jiffies - 2);
		if (!err && cmd == SNDRV_PCM_TRIGGER_PAUSE_RELEASE)
			vcpcm_remote_started(sub, substream);
		return err;
	case SNDRV_PCM_TRIGGER_STOP:
	case SNDRV_PCM_TRIGGER_SUSPEND:
		/* A callback already running finds the stream stopped. */
		hrtimer_try_to_cancel(&sub->waiter);
		err = vcpcm_kernel_errno(vcpcm_stream_stop(&sub->core));
		/* A dead link must not keep ALSA from stopping (nor log a gone remote). */
		if (err && err != -ENODEV)
			dev_warn_ratelimited(sub->vc->card->dev, "stop: %d\n", err);
		return 0;
	default:
		return -EINVAL;
	}
}

/* What a capture poll found: the first error, or the remote's overrun. */
struct vcpcm_poll_result {
	struct vcpcm_sub *sub;
	int err;
	bool overrun;
};

/* Reports handed over by a poll, under the stream lock: no sending here. */
static void vcpcm_pcm_rx_polled(void *ctx, const void *msg, u32 len, const void *payload,
				u32 plen)
{
	struct vcpcm_poll_result *p = ctx;
	struct vcpcm_rx_event ev;

	if (p->err || p->overrun)
		return;	/* the stream stops: the rest is stale */
	p->err = vcpcm_receive(p->sub, msg, len, payload, plen, &ev);
	if (!p->err && ev.kind == VCPCM_RX_POSITION && ev.overrun)
		p->overrun = true;
}

/*
 * Capture moves at the remote's reports, a tick apart; a client waking on
 * its own timer (PipeWire, PulseAudio) wants every frame due when it
 * looks, as from DMA. A backend that can report out of turn is asked to.
 * ALSA takes the new position from .pointer and wakes its waiters itself.
 */
static int vcpcm_poll_capture(struct vcpcm_sub *sub, struct snd_pcm_substream *substream)
{
	const struct vcpcm_transport_ops *ops = sub->vc->transport->ops;
	struct vcpcm_poll_result p = { .sub = sub };

	if (substream->stream != SNDRV_PCM_STREAM_CAPTURE || !ops->poll ||
	    substream->runtime->state != SNDRV_PCM_STATE_RUNNING)
		return 0;
	ops->poll(sub->chan, vcpcm_pcm_rx_polled, &p);
	if (p.err)
		vcpcm_xrun_why(sub, substream, vcpcm_rx_error(p.err), p.err);
	else if (p.overrun)
		vcpcm_xrun_why(sub, substream, vcpcm_overrun_why, 0);
	return p.err ?: (p.overrun ? -EPIPE : 0);
}

/*
 * The waiter's wakeup (vcpcm_arm_waiter()): bring capture due, and tell
 * ALSA the position when its waiter can go on.
 */
static enum hrtimer_restart vcpcm_waiter_fn(struct hrtimer *timer)
{
	struct vcpcm_sub *sub = container_of(timer, struct vcpcm_sub, waiter);
	struct snd_pcm_substream *substream = sub->substream;
	snd_pcm_uframes_t next_hw_ptr;
	unsigned long flags;

	snd_pcm_stream_lock_irqsave(substream, flags);
	if (substream->runtime->state == SNDRV_PCM_STATE_RUNNING) {
		if (vcpcm_poll_capture(sub, substream)) {
			snd_pcm_stop(substream, SNDRV_PCM_STATE_XRUN);
		} else {
			next_hw_ptr = vcpcm_next_hw_ptr(sub, substream->runtime);
			if (vcpcm_wakes_waiters(substream, next_hw_ptr) &&
			    vcpcm_may_signal(sub, substream->runtime, next_hw_ptr))
				vcpcm_signal(sub, substream);
		}
	}
	snd_pcm_stream_unlock_irqrestore(substream, flags);
	return HRTIMER_NORESTART;
}

static snd_pcm_uframes_t vcpcm_pcm_pointer(struct snd_pcm_substream *substream)
{
	struct vcpcm_sub *sub = vcpcm_sub_of(substream);

	if (vcpcm_follow_appl_ptr(sub, substream) || vcpcm_poll_capture(sub, substream))
		return SNDRV_PCM_POS_XRUN;
	return bytes_to_frames(substream->runtime, vcpcm_stream_pointer(&sub->core, ktime_get_ns()));
}

/*
 * Audio timestamps: the frames played, estimated between the remote's
 * reports against the same clock (LINK_ESTIMATED). Anything else is left
 * to ALSA's default, derived from the position.
 */
static int vcpcm_pcm_get_time_info(struct snd_pcm_substream *substream,
				   struct timespec64 *system_ts, struct timespec64 *audio_ts,
				   struct snd_pcm_audio_tstamp_config *config,
				   struct snd_pcm_audio_tstamp_report *report)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	struct vcpcm_sub *sub = vcpcm_sub_of(substream);
	u64 frames;

	if (config->type_requested != SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ESTIMATED) {
		report->actual_type = SNDRV_PCM_AUDIO_TSTAMP_TYPE_DEFAULT;
		return 0;
	}
	snd_pcm_gettime(runtime, system_ts);
	frames = vcpcm_stream_frames_done(&sub->core, ktime_get_ns());
	*audio_ts = ns_to_timespec64(mul_u64_u32_div(frames, NSEC_PER_SEC, runtime->rate));
	report->actual_type = SNDRV_PCM_AUDIO_TSTAMP_TYPE_LINK_ESTIMATED;
	report->accuracy_report = 1;
	report->accuracy = sub->report_ns;
	return 0;
}

/*
 * -EPIPE makes ALSA stop the stream as an xrun: what the application
 * committed cannot reach the remote (the link refused it), or it moved
 * appl_ptr where no stream can be.
 *
 * Playback set up to run free (dmix's slave) sends nothing before START:
 * what was committed before it would be queued at the remote ahead of what
 * dmix mixes into the buffer later, and a FIFO larger than dmix's lead
 * would play it instead. From START the buffer is sent round from the
 * position (vcpcm_free_running_lead()).
 */
static int vcpcm_pcm_ack(struct snd_pcm_substream *substream)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	struct vcpcm_sub *sub = vcpcm_sub_of(substream);
	int err;

	if (substream->stream == SNDRV_PCM_STREAM_PLAYBACK && !snd_pcm_running(substream) &&
	    runtime->stop_threshold >= runtime->boundary)
		return 0;
	sub->seen_appl = runtime->control->appl_ptr;
	err = vcpcm_kernel_errno(vcpcm_stream_ack(&sub->core, runtime->control->appl_ptr));
	if (err && err != -EPIPE)
		dev_err_ratelimited(sub->vc->card->dev, "%s %u: cannot pass the data on (%d): xrun\n",
				    vcpcm_dir_name(substream), substream->number, err);
	if (err)
		return -EPIPE;
	/* It may now wait for less than the next boundary brings. */
	vcpcm_arm_waiter(sub, substream);
	return 0;
}

/*
 * SNDRV_PCM_IOCTL_RESET moves appl_ptr to hw_ptr (folded into the first
 * buffer) without calling .ack: the core must not take the step back for
 * a rewind. The stream keeps running, as on any DMA card.
 */
static int vcpcm_pcm_ioctl(struct snd_pcm_substream *substream, unsigned int cmd, void *arg)
{
	struct snd_pcm_runtime *runtime = substream->runtime;
	struct vcpcm_sub *sub = vcpcm_sub_of(substream);
	int err = snd_pcm_lib_ioctl(substream, cmd, arg);

	if (err || cmd != SNDRV_PCM_IOCTL1_RESET)
		return err;
	snd_pcm_stream_lock_irq(substream);
	vcpcm_stream_rebase(&sub->core, runtime->status->hw_ptr);
	/*
	 * Where ALSA puts appl_ptr next (snd_pcm_post_reset), not where it is
	 * now: an application that refills the whole buffer brings appl_ptr
	 * back to its old value, and that must still count as a move.
	 */
	sub->seen_appl = runtime->status->hw_ptr;
	/*
	 * ALSA recounts periods from hw_ptr after this returns, and hw_ptr may
	 * move on before: count from the next boundary to be on the safe side.
	 */
	vcpcm_irq_restart(sub, runtime, jiffies - 1);
	sub->irq_boundary += runtime->period_size;
	snd_pcm_stream_unlock_irq(substream);
	return 0;
}

static const struct snd_pcm_ops vcpcm_pcm_ops = {
	.ioctl = vcpcm_pcm_ioctl,
	.open = vcpcm_pcm_open,
	.close = vcpcm_pcm_close,
	.prepare = vcpcm_pcm_prepare,
	.trigger = vcpcm_pcm_trigger,
	.pointer = vcpcm_pcm_pointer,
	.ack = vcpcm_pcm_ack,
	.get_time_info = vcpcm_pcm_get_time_info,
};

/**
 * vcpcm_pcm_create() - create the card's PCM device and its substreams
 * @vc: the card, with its transport and substream count set
 *
 * Context: process context, during probe.
 * Return: 0 or a negative errno.
 */
int vcpcm_pcm_create(struct vcpcm_card *vc)
{
	struct snd_pcm *pcm;
	unsigned int dir, i;
	int err;

	err = snd_pcm_new(vc->card, "vcpcm PCM", 0, vcpcm_substreams(vc, SNDRV_PCM_STREAM_PLAYBACK),
			  vcpcm_substreams(vc, SNDRV_PCM_STREAM_CAPTURE), &pcm);
	if (err < 0)
		return err;
	pcm->private_data = vc;
	strscpy(pcm->name, "vcpcm PCM", sizeof(pcm->name));
	snd_pcm_set_ops(pcm, SNDRV_PCM_STREAM_PLAYBACK, &vcpcm_pcm_ops);
	snd_pcm_set_ops(pcm, SNDRV_PCM_STREAM_CAPTURE, &vcpcm_pcm_ops);
	/* The intermediate buffer: plain memory the application maps. */
	snd_pcm_set_managed_buffer_all(pcm, SNDRV_DMA_TYPE_VMALLOC, NULL, 0, vc->buffer_bytes_max);

	for (dir = 0; dir < 2; dir++) {
		for (i = 0; i < vcpcm_substreams(vc, dir); i++) {
			struct vcpcm_sub *sub = &vc->subs[dir][i];

			sub->vc = vc;
			sub->chan = vcpcm_transport_chan(vc->transport,
							 dir == SNDRV_PCM_STREAM_PLAYBACK ?
							 VCPCM_DIR_PLAYBACK : VCPCM_DIR_CAPTURE, i);
			init_completion(&sub->result_done);
			mutex_init(&sub->request_lock);
			timer_setup(&sub->watchdog, vcpcm_watchdog, 0);
			hrtimer_init(&sub->waiter, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
			sub->waiter.function = vcpcm_waiter_fn;
			if (dir == SNDRV_PCM_STREAM_PLAYBACK) {
				sub->staging = devm_kmalloc(vc->card->dev,
							    vc->transport->caps.max_payload,
							    GFP_KERNEL);
				if (!sub->staging)
					return -ENOMEM;
			}
		}
	}
	vc->pcm = pcm;
	return 0;
}

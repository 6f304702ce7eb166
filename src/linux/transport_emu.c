// SPDX-License-Identifier: GPL-2.0
/*
 * Transport backend: the emulated coprocessor.
 *
 * The far side's logic lives in the C++ core (coprocessor.cpp); this file
 * gives it what firmware would have: memory, a sample clock (an hrtimer
 * ticking at each channel's report times, tick_us apart at the finest:
 * emu_schedule.c) and a message link. Like any remote it introduces
 * itself with an ANNOUNCE, which the model writes.
 *
 * Locking: emu_lock guards the coprocessor model; rx_lock guards the
 * receivers and is held while messages are delivered. Delivery runs with
 * emu_lock released, so the order is rx_lock -> (PCM stream lock) ->
 * emu_lock and a receiver may send (refill the FIFO) from its callback.
 * Replies (RESULT) are delivered from a work item, never from inside send().
 *
 * A capture position read between ticks polls its channel (poll()): the
 * model reports that channel up to now, delivered at once under emu_lock
 * to the reader (who holds the stream lock and does not send). It stands
 * aside (reports nothing) while a tick's reports are on their way
 * (delivering): every channel's reports stay in order, the tick's outbox
 * intact, and those reports bring the position instead.
 */
#include <linux/debugfs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/slab.h>
#include <linux/seq_file.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>

#include "emu_schedule.h"
#include "transport.h"
#include "vcpcm/errno.h"

struct vcpcm_emu_transport {
	struct vcpcm_transport base;
	spinlock_t emu_lock;
	spinlock_t rx_lock;
	struct hrtimer timer;
	ktime_t finest_tick;		/* tick_us */
	u32 start_latency_ns;		/* latency_us */
	struct vcpcm_emu_schedule sched[VCPCM_EMU_CHANS];	/* under emu_lock */
	struct work_struct reply_work;
	struct vcpcm_emu *emu;
	void *mem;
	/* One reply slot per channel: requests are one at a time per channel. */
	struct vcpcm_emu_out replies[2 * VCPCM_EMU_MAX_PAIRS];
	u8 announce[VCPCM_MSG_ANNOUNCE_SIZE];
	unsigned long reply_pending;	/* bitmap, under emu_lock */
	u64 model_ns;			/* CPU time in the coprocessor model; under emu_lock */
	u64 sent;			/* messages to the remote; under emu_lock */
	u64 delivered;			/* messages from it (reports, replies); under rx_lock */
	u64 polled;			/* reports handed to a position read; under emu_lock */
	bool ticking;			/* the timer is queued or will re-arm; under emu_lock */
	bool delivering;		/* a tick's reports are on their way; under emu_lock */
};

static struct vcpcm_emu_transport *to_emu(struct vcpcm_transport *t)
{
	return container_of(t, struct vcpcm_emu_transport, base);
}

static void vcpcm_emu_deliver(struct vcpcm_emu_transport *t, const struct vcpcm_emu_out *o)
{
	struct vcpcm_chan *chan = &t->base.chans[o->chan];

	t->delivered++;
	if (chan->rx)
		chan->rx(chan->rx_ctx, o->hdr, o->len, o->payload, o->payload_len);
}

static void vcpcm_emu_reply_work(struct work_struct *work)
{
	struct vcpcm_emu_transport *t = container_of(work, struct vcpcm_emu_transport, reply_work);
	struct vcpcm_emu_out reply;
	unsigned long flags;
	int chan;

	for (;;) {
		spin_lock_irqsave(&t->emu_lock, flags);
		chan = t->reply_pending ? __ffs(t->reply_pending) : -1;
		if (chan >= 0) {
			reply = t->replies[chan];
			__clear_bit(chan, &t->reply_pending);
		}
		spin_unlock_irqrestore(&t->emu_lock, flags);
		if (chan < 0)
			return;
		spin_lock_irqsave(&t->rx_lock, flags);
		vcpcm_emu_deliver(t, &reply);
		spin_unlock_irqrestore(&t->rx_lock, flags);
	}
}

/* The channels whose clock runs, with a schedule (vcpcm_emu_next_tick()). Under emu_lock. */
static unsigned long vcpcm_emu_clocked_chans(struct vcpcm_emu_transport *t)
{
	unsigned long clocked = 0;
	u32 chan;

	for (chan = 0; chan < VCPCM_EMU_CHANS; chan++)
		if (t->sched[chan].frames && vcpcm_emu_clocked(t->emu, chan))
			__set_bit(chan, &clocked);
	return clocked;
}

/* Arm the timer for the tick after @now. Under emu_lock. */
static void vcpcm_emu_arm(struct vcpcm_emu_transport *t, ktime_t now, bool start)
{
	unsigned long clocked = vcpcm_emu_clocked_chans(t);
	u64 shared = vcpcm_emu_shared_interval_ns(t->sched, clocked);
	u64 slack = shared / 4;
	ktime_t at = shared ? ktime_add_ns(now, shared - slack) :
		     vcpcm_emu_next_tick(t->sched, clocked, now, t->finest_tick);

	if (start)
		hrtimer_start_range_ns(&t->timer, at, slack, HRTIMER_MODE_ABS_SOFT);
	else
		hrtimer_set_expires_range_ns(&t->timer, at, slack);
}

static enum hrtimer_restart vcpcm_emu_timer_fn(struct hrtimer *timer)
{
	struct vcpcm_emu_transport *t = container_of(timer, struct vcpcm_emu_transport, timer);
	const struct vcpcm_emu_out *out;
	unsigned long flags;
	u32 i, n;
	int running;
	u64 t0;

	spin_lock_irqsave(&t->emu_lock, flags);
	t0 = ktime_get_ns();	/* not local_clock(): jiffies-coarse on UML */
	n = vcpcm_emu_tick(t->emu, t0, &out);
	t->model_ns += ktime_get_ns() - t0;
	running = vcpcm_emu_running(t->emu);
	/* Stopping: a START from now on must start the timer again. */
	if (!running)
		t->ticking = false;
	if (running)
		vcpcm_emu_arm(t, ns_to_ktime(t0), false);
	t->delivering = n;
	spin_unlock_irqrestore(&t->emu_lock, flags);
	if (!n)
		return running ? HRTIMER_RESTART : HRTIMER_NORESTART;

	/* The outbox stays valid: no tick overlaps, and polls stand aside. */
	spin_lock_irqsave(&t->rx_lock, flags);
	for (i = 0; i < n; i++)
		vcpcm_emu_deliver(t, &out[i]);
	spin_unlock_irqrestore(&t->rx_lock, flags);

	spin_lock_irqsave(&t->emu_lock, flags);
	t->delivering = false;
	spin_unlock_irqrestore(&t->emu_lock, flags);
	return running ? HRTIMER_RESTART : HRTIMER_NORESTART;
}

static void vcpcm_emu_poll(struct vcpcm_chan *chan, vcpcm_rx_fn rx, void *ctx)
{
	struct vcpcm_emu_transport *t = to_emu(chan->transport);
	const struct vcpcm_emu_out *out;
	unsigned long flags;
	u32 i, n = 0;
	u64 t0;

	spin_lock_irqsave(&t->emu_lock, flags);
	if (!t->delivering) {
		t0 = ktime_get_ns();
		n = vcpcm_emu_poll_capture(t->emu, chan->id, t0, &out);
		t->model_ns += ktime_get_ns() - t0;
	}
	for (i = 0; i < n; i++)
		rx(ctx, out[i].hdr, out[i].len, out[i].payload, out[i].payload_len);
	t->polled += n;
	spin_unlock_irqrestore(&t->emu_lock, flags);
}

static int vcpcm_emu_send(struct vcpcm_chan *chan, const void *msg, u32 len,
			  const void *payload, u32 payload_len)
{
	struct vcpcm_emu_transport *t = to_emu(chan->transport);
	struct vcpcm_emu_out reply;
	unsigned long flags;
	int ret;

	u64 t0;

	spin_lock_irqsave(&t->emu_lock, flags);
	t0 = ktime_get_ns();
	ret = vcpcm_kernel_errno(vcpcm_emu_handle(t->emu, chan->id, msg, len, payload,
						  payload_len, t0, &reply));
	t->model_ns += ktime_get_ns() - t0;
	t->sent++;
	if (ret == 1) {
		t->replies[chan->id] = reply;
		__set_bit(chan->id, &t->reply_pending);
	}
	spin_unlock_irqrestore(&t->emu_lock, flags);
	if (ret == 1) {
		schedule_work(&t->reply_work);
		ret = 0;
	}
	return ret;
}

static void vcpcm_emu_attach(struct vcpcm_chan *chan, vcpcm_rx_fn rx, void *ctx)
{
	vcpcm_chan_set_rx(chan, &to_emu(chan->transport)->rx_lock, rx, ctx);
}

static void vcpcm_emu_detach(struct vcpcm_chan *chan)
{
	vcpcm_emu_attach(chan, NULL, NULL);
}

static void vcpcm_emu_started(struct vcpcm_chan *chan, u32 report_ns, u32 rate,
			      bool on_boundaries)
{
	struct vcpcm_emu_transport *t = to_emu(chan->transport);
	ktime_t interval = max_t(ktime_t, ns_to_ktime(report_ns), t->finest_tick);
	/*
	 * After the START was handled: its clock starts at or before this
	 * plus the start-up latency (a resume starts it at once: ticks then
	 * come late by the latency, never early).
	 */
	ktime_t anchor = ktime_add_ns(ktime_get(), t->start_latency_ns);
	unsigned long flags;
	bool start;

	spin_lock_irqsave(&t->emu_lock, flags);
	vcpcm_emu_schedule_set(&t->sched[chan->id], anchor, interval, rate, on_boundaries);
	/*
	 * Not hrtimer_is_queued(): while the callback runs the timer is not
	 * queued, and a second start would then race with its re-arming.
	 * The callback clears ticking (under emu_lock) only when it will not
	 * re-arm, and a start while that callback finishes is allowed. A
	 * queued timer is taken back and armed again, for this channel's first
	 * report too; a running callback re-arms after us, seeing it. Not a
	 * shared tick (vcpcm_emu_shared_interval_ns()): counted from now, it
	 * would put off the other channels' reports at every start.
	 */
	start = !t->ticking ||
		(!vcpcm_emu_shared_interval_ns(t->sched, vcpcm_emu_clocked_chans(t)) &&
		 hrtimer_try_to_cancel(&t->timer) >= 0);
	t->ticking = true;
	if (start)
		vcpcm_emu_arm(t, ktime_get(), true);
	spin_unlock_irqrestore(&t->emu_lock, flags);
}

static void vcpcm_emu_destroy(struct vcpcm_transport *base)
{
	struct vcpcm_emu_transport *t = to_emu(base);

	hrtimer_cancel(&t->timer);
	cancel_work_sync(&t->reply_work);
	kvfree(t->mem);
	kfree(t);
}

/*
 * debugfs "fault": the reliability tests make the remote misbehave.
 *   echo 'NAME [chan=N] [count=N] [ms=N]' > fault
 * NAME is a vcpcm_emu_fault_name() ("drop", "stall", "reset", "none", ...);
 * chan is the emulated channel (playback pair N = N, capture pair N = 8 + N),
 * every channel when left out. Reading shows how many faults were injected.
 */
static int vcpcm_emu_parse_fault(char *line, struct vcpcm_emu_fault *f)
{
	char *word, *rest = strim(line);
	unsigned int kind;
	int value;

	word = strsep(&rest, " ");
	for (kind = 0; vcpcm_emu_fault_name(kind); kind++)
		if (!strcmp(word, vcpcm_emu_fault_name(kind)))
			break;
	if (!vcpcm_emu_fault_name(kind))
		return -EINVAL;
	f->kind = kind;
	f->chan = -1;
	while ((word = strsep(&rest, " "))) {
		if (!*word)
			continue;
		if (sscanf(word, "chan=%d", &value) == 1 && value >= 0)
			f->chan = value;
		else if (sscanf(word, "count=%d", &value) == 1 && value >= 0)
			f->count = value;
		else if (sscanf(word, "ms=%d", &value) == 1 && value > 0)
			f->delay_ms = value;
		else
			return -EINVAL;
	}
	return 0;
}

static ssize_t vcpcm_emu_fault_write(struct file *file, const char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	struct vcpcm_emu_transport *t = ((struct seq_file *)file->private_data)->private;
	struct vcpcm_emu_fault f = {};
	unsigned long flags;
	char line[64];
	int err;

	if (count >= sizeof(line))
		return -EINVAL;
	if (copy_from_user(line, ubuf, count))
		return -EFAULT;
	line[count] = '\0';
	err = vcpcm_emu_parse_fault(line, &f);
	if (!err) {
		spin_lock_irqsave(&t->emu_lock, flags);
		err = vcpcm_kernel_errno(vcpcm_emu_inject(t->emu, &f, ktime_get_ns()));
		spin_unlock_irqrestore(&t->emu_lock, flags);
	}
	if (err) {
		pr_err("snd-vcpcm: fault: cannot inject '%s' (%d)\n", strim(line), err);
		return err;
	}
	if (f.chan < 0)
		pr_info("snd-vcpcm: fault: %s on every channel\n", vcpcm_emu_fault_name(f.kind));
	else
		pr_info("snd-vcpcm: fault: %s on channel %d\n", vcpcm_emu_fault_name(f.kind), f.chan);
	return count;
}

static int vcpcm_emu_fault_show(struct seq_file *m, void *unused)
{
	struct vcpcm_emu_transport *t = m->private;
	unsigned long flags;
	unsigned int kind;
	u64 injected;

	spin_lock_irqsave(&t->emu_lock, flags);
	injected = vcpcm_emu_faults_injected(t->emu);
	spin_unlock_irqrestore(&t->emu_lock, flags);
	seq_printf(m, "injected: %llu\nfaults:", injected);
	for (kind = 0; vcpcm_emu_fault_name(kind); kind++)
		seq_printf(m, " %s", vcpcm_emu_fault_name(kind));
	seq_puts(m, "\nwrite: NAME [chan=N] [count=N] [ms=N]\n");
	return 0;
}

static int vcpcm_emu_fault_open(struct inode *inode, struct file *file)
{
	return single_open(file, vcpcm_emu_fault_show, inode->i_private);
}

static const struct file_operations vcpcm_emu_fault_fops = {
	.owner = THIS_MODULE,
	.open = vcpcm_emu_fault_open,
	.read = seq_read,
	.write = vcpcm_emu_fault_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/*
 * debugfs "model_ns": CPU time spent in the coprocessor model (its clock,
 * FIFO, copies and reports): work a real remote does on its own processor.
 * make bench subtracts it to show the host driver's share.
 */
static int vcpcm_emu_model_ns_show(struct seq_file *m, void *unused)
{
	struct vcpcm_emu_transport *t = m->private;
	unsigned long flags;
	u64 ns;

	spin_lock_irqsave(&t->emu_lock, flags);
	ns = t->model_ns;
	spin_unlock_irqrestore(&t->emu_lock, flags);
	seq_printf(m, "%llu\n", ns);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpcm_emu_model_ns);

/* debugfs "messages": how many crossed the link each way (make bench: per audio-second). */
static int vcpcm_emu_messages_show(struct seq_file *m, void *unused)
{
	struct vcpcm_emu_transport *t = m->private;
	unsigned long flags;
	u64 sent, delivered;

	spin_lock_irqsave(&t->emu_lock, flags);
	sent = t->sent;
	delivered = t->polled;
	spin_unlock_irqrestore(&t->emu_lock, flags);
	spin_lock_irqsave(&t->rx_lock, flags);
	delivered += t->delivered;
	spin_unlock_irqrestore(&t->rx_lock, flags);
	seq_printf(m, "to_remote %llu\nfrom_remote %llu\n", sent, delivered);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpcm_emu_messages);

static void vcpcm_emu_debugfs_init(struct vcpcm_transport *base, struct dentry *dir)
{
	debugfs_create_file("fault", 0600, dir, to_emu(base), &vcpcm_emu_fault_fops);
	debugfs_create_file("model_ns", 0400, dir, to_emu(base), &vcpcm_emu_model_ns_fops);
	debugfs_create_file("messages", 0400, dir, to_emu(base), &vcpcm_emu_messages_fops);
}

static const struct vcpcm_transport_ops vcpcm_emu_ops = {
	.send = vcpcm_emu_send,
	.attach = vcpcm_emu_attach,
	.detach = vcpcm_emu_detach,
	.started = vcpcm_emu_started,
	.poll = vcpcm_emu_poll,
	.debugfs_init = vcpcm_emu_debugfs_init,
	.destroy = vcpcm_emu_destroy,
};

/**
 * vcpcm_emu_transport_create() - create an emulated coprocessor transport
 * @cfg: channel pairs, FIFO bytes per channel, clock tick and start-up
 *       latency in microseconds, largest payload per message
 *
 * Context: process context; allocates with GFP_KERNEL.
 * Return: the transport, or an ERR_PTR (-EINVAL for a bad @cfg, -ENOMEM).
 */
struct vcpcm_transport *vcpcm_emu_transport_create(const struct vcpcm_emu_config *cfg)
{
	struct vcpcm_emu_params params = {
		.pairs = cfg->pairs,
		.fifo_bytes = cfg->fifo_bytes,
		.max_payload = cfg->max_payload,
		.start_latency_us = cfg->latency_us,
	};
	struct vcpcm_emu_transport *t;
	struct vcpcm_msg_announce caps;
	u64 size = vcpcm_emu_mem_size(&params);

	if (!size || !cfg->tick_us)
		return ERR_PTR(-EINVAL);
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->mem = kvzalloc(size, GFP_KERNEL);
	if (!t->mem) {
		kfree(t);
		return ERR_PTR(-ENOMEM);
	}
	t->emu = vcpcm_emu_init(t->mem, size, &params);
	spin_lock_init(&t->emu_lock);
	spin_lock_init(&t->rx_lock);
	INIT_WORK(&t->reply_work, vcpcm_emu_reply_work);
	hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	t->timer.function = vcpcm_emu_timer_fn;
	t->finest_tick = ns_to_ktime((u64)cfg->tick_us * NSEC_PER_USEC);

	t->base.ops = &vcpcm_emu_ops;
	t->base.name = "emulated coprocessor";
	t->start_latency_ns = cfg->latency_us * NSEC_PER_USEC;
	vcpcm_emu_announce(&params, cfg->tick_us * NSEC_PER_USEC, &caps);
	t->base.announce = t->announce;
	t->base.announce_len = vcpcm_announce_encode(&caps, t->announce, sizeof(t->announce));
	t->base.send_may_sleep = false;
	vcpcm_transport_init_chans(&t->base);
	return &t->base;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Transport backend: a user-space process as the remote (/dev/vcpcm).
 *
 * The uinput pattern: a process opens /dev/vcpcm and writes an ANNOUNCE;
 * a card built from it appears. The host's messages are queued for the
 * process to read(); what it write()s is delivered to the card's streams.
 * Closing the file (or dying) disconnects the card: applications get
 * -ENODEV at once, and the card is freed when the last one closes.
 *
 * Everything the process writes is untrusted: frames are bounded, channels
 * checked against what it announced, messages go through the same core
 * decoder as any remote's. send() runs in atomic context (under the PCM
 * stream lock) and never sleeps: the queue to the process is bounded in
 * bytes and messages, and a remote that stops reading gets -ENOBUFS, which
 * makes its streams xrun with a dmesg line. Memory per card: the queue
 * limit plus one frame buffer.
 *
 * Locking: rx_lock is held while a written message is delivered (the
 * receiver may send from its callback); queue_lock guards the queue and is
 * taken inside the PCM stream lock. Order: rx_lock -> stream lock ->
 * queue_lock. write_lock serialises write() and release().
 */
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "vcpcm.h"
#include "vcpcm/user.h"

/* A process's queue of host messages: 1 MiB, 4096 messages at most. */
#define VCPCM_USER_QUEUE_BYTES	(1u << 20)
#define VCPCM_USER_QUEUE_MSGS	4096

struct vcpcm_user_msg {
	struct list_head node;
	u32 size;		/* frame header + message */
	u8 frame[];
};

struct vcpcm_user_transport {
	struct vcpcm_transport base;
	struct kref ref;		/* the open file, and the card */
	struct mutex write_lock;
	spinlock_t rx_lock;
	spinlock_t queue_lock;
	wait_queue_head_t readers;
	struct list_head queue;		/* under queue_lock */
	u32 queued_bytes, queued_msgs;	/* under queue_lock */
	bool gone;			/* the file was released; under queue_lock */
	bool counted;			/* holds a place in vcpcm_user_cards */
	pid_t pid;			/* the process that opened the device, for the log */
	struct snd_card *card;		/* under write_lock */
	u8 *frame;			/* the frame being written */
};

static struct vcpcm_card_params vcpcm_user_params;
static atomic_t vcpcm_user_cards = ATOMIC_INIT(0);
static unsigned int vcpcm_user_max_cards;

static struct miscdevice vcpcm_user_misc;

static struct vcpcm_user_transport *to_user(struct vcpcm_transport *t)
{
	return container_of(t, struct vcpcm_user_transport, base);
}

static void vcpcm_user_drop_queue(struct vcpcm_user_transport *u)
{
	struct vcpcm_user_msg *m, *next;

	list_for_each_entry_safe(m, next, &u->queue, node) {
		list_del(&m->node);
		kfree(m);
	}
	u->queued_bytes = 0;
	u->queued_msgs = 0;
}

static void vcpcm_user_free(struct kref *ref)
{
	struct vcpcm_user_transport *u = container_of(ref, struct vcpcm_user_transport, ref);

	vcpcm_user_drop_queue(u);
	if (u->counted)
		atomic_dec(&vcpcm_user_cards);
	kvfree(u->frame);
	kfree(u);
}

static int vcpcm_user_send(struct vcpcm_chan *chan, const void *msg, u32 len,
			   const void *payload, u32 payload_len)
{
	struct vcpcm_user_transport *u = to_user(chan->transport);
	struct vcpcm_user_frame hdr = { .chan = chan->id, .len = len + payload_len };
	u32 size = sizeof(hdr) + hdr.len;
	struct vcpcm_user_msg *m;
	unsigned long flags;
	int err = 0;

	/* Atomic context: no sleeping allocation, and a bounded queue. */
	m = kmalloc(struct_size(m, frame, size), GFP_ATOMIC | __GFP_NOWARN);
	if (!m)
		return -ENOMEM;
	m->size = size;
	memcpy(m->frame, &hdr, sizeof(hdr));
	memcpy(m->frame + sizeof(hdr), msg, len);
	if (payload_len)
		memcpy(m->frame + sizeof(hdr) + len, payload, payload_len);

	spin_lock_irqsave(&u->queue_lock, flags);
	if (u->gone) {
		err = -ENODEV;
	} else if (u->queued_bytes + size > VCPCM_USER_QUEUE_BYTES ||
		   u->queued_msgs >= VCPCM_USER_QUEUE_MSGS) {
		err = -ENOBUFS;
	} else {
		list_add_tail(&m->node, &u->queue);
		u->queued_bytes += size;
		u->queued_msgs++;
	}
	spin_unlock_irqrestore(&u->queue_lock, flags);
	if (err) {
		kfree(m);
		if (err == -ENOBUFS)
			dev_err_ratelimited(vcpcm_user_misc.this_device,
					    "pid %d: the remote process does not read its messages (queue full): its streams xrun\n",
					    u->pid);
		return err;
	}
	wake_up_interruptible(&u->readers);
	return 0;
}

static void vcpcm_user_attach(struct vcpcm_chan *chan, vcpcm_rx_fn rx, void *ctx)
{
	vcpcm_chan_set_rx(chan, &to_user(chan->transport)->rx_lock, rx, ctx);
}

static void vcpcm_user_detach(struct vcpcm_chan *chan)
{
	vcpcm_user_attach(chan, NULL, NULL);
}

/* The process keeps its own clock: nothing to start. */
static void vcpcm_user_started(struct vcpcm_chan *chan, u32 report_ns, u32 rate)
{
}

static void vcpcm_user_destroy(struct vcpcm_transport *t)
{
	kref_put(&to_user(t)->ref, vcpcm_user_free);
}

static const struct vcpcm_transport_ops vcpcm_user_ops = {
	.send = vcpcm_user_send,
	.attach = vcpcm_user_attach,
	.detach = vcpcm_user_detach,
	.started = vcpcm_user_started,
	.destroy = vcpcm_user_destroy,
};

static int vcpcm_user_open(struct inode *inode, struct file *file)
{
	struct vcpcm_user_transport *u;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	u->frame = kvmalloc(VCPCM_USER_FRAME_MAX, GFP_KERNEL);
	if (!u->frame) {
		kfree(u);
		return -ENOMEM;
	}
	kref_init(&u->ref);
	mutex_init(&u->write_lock);
	spin_lock_init(&u->rx_lock);
	spin_lock_init(&u->queue_lock);
	init_waitqueue_head(&u->readers);
	INIT_LIST_HEAD(&u->queue);
	u->base.ops = &vcpcm_user_ops;
	u->base.name = "user-space remote";
	vcpcm_transport_init_chans(&u->base);
	u->pid = task_tgid_nr(current);
	file->private_data = u;
	return stream_open(inode, file);
}

/* The first frame: ANNOUNCE (+ id). The card appears, or the remote is refused. */
static int vcpcm_user_announce(struct vcpcm_user_transport *u, u32 len)
{
	const u8 *msg = u->frame + sizeof(struct vcpcm_user_frame);
	char xid[VCPCM_USER_ID_LEN] = "";
	char name[16];
	int err;

	if (len == VCPCM_MSG_ANNOUNCE_SIZE + VCPCM_USER_ID_LEN) {
		memcpy(xid, msg + VCPCM_MSG_ANNOUNCE_SIZE, sizeof(xid) - 1);
		len = VCPCM_MSG_ANNOUNCE_SIZE;
	}
	if (atomic_inc_return(&vcpcm_user_cards) > vcpcm_user_max_cards) {
		atomic_dec(&vcpcm_user_cards);
		dev_err_ratelimited(vcpcm_user_misc.this_device,
				    "a user-space remote is refused: %u cards already (user_cards)\n",
				    vcpcm_user_max_cards);
		return -EBUSY;
	}
	u->base.announce = msg;
	u->base.announce_len = len;
	snprintf(name, sizeof(name), "user%d", u->pid);
	kref_get(&u->ref);	/* the card's: vcpcm_user_destroy() puts it */
	err = vcpcm_card_create(vcpcm_user_misc.this_device, -1, xid[0] ? xid : NULL, &u->base,
				&vcpcm_user_params, name, &u->card);
	if (err) {
		u->card = NULL;
		atomic_dec(&vcpcm_user_cards);
		return err;
	}
	u->counted = true;
	return 0;
}

/* A message for one of the card's channels, delivered as any remote's. */
static int vcpcm_user_deliver(struct vcpcm_user_transport *u, u32 chan_id, u32 len)
{
	const struct vcpcm_msg_announce *caps = &u->base.caps;
	u32 dir = chan_id / VCPCM_ANNOUNCE_MAX_CHANS, index = chan_id % VCPCM_ANNOUNCE_MAX_CHANS;
	struct vcpcm_chan *chan;
	unsigned long flags;

	if (chan_id >= ARRAY_SIZE(u->base.chans) ||
	    index >= (dir == VCPCM_DIR_PLAYBACK ? caps->playback_chans : caps->capture_chans))
		return -EINVAL;
	chan = &u->base.chans[chan_id];
	spin_lock_irqsave(&u->rx_lock, flags);
	/* No one listens on a closed substream: the message is dropped, as stale. */
	if (chan->rx)
		chan->rx(chan->rx_ctx, u->frame + sizeof(struct vcpcm_user_frame), len, NULL, 0);
	spin_unlock_irqrestore(&u->rx_lock, flags);
	return 0;
}

static ssize_t vcpcm_user_write(struct file *file, const char __user *buf, size_t count,
				loff_t *ppos)
{
	struct vcpcm_user_transport *u = file->private_data;
	struct vcpcm_user_frame hdr;
	int err;

	if (count < sizeof(hdr) || count > VCPCM_USER_FRAME_MAX)
		return -EMSGSIZE;
	mutex_lock(&u->write_lock);
	if (copy_from_user(u->frame, buf, count)) {
		err = -EFAULT;
		goto out;
	}
	memcpy(&hdr, u->frame, sizeof(hdr));
	if (hdr.len != count - sizeof(hdr)) {
		err = -EINVAL;
		goto out;
	}
	if (!u->card)
		err = hdr.chan == VCPCM_USER_CHAN_CARD ? vcpcm_user_announce(u, hdr.len) : -ENOTCONN;
	else
		err = hdr.chan == VCPCM_USER_CHAN_CARD ? -EISCONN : vcpcm_user_deliver(u, hdr.chan, hdr.len);
out:
	mutex_unlock(&u->write_lock);
	return err ? err : count;
}

static ssize_t vcpcm_user_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct vcpcm_user_transport *u = file->private_data;
	struct vcpcm_user_msg *m;
	ssize_t ret;

	for (;;) {
		spin_lock_irq(&u->queue_lock);
		m = list_first_entry_or_null(&u->queue, struct vcpcm_user_msg, node);
		if (m && m->size <= count) {
			list_del(&m->node);
			u->queued_bytes -= m->size;
			u->queued_msgs--;
		}
		spin_unlock_irq(&u->queue_lock);
		if (m && m->size > count)
			return -EMSGSIZE;	/* the frame stays for a larger buffer */
		if (m)
			break;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(u->readers, !list_empty_careful(&u->queue));
		if (ret)
			return ret;
	}
	ret = copy_to_user(buf, m->frame, m->size) ? -EFAULT : m->size;
	kfree(m);
	return ret;
}

static __poll_t vcpcm_user_poll(struct file *file, poll_table *wait)
{
	struct vcpcm_user_transport *u = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &u->readers, wait);
	if (!list_empty_careful(&u->queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* The process closed the device or died: its card goes, now. */
static int vcpcm_user_release(struct inode *inode, struct file *file)
{
	struct vcpcm_user_transport *u = file->private_data;
	struct snd_card *card;

	mutex_lock(&u->write_lock);
	spin_lock_irq(&u->queue_lock);
	u->gone = true;		/* from here every send fails: requests end at once */
	vcpcm_user_drop_queue(u);
	spin_unlock_irq(&u->queue_lock);
	card = u->card;
	u->card = NULL;
	mutex_unlock(&u->write_lock);
	if (card) {
		dev_info(card->dev, "card %d (%s): the remote process went away: disconnected\n",
			 card->number, card->id);
		snd_card_disconnect(card);
		snd_card_free_when_closed(card);
	}
	kref_put(&u->ref, vcpcm_user_free);
	return 0;
}

static const struct file_operations vcpcm_user_fops = {
	.owner = THIS_MODULE,
	.open = vcpcm_user_open,
	.release = vcpcm_user_release,
	.read = vcpcm_user_read,
	.write = vcpcm_user_write,
	.poll = vcpcm_user_poll,
};

static struct miscdevice vcpcm_user_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vcpcm",
	.fops = &vcpcm_user_fops,
	.mode = 0600,	/* creating cards is privileged, as with /dev/uinput */
};

/**
 * vcpcm_user_init() - offer /dev/vcpcm
 * @max_cards: how many cards user-space remotes may have at once (0: none,
 *             and no device)
 * @p: buffer_kib and control_mmap of every such card
 *
 * Return: 0 or a negative errno.
 */
int vcpcm_user_init(unsigned int max_cards, const struct vcpcm_card_params *p)
{
	vcpcm_user_max_cards = max_cards;
	vcpcm_user_params = *p;
	return max_cards ? misc_register(&vcpcm_user_misc) : 0;
}

/**
 * vcpcm_user_exit() - withdraw /dev/vcpcm
 * @max_cards: as given to vcpcm_user_init()
 *
 * An open file holds the module, so no process is connected here.
 */
void vcpcm_user_exit(unsigned int max_cards)
{
	if (max_cards)
		misc_deregister(&vcpcm_user_misc);
}

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
 * One copy per byte of audio, each way. The host's messages go straight
 * from the application's buffer into a queue the process maps (struct
 * vcpcm_user_queue) and reads in place; read() is offered too, for simple
 * remotes, at the cost of a second copy. A written message's payload is
 * mapped from the process's pages and copied once, by the core, into the
 * card's buffer.
 *
 * Everything the process writes is untrusted: frames are bounded, channels
 * checked against what it announced, messages go through the same core
 * decoder as any remote's, and the queue's shared tail is checked before
 * it is believed. send() runs in atomic context (under the PCM stream
 * lock) and never sleeps or allocates: the queue is a fixed 1 MiB, and a
 * remote that stops reading gets -ENOBUFS, which makes its streams xrun
 * with a dmesg line. Memory per card: the queue plus one frame buffer.
 *
 * Locking: rx_lock is held while a written message is delivered (the
 * receiver may send from its callback); queue_lock guards the queue's head
 * and is taken inside the PCM stream lock. Order: rx_lock -> stream lock ->
 * queue_lock. write_lock serialises write() and release(); read_lock,
 * read()s.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "vcpcm.h"
#include "vcpcm/user.h"

#define VCPCM_USER_QUEUE_MASK	(VCPCM_USER_QUEUE_BYTES - 1)
/* Pages a written frame's payload can span. */
#define VCPCM_USER_PAYLOAD_PAGES (DIV_ROUND_UP(VCPCM_USER_FRAME_MAX, PAGE_SIZE) + 1)

/* Payload bytes, counted where they are copied (debugfs "copies"). */
struct vcpcm_user_copies {
	u64 queued;		/* into the queue: the one copy of an mmap() reader */
	u64 read;		/* again, by read() */
	u64 received;		/* written by the process, copied once into the card's buffer */
	u64 bounced;		/* of those, copied twice (pages that could not be mapped) */
};

struct vcpcm_user_transport {
	struct vcpcm_transport base;
	struct kref ref;		/* the open file, and the card */
	struct mutex write_lock;
	struct mutex read_lock;
	spinlock_t rx_lock;
	spinlock_t queue_lock;
	wait_queue_head_t readers;
	struct vcpcm_user_queue *queue;	/* shared with the process: header page, then data */
	u8 *data;
	u32 head;			/* ours (the shared one is for the process); under queue_lock */
	bool gone;			/* the file was released; under queue_lock */
	bool counted;			/* holds a place in vcpcm_user_cards */
	pid_t pid;			/* the process that opened the device, for the log */
	struct snd_card *card;		/* under write_lock */
	u8 *frame;			/* the frame being written */
	struct page *pages[VCPCM_USER_PAYLOAD_PAGES];	/* its payload's; under write_lock */
	/* .queued under queue_lock, .read under read_lock, the rest under write_lock */
	struct vcpcm_user_copies copies;
};

static struct vcpcm_card_params vcpcm_user_params;
static atomic_t vcpcm_user_cards = ATOMIC_INIT(0);
static unsigned int vcpcm_user_max_cards;

static struct miscdevice vcpcm_user_misc;

static struct vcpcm_user_transport *to_user(struct vcpcm_transport *t)
{
	return container_of(t, struct vcpcm_user_transport, base);
}

static void vcpcm_user_free(struct kref *ref)
{
	struct vcpcm_user_transport *u = container_of(ref, struct vcpcm_user_transport, ref);

	if (u->counted)
		atomic_dec(&vcpcm_user_cards);
	vfree(u->queue);
	kvfree(u->frame);
	kfree(u);
}

/*
 * The process's tail, if it is one the queue can have: not past head, not
 * more than the queue behind it, aligned. Acquire: the process has read the
 * frames before it, so they may be overwritten.
 */
static int vcpcm_user_tail(struct vcpcm_user_transport *u, u32 head, u32 *tail)
{
	u32 t = smp_load_acquire(&u->queue->tail);	/* pairs with the process's release */

	if (head - t > VCPCM_USER_QUEUE_BYTES || t % VCPCM_USER_QUEUE_ALIGN)
		return -EIO;
	*tail = t;
	return 0;
}

/*
 * One frame into the queue at head (the caller checked there is room). A
 * filler has no message and its payload is left as it is: len 0, payload
 * NULL, payload_len the bytes it covers.
 */
static void vcpcm_user_put_frame(struct vcpcm_user_transport *u, u32 chan, const void *msg,
				 u32 len, const void *payload, u32 payload_len)
{
	struct vcpcm_user_frame hdr = { .chan = chan, .len = len + payload_len };
	u8 *at = u->data + (u->head & VCPCM_USER_QUEUE_MASK);

	memcpy(at, &hdr, sizeof(hdr));
	if (len)
		memcpy(at + sizeof(hdr), msg, len);
	if (payload)
		memcpy(at + sizeof(hdr) + len, payload, payload_len);
	WRITE_ONCE(u->head, u->head + ALIGN(sizeof(hdr) + hdr.len, VCPCM_USER_QUEUE_ALIGN));
}

static int vcpcm_user_send(struct vcpcm_chan *chan, const void *msg, u32 len,
			   const void *payload, u32 payload_len)
{
	struct vcpcm_user_transport *u = to_user(chan->transport);
	u32 need = ALIGN(sizeof(struct vcpcm_user_frame) + len + payload_len,
			 VCPCM_USER_QUEUE_ALIGN);
	unsigned long flags;
	u32 tail, to_end;
	int err;

	spin_lock_irqsave(&u->queue_lock, flags);
	if (u->gone) {
		err = -ENODEV;
		goto out;
	}
	err = vcpcm_user_tail(u, u->head, &tail);
	if (err)
		goto out;
	/* A frame never crosses the end: a filler frame takes the rest. */
	to_end = VCPCM_USER_QUEUE_BYTES - (u->head & VCPCM_USER_QUEUE_MASK);
	if (u->head - tail + need + (need > to_end ? to_end : 0) > VCPCM_USER_QUEUE_BYTES) {
		err = -ENOBUFS;
		goto out;
	}
	if (need > to_end)
		vcpcm_user_put_frame(u, VCPCM_USER_CHAN_PAD, NULL, 0, NULL,
				     to_end - sizeof(struct vcpcm_user_frame));
	vcpcm_user_put_frame(u, chan->id, msg, len, payload, payload_len);
	u->copies.queued += payload_len;
	/* Release: the process sees the frames whole once it sees head. */
	smp_store_release(&u->queue->head, u->head);
out:
	spin_unlock_irqrestore(&u->queue_lock, flags);
	if (err == -ENOBUFS)
		dev_err_ratelimited(vcpcm_user_misc.this_device,
				    "pid %d: the remote process does not read its messages (queue full): its streams xrun\n",
				    u->pid);
	else if (err == -EIO)
		dev_err_ratelimited(vcpcm_user_misc.this_device,
				    "pid %d: the remote process wrote an impossible queue tail: its streams xrun\n",
				    u->pid);
	if (!err)
		wake_up_interruptible(&u->readers);
	return err;
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
static void vcpcm_user_started(struct vcpcm_chan *chan, u32 report_ns, u32 rate,
			       bool on_boundaries)
{
}

static void vcpcm_user_destroy(struct vcpcm_transport *t)
{
	kref_put(&to_user(t)->ref, vcpcm_user_free);
}

static int vcpcm_user_copies_show(struct seq_file *f, void *unused)
{
	struct vcpcm_user_transport *u = f->private;
	struct vcpcm_user_copies c;

	/* Counters, read unlocked: a snapshot for the benchmark. */
	c = u->copies;
	seq_printf(f, "queued %llu\nread %llu\nreceived %llu\nbounced %llu\n",
		   c.queued, c.read, c.received, c.bounced);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vcpcm_user_copies);

static void vcpcm_user_debugfs_init(struct vcpcm_transport *t, struct dentry *dir)
{
	debugfs_create_file("copies", 0400, dir, to_user(t), &vcpcm_user_copies_fops);
}

static const struct vcpcm_transport_ops vcpcm_user_ops = {
	.send = vcpcm_user_send,
	.attach = vcpcm_user_attach,
	.detach = vcpcm_user_detach,
	.started = vcpcm_user_started,
	.debugfs_init = vcpcm_user_debugfs_init,
	.destroy = vcpcm_user_destroy,
};

static int vcpcm_user_open(struct inode *inode, struct file *file)
{
	struct vcpcm_user_transport *u;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	u->frame = kvmalloc(VCPCM_USER_FRAME_MAX, GFP_KERNEL);
	/* Zeroed, and mappable by the process (VM_USERMAP). */
	u->queue = vmalloc_user(PAGE_SIZE + VCPCM_USER_QUEUE_BYTES);
	if (!u->frame || !u->queue) {
		vfree(u->queue);
		kvfree(u->frame);
		kfree(u);
		return -ENOMEM;
	}
	u->queue->size = VCPCM_USER_QUEUE_BYTES;
	u->queue->data_offset = PAGE_SIZE;
	u->data = (u8 *)u->queue + PAGE_SIZE;
	kref_init(&u->ref);
	mutex_init(&u->write_lock);
	mutex_init(&u->read_lock);
	spin_lock_init(&u->rx_lock);
	spin_lock_init(&u->queue_lock);
	init_waitqueue_head(&u->readers);
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

/* The fixed part's length of the message at @msg (4 bytes or more), or 0. */
static u32 vcpcm_user_fixed_size(const u8 *msg)
{
	__le32 type;

	memcpy(&type, msg, sizeof(type));
	return vcpcm_msg_fixed_size(le32_to_cpu(type));
}

/* A message to a channel's receiver, under rx_lock as every delivery. */
static void vcpcm_user_rx(struct vcpcm_user_transport *u, struct vcpcm_chan *chan,
			  const void *msg, u32 len, const void *payload, u32 payload_len)
{
	unsigned long flags;

	spin_lock_irqsave(&u->rx_lock, flags);
	/* No one listens on a closed substream: the message is dropped, as stale. */
	if (chan->rx)
		chan->rx(chan->rx_ctx, msg, len, payload, payload_len);
	spin_unlock_irqrestore(&u->rx_lock, flags);
}

/*
 * Map len bytes of the process's memory at @up into the kernel: the one
 * copy of a payload is then the core's, into the card's buffer. Returns the
 * payload's kernel address and *@nr pages to release, or NULL when the
 * pages cannot be had (the caller copies them instead).
 */
static const u8 *vcpcm_user_map_payload(struct vcpcm_user_transport *u, const u8 __user *up,
					u32 len, unsigned int *nr)
{
	unsigned long first = (unsigned long)up & PAGE_MASK;
	unsigned int pages = DIV_ROUND_UP(offset_in_page(up) + len, PAGE_SIZE);
	void *at;
	int got;

	if (pages > ARRAY_SIZE(u->pages))
		return NULL;
	got = pin_user_pages_fast(first, pages, 0, u->pages);
	if (got > 0 && got == pages) {
		at = vm_map_ram(u->pages, pages, NUMA_NO_NODE);
		if (at) {
			*nr = pages;
			return (const u8 *)at + offset_in_page(up);
		}
	}
	if (got > 0)
		unpin_user_pages(u->pages, got);
	return NULL;
}

static void vcpcm_user_unmap_payload(struct vcpcm_user_transport *u, const u8 *payload,
				     unsigned int nr)
{
	vm_unmap_ram((void *)((unsigned long)payload & PAGE_MASK), nr);
	unpin_user_pages(u->pages, nr);
}

/*
 * A message for one of the card's channels (its fixed part is in u->frame,
 * the rest still at @umsg), delivered as any remote's. A payload is
 * mapped, not copied, so the core's copy into the ring is its only one.
 */
static int vcpcm_user_deliver(struct vcpcm_user_transport *u, u32 chan_id,
			      const u8 __user *umsg, u32 len)
{
	const struct vcpcm_msg_announce *caps = &u->base.caps;
	u32 dir = chan_id / VCPCM_ANNOUNCE_MAX_CHANS, index = chan_id % VCPCM_ANNOUNCE_MAX_CHANS;
	u8 *msg = u->frame + sizeof(struct vcpcm_user_frame);
	u32 fixed = len >= 4 ? vcpcm_user_fixed_size(msg) : 0;
	struct vcpcm_chan *chan;
	const u8 *payload;
	unsigned int nr;

	if (chan_id >= ARRAY_SIZE(u->base.chans) ||
	    index >= (dir == VCPCM_DIR_PLAYBACK ? caps->playback_chans : caps->capture_chans))
		return -EINVAL;
	chan = &u->base.chans[chan_id];
	/* No payload, or not a message at all: the core judges what was copied. */
	if (!fixed || len <= fixed) {
		vcpcm_user_rx(u, chan, msg, min_t(u32, len, VCPCM_MSG_MAX_FIXED), NULL, 0);
		return 0;
	}
	u->copies.received += len - fixed;
	payload = vcpcm_user_map_payload(u, umsg + fixed, len - fixed, &nr);
	if (payload) {
		vcpcm_user_rx(u, chan, msg, fixed, payload, len - fixed);
		vcpcm_user_unmap_payload(u, payload, nr);
		return 0;
	}
	/* Memory that cannot be pinned (a device mapping): copied twice. */
	if (copy_from_user(msg + fixed, umsg + fixed, len - fixed))
		return -EFAULT;
	u->copies.bounced += len - fixed;
	vcpcm_user_rx(u, chan, msg, len, NULL, 0);
	return 0;
}

static ssize_t vcpcm_user_write(struct file *file, const char __user *buf, size_t count,
				loff_t *ppos)
{
	struct vcpcm_user_transport *u = file->private_data;
	struct vcpcm_user_frame hdr;
	size_t first;
	int err;

	if (count < sizeof(hdr) || count > VCPCM_USER_FRAME_MAX)
		return -EMSGSIZE;
	mutex_lock(&u->write_lock);
	/* The card's streams take only the fixed part here; ANNOUNCE, all of it. */
	first = u->card ? min_t(size_t, count, sizeof(hdr) + VCPCM_MSG_MAX_FIXED) : count;
	if (copy_from_user(u->frame, buf, first)) {
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
		err = hdr.chan == VCPCM_USER_CHAN_CARD ? -EISCONN :
		      vcpcm_user_deliver(u, hdr.chan, buf + sizeof(hdr), hdr.len);
out:
	mutex_unlock(&u->write_lock);
	return err ? err : count;
}

static bool vcpcm_user_readable(struct vcpcm_user_transport *u)
{
	return READ_ONCE(u->head) != READ_ONCE(u->queue->tail);
}

/*
 * The first frame at the queue's tail (fillers skipped): its offset in the
 * data area and length, 0 if the queue is empty, or -EIO if what the
 * process left there is not a frame we wrote.
 */
static int vcpcm_user_first_frame(struct vcpcm_user_transport *u, u32 *tail, u32 *frame_len)
{
	struct vcpcm_user_frame hdr;
	u32 head, to_end;
	int err;

	for (;;) {
		/* The lock orders the frames' bytes before their head. */
		spin_lock_irq(&u->queue_lock);
		head = u->head;
		spin_unlock_irq(&u->queue_lock);
		err = vcpcm_user_tail(u, head, tail);
		if (err || *tail == head)
			return err;
		to_end = VCPCM_USER_QUEUE_BYTES - (*tail & VCPCM_USER_QUEUE_MASK);
		memcpy(&hdr, u->data + (*tail & VCPCM_USER_QUEUE_MASK), sizeof(hdr));
		if (hdr.chan != VCPCM_USER_CHAN_PAD)
			break;
		/* Release: as the process does, once done with the frames. */
		smp_store_release(&u->queue->tail, *tail + to_end);
	}
	*frame_len = sizeof(hdr) + hdr.len;
	if (hdr.len > to_end - sizeof(hdr) ||
	    ALIGN(*frame_len, VCPCM_USER_QUEUE_ALIGN) > head - *tail)
		return -EIO;
	return 1;
}

static ssize_t vcpcm_user_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct vcpcm_user_transport *u = file->private_data;
	const u8 *frame;
	u32 tail, len, fixed;
	ssize_t ret;

	if (mutex_lock_interruptible(&u->read_lock))
		return -ERESTARTSYS;
	for (;;) {
		ret = vcpcm_user_first_frame(u, &tail, &len);
		if (ret)
			break;
		ret = -EAGAIN;
		if (file->f_flags & O_NONBLOCK)
			goto out;
		ret = wait_event_interruptible(u->readers, vcpcm_user_readable(u));
		if (ret)
			goto out;
	}
	if (ret < 0)
		goto out;
	if (len > count) {
		ret = -EMSGSIZE;	/* the frame stays for a larger buffer */
		goto out;
	}
	frame = u->data + (tail & VCPCM_USER_QUEUE_MASK);
	/* Sending writes only past head: the frame stays as it is meanwhile. */
	if (copy_to_user(buf, frame, len)) {
		ret = -EFAULT;
		goto out;
	}
	fixed = len >= sizeof(struct vcpcm_user_frame) + 4 ?
		vcpcm_user_fixed_size(frame + sizeof(struct vcpcm_user_frame)) : 0;
	if (fixed && len > sizeof(struct vcpcm_user_frame) + fixed)
		u->copies.read += len - sizeof(struct vcpcm_user_frame) - fixed;
	/* Release: the copy is done before the frame's room is free. */
	smp_store_release(&u->queue->tail, tail + ALIGN(len, VCPCM_USER_QUEUE_ALIGN));
	ret = len;
out:
	mutex_unlock(&u->read_lock);
	return ret;
}

static __poll_t vcpcm_user_poll(struct file *file, poll_table *wait)
{
	struct vcpcm_user_transport *u = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &u->readers, wait);
	if (vcpcm_user_readable(u))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/* The queue, for the process to read in place (struct vcpcm_user_queue). */
static int vcpcm_user_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vcpcm_user_transport *u = file->private_data;

	if (vma->vm_pgoff)
		return -EINVAL;
	return remap_vmalloc_range(vma, u->queue, 0);
}

/* The process closed the device or died: its card goes, now. */
static int vcpcm_user_release(struct inode *inode, struct file *file)
{
	struct vcpcm_user_transport *u = file->private_data;
	struct snd_card *card;
	unsigned int i;

	mutex_lock(&u->write_lock);
	spin_lock_irq(&u->queue_lock);
	u->gone = true;		/* from here every send fails: requests end at once */
	spin_unlock_irq(&u->queue_lock);
	/* ... and those already waiting for an answer, too. */
	for (i = 0; i < ARRAY_SIZE(u->base.chans); i++)
		vcpcm_user_rx(u, &u->base.chans[i], NULL, 0, NULL, 0);
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
	.mmap = vcpcm_user_mmap,
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

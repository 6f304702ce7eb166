// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-remote-fuzz: a hostile user-space remote for /dev/vcpcm.
 *
 *   vcpcm-remote-fuzz [-d /dev/vcpcm] [-s SECONDS] [-S SEED] [-i ID]
 *
 * Round after round, until SECONDS are up:
 *  - announce lies and garbage (random bytes, every field out of range, wrong
 *    versions, truncated and oversized frames, frames before the ANNOUNCE),
 *    each on a fresh open: the driver must refuse them, never crash;
 *  - then a valid card (id ID, 2 pairs) and, for a random 0.2-2 s, a remote
 *    that answers the host's requests, but also sends random, truncated,
 *    oversized, out-of-order and lying messages on random channels, and
 *    sometimes stops reading; then it closes mid-stream (disconnect).
 *    Every other card maps its queue (struct vcpcm_user_queue) and reads it
 *    in place, now and then writing a wild tail or scribbling over the
 *    queue, asking for impossible mappings, and writing frames whose
 *    payload lies in the mapped queue or runs into an unmapped page.
 * Applications the test runs against card ID meanwhile must see errors,
 * never hang. Prints one summary line; exit 0 unless /dev/vcpcm itself
 * misbehaves (open fails, a valid ANNOUNCE is refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vcpcm/user.h"

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : (uint32_t)rng;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A valid ANNOUNCE (+ id) in words: 2 pairs, every format, paced at 1 ms. */
static void good_announce(uint32_t *w, const char *id)
{
	uint32_t a[14] = {
		VCPCM_MSG_ANNOUNCE, VCPCM_PROTOCOL_VERSION, 0x1f, 8000, 192000, 1, 8, 2, 2,
		65536, 4000, 1000000, 0, VCPCM_CAP_PAUSE | VCPCM_CAP_NUMBERED,
	};

	memcpy(w, a, sizeof(a));
	memset(w + 14, 0, VCPCM_USER_ID_LEN);
	strncpy((char *)(w + 14), id, VCPCM_USER_ID_LEN - 1);
}

static ssize_t send_frame(int fd, uint32_t chan, const void *msg, uint32_t len, uint32_t claimed)
{
	static uint8_t buf[VCPCM_USER_FRAME_MAX + 64];
	struct vcpcm_user_frame h = { chan, claimed };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), msg, len);
	return write(fd, buf, sizeof(h) + len);
}

struct counts {
	unsigned long refused, accepted_lies, cards, frames, rejected, answered, dropped_reads;
	unsigned long mapped, wild_tails, scribbles, odd_payloads;
};

/* One lie per open: the driver must refuse it (or, if it happens to be valid, take it). */
static int lie_round(const char *dev, struct counts *c)
{
	uint32_t w[64];
	uint32_t len = VCPCM_MSG_ANNOUNCE_SIZE + VCPCM_USER_ID_LEN;
	int fd = open(dev, O_RDWR);

	if (fd < 0)
		return -1;
	good_announce(w, "fuzzlie");
	switch (rnd(6)) {
	case 0:	/* random bytes */
		for (unsigned int i = 0; i < 64; i++)
			w[i] = rnd(0);
		len = rnd(sizeof(w) + 1);
		break;
	case 1:	/* one field anything */
		w[1 + rnd(13)] = rnd(4) ? rnd(0) : rnd(3);
		break;
	case 2:	/* another version */
		w[1] = rnd(8);
		break;
	case 3:	/* truncated or padded */
		len = rnd(VCPCM_MSG_ANNOUNCE_SIZE + 40);
		break;
	case 4:	/* a stream message before the card */
		w[0] = rnd(10);
		break;
	case 5:	/* a frame header that lies about its length */
		if (send_frame(fd, VCPCM_USER_CHAN_CARD, w, len, len + 1 + rnd(1000)) >= 0)
			c->accepted_lies++;
		else
			c->refused++;
		close(fd);
		return 0;
	}
	if (send_frame(fd, rnd(8) ? VCPCM_USER_CHAN_CARD : rnd(20), w, len, len) >= 0)
		c->accepted_lies++;	/* a lie that happened to be valid (or a valid card) */
	else
		c->refused++;
	close(fd);
	return 0;
}

/* Answer a request properly, most of the time. */
static void answer(int fd, const uint8_t *frame, ssize_t n, struct counts *c)
{
	const struct vcpcm_user_frame *h = (const void *)frame;
	const uint32_t *m = (const void *)(frame + sizeof(*h));
	uint32_t type = m[0], tag = m[h->len / 4 - 1];
	uint32_t result[3] = { VCPCM_MSG_RESULT, 0, tag };

	if (n < 12 || (type != VCPCM_MSG_OPEN && type != VCPCM_MSG_CLOSE &&
		       type != VCPCM_MSG_CONFIG && type != VCPCM_MSG_CONTROL))
		return;
	if (!rnd(10))
		result[1] = -(int32_t)rnd(200);
	else if (!rnd(10))
		result[1] = rnd(0);	/* no errno at all: must never reach a system call */
	if (!rnd(10))
		result[2] = rnd(0);
	if (rnd(20))
		c->answered += send_frame(fd, h->chan, result, sizeof(result), sizeof(result)) > 0;
}

/* Something a hostile remote might say on a random channel. */
static void lie_on_stream(int fd, struct counts *c, uint32_t *seq)
{
	static uint8_t payload[VCPCM_USER_FRAME_MAX];
	uint32_t m[8] = { 0 };
	uint32_t chan = rnd(4) ? rnd(2) * 8 + rnd(2) : rnd(0);
	uint32_t len = 20, plen = 0, claimed;

	switch (rnd(5)) {
	case 0:		/* COMPLETE: any count, a seq that is right half the time */
		m[0] = VCPCM_MSG_COMPLETE;
		m[1] = rnd(3) ? rnd(8192) : rnd(0);
		m[2] = rnd(2) ? ++seq[chan & 15] : rnd(0);
		m[3] = rnd(3) ? 1 + rnd(4) : rnd(0);
		m[4] = rnd(4) ? 0 : rnd(0);
		break;
	case 1:		/* CAPTURE with a payload that may or may not match */
		m[0] = VCPCM_MSG_CAPTURE;
		plen = rnd(4) ? rnd(4096) & ~3u : rnd(70000);
		m[1] = rnd(3) ? plen : rnd(0);
		m[2] = 1 + rnd(4);
		m[3] = rnd(2) ? ++seq[chan & 15] : rnd(0);
		m[4] = rnd(4) ? 0 : rnd(0);
		break;
	case 2:		/* a RESULT nobody asked for */
		m[0] = VCPCM_MSG_RESULT;
		len = 12;
		m[1] = rnd(0);
		m[2] = rnd(64);
		break;
	case 3:		/* any type, any length */
		m[0] = rnd(3) ? rnd(0x110) : rnd(0);
		len = rnd(33);
		for (unsigned int i = 1; i < 8; i++)
			m[i] = rnd(0);
		break;
	default:	/* a host message sent back */
		m[0] = 2 + rnd(7);
		len = 8 + 4 * rnd(6);
		break;
	}
	if (plen > sizeof(payload) - 64)
		plen = sizeof(payload) - 64;
	memcpy(payload, m, len);
	for (uint32_t i = 0; i < plen; i++)
		payload[len + i] = (uint8_t)rnd(0);
	claimed = len + plen;
	if (!rnd(30))
		claimed = rnd(0);
	if (send_frame(fd, chan, payload, len + plen, claimed) >= 0)
		c->frames++;
	else
		c->rejected++;
}

/* A frame written from where it lies: no copy into a buffer of ours first. */
static ssize_t send_frame_at(int fd, uint8_t *at, uint32_t chan, uint32_t len)
{
	struct vcpcm_user_frame h = { chan, len };

	memcpy(at, &h, sizeof(h));
	return write(fd, at, sizeof(h) + len);
}

/*
 * A CAPTURE whose payload lies where no well-behaved remote keeps it: in
 * the mapped queue itself, or running into a page that is not mapped
 * (write() must fail with EFAULT, nothing else happens).
 */
static void odd_payload(int fd, uint8_t *queue_data, struct counts *c)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t m[5] = { VCPCM_MSG_CAPTURE, 2048, 1, 1, 0 };
	uint8_t *two;

	if (queue_data && rnd(2)) {
		uint8_t *at = queue_data + (rnd(64) * 4096);

		memcpy(at + 8, m, sizeof(m));
		if (send_frame_at(fd, at, 8 + rnd(2), sizeof(m) + 2048) >= 0)
			c->odd_payloads++;
		return;
	}
	two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (two == MAP_FAILED)
		return;
	munmap(two + page, page);
	memcpy(two + page - 1024, m, sizeof(m));
	if (send_frame_at(fd, two + page - 1032, 8, sizeof(m) + 2048) < 0 && errno == EFAULT)
		c->odd_payloads++;
	munmap(two, page);
}

/* Mappings the queue must refuse: past its end, or at an offset. */
static int impossible_maps(int fd, size_t size)
{
	void *a = mmap(NULL, size + 2 * 1024 * 1024, PROT_READ, MAP_SHARED, fd, 0);
	void *b = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	int bad = a != MAP_FAILED || b != MAP_FAILED;

	if (a != MAP_FAILED)
		munmap(a, size + 2 * 1024 * 1024);
	if (b != MAP_FAILED)
		munmap(b, 4096);
	return bad ? -1 : 0;
}

/*
 * Answer what the mapped queue holds, in place, then give its room back.
 * What lies there may be our own scribbles: lengths are checked so the
 * fuzzer itself never reads past the mapping.
 */
static void answer_mapped(int fd, struct vcpcm_user_queue *q, uint8_t *data, size_t data_size,
			  struct counts *c)
{
	uint32_t head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE), tail = q->tail;

	for (int i = 0; i < 64 && tail != head; i++) {
		uint32_t off = tail & (data_size - 1);
		const struct vcpcm_user_frame *h = (const void *)(data + off);

		if (off % VCPCM_USER_QUEUE_ALIGN || h->len > data_size - off - sizeof(*h))
			break;
		if (h->chan != VCPCM_USER_CHAN_PAD)
			answer(fd, (const uint8_t *)h, sizeof(*h) + h->len, c);
		tail += (sizeof(*h) + h->len + VCPCM_USER_QUEUE_ALIGN - 1) & ~(VCPCM_USER_QUEUE_ALIGN - 1);
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	}
}

static int card_round(const char *dev, const char *id, struct counts *c)
{
	static uint8_t in[VCPCM_USER_FRAME_MAX];
	uint32_t w[32], seq[16] = { 0 };
	double end = now_s() + 0.2 + rnd(1800) / 1000.0;
	int fd = open(dev, O_RDWR | O_NONBLOCK);
	struct vcpcm_user_queue *q = NULL;
	uint8_t *data = NULL;
	size_t size = 0, data_size = 0;

	if (fd < 0)
		return -1;
	good_announce(w, id);
	if (send_frame(fd, VCPCM_USER_CHAN_CARD, w, VCPCM_MSG_ANNOUNCE_SIZE + VCPCM_USER_ID_LEN,
		       VCPCM_MSG_ANNOUNCE_SIZE + VCPCM_USER_ID_LEN) < 0) {
		/* Busy (all user_cards taken) is not the driver's fault; anything else is. */
		int err = errno;

		close(fd);
		return err == EBUSY ? 0 : -1;
	}
	c->cards++;
	if (rnd(2)) {
		long page = sysconf(_SC_PAGESIZE);
		struct vcpcm_user_queue *head = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);

		if (head != MAP_FAILED) {
			size = head->data_offset + head->size;
			munmap(head, page);
			q = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		}
		if (head == MAP_FAILED || q == MAP_FAILED || impossible_maps(fd, size)) {
			close(fd);
			return -1;	/* the queue cannot be mapped, or maps what it must not */
		}
		data = (uint8_t *)q + q->data_offset;
		data_size = size - q->data_offset;
		c->mapped++;
	}
	while (now_s() < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		int deaf = !rnd(50);	/* now and then, stop reading for a while */

		if (deaf) {
			usleep(100000 + rnd(400000));
			c->dropped_reads++;
			continue;
		}
		if (poll(&p, 1, 1) > 0) {
			ssize_t n;

			if (q && rnd(4)) {
				answer_mapped(fd, q, data, data_size, c);
			} else {
				n = read(fd, in, rnd(20) ? sizeof(in) : rnd(64));
				if (n > 0)
					answer(fd, in, n, c);
			}
		}
		if (q && !rnd(200)) {
			/* A wild tail: the host must not believe it (its streams xrun). */
			q->tail = rnd(3) ? rnd(0) : q->head + 8 * rnd(4);
			c->wild_tails++;
		}
		if (q && !rnd(200)) {
			/* Scribbles over the header and the frames: ours to break. */
			for (int i = 0; i < 16; i++)
				((uint32_t *)q)[rnd(size / 4)] = rnd(0);
			c->scribbles++;
		}
		if (!rnd(40))
			odd_payload(fd, data, c);
		if (!rnd(4))
			lie_on_stream(fd, c, seq);
	}
	if (q)
		munmap(q, size);
	close(fd);	/* the card disconnects mid-stream */
	return 0;
}

int main(int argc, char **argv)
{
	const char *dev = VCPCM_USER_DEVICE, *id = "fuzzcard";
	double seconds = 20, end;
	struct counts c = { 0 };
	unsigned long rounds = 0;
	int opt;

	rng = 0x9e3779b97f4a7c15ull;
	while ((opt = getopt(argc, argv, "d:s:S:i:")) != -1) {
		switch (opt) {
		case 'd': dev = optarg; break;
		case 's': seconds = atof(optarg); break;
		case 'S': rng = strtoull(optarg, NULL, 0) | 1; break;
		case 'i': id = optarg; break;
		default:
			fprintf(stderr, "usage: vcpcm-remote-fuzz [-d DEV] [-s SECONDS] [-S SEED] [-i ID]\n");
			return 2;
		}
	}
	end = now_s() + seconds;
	while (now_s() < end) {
		for (int i = 0; i < 20; i++)
			if (lie_round(dev, &c)) {
				perror("vcpcm-remote-fuzz: open");
				return 1;
			}
		if (card_round(dev, id, &c)) {
			perror("vcpcm-remote-fuzz: a valid card");
			return 1;
		}
		rounds++;
	}
	printf("remote-fuzz rounds=%lu lies_refused=%lu lies_accepted=%lu cards=%lu frames=%lu "
	       "frames_rejected=%lu answered=%lu deaf_spells=%lu mapped=%lu wild_tails=%lu "
	       "scribbles=%lu odd_payloads=%lu\n", rounds, c.refused,
	       c.accepted_lies, c.cards, c.frames, c.rejected, c.answered, c.dropped_reads,
	       c.mapped, c.wild_tails, c.scribbles, c.odd_payloads);
	return 0;
}

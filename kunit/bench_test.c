// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit benchmark (built only for make bench: VCPCM_BENCH=1): the playback
 * transfer path of a core stream (ring + protocol + send, the remote's one
 * copy into its FIFO) against a plain memcpy of the same bytes in the same
 * chunks, in the same run. It prints figures; it asserts only that the
 * bytes arrived intact, never a time.
 */
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "test_util.h"

#define BENCH_SW	(64 * 1024)	/* the ALSA buffer */
#define BENCH_FIFO	(32 * 1024)	/* the remote FIFO */
#define BENCH_CHUNK	4000		/* the emulated link's default payload (max_payload) */
#define BENCH_BULK_CHUNK 16384		/* max_payload=16384: a link with bulk transfers */
#define BENCH_BYTES	(256ULL << 20)	/* per measurement */
#define BENCH_ROUNDS	3

struct bench_remote {
	u8 *fifo;
	u32 head;
	u64 copied;	/* every byte the "remote" copied */
};

/* The transport: as the emulated coprocessor, one copy into the FIFO. */
static int bench_send(void *chan, const void *msg, u32 len, const void *payload, u32 plen)
{
	struct bench_remote *r = chan;
	u32 first = min_t(u32, plen, BENCH_FIFO - r->head);

	memcpy(r->fifo + r->head, payload, first);
	memcpy(r->fifo, (const u8 *)payload + first, plen - first);
	r->head = (r->head + plen) % BENCH_FIFO;
	r->copied += plen;
	return 0;
}

static u64 run_stream(struct kunit *test, struct bench_remote *r, u8 *sw, u32 chunk, u64 *played)
{
	struct vcpcm_ring_geometry g = {
		.sw_bytes = BENCH_SW, .period_bytes = BENCH_SW / 4, .frame_bytes = 4,
		.hw_bytes = BENCH_FIFO, .max_chunk = chunk,
	};
	struct vcpcm_stream_timing timing = { .rate = 48000, .report_interval_ns = 1000000 };
	struct vcpcm_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct vcpcm_msg m = { .type = VCPCM_MSG_COMPLETE };
	struct vcpcm_rx_event ev;
	u64 appl = 0, t0;
	u8 msg[64];
	int len;

	KUNIT_ASSERT_NOT_NULL(test, s);
	g.boundary = vcpcm_test_boundary(BENCH_SW / 4, false);
	vcpcm_stream_init(s, VCPCM_DIR_PLAYBACK, bench_send, r);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_open(s), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_prepare(s, &g, &timing,
						   VCPCM_TEST_INTERLEAVED(sw, 2)), 0);
	KUNIT_ASSERT_EQ(test, vcpcm_stream_start(s, 0, 0), 0);
	/* The remote consumes half its FIFO per report. */
	m.u.complete.count = BENCH_FIFO / 2;
	m.u.complete.epoch = 1;

	*played = 0;
	t0 = ktime_get_ns();
	while (*played < BENCH_BYTES) {
		/* The application keeps the buffer full; the remote drains. */
		appl += (BENCH_SW - (appl * 4 - *played)) / 4;
		if (vcpcm_stream_ack(s, appl % g.boundary))
			break;
		m.u.complete.seq++;	/* reports are numbered */
		len = vcpcm_msg_encode(&m, msg, sizeof(msg));
		if (len < 0 || vcpcm_stream_receive(s, msg, len, NULL, 0, 64, 0, &ev))
			break;
		*played += BENCH_FIFO / 2;
	}
	return ktime_get_ns() - t0;
}

static u64 run_memcpy(struct bench_remote *r, const u8 *sw, u32 chunk, u64 bytes)
{
	u64 done = 0, t0 = ktime_get_ns();
	u32 off = 0;

	while (done < bytes) {
		u32 n = min_t(u32, chunk, BENCH_SW - off);

		bench_send(r, NULL, 0, sw + off, n);
		off = (off + n) % BENCH_SW;
		done += n;
	}
	return ktime_get_ns() - t0;
}

/* Best of BENCH_ROUNDS, in messages of at most chunk bytes. */
static void bench_chunk(struct kunit *test, u32 chunk, const char *what)
{
	struct bench_remote *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	u8 *sw = kunit_kmalloc(test, BENCH_SW, GFP_KERNEL);
	u64 best_stream = U64_MAX, best_copy = U64_MAX, played = 0, copied = 0;
	int round, i;

	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_ASSERT_NOT_NULL(test, sw);
	r->fifo = kunit_kmalloc(test, BENCH_FIFO, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r->fifo);
	for (i = 0; i < BENCH_SW; i++)
		sw[i] = vcpcm_test_byte(i, 3);
	for (round = 0; round < BENCH_ROUNDS; round++) {
		u64 ns;

		r->copied = 0;
		r->head = 0;
		ns = run_stream(test, r, sw, chunk, &played);
		KUNIT_ASSERT_GE(test, played, BENCH_BYTES);
		copied = r->copied;
		/* The FIFO holds the stream's last FIFO-full, byte for byte. */
		for (i = 0; i < BENCH_FIFO; i++) {
			u64 k = copied - BENCH_FIFO + i;

			if (r->fifo[k % BENCH_FIFO] != sw[k % BENCH_SW])
				KUNIT_FAIL_AND_ABORT(test, "stream byte %llu arrived wrong", k);
		}
		best_stream = min(best_stream, ns);
		r->head = 0;
		best_copy = min(best_copy, run_memcpy(r, sw, chunk, copied));
	}
	kunit_info(test, "bench%s: transfer %llu MiB in %llu us (%llu MiB/s); memcpy %llu us (%llu MiB/s); ratio %llu.%02llu x memcpy (messages of %u bytes)\n",
		   what, copied >> 20, best_stream / 1000, (copied >> 20) * 1000000000ULL / best_stream,
		   best_copy / 1000, (copied >> 20) * 1000000000ULL / best_copy,
		   best_copy / best_stream, best_copy * 100 / best_stream % 100, chunk);
	/* Bytes in flight at the end were copied but not yet played. */
	kunit_info(test, "bench%s: bytes copied per byte played %llu.%03llu (copied %llu, played %llu, still in the FIFO %llu)\n",
		   what, copied / played, copied * 1000 / played % 1000, copied, played, copied - played);
}

static void bench_transfer_vs_memcpy(struct kunit *test)
{
	bench_chunk(test, BENCH_CHUNK, "");
	bench_chunk(test, BENCH_BULK_CHUNK, " bulk");
}

static struct kunit_case vcpcm_bench_cases[] = {
	KUNIT_CASE(bench_transfer_vs_memcpy),
	{}
};

static struct kunit_suite vcpcm_bench_suite = {
	.name = "vcpcm_bench",
	.test_cases = vcpcm_bench_cases,
};
kunit_test_suite(vcpcm_bench_suite);

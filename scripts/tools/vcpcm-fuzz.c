// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-fuzz: random hw_params/sw_params, valid and invalid, into the driver.
 *
 *   vcpcm-fuzz [-D hw:vcpcm,0,0] [--iterations 2000] [--seed S]
 *
 * Iterations alternate playback and capture on DEV and are of two kinds, at random:
 *  raw   (3 in 4): open DEV through alsa-lib only for its fd, then fill a struct
 *        snd_pcm_hw_params by hand (mostly "any" with a few fields mutated, sometimes all
 *        random: masks all ones / one bit / empty / random, intervals inverted / huge /
 *        random with random openmin/openmax/integer/empty bits, random rmask and flags)
 *        and issue HW_REFINE and HW_PARAMS: each must give 0 or EINVAL (EBADFD/EBUSY
 *        too for HW_PARAMS). When HW_PARAMS took: SW_PARAMS with random fields (0 or
 *        EINVAL), PREPARE (must be 0), a few WRITEI/READI_FRAMES for RW_INTERLEAVED
 *        (EPIPE/EAGAIN/EBADFD fine), DROP, HW_FREE. When it did not: SW_PARAMS and
 *        PREPARE on the unconfigured stream must fail with EBADFD.
 *  valid (1 in 4): random format/rate/channels/access/period/buffer through alsa-lib's
 *        _near setters; every call must succeed, then ~10 ms of nonblocking playback or
 *        capture (xruns are recovered, not failures; a stall over 1 s is).
 *
 * Prints one "PASS fuzz: ..." or "FAIL fuzz: ..." line (after a "# seed" line); exit 0
 * on pass, 1 on fail, 2 on usage or setup errors.
 */
#define _GNU_SOURCE		/* strerrorname_np() */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define VCPCM_TOOL_UAPI
#include "tool_util.h"

#define NMASKS		(SNDRV_PCM_HW_PARAM_LAST_MASK - SNDRV_PCM_HW_PARAM_FIRST_MASK + 1)
#define NINTERVALS	(SNDRV_PCM_HW_PARAM_LAST_INTERVAL - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL + 1)
#define IV(p)		((p) - SNDRV_PCM_HW_PARAM_FIRST_INTERVAL)
#define XFER_BYTES	(64 * 1024)

static const char *device = "hw:vcpcm,0,0";
static uint64_t rng;
static unsigned char xbuf[XFER_BYTES];
static unsigned long raw_ok, raw_einval, valid_ok, unexpected;

/* The errnos a call may fail with, as a bit set (errno values are too big to shift by). */
enum { OK_EINVAL = 1, OK_EBADFD = 2, OK_EBUSY = 4, OK_EPIPE = 8, OK_EAGAIN = 16 };
static const int ok_errnos[] = { EINVAL, EBADFD, EBUSY, EPIPE, EAGAIN };

/* Distinct (call, outcome) pairs of the unexpected results, for the FAIL line. */
static struct { const char *call, *why; unsigned long n; } bad[16];

/* A plausible range per interval, so "random" values land near what matters. */
static const unsigned int plaus[NINTERVALS][2] = {
	[IV(SNDRV_PCM_HW_PARAM_SAMPLE_BITS)] = { 8, 32 },
	[IV(SNDRV_PCM_HW_PARAM_FRAME_BITS)] = { 8, 256 },
	[IV(SNDRV_PCM_HW_PARAM_CHANNELS)] = { 1, 8 },
	[IV(SNDRV_PCM_HW_PARAM_RATE)] = { 8000, 192000 },
	[IV(SNDRV_PCM_HW_PARAM_PERIOD_TIME)] = { 300, 4000000 },
	[IV(SNDRV_PCM_HW_PARAM_PERIOD_SIZE)] = { 8, 65536 },
	[IV(SNDRV_PCM_HW_PARAM_PERIOD_BYTES)] = { 64, 262144 },
	[IV(SNDRV_PCM_HW_PARAM_PERIODS)] = { 2, 1024 },
	[IV(SNDRV_PCM_HW_PARAM_BUFFER_TIME)] = { 600, 8000000 },
	[IV(SNDRV_PCM_HW_PARAM_BUFFER_SIZE)] = { 16, 131072 },
	[IV(SNDRV_PCM_HW_PARAM_BUFFER_BYTES)] = { 128, 524288 },
	[IV(SNDRV_PCM_HW_PARAM_TICK_TIME)] = { 0, 1000000 },
};

static uint64_t rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static unsigned int rnd(unsigned int n)
{
	return (unsigned int)(rnd64() >> 32) % n;
}

/* The errno's name ("EIO"), for a short FAIL line. */
static const char *errname(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "unknown errno";
}

/* Count and describe an unexpected outcome ("why": an errno name, "succeeded", a state). */
static void report(const char *call, const char *why, const char *detail, const char *what)
{
	if (unexpected++ < 20)
		printf("unexpected: %s: %s%s on %s\n", call, why, detail, what);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!bad[i].call || (!strcmp(bad[i].call, call) && !strcmp(bad[i].why, why))) {
			bad[i].call = call;
			bad[i].why = why;
			bad[i].n++;
			break;
		}
	}
}

/* err is 0 or a negative errno; ok is a set of OK_* bits. */
static int check(const char *call, int err, unsigned int ok, const char *what)
{
	char detail[64];

	if (err == 0)
		return 0;
	for (unsigned int i = 0; i < sizeof(ok_errnos) / sizeof(ok_errnos[0]); i++)
		if ((ok & (1U << i)) && -err == ok_errnos[i])
			return err;
	snprintf(detail, sizeof(detail), " (%d, %s)", -err, snd_strerror(err));
	report(call, errname(-err), detail, what);
	return err;
}

/* For calls that must be refused with EBADFD. */
static void check_refused(const char *call, int err, const char *what)
{
	if (err == 0)
		report(call, "succeeded", "", what);
	else
		check(call, err, OK_EBADFD, what);
}

static int xioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static void rand_mask(struct snd_mask *m)
{
	unsigned int i;

	switch (rnd(5)) {
	case 0:
		memset(m, 0xff, sizeof(*m));
		break;
	case 1:		/* one bit, mostly among the defined values */
		memset(m, 0, sizeof(*m));
		i = rnd(4) ? rnd(64) : rnd(SNDRV_MASK_MAX);
		m->bits[i / 32] = 1U << (i % 32);
		break;
	case 2:
		memset(m, 0, sizeof(*m));
		break;
	case 3:
		for (i = 0; i < sizeof(m->bits) / sizeof(m->bits[0]); i++)
			m->bits[i] = (uint32_t)rnd64();
		break;
	default:	/* a random subset of the low values */
		memset(m, 0, sizeof(*m));
		m->bits[0] = (uint32_t)rnd64();
		m->bits[1] = (uint32_t)rnd64() & (uint32_t)rnd64();
		break;
	}
}

static void rand_interval(struct snd_interval *iv, unsigned int idx)
{
	unsigned int lo = plaus[idx][0], hi = plaus[idx][1], a, b;

	a = lo / 2 + rnd(hi * 2 - lo / 2 + 1);
	b = lo / 2 + rnd(hi * 2 - lo / 2 + 1);
	switch (rnd(6)) {
	case 0: iv->min = 0; iv->max = UINT_MAX; break;
	case 1: iv->min = a < b ? a : b; iv->max = a < b ? b : a; break;	/* plausible */
	case 2: iv->min = a > b ? a : b; iv->max = a > b ? b : a; break;	/* inverted */
	case 3: iv->min = iv->max = a; break;
	/*
	 * Huge, but not past INT_MAX: the ALSA core hands back a chosen value above
	 * INT_MAX as if it were an error (snd_pcm_hw_param_value() returns int), with
	 * snd-dummy just the same, so such requests test the core, not the driver.
	 */
	case 4: iv->min = INT_MAX - rnd(1000); iv->max = INT_MAX - rnd(10); break; /* huge */
	default: iv->min = (unsigned int)rnd64() & INT_MAX; iv->max = (unsigned int)rnd64() & INT_MAX; break;
	}
	iv->openmin = !rnd(4);
	iv->openmax = !rnd(4);
	iv->integer = !rnd(2);
	iv->empty = !rnd(16);
}

/* Mostly "any" with a few fields mutated (so some are accepted); 1 in 8 all random. */
static void rand_hw_params(struct snd_pcm_hw_params *p)
{
	unsigned int i, n;

	memset(p, 0, sizeof(*p));
	if (!rnd(8)) {
		for (i = 0; i < NMASKS; i++)
			rand_mask(&p->masks[i]);
		for (i = 0; i < NINTERVALS; i++)
			rand_interval(&p->intervals[i], i);
		p->flags = (unsigned int)rnd64();
		p->rmask = (unsigned int)rnd64();
		p->cmask = (unsigned int)rnd64();
		p->info = (unsigned int)rnd64();
		return;
	}
	for (i = 0; i < NMASKS; i++)
		memset(&p->masks[i], 0xff, sizeof(p->masks[i]));
	for (i = 0; i < NINTERVALS; i++)
		p->intervals[i].max = UINT_MAX;
	p->rmask = ~0U;
	for (n = rnd(5); n; n--) {
		i = rnd(NMASKS + NINTERVALS + 2);
		if (i < NMASKS)
			rand_mask(&p->masks[i]);
		else if (i < NMASKS + NINTERVALS)
			rand_interval(&p->intervals[i - NMASKS], i - NMASKS);
		else if (i == NMASKS + NINTERVALS)
			p->flags = rnd(2) ? rnd(16) : (unsigned int)rnd64();
		else
			p->rmask = (unsigned int)rnd64();
	}
}

/* A random value for a sw_params frame count: an edge, small, around the buffer, or wild. */
static snd_pcm_uframes_t rand_frames(snd_pcm_uframes_t buffer, snd_pcm_uframes_t boundary)
{
	switch (rnd(6)) {
	case 0: return 0;
	case 1: return 1 + rnd(buffer);
	case 2: return buffer;
	case 3: return boundary;
	case 4: return ULONG_MAX - rnd(2);
	default: return (snd_pcm_uframes_t)rnd64();
	}
}

static void raw_transfers(int fd, int capture, const struct snd_pcm_hw_params *p,
			  const char *what)
{
	unsigned int frame_bytes = p->intervals[IV(SNDRV_PCM_HW_PARAM_FRAME_BITS)].min / 8;
	struct snd_xferi x;

	if (!frame_bytes || !(p->masks[0].bits[0] & (1U << SNDRV_PCM_ACCESS_RW_INTERLEAVED)))
		return;		/* the I/O ioctls below are for interleaved RW only */
	for (unsigned int i = rnd(4); i; i--) {
		memset(&x, 0, sizeof(x));
		x.buf = xbuf;
		x.frames = 1 + rnd(XFER_BYTES / frame_bytes);
		check(capture ? "READI_FRAMES" : "WRITEI_FRAMES",
		      xioctl(fd, capture ? SNDRV_PCM_IOCTL_READI_FRAMES :
				 SNDRV_PCM_IOCTL_WRITEI_FRAMES, &x),
		      OK_EPIPE | OK_EAGAIN | OK_EBADFD, what);
		usleep(rnd(3000));
	}
}

static void raw_iteration(int fd, int capture)
{
	struct snd_pcm_hw_params p, orig;
	struct snd_pcm_sw_params sw;
	snd_pcm_uframes_t buffer, boundary;
	char what[160];
	int err;

	rand_hw_params(&p);
	orig = p;
	snprintf(what, sizeof(what), "%s, flags=%#x rmask=%#x access=%#x format=%#x",
		 capture ? "capture" : "playback", p.flags, p.rmask, p.masks[0].bits[0],
		 p.masks[1].bits[0]);
	check("HW_REFINE", xioctl(fd, SNDRV_PCM_IOCTL_HW_REFINE, &p), OK_EINVAL, what);
	if (!rnd(4))
		p = orig;	/* sometimes HW_PARAMS gets the unrefined request */
	err = check("HW_PARAMS", xioctl(fd, SNDRV_PCM_IOCTL_HW_PARAMS, &p),
		    OK_EINVAL | OK_EBADFD | OK_EBUSY, what);
	if (err == -EINVAL) {
		/* A failed HW_PARAMS leaves the stream OPEN: it must refuse to go further. */
		raw_einval++;
		memset(&sw, 0, sizeof(sw));
		sw.avail_min = 1;
		check_refused("SW_PARAMS(unconfigured)",
			      xioctl(fd, SNDRV_PCM_IOCTL_SW_PARAMS, &sw), what);
		check_refused("PREPARE(unconfigured)",
			      xioctl(fd, SNDRV_PCM_IOCTL_PREPARE, NULL), what);
	}
	if (err)
		return;
	raw_ok++;

	/* Start from what the kernel would keep, then mutate some fields. */
	buffer = p.intervals[IV(SNDRV_PCM_HW_PARAM_BUFFER_SIZE)].min;
	for (boundary = buffer; boundary && boundary * 2 <= LONG_MAX - buffer; )
		boundary *= 2;
	memset(&sw, 0, sizeof(sw));
	sw.period_step = 1;
	sw.avail_min = p.intervals[IV(SNDRV_PCM_HW_PARAM_PERIOD_SIZE)].min;
	sw.start_threshold = 1;
	sw.stop_threshold = buffer;
	sw.boundary = boundary;
	sw.proto = SNDRV_PCM_VERSION;
	if (rnd(4)) {
		if (!rnd(3)) sw.tstamp_mode = rnd(2) ? (int)rnd(3) : (int)rnd64();
		if (!rnd(3)) sw.period_step = (unsigned int)rnd64();
		if (!rnd(3)) sw.avail_min = rand_frames(buffer, boundary);
		if (!rnd(3)) sw.start_threshold = rand_frames(buffer, boundary);
		if (!rnd(3)) sw.stop_threshold = rand_frames(buffer, boundary);
		if (!rnd(3)) sw.silence_threshold = rand_frames(buffer, boundary);
		if (!rnd(3)) sw.silence_size = rand_frames(buffer, boundary);
		if (!rnd(3)) sw.boundary = rand_frames(buffer, boundary);
		if (!rnd(3)) sw.proto = rnd(2) ? 0 : (unsigned int)rnd64();
		if (!rnd(3)) sw.tstamp_type = rnd(2) ? rnd(5) : (unsigned int)rnd64();
	}
	snprintf(what, sizeof(what), "%s, access=%#x buffer=%lu period=%u; sw avail_min=%lu "
		 "start=%lu stop=%lu silence=%lu/%lu", capture ? "capture" : "playback",
		 p.masks[0].bits[0], buffer, p.intervals[IV(SNDRV_PCM_HW_PARAM_PERIOD_SIZE)].min,
		 sw.avail_min, sw.start_threshold, sw.stop_threshold, sw.silence_threshold,
		 sw.silence_size);
	check("SW_PARAMS", xioctl(fd, SNDRV_PCM_IOCTL_SW_PARAMS, &sw), OK_EINVAL, what);
	if (check("PREPARE", xioctl(fd, SNDRV_PCM_IOCTL_PREPARE, NULL), 0, what) == 0)
		raw_transfers(fd, capture, &p, what);
	check("DROP", xioctl(fd, SNDRV_PCM_IOCTL_DROP, NULL), OK_EBADFD, what);
	check("HW_FREE", xioctl(fd, SNDRV_PCM_IOCTL_HW_FREE, NULL), 0, what);
}

/* Valid parameters through alsa-lib: any failure is a test failure. */
static void valid_iteration(snd_pcm_t *pcm, int capture)
{
	static const snd_pcm_format_t formats[] = { SND_PCM_FORMAT_U8, SND_PCM_FORMAT_S16_LE,
		SND_PCM_FORMAT_S24_LE, SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_FLOAT_LE };
	static const snd_pcm_access_t accesses[] = { SND_PCM_ACCESS_RW_INTERLEAVED,
		SND_PCM_ACCESS_RW_NONINTERLEAVED, SND_PCM_ACCESS_MMAP_INTERLEAVED,
		SND_PCM_ACCESS_MMAP_NONINTERLEAVED };
	snd_pcm_format_t format = formats[rnd(5)];
	snd_pcm_access_t access = accesses[rnd(4)];
	unsigned int rate = 8000 + rnd(184001), channels = 1 + rnd(8);
	snd_pcm_uframes_t period = 16 + rnd(8192), buffer = period * (2 + rnd(31)), chunk;
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	void *bufs[8];
	snd_pcm_state_t state;
	char what[128];
	double t0;
	long n = 0;

	snprintf(what, sizeof(what), "%s %s %s %uch %uHz period %lu buffer %lu",
		 capture ? "capture" : "playback", snd_pcm_access_name(access),
		 snd_pcm_format_name(format), channels, rate, period, buffer);
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	if (check("hw_params_any", snd_pcm_hw_params_any(pcm, hw), 0, what) ||
	    check("set_access", snd_pcm_hw_params_set_access(pcm, hw, access), 0, what) ||
	    check("set_format", snd_pcm_hw_params_set_format(pcm, hw, format), 0, what) ||
	    check("set_channels", snd_pcm_hw_params_set_channels(pcm, hw, channels), 0, what) ||
	    check("set_rate_near", snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, NULL), 0,
		  what) ||
	    check("set_period_size_near", snd_pcm_hw_params_set_period_size_near(pcm, hw,
		  &period, NULL), 0, what) ||
	    check("set_buffer_size_near", snd_pcm_hw_params_set_buffer_size_near(pcm, hw,
		  &buffer), 0, what) ||
	    check("snd_pcm_hw_params", snd_pcm_hw_params(pcm, hw), 0, what))
		return;
	snd_pcm_sw_params_current(pcm, sw);
	if (check("set_start_threshold", snd_pcm_sw_params_set_start_threshold(pcm, sw, 1), 0,
		  what) ||
	    check("snd_pcm_sw_params", snd_pcm_sw_params(pcm, sw), 0, what) ||
	    check("snd_pcm_prepare", snd_pcm_prepare(pcm), 0, what) ||
	    (capture && check("snd_pcm_start", snd_pcm_start(pcm), 0, what)))
		return;
	chunk = XFER_BYTES / (channels * 4);
	for (unsigned int c = 0; c < channels; c++)
		bufs[c] = xbuf + c * chunk * 4;
	/* ~10 ms of whatever fits, nonblocking; xruns are recovered (and run on from). */
	t0 = now_ms();
	while (now_ms() - t0 < 10 || (n == -EPIPE && now_ms() - t0 < 1000)) {
		switch (access) {
		case SND_PCM_ACCESS_MMAP_INTERLEAVED:
			n = capture ? snd_pcm_mmap_readi(pcm, xbuf, chunk) :
				      snd_pcm_mmap_writei(pcm, xbuf, chunk);
			break;
		case SND_PCM_ACCESS_MMAP_NONINTERLEAVED:
			n = capture ? snd_pcm_mmap_readn(pcm, bufs, chunk) :
				      snd_pcm_mmap_writen(pcm, bufs, chunk);
			break;
		case SND_PCM_ACCESS_RW_INTERLEAVED:
			n = capture ? snd_pcm_readi(pcm, xbuf, chunk) :
				      snd_pcm_writei(pcm, xbuf, chunk);
			break;
		default:
			n = capture ? snd_pcm_readn(pcm, bufs, chunk) :
				      snd_pcm_writen(pcm, bufs, chunk);
			break;
		}
		if (n >= 0 || n == -EAGAIN) {
			if (n <= 0)
				snd_pcm_wait(pcm, 2);
		} else if (n == -EPIPE) {
			if (check("snd_pcm_prepare", snd_pcm_prepare(pcm), 0, what) ||
			    (capture && check("snd_pcm_start", snd_pcm_start(pcm), 0, what)))
				return;
		} else {
			check(capture ? "read" : "write", (int)n, 0, what);
			return;
		}
	}
	/* Started (playback: by the first write) and never stopped by the driver. */
	state = snd_pcm_state(pcm);
	if (state != SND_PCM_STATE_RUNNING && state != SND_PCM_STATE_XRUN) {
		report("state after 10 ms", snd_pcm_state_name(state), "", what);
		return;
	}
	if (check("snd_pcm_drop", snd_pcm_drop(pcm), 0, what) == 0)
		valid_ok++;
}

static void usage(void)
{
	fprintf(stderr, "usage: vcpcm-fuzz [-D hw:CARD,DEV,SUBDEV] [--iterations N] [--seed S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 16);
	unsigned long iterations = 2000, i;
	struct pollfd pfd;
	snd_pcm_t *pcm;
	int c, err;

	while ((c = getopt_long(argc, argv, "D:h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': device = optarg; break;
		case 'n': iterations = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind != argc || !iterations)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# vcpcm-fuzz: seed=%llu device=%s iterations=%lu\n", seed, device, iterations);
	rng = (seed + 1) * 0x9e3779b97f4a7c15ULL;

	for (i = 0; i < iterations; i++) {
		int capture = i & 1;
		snd_pcm_stream_t dir = capture ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK;

		err = snd_pcm_open(&pcm, device, dir, SND_PCM_NONBLOCK);
		if (err < 0 && i < 2) {
			printf("FAIL setup: open %s %s: %s\n", device, capture ? "capture" :
			       "playback", snd_strerror(err));
			return 2;
		}
		if (check("snd_pcm_open", err, 0, capture ? "capture" : "playback"))
			continue;
		if (rnd(4) && snd_pcm_poll_descriptors(pcm, &pfd, 1) == 1)
			raw_iteration(pfd.fd, capture);
		else
			valid_iteration(pcm, capture);
		check("snd_pcm_close", snd_pcm_close(pcm), 0, capture ? "capture" : "playback");
	}

	printf("%s fuzz: %lu iterations (%lu raw accepted, %lu raw rejected with EINVAL, "
	       "%lu valid played), %lu unexpected", unexpected ? "FAIL" : "PASS", iterations,
	       raw_ok, raw_einval, valid_ok, unexpected);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]) && bad[i].call; i++)
		printf("%s %s=%s x%lu", i ? "," : ":", bad[i].call, bad[i].why, bad[i].n);
	printf("\n");
	return unexpected ? 1 : 0;
}

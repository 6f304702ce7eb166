// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-stress: open/configure/run/close churn on every substream, with races.
 *
 *   vcpcm-stress [-D hw:vcpcm,0] [--substreams 8] [--threads 4] [--cycles 10000]
 *                [--seed S] [--race-every 4]
 *
 * Worker threads share one cycle counter. A cycle opens "<D>,<n>" (random substream n,
 * random direction, SND_PCM_NONBLOCK), sets random hw_params (format, channels, rate,
 * access, period 64..4096 frames, 2..8 periods, through the _near setters) and sw_params,
 * prepares, runs a short random sequence of transfers, start, pause push/release,
 * nonblocking drain, drop, prepare and sleeps, then closes. A substream another thread
 * holds (-EBUSY) is a "busy retry", not a cycle. Every --race-every'th cycle a racer
 * thread issues raw START/DROP/PAUSE/DRAIN/PREPARE ioctls on the same fd while the owner
 * goes on through alsa-lib; the racer is joined before the close.
 *
 * Once the stream is configured, EPIPE, EBADFD, EAGAIN, EBUSY, ESTRPIPE, EINVAL and EINTR
 * are expected (counted per errno); any other error is "unexpected", and so is any error
 * while configuring a freshly opened stream (nothing else can touch it then). A cycle
 * that takes over 10 s is reported as stuck.
 *
 * Prints one "PASS stress: ..." or "FAIL stress: ..." line (after a "# seed" line);
 * exit 0 on pass, 1 on fail, 2 on usage or setup errors.
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define VCPCM_TOOL_UAPI
#include "tool_util.h"

#define MAX_CH		8
#define MAX_XFER	2048			/* frames per transfer call */
#define BUF_BYTES	(MAX_CH * MAX_XFER * 4)	/* widest format is 4 bytes */
#define STUCK_MS	10000

static const char *device = "hw:vcpcm,0";
static unsigned int substreams = 8, nthreads = 4, race_every = 4;
static unsigned long cycles = 10000;

static atomic_ulong started, ok_play, ok_capt, raced, busy, unexpected;
static atomic_int done;

static const int expected[] = { EPIPE, EBADFD, EAGAIN, EBUSY, ESTRPIPE, EINVAL, EINTR };
static const char *const expected_name[] = { "EPIPE", "EBADFD", "EAGAIN", "EBUSY", "ESTRPIPE",
					     "EINVAL", "EINTR" };
static atomic_ulong expected_count[sizeof(expected) / sizeof(expected[0])];

struct worker {
	pthread_t tid;
	uint64_t rng;
	unsigned char *buf;
	char name[96];			/* "<D>,<n>" of the current cycle */
	int capture;
	atomic_int bad;			/* an unexpected error in this cycle (owner or racer) */
	snd_pcm_access_t access;
	snd_pcm_uframes_t period;
	/* Read by the watchdog. */
	_Atomic long long start_ms;	/* 0 between cycles */
	const char *_Atomic call;
	const char *_Atomic racer_call;
	atomic_int os_tid;		/* for /proc/self/task/TID when it hangs */
};

struct racer {
	struct worker *w;
	int fd;
	uint64_t rng;
	atomic_int done;
};

static struct worker *workers;

static void sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* xorshift64*: each thread has its own state, so no locking. */
static unsigned int rnd(uint64_t *s, unsigned int n)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (unsigned int)((*s * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

/* Account for a result (negative errno on error); returns 1 when the caller may go on. */
static int check(struct worker *w, const char *call, long err, int strict)
{
	unsigned int i;

	if (err >= 0)
		return 1;
	for (i = 0; !strict && i < sizeof(expected) / sizeof(expected[0]); i++) {
		if (-err == expected[i]) {
			atomic_fetch_add(&expected_count[i], 1);
			return 1;
		}
	}
	atomic_store(&w->bad, 1);
	if (atomic_fetch_add(&unexpected, 1) < 20)
		printf("unexpected: %s on %s %s: %s (errno %ld)\n", call, w->name,
		       w->capture ? "capture" : "playback", snd_strerror((int)err), -err);
	return 0;
}

/* Make a call, naming it first for the watchdog to blame should it never return. */
#define DO(w, n, expr, strict) \
	check((w), (n), (atomic_store(&(w)->call, (n)), (long)(expr)), (strict))

static void *race(void *arg)
{
	struct racer *r = arg;
	unsigned int i, n = 20 + rnd(&r->rng, 31);

	for (i = 0; i < n; i++) {
		static const char *const names[] = { "ioctl(START)", "ioctl(DROP)",
			"ioctl(PAUSE,1)", "ioctl(PAUSE,0)", "ioctl(DRAIN)", "ioctl(PREPARE)" };
		static const unsigned long reqs[] = { SNDRV_PCM_IOCTL_START, SNDRV_PCM_IOCTL_DROP,
			SNDRV_PCM_IOCTL_PAUSE, SNDRV_PCM_IOCTL_PAUSE, SNDRV_PCM_IOCTL_DRAIN,
			SNDRV_PCM_IOCTL_PREPARE };
		unsigned int op = rnd(&r->rng, 6);
		int ret;

		atomic_store(&r->w->racer_call, names[op]);
		/* PAUSE takes its argument by value, not through a pointer. */
		ret = ioctl(r->fd, reqs[op], op == 2 ? 1UL : 0UL);
		check(r->w, names[op], ret < 0 ? -errno : 0, 0);
		sleep_us(rnd(&r->rng, 500));
	}
	atomic_store(&r->w->racer_call, NULL);
	atomic_store(&r->done, 1);
	return NULL;
}

/* Random supported configuration; the stream is exclusively ours, so no error is expected. */
static int configure(struct worker *w, snd_pcm_t *pcm)
{
	static const snd_pcm_format_t formats[] = { SND_PCM_FORMAT_U8, SND_PCM_FORMAT_S16_LE,
		SND_PCM_FORMAT_S24_LE, SND_PCM_FORMAT_S32_LE, SND_PCM_FORMAT_FLOAT_LE };
	static const snd_pcm_access_t accesses[] = { SND_PCM_ACCESS_RW_INTERLEAVED,
		SND_PCM_ACCESS_RW_NONINTERLEAVED, SND_PCM_ACCESS_MMAP_INTERLEAVED,
		SND_PCM_ACCESS_MMAP_NONINTERLEAVED };
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t buffer;
	unsigned int rate = 8000 + rnd(&w->rng, 184001), periods = 2 + rnd(&w->rng, 7);
	unsigned int channels = 1 + rnd(&w->rng, MAX_CH);

	w->access = accesses[rnd(&w->rng, 4)];
	w->period = 64 + rnd(&w->rng, 4096 - 64 + 1);
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	if (!DO(w, "snd_pcm_hw_params_any", snd_pcm_hw_params_any(pcm, hw), 1) ||
	    !DO(w, "set_access", snd_pcm_hw_params_set_access(pcm, hw, w->access), 1) ||
	    !DO(w, "set_format", snd_pcm_hw_params_set_format(pcm, hw, formats[rnd(&w->rng, 5)]),
		1) ||
	    !DO(w, "set_channels", snd_pcm_hw_params_set_channels(pcm, hw, channels), 1) ||
	    !DO(w, "set_rate_near", snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, NULL), 1) ||
	    !DO(w, "set_period_size_near", snd_pcm_hw_params_set_period_size_near(pcm, hw,
			&w->period, NULL), 1) ||
	    !DO(w, "set_periods_near", snd_pcm_hw_params_set_periods_near(pcm, hw, &periods,
			NULL), 1) ||
	    !DO(w, "snd_pcm_hw_params", snd_pcm_hw_params(pcm, hw), 1))
		return -1;
	snd_pcm_hw_params_get_buffer_size(hw, &buffer);
	snd_pcm_sw_params_current(pcm, sw);
	if (!DO(w, "set_start_threshold", snd_pcm_sw_params_set_start_threshold(pcm, sw,
			1 + rnd(&w->rng, (unsigned int)buffer)), 1) ||
	    !DO(w, "set_avail_min", snd_pcm_sw_params_set_avail_min(pcm, sw, w->period), 1) ||
	    !DO(w, "snd_pcm_sw_params", snd_pcm_sw_params(pcm, sw), 1) ||
	    !DO(w, "snd_pcm_prepare", snd_pcm_prepare(pcm), 1))
		return -1;
	return 0;
}

/*
 * One mmap step by hand. alsa-lib's snd_pcm_mmap_writei() and friends loop
 * until every frame is committed, and spin for ever, committing 0 frames,
 * when another thread stops the stream under them (measured: a DROP from
 * the racer leaves the stream in SETUP with a full buffer; each turn is one
 * SYNC_PTR ioctl that returns at once). That is alsa-lib's loop, not the
 * driver, and the racer does exactly that on purpose.
 */
static long mmap_step(snd_pcm_t *pcm, snd_pcm_uframes_t n)
{
	const snd_pcm_channel_area_t *areas;
	snd_pcm_uframes_t off, frames = n;
	snd_pcm_sframes_t avail = snd_pcm_avail_update(pcm);
	int err;

	if (avail < 0)
		return avail;
	if ((snd_pcm_uframes_t)avail < frames)
		frames = (snd_pcm_uframes_t)avail;
	err = snd_pcm_mmap_begin(pcm, &areas, &off, &frames);
	if (err < 0)
		return err;
	return snd_pcm_mmap_commit(pcm, off, frames);
}

/* One read or write of up to two periods, in the way the access type asks for. */
static void transfer(struct worker *w, snd_pcm_t *pcm)
{
	static const char *const names[][2] = {
		[SND_PCM_ACCESS_MMAP_INTERLEAVED] = { "mmap_begin/commit", "mmap_begin/commit" },
		[SND_PCM_ACCESS_MMAP_NONINTERLEAVED] = { "mmap_begin/commit", "mmap_begin/commit" },
		[SND_PCM_ACCESS_RW_INTERLEAVED] = { "snd_pcm_writei", "snd_pcm_readi" },
		[SND_PCM_ACCESS_RW_NONINTERLEAVED] = { "snd_pcm_writen", "snd_pcm_readn" },
	};
	snd_pcm_uframes_t n = 1 + rnd(&w->rng, (unsigned int)w->period * 2);
	const char *call = names[w->access][w->capture];
	void *bufs[MAX_CH];
	long ret;

	if (n > MAX_XFER)
		n = MAX_XFER;
	for (unsigned int c = 0; c < MAX_CH; c++)
		bufs[c] = w->buf + c * MAX_XFER * 4;
	atomic_store(&w->call, call);
	switch (w->access) {
	case SND_PCM_ACCESS_MMAP_INTERLEAVED:
	case SND_PCM_ACCESS_MMAP_NONINTERLEAVED:
		ret = mmap_step(pcm, n);
		break;
	case SND_PCM_ACCESS_RW_INTERLEAVED:
		ret = w->capture ? snd_pcm_readi(pcm, w->buf, n) : snd_pcm_writei(pcm, w->buf, n);
		break;
	default:
		ret = w->capture ? snd_pcm_readn(pcm, bufs, n) : snd_pcm_writen(pcm, bufs, n);
		break;
	}
	check(w, call, ret, 0);
}

static void run_ops(struct worker *w, snd_pcm_t *pcm, struct racer *r)
{
	unsigned int i, n = 3 + rnd(&w->rng, 10);

	/* With a racer, keep going until it is done, so the two really overlap. */
	for (i = 0; i < n || (r && !atomic_load(&r->done)); i++) {
		switch (rnd(&w->rng, 11)) {
		case 0: case 1: case 2:
			transfer(w, pcm);
			break;
		case 3: DO(w, "snd_pcm_start", snd_pcm_start(pcm), 0); break;
		case 4: DO(w, "snd_pcm_pause(1)", snd_pcm_pause(pcm, 1), 0); break;
		case 5: DO(w, "snd_pcm_pause(0)", snd_pcm_pause(pcm, 0), 0); break;
		case 6: DO(w, "snd_pcm_drain", snd_pcm_drain(pcm), 0); break;	/* nonblocking */
		case 7: DO(w, "snd_pcm_drop", snd_pcm_drop(pcm), 0); break;
		case 8: DO(w, "snd_pcm_prepare", snd_pcm_prepare(pcm), 0); break;
		default:
			/* Let the stream run (periods elapse, xruns happen), then sync. */
			atomic_store(&w->call, "sleep");
			sleep_us(rnd(&w->rng, 3000));
			DO(w, "snd_pcm_avail", snd_pcm_avail(pcm), 0);
			break;
		}
	}
}

static void cycle(struct worker *w, int with_racer)
{
	struct pollfd pfd;
	struct racer r;
	snd_pcm_t *pcm;
	pthread_t tid;
	long err;

	atomic_store(&w->bad, 0);
	for (;;) {
		unsigned int idx = rnd(&w->rng, substreams);

		w->capture = (int)rnd(&w->rng, 2);
		snprintf(w->name, sizeof(w->name), "%s,%u", device, idx);
		atomic_store(&w->call, "snd_pcm_open");
		err = snd_pcm_open(&pcm, w->name, w->capture ? SND_PCM_STREAM_CAPTURE :
				   SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
		if (err != -EBUSY && err != -EAGAIN)
			break;
		atomic_fetch_add(&busy, 1);	/* another thread has it: not a cycle */
		sleep_us(100);
	}
	if (!check(w, "snd_pcm_open", err, 1))
		return;
	if (configure(w, pcm) == 0) {
		if (with_racer && snd_pcm_poll_descriptors(pcm, &pfd, 1) == 1) {
			r.w = w;
			r.fd = pfd.fd;
			r.rng = w->rng ^ 0x9e3779b97f4a7c15ULL;
			atomic_store(&r.done, 0);
			if (pthread_create(&tid, NULL, race, &r) == 0) {
				atomic_fetch_add(&raced, 1);
				run_ops(w, pcm, &r);
				atomic_store(&w->call, "pthread_join(racer)");
				pthread_join(tid, NULL);
			} else {
				run_ops(w, pcm, NULL);
			}
		} else {
			run_ops(w, pcm, NULL);
		}
	}
	DO(w, "snd_pcm_close", snd_pcm_close(pcm), 1);
	if (!atomic_load(&w->bad))
		atomic_fetch_add(w->capture ? &ok_capt : &ok_play, 1);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	unsigned long n;

	atomic_store(&w->os_tid, (int)syscall(SYS_gettid));
	while ((n = atomic_fetch_add(&started, 1)) < cycles) {
		atomic_store(&w->start_ms, now_ms());
		cycle(w, race_every && (n + 1) % race_every == 0);
		atomic_store(&w->start_ms, 0);
	}
	return NULL;
}

/*
 * Where a stuck thread is: in the kernel (the syscall it sleeps in, and where)
 * or spinning in user space ("running"). Tells a driver hang from a library loop.
 */
static void where_is(int tid)
{
	static const char *const files[] = { "syscall", "wchan", "stat", "stack" };
	char path[64], text[2048];

	for (unsigned int i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "/proc/self/task/%d/%s", tid, files[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		text[n] = '\0';
		printf("  stuck thread %d %s: %s\n", tid, files[i], text);
	}
	/* What the driver says, twice: do its counters move while it is stuck? */
	for (int pass = 0; pass < 2; pass++) {
		fflush(stdout);
		if (system("cat /proc/asound/vcpcm/vcpcm; for f in /proc/asound/vcpcm/pcm0?/sub*/status "
			   "/proc/asound/vcpcm/pcm0?/sub*/sw_params /proc/asound/vcpcm/pcm0?/sub*/hw_params; do "
			   "grep -q closed $f || { echo \"== $f\"; cat $f; }; done") < 0)
			break;
		sleep_ms(1000);
	}
}

/* A hang must be reported, not waited for: check every worker's cycle age. */
static void *watchdog(void *arg)
{
	(void)arg;
	while (!atomic_load(&done)) {
		for (unsigned int i = 0; i < nthreads; i++) {
			struct worker *w = &workers[i];
			long long t = atomic_load(&w->start_ms);
			const char *rc = atomic_load(&w->racer_call);

			if (!t || now_ms() - t <= STUCK_MS)
				continue;
			printf("FAIL stress: cycle stuck in %s on %s%s%s%s\n", atomic_load(&w->call),
			       w->name, rc ? " (racer in " : "", rc ? rc : "", rc ? ")" : "");
			where_is(atomic_load(&w->os_tid));
			fflush(stdout);
			_exit(1);
		}
		sleep_us(200000);
	}
	return NULL;
}

/* Thousands of expected errors: keep alsa-lib's own messages about them off stderr. */
static void quiet(const char *file, int line, const char *func, int err, const char *fmt, ...)
{
	(void)file; (void)line; (void)func; (void)err; (void)fmt;
}

static void usage(void)
{
	fprintf(stderr, "usage: vcpcm-stress [-D hw:CARD,DEV] [--substreams N] [--threads N] "
			"[--cycles N] [--seed S] [--race-every N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' },
		{ "substreams", required_argument, NULL, 'n' },
		{ "threads", required_argument, NULL, 't' },
		{ "cycles", required_argument, NULL, 'c' },
		{ "seed", required_argument, NULL, 's' },
		{ "race-every", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 16);
	unsigned long ok;
	pthread_t mon;
	snd_pcm_t *pcm;
	char name[96];
	long long t0;
	double secs;
	int c, err;

	while ((c = getopt_long(argc, argv, "D:h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': device = optarg; break;
		case 'n': substreams = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 't': nthreads = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'c': cycles = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'r': race_every = (unsigned int)strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (optind != argc || !substreams || !nthreads || nthreads > 64 || !cycles)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# vcpcm-stress: seed=%llu device=%s substreams=%u threads=%u cycles=%lu "
	       "race-every=%u\n", seed, device, substreams, nthreads, cycles, race_every);

	/* Setup check (and config parse) before the threads: the device must exist. */
	snprintf(name, sizeof(name), "%s,0", device);
	err = snd_pcm_open(&pcm, name, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK);
	if (err < 0) {
		printf("FAIL setup: open %s: %s\n", name, snd_strerror(err));
		return 2;
	}
	snd_pcm_close(pcm);
	snd_lib_error_set_handler(quiet);

	workers = calloc(nthreads, sizeof(*workers));
	if (!workers)
		return 2;
	t0 = now_ms();
	for (unsigned int i = 0; i < nthreads; i++) {
		workers[i].rng = (seed + 1) * 0x9e3779b97f4a7c15ULL + i * 0xbf58476d1ce4e5b9ULL;
		workers[i].buf = calloc(1, BUF_BYTES);
		if (!workers[i].buf || pthread_create(&workers[i].tid, NULL, work, &workers[i]))
			return 2;
	}
	if (pthread_create(&mon, NULL, watchdog, NULL))
		return 2;
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(workers[i].tid, NULL);
	atomic_store(&done, 1);
	pthread_join(mon, NULL);
	secs = (now_ms() - t0) / 1000.0;

	ok = atomic_load(&ok_play) + atomic_load(&ok_capt);
	err = atomic_load(&unexpected) > 0 || ok < cycles;
	printf("%s stress: %lu cycles (%lu playback, %lu capture), %lu raced, %lu busy retries, "
	       "errors:", err ? "FAIL" : "PASS", ok, atomic_load(&ok_play), atomic_load(&ok_capt),
	       atomic_load(&raced), atomic_load(&busy));
	for (unsigned int i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		printf(" %s=%lu", expected_name[i], atomic_load(&expected_count[i]));
	printf(", %lu unexpected, %.1f s\n", atomic_load(&unexpected), secs);
	return err ? 1 : 0;
}

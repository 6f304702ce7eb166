// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-bench: full-duplex low-latency streaming, for scripts/bench.sh.
 *
 *   vcpcm-bench -P PLAYDEV -C CAPDEV -p PERIOD_FRAMES [-s SECONDS] [--no-verify] [--linger MS]
 *
 * Plays a counter pattern on PLAYDEV and captures CAPDEV at the same time, S16_LE, 2 ch,
 * 48 kHz, MMAP_INTERLEAVED, 2 periods per buffer, as a low-latency client (JACK-like: it
 * refills from poll() wakeups, SCHED_FIFO when allowed). Counts xruns on both streams and
 * recovers from them. When the capture is a loopback of the playback, checks that what
 * comes back is the pattern, frame for frame, from the first non-silent frame until the
 * first xrun (after that the lag changes).
 *
 * Position accuracy: at every playback wakeup, snd_pcm_status() gives a timestamp and the
 * delay; the frames the driver says were played (written - delay) are compared with an
 * ideal clock started at the trigger timestamp: (tstamp - trigger) * rate. After a
 * playback xrun the stream starts again from its new trigger, so does the clock. The
 * errors (absolute, ms) are summarised as p50/p99/max over the whole run.
 *
 * Prints one line of key=value figures. Exit 0 when the run completed (whatever the
 * figures), 2 when the devices could not be set up.
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool_util.h"

#define RATE		48000
#define CHANNELS	2

static unsigned int period = 64, seconds = 60, linger_ms;
static int verify = 1;

static void die(const char *what, int err)
{
	printf("error=%s:%s\n", what, snd_strerror(err));
	exit(2);
}

/* The pattern: frame n is two samples derived from n, never silent. */
static void pattern_frame(unsigned long n, short *out)
{
	unsigned int x = (unsigned int)n * 2654435761u;

	out[0] = (short)((x >> 16) | 1);
	out[1] = (short)((x & 0xffff) | 1);
}

static void setup(snd_pcm_t *pcm, int capture)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t ps = period, bs = 2 * period;
	unsigned int rate = RATE;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_hw_params_any(pcm, hw);
	if ((err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_MMAP_INTERLEAVED)) < 0 ||
	    (err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0 ||
	    (err = snd_pcm_hw_params_set_channels(pcm, hw, CHANNELS)) < 0 ||
	    (err = snd_pcm_hw_params_set_rate(pcm, hw, rate, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_period_size(pcm, hw, ps, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_buffer_size(pcm, hw, bs)) < 0 ||
	    (err = snd_pcm_hw_params(pcm, hw)) < 0)
		die(capture ? "capture_hw_params" : "playback_hw_params", err);
	snd_pcm_sw_params_alloca(&sw);
	snd_pcm_sw_params_current(pcm, sw);
	snd_pcm_sw_params_set_avail_min(pcm, sw, period);
	snd_pcm_sw_params_set_start_threshold(pcm, sw, capture ? 1 : 2 * period);
	snd_pcm_sw_params_set_tstamp_mode(pcm, sw, SND_PCM_TSTAMP_ENABLE);
	snd_pcm_sw_params_set_tstamp_type(pcm, sw, SND_PCM_TSTAMP_TYPE_MONOTONIC);
	if ((err = snd_pcm_sw_params(pcm, sw)) < 0)
		die(capture ? "capture_sw_params" : "playback_sw_params", err);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double ts_ms(const snd_htimestamp_t *t)
{
	return t->tv_sec * 1e3 + t->tv_nsec / 1e6;
}

struct duplex {
	snd_pcm_t *play, *cap;
	unsigned long written, xruns_play, xruns_cap;
	unsigned long written_at_start;	/* what was written before the playback's last start */
	unsigned long xruns_linger;	/* after the measured run (--linger) */
	/* capture verification */
	long lag;			/* capture frame index of pattern frame 0; -1 until found */
	unsigned long captured, checked, mismatched, first_mismatch;
	int verifying;
	/* position accuracy */
	double *err_ms;
	size_t n_err, cap_err;
	unsigned long pos_skipped;	/* status reads without a usable timestamp */
	int measuring;
	int timed_out;
	unsigned long wakeups;
	/* the application's own work per wakeup, and the longest wait between wakeups */
	double cycle_max_ms, wait_max_ms, last_cycle_end;
	unsigned long slow_cycles;	/* work longer than one period */
};

/* What to do with one contiguous piece of the mmap buffer (frames from the first). */
typedef void (*piece_fn)(struct duplex *d, short *frames, snd_pcm_uframes_t count);

/* Move everything available through the mmap buffer of pcm, piece by piece. */
static int mmap_all(struct duplex *d, snd_pcm_t *pcm, piece_fn fn, unsigned long *total)
{
	snd_pcm_sframes_t avail = snd_pcm_avail_update(pcm);

	if (avail < 0)
		return (int)avail;
	while (avail > 0) {
		const snd_pcm_channel_area_t *areas;
		snd_pcm_uframes_t off, frames = (snd_pcm_uframes_t)avail;
		snd_pcm_sframes_t done;
		int err = snd_pcm_mmap_begin(pcm, &areas, &off, &frames);

		if (err < 0)
			return err;
		fn(d, (short *)((char *)areas[0].addr + areas[0].first / 8) + off * CHANNELS, frames);
		done = snd_pcm_mmap_commit(pcm, off, frames);
		if (done < 0)
			return (int)done;
		*total += (unsigned long)done;
		avail -= done;
	}
	return 0;
}

static void write_pattern(struct duplex *d, short *frames, snd_pcm_uframes_t count)
{
	for (snd_pcm_uframes_t i = 0; i < count; i++)
		pattern_frame(d->written + i, frames + i * CHANNELS);
}

/* Compare with the pattern, from the first non-silent frame on. */
static void check_capture(struct duplex *d, short *frames, snd_pcm_uframes_t count)
{
	for (snd_pcm_uframes_t i = 0; i < count && d->verifying; i++) {
		const short *f = frames + i * CHANNELS;
		unsigned long at = d->captured + i;
		short want[CHANNELS];

		if (d->lag < 0) {
			if (!f[0] && !f[1])
				continue;
			d->lag = (long)at;
		}
		pattern_frame(at - (unsigned long)d->lag, want);
		d->checked++;
		if (f[0] != want[0] || f[1] != want[1]) {
			if (!d->mismatched)
				d->first_mismatch = d->checked;
			d->mismatched++;
		}
	}
}

/* Write as much of the pattern as there is room for. */
static int refill(struct duplex *d)
{
	return mmap_all(d, d->play, write_pattern, &d->written);
}

/* Read what was captured and check it. */
static int drain_capture(struct duplex *d)
{
	return mmap_all(d, d->cap, check_capture, &d->captured);
}

static void sample_position(struct duplex *d)
{
	snd_pcm_status_t *st;
	snd_htimestamp_t now, trig;

	snd_pcm_status_alloca(&st);
	if (snd_pcm_status(d->play, st) < 0 || snd_pcm_status_get_state(st) != SND_PCM_STATE_RUNNING)
		return;
	snd_pcm_status_get_htstamp(st, &now);
	snd_pcm_status_get_trigger_htstamp(st, &trig);
	/*
	 * A status read before the stream's first position update can carry
	 * no timestamp (seen in UML at 32 and 64 frames: one sample 125 s
	 * off): it says nothing about the position.
	 */
	if ((!trig.tv_sec && !trig.tv_nsec) || (!now.tv_sec && !now.tv_nsec) ||
	    ts_ms(&now) < ts_ms(&trig)) {
		d->pos_skipped++;
		return;
	}
	double played = (double)(d->written - d->written_at_start) - (double)snd_pcm_status_get_delay(st);
	double ideal = (ts_ms(&now) - ts_ms(&trig)) * RATE / 1000.0;

	if (d->n_err == d->cap_err) {
		d->cap_err = d->cap_err ? 2 * d->cap_err : 65536;
		d->err_ms = realloc(d->err_ms, d->cap_err * sizeof(double));
		if (!d->err_ms)
			die("malloc", -ENOMEM);
	}
	d->err_ms[d->n_err++] = fabs(played - ideal) * 1000.0 / RATE;
}

static void recover(snd_pcm_t *pcm, unsigned long *xruns, struct duplex *d)
{
	(*xruns)++;
	d->verifying = 0;	/* the lag changes from here */
	snd_pcm_prepare(pcm);
	/* Playback starts again from 0 at its next trigger. */
	if (pcm == d->play)
		d->written_at_start = d->written;
}

/* Wait for either stream, then refill the playback and drain the capture. */
static int stream_once(struct duplex *d, struct pollfd *fds, int np, int nc,
		       unsigned long *xruns_play, unsigned long *xruns_cap)
{
	snd_pcm_poll_descriptors(d->play, fds, (unsigned int)np);
	snd_pcm_poll_descriptors(d->cap, fds + np, (unsigned int)nc);
	double woke, done;

	if (poll(fds, (nfds_t)(np + nc), 1000) < 0)
		return -1;
	woke = now_ms();
	if (d->last_cycle_end > 0 && woke - d->last_cycle_end > d->wait_max_ms)
		d->wait_max_ms = woke - d->last_cycle_end;
	d->wakeups++;
	if (refill(d) < 0) {
		recover(d->play, xruns_play, d);
		refill(d);
		snd_pcm_start(d->play);
	} else if (d->measuring) {
		sample_position(d);
	}
	if (drain_capture(d) < 0) {
		recover(d->cap, xruns_cap, d);
		snd_pcm_start(d->cap);
	}
	done = now_ms();
	if (done - woke > d->cycle_max_ms)
		d->cycle_max_ms = done - woke;
	d->slow_cycles += done - woke > period * 1000.0 / RATE;
	d->last_cycle_end = done;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "playback", required_argument, NULL, 'P' }, { "capture", required_argument, NULL, 'C' },
		{ "period", required_argument, NULL, 'p' }, { "seconds", required_argument, NULL, 's' },
		{ "no-verify", no_argument, NULL, 'n' }, { "linger", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pdev = NULL, *cdev = NULL;
	struct duplex d = { .lag = -1, .verifying = 1, .measuring = 1 };
	struct sched_param sp = { .sched_priority = 80 };
	int c, err, rt;

	while ((c = getopt_long(argc, argv, "P:C:p:s:nl:", opts, NULL)) != -1) {
		switch (c) {
		case 'P': pdev = optarg; break;
		case 'C': cdev = optarg; break;
		case 'p': period = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': seconds = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'n': verify = 0; break;
		case 'l': linger_ms = (unsigned int)strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: vcpcm-bench -P DEV -C DEV -p FRAMES [-s S] [--no-verify] [--linger MS]\n");
			return 2;
		}
	}
	if (!pdev || !cdev || !period || !seconds)
		return 2;
	d.verifying = verify;
	rt = sched_setscheduler(0, SCHED_FIFO, &sp) == 0;
	if ((err = snd_pcm_open(&d.play, pdev, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK)) < 0)
		die("open_playback", err);
	if ((err = snd_pcm_open(&d.cap, cdev, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)) < 0)
		die("open_capture", err);
	setup(d.play, 0);
	setup(d.cap, 1);
	if ((err = snd_pcm_start(d.cap)) < 0)
		die("start_capture", err);
	if ((err = refill(&d)) < 0)
		die("prefill", err);
	/* mmap commits do not start a stream by themselves. */
	if ((err = snd_pcm_start(d.play)) < 0)
		die("start_playback", err);

	unsigned long target = (unsigned long)seconds * RATE;
	/* Whatever happens to the streams, give up 10 s after the planned time. */
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	int np = snd_pcm_poll_descriptors_count(d.play), nc = snd_pcm_poll_descriptors_count(d.cap);
	struct pollfd *fds = calloc((size_t)(np + nc), sizeof(*fds));

	if (!fds)
		die("malloc", -ENOMEM);
	while (d.written < target) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > (long)seconds + 10) {
			d.timed_out = 1;
			break;
		}
		if (stream_once(&d, fds, np, nc, &d.xruns_play, &d.xruns_cap) < 0)
			break;
	}
	/*
	 * --linger: stream on, unchecked, before stopping, so the measured run
	 * never overlaps the teardown of other clients that finish first.
	 */
	d.verifying = d.measuring = 0;
	for (double end = now_ms() + linger_ms; now_ms() < end;)
		if (stream_once(&d, fds, np, nc, &d.xruns_linger, &d.xruns_linger) < 0)
			break;
	snd_pcm_drop(d.play);
	snd_pcm_drop(d.cap);

	double p50 = NAN, p99 = NAN, max = NAN;

	if (d.n_err) {
		qsort(d.err_ms, d.n_err, sizeof(double), cmp_double);
		p50 = d.err_ms[(size_t)((double)(d.n_err - 1) * 0.50)];
		p99 = d.err_ms[(size_t)((double)(d.n_err - 1) * 0.99)];
		max = d.err_ms[d.n_err - 1];
	}
	printf("period=%u buffer=%u seconds=%u rt=%d timed_out=%d wakeups=%lu xruns_playback=%lu "
	       "xruns_capture=%lu frames=%lu verified=%s checked=%lu mismatched=%lu first_mismatch=%lu pos_samples=%zu "
	       "pos_err_p50_ms=%.4f pos_err_p99_ms=%.4f pos_err_max_ms=%.4f pos_skipped=%lu captured=%lu xruns_linger=%lu "
	       "cycle_max_ms=%.3f slow_cycles=%lu wait_max_ms=%.3f\n",
	       period, 2 * period, seconds, rt, d.timed_out, d.wakeups, d.xruns_play, d.xruns_cap, d.written,
	       !verify ? "n/a" : d.lag < 0 ? "no_signal" : d.mismatched ? "mismatch" : "ok",
	       d.checked, d.mismatched, d.first_mismatch, d.n_err, p50, p99, max, d.pos_skipped, d.captured,
	       d.xruns_linger, d.cycle_max_ms, d.slow_cycles, d.wait_max_ms);
	/* The distribution, for the plot: one value per line on stderr, decimated. */
	for (size_t i = 0; i < d.n_err; i += d.n_err / 2000 + 1)
		fprintf(stderr, "%.5f\n", d.err_ms[i]);
	return 0;
}

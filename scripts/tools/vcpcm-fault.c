// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-fault: one remote fault, end to end, as an application lives it.
 *
 *   vcpcm-fault --fault 'drop count=1' [-D hw:vcpcm,0,0] [--poll]
 *               [--ctl /sys/kernel/debug/snd-vcpcm/card0/fault] [--limit-ms 1000]
 *
 * A playback thread and a capture thread stream on DEV with blocking writes and
 * reads (S16_LE, 2 ch, 48 kHz, 100 ms buffer). After one clean second the fault is
 * written to the emulated remote's debugfs file. Each thread must be woken with an
 * error (xrun: -EPIPE, or -EIO) within --limit-ms; then the fault is cleared
 * ("none"), each thread re-prepares, and both must stream one more second with no
 * error. Prints one PASS/FAIL line with the figures; exit 0, 1, or 2 (setup).
 *
 * --poll: non-blocking I/O, waiting in poll() with no timeout of its own (as mmap
 * clients and sound servers do). Then nothing in ALSA times out for the
 * application: only the driver (an xrun) can wake it.
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool_util.h"

#define RATE		48000
#define CHANNELS	2
#define PERIOD		1200	/* 25 ms */

static const char *device = "hw:vcpcm,0,0";
static const char *ctl = "/sys/kernel/debug/snd-vcpcm/card0/fault";
static int use_poll;
static atomic_int phase;	/* 0 clean, 1 fault injected, 2 recovering, 3 stop */
static double fault_at;

struct side {
	const char *name;
	snd_pcm_stream_t dir;
	snd_pcm_t *pcm;
	pthread_t thread;
	int early_errors;		/* errors before the fault: a failure */
	int early_error;		/* the last of them */
	int first_error;		/* what woke it after the fault */
	double noticed_ms;		/* after the fault was injected; <0: never */
	int late_errors;		/* errors after recovery */
	int late_error;			/* the last of them */
	long frames_after;		/* frames moved after recovery */
};

static void die(const char *what, int err)
{
	printf("FAIL setup: %s: %s\n", what, snd_strerror(err));
	exit(2);
}

static void open_side(struct side *s)
{
	snd_pcm_hw_params_t *hw;
	unsigned int periods = 4;
	int err;

	if ((err = snd_pcm_open(&s->pcm, device, s->dir, use_poll ? SND_PCM_NONBLOCK : 0)) < 0)
		die("open", err);
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_hw_params_any(s->pcm, hw);
	if ((err = snd_pcm_hw_params_set_access(s->pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (err = snd_pcm_hw_params_set_format(s->pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0 ||
	    (err = snd_pcm_hw_params_set_channels(s->pcm, hw, CHANNELS)) < 0 ||
	    (err = snd_pcm_hw_params_set_rate(s->pcm, hw, RATE, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_period_size(s->pcm, hw, PERIOD, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_periods(s->pcm, hw, periods, 0)) < 0 ||
	    (err = snd_pcm_hw_params(s->pcm, hw)) < 0)
		die("hw_params", err);
}

static void *stream(void *arg)
{
	struct side *s = arg;
	short buf[PERIOD * CHANNELS];
	int recovered = 0;

	for (int i = 0; i < PERIOD * CHANNELS; i++)
		buf[i] = (short)(1000 + i * 7);
	while (atomic_load(&phase) != 3) {
		snd_pcm_sframes_t n = s->dir == SND_PCM_STREAM_PLAYBACK ?
			snd_pcm_writei(s->pcm, buf, PERIOD) : snd_pcm_readi(s->pcm, buf, PERIOD);
		int p;

		if (n == -EAGAIN) {
			/* Sleep until the driver says so; -EPIPE when it stopped the stream. */
			n = snd_pcm_wait(s->pcm, -1);
			if (n >= 0)
				continue;
		}
		p = atomic_load(&phase);	/* after any wait: it may have changed */
		if (n >= 0) {
			if (recovered)
				s->frames_after += n;
			continue;
		}
		if (p == 0) {
			s->early_errors++;
			s->early_error = (int)n;
		} else if (!s->first_error) {
			s->first_error = (int)n;
			s->noticed_ms = now_ms() - fault_at;
			/* Stay stopped until the fault is cleared. */
			while (atomic_load(&phase) == 1)
				sleep_ms(5);
		} else if (recovered) {
			s->late_errors++;
			s->late_error = (int)n;
		}
		if (atomic_load(&phase) >= 2 && s->first_error)
			recovered = 1;
		/* -EIO (ALSA's own timeout) leaves the stream running: stop it first. */
		snd_pcm_drop(s->pcm);
		snd_pcm_prepare(s->pcm);
	}
	return NULL;
}

static int write_ctl(const char *text)
{
	FILE *f = fopen(ctl, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fputs(text, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' }, { "ctl", required_argument, NULL, 'c' },
		{ "fault", required_argument, NULL, 'f' }, { "limit-ms", required_argument, NULL, 'l' },
		{ "poll", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	struct side sides[2] = {
		{ .name = "playback", .dir = SND_PCM_STREAM_PLAYBACK, .noticed_ms = -1 },
		{ .name = "capture", .dir = SND_PCM_STREAM_CAPTURE, .noticed_ms = -1 },
	};
	const char *fault = NULL;
	double limit_ms = 1000, t0;
	int c, err, ok = 1;

	while ((c = getopt_long(argc, argv, "D:", opts, NULL)) != -1) {
		switch (c) {
		case 'D': device = optarg; break;
		case 'c': ctl = optarg; break;
		case 'f': fault = optarg; break;
		case 'l': limit_ms = strtod(optarg, NULL); break;
		case 'p': use_poll = 1; break;
		default: fault = NULL; optind = argc + 1; break;
		}
	}
	if (!fault || optind != argc) {
		fprintf(stderr, "usage: vcpcm-fault --fault 'NAME [chan=N] [count=N] [ms=N]' "
				"[-D DEV] [--ctl FILE] [--limit-ms MS] [--poll]\n");
		return 2;
	}
	for (int i = 0; i < 2; i++)
		open_side(&sides[i]);
	for (int i = 0; i < 2; i++)
		pthread_create(&sides[i].thread, NULL, stream, &sides[i]);

	sleep_ms(1000);
	fault_at = now_ms();
	atomic_store(&phase, 1);
	if ((err = write_ctl(fault)) < 0)
		die("writing the fault to the debugfs file", err);
	/* Wait for both to be woken, or well past the limit. */
	for (t0 = now_ms(); now_ms() - t0 < 3 * limit_ms;) {
		if (sides[0].first_error && sides[1].first_error)
			break;
		sleep_ms(5);
	}
	if ((err = write_ctl("none")) < 0)
		die("clearing the fault", err);
	atomic_store(&phase, 2);
	sleep_ms(1000);
	atomic_store(&phase, 3);
	for (int i = 0; i < 2; i++) {
		pthread_join(sides[i].thread, NULL);
		snd_pcm_close(sides[i].pcm);
	}

	for (int i = 0; i < 2; i++) {
		struct side *s = &sides[i];
		int side_ok = !s->early_errors && s->first_error && s->noticed_ms >= 0 &&
			      s->noticed_ms <= limit_ms && !s->late_errors &&
			      s->frames_after >= RATE / 2;

		ok &= side_ok;
		printf("  %s: woken by %s after %.0f ms; errors before the fault %d (%s), after "
		       "recovery %d (%s); %ld frames after recovery%s\n", s->name,
		       s->first_error ? snd_strerror(s->first_error) : "nothing", s->noticed_ms,
		       s->early_errors, s->early_errors ? snd_strerror(s->early_error) : "none",
		       s->late_errors,
		       s->late_errors ? snd_strerror(s->late_error) : "none", s->frames_after,
		       side_ok ? "" : "  <- FAIL");
	}
	printf("%s fault '%s'%s: noticed by playback in %.0f ms, capture in %.0f ms (limit %.0f), "
	       "recovered\n", ok ? "PASS" : "FAIL", fault, use_poll ? " (poll)" : "",
	       sides[0].noticed_ms, sides[1].noticed_ms, limit_ms);
	return ok ? 0 : 1;
}

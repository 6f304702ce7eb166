// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-pcmcheck: stream-control checks through alsa-lib, for the e2e rigs.
 *
 *   vcpcm-pcmcheck drain   [-D DEV] [-r RATE] [-c CH] [-n FRAMES] [--tolerance-ms MS]
 *   vcpcm-pcmcheck pause   [-D DEV] [-r RATE] [-c CH] [--pause-ms MS]
 *   vcpcm-pcmcheck suspend [-D DEV] [-r RATE] [-c CH] [--seconds S]
 *   vcpcm-pcmcheck pause-write [-D DEV] [-r RATE] [-c CH] [--pause-ms MS]
 *   vcpcm-pcmcheck reset   [-D DEV] [-r RATE] [-c CH]
 *   vcpcm-pcmcheck reset-prepared [-D DEV] [-r RATE] [-c CH]
 *
 * drain:   queue FRAMES, then time snd_pcm_drain() against what was still queued (the
 *          delay): it must end within delay/rate + tolerance (20 ms) and not before
 *          delay/rate - tolerance (which would mean audio was dropped).
 * pause:   pause a running stream; while paused the position must not move and the state
 *          must be PAUSED; after resuming the position moves again, and the rest plays out
 *          with no xrun.
 * suspend: stream for S seconds while something else suspends the system; when a write
 *          reports -ESTRPIPE, resume (or re-prepare, if the driver cannot resume) and go on.
 *          Passes when every frame was written, with at least one suspend seen.
 *
 * pause-write: pause a running stream, write more while paused, resume and drain: the
 *          drain must end in time with no error (what was written while paused plays).
 * reset:   snd_pcm_reset() on a running stream that is not stopped when it runs empty
 *          (stop threshold = boundary, as sound servers set it): it must go on running (no
 *          xrun, state RUNNING) while the application keeps writing, and drain in time.
 *          (With the default stop threshold ALSA itself stops it as soon as the position
 *          moves: the buffer is empty after a reset.)
 * reset-prepared: fill the whole buffer of a prepared stream, snd_pcm_reset(), fill it
 *          again (appl_ptr ends where it was before the reset), start and drain: it must
 *          play the buffer with no xrun and drain in time. (A driver that follows appl_ptr
 *          by value would see no move here and play nothing.)
 *
 * S16_LE playback, interleaved; RW, or mmap with --mmap (through alsa-lib's mmap_writei:
 * where the driver lets it map the control record, appl_ptr then moves by memory writes,
 * with no ioctl and no .ack). Prints one "PASS ..." or "FAIL ..." line with the
 * figures; exit 0 on pass, 1 on fail, 2 on usage or setup errors.
 */
#include <alsa/asoundlib.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool_util.h"

static const char *device = "hw:vcpcm,0,0";
static unsigned int rate = 48000, channels = 2;
static snd_pcm_t *pcm;
static snd_pcm_uframes_t buffer_size, period_size;
static int use_mmap;	/* --mmap */

static void die(const char *what, int err)
{
	printf("FAIL setup: %s: %s\n", what, snd_strerror(err));
	exit(2);
}

/*
 * Open and configure: buffer of buffer_ms, 4 periods, start once a period is queued;
 * never_stop: a stop threshold of boundary (the stream is not stopped when it runs empty).
 */
static void open_pcm_stopping(unsigned int buffer_ms, int never_stop)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	unsigned int buffer_us = buffer_ms * 1000, periods = 4;
	int err;

	err = snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, 0);
	if (err < 0)
		die("open", err);
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_hw_params_any(pcm, hw);
	if ((err = snd_pcm_hw_params_set_access(pcm, hw, use_mmap ? SND_PCM_ACCESS_MMAP_INTERLEAVED :
							    SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0 ||
	    (err = snd_pcm_hw_params_set_channels(pcm, hw, channels)) < 0 ||
	    (err = snd_pcm_hw_params_set_rate(pcm, hw, rate, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer_us, NULL)) < 0 ||
	    (err = snd_pcm_hw_params_set_periods_near(pcm, hw, &periods, NULL)) < 0 ||
	    (err = snd_pcm_hw_params(pcm, hw)) < 0)
		die("hw_params", err);
	snd_pcm_hw_params_get_buffer_size(hw, &buffer_size);
	snd_pcm_hw_params_get_period_size(hw, &period_size, NULL);
	snd_pcm_sw_params_alloca(&sw);
	snd_pcm_sw_params_current(pcm, sw);
	if (never_stop) {
		snd_pcm_uframes_t boundary;

		if ((err = snd_pcm_sw_params_get_boundary(sw, &boundary)) < 0 ||
		    (err = snd_pcm_sw_params_set_stop_threshold(pcm, sw, boundary)) < 0)
			die("sw_params stop threshold", err);
	}
	if ((err = snd_pcm_sw_params_set_start_threshold(pcm, sw, period_size)) < 0 ||
	    (err = snd_pcm_sw_params(pcm, sw)) < 0)
		die("sw_params", err);
}

static void open_pcm(unsigned int buffer_ms)
{
	open_pcm_stopping(buffer_ms, 0);
}

/* A non-silent signal, so a capture of it would show every frame. */
static short *make_frames(snd_pcm_uframes_t frames)
{
	short *buf = malloc(frames * channels * sizeof(short));

	if (!buf)
		die("malloc", -ENOMEM);
	for (snd_pcm_uframes_t i = 0; i < frames * channels; i++)
		buf[i] = (short)(1000 + (i * 7919) % 20000);
	return buf;
}

struct write_stats {
	int xruns, suspends, resumed, prepared;
};

/*
 * Write until *done reaches total, from buf (len frames, used round and round).
 * Xruns are counted and recovered; so are suspends: resume, or prepare again
 * when the driver cannot resume in place (no SNDRV_PCM_INFO_RESUME).
 */
static void write_until(const short *buf, snd_pcm_uframes_t len, snd_pcm_uframes_t *done,
			snd_pcm_uframes_t total, struct write_stats *st)
{
	while (*done < total) {
		snd_pcm_uframes_t off = *done % len, want = len - off;
		snd_pcm_sframes_t n;
		int err;

		if (want > total - *done)
			want = total - *done;
		n = use_mmap ? snd_pcm_mmap_writei(pcm, buf + off * channels, want) :
			       snd_pcm_writei(pcm, buf + off * channels, want);
		if (n == -EAGAIN)
			continue;
		if (n == -ESTRPIPE) {
			st->suspends++;
			while ((err = snd_pcm_resume(pcm)) == -EAGAIN)
				sleep_ms(10);
			if (err == 0) {
				st->resumed++;
				continue;
			}
			if ((err = snd_pcm_prepare(pcm)) < 0)
				die("prepare after suspend", err);
			st->prepared++;
			continue;
		}
		if (n == -EPIPE) {
			st->xruns++;
			snd_pcm_prepare(pcm);
			continue;
		}
		if (n < 0)
			die("write", (int)n);
		*done += (snd_pcm_uframes_t)n;
	}
}

/* Drain what is queued; *expect_ms: how long that should take (the delay at the start). */
static int timed_drain(double *took_ms, double *expect_ms, snd_pcm_sframes_t *queued)
{
	double t0;
	int err;

	if ((err = snd_pcm_delay(pcm, queued)) < 0)
		die("delay", err);
	*expect_ms = *queued * 1000.0 / rate;
	t0 = now_ms();
	err = snd_pcm_drain(pcm);
	*took_ms = now_ms() - t0;
	return err;
}

static int check_drain(snd_pcm_uframes_t frames, double tolerance_ms)
{
	struct write_stats st = { 0 };
	short *buf;
	snd_pcm_sframes_t delay = 0;
	snd_pcm_uframes_t done = 0;
	double took, expect;
	int err, ok;

	open_pcm(500);
	if (frames > buffer_size)
		frames = buffer_size;	/* all of it queued when drain starts */
	buf = make_frames(frames);
	write_until(buf, frames, &done, frames, &st);
	err = timed_drain(&took, &expect, &delay);
	ok = err == 0 && st.xruns == 0 && took <= expect + tolerance_ms &&
	     took >= expect - tolerance_ms;
	printf("%s drain frames=%lu rate=%u buffer=%lu queued_at_drain=%ld expected_ms=%.1f "
	       "took_ms=%.1f late_ms=%.1f tolerance_ms=%.0f result=%s\n", ok ? "PASS" : "FAIL",
	       frames, rate, buffer_size, (long)delay, expect, took, took - expect, tolerance_ms,
	       snd_strerror(err));
	free(buf);
	snd_pcm_close(pcm);
	return ok ? 0 : 1;
}

static int check_pause(unsigned int pause_ms)
{
	snd_pcm_uframes_t total = rate, done = 0;	/* one second */
	short *buf = make_frames(total);
	snd_pcm_status_t *st;
	snd_pcm_uframes_t avail_before, avail_during, avail_after;
	snd_pcm_state_t during;
	struct write_stats ws = { 0 };
	int err, ok;

	snd_pcm_status_alloca(&st);
	open_pcm(200);
	/* Fill the buffer, let it run a while, then pause. */
	write_until(buf, total, &done, buffer_size, &ws);
	sleep_ms(50);
	if ((err = snd_pcm_pause(pcm, 1)) < 0)
		die("pause", err);
	snd_pcm_status(pcm, st);
	avail_before = snd_pcm_status_get_avail(st);
	sleep_ms(pause_ms);
	snd_pcm_status(pcm, st);
	avail_during = snd_pcm_status_get_avail(st);
	during = snd_pcm_status_get_state(st);
	if ((err = snd_pcm_pause(pcm, 0)) < 0)
		die("resume", err);
	sleep_ms(50);
	snd_pcm_status(pcm, st);
	avail_after = snd_pcm_status_get_avail(st);
	/* The rest of the second plays out. */
	write_until(buf, total, &done, total, &ws);
	err = snd_pcm_drain(pcm);
	ok = during == SND_PCM_STATE_PAUSED && avail_during == avail_before &&
	     avail_after > avail_during && ws.xruns == 0 && err == 0;
	printf("%s pause pause_ms=%u state_while_paused=%s avail_at_pause=%lu avail_after_%ums=%lu "
	       "avail_50ms_after_resume=%lu xruns=%d drain=%s\n", ok ? "PASS" : "FAIL", pause_ms,
	       snd_pcm_state_name(during), avail_before, pause_ms, avail_during, avail_after, ws.xruns,
	       snd_strerror(err));
	free(buf);
	snd_pcm_close(pcm);
	return ok ? 0 : 1;
}

static int check_suspend(unsigned int seconds)
{
	snd_pcm_uframes_t total = (snd_pcm_uframes_t)rate * seconds, done = 0;
	struct write_stats st = { 0 };
	short *buf;
	int err, ok;

	open_pcm(100);
	buf = make_frames(period_size);
	/* An xrun is expected once user space was frozen; not a failure. */
	write_until(buf, period_size, &done, total, &st);
	err = snd_pcm_drain(pcm);
	ok = st.suspends > 0 && err == 0;
	printf("%s suspend seconds=%u frames_written=%lu suspends_seen=%d resumed=%d "
	       "re_prepared=%d xruns=%d drain=%s\n", ok ? "PASS" : "FAIL", seconds, done, st.suspends,
	       st.resumed, st.prepared, st.xruns, snd_strerror(err));
	free(buf);
	snd_pcm_close(pcm);
	return ok ? 0 : 1;
}

static int check_pause_write(unsigned int pause_ms)
{
	snd_pcm_uframes_t total = rate, done = 0;	/* one second */
	short *buf = make_frames(total);
	struct write_stats ws = { 0 };
	snd_pcm_sframes_t delay = 0, avail;
	double took, expect;
	int err, ok;

	open_pcm(200);
	write_until(buf, total, &done, buffer_size / 2, &ws);
	if ((err = snd_pcm_start(pcm)) < 0 && snd_pcm_state(pcm) != SND_PCM_STATE_RUNNING)
		die("start", err);
	sleep_ms(30);
	if ((err = snd_pcm_pause(pcm, 1)) < 0)
		die("pause", err);
	/* Fill what room there is while paused. */
	avail = snd_pcm_avail(pcm);
	if (avail < 0)
		die("avail while paused", (int)avail);
	write_until(buf, total, &done, done + (snd_pcm_uframes_t)avail, &ws);
	sleep_ms(pause_ms);
	if ((err = snd_pcm_pause(pcm, 0)) < 0)
		die("resume", err);
	err = timed_drain(&took, &expect, &delay);
	ok = err == 0 && ws.xruns == 0 && took <= expect + 100;
	printf("%s pause-write written_while_paused=%ld queued_at_drain=%ld expected_ms=%.1f "
	       "took_ms=%.1f xruns=%d drain=%s\n", ok ? "PASS" : "FAIL", (long)avail, (long)delay,
	       expect, took, ws.xruns, snd_strerror(err));
	free(buf);
	snd_pcm_close(pcm);
	return ok ? 0 : 1;
}

static int check_reset(void)
{
	snd_pcm_uframes_t total = rate, done = 0;	/* one second */
	short *buf = make_frames(total);
	struct write_stats ws = { 0 };
	snd_pcm_state_t after;
	double t0, took;
	int err, ok;

	open_pcm_stopping(200, 1);
	write_until(buf, total, &done, total / 3, &ws);
	if ((err = snd_pcm_reset(pcm)) < 0)
		die("reset", err);
	after = snd_pcm_state(pcm);
	/* The rest, written as the buffer empties. */
	write_until(buf, total, &done, total, &ws);
	t0 = now_ms();
	err = snd_pcm_drain(pcm);
	took = now_ms() - t0;
	ok = err == 0 && ws.xruns == 0 && after == SND_PCM_STATE_RUNNING && took < 400;
	printf("%s reset state_after_reset=%s xruns=%d drain_ms=%.1f drain=%s\n", ok ? "PASS" : "FAIL",
	       snd_pcm_state_name(after), ws.xruns, took, snd_strerror(err));
	free(buf);
	snd_pcm_close(pcm);
	return ok ? 0 : 1;
}

static int check_reset_prepared(void)
{
	snd_pcm_sw_params_t *sw;
	struct write_stats ws = { 0 };
	snd_pcm_uframes_t boundary, done = 0;
	snd_pcm_sframes_t avail, delay = 0;
	double took, expect;
	short *buf;
	int err, ok;

	open_pcm(200);
	/* Started by hand, once the buffer is full. */
	snd_pcm_sw_params_alloca(&sw);
	snd_pcm_sw_params_current(pcm, sw);
	if ((err = snd_pcm_sw_params_get_boundary(sw, &boundary)) < 0 ||
	    (err = snd_pcm_sw_params_set_start_threshold(pcm, sw, boundary)) < 0 ||
	    (err = snd_pcm_sw_params(pcm, sw)) < 0)
		die("sw_params start threshold", err);
	buf = make_frames(buffer_size);
	write_until(buf, buffer_size, &done, buffer_size, &ws);
	if ((err = snd_pcm_reset(pcm)) < 0)
		die("reset", err);
	avail = snd_pcm_avail(pcm);
	done = 0;
	write_until(buf, buffer_size, &done, buffer_size, &ws);
	if ((err = snd_pcm_start(pcm)) < 0)
		die("start", err);
	err = timed_drain(&took, &expect, &delay);
	ok = err == 0 && ws.xruns == 0 && avail == (snd_pcm_sframes_t)buffer_size &&
	     took <= expect + 20 && took >= expect - 20;
	printf("%s reset-prepared access=%s buffer=%lu avail_after_reset=%ld queued_at_drain=%ld "
	       "expected_ms=%.1f took_ms=%.1f xruns=%d drain=%s\n", ok ? "PASS" : "FAIL",
	       use_mmap ? "mmap" : "rw", buffer_size, (long)avail, (long)delay, expect, took, ws.xruns,
	       snd_strerror(err));
	free(buf);
	snd_pcm_close(pcm);
	return ok ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr, "usage: vcpcm-pcmcheck drain|pause|suspend|pause-write|reset|reset-prepared [-D DEV] "
			"[-r RATE] [-c CH] [-n FRAMES] [--tolerance-ms MS] [--pause-ms MS] [--seconds S] [--mmap]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'D' }, { "rate", required_argument, NULL, 'r' },
		{ "channels", required_argument, NULL, 'c' }, { "frames", required_argument, NULL, 'n' },
		{ "tolerance-ms", required_argument, NULL, 't' },
		{ "pause-ms", required_argument, NULL, 'p' }, { "seconds", required_argument, NULL, 's' },
		{ "mmap", no_argument, NULL, 'm' }, { NULL, 0, NULL, 0 },
	};
	unsigned long frames = 12000;
	unsigned int pause_ms = 300, seconds = 10;
	double tolerance_ms = 20;
	const char *mode;
	int c;

	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "D:r:c:n:", opts, NULL)) != -1) {
		switch (c) {
		case 'D': device = optarg; break;
		case 'r': rate = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'c': channels = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'n': frames = strtoul(optarg, NULL, 0); break;
		case 't': tolerance_ms = strtod(optarg, NULL); break;
		case 'p': pause_ms = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 's': seconds = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'm': use_mmap = 1; break;
		default: usage();
		}
	}
	if (optind != argc || !rate || !channels || !frames)
		usage();
	if (!strcmp(mode, "drain"))
		return check_drain(frames, tolerance_ms);
	if (!strcmp(mode, "pause"))
		return check_pause(pause_ms);
	if (!strcmp(mode, "suspend"))
		return check_suspend(seconds);
	if (!strcmp(mode, "pause-write"))
		return check_pause_write(pause_ms);
	if (!strcmp(mode, "reset"))
		return check_reset();
	if (!strcmp(mode, "reset-prepared"))
		return check_reset_prepared();
	usage();
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-roundtrip: the full-duplex client of effects processors, monitoring
 * and VoIP, for scripts/bench.sh. Two modes:
 *
 * Smallest round trip (default): read capture, write what was read straight
 * back to playback (S16_LE, 2 ch, 48 kHz, two periods per buffer, streams
 * linked, playback prefilled with a buffer of silence, non-blocking, woken by
 * poll() on the capture, whole periods at a time as JACK and alsa-lib's
 * latency test do), RW (snd_pcm_readi/writei) or --mmap (mmap_begin/commit on
 * both, copying area to area). The period grows from --from by --step (by an
 * eighth once that is more, in whole steps, so a coarse driver costs few
 * runs) until a run of --seconds has no xrun on either stream:
 *
 *   vcpcm-roundtrip -P PLAY -C CAP [--mmap] [--from 16] [--to 1024] [--step 16] [-s 5]
 *   -> "smallest=PERIOD access=rw|mmap attempts=N silent_losses=L ..." (smallest=none: not even --to,
 *      and ran_ms=T: how long the last attempt ran; --from P --to P is one run at P)
 *      work_ms=M work_max_ms=W: the client's own work per wakeup in the last attempt, poll()
 *      returning to the write done, mean and longest (the machine's cost of a cycle's
 *      system calls, whatever the driver: a wakeup's margin must hold it)
 *
 * Timer-scheduled (--quantum Q): a sound server's way (PipeWire, PulseAudio
 * with tsched): a large ALSA period and buffer, and its own timer every Q
 * frames of time. At each wakeup it asks for the capture position
 * (snd_pcm_avail: a hwsync), reads all there is and writes it to playback.
 * (16384 frames: snd-dummy's largest buffer at this format.)
 * Period wakeups are turned off where the driver allows it, as those servers
 * do. A wakeup that finds less than three quarters of a quantum is short:
 *
 *   vcpcm-roundtrip --quantum Q -P PLAY -C CAP [--period 1024] [--buffer 16384] [-s 10]
 *   -> "quantum=Q wakeups=N short=M short_position=D min_avail=F xruns=X silent_losses=L ..."
 *
 * (short_position: the short wakeups the client's own timing does not explain, where
 * capture had less than three quarters of the time since the wakeup before: the
 * driver's capture position lagged. The others came soon after a late wakeup.)
 *
 * (silent_losses there: times the capture position fell behind the clock
 * and stayed there, slip_step() with the quantum for the period.)
 *
 * A run also stops when audio was lost without an xrun: a wakeup came more
 * than a buffer after its period ended by the driver's position, or the
 * position fell further behind the clock than it had been and stayed there,
 * or (mmap) playback was written after its time to play, the driver's
 * position had passed it, and only a position query found that (counted as
 * silent_losses in the result; see roundtrip_checks.h).
 *
 * --hwsync: at each wakeup ask both positions first (snd_pcm_avail), as
 * clients that call it do; ALSA checks for an xrun at every such update.
 *
 * VCPCM_ROUNDTRIP_DEBUG=1 (the smallest-round-trip mode): per size, the least
 * playback queued and the most capture waiting at a wakeup, how late wakeups
 * came after their period ended (from the trigger timestamp), how long each
 * wakeup's work took (poll() returning to the write done), and at an xrun
 * both streams' status and snd-vcpcm's /proc account of the run.
 *
 * Exit 0 when the measurement ran (whatever the figures), 2 when the devices
 * could not be set up.
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
#include <sys/mman.h>

#include "roundtrip_checks.h"
#include "tool_util.h"

#define CHANNELS	2
#define FRAME_BYTES	(CHANNELS * 2)

struct pair {
	snd_pcm_t *play, *cap;
	int mmap;
	int hwsync;		/* ask both positions at each wakeup (snd_pcm_avail) */
	short *buf;		/* RW: what was read, on its way back */
	snd_pcm_uframes_t buf_frames, pending;	/* read, not yet written */
};

/* --hwsync: ask both positions at each wakeup, as clients calling snd_pcm_avail() do. */
static int ask_position;

/* The access form, for the result line. */
static const char *form(int mmap)
{
	return mmap ? ask_position ? "mmap_hwsync" : "mmap" : ask_position ? "rw_hwsync" : "rw";
}

static void die(const char *what, int err)
{
	printf("error=%s:%s\n", what, snd_strerror(err));
	exit(2);
}

/* timer: wakes on its own timer, so period wakeups off where the driver allows (as PipeWire does). */
static int setup(snd_pcm_t *pcm, int mmap, int timer, snd_pcm_uframes_t period, snd_pcm_uframes_t buffer)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_uframes_t boundary;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_hw_params_any(pcm, hw);
	if ((err = snd_pcm_hw_params_set_access(pcm, hw, mmap ? SND_PCM_ACCESS_MMAP_INTERLEAVED :
						   SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) < 0 ||
	    (err = snd_pcm_hw_params_set_channels(pcm, hw, CHANNELS)) < 0 ||
	    (err = snd_pcm_hw_params_set_rate(pcm, hw, RATE, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_period_size(pcm, hw, period, 0)) < 0 ||
	    (err = snd_pcm_hw_params_set_buffer_size(pcm, hw, buffer)) < 0 ||
	    (timer && snd_pcm_hw_params_can_disable_period_wakeup(hw) &&
	     (err = snd_pcm_hw_params_set_period_wakeup(pcm, hw, 0)) < 0) ||
	    (err = snd_pcm_hw_params(pcm, hw)) < 0)
		return err;
	snd_pcm_sw_params_alloca(&sw);
	snd_pcm_sw_params_current(pcm, sw);
	snd_pcm_sw_params_get_boundary(sw, &boundary);
	/* Woken by capture; playback takes whatever fits (never -EAGAIN for avail_min). */
	snd_pcm_sw_params_set_avail_min(pcm, sw, snd_pcm_stream(pcm) == SND_PCM_STREAM_CAPTURE ? period : 1);
	/* Started by hand, once, through the link. */
	snd_pcm_sw_params_set_start_threshold(pcm, sw, boundary);
	/* The trigger time on our clock: how late each wakeup came after its period ended. */
	snd_pcm_sw_params_set_tstamp_type(pcm, sw, SND_PCM_TSTAMP_TYPE_MONOTONIC);
	return snd_pcm_sw_params(pcm, sw);
}

static int open_pair(struct pair *p, const char *pdev, const char *cdev, int mmap, int timer,
		     snd_pcm_uframes_t period, snd_pcm_uframes_t buffer)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->mmap = mmap;
	p->hwsync = ask_position;
	if ((err = snd_pcm_open(&p->play, pdev, SND_PCM_STREAM_PLAYBACK, SND_PCM_NONBLOCK)) < 0)
		die("open_playback", err);
	if ((err = snd_pcm_open(&p->cap, cdev, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK)) < 0)
		die("open_capture", err);
	if ((err = setup(p->play, mmap, timer, period, buffer)) < 0 ||
	    (err = setup(p->cap, mmap, timer, period, buffer)) < 0)
		return err;
	p->buf_frames = buffer;
	p->buf = calloc(buffer, FRAME_BYTES);
	if (!p->buf)
		die("malloc", -ENOMEM);
	/* Linked, as full-duplex clients (JACK, alsa-lib's latency test) do: one START for both. */
	if ((err = snd_pcm_link(p->cap, p->play)) < 0)
		die("link", err);
	return 0;
}

static void close_pair(struct pair *p)
{
	snd_pcm_drop(p->play);
	snd_pcm_drop(p->cap);
	snd_pcm_unlink(p->cap);
	snd_pcm_close(p->play);
	snd_pcm_close(p->cap);
	free(p->buf);
}

/* Playback gets frames of silence (before START: the prefill). */
static int write_silence(struct pair *p, snd_pcm_uframes_t frames)
{
	memset(p->buf, 0, frames * FRAME_BYTES);
	if (!p->mmap) {
		snd_pcm_sframes_t n = snd_pcm_writei(p->play, p->buf, frames);

		return n < 0 ? (int)n : n == (snd_pcm_sframes_t)frames ? 0 : -EIO;
	}
	return snd_pcm_mmap_writei(p->play, p->buf, frames) == (snd_pcm_sframes_t)frames ? 0 : -EIO;
}

/*
 * Move what capture has to playback, in whole units (0: all of it; a
 * period-driven client reads whole periods, or a read of a period and a bit
 * leaves less than avail_min for the next wakeup, which then comes a period
 * late), as far as playback has room (the rest waits for the next wakeup).
 * Returns the frames read, or -EPIPE (an xrun on either stream), or another
 * error.
 */
static snd_pcm_sframes_t whole_units(snd_pcm_sframes_t frames, snd_pcm_uframes_t unit)
{
	return unit ? frames - frames % (snd_pcm_sframes_t)unit : frames;
}

static long move_rw(struct pair *p, snd_pcm_uframes_t unit)
{
	snd_pcm_sframes_t got = snd_pcm_avail_update(p->cap), put;

	if (got >= 0) {
		got = whole_units(got, unit);
		if (got > (snd_pcm_sframes_t)(p->buf_frames - p->pending))
			got = whole_units((snd_pcm_sframes_t)(p->buf_frames - p->pending), unit);
		got = got ? snd_pcm_readi(p->cap, p->buf + p->pending * CHANNELS, (snd_pcm_uframes_t)got) : 0;
	}
	if (got == -EAGAIN)
		got = 0;
	if (got < 0)
		return got == -EPIPE || got == -ESTRPIPE ? -EPIPE : got;
	p->pending += (snd_pcm_uframes_t)got;
	put = p->pending ? snd_pcm_writei(p->play, p->buf, p->pending) : 0;
	if (put == -EAGAIN)
		put = 0;
	if (put < 0)
		return put == -EPIPE || put == -ESTRPIPE ? -EPIPE : put;
	p->pending -= (snd_pcm_uframes_t)put;
	memmove(p->buf, p->buf + put * CHANNELS, p->pending * FRAME_BYTES);
	return got;
}

static long move_mmap(struct pair *p, snd_pcm_uframes_t unit)
{
	snd_pcm_sframes_t cavail = snd_pcm_avail_update(p->cap), pavail;
	long moved = 0;

	if (cavail < 0)
		return cavail == -EPIPE ? -EPIPE : cavail;
	pavail = snd_pcm_avail_update(p->play);
	if (pavail < 0)
		return pavail == -EPIPE ? -EPIPE : pavail;
	/* What playback has no room for stays in the capture buffer until the next wakeup. */
	if (pavail < cavail)
		cavail = pavail;
	cavail = whole_units(cavail, unit);
	while (cavail > 0) {
		const snd_pcm_channel_area_t *ca, *pa;
		snd_pcm_uframes_t coff, poff, cn = (snd_pcm_uframes_t)cavail, pn;
		int err = snd_pcm_mmap_begin(p->cap, &ca, &coff, &cn);

		if (err < 0)
			return err;
		pn = cn;
		if ((err = snd_pcm_mmap_begin(p->play, &pa, &poff, &pn)) < 0)
			return err;
		memcpy((char *)pa[0].addr + pa[0].first / 8 + poff * FRAME_BYTES,
		       (char *)ca[0].addr + ca[0].first / 8 + coff * FRAME_BYTES, pn * FRAME_BYTES);
		if (snd_pcm_mmap_commit(p->cap, coff, pn) != (snd_pcm_sframes_t)pn ||
		    snd_pcm_mmap_commit(p->play, poff, pn) != (snd_pcm_sframes_t)pn)
			return -EPIPE;
		cavail -= (snd_pcm_sframes_t)pn;
		moved += (long)pn;
	}
	return moved;
}

static long move(struct pair *p, snd_pcm_uframes_t unit)
{
	/*
	 * A hwsync makes the driver update its position now, and ALSA checks
	 * for an xrun then; without it, an mmap client's driver is checked only
	 * at its own interrupts (snd_pcm_avail_update asks for no update).
	 */
	if (p->hwsync && (snd_pcm_avail(p->cap) == -EPIPE || snd_pcm_avail(p->play) == -EPIPE))
		return -EPIPE;
	return p->mmap ? move_mmap(p, unit) : move_rw(p, unit);
}

/* Which stream stopped (for the log): "playback", "capture" or "both". */
static const char *who_stopped(const struct pair *p)
{
	int ps = snd_pcm_state(p->play) == SND_PCM_STATE_XRUN;
	int cs = snd_pcm_state(p->cap) == SND_PCM_STATE_XRUN;

	return ps && cs ? "both" : ps ? "playback" : cs ? "capture" : "neither";
}

static void dump_status(struct pair *p)
{
	snd_output_t *out;
	snd_pcm_status_t *st;

	snd_pcm_status_alloca(&st);
	snd_output_stdio_attach(&out, stderr, 0);
	snd_pcm_status(p->play, st);
	snd_pcm_status_dump(st, out);
	snd_pcm_status(p->cap, st);
	snd_pcm_status_dump(st, out);
	snd_output_close(out);
}

/* The last wakeups before an xrun (VCPCM_ROUNDTRIP_DEBUG). */
#define RECENT 8
struct wakeup {
	double at_ms, late_ms;		/* since the trigger; after its period ended */
	snd_pcm_sframes_t queued, waiting;	/* playback delay, capture avail */
};

static void print_recent(const struct wakeup *w, unsigned long n)
{
	unsigned long i = n > RECENT ? n - RECENT : 0;

	for (i++; i <= n; i++)
		fprintf(stderr, "  wakeup %lu: at %.3f ms, %.3f ms after its period, playback queued %ld, capture waiting %ld\n",
			i, w[i % RECENT].at_ms, w[i % RECENT].late_ms, (long)w[i % RECENT].queued,
			(long)w[i % RECENT].waiting);
}

/* When the stream started, on the monotonic clock (setup() asks for it). */
static double trigger_time_ms(snd_pcm_t *pcm)
{
	snd_pcm_status_t *st;
	snd_htimestamp_t tr;

	snd_pcm_status_alloca(&st);
	snd_pcm_status(pcm, st);
	snd_pcm_status_get_trigger_htstamp(st, &tr);
	return tr.tv_sec * 1e3 + tr.tv_nsec / 1e6;
}

/* Where a position that slipped shows: capture read plus what waits, now. */
static int slipped(struct pair *p, double trigger_ms, unsigned long moved, unsigned int period,
		   struct slip *sl, double *slip_ms)
{
	snd_pcm_sframes_t waiting = snd_pcm_avail_update(p->cap);	/* no hwsync: as it was */

	if (waiting < 0)
		return 0;
	return slip_step(sl, now_ms() - trigger_ms, moved + (unsigned long)waiting, period, slip_ms);
}

/*
 * An mmap client's late write (write_too_late()). An mmap commit asks for no
 * position update, so ALSA sees the xrun only if the driver reports it
 * (snd-vcpcm's remote runs dry and says so) or updates its position before
 * the write catches up (snd-dummy does at its period timer only). Asked now:
 * 1 when the driver's own position had passed those frames with the stream
 * still running, audio lost without an xrun. (RW and --hwsync clients ask at
 * every write: ALSA checks then.)
 */
static int late_write_unseen(struct pair *p, double trigger_ms, unsigned long frame,
			     unsigned int period, double *late_by_ms)
{
	if (!write_too_late(now_ms() - trigger_ms, frame, period, late_by_ms) || !p->mmap ||
	    p->hwsync || snd_pcm_state(p->play) != SND_PCM_STATE_RUNNING)
		return 0;
	return snd_pcm_avail(p->play) == -EPIPE;
}

/* What one run at one period measured besides its outcome (ms). */
struct run_figures {
	double ran_ms;		/* the audio it moved before it ended */
	double work_mean_ms;	/* each wakeup's work: poll() returning to the write done */
	double work_max_ms;
};

/*
 * One run at one period: 1 when it ran seconds without an xrun, 0 when it
 * stopped at an xrun or was refused, -1 when audio was lost without an xrun.
 */
static int run_once(const char *pdev, const char *cdev, int mmap, unsigned int period,
		    unsigned int seconds, struct run_figures *fig)
{
	struct pair p;
	int np, err, ok = 1;
	unsigned long moved = 0, target = (unsigned long)seconds * RATE;
	double give_up;
	struct pollfd fds[8];
	long n;
	/* The margin: the least playback queued at a wakeup, the most capture waiting. */
	snd_pcm_sframes_t least_queued = -1, most_waiting = 0;
	/* How late wakeups came after the end of the period they were for (ms). */
	double trigger_ms = 0, late_max = 0, late_sum = 0, due, late, behind = 0;
	struct slip sl = { HUGE_VAL, 0 };
	int slip;
	double late_write;	/* how long after its time to play the next write came */
	/* Writes after their time (debug): a DMA card plays its stale buffer there. */
	unsigned long writes_late = 0, writes_late_quarter = 0;
	double late_write_max = 0;
	unsigned long late_n = 0, late_1ms = 0, late_2ms = 0;
	/* How long each wakeup took, from poll() returning to the write done (ms). */
	double woke, busy, busy_sum = 0, busy_max = 0;
	unsigned long busy_n = 0;
	/* Playback queued plus capture waiting: a buffer, when both run off one clock. */
	long sum_min = -1, sum_max = 0;
	struct wakeup recent[RECENT];

	*fig = (struct run_figures){ 0 };
	err = open_pair(&p, pdev, cdev, mmap, 0, period, 2 * period);
	if (err < 0) {
		fprintf(stderr, "period %u: refused (%s)\n", period, snd_strerror(err));
		close_pair(&p);
		return 0;
	}
	np = snd_pcm_poll_descriptors(p.cap, fds, 8);
	if ((err = write_silence(&p, 2 * period)) < 0 || (err = snd_pcm_start(p.cap)) < 0)
		die("prefill/start", err);
	give_up = now_ms() + seconds * 1000.0 + 5000.0;
	while (moved < target) {
		unsigned short rev = 0;

		if (now_ms() > give_up) {
			ok = 0;
			fprintf(stderr, "period %u: stalled after %lu frames\n", period, moved);
			break;
		}
		if (poll(fds, (nfds_t)np, 1000) < 0)
			break;
		snd_pcm_poll_descriptors_revents(p.cap, fds, (unsigned int)np, &rev);
		if (!rev && snd_pcm_state(p.cap) == SND_PCM_STATE_RUNNING)
			continue;
		woke = now_ms();
		if (!trigger_ms)
			trigger_ms = trigger_time_ms(p.cap);
		/* Relative to the driver's clock, as its position says it ran. */
		due = trigger_ms + frames_ms((double)(moved / period + 1) * period);
		late = now_ms() - due;
		late_sum += late;
		late_n++;
		late_1ms += late > 1.0;
		late_2ms += late > 2.0;
		if (late > late_max)
			late_max = late;
		if (getenv("VCPCM_ROUNDTRIP_DEBUG")) {
			snd_pcm_sframes_t q = 0, w = snd_pcm_avail(p.cap);
			struct wakeup *last = &recent[late_n % RECENT];

			if (snd_pcm_delay(p.play, &q) == 0 && (least_queued < 0 || q < least_queued))
				least_queued = q;
			*last = (struct wakeup){ now_ms() - trigger_ms, late, q, w };
			if (w > most_waiting)
				most_waiting = w;
			if (sum_min < 0 || q + w < sum_min)
				sum_min = q + w;
			if (q + w > sum_max)
				sum_max = q + w;
		}
		/* The next write starts at frame prefill + what was written so far. */
		if (late_write_unseen(&p, trigger_ms, 2UL * period + moved, period, &late_write)) {
			fprintf(stderr, "period %u: lost audio without an xrun after %lu frames: playback "
				"was due %.3f ms before this write and the driver's position had passed it, "
				"seen only when asked\n", period, moved, late_write);
			ok = -1;
			break;
		}
		writes_late += late_write > 0;
		writes_late_quarter += late_write > frames_ms(0.25 * period);
		if (late_write > late_write_max)
			late_write_max = late_write;
		n = move(&p, period);
		if (n < 0) {
			ok = 0;
			fprintf(stderr, "period %u: %s after %lu frames (%s)\n", period,
				n == -EPIPE ? "xrun" : "error", moved, who_stopped(&p));
			if (getenv("VCPCM_ROUNDTRIP_DEBUG")) {
				print_recent(recent, late_n);
				dump_status(&p);
				/* snd-vcpcm's own account of the run, while the streams are still open. */
				if (system("grep -A5 ' 0: ' /proc/asound/vcpcm/vcpcm 2>/dev/null") < 0)
					perror("system");
			}
			break;
		}
		moved += (unsigned long)n;
		busy = now_ms() - woke;
		busy_sum += busy;
		busy_n++;
		if (busy > busy_max)
			busy_max = busy;
		slip = slipped(&p, trigger_ms, moved, period, &sl, &behind);
		if (skipped_a_buffer(late, period, now_ms() - trigger_ms) || slip) {
			fprintf(stderr, "period %u: lost audio without an xrun after %lu frames: %s\n", period, moved,
				slip ? "the driver's position fell behind the clock and stayed there (frames skipped)" :
				"a wakeup came more than a buffer after its period ended by the driver's position");
			if (getenv("VCPCM_ROUNDTRIP_DEBUG"))
				fprintf(stderr, "  this wakeup %.3f ms after its period, position %.3f ms further behind "
					"than its least\n", late, behind);
			ok = -1;
			break;
		}
	}
	if (getenv("VCPCM_ROUNDTRIP_DEBUG"))
		fprintf(stderr, "period %u: %s, least playback queued at a wakeup %ld, most capture waiting %ld, "
			"wakeups after their period ended: mean %.3f ms, latest %.3f ms, %lu of %lu over 1 ms, %lu over 2 ms, "
			"queued+waiting %ld..%ld, each wakeup's work: mean %.3f ms, longest %.3f ms, "
			"writes after their time to play: %lu, %lu by over a quarter period, the latest by %.3f ms\n",
			period, ok == 1 ? "ran" : "stopped", (long)least_queued, (long)most_waiting,
			late_n ? late_sum / late_n : 0, late_max, late_1ms, late_n, late_2ms, sum_min, sum_max,
			busy_n ? busy_sum / busy_n : 0, busy_max, writes_late, writes_late_quarter, late_write_max);
	close_pair(&p);
	*fig = (struct run_figures){ frames_ms((double)moved), busy_n ? busy_sum / busy_n : 0, busy_max };
	return ok;
}

static void smallest(const char *pdev, const char *cdev, int mmap, unsigned int from,
		     unsigned int to, unsigned int step, unsigned int seconds)
{
	unsigned int period, attempts = 0, silent = 0;
	struct run_figures fig = { 0 };
	int ran;

	for (period = from; period <= to; period += period / 8 > step ? period / 8 / step * step : step) {
		attempts++;
		ran = run_once(pdev, cdev, mmap, period, seconds, &fig);
		silent += ran < 0;
		if (ran == 1) {
			printf("smallest=%u access=%s attempts=%u silent_losses=%u seconds=%u ms=%.3f "
			       "work_ms=%.3f work_max_ms=%.3f\n", period, form(mmap), attempts, silent, seconds,
			       period * 1000.0 / RATE, fig.work_mean_ms, fig.work_max_ms);
			return;
		}
	}
	/* ran_ms: how long the last attempt ran (with --from = --to, the one period's run). */
	printf("smallest=none access=%s attempts=%u silent_losses=%u seconds=%u to=%u ran_ms=%.0f "
	       "work_ms=%.3f work_max_ms=%.3f\n", form(mmap), attempts, silent, seconds, to, fig.ran_ms,
	       fig.work_mean_ms, fig.work_max_ms);
}

static void add_ns(struct timespec *t, long ns)
{
	t->tv_nsec += ns;
	while (t->tv_nsec >= 1000000000L) {
		t->tv_nsec -= 1000000000L;
		t->tv_sec++;
	}
}

/* A sound server's timer-driven cycle: wake every quantum, take what capture has. */
static void timer_scheduled(const char *pdev, const char *cdev, int mmap, unsigned int quantum,
			    unsigned int period, unsigned int buffer, unsigned int seconds)
{
	struct pair p;
	unsigned long wakeups = 0, short_wakeups = 0, xruns = 0, moved = 0, run_moved = 0;
	unsigned long short_position = 0;
	double prev_ms = 0;	/* the wakeup before, 0 after a start */
	snd_pcm_sframes_t min_avail = -1;
	/* Audio lost without an xrun: the capture position fell behind the clock for good. */
	struct slip sl = { HUGE_VAL, 0 };
	unsigned long slips = 0;
	double trigger_ms = 0, excess;
	struct timespec next;
	long step_ns = (long)quantum * 1000000000L / RATE;
	/* Debug: the last wakeups, how late they came, the least playback queued. */
	int debug = getenv("VCPCM_ROUNDTRIP_DEBUG") != NULL;
	struct wakeup recent[RECENT];
	double late_max = 0;
	unsigned long late_1ms = 0;
	snd_pcm_sframes_t queued_min = -1;
	int err = open_pair(&p, pdev, cdev, mmap, 1, period, buffer);
	snd_pcm_hw_params_t *hw;
	unsigned int wakeups_on = 1;

	if (err < 0)
		die("setup", err);
	snd_pcm_hw_params_alloca(&hw);
	if (snd_pcm_hw_params_current(p.cap, hw) == 0)
		snd_pcm_hw_params_get_period_wakeup(p.cap, hw, &wakeups_on);
	/* Playback a few quanta ahead, as a server keeps its target fill. */
	if ((err = write_silence(&p, 4 * quantum)) < 0 || (err = snd_pcm_start(p.cap)) < 0)
		die("prefill/start", err);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (wakeups = 0; wakeups < (unsigned long)seconds * RATE / quantum; wakeups++) {
		snd_pcm_sframes_t avail;
		double at;
		struct wakeup *w = &recent[(wakeups + 1) % RECENT];	/* debug */
		long n;

		add_ns(&next, step_ns);
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
		avail = snd_pcm_avail(p.cap);	/* hwsync: the position now */
		at = now_ms();
		if (avail >= 0) {
			if (min_avail < 0 || avail < min_avail)
				min_avail = avail;
			short_wakeups += short_wakeup(avail, quantum);
			short_position += short_by_position(avail, quantum, prev_ms ? at - prev_ms : 0);
			prev_ms = at;
		}
		if (debug) {
			w->late_ms = at - ((double)next.tv_sec * 1e3 + next.tv_nsec / 1e6);
			w->at_ms = at - trigger_ms;	/* since the trigger, once known */
			w->waiting = avail;
			late_max = w->late_ms > late_max ? w->late_ms : late_max;
			late_1ms += w->late_ms > 1.0;
		}
		n = move(&p, 0);
		if (debug && n >= 0 && snd_pcm_delay(p.play, &w->queued) == 0 &&
		    (queued_min < 0 || w->queued < queued_min))
			queued_min = w->queued;
		if (n < 0) {
			if (debug) {
				fprintf(stderr, "quantum %u: xrun (%ld) at wakeup %lu\n", quantum, n, wakeups + 1);
				w->queued = -1;
				print_recent(recent, wakeups + 1);
			}
			xruns++;
			snd_pcm_drop(p.cap);
			snd_pcm_prepare(p.cap);
			snd_pcm_prepare(p.play);
			write_silence(&p, 4 * quantum);
			snd_pcm_start(p.cap);
			/* A new run: a new trigger, and its own capture latency. */
			trigger_ms = 0;
			prev_ms = 0;
			run_moved = 0;
			sl = (struct slip){ HUGE_VAL, 0 };
			continue;
		}
		moved += (unsigned long)n;
		run_moved += (unsigned long)n;
		if (!trigger_ms)
			trigger_ms = trigger_time_ms(p.cap);
		/* The quantum stands for the period: a slip of half a quantum, 32 wakeups running. */
		if (slipped(&p, trigger_ms, run_moved, quantum, &sl, &excess)) {
			fprintf(stderr, "quantum %u: lost audio without an xrun after %lu frames: the capture "
				"position fell %.3f ms further behind the clock and stayed there\n",
				quantum, moved, excess);
			slips++;
			sl = (struct slip){ HUGE_VAL, 0 };
		}
	}
	if (debug)
		fprintf(stderr, "quantum %u: latest wakeup %.3f ms after its time, %lu more than 1 ms late, least playback queued %ld\n",
			quantum, late_max, late_1ms, (long)queued_min);
	printf("quantum=%u period=%u buffer=%u access=%s period_wakeups=%s seconds=%u wakeups=%lu short=%lu "
	       "short_position=%lu min_avail=%ld xruns=%lu silent_losses=%lu frames=%lu\n", quantum, period,
	       buffer, mmap ? "mmap" : "rw", wakeups_on ? "on" : "off", seconds, wakeups, short_wakeups,
	       short_position, (long)min_avail, xruns, slips, moved);
	close_pair(&p);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "playback", required_argument, NULL, 'P' }, { "capture", required_argument, NULL, 'C' },
		{ "mmap", no_argument, NULL, 'm' }, { "hwsync", no_argument, NULL, 'h' }, { "seconds", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' }, { "to", required_argument, NULL, 't' },
		{ "step", required_argument, NULL, 'S' }, { "quantum", required_argument, NULL, 'q' },
		{ "period", required_argument, NULL, 'p' }, { "buffer", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pdev = NULL, *cdev = NULL;
	unsigned int from = 16, to = 1024, step = 16, seconds = 0, quantum = 0;
	unsigned int period = 1024, buffer = 16384;
	struct sched_param sp = { .sched_priority = 80 };
	int c, mmap = 0;

	while ((c = getopt_long(argc, argv, "P:C:mhs:f:t:S:q:p:b:", opts, NULL)) != -1) {
		switch (c) {
		case 'P': pdev = optarg; break;
		case 'C': cdev = optarg; break;
		case 'm': mmap = 1; break;
		case 'h': ask_position = 1; break;
		case 's': seconds = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'f': from = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 't': to = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'S': step = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'q': quantum = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'p': period = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'b': buffer = (unsigned int)strtoul(optarg, NULL, 0); break;
		default:
			fprintf(stderr, "usage: vcpcm-roundtrip -P DEV -C DEV [--mmap] [--hwsync] [--from F --to T --step S] [-s S]\n"
					"       vcpcm-roundtrip -P DEV -C DEV --quantum Q [--period P --buffer B] [-s S]\n");
			return 2;
		}
	}
	if (!pdev || !cdev || !step || !from)
		return 2;
	/*
	 * As a low-latency client runs (JACK, cyclictest -m): SCHED_FIFO and its
	 * memory locked, when allowed, so no page fault stalls a wakeup (in UML
	 * each is a round trip to the host).
	 */
	sched_setscheduler(0, SCHED_FIFO, &sp);
	mlockall(MCL_CURRENT | MCL_FUTURE);
	if (quantum)
		timer_scheduled(pdev, cdev, mmap, quantum, period, buffer, seconds ? seconds : 10);
	else
		smallest(pdev, cdev, mmap, from, to, step, seconds ? seconds : 5);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vcpcm-directmap: stream the way syscall-free real-time clients do (the Rust
 * alsa crate's direct::pcm): map the PCM's status and control records and the
 * data buffer from the device fd, fill, START, and from then on move appl_ptr
 * by plain memory writes, reading hw_ptr from the status record. After START
 * a seccomp filter kills the process on any ioctl, so a pass proves that none
 * was made. Playback plays a pattern; capture (the paired substream of a
 * loopback card) must bring it back bit-exact after leading silence.
 * With -C none (a card without a loopback, snd-dummy) only playback runs: it
 * must stay RUNNING and its position cover the whole pattern.
 *
 *   vcpcm-directmap -D hw:vcpcm,0 [-C hw:vcpcm,0|none] [-r 48000] [-p 256] [-b 1024] [-s 3]
 *
 * Exit: 0 pass, 1 fail, 2 the control record cannot be mapped (ENXIO: the
 * driver wants every appl_ptr move through an ioctl, SYNC_APPLPTR), 3 the run
 * proves nothing: the stream stopped when the machine had stalled longer than
 * the buffer can bridge, so the xrun was right (a QEMU/TCG guest on a busy host
 * stalls for 10 ms and more). Data written through the control record reaches
 * the remote at the first report after the write, and the write fills up to a
 * position that was already `stale_ms` old: the buffer must cover the longest
 * gap between this loop's turns, the most stale position seen and one period.
 * Both are measured (the position's age from the status record's timestamp).
 */
#define _GNU_SOURCE
#include <alsa/asoundlib.h>
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#define VCPCM_TOOL_UAPI
#include "tool_util.h"

#define CHANNELS 2
#define FRAME_BYTES (CHANNELS * 2)

struct direct {
	const char *name;
	snd_pcm_t *pcm;
	int fd;
	volatile struct snd_pcm_mmap_status *status;
	volatile struct snd_pcm_mmap_control *control;
	int16_t *data;
	unsigned long buffer, boundary, appl;
};

/* The pattern: never zero, so leading silence cannot pass for it. */
static int16_t sample(unsigned long frame, unsigned int ch)
{
	uint32_t x = (uint32_t)frame * 2654435761u + ch * 40503u + 0x9e37u;

	x ^= x >> 15;
	x *= 2246822519u;
	x ^= x >> 13;
	return (int16_t)(x | 1);
}

static int open_direct(struct direct *d, const char *dev, snd_pcm_stream_t dir,
		       unsigned int rate, snd_pcm_uframes_t period, snd_pcm_uframes_t buffer)
{
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	struct pollfd pfd;
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int err;

	d->name = dir == SND_PCM_STREAM_PLAYBACK ? "playback" : "capture";
	err = snd_pcm_open(&d->pcm, dev, dir, 0);
	if (err < 0) {
		fprintf(stderr, "%s: open %s: %s\n", d->name, dev, snd_strerror(err));
		return 1;
	}
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	if (snd_pcm_hw_params_any(d->pcm, hw) < 0 ||
	    snd_pcm_hw_params_set_access(d->pcm, hw, SND_PCM_ACCESS_MMAP_INTERLEAVED) < 0 ||
	    snd_pcm_hw_params_set_format(d->pcm, hw, SND_PCM_FORMAT_S16_LE) < 0 ||
	    snd_pcm_hw_params_set_channels(d->pcm, hw, CHANNELS) < 0 ||
	    snd_pcm_hw_params_set_rate(d->pcm, hw, rate, 0) < 0 ||
	    snd_pcm_hw_params_set_period_size(d->pcm, hw, period, 0) < 0 ||
	    snd_pcm_hw_params_set_buffer_size(d->pcm, hw, buffer) < 0 ||
	    (err = snd_pcm_hw_params(d->pcm, hw)) < 0) {
		fprintf(stderr, "%s: hw_params refused\n", d->name);
		return 1;
	}
	/* START is ours; an xrun stops the stream (checked in the status record). */
	snd_pcm_sw_params_current(d->pcm, sw);
	snd_pcm_sw_params_get_boundary(sw, &d->boundary);
	snd_pcm_sw_params_set_start_threshold(d->pcm, sw, d->boundary);
	snd_pcm_sw_params_set_stop_threshold(d->pcm, sw, buffer);
	/* status->tstamp: when the position was last updated (the position's age). */
	snd_pcm_sw_params_set_tstamp_mode(d->pcm, sw, SND_PCM_TSTAMP_ENABLE);
	snd_pcm_sw_params_set_tstamp_type(d->pcm, sw, SND_PCM_TSTAMP_TYPE_MONOTONIC);
	if (snd_pcm_sw_params(d->pcm, sw) < 0 || snd_pcm_prepare(d->pcm) < 0) {
		fprintf(stderr, "%s: sw_params/prepare failed\n", d->name);
		return 1;
	}
	if (snd_pcm_poll_descriptors(d->pcm, &pfd, 1) != 1)
		return 1;
	d->fd = pfd.fd;
	d->buffer = buffer;

	p = mmap(NULL, page, PROT_READ, MAP_SHARED, d->fd, SNDRV_PCM_MMAP_OFFSET_STATUS);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: status mmap: %s\n", d->name, strerror(errno));
		return errno == ENXIO ? 2 : 1;
	}
	d->status = p;
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, SNDRV_PCM_MMAP_OFFSET_CONTROL);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: control mmap: %s\n", d->name, strerror(errno));
		return errno == ENXIO ? 2 : 1;
	}
	d->control = p;
	p = mmap(NULL, buffer * FRAME_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
		 SNDRV_PCM_MMAP_OFFSET_DATA);
	if (p == MAP_FAILED) {
		fprintf(stderr, "%s: data mmap: %s\n", d->name, strerror(errno));
		return 1;
	}
	d->data = p;
	d->appl = d->control->appl_ptr;
	return 0;
}

/* After START: any ioctl (and any syscall of another ABI) ends the process. */
static int forbid_ioctl(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),	/* x32 */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp");
		return 1;
	}
	return 0;
}

/* Frames from a to b on ALSA's position ring (b may have wrapped past the boundary). */
static unsigned long distance(const struct direct *d, unsigned long a, unsigned long b)
{
	return b >= a ? b - a : b + d->boundary - a;
}

static void commit(struct direct *d, unsigned long frames)
{
	d->appl += frames;
	if (d->appl >= d->boundary)
		d->appl -= d->boundary;
	__atomic_store_n(&d->control->appl_ptr, d->appl, __ATOMIC_RELEASE);
}

/* Fill what the playback buffer has free: the pattern, then silence. */
static void play(struct direct *d, unsigned long *written, unsigned long total)
{
	unsigned long hw = __atomic_load_n(&d->status->hw_ptr, __ATOMIC_ACQUIRE);
	unsigned long queued = distance(d, hw, d->appl), n, i;

	if (queued > d->buffer)
		return;		/* an xrun: the state check reports it */
	n = d->buffer - queued;
	for (i = 0; i < n; i++) {
		unsigned long f = *written + i, off = ((d->appl + i) % d->buffer) * CHANNELS;
		unsigned int c;

		for (c = 0; c < CHANNELS; c++)
			d->data[off + c] = f < total ? sample(f, c) : 0;
	}
	*written += n;
	commit(d, n);
}

/* How old the position in the status record is at @now_ms (a torn read only skews one sample). */
static double position_age_ms(const struct direct *d, double now)
{
	double stamp = d->status->tstamp.tv_sec * 1e3 + d->status->tstamp.tv_nsec / 1e6;

	return stamp > 0 && stamp <= now ? now - stamp : 0;
}

struct verify {
	unsigned long lead, matched, wrong, seen;
	int started;
};

/* Take what capture has: leading silence, then the pattern frame by frame. */
static int capture(struct direct *d, struct verify *v, unsigned long total)
{
	unsigned long hw = __atomic_load_n(&d->status->hw_ptr, __ATOMIC_ACQUIRE);
	unsigned long n = distance(d, d->appl, hw), i;

	if (n > d->buffer)
		return -1;
	for (i = 0; i < n; i++) {
		const int16_t *s = d->data + ((d->appl + i) % d->buffer) * CHANNELS;
		unsigned int c;

		if (!v->started && !s[0] && !s[1]) {
			v->lead++;
			continue;
		}
		v->started = 1;
		if (v->seen < total) {
			for (c = 0; c < CHANNELS; c++)
				if (s[c] != sample(v->seen, c))
					break;
			if (c == CHANNELS)
				v->matched++;
			else if (!v->wrong++)
				fprintf(stderr, "capture: first wrong frame %lu\n", v->seen);
		}
		v->seen++;
	}
	commit(d, n);
	return 0;
}

int main(int argc, char **argv)
{
	const char *pdev = "hw:vcpcm,0", *cdev = NULL;
	unsigned int rate = 48000, seconds = 3, period = 256, buffer = 1024;
	struct direct pb = { 0 }, cp = { 0 };
	struct verify v = { 0 };
	unsigned long written = 0, played = 0, total, steps = 0, tick_ms;
	double t0, end, last, max_gap = 0, max_age = 0, period_ms, buffer_ms;
	int opt, rc, bad_state = 0, with_capture, ok, stalled;

	while ((opt = getopt(argc, argv, "D:C:r:p:b:s:")) != -1) {
		switch (opt) {
		case 'D': pdev = optarg; break;
		case 'C': cdev = optarg; break;
		case 'r': rate = atoi(optarg); break;
		case 'p': period = atoi(optarg); break;
		case 'b': buffer = atoi(optarg); break;
		case 's': seconds = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s -D PLAYBACK [-C CAPTURE] [-r RATE] [-p PERIOD] [-b BUFFER] [-s SEC]\n",
				argv[0]);
			return 1;
		}
	}
	if (!cdev)
		cdev = pdev;
	total = (unsigned long)rate * seconds;
	with_capture = strcmp(cdev, "none") != 0;
	rc = open_direct(&pb, pdev, SND_PCM_STREAM_PLAYBACK, rate, period, buffer);
	if (!rc && with_capture)
		rc = open_direct(&cp, cdev, SND_PCM_STREAM_CAPTURE, rate, period, buffer);
	if (rc)
		return rc;

	/* Fill playback by memory alone, then START both: the last ioctls. */
	play(&pb, &written, total);
	last = now_ms();	/* the first gap counts from START */
	if ((with_capture && ioctl(cp.fd, SNDRV_PCM_IOCTL_START)) || ioctl(pb.fd, SNDRV_PCM_IOCTL_START)) {
		perror("START");
		return 1;
	}
	/* stdio's first output may ask whether stdout is a terminal (an ioctl): do it now. */
	printf("directmap: started %s%s%s; no ioctl from here on\n", pdev,
	       with_capture ? " and " : "", with_capture ? cdev : "");
	fflush(stdout);
	if (forbid_ioctl())
		return 1;

	tick_ms = period * 1000UL / rate / 4;
	t0 = now_ms();
	end = t0 + seconds * 1000.0 + 1000.0 + buffer * 2000.0 / rate;
	while (now_ms() < end && (with_capture ? v.seen < total : played < total)) {
		double t = now_ms(), age;

		if (t - last > max_gap)
			max_gap = t - last;
		last = t;
		if (pb.status->state != SNDRV_PCM_STATE_RUNNING ||
		    (with_capture && cp.status->state != SNDRV_PCM_STATE_RUNNING)) {
			bad_state = 1;
			break;
		}
		/* Only while running: a stopped stream's position ages for nothing. */
		age = steps ? position_age_ms(&pb, t) : 0;
		if (age > max_age)
			max_age = age;
		play(&pb, &written, total);
		/* Everything but the last buffer's worth was consumed. */
		played = written > pb.buffer ? written - pb.buffer : 0;
		if (with_capture && capture(&cp, &v, total))
			bad_state = 1;
		steps++;
		sleep_ms(tick_ms ? tick_ms : 1);
	}
	/* Checked once more: the loop may have ended on time just after the stop. */
	if (pb.status->state != SNDRV_PCM_STATE_RUNNING ||
	    (with_capture && cp.status->state != SNDRV_PCM_STATE_RUNNING)) {
		double t = now_ms();

		bad_state = 1;
		if (t - last > max_gap)
			max_gap = t - last;
	}
	ok = !bad_state && (with_capture ? v.matched == total && !v.wrong : played >= total);
	period_ms = period * 1000.0 / rate;
	buffer_ms = buffer * 1000.0 / rate;
	stalled = bad_state && !v.wrong && max_gap + max_age + period_ms >= buffer_ms;
	printf("%s directmap play=%s cap=%s rate=%u period=%u buffer=%u seconds=%u ioctls_after_start=0 "
	       "steps=%lu max_gap_ms=%.1f stale_ms=%.1f play_state=%d cap_state=%d played=%lu lead=%lu "
	       "compared=%lu matched=%lu wrong=%lu\n",
	       ok ? "PASS" : stalled ? "STALLED" : "FAIL", pdev, cdev, rate, period, buffer, seconds,
	       steps, max_gap, max_age, pb.status->state,
	       with_capture ? (int)cp.status->state : -1, played, v.lead, v.seen, v.matched, v.wrong);
	fflush(stdout);
	return ok ? 0 : stalled ? 3 : 1;
}

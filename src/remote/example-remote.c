// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest useful remote: a playback-only card "example" (S16_LE,
 * 48 kHz, stereo) that discards what it is sent at the real rate, reporting
 * every 10 ms like the VideoCore. A starting point for your own remote
 * (README: "Writing your own remote"; docs/protocol.md has every message).
 * Little-endian hosts only, for brevity (the wire is little-endian).
 *
 *   cc -I include -o example-remote src/remote/example-remote.c
 *   sudo ./example-remote & aplay -D hw:example some.wav
 */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <vcpcm/user.h>

#define RATE 48000
#define FRAME_BYTES 4			/* S16_LE stereo */
#define REPORT_NS 10000000u		/* a COMPLETE every 10 ms */

static int fd;

static int send_frame(uint32_t chan, const uint32_t *words, uint32_t n)
{
	uint32_t frame[2 + 18] = { chan, 4 * n };

	memcpy(frame + 2, words, 4 * n);
	return write(fd, frame, 8 + 4 * n) == (ssize_t)(8 + 4 * n) ? 0 : -1;
}

int main(void)
{
	static uint8_t in[VCPCM_USER_FRAME_MAX];
	uint32_t announce[14 + VCPCM_USER_ID_LEN / 4] = {
		VCPCM_MSG_ANNOUNCE, VCPCM_PROTOCOL_VERSION,
		1u << VCPCM_FMT_S16_LE, RATE, RATE,	/* formats, rate_min, rate_max */
		2, 2, 1, 0,				/* channels 2..2, 1 playback, 0 capture */
		16384, 4000, REPORT_NS, 0,		/* FIFO, payload, cadence, latency */
		VCPCM_CAP_FIXED_CADENCE | VCPCM_CAP_NUMBERED,
	};	/* then the card's id, NUL-padded: */
	uint32_t queued = 0, seq = 0, epoch = 0, running = 0;
	struct timespec next;

	strcpy((char *)&announce[14], "example");
	fd = open(VCPCM_USER_DEVICE, O_RDWR);
	if (fd < 0 || send_frame(VCPCM_USER_CHAN_CARD, announce, 18)) {
		perror("example-remote: " VCPCM_USER_DEVICE);
		return 1;
	}
	fprintf(stderr, "example-remote: card up; Ctrl-C ends it\n");
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, running ? 1 : -1) > 0) {
			uint32_t *msg = (uint32_t *)(in + 8);
			ssize_t n = read(fd, in, sizeof(in));

			if (n < 12)
				return 1;
			switch (msg[0]) {
			case VCPCM_MSG_OPEN: case VCPCM_MSG_CLOSE:	/* tag in word 1 */
			case VCPCM_MSG_CONFIG: case VCPCM_MSG_CONTROL: {	/* tag last */
				uint32_t result[3] = { VCPCM_MSG_RESULT, 0, msg[(n - 8) / 4 - 1] };

				if (msg[0] == VCPCM_MSG_CONFIG)
					queued = 0;	/* CONFIG empties the FIFO */
				send_frame(((uint32_t *)in)[0], result, 3);
				break;
			}
			case VCPCM_MSG_START:
				epoch = msg[1], seq = 0, running = 1;
				clock_gettime(CLOCK_MONOTONIC, &next);
				break;
			case VCPCM_MSG_STOP:
				running = 0;
				break;
			case VCPCM_MSG_WRITE:
				queued += msg[1];	/* the audio is at in + 28: play it here */
				break;
			}
		}
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if (running && (now.tv_sec > next.tv_sec ||
				(now.tv_sec == next.tv_sec && now.tv_nsec >= next.tv_nsec))) {
			uint32_t want = RATE / 100 * FRAME_BYTES, played = queued < want ? queued : want;
			uint32_t complete[5] = { VCPCM_MSG_COMPLETE, played, ++seq, epoch, want - played };

			queued -= played;
			send_frame(0, complete, 5);
			next.tv_nsec += REPORT_NS;
			if (next.tv_nsec >= 1000000000)
				next.tv_sec++, next.tv_nsec -= 1000000000;
		}
	}
}

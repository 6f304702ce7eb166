// SPDX-License-Identifier: GPL-2.0
#include "engine.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <poll.h>

namespace remote {

volatile int stop_requested;

uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// What the host sent: one frame (read()), or all there are (the mapped
// queue, which never blocks).
bool Engine::handle_received()
{
	Frame f;
	int r;
	while ((r = link_.receive(&f)) > 0) {
		vcpcm_emu_out reply;
		r = vcpcm_emu_handle(model_, f.chan, f.msg, f.len, f.payload, f.payload_len, now_ns(), &reply);
		if (r < 0 && verbose_)
			std::fprintf(stderr, "vcpcm-remote: chan %u: message type %#x refused: %d\n", f.chan, f.type, r);
		if (r == 1 && !link_.send(reply))
			return false;
		if (!link_.mapped())
			return true;
	}
	return r == 0;
}

bool Engine::tick(uint64_t now)
{
	const vcpcm_emu_out *out;
	uint32_t count = vcpcm_emu_tick(model_, now, &out);
	for (uint32_t i = 0; i < count; i++)
		if (!link_.send(out[i]))
			return false;
	return true;
}

int Engine::run()
{
	sigset_t waiting;	// what ppoll lets in: SIGINT and SIGTERM too
	sigprocmask(SIG_SETMASK, nullptr, &waiting);
	sigdelset(&waiting, SIGINT);
	sigdelset(&waiting, SIGTERM);
	uint64_t next = now_ns() + tick_ns_;
	while (!stop_requested) {
		pollfd p = { link_.fd(), POLLIN, 0 };
		uint64_t now = now_ns();
		bool busy = mode_.service();
		bool ticking = busy || vcpcm_emu_running(model_);
		timespec wait = { 0, 0 };
		if (ticking && next > now)
			wait.tv_nsec = static_cast<long>(next - now);
		int r = ppoll(&p, 1, ticking ? &wait : nullptr, &waiting);
		if (r < 0 && errno != EINTR) {
			std::perror("vcpcm-remote: poll");
			return 1;
		}
		if (r > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) && !handle_received()) {
			std::fprintf(stderr, "vcpcm-remote: the link failed\n");
			return 1;
		}
		now = now_ns();
		if (!busy && !vcpcm_emu_running(model_)) {
			next = now + tick_ns_;
			continue;
		}
		if (now < next)
			continue;
		if (!tick(now))
			return 1;
		next += tick_ns_;
		if (next < now)
			next = now + tick_ns_;	// fell behind: no burst of catch-up ticks
	}
	return 0;
}

} // namespace remote

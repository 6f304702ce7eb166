// SPDX-License-Identifier: GPL-2.0
// vcpcm-remote: a user-space process as the hardware behind a snd-vcpcm
// card, through /dev/vcpcm. The far side's logic is the same C++ model the
// kernel's emulated coprocessor runs (src/core/coprocessor.cpp): one
// firmware code base, driven here by the process's own clock.
//
// Modes: loopback (playback N comes back on capture N, bit-exact).
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <unistd.h>

#include "vcpcm/core.h"
#include "vcpcm/user.h"

namespace {

volatile sig_atomic_t stop_requested;

void on_signal(int) { stop_requested = 1; }

uint64_t now_ns()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

struct Options {
	const char *device = VCPCM_USER_DEVICE;
	const char *id = "vcpcmuser";
	uint32_t pairs = 1;
	uint32_t fifo_bytes = 131072;
	uint32_t max_payload = 4000;
	uint32_t tick_us = 1000;
	uint32_t formats = (1u << VCPCM_FMT_COUNT) - 1;
	bool capture = true;
	bool fixed_cadence = false;
	bool verbose = false;
};

void usage(FILE *to)
{
	std::fprintf(to,
		"usage: vcpcm-remote [options] loopback\n"
		"Be the hardware behind a snd-vcpcm sound card: open /dev/vcpcm, announce a card,\n"
		"then play what ALSA applications send. loopback: what is played on playback N\n"
		"comes back on capture N, bit-exact. Runs until SIGINT or SIGTERM; the card\n"
		"disappears when it exits.\n\n"
		"  -D, --device PATH     the control device (default " VCPCM_USER_DEVICE ")\n"
		"  -i, --id ID           the ALSA card id (default vcpcmuser; up to 15 characters)\n"
		"  -n, --pairs N         playback/capture substream pairs, 1-8 (default 1)\n"
		"  -f, --fifo-bytes N    FIFO per playback channel, 4096-1048576 (default 131072)\n"
		"  -p, --max-payload N   largest payload per message, 256-65536 (default 4000)\n"
		"  -t, --tick-us N       clock tick: the finest report interval (default 1000)\n"
		"  -F, --formats LIST    announce only these: U8,S16_LE,S24_LE,S32_LE,FLOAT_LE\n"
		"      --no-capture      announce playback only\n"
		"      --fixed-cadence   report every tick whatever the host needs (as the VideoCore)\n"
		"  -v, --verbose         log every message\n"
		"  -h, --help            this text\n");
}

bool parse_formats(const char *list, uint32_t &mask)
{
	static const char *const names[VCPCM_FMT_COUNT] = { "U8", "S16_LE", "S24_LE", "S32_LE", "FLOAT_LE" };
	char buf[128];
	std::snprintf(buf, sizeof(buf), "%s", list);
	mask = 0;
	for (char *save = nullptr, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(nullptr, ",", &save)) {
		uint32_t i = 0;
		while (i < VCPCM_FMT_COUNT && std::strcmp(tok, names[i]))
			i++;
		if (i == VCPCM_FMT_COUNT)
			return false;
		mask |= 1u << i;
	}
	return mask != 0;
}

bool parse_u32(const char *s, uint32_t &v)
{
	char *end;
	errno = 0;
	unsigned long n = std::strtoul(s, &end, 0);
	if (errno || *end || end == s || n > 0xffffffffu)
		return false;
	v = static_cast<uint32_t>(n);
	return true;
}

// One frame to the host: header, the message's fixed part, its payload.
class Link {
public:
	explicit Link(int fd, bool verbose) : fd_(fd), verbose_(verbose) {}
	bool send(uint32_t chan, const void *msg, uint32_t len, const void *payload, uint32_t plen)
	{
		vcpcm_user_frame hdr = { chan, len + plen };
		if (sizeof(hdr) + len + plen > sizeof(out_))
			return false;
		std::memcpy(out_, &hdr, sizeof(hdr));
		std::memcpy(out_ + sizeof(hdr), msg, len);
		if (plen)
			std::memcpy(out_ + sizeof(hdr) + len, payload, plen);
		ssize_t n = write(fd_, out_, sizeof(hdr) + len + plen);
		if (verbose_)
			std::fprintf(stderr, "-> chan %u type %#x, %u bytes: %zd\n", chan,
				     len >= 4 ? static_cast<const uint8_t *>(msg)[0] |
					     static_cast<const uint8_t *>(msg)[1] << 8 : 0,
				     len + plen, n);
		if (n < 0)
			std::fprintf(stderr, "vcpcm-remote: write: %s\n", std::strerror(errno));
		return n == static_cast<ssize_t>(sizeof(hdr) + len + plen);
	}
	bool send(const vcpcm_emu_out &o) { return send(o.chan, o.hdr, o.len, o.payload, o.payload_len); }
private:
	int fd_;
	bool verbose_;
	uint8_t out_[VCPCM_USER_FRAME_MAX];
};

// The host's messages are handed to the model; its answers and the reports
// of each clock tick go back.
class Loopback {
public:
	Loopback(int fd, const Options &o, vcpcm_emu *model) : fd_(fd), opt_(o), model_(model), link_(fd, o.verbose) {}
	int run();
private:
	bool handle_one();
	int fd_;
	const Options &opt_;
	vcpcm_emu *model_;
	Link link_;
	uint8_t in_[VCPCM_USER_FRAME_MAX];
};

bool Loopback::handle_one()
{
	ssize_t n = read(fd_, in_, sizeof(in_));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	vcpcm_user_frame hdr;
	if (n < static_cast<ssize_t>(sizeof(hdr) + 4))
		return false;
	std::memcpy(&hdr, in_, sizeof(hdr));
	const uint8_t *msg = in_ + sizeof(hdr);
	uint32_t type = msg[0] | msg[1] << 8 | msg[2] << 16 | static_cast<uint32_t>(msg[3]) << 24;
	// WRITE's payload follows its 20-byte fixed part; nothing else has one.
	uint32_t fixed = type == VCPCM_MSG_WRITE ? VCPCM_MSG_HDR_SIZE + 16 : hdr.len;
	if (fixed > hdr.len)
		fixed = hdr.len;
	if (opt_.verbose)
		std::fprintf(stderr, "<- chan %u type %#x, %u bytes\n", hdr.chan, type, hdr.len);
	vcpcm_emu_out reply;
	int r = vcpcm_emu_handle(model_, hdr.chan, msg, fixed, msg + fixed, hdr.len - fixed, now_ns(), &reply);
	if (r < 0 && opt_.verbose)
		std::fprintf(stderr, "vcpcm-remote: message refused by the model: %d\n", r);
	return r != 1 || link_.send(reply);
}

int Loopback::run()
{
	const uint64_t tick = opt_.tick_us * 1000ull;
	uint64_t next = now_ns() + tick;
	while (!stop_requested) {
		pollfd p = { fd_, POLLIN, 0 };
		uint64_t now = now_ns();
		bool ticking = vcpcm_emu_running(model_);
		timespec wait = { 0, 0 };
		if (ticking && next > now)
			wait.tv_nsec = static_cast<long>(next - now);
		int r = ppoll(&p, 1, ticking ? &wait : nullptr, nullptr);
		if (r < 0 && errno != EINTR) {
			std::perror("vcpcm-remote: poll");
			return 1;
		}
		if (r > 0 && (p.revents & POLLIN) && !handle_one()) {
			std::fprintf(stderr, "vcpcm-remote: the link failed\n");
			return 1;
		}
		now = now_ns();
		if (!vcpcm_emu_running(model_)) {
			next = now + tick;
			continue;
		}
		if (now < next)
			continue;
		const vcpcm_emu_out *out;
		uint32_t count = vcpcm_emu_tick(model_, now, &out);
		for (uint32_t i = 0; i < count; i++)
			if (!link_.send(out[i]))
				return 1;
		next += tick;
		if (next < now)
			next = now + tick;	// fell behind: no burst of catch-up ticks
	}
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	static const option longopts[] = {
		{ "device", required_argument, nullptr, 'D' },
		{ "id", required_argument, nullptr, 'i' },
		{ "pairs", required_argument, nullptr, 'n' },
		{ "fifo-bytes", required_argument, nullptr, 'f' },
		{ "max-payload", required_argument, nullptr, 'p' },
		{ "tick-us", required_argument, nullptr, 't' },
		{ "formats", required_argument, nullptr, 'F' },
		{ "no-capture", no_argument, nullptr, 'C' },
		{ "fixed-cadence", no_argument, nullptr, 'X' },
		{ "verbose", no_argument, nullptr, 'v' },
		{ "help", no_argument, nullptr, 'h' },
		{},
	};
	Options o;
	int c;
	while ((c = getopt_long(argc, argv, "D:i:n:f:p:t:F:vh", longopts, nullptr)) != -1) {
		bool good = true;
		switch (c) {
		case 'D': o.device = optarg; break;
		case 'i': o.id = optarg; good = std::strlen(optarg) < VCPCM_USER_ID_LEN; break;
		case 'n': good = parse_u32(optarg, o.pairs) && o.pairs >= 1 && o.pairs <= 8; break;
		case 'f': good = parse_u32(optarg, o.fifo_bytes); break;
		case 'p': good = parse_u32(optarg, o.max_payload); break;
		case 't': good = parse_u32(optarg, o.tick_us) && o.tick_us >= 100 && o.tick_us <= 100000; break;
		case 'F': good = parse_formats(optarg, o.formats); break;
		case 'C': o.capture = false; break;
		case 'X': o.fixed_cadence = true; break;
		case 'v': o.verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (!good) {
			std::fprintf(stderr, "vcpcm-remote: bad value for -%c: %s\n", c, optarg);
			return 2;
		}
	}
	if (optind != argc - 1 || std::strcmp(argv[optind], "loopback")) {
		usage(stderr);
		return 2;
	}

	vcpcm_emu_params params = { o.pairs, o.fifo_bytes, o.max_payload, 0 };
	uint64_t size = vcpcm_emu_mem_size(&params);
	if (!size) {
		std::fprintf(stderr, "vcpcm-remote: FIFO %u bytes or payload %u bytes not possible\n",
			     o.fifo_bytes, o.max_payload);
		return 2;
	}
	void *mem = std::aligned_alloc(64, (size + 63) & ~63ull);
	vcpcm_emu *model = mem ? vcpcm_emu_init(mem, size, &params) : nullptr;
	if (!model) {
		std::fprintf(stderr, "vcpcm-remote: cannot set up the model\n");
		return 1;
	}

	vcpcm_msg_announce caps;
	vcpcm_emu_announce(&params, o.tick_us * 1000u, &caps);
	caps.formats = o.formats;
	if (!o.capture)
		caps.capture_chans = 0;
	if (o.fixed_cadence)
		caps.flags |= VCPCM_CAP_FIXED_CADENCE;
	uint8_t hello[VCPCM_MSG_ANNOUNCE_SIZE + VCPCM_USER_ID_LEN] = {};
	vcpcm_announce_encode(&caps, hello, VCPCM_MSG_ANNOUNCE_SIZE);
	std::memcpy(hello + VCPCM_MSG_ANNOUNCE_SIZE, o.id, std::strlen(o.id));

	int fd = open(o.device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		std::fprintf(stderr, "vcpcm-remote: %s: %s%s\n", o.device, std::strerror(errno),
			     errno == ENOENT ? " (is snd-vcpcm loaded with user_cards > 0?)" :
			     errno == EACCES ? " (creating a card is privileged: see the README's udev rule)" : "");
		return 1;
	}
	struct sigaction sa = {};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);

	Link link(fd, o.verbose);
	if (!link.send(VCPCM_USER_CHAN_CARD, hello, sizeof(hello), nullptr, 0)) {
		std::fprintf(stderr, "vcpcm-remote: the driver refused the card (see dmesg)\n");
		return 1;
	}
	std::fprintf(stderr, "vcpcm-remote: card '%s' is up (%u pairs%s); Ctrl-C ends it\n", o.id,
		     o.pairs, o.capture ? "" : ", playback only");
	int rc = Loopback(fd, o, model).run();
	close(fd);
	std::free(mem);
	return rc;
}

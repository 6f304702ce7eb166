// SPDX-License-Identifier: GPL-2.0
// vcpcm-remote: a user-space process as the hardware behind a snd-vcpcm
// card, through /dev/vcpcm. The far side's logic is the same C++ model the
// kernel's emulated coprocessor runs (src/core/coprocessor.cpp): one
// firmware code base. This file: options, the card's announcement, the
// mode; engine.cpp runs the loop, link.cpp frames the messages, and each
// mode has its file (mode.hpp lists them).
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <getopt.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine.hpp"
#include "link.hpp"
#include "mode.hpp"
#include "wav_file.hpp"

namespace remote {

const char *format_name(uint32_t wire_format)
{
	static const char *const names[VCPCM_FMT_COUNT] = { "U8", "S16_LE", "S24_LE", "S32_LE", "FLOAT_LE" };
	return wire_format < VCPCM_FMT_COUNT ? names[wire_format] : "?";
}

bool expand_pair(const char *pattern, uint32_t pair, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = pattern; *p && n < size; p++) {
		if (p[0] == '%' && p[1] == 'n') {
			n += static_cast<size_t>(std::snprintf(out + n, size - n, "%u", pair));
			p++;
		} else {
			out[n++] = *p;
		}
	}
	if (n >= size)
		return false;
	out[n] = 0;
	return true;
}

} // namespace remote

using namespace remote;

namespace {

void on_signal(int) { stop_requested = 1; }

void usage(FILE *to)
{
	std::fprintf(to,
		"usage: vcpcm-remote [options] MODE\n"
		"Be the hardware behind a snd-vcpcm sound card: open /dev/vcpcm, announce a card,\n"
		"then serve what ALSA applications play and record on it. Runs until SIGINT or\n"
		"SIGTERM (exit status 0); the card disappears when it exits.\n\n"
		"Modes:\n"
		"  loopback  what is played on playback N comes back on capture N, bit-exact\n"
		"  wav       playback N is recorded into a WAV file, capture N is served from one\n"
		"  alsa      playback N plays into an ALSA device, capture N records from one;\n"
		"            their clocks pace the card%s\n\n"
		"Card options:\n"
		"  -D, --device PATH     the control device (default " VCPCM_USER_DEVICE "), or a\n"
		"                        SOCK_SEQPACKET socket a test's fake host listens on\n"
		"  -i, --id ID           the ALSA card id (default vcpcmuser; up to 15 characters)\n"
		"  -n, --pairs N         playback/capture substream pairs, 1-8 (default 1)\n"
		"  -f, --fifo-bytes N    FIFO per playback channel, 4096-1048576 (default 131072)\n"
		"  -p, --max-payload N   largest payload per message, 256-65536 (default 4000)\n"
		"  -t, --tick-us N       clock tick: the finest report interval (default 1000)\n"
		"  -F, --formats LIST    announce only these: U8,S16_LE,S24_LE,S32_LE,FLOAT_LE\n"
		"      --no-capture      announce playback only\n"
		"      --no-playback     announce capture only (wav --capture-wav, or alsa)\n"
		"      --fixed-cadence   report every tick whatever the host needs (as the VideoCore)\n"
		"      --read            take the host's messages by read() (a copy more per byte),\n"
		"                        not in place from its mapped queue\n"
		"      --rt-priority N   run as real-time (SCHED_FIFO, 1-99) with its memory locked,\n"
		"                        as the hardware it stands for: a late wakeup is an xrun\n"
		"  -v, --verbose         log every message\n"
		"  -h, --help            this text\n\n"
		"wav (paced by the process's own clock, as loopback):\n"
		"  -R, --record-dir DIR  record playback N into DIR/playback-N.wav: from the first\n"
		"                        start of each open of the stream (the file is replaced),\n"
		"                        what the card played (after the mixer; silence where the\n"
		"                        application left it dry); sizes right at every stop, close\n"
		"                        and exit. S24_LE: 24 valid bits in 32 (WAV keeps them high)\n"
		"  -W, --capture-wav FILE  serve capture N from FILE, from its start at every start.\n"
		"                        Its format, rate and channels must be the stream's, or the\n"
		"                        stream's prepare fails (no conversion). After its end: silence\n"
		"      --loop            ... or FILE again from its start\n\n"
		"alsa:\n"
		"  -P, --playback-device DEV  where playback N plays (default \"default\")\n"
		"  -c, --capture-device DEV   where capture N records from (default \"default\")\n"
		"      --period-us N      the devices' period, 1000-100000: the card's report\n"
		"                         interval (default 10000)\n"
		"      --buffer-us N      the devices' buffer, at least 2 periods, at most 1 s:\n"
		"                         the playback latency (default 40000)\n"
		"  A device is opened with the stream's format, rate and channels at its prepare\n"
		"  (which fails if the device cannot take them) and closed at its close. Use hw:\n"
		"  devices for bit-exact audio: plug devices (\"default\") may convert.\n\n"
		"In FILE and DEV, %%n stands for the pair number (0-7).\n",
#ifdef VCPCM_REMOTE_ALSA
		""
#else
		"\n            (NOT IN THIS BUILD: it was built without libasound's headers)"
#endif
	);
}

bool parse_formats(const char *list, uint32_t &mask)
{
	char buf[128];
	std::snprintf(buf, sizeof(buf), "%s", list);
	mask = 0;
	for (char *save = nullptr, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(nullptr, ",", &save)) {
		uint32_t i = 0;
		while (i < VCPCM_FMT_COUNT && std::strcmp(tok, format_name(i)))
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

enum LongOnly { OPT_NO_PLAYBACK = 255, OPT_NO_CAPTURE = 256, OPT_FIXED_CADENCE, OPT_LOOP, OPT_PERIOD_US, OPT_BUFFER_US,
		OPT_READ, OPT_RT_PRIORITY };

// 0, or 2 (a usage error, said on stderr).
int parse_options(int argc, char **argv, Options &o, const char *&mode)
{
	static const option longopts[] = {
		{ "device", required_argument, nullptr, 'D' },
		{ "id", required_argument, nullptr, 'i' },
		{ "pairs", required_argument, nullptr, 'n' },
		{ "fifo-bytes", required_argument, nullptr, 'f' },
		{ "max-payload", required_argument, nullptr, 'p' },
		{ "tick-us", required_argument, nullptr, 't' },
		{ "formats", required_argument, nullptr, 'F' },
		{ "no-capture", no_argument, nullptr, OPT_NO_CAPTURE },
		{ "no-playback", no_argument, nullptr, OPT_NO_PLAYBACK },
		{ "fixed-cadence", no_argument, nullptr, OPT_FIXED_CADENCE },
		{ "verbose", no_argument, nullptr, 'v' },
		{ "read", no_argument, nullptr, OPT_READ },
		{ "rt-priority", required_argument, nullptr, OPT_RT_PRIORITY },
		{ "help", no_argument, nullptr, 'h' },
		{ "record-dir", required_argument, nullptr, 'R' },
		{ "capture-wav", required_argument, nullptr, 'W' },
		{ "loop", no_argument, nullptr, OPT_LOOP },
		{ "playback-device", required_argument, nullptr, 'P' },
		{ "capture-device", required_argument, nullptr, 'c' },
		{ "period-us", required_argument, nullptr, OPT_PERIOD_US },
		{ "buffer-us", required_argument, nullptr, OPT_BUFFER_US },
		{},
	};
	bool wav_opts = false, alsa_opts = false;
	int c, index;
	while ((c = getopt_long(argc, argv, "D:i:n:f:p:t:F:vhR:W:P:c:", longopts, &index)) != -1) {
		bool good = true;
		switch (c) {
		case 'D': o.device = optarg; break;
		case 'i': o.id = optarg; good = std::strlen(optarg) < VCPCM_USER_ID_LEN; break;
		case 'n': good = parse_u32(optarg, o.pairs) && o.pairs >= 1 && o.pairs <= 8; break;
		case 'f': good = parse_u32(optarg, o.fifo_bytes); break;
		case 'p': good = parse_u32(optarg, o.max_payload); break;
		case 't': good = parse_u32(optarg, o.tick_us) && o.tick_us >= 100 && o.tick_us <= 100000; break;
		case 'F': good = parse_formats(optarg, o.formats); break;
		case OPT_NO_CAPTURE: o.capture = false; break;
		case OPT_NO_PLAYBACK: o.playback = false; break;
		case OPT_FIXED_CADENCE: o.fixed_cadence = true; break;
		case 'v': o.verbose = true; break;
		case OPT_READ: o.by_read = true; break;
		case OPT_RT_PRIORITY:
			good = parse_u32(optarg, o.rt_priority) && o.rt_priority >= 1 && o.rt_priority <= 99;
			break;
		case 'h': usage(stdout); std::exit(0);
		case 'R': o.record_dir = optarg; wav_opts = true; break;
		case 'W': o.capture_wav = optarg; wav_opts = true; break;
		case OPT_LOOP: o.loop = true; wav_opts = true; break;
		case 'P': o.playback_device = optarg; alsa_opts = true; break;
		case 'c': o.capture_device = optarg; alsa_opts = true; break;
		case OPT_PERIOD_US:
			good = parse_u32(optarg, o.period_us) && o.period_us >= 1000 && o.period_us <= 100000;
			alsa_opts = true;
			break;
		case OPT_BUFFER_US:
			good = parse_u32(optarg, o.buffer_us) && o.buffer_us <= 1000000;
			alsa_opts = true;
			break;
		default:
			std::fprintf(stderr, "vcpcm-remote: --help lists the options\n");
			return 2;
		}
		if (!good) {
			char name[32];
			if (c < 256)
				std::snprintf(name, sizeof(name), "-%c", c);
			else
				std::snprintf(name, sizeof(name), "--%s", longopts[index].name);
			std::fprintf(stderr, "vcpcm-remote: bad value for %s: %s\n", name, optarg);
			return 2;
		}
	}
	if (optind != argc - 1) {
		std::fprintf(stderr, "vcpcm-remote: name one mode: loopback, wav or alsa (--help)\n");
		return 2;
	}
	mode = argv[optind];
	const char *misplaced = wav_opts && std::strcmp(mode, "wav") ? "--record-dir, --capture-wav and --loop are wav" :
				alsa_opts && std::strcmp(mode, "alsa") ? "--playback-device, --capture-device, "
									 "--period-us and --buffer-us are alsa" : nullptr;
	if (misplaced) {
		std::fprintf(stderr, "vcpcm-remote: %s mode options, not %s ones\n", misplaced, mode);
		return 2;
	}
	if (!o.playback && !o.capture) {
		std::fprintf(stderr, "vcpcm-remote: --no-playback with --no-capture: no channel at all\n");
		return 2;
	}
	if (!std::strcmp(mode, "alsa") && o.buffer_us < 2 * o.period_us) {
		std::fprintf(stderr, "vcpcm-remote: --buffer-us %u is less than two periods (--period-us %u)\n",
			     o.buffer_us, o.period_us);
		return 2;
	}
	return 0;
}

// Mode-specific checks at start-up, so that a mistake shows at once.
bool wav_options_usable(const Options &o)
{
	if (!o.record_dir && !o.capture_wav) {
		std::fprintf(stderr, "vcpcm-remote: wav mode: give --record-dir and/or --capture-wav\n");
		return false;
	}
	struct stat st;
	errno = 0;
	if (o.record_dir && (stat(o.record_dir, &st) || !S_ISDIR(st.st_mode) || access(o.record_dir, W_OK | X_OK))) {
		std::fprintf(stderr, "vcpcm-remote: --record-dir %s: %s\n", o.record_dir,
			     errno ? std::strerror(errno) : "not a directory");
		return false;
	}
	if (o.capture_wav && !o.capture) {
		std::fprintf(stderr, "vcpcm-remote: --capture-wav with --no-capture: nothing to serve\n");
		return false;
	}
	for (uint32_t pair = 0; o.capture_wav && pair < o.pairs; pair++) {
		// Opened again at every prepare; a file missing now may come later.
		char path[4096], what[64];
		WavReader r;
		if (!expand_pair(o.capture_wav, pair, path, sizeof(path)))
			return false;
		if (r.open(path) == 0)
			std::fprintf(stderr, "vcpcm-remote: capture %u serves %s: %s\n", pair, path,
				     describe(r.format(), what, sizeof(what)));
		else
			std::fprintf(stderr, "vcpcm-remote: capture %u: (until %s can be served, the stream's "
				     "prepare fails)\n", pair, path);
	}
	return true;
}

std::unique_ptr<Mode> make_mode(const char *name, const Options &o)
{
	if (!std::strcmp(name, "loopback"))
		return std::unique_ptr<Mode>(new Mode());	// the model alone
	if (!std::strcmp(name, "wav"))
		return wav_options_usable(o) ? make_wav_mode(o) : nullptr;
	if (!std::strcmp(name, "alsa")) {
#ifdef VCPCM_REMOTE_ALSA
		return make_alsa_mode(o);
#else
		std::fprintf(stderr, "vcpcm-remote: this build has no alsa mode (libasound's headers were "
			     "missing when it was built)\n");
		return nullptr;
#endif
	}
	std::fprintf(stderr, "vcpcm-remote: no mode '%s': loopback, wav or alsa (--help)\n", name);
	return nullptr;
}

// A clock that runs late makes the card xrun: ask for what audio daemons
// get (SCHED_FIFO, no page faults). Without the privilege, say so and go on.
void go_realtime(uint32_t priority)
{
	sched_param sp = {};
	sp.sched_priority = static_cast<int>(priority);
	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		std::fprintf(stderr, "vcpcm-remote: --rt-priority %u: %s (running unprioritised)\n", priority,
			     std::strerror(errno));
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		std::fprintf(stderr, "vcpcm-remote: --rt-priority: cannot lock memory: %s\n", std::strerror(errno));
}

} // namespace

int main(int argc, char **argv)
{
	Options o;
	const char *mode_name;
	if (int rc = parse_options(argc, argv, o, mode_name))
		return rc;
	std::unique_ptr<Mode> mode = make_mode(mode_name, o);
	if (!mode)
		return 2;

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
	vcpcm_emu_io io = mode->io();
	vcpcm_emu_set_io(model, &io);

	vcpcm_msg_announce caps;
	vcpcm_emu_announce(&params, o.tick_us * 1000u, &caps);
	caps.formats = o.formats;
	if (!o.capture)
		caps.capture_chans = 0;
	if (!o.playback)
		caps.playback_chans = 0;
	if (o.fixed_cadence)
		caps.flags |= VCPCM_CAP_FIXED_CADENCE;
	mode->announce(caps);
	uint8_t hello[VCPCM_MSG_ANNOUNCE_SIZE + VCPCM_USER_ID_LEN] = {};
	vcpcm_announce_encode(&caps, hello, VCPCM_MSG_ANNOUNCE_SIZE);
	std::memcpy(hello + VCPCM_MSG_ANNOUNCE_SIZE, o.id, std::strlen(o.id));

	// SIGINT and SIGTERM only while the loop waits: no wakeup is lost, and
	// whatever the mode writes is never cut short.
	struct sigaction sa = {};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	signal(SIGPIPE, SIG_IGN);	// a test's fake host may go first
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, nullptr);

	if (o.rt_priority)
		go_realtime(o.rt_priority);
	Link link;
	link.set_verbose(o.verbose);
	link.set_read_only(o.by_read);
	if (!link.open(o.device))
		return 1;
	if (!link.send(VCPCM_USER_CHAN_CARD, hello, sizeof(hello), nullptr, 0)) {
		std::fprintf(stderr, "vcpcm-remote: the driver refused the card (see dmesg)\n");
		return 1;
	}
	std::fprintf(stderr, "vcpcm-remote: card '%s' is up (%s, %u pairs%s); Ctrl-C ends it\n", o.id,
		     mode_name, o.pairs, o.capture ? "" : ", playback only");
	int rc = Engine(link, model, *mode, o.tick_us, o.verbose).run();
	mode->finish();
	std::free(mem);
	return rc;
}

// SPDX-License-Identifier: GPL-2.0
// A fake host for vcpcm-remote: it speaks /dev/vcpcm's framing over a
// SOCK_SEQPACKET socket (vcpcm-remote connects to one when -D names it),
// plays and records through each mode as the kernel would, and checks the
// audio byte for byte: the WAV files the wav mode writes (header fields
// and data), the capture it serves from WAV files, the loopback, clean
// exits on SIGTERM, refusals as RESULT errors, and malformed frames.
//   remote-test /path/to/vcpcm-remote
// Prints one PASS/FAIL line per check; exits 1 if any failed. Its scratch
// directory stays when a check failed (or REMOTE_TEST_KEEP is set).
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "vcpcm/core.h"
#include "vcpcm/errno.h"
#include "vcpcm/user.h"

namespace {

int failures;
std::string tmpdir, remote_bin;
// Added to every bound on a wait that ends early when done: a loaded CI
// machine may starve the remote for seconds, and passing runs never wait it.
constexpr uint32_t kSlackMs = 5000;

void check(bool ok, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	std::printf("%s: ", ok ? "PASS" : "FAIL");
	std::vprintf(fmt, ap);
	std::printf("\n");
	std::fflush(stdout);
	va_end(ap);
	failures += !ok;
}

uint64_t now_ms()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

using Bytes = std::vector<uint8_t>;

uint32_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
uint32_t get32(const uint8_t *p) { return get16(p) | get16(p + 2) << 16; }
void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// A pattern no sample of which is silence (as vcpcm-pattern makes them).
Bytes pattern(uint32_t format, uint32_t channels, uint32_t frames, uint64_t seed)
{
	uint32_t bytes = vcpcm_format_bytes(format);
	Bytes out(static_cast<size_t>(frames) * channels * bytes);
	uint64_t s = seed;
	for (size_t i = 0; i < out.size(); i += bytes) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		uint32_t v = static_cast<uint32_t>(z);
		switch (format) {
		case VCPCM_FMT_U8: v = (v & 0xff) == 0x80 ? 0x81 : v & 0xff; break;
		case VCPCM_FMT_S16_LE: v = (v & 0xffff) ? v & 0xffff : 1; break;
		case VCPCM_FMT_S24_LE:
			v = (v & 0xffffff) ? v & 0xffffff : 1;
			if (v & 0x800000)
				v |= 0xff000000u;	// a valid S24_LE sample is sign-extended
			break;
		case VCPCM_FMT_FLOAT_LE: {
			float f = static_cast<float>(static_cast<double>(z >> 40) / (1 << 24) * 2.0 - 1.0);
			if (f == 0.0f)
				f = 0.5f;
			std::memcpy(&v, &f, 4);
			break;
		}
		default: v = v ? v : 1; break;
		}
		for (uint32_t k = 0; k < bytes; k++)
			out[i + k] = static_cast<uint8_t>(v >> (8 * k));
	}
	return out;
}

bool all_silent(const uint8_t *p, size_t n, uint8_t silence)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != silence)
			return false;
	return true;
}

Bytes read_file(const std::string &path)
{
	Bytes b;
	FILE *f = std::fopen(path.c_str(), "rb");
	if (!f)
		return b;
	uint8_t buf[65536];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
		b.insert(b.end(), buf, buf + n);
	std::fclose(f);
	return b;
}

void write_file(const std::string &path, const Bytes &b)
{
	FILE *f = std::fopen(path.c_str(), "wb");
	if (!f || std::fwrite(b.data(), 1, b.size(), f) != b.size() || std::fclose(f)) {
		std::perror(path.c_str());
		std::exit(2);
	}
}

// ---- The fake host ----------------------------------------------------

struct PlayStream {
	uint32_t chan = 0, frame_bytes = 0, epoch = 0, seq = 0;
	Bytes data;
	size_t sent = 0, consumed = 0;
	uint32_t in_flight = 0;
	uint64_t underrun_mid = 0;	// silence reported while data was still to come
	bool bad = false;		// a report out of order, or more than in flight
};

struct CaptureStream {
	uint32_t chan = 0, frame_bytes = 0, epoch = 0, seq = 0;
	Bytes data;
	uint64_t lost = 0;
	bool bad = false;
};

class Host {
public:
	~Host() { kill_remote(SIGKILL); }
	// Start vcpcm-remote with args (-D and --id added); false if it did not announce.
	bool start(const std::vector<std::string> &args);
	int stop_remote(int sig, uint32_t within_ms);	// its exit status, or -1
	bool alive();
	std::string log() { Bytes b = read_file(log_path_); return std::string(b.begin(), b.end()); }
	const vcpcm_msg_announce &caps() const { return caps_; }

	bool send(uint32_t chan, const vcpcm_msg &m, const void *payload = nullptr, uint32_t plen = 0);
	bool send_raw(const void *frame, size_t len) { return ::send(fd_, frame, len, 0) == static_cast<ssize_t>(len); }
	// A request (OPEN, CLOSE, CONFIG, CONTROL): its RESULT, or 1 for none within 1 s (+ slack).
	int request(uint32_t chan, vcpcm_msg m);
	int open(uint32_t chan) { vcpcm_msg m = {}; m.type = VCPCM_MSG_OPEN; return request(chan, m); }
	int close(uint32_t chan) { vcpcm_msg m = {}; m.type = VCPCM_MSG_CLOSE; return request(chan, m); }
	int config(uint32_t chan, uint32_t format, uint32_t channels, uint32_t rate);
	int control(uint32_t chan, int32_t centibel);
	void start_stream(uint32_t chan, uint32_t &epoch);
	void stop_stream(uint32_t chan);
	// Receive for ms milliseconds (or until done() holds), feeding playback.
	template <typename Done> bool pump(uint32_t ms, Done done);
	// WRITE what the FIFO has room for (also at every COMPLETE).
	void feed(PlayStream &p);

	std::vector<PlayStream *> plays;
	std::vector<CaptureStream *> captures;

private:
	bool receive(uint32_t timeout_ms);
	void kill_remote(int sig) { if (pid_ > 0) ::kill(pid_, sig), waitpid(pid_, nullptr, 0), pid_ = -1; }
	int fd_ = -1, listen_fd_ = -1;
	pid_t pid_ = -1;
	uint32_t tag_ = 0, epoch_ = 0;
	std::vector<std::pair<uint32_t, int32_t>> results_;
	vcpcm_msg_announce caps_ = {};
	std::string log_path_;
	uint8_t buf_[VCPCM_USER_FRAME_MAX];
};

bool Host::start(const std::vector<std::string> &args)
{
	static int n;
	std::string sock = tmpdir + "/host.sock";
	log_path_ = tmpdir + "/remote-" + std::to_string(++n) + ".log";
	unlink(sock.c_str());
	sockaddr_un addr = {};
	addr.sun_family = AF_UNIX;
	std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", sock.c_str());
	listen_fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) ||
	    listen(listen_fd_, 1)) {
		std::perror("remote-test: socket");
		std::exit(2);
	}
	std::vector<std::string> argv_s = { remote_bin, "-D", sock, "--id", "rtest" };
	if (getenv("REMOTE_TEST_VERBOSE"))
		argv_s.push_back("-v");
	argv_s.insert(argv_s.end(), args.begin(), args.end());
	pid_ = fork();
	if (pid_ == 0) {
		int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(log, 2);
		std::vector<char *> argv;
		for (std::string &s : argv_s)
			argv.push_back(&s[0]);
		argv.push_back(nullptr);
		execv(argv[0], argv.data());
		_exit(127);
	}
	pollfd p = { listen_fd_, POLLIN, 0 };
	if (poll(&p, 1, 3000) != 1)
		return false;
	fd_ = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
	::close(listen_fd_);
	p = { fd_, POLLIN, 0 };
	if (fd_ < 0 || poll(&p, 1, 3000) != 1)
		return false;
	ssize_t len = recv(fd_, buf_, sizeof(buf_), 0);
	vcpcm_user_frame hdr;
	std::memcpy(&hdr, buf_, sizeof(hdr));
	return len == 8 + VCPCM_MSG_ANNOUNCE_SIZE + VCPCM_USER_ID_LEN && hdr.chan == VCPCM_USER_CHAN_CARD &&
	       vcpcm_announce_decode(buf_ + 8, VCPCM_MSG_ANNOUNCE_SIZE, &caps_) == 0 &&
	       !vcpcm_announce_problem(&caps_) && !std::strcmp(reinterpret_cast<char *>(buf_) + 8 + VCPCM_MSG_ANNOUNCE_SIZE, "rtest");
}

int Host::stop_remote(int sig, uint32_t within_ms)
{
	::kill(pid_, sig);
	for (uint64_t end = now_ms() + within_ms + kSlackMs; now_ms() < end; usleep(10000)) {
		int status;
		if (waitpid(pid_, &status, WNOHANG) == pid_) {
			pid_ = -1;
			::close(fd_);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
	}
	return -1;
}

bool Host::alive() { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

bool Host::send(uint32_t chan, const vcpcm_msg &m, const void *payload, uint32_t plen)
{
	uint8_t frame[8 + VCPCM_MSG_MAX_FIXED + 65536];
	int len = vcpcm_msg_encode(&m, frame + 8, VCPCM_MSG_MAX_FIXED);
	if (len < 0 || plen > 65536)
		return false;
	vcpcm_user_frame hdr = { chan, static_cast<uint32_t>(len) + plen };
	std::memcpy(frame, &hdr, 8);
	if (plen)
		std::memcpy(frame + 8 + len, payload, plen);
	return send_raw(frame, 8 + len + plen);
}

bool Host::receive(uint32_t timeout_ms)
{
	pollfd p = { fd_, POLLIN, 0 };
	if (poll(&p, 1, static_cast<int>(timeout_ms)) != 1)
		return false;
	ssize_t n = recv(fd_, buf_, sizeof(buf_), 0);
	vcpcm_user_frame hdr;
	vcpcm_msg m;
	if (n < 8)
		return false;
	std::memcpy(&hdr, buf_, 8);
	if (hdr.len != n - 8 || vcpcm_msg_decode(buf_ + 8, hdr.len, caps_.max_payload, &m)) {
		std::printf("    malformed frame from the remote (%zd bytes)\n", n);
		failures++;
		return true;
	}
	if (m.type == VCPCM_MSG_RESULT) {
		results_.push_back({ m.tag, m.u.result.success });
	} else if (m.type == VCPCM_MSG_COMPLETE) {
		for (PlayStream *p : plays) {
			if (p->chan != hdr.chan)
				continue;
			const vcpcm_msg_complete &c = m.u.complete;
			if (c.epoch != p->epoch || c.seq != ++p->seq || c.count < 0 ||
			    static_cast<uint32_t>(c.count) > p->in_flight || c.count % p->frame_bytes)
				p->bad = true;
			else
				p->in_flight -= c.count, p->consumed += c.count;
			if (c.underrun && p->consumed < p->data.size())
				p->underrun_mid += c.underrun;
			feed(*p);
		}
	} else if (m.type == VCPCM_MSG_CAPTURE) {
		for (CaptureStream *c : captures) {
			if (c->chan != hdr.chan)
				continue;
			if (m.u.capture.epoch != c->epoch || m.u.capture.seq != ++c->seq ||
			    m.payload_len % c->frame_bytes)
				c->bad = true;
			c->lost += m.u.capture.lost;
			const uint8_t *d = static_cast<const uint8_t *>(m.payload);
			c->data.insert(c->data.end(), d, d + m.payload_len);
		}
	}
	return true;
}

int Host::request(uint32_t chan, vcpcm_msg m)
{
	m.tag = ++tag_;
	if (!send(chan, m))
		return 1;
	for (uint64_t end = now_ms() + 1000 + kSlackMs; now_ms() < end;) {
		receive(50);
		for (auto &r : results_)
			if (r.first == m.tag)
				return r.second;
	}
	return 1;
}

int Host::config(uint32_t chan, uint32_t format, uint32_t channels, uint32_t rate)
{
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_CONFIG;
	m.u.config.channels = channels;
	m.u.config.samplerate = rate;
	m.u.config.bps = 8 * vcpcm_format_bytes(format);
	m.u.config.format = format;
	m.u.config.direction = chan >= VCPCM_EMU_MAX_PAIRS;
	return request(chan, m);
}

int Host::control(uint32_t chan, int32_t centibel)
{
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_CONTROL;
	m.u.control.volume = static_cast<uint32_t>(centibel);
	return request(chan, m);
}

void Host::start_stream(uint32_t chan, uint32_t &epoch)
{
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_START;
	m.u.epoch = epoch = ++epoch_;
	send(chan, m);
}

void Host::stop_stream(uint32_t chan)
{
	vcpcm_msg m = {};
	m.type = VCPCM_MSG_STOP;
	send(chan, m);
}

// As the host: WRITEs of at most max_payload whole frames, never more in
// flight than the FIFO holds.
void Host::feed(PlayStream &p)
{
	uint32_t fifo = caps_.fifo_bytes - caps_.fifo_bytes % p.frame_bytes;
	uint32_t chunk = caps_.max_payload - caps_.max_payload % p.frame_bytes;
	while (p.sent < p.data.size() && p.in_flight < fifo) {
		uint32_t n = std::min<uint32_t>(std::min<size_t>(chunk, p.data.size() - p.sent), fifo - p.in_flight);
		n -= n % p.frame_bytes;
		if (!n)
			break;
		vcpcm_msg m = {};
		m.type = VCPCM_MSG_WRITE;
		m.u.write.count = m.payload_len = n;
		m.u.write.cookie1 = VCPCM_WRITE_COOKIE1;
		m.u.write.cookie2 = VCPCM_WRITE_COOKIE2;
		if (!send(p.chan, m, p.data.data() + p.sent, n))
			return;
		p.sent += n;
		p.in_flight += n;
	}
}

template <typename Done> bool Host::pump(uint32_t ms, Done done)
{
	for (uint64_t end = now_ms() + ms; now_ms() < end;) {
		if (done())
			return true;
		receive(20);
	}
	return done();
}

// ---- Helpers for the cases ------------------------------------------------

struct PlaySpec {
	uint32_t pair, format, channels, rate, frames;
	int32_t centibel;
};

// Open, set the mixer, configure, queue, start: as a playback open does.
bool open_playback(Host &h, PlayStream &p, const PlaySpec &s, uint64_t seed)
{
	p.chan = s.pair;
	p.frame_bytes = s.channels * vcpcm_format_bytes(s.format);
	p.data = pattern(s.format, s.channels, s.frames, seed);
	h.plays.push_back(&p);
	if (h.open(p.chan) || h.control(p.chan, s.centibel) || h.config(p.chan, s.format, s.channels, s.rate))
		return false;
	return true;
}

// Little-endian field checks of a WAV file's header, with what they hold.
struct WavCheck {
	const Bytes &f;
	std::string bad;
	void u16(size_t off, uint32_t want, const char *what)
	{
		if (f.size() < off + 2 || get16(&f[off]) != want)
			bad += std::string(" ") + what + "=" + (f.size() < off + 2 ? "?" : std::to_string(get16(&f[off]))) +
			       "(want " + std::to_string(want) + ")";
	}
	void u32(size_t off, uint32_t want, const char *what)
	{
		if (f.size() < off + 4 || get32(&f[off]) != want)
			bad += std::string(" ") + what + "=" + (f.size() < off + 4 ? "?" : std::to_string(get32(&f[off]))) +
			       "(want " + std::to_string(want) + ")";
	}
	void id(size_t off, const char *want)
	{
		if (f.size() < off + 4 || std::memcmp(&f[off], want, 4))
			bad += std::string(" no ") + want + " at " + std::to_string(off);
	}
};

// The WAV's data is exactly `want`, then silence only (the FIFO ran dry
// at the end of the stream, before STOP).
bool data_is(const Bytes &file, size_t header, const Bytes &want, uint8_t silence, std::string &why)
{
	if (file.size() < header + want.size()) {
		why = "data is " + std::to_string(file.size() - std::min(file.size(), header)) + " bytes, want at least " +
		      std::to_string(want.size());
		return false;
	}
	for (size_t i = 0; i < want.size(); i++)
		if (file[header + i] != want[i]) {
			why = "first wrong byte at data offset " + std::to_string(i);
			return false;
		}
	if (!all_silent(file.data() + header + want.size(), file.size() - header - want.size(), silence)) {
		why = "not silence after the played audio";
		return false;
	}
	return true;
}

// ---- Cases ------------------------------------------------------------------

void test_usage()
{
	std::string cmd = remote_bin + " --help >" + tmpdir + "/help.txt 2>&1";
	int rc = std::system(cmd.c_str());
	Bytes help = read_file(tmpdir + "/help.txt");
	std::string h(help.begin(), help.end());
	check(rc == 0 && h.find("loopback") != std::string::npos && h.find("--record-dir") != std::string::npos &&
	      h.find("--capture-wav") != std::string::npos && h.find("--playback-device") != std::string::npos,
	      "--help exits 0 and lists the modes and their options");
	cmd = remote_bin + " -D /nonexistent nosuchmode 2>/dev/null";
	rc = std::system(cmd.c_str());
	check(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "an unknown mode is a usage error (exit 2)");
	cmd = remote_bin + " --record-dir /tmp loopback 2>/dev/null";
	rc = std::system(cmd.c_str());
	check(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "a wav option with another mode is a usage error (exit 2)");
}

// Start the streams (the host fills the FIFO right after START) and let
// them play to the end; false if they did not within ms.
bool play_all(Host &h, std::vector<PlayStream *> ps, uint32_t ms)
{
	// Prefilled before START, as the driver does: a stream started empty
	// would run dry until its data came, more so on a loaded machine.
	for (PlayStream *p : ps)
		h.feed(*p);
	for (PlayStream *p : ps)
		h.start_stream(p->chan, p->epoch);
	return h.pump(ms + kSlackMs, [&] {
		for (PlayStream *p : ps)
			if (p->consumed < p->data.size())
				return false;
		return true;
	});
}

void test_loopback()
{
	Host h;
	if (!h.start({ "loopback" })) {
		check(false, "loopback: the remote announces its card");
		return;
	}
	PlayStream p;
	CaptureStream c;
	bool ok = open_playback(h, p, { 0, VCPCM_FMT_S16_LE, 2, 48000, 24000, 0 }, 5);
	c.chan = VCPCM_EMU_MAX_PAIRS;
	c.frame_bytes = 4;
	h.captures.push_back(&c);
	ok = ok && h.open(c.chan) == 0 && h.config(c.chan, VCPCM_FMT_S16_LE, 2, 48000) == 0;
	h.start_stream(c.chan, c.epoch);
	ok = ok && play_all(h, { &p }, 3000);
	h.pump(100, [] { return false; });
	h.stop_stream(p.chan);
	h.stop_stream(c.chan);
	size_t lead = 0;
	while (lead + 4 <= c.data.size() && all_silent(&c.data[lead], 4, 0))
		lead += 4;
	bool exact = c.data.size() >= lead + p.data.size() &&
		     !std::memcmp(&c.data[lead], p.data.data(), p.data.size());
	check(ok && exact && !p.bad && !c.bad && !c.lost && !p.underrun_mid,
	      "loopback: playback 0 comes back on capture 0 bit-exact (%zu bytes after %zu of silence)",
	      p.data.size(), lead);
	check(h.stop_remote(SIGINT, 2000) == 0, "loopback: SIGINT ends the remote with status 0");
}

// Playback into WAV files: three streams at once, three header layouts.
void test_wav_record()
{
	std::string dir = tmpdir + "/rec";
	mkdir(dir.c_str(), 0755);
	Host h;
	if (!h.start({ "-n", "3", "--record-dir", dir, "wav" })) {
		check(false, "wav: the remote announces its card");
		return;
	}
	check(h.caps().playback_chans == 3 && h.caps().capture_chans == 3, "wav: ANNOUNCE has 3 pairs");

	// Malformed frames first: dropped or refused, never fatal.
	uint8_t junk[64] = { 1, 2, 3 };
	vcpcm_user_frame hdr = { 0, 100 };	// says more than follows
	std::memcpy(junk, &hdr, 8);
	h.send_raw(junk, 3);
	h.send_raw(junk, 20);
	hdr = { 99, 8 };	// no such channel
	std::memcpy(junk, &hdr, 8);
	put32(junk + 8, VCPCM_MSG_OPEN);
	h.send_raw(junk, 16);
	hdr = { 0, 8 };
	std::memcpy(junk, &hdr, 8);
	put32(junk + 8, 0x7777);	// no such type
	h.send_raw(junk, 16);
	hdr = { 0, 20 + 4 };
	std::memcpy(junk, &hdr, 8);
	put32(junk + 8, VCPCM_MSG_WRITE);
	put32(junk + 12, 40000);	// count: more than the payload
	h.send_raw(junk, 8 + 24);
	bool refused = h.config(0, VCPCM_FMT_S16_LE, 0, 48000) != 0;	// not even open
	check(h.alive() && refused, "wav: malformed frames and impossible requests leave the remote running");

	PlayStream p[3];
	const PlaySpec spec[3] = {
		{ 0, VCPCM_FMT_S16_LE, 2, 48000, 48000, 0 },	// PCM, 44-byte header
		{ 1, VCPCM_FMT_S24_LE, 6, 96000, 28800, -600 },	// extensible, 24 in 32, -6 dB
		{ 2, VCPCM_FMT_FLOAT_LE, 1, 44100, 13230, 0 },	// IEEE float with a fact chunk
	};
	bool ok = true;
	for (int i = 0; i < 3; i++)
		ok = ok && open_playback(h, p[i], spec[i], 11 + i);
	check(ok, "wav: OPEN, CONTROL and CONFIG of 3 playback streams answered with success");
	ok = play_all(h, { &p[0], &p[1], &p[2] }, 5000);
	h.pump(30, [] { return false; });	// the FIFOs run dry: silence is played
	for (PlayStream &s : p)
		h.stop_stream(s.chan);
	int closed = 0;
	for (PlayStream &s : p)
		closed |= h.close(s.chan);
	check(ok && !closed && !p[0].bad && !p[1].bad && !p[2].bad && !p[0].underrun_mid && !p[1].underrun_mid &&
	      !p[2].underrun_mid, "wav: 3 streams played to the end at once (reports in order, no underrun), "
	      "STOP, CLOSE answered");

	// Checked before the remote ends: CLOSE completed the files.
	Bytes f = read_file(dir + "/playback-0.wav");
	WavCheck w0 = { f, "" };
	w0.id(0, "RIFF"); w0.u32(4, static_cast<uint32_t>(f.size() - 8), "riff_size"); w0.id(8, "WAVE");
	w0.id(12, "fmt "); w0.u32(16, 16, "fmt_size"); w0.u16(20, 1, "tag"); w0.u16(22, 2, "channels");
	w0.u32(24, 48000, "rate"); w0.u32(28, 192000, "byte_rate"); w0.u16(32, 4, "block_align");
	w0.u16(34, 16, "bits"); w0.id(36, "data"); w0.u32(40, static_cast<uint32_t>(f.size() - 44), "data_size");
	std::string why;
	check(w0.bad.empty(), "wav: playback-0.wav: PCM S16_LE 48000 Hz 2 ch, 44-byte header, sizes right%s", w0.bad.c_str());
	check(data_is(f, 44, p[0].data, 0, why), "wav: playback-0.wav holds what was played, bit-exact, then "
	      "silence (%zu bytes) %s", f.size() - std::min<size_t>(f.size(), 44), why.c_str());

	f = read_file(dir + "/playback-1.wav");
	static const uint8_t pcm_guid[16] = { 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71 };
	WavCheck w1 = { f, "" };
	w1.id(0, "RIFF"); w1.u32(4, static_cast<uint32_t>(f.size() - 8), "riff_size"); w1.id(8, "WAVE");
	w1.id(12, "fmt "); w1.u32(16, 40, "fmt_size"); w1.u16(20, 0xfffe, "tag"); w1.u16(22, 6, "channels");
	w1.u32(24, 96000, "rate"); w1.u32(28, 96000 * 24, "byte_rate"); w1.u16(32, 24, "block_align");
	w1.u16(34, 32, "bits"); w1.u16(36, 22, "cb_size"); w1.u16(38, 24, "valid_bits"); w1.u32(40, 0, "mask");
	if (f.size() < 60 || std::memcmp(&f[44], pcm_guid, 16))
		w1.bad += " subformat is not PCM";
	w1.id(60, "data"); w1.u32(64, static_cast<uint32_t>(f.size() - 68), "data_size");
	check(w1.bad.empty(), "wav: playback-1.wav: WAVE_FORMAT_EXTENSIBLE PCM, 24 valid bits in 32, 96000 Hz "
	      "6 ch, sizes right%s", w1.bad.c_str());
	Bytes want1 = p[1].data;
	vcpcm_gain_apply(-600, 0, VCPCM_FMT_S24_LE, want1.data(), static_cast<uint32_t>(want1.size()));
	for (size_t i = 0; i < want1.size(); i += 4)
		put32(&want1[i], get32(&want1[i]) << 8);	// WAV keeps the 24 bits high
	check(data_is(f, 68, want1, 0, why), "wav: playback-1.wav holds the audio after the mixer's -6.00 dB, "
	      "bit-exact %s", why.c_str());

	f = read_file(dir + "/playback-2.wav");
	WavCheck w2 = { f, "" };
	w2.id(0, "RIFF"); w2.u32(4, static_cast<uint32_t>(f.size() - 8), "riff_size"); w2.id(8, "WAVE");
	w2.id(12, "fmt "); w2.u32(16, 18, "fmt_size"); w2.u16(20, 3, "tag"); w2.u16(22, 1, "channels");
	w2.u32(24, 44100, "rate"); w2.u32(28, 176400, "byte_rate"); w2.u16(32, 4, "block_align");
	w2.u16(34, 32, "bits"); w2.u16(36, 0, "cb_size"); w2.id(38, "fact"); w2.u32(42, 4, "fact_size");
	w2.u32(46, static_cast<uint32_t>((f.size() - 58) / 4), "fact_frames"); w2.id(50, "data");
	w2.u32(54, static_cast<uint32_t>(f.size() - 58), "data_size");
	check(w2.bad.empty(), "wav: playback-2.wav: IEEE float 44100 Hz 1 ch with its fact chunk, sizes right%s",
	      w2.bad.c_str());
	check(data_is(f, 58, p[2].data, 0, why), "wav: playback-2.wav holds what was played, bit-exact %s", why.c_str());
	check(h.stop_remote(SIGTERM, 2000) == 0, "wav: SIGTERM ends the remote with status 0");
}

// SIGTERM in the middle of a stream: the file is complete all the same.
void test_wav_sigterm()
{
	std::string dir = tmpdir + "/rec2";
	mkdir(dir.c_str(), 0755);
	Host h;
	if (!h.start({ "--record-dir", dir, "wav" })) {
		check(false, "wav: the remote announces its card");
		return;
	}
	PlayStream p;
	bool ok = open_playback(h, p, { 0, VCPCM_FMT_S32_LE, 2, 44100, 88200, 0 }, 21);
	h.feed(p);
	h.start_stream(p.chan, p.epoch);
	ok = ok && h.pump(3000 + kSlackMs, [&] { return p.consumed >= 150000; });
	size_t consumed = p.consumed, sent = p.sent;
	int rc = h.stop_remote(SIGTERM, 2000);
	Bytes f = read_file(dir + "/playback-0.wav");
	size_t data = f.size() >= 44 ? f.size() - 44 : 0;
	WavCheck w = { f, "" };
	w.u32(4, static_cast<uint32_t>(f.size() - 8), "riff_size");
	w.u32(40, static_cast<uint32_t>(data), "data_size");
	bool prefix = data >= consumed && data <= sent && !std::memcmp(f.data() + 44, p.data.data(), data);
	check(ok && rc == 0 && w.bad.empty() && prefix, "wav: SIGTERM mid-stream: status %d, the header's sizes are "
	      "right, the %zu data bytes are what was played (%zu reported)%s", rc, data, consumed, w.bad.c_str());
}

// A WAV file of the test's own making: fmt (given), an odd-sized LIST
// chunk to skip, then data.
Bytes make_wav(const Bytes &fmt, const Bytes &data)
{
	Bytes w = { 'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 0, 0, 0, 0 };
	put32(&w[16], static_cast<uint32_t>(fmt.size()));
	w.insert(w.end(), fmt.begin(), fmt.end());
	const uint8_t list[] = { 'L', 'I', 'S', 'T', 5, 0, 0, 0, 'I', 'N', 'F', 'O', '!', 0 };
	w.insert(w.end(), list, list + sizeof(list));
	const uint8_t head[] = { 'd', 'a', 't', 'a', 0, 0, 0, 0 };
	w.insert(w.end(), head, head + sizeof(head));
	put32(&w[w.size() - 4], static_cast<uint32_t>(data.size()));
	w.insert(w.end(), data.begin(), data.end());
	put32(&w[4], static_cast<uint32_t>(w.size() - 8));
	return w;
}

Bytes fmt_chunk(uint16_t tag, uint16_t channels, uint32_t rate, uint16_t container, uint16_t bits, uint16_t valid)
{
	Bytes f(tag == 0xfffe ? 40 : 16);
	f[0] = tag & 0xff, f[1] = tag >> 8, f[2] = static_cast<uint8_t>(channels);
	put32(&f[4], rate);
	put32(&f[8], rate * channels * container);
	f[12] = static_cast<uint8_t>(channels * container);
	f[14] = static_cast<uint8_t>(bits);
	if (tag == 0xfffe) {
		static const uint8_t guid[16] = { 1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71 };
		f[16] = 22, f[18] = static_cast<uint8_t>(valid);
		std::memcpy(&f[24], guid, 16);
	}
	return f;
}

struct CaptureSpec {
	uint32_t pair, format, channels, rate;
	Bytes expect;	// what the stream must hear first
};

// Capture streams started together until each has its audio and 0.1 s more.
bool capture_all(Host &h, std::vector<CaptureStream *> cs, const std::vector<size_t> &need, uint32_t ms)
{
	for (CaptureStream *c : cs) {
		c->data.clear();
		c->seq = 0;
		h.start_stream(c->chan, c->epoch);
	}
	bool ok = h.pump(ms + kSlackMs, [&] {
		for (size_t i = 0; i < cs.size(); i++)
			if (cs[i]->data.size() < need[i])
				return false;
		return true;
	});
	for (CaptureStream *c : cs)
		h.stop_stream(c->chan);
	return ok;
}

void test_wav_capture()
{
	Bytes p0 = pattern(VCPCM_FMT_S16_LE, 2, 12000, 31);
	Bytes p1 = pattern(VCPCM_FMT_S24_LE, 2, 6000, 32), p1_high = p1;
	for (size_t i = 0; i < p1_high.size(); i += 4)
		put32(&p1_high[i], get32(&p1_high[i]) << 8);
	Bytes p2 = pattern(VCPCM_FMT_S24_LE, 1, 4000, 33);
	write_file(tmpdir + "/src-0.wav", make_wav(fmt_chunk(1, 2, 48000, 2, 16, 16), p0));
	write_file(tmpdir + "/src-1.wav", make_wav(fmt_chunk(0xfffe, 2, 48000, 4, 32, 24), p1_high));
	write_file(tmpdir + "/src-2.wav", make_wav(fmt_chunk(1, 1, 8000, 4, 24, 24), p2));	// as arecord -f S24_LE

	Host h;
	if (!h.start({ "-n", "3", "--capture-wav", tmpdir + "/src-%n.wav", "wav" })) {
		check(false, "wav capture: the remote announces its card");
		return;
	}
	CaptureStream c[3];
	const CaptureSpec spec[3] = {
		{ 0, VCPCM_FMT_S16_LE, 2, 48000, p0 },
		{ 1, VCPCM_FMT_S24_LE, 2, 48000, p1 },
		{ 2, VCPCM_FMT_S24_LE, 1, 8000, p2 },
	};
	bool ok = true;
	for (int i = 0; i < 3; i++) {
		c[i].chan = VCPCM_EMU_MAX_PAIRS + spec[i].pair;
		c[i].frame_bytes = spec[i].channels * vcpcm_format_bytes(spec[i].format);
		h.captures.push_back(&c[i]);
		ok = ok && h.open(c[i].chan) == 0;
	}
	int mismatch = h.config(c[0].chan, VCPCM_FMT_S32_LE, 2, 48000);
	check(mismatch == -VCPCM_EINVAL && h.log().find("refused") != std::string::npos,
	      "wav capture: a stream whose format differs from its WAV's is refused (-EINVAL, %d) with a log line",
	      mismatch);
	for (int i = 0; i < 3; i++)
		ok = ok && h.config(c[i].chan, spec[i].format, spec[i].channels, spec[i].rate) == 0;
	check(ok, "wav capture: S16_LE, S24_LE from 24-in-32 extensible and from arecord's 24-bit WAVs configured");
	std::vector<size_t> need;
	for (int i = 0; i < 3; i++)
		need.push_back(spec[i].expect.size() + spec[i].rate / 10 * c[i].frame_bytes);
	ok = capture_all(h, { &c[0], &c[1], &c[2] }, need, 3000);
	const char *names[3] = { "S16_LE 48000 Hz 2 ch", "S24_LE from 24 valid bits in 32",
				 "S24_LE from 24 bits in 4 bytes (arecord)" };
	for (int i = 0; i < 3; i++) {
		const Bytes &e = spec[i].expect;
		bool exact = c[i].data.size() >= need[i] && !std::memcmp(c[i].data.data(), e.data(), e.size()) &&
			     all_silent(c[i].data.data() + e.size(), c[i].data.size() - e.size(), 0);
		check(ok && exact && !c[i].bad && !c[i].lost, "wav capture: %s: the WAV's audio bit-exact from the "
		      "first byte, then silence (%zu bytes)", names[i], c[i].data.size());
	}
	// Prepared and started again: from the start of the file again.
	ok = h.config(c[0].chan, VCPCM_FMT_S16_LE, 2, 48000) == 0 &&
	     capture_all(h, { &c[0] }, { p0.size() }, 3000);
	check(ok && !std::memcmp(c[0].data.data(), p0.data(), p0.size()),
	      "wav capture: the next start serves the file from its start again");
	int closed = h.close(c[0].chan) | h.close(c[1].chan) | h.close(c[2].chan);
	check(!closed && h.stop_remote(SIGTERM, 2000) == 0, "wav capture: CLOSE answered, SIGTERM: status 0");

	Host l;
	CaptureStream lc;
	lc.chan = VCPCM_EMU_MAX_PAIRS;
	lc.frame_bytes = 4;
	l.captures.push_back(&lc);
	ok = l.start({ "--loop", "--capture-wav", tmpdir + "/src-0.wav", "wav" }) && l.open(lc.chan) == 0 &&
	     l.config(lc.chan, VCPCM_FMT_S16_LE, 2, 48000) == 0 && capture_all(l, { &lc }, { p0.size() * 5 / 2 }, 3000);
	bool looped = ok;
	for (size_t i = 0; looped && i < lc.data.size(); i++)
		looped = lc.data[i] == p0[i % p0.size()];
	check(looped, "wav capture --loop: the file over and over, bit-exact (%zu bytes)", lc.data.size());

	Host m;
	ok = m.start({ "--capture-wav", tmpdir + "/missing.wav", "wav" }) && m.open(VCPCM_EMU_MAX_PAIRS) == 0;
	int missing = m.config(VCPCM_EMU_MAX_PAIRS, VCPCM_FMT_S16_LE, 2, 48000);
	check(ok && missing == -VCPCM_EIO && m.alive() && m.log().find("missing.wav") != std::string::npos,
	      "wav capture: a missing file fails the stream's CONFIG (-EIO, %d) with a log line, the remote runs on",
	      missing);
}

void test_alsa()
{
	Bytes help;
	std::string cmd = remote_bin + " --help >" + tmpdir + "/help.txt 2>&1";
	if (std::system(cmd.c_str()) == 0)
		help = read_file(tmpdir + "/help.txt");
	if (std::string(help.begin(), help.end()).find("NOT IN THIS BUILD") != std::string::npos) {
		std::printf("SKIP: alsa mode: not in this build\n");
		return;
	}
	Host h;
	bool ok = h.start({ "-P", "vcpcm-test-no-such-device", "-c", "vcpcm-test-no-such-device", "alsa" }) &&
		  h.open(0) == 0 && h.open(VCPCM_EMU_MAX_PAIRS) == 0;
	int play = h.config(0, VCPCM_FMT_S16_LE, 2, 48000);
	int cap = h.config(VCPCM_EMU_MAX_PAIRS, VCPCM_FMT_S16_LE, 2, 48000);
	check(ok && play == -VCPCM_EIO && cap == -VCPCM_EIO && h.alive() &&
	      h.log().find("cannot open it") != std::string::npos,
	      "alsa: a device that cannot be opened fails the stream's CONFIG (-EIO: %d, %d) with a log line",
	      play, cap);
	check(h.caps().report_ns == 10000000 && h.caps().start_latency_ns == 40000000,
	      "alsa: the card announces the devices' period as its report interval, their buffer as latency");
	check(h.stop_remote(SIGTERM, 2000) == 0, "alsa: SIGTERM ends the remote with status 0");

	// alsa-lib's null device: no clock worth the name (it takes and gives
	// a whole buffer at any time), but every step of a stream runs.
	Host n;
	PlayStream p;
	CaptureStream c;
	c.chan = VCPCM_EMU_MAX_PAIRS;
	c.frame_bytes = 4;
	n.captures.push_back(&c);
	ok = n.start({ "-P", "null", "-c", "null", "alsa" }) && open_playback(n, p, { 0, VCPCM_FMT_S16_LE, 2, 48000, 4800, 0 }, 41);
	if (!ok && n.log().find("cannot open it") != std::string::npos) {
		std::printf("SKIP: alsa mode on the null device: alsa-lib has none here\n");
		return;
	}
	ok = ok && n.open(c.chan) == 0 && n.config(c.chan, VCPCM_FMT_S16_LE, 2, 48000) == 0;
	n.start_stream(c.chan, c.epoch);
	ok = ok && play_all(n, { &p }, 2000) && n.pump(1000 + kSlackMs, [&] { return c.data.size() > 0; });
	n.stop_stream(p.chan);
	n.stop_stream(c.chan);
	ok = ok && n.close(p.chan) == 0 && n.close(c.chan) == 0 && !p.bad && !c.bad;
	check(ok && n.stop_remote(SIGTERM, 2000) == 0, "alsa: a stream each way on the null device: reports in "
	      "order, STOP, CLOSE; SIGTERM: status 0");
}

// Random frames, most of them well formed, some not: the remote answers
// what it should, sends nothing malformed (receive() checks) and survives.
void test_random_frames()
{
	std::string dir = tmpdir + "/fuzz";
	mkdir(dir.c_str(), 0755);
	Host h;
	if (!h.start({ "-n", "2", "--record-dir", dir, "--capture-wav", tmpdir + "/src-0.wav", "--loop", "wav" })) {
		check(false, "random frames: the remote announces its card");
		return;
	}
	uint64_t s = 77;
	auto rnd = [&s] { s = s * 6364136223846793005ull + 1442695040888963407ull; return static_cast<uint32_t>(s >> 33); };
	static const uint32_t types[] = { VCPCM_MSG_OPEN, VCPCM_MSG_CLOSE, VCPCM_MSG_CONFIG, VCPCM_MSG_CONTROL,
					  VCPCM_MSG_START, VCPCM_MSG_STOP, VCPCM_MSG_PAUSE, VCPCM_MSG_WRITE };
	uint8_t frame[8 + VCPCM_MSG_MAX_FIXED + 8192];
	for (int i = 0; i < 3000; i++) {
		vcpcm_msg m = {};
		uint32_t chan = rnd() % 4 == 0 ? rnd() % 20 : (rnd() % 2) * 8 + rnd() % 2;
		m.type = types[rnd() % 8];
		m.tag = rnd();
		m.u.config.format = rnd() % 5;
		m.u.config.bps = 8 * vcpcm_format_bytes(m.u.config.format);
		m.u.config.channels = rnd() % 3;
		m.u.config.samplerate = rnd() % 2 ? 48000 : rnd() % 400000;
		m.u.config.direction = chan >= 8;
		if (m.type == VCPCM_MSG_PAUSE)
			m.u.pause.paused = rnd() % 2;
		uint32_t plen = m.type == VCPCM_MSG_WRITE ? rnd() % 8192 : 0;
		if (m.type == VCPCM_MSG_WRITE)
			m.u.write.count = m.payload_len = plen;
		int len = vcpcm_msg_encode(&m, frame + 8, VCPCM_MSG_MAX_FIXED);
		if (len < 0)
			continue;
		for (uint32_t k = 0; k < plen; k++)
			frame[8 + len + k] = static_cast<uint8_t>(rnd());
		uint32_t total = len + plen;
		if (rnd() % 10 == 0)
			total = rnd() % (total + 8);	// cut short, or longer than it says
		vcpcm_user_frame hdr = { chan, rnd() % 20 ? total : rnd() };
		std::memcpy(frame, &hdr, 8);
		h.send_raw(frame, 8 + total);
		h.pump(rnd() % 3, [] { return false; });	// read what comes back meanwhile
	}
	check(h.alive() && h.open(0) == 0, "random frames: 3000 of them (some malformed) leave the remote running "
	      "and answering");
	check(h.stop_remote(SIGTERM, 2000) == 0, "random frames: SIGTERM: status 0");
}

void all_cases()
{
	test_usage();
	test_loopback();
	test_wav_record();
	test_wav_sigterm();
	test_wav_capture();
	test_random_frames();
	test_alsa();
}
} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::fprintf(stderr, "usage: remote-test /path/to/vcpcm-remote\n");
		return 2;
	}
	remote_bin = argv[1];
	char tmpl[] = "/tmp/vcpcm-remote-test.XXXXXX";
	if (!mkdtemp(tmpl)) {
		std::perror("mkdtemp");
		return 2;
	}
	tmpdir = tmpl;
	signal(SIGPIPE, SIG_IGN);
	all_cases();
	std::string rm = "rm -rf " + tmpdir;
	if (!failures && !getenv("REMOTE_TEST_KEEP") && std::system(rm.c_str()))
		std::fprintf(stderr, "remote-test: could not remove %s\n", tmpdir.c_str());
	std::printf("%s: %d check(s) failed%s%s\n", failures ? "FAIL" : "PASS", failures,
		    failures ? "; files and the remote's logs kept in " : "", failures ? tmpdir.c_str() : "");
	return failures ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
#include "link.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace remote {

Link::~Link()
{
	if (fd_ >= 0)
		close(fd_);
}

bool Link::open(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
		sockaddr_un addr = {};
		addr.sun_family = AF_UNIX;
		if (std::strlen(path) >= sizeof(addr.sun_path)) {
			std::fprintf(stderr, "vcpcm-remote: %s: socket path too long\n", path);
			return false;
		}
		std::strcpy(addr.sun_path, path);
		fd_ = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0)
			return true;
		std::fprintf(stderr, "vcpcm-remote: %s: %s\n", path, std::strerror(errno));
		return false;
	}
	fd_ = ::open(path, O_RDWR | O_CLOEXEC);
	if (fd_ >= 0)
		return true;
	std::fprintf(stderr, "vcpcm-remote: %s: %s%s\n", path, std::strerror(errno),
		     errno == ENOENT ? " (is snd-vcpcm loaded with user_cards > 0?)" :
		     errno == EACCES ? " (creating a card is privileged: see the README's udev rule)" : "");
	return false;
}

bool Link::send(uint32_t chan, const void *msg, uint32_t len, const void *payload, uint32_t plen)
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

int Link::receive(Frame *f)
{
	ssize_t n = read(fd_, in_, sizeof(in_));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;	// a test's fake host went away (the device never ends)
	vcpcm_user_frame hdr;
	// The host frames its messages right; anything else is dropped, not trusted.
	if (n < static_cast<ssize_t>(sizeof(hdr))) {
		std::fprintf(stderr, "vcpcm-remote: dropped a frame of %zd bytes (short header)\n", n);
		return 0;
	}
	std::memcpy(&hdr, in_, sizeof(hdr));
	if (hdr.len != n - sizeof(hdr) || hdr.len < VCPCM_MSG_HDR_SIZE) {
		std::fprintf(stderr, "vcpcm-remote: dropped a frame of %zd bytes saying %u\n", n, hdr.len);
		return 0;
	}
	const uint8_t *msg = in_ + sizeof(hdr);
	f->chan = hdr.chan;
	f->type = msg[0] | msg[1] << 8 | msg[2] << 16 | static_cast<uint32_t>(msg[3]) << 24;
	// WRITE's payload follows its 20-byte fixed part; nothing else has one.
	uint32_t fixed = f->type == VCPCM_MSG_WRITE ? VCPCM_MSG_HDR_SIZE + 16 : hdr.len;
	if (fixed > hdr.len)
		fixed = hdr.len;
	f->msg = msg;
	f->len = fixed;
	f->payload = msg + fixed;
	f->payload_len = hdr.len - fixed;
	if (verbose_)
		std::fprintf(stderr, "<- chan %u type %#x, %u bytes\n", f->chan, f->type, hdr.len);
	return 1;
}

} // namespace remote

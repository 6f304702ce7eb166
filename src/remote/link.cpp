// SPDX-License-Identifier: GPL-2.0
#include "link.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace remote {

Link::~Link()
{
	if (queue_)
		munmap(queue_, map_bytes_);
	if (fd_ >= 0)
		close(fd_);
}

// The host's queue, mapped (include/vcpcm/user.h): its header page first,
// to learn the size. Where that fails, frames come by read().
void Link::map_queue()
{
	long page = sysconf(_SC_PAGESIZE);
	void *head = mmap(nullptr, page, PROT_READ, MAP_SHARED, fd_, 0);
	if (head == MAP_FAILED)
		return;
	const vcpcm_user_queue *h = static_cast<const vcpcm_user_queue *>(head);
	size_t bytes = static_cast<size_t>(h->data_offset) + h->size;
	bool sane = h->size >= 4096 && !(h->size & (h->size - 1)) && h->data_offset >= sizeof(*h);
	munmap(head, page);
	if (!sane)
		return;
	void *all = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
	if (all == MAP_FAILED)
		return;
	queue_ = static_cast<vcpcm_user_queue *>(all);
	queue_data_ = static_cast<const uint8_t *>(all) + queue_->data_offset;
	map_bytes_ = bytes;
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
	if (fd_ >= 0) {
		if (!by_read_)
			map_queue();
		return true;
	}
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
	if (queue_)
		return receive_mapped(f);
	ssize_t n = read(fd_, in_, sizeof(in_));
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0)
		return -1;	// a test's fake host went away (the device never ends)
	return parse(in_, static_cast<uint32_t>(n), f);
}

// The next frame of the mapped queue, read in place. The one handed out
// before is given back now: it stays valid until this call, as read()'s.
int Link::receive_mapped(Frame *f)
{
	const uint32_t size = queue_->size;
	if (holding_) {
		__atomic_store_n(&queue_->tail, held_tail_, __ATOMIC_RELEASE);
		holding_ = false;
	}
	uint32_t head = __atomic_load_n(&queue_->head, __ATOMIC_ACQUIRE);
	uint32_t tail = queue_->tail;
	while (tail != head) {
		uint32_t off = tail & (size - 1);
		vcpcm_user_frame hdr;
		std::memcpy(&hdr, queue_data_ + off, sizeof(hdr));
		if (off % VCPCM_USER_QUEUE_ALIGN || hdr.len > size - off - sizeof(hdr)) {
			std::fprintf(stderr, "vcpcm-remote: the host's queue holds no frame at %u\n", tail);
			return -1;
		}
		uint32_t next = tail + ((static_cast<uint32_t>(sizeof(hdr)) + hdr.len +
					 VCPCM_USER_QUEUE_ALIGN - 1) & ~(VCPCM_USER_QUEUE_ALIGN - 1));
		if (hdr.chan == VCPCM_USER_CHAN_PAD) {	// filler to the end of the area
			tail = next;
			__atomic_store_n(&queue_->tail, tail, __ATOMIC_RELEASE);
			continue;
		}
		held_tail_ = next;
		holding_ = true;
		return parse(queue_data_ + off, static_cast<uint32_t>(sizeof(hdr)) + hdr.len, f);
	}
	return 0;
}

int Link::parse(const uint8_t *frame, uint32_t n, Frame *f)
{
	vcpcm_user_frame hdr;
	// The host frames its messages right; anything else is dropped, not trusted.
	if (n < sizeof(hdr)) {
		std::fprintf(stderr, "vcpcm-remote: dropped a frame of %u bytes (short header)\n", n);
		return 0;
	}
	std::memcpy(&hdr, frame, sizeof(hdr));
	if (hdr.len != n - sizeof(hdr) || hdr.len < VCPCM_MSG_HDR_SIZE) {
		std::fprintf(stderr, "vcpcm-remote: dropped a frame of %u bytes saying %u\n", n, hdr.len);
		return 0;
	}
	const uint8_t *msg = frame + sizeof(hdr);
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

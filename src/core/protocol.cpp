// SPDX-License-Identifier: GPL-2.0
// The protocol codec. Every field is read and written byte by byte as
// little-endian, so the code is right on any host and never reads past len.
#include "protocol.hpp"
#include "wire_io.hpp"

namespace vcpcm {
namespace {

bool valid_config(const vcpcm_msg_config &c)
{
	return c.format < VCPCM_FMT_COUNT && c.direction <= VCPCM_DIR_CAPTURE &&
	       c.bps == 8 * vcpcm_format_bytes(c.format);
}

} // namespace

uint32_t fixed_size(uint32_t type)
{
	switch (type) {
	case VCPCM_MSG_RESULT: return VCPCM_MSG_HDR_SIZE + 8;
	case VCPCM_MSG_COMPLETE: return VCPCM_MSG_HDR_SIZE + 16;
	case VCPCM_MSG_CONFIG: return VCPCM_MSG_HDR_SIZE + 24;
	case VCPCM_MSG_CONTROL: return VCPCM_MSG_HDR_SIZE + 16;
	case VCPCM_MSG_OPEN:
	case VCPCM_MSG_CLOSE:
	case VCPCM_MSG_START:
	case VCPCM_MSG_STOP: return VCPCM_MSG_HDR_SIZE + 4;
	case VCPCM_MSG_WRITE: return VCPCM_MSG_HDR_SIZE + 16;
	case VCPCM_MSG_CAPTURE: return VCPCM_MSG_HDR_SIZE + 16;
	case VCPCM_MSG_PAUSE: return VCPCM_MSG_HDR_SIZE + 4;
	default: return 0;
	}
}

int encode(const vcpcm_msg &m, uint8_t *buf, uint32_t cap)
{
	if (!fixed_size(m.type))
		return -VCPCM_EPROTO;
	Writer w(buf, cap);
	w.u32(m.type);
	switch (m.type) {
	case VCPCM_MSG_RESULT:
		w.u32(static_cast<uint32_t>(m.u.result.success));
		w.u32(m.tag);
		break;
	case VCPCM_MSG_COMPLETE:
		w.u32(static_cast<uint32_t>(m.u.complete.count));
		w.u32(m.u.complete.seq);
		w.u32(m.u.complete.epoch);
		w.u32(m.u.complete.underrun);
		break;
	case VCPCM_MSG_CONFIG:
		if (!valid_config(m.u.config))
			return -VCPCM_EPROTO;
		w.u32(m.u.config.channels);
		w.u32(m.u.config.samplerate);
		w.u32(m.u.config.bps);
		w.u32(m.u.config.format);
		w.u32(m.u.config.direction);
		w.u32(m.tag);
		break;
	case VCPCM_MSG_CONTROL:
		w.u32(m.u.control.volume);
		w.u32(m.u.control.dest);
		w.u32(m.u.control.mute);
		w.u32(m.tag);
		break;
	case VCPCM_MSG_STOP:
		w.u32(m.u.stop.draining);
		break;
	case VCPCM_MSG_START:
		w.u32(m.u.epoch);
		break;
	case VCPCM_MSG_PAUSE:
		if (m.u.pause.paused > 1)
			return -VCPCM_EPROTO;
		w.u32(m.u.pause.paused);
		break;
	case VCPCM_MSG_OPEN:
	case VCPCM_MSG_CLOSE:
		w.u32(m.tag);
		break;
	case VCPCM_MSG_WRITE:
		if (m.u.write.count != m.payload_len)
			return -VCPCM_EPROTO;
		w.u32(m.u.write.count);
		w.u32(m.u.write.cookie1);
		w.u32(m.u.write.cookie2);
		w.s16_pair(m.u.write.silence, m.u.write.max_packet);
		break;
	case VCPCM_MSG_CAPTURE:
		if (m.u.capture.count != m.payload_len)
			return -VCPCM_EPROTO;
		w.u32(m.u.capture.count);
		w.u32(m.u.capture.epoch);
		w.u32(m.u.capture.seq);
		w.u32(m.u.capture.lost);
		break;
	}
	if (w.overflowed())
		return -VCPCM_EMSGSIZE;
	return static_cast<int>(w.length());
}

int decode_parts(const uint8_t *buf, uint32_t len, const uint8_t *payload, uint32_t payload_len,
		 uint32_t max_payload, vcpcm_msg &m)
{
	if (len < VCPCM_MSG_HDR_SIZE)
		return -VCPCM_EMSGSIZE;
	Reader r(buf);
	m.type = r.u32();
	uint32_t fixed = fixed_size(m.type);
	if (!fixed)
		return -VCPCM_EPROTO;
	if (len != fixed)
		return -VCPCM_EMSGSIZE;
	m.payload = nullptr;
	m.payload_len = 0;
	m.tag = 0;
	switch (m.type) {
	case VCPCM_MSG_RESULT:
		m.u.result.success = static_cast<int32_t>(r.u32());
		m.tag = r.u32();
		break;
	case VCPCM_MSG_COMPLETE:
		m.u.complete.count = static_cast<int32_t>(r.u32());
		m.u.complete.seq = r.u32();
		m.u.complete.epoch = r.u32();
		m.u.complete.underrun = r.u32();
		break;
	case VCPCM_MSG_CONFIG:
		m.u.config.channels = r.u32();
		m.u.config.samplerate = r.u32();
		m.u.config.bps = r.u32();
		m.u.config.format = r.u32();
		m.u.config.direction = r.u32();
		m.tag = r.u32();
		if (!valid_config(m.u.config))
			return -VCPCM_EPROTO;
		break;
	case VCPCM_MSG_CONTROL:
		m.u.control.volume = r.u32();
		m.u.control.dest = r.u32();
		m.u.control.mute = r.u32();
		m.tag = r.u32();
		break;
	case VCPCM_MSG_STOP:
		m.u.stop.draining = r.u32();
		break;
	case VCPCM_MSG_START:
		m.u.epoch = r.u32();
		break;
	case VCPCM_MSG_PAUSE:
		m.u.pause.paused = r.u32();
		if (m.u.pause.paused > 1)
			return -VCPCM_EPROTO;
		break;
	case VCPCM_MSG_OPEN:
	case VCPCM_MSG_CLOSE:
		m.tag = r.u32();
		break;
	case VCPCM_MSG_WRITE: {
		m.u.write.count = r.u32();
		m.u.write.cookie1 = r.u32();
		m.u.write.cookie2 = r.u32();
		uint32_t packed = r.u32();
		m.u.write.silence = static_cast<int16_t>(packed & 0xffff);
		m.u.write.max_packet = static_cast<int16_t>(packed >> 16);
		m.payload_len = m.u.write.count;
		break;
	}
	case VCPCM_MSG_CAPTURE:
		m.u.capture.count = r.u32();
		m.u.capture.epoch = r.u32();
		m.u.capture.seq = r.u32();
		m.u.capture.lost = r.u32();
		m.payload_len = m.u.capture.count;
		break;
	}
	// The payload must be exactly what the header announces: no
	// truncation, no trailing garbage, nothing larger than accepted.
	if (m.payload_len > max_payload || payload_len != m.payload_len)
		return -VCPCM_EMSGSIZE;
	if (m.payload_len)
		m.payload = payload;
	return 0;
}

int decode(const uint8_t *buf, uint32_t len, uint32_t max_payload, vcpcm_msg &m)
{
	if (len < VCPCM_MSG_HDR_SIZE)
		return -VCPCM_EMSGSIZE;
	uint32_t fixed = fixed_size(buf[0] | buf[1] << 8 | buf[2] << 16 | static_cast<uint32_t>(buf[3]) << 24);
	if (!fixed)
		return -VCPCM_EPROTO;
	if (len < fixed)
		return -VCPCM_EMSGSIZE;
	return decode_parts(buf, fixed, buf + fixed, len - fixed, max_payload, m);
}

} // namespace vcpcm

extern "C" {

uint32_t vcpcm_format_bytes(uint32_t wire_format)
{
	switch (wire_format) {
	case VCPCM_FMT_U8: return 1;
	case VCPCM_FMT_S16_LE: return 2;
	case VCPCM_FMT_S24_LE:
	case VCPCM_FMT_S32_LE:
	case VCPCM_FMT_FLOAT_LE: return 4;
	default: return 0;
	}
}

int vcpcm_msg_encode(const vcpcm_msg *m, void *buf, uint32_t cap)
{
	return vcpcm::encode(*m, static_cast<uint8_t *>(buf), cap);
}

int vcpcm_msg_decode(const void *buf, uint32_t len, uint32_t max_payload, vcpcm_msg *m)
{
	return vcpcm::decode(static_cast<const uint8_t *>(buf), len, max_payload, *m);
}

uint32_t vcpcm_msg_fixed_size(uint32_t type)
{
	return vcpcm::fixed_size(type);
}

int32_t vcpcm_result_errno(int32_t success)
{
	switch (success) {
	case 0: case -VCPCM_EIO: case -VCPCM_EAGAIN: case -VCPCM_ENOMEM: case -VCPCM_EBUSY:
	case -VCPCM_EINVAL: case -VCPCM_ENOSPC: case -VCPCM_EPIPE: case -VCPCM_EPROTO:
	case -VCPCM_EILSEQ: case -VCPCM_EBADFD: case -VCPCM_EMSGSIZE:
	case -VCPCM_EPROTONOSUPPORT: case -VCPCM_ETIMEDOUT:
		return success;
	default:
		return -VCPCM_EPROTO;
	}
}

} // extern "C"

// SPDX-License-Identifier: GPL-2.0
// The remote's capabilities: the ANNOUNCE message, what the host accepts
// in it, and the limits that follow for the card (see vcpcm/core.h).
#include "divide.hpp"
#include "wire_io.hpp"

namespace vcpcm {
namespace {

// What the host can serve. A remote may offer less, never more.
constexpr uint32_t FIFO_BYTES_MIN = 4096, FIFO_BYTES_MAX = 1u << 20;
constexpr uint32_t PAYLOAD_MIN = 256, PAYLOAD_MAX = 65536;
// 100 µs: finer than any clock a host timer can follow. 100 ms: the
// stall watchdog (400 ms) must still tell a slow remote from a dead one.
constexpr uint32_t REPORT_NS_MIN = 100000, REPORT_NS_MAX = 100000000;
constexpr uint32_t START_LATENCY_NS_MAX = 1000000000;

// The fields after type and version, in wire order.
uint32_t *body_fields(vcpcm_msg_announce &a, uint32_t i)
{
	uint32_t *fields[] = {
		&a.formats, &a.rate_min, &a.rate_max, &a.channels_min, &a.channels_max,
		&a.playback_chans, &a.capture_chans, &a.fifo_bytes, &a.max_payload,
		&a.report_ns, &a.start_latency_ns, &a.flags,
	};
	static_assert(sizeof(fields) / sizeof(fields[0]) * 4 + 8 == VCPCM_MSG_ANNOUNCE_SIZE,
		      "ANNOUNCE layout and size disagree");
	return i < sizeof(fields) / sizeof(fields[0]) ? fields[i] : nullptr;
}

bool within(uint32_t v, uint32_t lo, uint32_t hi) { return v >= lo && v <= hi; }

} // namespace
} // namespace vcpcm

extern "C" {

int vcpcm_announce_encode(const struct vcpcm_msg_announce *a, void *buf, uint32_t cap)
{
	vcpcm_msg_announce copy = *a;
	vcpcm::Writer w(static_cast<uint8_t *>(buf), cap);
	w.u32(VCPCM_MSG_ANNOUNCE);
	w.u32(copy.version);
	for (uint32_t i = 0; uint32_t *field = vcpcm::body_fields(copy, i); i++)
		w.u32(*field);
	if (w.overflowed())
		return -VCPCM_EMSGSIZE;
	return static_cast<int>(w.length());
}

int vcpcm_announce_decode(const void *buf, uint32_t len, struct vcpcm_msg_announce *a)
{
	vcpcm::Reader r(static_cast<const uint8_t *>(buf));
	*a = {};
	if (len < 8)
		return -VCPCM_EMSGSIZE;
	if (r.u32() != VCPCM_MSG_ANNOUNCE)
		return -VCPCM_EPROTO;
	// The version decides the layout: judge it before the length.
	a->version = r.u32();
	if (a->version != VCPCM_PROTOCOL_VERSION)
		return -VCPCM_EPROTONOSUPPORT;
	if (len != VCPCM_MSG_ANNOUNCE_SIZE)
		return -VCPCM_EMSGSIZE;
	for (uint32_t i = 0; uint32_t *field = vcpcm::body_fields(*a, i); i++)
		*field = r.u32();
	return 0;
}

const char *vcpcm_announce_problem(const struct vcpcm_msg_announce *a)
{
	using vcpcm::within;
	const uint32_t known_formats = (1u << VCPCM_FMT_COUNT) - 1;

	if (a->version != VCPCM_PROTOCOL_VERSION)
		return "unknown protocol version";
	if (!(a->formats & known_formats) || (a->formats & ~known_formats))
		return "formats: none, or bits for unknown formats";
	if (!within(a->rate_min, VCPCM_ANNOUNCE_RATE_MIN, VCPCM_ANNOUNCE_RATE_MAX) ||
	    !within(a->rate_max, a->rate_min, VCPCM_ANNOUNCE_RATE_MAX))
		return "rate_min..rate_max: not a range within 8000..192000 Hz";
	if (!within(a->channels_min, 1, VCPCM_ANNOUNCE_CHANNELS_MAX) ||
	    !within(a->channels_max, a->channels_min, VCPCM_ANNOUNCE_CHANNELS_MAX))
		return "channels_min..channels_max: not a range within 1..8";
	if (a->playback_chans > VCPCM_ANNOUNCE_MAX_CHANS || a->capture_chans > VCPCM_ANNOUNCE_MAX_CHANS)
		return "playback_chans, capture_chans: more than 8";
	if (!a->playback_chans && !a->capture_chans)
		return "playback_chans, capture_chans: no channel at all";
	if (!within(a->fifo_bytes, vcpcm::FIFO_BYTES_MIN, vcpcm::FIFO_BYTES_MAX))
		return "fifo_bytes: not within 4096..1048576";
	if (!within(a->max_payload, vcpcm::PAYLOAD_MIN, vcpcm::min(vcpcm::PAYLOAD_MAX, a->fifo_bytes)))
		return "max_payload: not within 256..65536 and at most fifo_bytes";
	if (!within(a->report_ns, vcpcm::REPORT_NS_MIN, vcpcm::REPORT_NS_MAX))
		return "report_ns: not within 100 us..100 ms";
	if (a->start_latency_ns > vcpcm::START_LATENCY_NS_MAX)
		return "start_latency_ns: more than 1 s";
	if (a->flags & ~static_cast<uint32_t>(VCPCM_CAP_ALL))
		return "flags: unknown bits";
	uint32_t narrowest = 0;
	for (uint32_t f = 0; f < VCPCM_FMT_COUNT; f++)
		if ((a->formats & (1u << f)) && (!narrowest || vcpcm_format_bytes(f) < narrowest))
			narrowest = vcpcm_format_bytes(f);
	if (static_cast<uint64_t>(a->rate_min) * a->channels_min * narrowest > vcpcm_announce_bytes_per_s_max(a))
		return "fifo_bytes: less than two report intervals of the smallest stream announced";
	return nullptr;
}

uint32_t vcpcm_announce_period_us_min(const struct vcpcm_msg_announce *a)
{
	// The position moves only at reports: a shorter period could not be
	// told apart from the next, and a buffer under two reports laps.
	return a->report_ns / 1000 + (a->report_ns % 1000 != 0);
}

uint32_t vcpcm_announce_bytes_per_s_max(const struct vcpcm_msg_announce *a)
{
	// Between two refills the remote plays a report interval from its
	// FIFO; with one more of margin, a stream of more bytes per second
	// than this runs dry at every report.
	uint64_t bps = vcpcm::quotient(static_cast<uint64_t>(a->fifo_bytes) * 1000000000u, 2 * a->report_ns);
	return bps > VCPCM_ANNOUNCE_BYTES_PER_S_CAP ? VCPCM_ANNOUNCE_BYTES_PER_S_CAP : static_cast<uint32_t>(bps);
}

} // extern "C"

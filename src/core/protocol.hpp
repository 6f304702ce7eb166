// SPDX-License-Identifier: GPL-2.0
// The protocol codec: vcpcm_msg <-> little-endian wire bytes (wire.h).
#pragma once

#include "support.hpp"

namespace vcpcm {

// Length of the fixed part (type word + body) of a known type, or 0.
uint32_t fixed_size(uint32_t type);
// True for the types whose payload follows the fixed part.
inline bool has_payload(uint32_t type) { return type == VCPCM_MSG_WRITE || type == VCPCM_MSG_CAPTURE; }

int encode(const vcpcm_msg &m, uint8_t *buf, uint32_t cap);
// A contiguous message: fixed part then payload.
int decode(const uint8_t *buf, uint32_t len, uint32_t max_payload, vcpcm_msg &m);
// A message whose fixed part and payload arrive separately (scatter send).
int decode_parts(const uint8_t *buf, uint32_t len, const uint8_t *payload, uint32_t payload_len,
		 uint32_t max_payload, vcpcm_msg &m);

} // namespace vcpcm

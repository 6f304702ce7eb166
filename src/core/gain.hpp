// SPDX-License-Identifier: GPL-2.0
// Gain in fixed point: what the remote's mixer does to the samples it
// plays. No floating point (kernel code; arm64 builds without FP regs).
#pragma once

#include "support.hpp"

namespace vcpcm {

class Gain {
public:
	static constexpr int32_t MIN_CENTIBEL = -10239;	// hundredths of a dB
	static constexpr int32_t MAX_CENTIBEL = 400;
	static constexpr int64_t UNITY = 1ll << 30;	// Q30

	// centibel: hundredths of a dB, clamped to [MIN_CENTIBEL, MAX_CENTIBEL].
	void set(int32_t centibel, bool mute);
	bool is_unity() const { return q30_ == UNITY; }
	int64_t q30() const { return q30_; }
	// Scale len bytes of samples in place (whole samples of the format).
	void apply(uint32_t wire_format, uint8_t *data, uint32_t len) const;
	// One FLOAT_LE sample's bits, scaled (exposed for tests).
	static uint32_t scale_float(uint32_t bits, int64_t q30);

private:
	int64_t q30_ = UNITY;
};

} // namespace vcpcm

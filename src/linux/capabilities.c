// SPDX-License-Identifier: GPL-2.0
/*
 * snd-vcpcm: the card as the remote announced it. A remote's first message
 * (ANNOUNCE) says what it can do; the card's substreams, its
 * snd_pcm_hardware and its hw constraints are built from that alone, the
 * way sound/virtio builds them from the device's capabilities.
 */
#include <sound/pcm_params.h>

#include "vcpcm.h"

/* ALSA's format for each wire format, in enum vcpcm_wire_format order. */
static const snd_pcm_format_t vcpcm_alsa_formats[VCPCM_FMT_COUNT] = {
	[VCPCM_FMT_U8] = SNDRV_PCM_FORMAT_U8,
	[VCPCM_FMT_S16_LE] = SNDRV_PCM_FORMAT_S16_LE,
	[VCPCM_FMT_S24_LE] = SNDRV_PCM_FORMAT_S24_LE,
	[VCPCM_FMT_S32_LE] = SNDRV_PCM_FORMAT_S32_LE,
	[VCPCM_FMT_FLOAT_LE] = SNDRV_PCM_FORMAT_FLOAT_LE,
};

/**
 * vcpcm_wire_format() - the wire format of an ALSA sample format
 * @format: the ALSA format
 *
 * Return: an enum vcpcm_wire_format, or -EINVAL when the wire has none.
 */
int vcpcm_wire_format(snd_pcm_format_t format)
{
	int i;

	for (i = 0; i < VCPCM_FMT_COUNT; i++)
		if (vcpcm_alsa_formats[i] == format)
			return i;
	return -EINVAL;
}

/**
 * vcpcm_caps_accept() - judge the remote's ANNOUNCE and keep its capabilities
 * @dev: the device to log against
 * @t: the transport; its announce/announce_len hold the message, and
 *     its caps are filled in when the return is 0
 *
 * Every field is untrusted: a remote of another protocol version, a
 * malformed message, or capabilities the host cannot serve are refused
 * with a log line that says which.
 * Return: 0, -EPROTONOSUPPORT, -EPROTO, -EMSGSIZE or -EINVAL.
 */
int vcpcm_caps_accept(struct device *dev, struct vcpcm_transport *t)
{
	const char *problem;
	int err;

	err = vcpcm_announce_decode(t->announce, t->announce_len, &t->caps);
	if (err == -VCPCM_EPROTONOSUPPORT) {
		dev_err(dev, "%s: the remote speaks protocol version %u; this driver speaks %u\n",
			t->name, t->caps.version, VCPCM_PROTOCOL_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (err) {
		dev_err(dev, "%s: the remote's first message is not an ANNOUNCE of %u bytes (%u bytes: %d)\n",
			t->name, VCPCM_MSG_ANNOUNCE_SIZE, t->announce_len, vcpcm_kernel_errno(err));
		return vcpcm_kernel_errno(err);
	}
	problem = vcpcm_announce_problem(&t->caps);
	if (problem) {
		dev_err(dev, "%s: the remote's capabilities are refused: %s\n", t->name, problem);
		return -EINVAL;
	}
	return 0;
}

/**
 * vcpcm_caps_hardware() - the snd_pcm_hardware a remote's capabilities allow
 * @caps: the accepted capabilities
 * @buffer_bytes_max: the largest intermediate buffer (a module parameter)
 * @hw: filled in
 */
void vcpcm_caps_hardware(const struct vcpcm_msg_announce *caps, size_t buffer_bytes_max,
			 struct snd_pcm_hardware *hw)
{
	int i;

	*hw = (struct snd_pcm_hardware) {
		.info = SNDRV_PCM_INFO_MMAP | SNDRV_PCM_INFO_MMAP_VALID |
			SNDRV_PCM_INFO_INTERLEAVED | SNDRV_PCM_INFO_NONINTERLEAVED |
			SNDRV_PCM_INFO_BLOCK_TRANSFER | SNDRV_PCM_INFO_HAS_LINK_ESTIMATED_ATIME |
			/* appl_ptr updates must reach .ack (unless control_mmap), and we cannot rewind */
			SNDRV_PCM_INFO_SYNC_APPLPTR | SNDRV_PCM_INFO_NO_REWINDS |
			/* timer-driven clients: positions at the finest cadence instead */
			SNDRV_PCM_INFO_NO_PERIOD_WAKEUP,
		.rates = SNDRV_PCM_RATE_CONTINUOUS,
		.rate_min = caps->rate_min,
		.rate_max = caps->rate_max,
		.channels_min = caps->channels_min,
		.channels_max = caps->channels_max,
		.buffer_bytes_max = buffer_bytes_max,
		.period_bytes_min = 64,
		.period_bytes_max = buffer_bytes_max / 2,
		.periods_min = 2,
		.periods_max = 1024,
	};
	if (caps->flags & VCPCM_CAP_PAUSE)
		hw->info |= SNDRV_PCM_INFO_PAUSE;
	for (i = 0; i < VCPCM_FMT_COUNT; i++)
		if (caps->formats & BIT(i))
			hw->formats |= pcm_format_to_bits(vcpcm_alsa_formats[i]);
}

/*
 * The remote's FIFO bounds bytes per second (vcpcm_announce_bytes_per_s_max,
 * in rule->private): rate * frame bits <= 8 * that. One rule each way: the
 * refined parameter is rule->var, the other its one dependency.
 */
static int vcpcm_rule_bytes_per_s(struct snd_pcm_hw_params *params, struct snd_pcm_hw_rule *rule)
{
	const struct snd_interval *other = hw_param_interval_c(params, rule->deps[0]);
	struct snd_interval most = { .min = 0, .max = UINT_MAX, .integer = 1 };

	if (!other->min)
		return 0;
	most.max = 8 * (u32)(uintptr_t)rule->private / other->min;
	return snd_interval_refine(hw_param_interval(params, rule->var), &most);
}

/**
 * vcpcm_caps_constrain() - the hw constraints a remote's report cadence needs
 * @runtime: the runtime being opened
 * @caps: the accepted capabilities
 *
 * Positions move only at the remote's reports: a period shorter than the
 * report interval cannot be signalled on time, and a buffer of less than
 * two would be lapped by one report. The FIFO must hold two report
 * intervals of audio: rate, channels and format are bounded by that.
 * Return: 0 or a negative errno.
 */
int vcpcm_caps_constrain(struct snd_pcm_runtime *runtime, const struct vcpcm_msg_announce *caps)
{
	unsigned int period_us = vcpcm_announce_period_us_min(caps);
	void *bytes_per_s = (void *)(uintptr_t)vcpcm_announce_bytes_per_s_max(caps);
	int err;

	/* Each returns 1 when it narrowed the space: only < 0 is an error. */
	err = snd_pcm_hw_constraint_integer(runtime, SNDRV_PCM_HW_PARAM_PERIODS);
	if (err >= 0)
		err = snd_pcm_hw_constraint_minmax(runtime, SNDRV_PCM_HW_PARAM_PERIOD_TIME,
						   period_us, UINT_MAX);
	if (err >= 0)
		err = snd_pcm_hw_constraint_minmax(runtime, SNDRV_PCM_HW_PARAM_BUFFER_TIME,
						   2 * period_us, UINT_MAX);
	if (err >= 0)
		err = snd_pcm_hw_rule_add(runtime, 0, SNDRV_PCM_HW_PARAM_RATE, vcpcm_rule_bytes_per_s,
					  bytes_per_s, SNDRV_PCM_HW_PARAM_FRAME_BITS, -1);
	if (err >= 0)
		err = snd_pcm_hw_rule_add(runtime, 0, SNDRV_PCM_HW_PARAM_FRAME_BITS,
					  vcpcm_rule_bytes_per_s, bytes_per_s,
					  SNDRV_PCM_HW_PARAM_RATE, -1);
	return err < 0 ? err : 0;
}

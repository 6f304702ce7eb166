// SPDX-License-Identifier: GPL-2.0
/*
 * snd-vcpcm mixer: "PCM Playback Volume" (dB TLV), "PCM Playback Switch"
 * and "PCM Playback Route", as the Raspberry Pi's driver has them. Values
 * are the card's; each open playback substream gets them as a CONTROL
 * message (and again whenever they change), and the remote applies them
 * to what it plays.
 */
#include <sound/control.h>
#include <sound/tlv.h>

#include "vcpcm.h"

/*
 * Hundredths of a dB. The top is 0 dB: sound servers put 100 % at the
 * control's maximum, and full-scale audio must not clip there. (The
 * Raspberry Pi's control reaches +4 dB; the wire still carries that.)
 */
#define VCPCM_VOLUME_MIN	-10239
#define VCPCM_VOLUME_MAX	0

static const DECLARE_TLV_DB_SCALE(vcpcm_db_scale, VCPCM_VOLUME_MIN, 1, 1);
static const char *const vcpcm_routes[] = { "Auto", "Headphones", "HDMI" };

enum vcpcm_ctl { VCPCM_CTL_VOLUME, VCPCM_CTL_SWITCH, VCPCM_CTL_ROUTE };

/**
 * vcpcm_mixer_send() - send the card's mixer values to one playback substream
 * @sub: an open playback substream
 *
 * Context: process context; may sleep (waits for the remote's RESULT).
 * Return: 0 or a negative errno.
 */
int vcpcm_mixer_send(struct vcpcm_sub *sub)
{
	struct vcpcm_card *vc = sub->vc;

	return vcpcm_request(sub, "mixer",
			     vcpcm_stream_set_control(&sub->core, (u32)vc->volume, vc->route,
						      !vc->unmuted));
}

static int vcpcm_ctl_info(struct snd_kcontrol *kctl, struct snd_ctl_elem_info *uinfo)
{
	switch (kctl->private_value) {
	case VCPCM_CTL_VOLUME:
		uinfo->type = SNDRV_CTL_ELEM_TYPE_INTEGER;
		uinfo->count = 1;
		uinfo->value.integer.min = VCPCM_VOLUME_MIN;
		uinfo->value.integer.max = VCPCM_VOLUME_MAX;
		return 0;
	case VCPCM_CTL_SWITCH:
		return snd_ctl_boolean_mono_info(kctl, uinfo);
	default:
		return snd_ctl_enum_info(uinfo, 1, ARRAY_SIZE(vcpcm_routes), vcpcm_routes);
	}
}

static int vcpcm_ctl_get(struct snd_kcontrol *kctl, struct snd_ctl_elem_value *uval)
{
	struct vcpcm_card *vc = snd_kcontrol_chip(kctl);

	mutex_lock(&vc->mixer_lock);
	switch (kctl->private_value) {
	case VCPCM_CTL_VOLUME:
		uval->value.integer.value[0] = vc->volume;
		break;
	case VCPCM_CTL_SWITCH:
		uval->value.integer.value[0] = vc->unmuted;
		break;
	default:
		uval->value.enumerated.item[0] = vc->route;
	}
	mutex_unlock(&vc->mixer_lock);
	return 0;
}

/*
 * Send the card's mixer values to every open playback substream at once,
 * then wait for all the answers against one deadline: a dead remote costs
 * a control write VCPCM_RESULT_TIMEOUT_MS, not that much per substream
 * (ALSA holds every control of the card meanwhile). Each substream's
 * request lock, taken while it was open, keeps it from closing under us.
 * Without @wait nobody waits for the answers (a late one is ignored: the
 * next request carries another tag).
 * Context: process context, holding mixer_lock.
 */
static int vcpcm_mixer_send_all(struct vcpcm_card *vc, bool wait)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(VCPCM_RESULT_TIMEOUT_MS);
	struct vcpcm_sub *asked[VCPCM_MAX_SUBSTREAMS];
	unsigned int i, n = 0;
	int err = 0, ret;

	mutex_lock(&vc->open_lock);
	for (i = 0; i < vcpcm_substreams(vc, SNDRV_PCM_STREAM_PLAYBACK) && !err; i++) {
		struct vcpcm_sub *sub = &vc->subs[SNDRV_PCM_STREAM_PLAYBACK][i];
		struct snd_pcm_substream *ss = sub->substream;

		if (!sub->ready)
			continue;
		/* One lock class, taken in index order. */
		mutex_lock_nested(&sub->request_lock, i);
		reinit_completion(&sub->result_done);
		snd_pcm_stream_lock_irq(ss);
		ret = vcpcm_kernel_errno(vcpcm_stream_set_control(&sub->core, (u32)vc->volume,
								  vc->route, !vc->unmuted));
		snd_pcm_stream_unlock_irq(ss);
		if (ret)
			dev_err(vc->card->dev, "mixer: sending failed (%d)\n", ret);
		if (ret || !wait) {
			mutex_unlock(&sub->request_lock);
			err = ret;
		} else {
			asked[n++] = sub;
		}
	}
	mutex_unlock(&vc->open_lock);
	for (i = 0; i < n; i++) {
		long left = (long)(deadline - jiffies);

		ret = vcpcm_wait_answer(asked[i], "mixer", left > 0 ? left : 0);
		if (ret && !err)
			err = ret;
		mutex_unlock(&asked[i]->request_lock);
	}
	return err;
}

/*
 * Returns 1 when the value changed (ALSA then notifies listeners), or the
 * error when an open stream's remote refused it or did not answer: then
 * the control keeps its old value (and every stream is sent it again).
 */
static int vcpcm_ctl_put(struct snd_kcontrol *kctl, struct snd_ctl_elem_value *uval)
{
	struct vcpcm_card *vc = snd_kcontrol_chip(kctl);
	int *field, value, old, err;

	switch (kctl->private_value) {
	case VCPCM_CTL_VOLUME:
		value = uval->value.integer.value[0];
		if (value < VCPCM_VOLUME_MIN || value > VCPCM_VOLUME_MAX)
			return -EINVAL;
		field = &vc->volume;
		break;
	case VCPCM_CTL_SWITCH:
		value = uval->value.integer.value[0];
		if (value < 0 || value > 1)
			return -EINVAL;
		field = &vc->unmuted;
		break;
	default:
		value = uval->value.enumerated.item[0];
		if (value < 0 || value >= ARRAY_SIZE(vcpcm_routes))
			return -EINVAL;
		field = &vc->route;
	}

	mutex_lock(&vc->mixer_lock);
	old = *field;
	if (old == value) {
		mutex_unlock(&vc->mixer_lock);
		return 0;
	}
	*field = value;
	err = vcpcm_mixer_send_all(vc, true);
	if (err) {
		/* Streams that took the new value get the old one back. */
		*field = old;
		vcpcm_mixer_send_all(vc, false);
	}
	mutex_unlock(&vc->mixer_lock);
	return err ?: 1;
}

static const struct snd_kcontrol_new vcpcm_controls[] = {
	{
		.iface = SNDRV_CTL_ELEM_IFACE_MIXER,
		.name = "PCM Playback Volume",
		.access = SNDRV_CTL_ELEM_ACCESS_READWRITE | SNDRV_CTL_ELEM_ACCESS_TLV_READ,
		.private_value = VCPCM_CTL_VOLUME,
		.info = vcpcm_ctl_info, .get = vcpcm_ctl_get, .put = vcpcm_ctl_put,
		.tlv = { .p = vcpcm_db_scale },
	},
	{
		.iface = SNDRV_CTL_ELEM_IFACE_MIXER,
		.name = "PCM Playback Switch",
		.private_value = VCPCM_CTL_SWITCH,
		.info = vcpcm_ctl_info, .get = vcpcm_ctl_get, .put = vcpcm_ctl_put,
	},
	{
		.iface = SNDRV_CTL_ELEM_IFACE_MIXER,
		.name = "PCM Playback Route",
		.private_value = VCPCM_CTL_ROUTE,
		.info = vcpcm_ctl_info, .get = vcpcm_ctl_get, .put = vcpcm_ctl_put,
	},
};

/**
 * vcpcm_mixer_create() - add the card's mixer controls
 * @vc: the card
 *
 * Return: 0 or a negative errno.
 */
int vcpcm_mixer_create(struct vcpcm_card *vc)
{
	unsigned int i;
	int err;

	mutex_init(&vc->mixer_lock);
	vc->volume = 0;
	vc->unmuted = 1;
	vc->route = 0;
	strscpy(vc->card->mixername, "vcpcm", sizeof(vc->card->mixername));
	/* The controls are the remote's playback mixer: none without playback. */
	if (!vcpcm_substreams(vc, SNDRV_PCM_STREAM_PLAYBACK))
		return 0;
	for (i = 0; i < ARRAY_SIZE(vcpcm_controls); i++) {
		err = snd_ctl_add(vc->card, snd_ctl_new1(&vcpcm_controls[i], vc));
		if (err < 0)
			return err;
	}
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * snd-vcpcm: one sound card around one remote. Whatever the transport (the
 * emulated coprocessor, a user-space process), the card is what its remote
 * announced: capabilities.c judges the ANNOUNCE, then the PCM, /proc entry,
 * mixer and debugfs directory are built and the card registered.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/module.h>

#include "vcpcm.h"

static void vcpcm_card_free(struct snd_card *card)
{
	struct vcpcm_card *vc = card->private_data;

	/* Removal waits for debugfs users, which use the transport. */
	debugfs_remove_recursive(vc->debugfs);
	/* After snd_card_free's last close: no stream uses the transport. */
	vc->transport->ops->destroy(vc->transport);
}

/**
 * vcpcm_card_create() - build and register the card of a remote
 * @parent: the device the card belongs to
 * @idx: ALSA card index, or -1 for the first free one
 * @xid: ALSA card id, or NULL
 * @t: the transport, with the remote's ANNOUNCE; the card owns it from
 *     here on, also when this fails (t->ops->destroy() is called)
 * @p: buffer_kib and control_mmap are used
 * @debugfs_name: the card's directory under snd-vcpcm/ in debugfs
 * @out: the registered card
 *
 * Context: process context.
 * Return: 0, or a negative errno (the remote's ANNOUNCE was refused, or
 * the card could not be built); the reason is logged.
 */
int vcpcm_card_create(struct device *parent, int idx, const char *xid,
		      struct vcpcm_transport *t, const struct vcpcm_card_params *p,
		      const char *debugfs_name, struct snd_card **out)
{
	struct snd_card *card;
	struct vcpcm_card *vc;
	int err;

	err = snd_card_new(parent, idx, xid, THIS_MODULE, sizeof(*vc), &card);
	if (err < 0) {
		dev_err(parent, "cannot create a sound card (index=%d): %d\n", idx, err);
		t->ops->destroy(t);
		return err;
	}
	vc = card->private_data;
	vc->card = card;
	vc->transport = t;
	mutex_init(&vc->open_lock);
	card->private_free = vcpcm_card_free;
	vc->buffer_bytes_max = (size_t)p->buffer_kib * 1024;
	vc->follow_appl_ptr = p->control_mmap;
	/* The card is what the remote announces, nothing more. */
	err = vcpcm_caps_accept(parent, t);
	if (err)
		goto fail;
	err = vcpcm_pcm_create(vc);
	if (err < 0)
		goto fail;
	err = vcpcm_proc_create(vc);
	if (err < 0)
		goto fail;
	err = vcpcm_mixer_create(vc);
	if (err < 0)
		goto fail;
	if (t->ops->debugfs_init) {
		vc->debugfs = debugfs_create_dir(debugfs_name, vcpcm_debugfs_root);
		t->ops->debugfs_init(t, vc->debugfs);
	}

	strscpy(card->driver, VCPCM_DRIVER, sizeof(card->driver));
	strscpy(card->shortname, "vcpcm", sizeof(card->shortname));
	snprintf(card->longname, sizeof(card->longname),
		 "vcpcm %s (%s, %u playback, %u capture substreams)", debugfs_name, t->name,
		 t->caps.playback_chans, t->caps.capture_chans);
	err = snd_card_register(card);
	if (err < 0)
		goto fail;
	*out = card;
	return 0;
fail:
	snd_card_free(card);
	return err;
}

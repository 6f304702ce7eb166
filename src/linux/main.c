// SPDX-License-Identifier: GPL-2.0
/*
 * snd-vcpcm: ALSA PCM for audio processors reached only by messages.
 *
 * Module parameters and card life cycle, in the style of snd-dummy: one
 * platform device per enabled card, each card with one PCM device whose
 * playback substream N loops back to capture substream N through the
 * emulated coprocessor.
 */
#include <linux/debugfs.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <sound/initval.h>

#include "vcpcm.h"
#include "vcpcm/errno.h"

MODULE_AUTHOR("snd-vcpcm developers");
MODULE_DESCRIPTION("ALSA PCM with an mmap-able intermediate buffer for message-based audio processors");
MODULE_LICENSE("GPL");

static int index[SNDRV_CARDS] = SNDRV_DEFAULT_IDX;
static char *id[SNDRV_CARDS] = SNDRV_DEFAULT_STR;
static bool enable[SNDRV_CARDS] = { 1, [1 ... (SNDRV_CARDS - 1)] = 0 };
static int pcm_substreams[SNDRV_CARDS] = { [0 ... (SNDRV_CARDS - 1)] = 8 };
static int fifo_bytes = 131072;
static int tick_us = 250;
static int latency_us;
static int buffer_kib = 512;
static bool control_mmap;
static int max_payload = 4000;
static int user_cards = 4;

module_param_array(index, int, NULL, 0444);
MODULE_PARM_DESC(index, "Index value for the vcpcm soundcard.");
module_param_array(id, charp, NULL, 0444);
MODULE_PARM_DESC(id, "ID string for the vcpcm soundcard.");
module_param_array(enable, bool, NULL, 0444);
MODULE_PARM_DESC(enable, "Enable this vcpcm soundcard.");
module_param_array(pcm_substreams, int, NULL, 0444);
MODULE_PARM_DESC(pcm_substreams, "Playback/capture substream pairs per card (1-8, default 8).");
module_param(fifo_bytes, int, 0444);
MODULE_PARM_DESC(fifo_bytes, "Emulated coprocessor: FIFO bytes per channel (4096-1048576, default 131072: 21 ms of 8 ch S32_LE at 192 kHz).");
module_param(tick_us, int, 0444);
MODULE_PARM_DESC(tick_us, "Emulated coprocessor: finest sample clock tick in microseconds (100-20000, default 250).");
module_param(latency_us, int, 0444);
MODULE_PARM_DESC(latency_us, "Emulated coprocessor: start-up latency in microseconds, from START to the first sample played (0-500000, default 0).");
module_param(buffer_kib, int, 0444);
MODULE_PARM_DESC(buffer_kib, "Largest intermediate buffer in KiB (16-4096, default 512).");
module_param(control_mmap, bool, 0444);
MODULE_PARM_DESC(control_mmap, "Let applications map the PCM control record and move appl_ptr by memory writes; the driver then follows it at every report and position query (default 0: every move goes through an ioctl).");
module_param(max_payload, int, 0444);
MODULE_PARM_DESC(max_payload, "Emulated link: largest audio payload per message in bytes (256-65536, at most fifo_bytes; default 4000, the VideoCore audio service's inline limit).");

module_param(user_cards, int, 0444);
MODULE_PARM_DESC(user_cards, "Cards that user-space remotes may create through /dev/vcpcm at once (0-32, default 4; 0: no /dev/vcpcm). With enable=0 the module offers user-space remotes only.");

static struct platform_device *vcpcm_devices[SNDRV_CARDS];
struct dentry *vcpcm_debugfs_root;	/* snd-vcpcm/ */

static int vcpcm_check_range(const char *name, int value, int lo, int hi, int card_index)
{
	if (value >= lo && value <= hi)
		return 0;
	pr_err("snd-vcpcm: card %d: %s=%d is out of range (%d..%d); not loading\n",
	       card_index, name, value, lo, hi);
	return -EINVAL;
}

/**
 * vcpcm_check_params() - validate one card's module parameters
 * @p: the values
 * @card_index: for the error message
 *
 * Logs a clear error naming the parameter and its valid range.
 * Return: 0, or -EINVAL when any value is out of range.
 */
int vcpcm_check_params(const struct vcpcm_card_params *p, int card_index)
{
	return vcpcm_check_range("pcm_substreams", p->pcm_substreams, 1, VCPCM_MAX_SUBSTREAMS, card_index) ?:
	       vcpcm_check_range("fifo_bytes", p->fifo_bytes, 4096, 1048576, card_index) ?:
	       vcpcm_check_range("tick_us", p->tick_us, 100, 20000, card_index) ?:
	       vcpcm_check_range("latency_us", p->latency_us, 0, 500000, card_index) ?:
	       vcpcm_check_range("buffer_kib", p->buffer_kib, 16, 4096, card_index) ?:
	       vcpcm_check_range("max_payload", p->max_payload, 256, 65536, card_index) ?:
	       vcpcm_check_range("max_payload", p->max_payload, 256, p->fifo_bytes, card_index);
}

static struct vcpcm_card_params vcpcm_params_of(int dev)
{
	struct vcpcm_card_params p = {
		.pcm_substreams = pcm_substreams[dev],
		.fifo_bytes = fifo_bytes,
		.tick_us = tick_us,
		.latency_us = latency_us,
		.buffer_kib = buffer_kib,
		.max_payload = max_payload,
		.control_mmap = control_mmap,
	};
	return p;
}

static int vcpcm_probe(struct platform_device *pdev)
{
	int dev = pdev->id;
	struct vcpcm_card_params p = vcpcm_params_of(dev);
	struct vcpcm_emu_config emu = {
		.pairs = p.pcm_substreams,
		.fifo_bytes = p.fifo_bytes,
		.tick_us = p.tick_us,
		.latency_us = p.latency_us,
		.max_payload = p.max_payload,
	};
	struct vcpcm_transport *t;
	struct snd_card *card;
	char name[16];
	int err;

	t = vcpcm_emu_transport_create(&emu);
	if (IS_ERR(t)) {
		dev_err(&pdev->dev, "cannot create the emulated coprocessor (%ld)\n", PTR_ERR(t));
		return PTR_ERR(t);
	}
	snprintf(name, sizeof(name), "card%d", dev);
	err = vcpcm_card_create(&pdev->dev, index[dev], id[dev], t, &p, name, &card);
	if (err < 0)
		return err;
	platform_set_drvdata(pdev, card);
	return 0;
}

static void vcpcm_remove_card(struct platform_device *pdev)
{
	snd_card_free(platform_get_drvdata(pdev));
}

/* .remove returns void since 6.11; Kbuild detects which this kernel has. */
#ifdef VCPCM_REMOVE_RETURNS_VOID
static void vcpcm_remove(struct platform_device *pdev)
{
	vcpcm_remove_card(pdev);
}
#else
static int vcpcm_remove(struct platform_device *pdev)
{
	vcpcm_remove_card(pdev);
	return 0;
}
#endif

/*
 * System sleep: the PCM core suspends running streams itself (trigger
 * SUSPEND: the remote is told to stop); applications re-prepare after
 * resume. The card and its mixer settings stay.
 */
static int vcpcm_suspend(struct device *dev)
{
	snd_power_change_state(dev_get_drvdata(dev), SNDRV_CTL_POWER_D3hot);
	return 0;
}

static int vcpcm_resume(struct device *dev)
{
	snd_power_change_state(dev_get_drvdata(dev), SNDRV_CTL_POWER_D0);
	return 0;
}

static DEFINE_SIMPLE_DEV_PM_OPS(vcpcm_pm, vcpcm_suspend, vcpcm_resume);

static struct platform_driver vcpcm_driver = {
	.probe = vcpcm_probe,
	.remove = vcpcm_remove,
	.driver = {
		.name = "snd_" VCPCM_DRIVER,
		.pm = pm_sleep_ptr(&vcpcm_pm),
	},
};

static void vcpcm_unregister_all(void)
{
	int i;

	vcpcm_user_exit(user_cards);
	for (i = 0; i < ARRAY_SIZE(vcpcm_devices); i++)
		platform_device_unregister(vcpcm_devices[i]);
	platform_driver_unregister(&vcpcm_driver);
	debugfs_remove(vcpcm_debugfs_root);
}

static int __init vcpcm_init(void)
{
	struct vcpcm_card_params user = vcpcm_params_of(0);
	int i, cards = 0, wanted = 0, err;

	for (i = 0; i < SNDRV_CARDS; i++) {
		struct vcpcm_card_params p = vcpcm_params_of(i);

		if (enable[i] && vcpcm_check_params(&p, i))
			return -EINVAL;
		wanted += enable[i];
	}
	if (vcpcm_check_range("user_cards", user_cards, 0, SNDRV_CARDS, 0) ||
	    (user_cards && vcpcm_check_range("buffer_kib", buffer_kib, 16, 4096, 0)))
		return -EINVAL;
	vcpcm_debugfs_root = debugfs_create_dir("snd-vcpcm", NULL);
	err = platform_driver_register(&vcpcm_driver);
	if (err < 0) {
		debugfs_remove(vcpcm_debugfs_root);
		return err;
	}
	for (i = 0; i < SNDRV_CARDS; i++) {
		struct platform_device *device;

		if (!enable[i])
			continue;
		device = platform_device_register_simple("snd_" VCPCM_DRIVER, i, NULL, 0);
		if (IS_ERR(device))
			continue;
		if (!platform_get_drvdata(device)) {
			platform_device_unregister(device);
			continue;
		}
		vcpcm_devices[i] = device;
		cards++;
	}
	if (!cards && (wanted || !user_cards)) {
		pr_err("snd-vcpcm: no card could be created; not loading\n");
		goto fail;
	}
	err = vcpcm_user_init(user_cards, &user);
	if (err) {
		pr_err("snd-vcpcm: cannot offer /dev/vcpcm (%d); not loading\n", err);
		goto fail;
	}
	return 0;
fail:
	user_cards = 0;		/* /dev/vcpcm was not registered */
	vcpcm_unregister_all();
	return err ?: -ENODEV;
}

static void __exit vcpcm_exit(void)
{
	vcpcm_unregister_all();
}

module_init(vcpcm_init);
module_exit(vcpcm_exit);

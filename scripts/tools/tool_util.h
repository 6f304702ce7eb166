/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the vcpcm test tools share: a monotonic clock in milliseconds, sleeping,
 * and (with VCPCM_TOOL_UAPI defined) the kernel's PCM ioctl interface.
 */
#ifndef VCPCM_TOOL_UTIL_H
#define VCPCM_TOOL_UTIL_H

#include <time.h>

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

#ifdef VCPCM_TOOL_UAPI
/* The kernel's uapi header clashes with alsa-lib's typedefs: rename those while including it. */
#define snd_aes_iec958 kernel_snd_aes_iec958
#define snd_pcm_access_t kernel_snd_pcm_access_t
#define snd_pcm_format_t kernel_snd_pcm_format_t
#define snd_pcm_subformat_t kernel_snd_pcm_subformat_t
#define snd_pcm_state_t kernel_snd_pcm_state_t
#define snd_ctl_elem_type_t kernel_snd_ctl_elem_type_t
#define snd_ctl_elem_iface_t kernel_snd_ctl_elem_iface_t
#include <sound/asound.h>
#undef snd_aes_iec958
#undef snd_pcm_access_t
#undef snd_pcm_format_t
#undef snd_pcm_subformat_t
#undef snd_pcm_state_t
#undef snd_ctl_elem_type_t
#undef snd_ctl_elem_iface_t
#endif

#endif

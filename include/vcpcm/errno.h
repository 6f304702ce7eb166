/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error numbers the C++ core returns (as negative values). The core cannot
 * include kernel headers, so it uses these; they equal the generic Linux
 * values and the glue checks that at build time.
 */
#ifndef VCPCM_ERRNO_H
#define VCPCM_ERRNO_H

#define VCPCM_EIO	5
#define VCPCM_EAGAIN	11
#define VCPCM_ENOMEM	12
#define VCPCM_EBUSY	16
#define VCPCM_EINVAL	22
#define VCPCM_ENOSPC	28
#define VCPCM_EPIPE	32
#define VCPCM_EPROTO	71
#define VCPCM_EILSEQ	84
#define VCPCM_EBADFD	77
#define VCPCM_EMSGSIZE	90
#define VCPCM_ETIMEDOUT	110

#endif /* VCPCM_ERRNO_H */

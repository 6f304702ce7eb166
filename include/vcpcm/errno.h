/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Error numbers the C++ core returns (as negative values), and the ones a
 * remote puts in RESULT: the generic Linux numbers, whatever the host. The
 * core cannot include kernel headers, so it uses these; the glue turns
 * them into the kernel's own (vcpcm_kernel_errno()), which differ on some
 * architectures (alpha, mips, parisc, sparc).
 *
 * A new error goes in three places: here, vcpcm_kernel_errno() below and
 * vcpcm_result_errno() (src/core/protocol.cpp), which refuses any other
 * RESULT. (One X-macro list would do, but checkpatch refuses such macros.)
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
#define VCPCM_EPROTONOSUPPORT	93
#define VCPCM_ETIMEDOUT	110

#if defined(__KERNEL__) && !defined(__cplusplus)
#include <linux/err.h>
#include <linux/errno.h>

/**
 * vcpcm_kernel_errno() - a core or remote error as this kernel numbers it
 * @err: 0 (or a count), a negative VCPCM_E* value, or a kernel error
 *       already (a transport's own), which is passed on as it is
 *
 * Return: @err as this kernel numbers it; -EIO for a negative value that
 * is no errno at all.
 */
static inline int vcpcm_kernel_errno(int err)
{
	switch (err) {
	case -VCPCM_EIO: return -EIO;
	case -VCPCM_EAGAIN: return -EAGAIN;
	case -VCPCM_ENOMEM: return -ENOMEM;
	case -VCPCM_EBUSY: return -EBUSY;
	case -VCPCM_EINVAL: return -EINVAL;
	case -VCPCM_ENOSPC: return -ENOSPC;
	case -VCPCM_EPIPE: return -EPIPE;
	case -VCPCM_EPROTO: return -EPROTO;
	case -VCPCM_EILSEQ: return -EILSEQ;
	case -VCPCM_EBADFD: return -EBADFD;
	case -VCPCM_EMSGSIZE: return -EMSGSIZE;
	case -VCPCM_EPROTONOSUPPORT: return -EPROTONOSUPPORT;
	case -VCPCM_ETIMEDOUT: return -ETIMEDOUT;
	/* A negative value is never one a system call could take for a pointer. */
	default: return err >= -MAX_ERRNO ? err : -EIO;
	}
}
#endif

#endif /* VCPCM_ERRNO_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel's maple tree as built in userspace by the tools shims
 * (lib/maple_tree.c, !__KERNEL__) offers the harness; no kernel header
 * declares it. Allocation failures are injected by alloc_fail.h, not
 * through the shims' mt_set_non_kernel() (a counter without a lock).
 */
#ifndef NVRMAP_SIM_KSHIM_H
#define NVRMAP_SIM_KSHIM_H

/* Bytes of maple tree nodes allocated right now, all trees together. */
unsigned long mt_get_alloc_size(void);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Knobs of the kernel's maple tree as built in userspace by the tools shims
 * (lib/maple_tree.c, !__KERNEL__); no kernel header declares them.
 */
#ifndef NVRMAP_SIM_KSHIM_H
#define NVRMAP_SIM_KSHIM_H

/*
 * Grant @val allocations that may not reclaim (GFP_NOWAIT, GFP_ATOMIC); the
 * userspace allocator fails them otherwise. The harness grants them
 * freely, and withholds them to inject allocation failures.
 */
void mt_set_non_kernel(unsigned int val);
/* Bytes of maple tree nodes allocated right now, all trees together. */
unsigned long mt_get_alloc_size(void);

#endif

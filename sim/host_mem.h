/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's physical memory as seen by the simulation: 4K frames handed
 * out in folios of order 0 (4K), 9 (2M) or 18 (1G). Freed frames go back on
 * LIFO lists and are handed to the next owner at once, so a shadow mapping
 * that outlives its page points at somebody else's memory: the oracle sees
 * it, as an L2 guest would.
 */
#ifndef NVRMAP_SIM_HOST_MEM_H
#define NVRMAP_SIM_HOST_MEM_H

#include <linux/types.h>

#define HOST_ORDER_2M	9
#define HOST_ORDER_1G	18

struct frame_stack {
	u32 *f;
	u64 nr, cap;
};

struct host_mem {
	u16 *ref;		/* mappings per frame; 0 = free */
	u64 nr_frames;		/* frames ever handed out (bump) */
	u64 cap;
	struct frame_stack free[3];	/* orders 0, 9, 18 */
	u64 in_use;		/* frames with ref > 0 */
};

void host_mem_init(struct host_mem *hm);
void host_mem_destroy(struct host_mem *hm);
u32 host_alloc(struct host_mem *hm, int order);
void host_get(struct host_mem *hm, u32 frame);
void host_put(struct host_mem *hm, u32 frame);
void host_put_folio(struct host_mem *hm, u32 frame, int order);

static inline u64 frame_pa(u32 frame)
{
	return (u64)frame << 12;
}

#endif

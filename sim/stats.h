/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVRMAP_SIM_STATS_H
#define NVRMAP_SIM_STATS_H

#include <linux/types.h>

/* Which side caused what happens to the shadow tables right now. */
enum stat_phase {
	PHASE_GUEST,		/* L2 faults, guest TLBIs, recycling */
	PHASE_HOST,		/* notifiers, memslots, dirty log, aging */
};

struct sim_stats {
	u64 events;
	u64 l2_accesses;
	u64 shadow_faults;	/* faults that installed or relaxed a leaf */
	u64 l1_faults;		/* stage-2 faults reflected to L1 */
	u64 fault_retries;	/* faults that lost a race with an unmap */
	u64 mmio_accesses;
	u64 host_events;
	u64 host_zapped;	/* shadow leaves removed by host-side events */
	u64 host_needed;	/* of those, ones whose canonical block met the range */
	u64 guest_zapped;	/* shadow leaves removed by TLBIs and recycling */
	u64 wp_leaves;		/* shadow leaves write-protected */
	u64 wp_needed;
	u64 full_mmu_unmaps;	/* unmaps of a whole nested MMU */
	u64 walk_steps;		/* shadow descriptors visited by host events */
	u64 young;		/* aging calls that found a young shadow leaf */
	u64 recycles;
	u64 tlbis;
	u64 rmap_bytes;		/* current */
	u64 live_leaves;	/* shadow leaves live when rmap_bytes was taken */
	u64 rmap_bytes_peak;
	u64 violations;
	u64 host_ns;		/* in strategy calls of host-side events */
	u64 fault_ns;		/* in strategy calls of the fault path */
};

#endif

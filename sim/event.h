/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Events: everything that happens to the simulated world, fully specified
 * (addresses, sizes, who), so that a run is a replayable list of them.
 */
#ifndef NVRMAP_SIM_EVENT_H
#define NVRMAP_SIM_EVENT_H

#include <linux/types.h>

enum ev_kind {
	/* vCPU side */
	EV_L2_ACCESS,		/* vcpu, addr = nested IPA, write */
	EV_L1_ACCESS,		/* vcpu, addr = canonical IPA, write */
	EV_SWITCH,		/* vcpu enters context ctx (-1: back to L1) */
	/* host side: MMU notifiers on L1 memory */
	EV_HOST_RECLAIM,	/* addr, size: folios reclaimed or swapped */
	EV_HOST_MIGRATE,	/* addr, size: folios migrated/compacted */
	EV_HOST_KSM,		/* 4K page addr merged with page addr2 */
	EV_HOST_THP_SPLIT,	/* 2M folio at addr split */
	EV_HOST_THP_COLLAPSE,	/* khugepaged collapses the 2M at addr */
	EV_HOST_NUMA,		/* NUMA-balancing protection change window */
	EV_HOST_DISCARD,	/* free page reporting / balloon: dropped */
	EV_MEMSLOT_DELETE,	/* slot ctx deleted (and re-added empty) */
	EV_DIRTY_ENABLE,	/* dirty logging on for slot ctx */
	EV_DIRTY_CLEAR,		/* clear + write-protect 64 pages at addr */
	EV_DIRTY_DISABLE,	/* dirty logging off for slot ctx */
	EV_AGE,			/* clear_young over addr, size */
	/* guest hypervisor side */
	EV_L1_RECLAIM,		/* L1 drops L2 page (ctx, addr): IPAS2E1IS */
	EV_L1_MIGRATE,		/* L1 moves L2 page to new memory */
	EV_L1_KSM,		/* L1 merges (ctx2, addr2) into (ctx, addr) */
	EV_L1_THP_SPLIT,	/* L1 splits the L2 block at (ctx, addr) */
	EV_L1_THP_COLLAPSE,	/* L1 collapses (ctx, addr) into a block */
	EV_L1_RANGE_UNMAP,	/* L1 unmaps (ctx, addr, size): RIPAS2E1IS */
	EV_L1_DIRTY_LOG,	/* L1 write-protects ctx: VMALLS12E1IS */
	EV_L2_RESTART,		/* L2 VM ctx stops and starts: VMALLS12E1IS */
	EV_VMID_ROLLOVER,	/* L1 runs out of VMIDs: ALLE1IS */
	EV_NR_KINDS,
};

struct sim_event {
	enum ev_kind kind;
	int vcpu;
	int ctx;
	int ctx2;
	bool write;
	u64 addr;
	u64 addr2;
	u64 size;
};

const char *ev_kind_name(enum ev_kind kind);
int ev_kind_parse(const char *name, enum ev_kind *kind);
bool ev_kind_is_host(enum ev_kind kind);

#endif

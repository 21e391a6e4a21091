/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The concurrent harness: one thread per vCPU faulting in parallel under
 * mmu_lock held for read, a host thread (MMU notifiers, memslots, dirty
 * logging, aging: write lock) and an L1 thread (the guest hypervisor's
 * table changes and TLBIs, context restarts, VMID rollover), all on one
 * world. The oracle checks the world whenever every thread is parked
 * between two events, and at the end; a watchdog reports a deadlock.
 */
#ifndef NVRMAP_SIM_CONCURRENT_H
#define NVRMAP_SIM_CONCURRENT_H

#include "run.h"

struct conc_params {
	double seconds;		/* how long the threads run */
	u64 seed;
	unsigned int quiesce_ms;	/* period of the oracle's full checks */
	unsigned int stall_ms;	/* no event completes for this long:
				 * deadlock */
};

struct conc_result {
	struct run_result run;
	u64 vcpu_events, host_events, l1_events;
	u64 quiescent_checks;
	unsigned int threads;
};

/*
 * Run @strat in the world @wc (one vCPU thread per vCPU of the world) with
 * events drawn from @gp's weights, each thread its role's kinds. Returns
 * 0, or -errno if the world could not be built. A deadlock is reported and
 * aborts the process: threads stuck in locks cannot be taken back.
 */
int conc_run(const struct world_config *wc, const struct gen_params *gp,
	     const struct rmap_strategy *strat, const struct conc_params *cp,
	     struct conc_result *res);

#endif

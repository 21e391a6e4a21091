/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest hypervisor (L1): a small model of what L1's KVM does for its L2
 * VMs. It backs L2 memory with L1 pages, keeps its stage-2 tables for each
 * L2 context in L1 memory, handles the stage-2 faults reflected to it, and
 * changes those tables the way Linux does (reclaim, migration, KSM, THP,
 * dirty logging, VM restart, VMID rollover), each change followed by the
 * TLBI that L1's KVM issues.
 */
#ifndef NVRMAP_SIM_L1_H
#define NVRMAP_SIM_L1_H

#include <linux/types.h>

#include "guest_s2.h"

struct sim_vm;

struct l1_config {
	unsigned int nr_ctx;		/* L2 contexts (VMs) */
	u64 l2_mem_size;		/* RAM of each L2 */
	unsigned int l2_ipa_bits;	/* nested IPA size */
	unsigned int pgshift[3];	/* granules, used round robin */
	unsigned int nr_pgshift;
	unsigned int block_pct;		/* L2 regions L1 backs with blocks */
	unsigned int contig_pct;	/* of those, mapped with the
					 * contiguous bit instead of a block */
	u64 pool_base, pool_size;	/* L1 RAM lent to L2s */
	u64 table_base, table_size;	/* L1 RAM for L1's stage-2 tables */
};

struct l1_regs {
	u64 vttbr;
	u64 vtcr;
	bool s2_enabled;
};

struct l1_hyp;

struct l1_hyp *l1_create(struct sim_vm *vm, const struct l1_config *cfg);
void l1_destroy(struct l1_hyp *l1);

unsigned int l1_nr_ctx(const struct l1_hyp *l1);
u64 l1_ctx_mem_size(const struct l1_hyp *l1, int ctx);
u64 l1_ctx_granule(const struct l1_hyp *l1, int ctx);
void l1_ctx_regs(const struct l1_hyp *l1, int ctx, struct l1_regs *r);

/* The walk a nested fault does through L1's tables for @ctx. */
int l1_walk(struct l1_hyp *l1, int ctx, u64 nested_ipa,
	    struct guest_s2_trans *out);
/* L1 handles a stage-2 fault reflected to it; 0 when it fixed it. */
int l1_handle_fault(struct l1_hyp *l1, int ctx, u64 nested_ipa, bool write,
		    const struct guest_s2_trans *trans);

/* Table changes made by L1, each followed by its TLBIs. */
void l1_reclaim(struct l1_hyp *l1, int ctx, u64 nested_ipa);
void l1_migrate(struct l1_hyp *l1, int ctx, u64 nested_ipa);
void l1_ksm(struct l1_hyp *l1, int ctx, u64 nested_ipa, int ctx2,
	    u64 nested_ipa2);
void l1_thp_split(struct l1_hyp *l1, int ctx, u64 nested_ipa);
void l1_thp_collapse(struct l1_hyp *l1, int ctx, u64 nested_ipa);
void l1_range_unmap(struct l1_hyp *l1, int ctx, u64 nested_ipa, u64 size);
void l1_dirty_log(struct l1_hyp *l1, int ctx);
void l1_restart(struct l1_hyp *l1, int ctx);
void l1_vmid_rollover(struct l1_hyp *l1);

/* Is the nested page backed by L1 (so a mapping exists or can)? */
bool l1_is_mapped(struct l1_hyp *l1, int ctx, u64 nested_ipa);

#endif

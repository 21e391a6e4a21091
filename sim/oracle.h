/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The safety oracle. It indexes every shadow leaf by the canonical block it
 * was made from (the harness's tag, not the reverse map under test) and
 * checks, after each event, what an L2 guest could observe:
 *  (a) no shadow leaf maps a PA that its canonical IPA no longer maps;
 *  (b) after a guest TLBI, no leaf is left in the invalidated range;
 *  (c) after a write-protect, no writable leaf over the range;
 * and that a strategy that tracks mappings one by one tracks exactly the
 * live shadow leaves.
 */
#ifndef NVRMAP_SIM_ORACLE_H
#define NVRMAP_SIM_ORACLE_H

#include <linux/types.h>

struct sim_vm;
struct kvm_pgtable;
struct kvm_s2_mmu;
struct oracle;

struct oracle *oracle_create(struct sim_vm *vm);
void oracle_destroy(struct oracle *o);

void oracle_leaf_set(struct oracle *o, struct kvm_pgtable *pgt, u64 addr,
		     int level, u64 tag);
void oracle_leaf_clear(struct oracle *o, struct kvm_pgtable *pgt, u64 addr,
		       int level, u64 tag);

/* Shadow leaves whose canonical block intersects the range. */
u64 oracle_count_intersecting(struct oracle *o, u64 start, u64 size,
			      bool writable_only);

void oracle_check_canonical(struct oracle *o, u64 start, u64 size);
void oracle_check_tlbi(struct oracle *o, struct kvm_s2_mmu *mmu, u64 start,
		       u64 size);
void oracle_check_wp(struct oracle *o, u64 start, u64 size);
void oracle_check_tracking(struct oracle *o);
void oracle_audit(struct oracle *o);

/* Records a violation against the current event; prints the first few. */
void oracle_violation(struct oracle *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif

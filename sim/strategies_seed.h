/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test-only view into the "seed" strategy (sim/strategies_seed.c), the
 * model of v2 of "KVM: arm64: nv: Implement nested stage-2 reverse map":
 * its entry encoding, its record step on a bare maple tree, and the
 * numbers the tests compare. Nothing in the harness needs this header.
 */
#ifndef NVRMAP_SIM_STRATEGIES_SEED_H
#define NVRMAP_SIM_STRATEGIES_SEED_H

#include "strategy.h"

#include <linux/maple_tree.h>

extern const struct rmap_strategy strategy_seed;

/*
 * A revmap value, as v2 lays it out: bit 63 marks a known nested IPA (so
 * that nested IPA 0 is not a NULL entry), bits 55:12 hold that nested IPA,
 * bit 0 marks a span whose nested IPAs are unknown.
 */
#define SEED_VALID_ENTRY	BIT_ULL(63)
#define SEED_NESTED_IPA_MASK	GENMASK_ULL(55, 12)
#define SEED_UNKNOWN_IPA	BIT_ULL(0)

enum seed_record_result {
	SEED_RECORD_SKIPPED,	/* revmap broken: nothing recorded */
	SEED_RECORD_SAME,	/* that exact entry is there already */
	SEED_RECORD_EXACT,	/* no overlap: the nested IPA is stored */
	SEED_RECORD_UNKNOWN,	/* overlap: an unknown span is stored */
	SEED_RECORD_FAILED,	/* the store failed: revmap broken */
};

/* What each mas_find_range() call of the record step returned. */
#define SEED_TRACE_MAX		16

struct seed_visit {
	unsigned long index;
	unsigned long last;
	u64 entry;		/* 0: a gap, or nothing up to the limit */
};

struct seed_trace {
	unsigned int nr;	/* calls made (may exceed SEED_TRACE_MAX) */
	struct seed_visit visit[SEED_TRACE_MAX];
};

/*
 * v2's kvm_record_nested_revmap() on @mt: canonical [@ipa, @ipa +
 * @map_size) maps nested @fault_ipa. @broken is the MMU's
 * nested_revmap_broken flag. @trace may be NULL.
 */
enum seed_record_result seed_record_range(struct maple_tree *mt, bool *broken,
					  gpa_t ipa, gpa_t fault_ipa,
					  u64 map_size,
					  struct seed_trace *trace);


/* The revmap of a nested MMU of a VM running strategy_seed. */
struct maple_tree *seed_mmu_tree(struct kvm_s2_mmu *mmu);
bool seed_mmu_broken(struct kvm_s2_mmu *mmu);

struct seed_stats {
	u64 exact;		/* records that stored a nested IPA */
	u64 same;		/* records that found their entry there */
	u64 unknown;		/* records that stored an unknown span */
	u64 skipped;		/* records skipped: revmap broken */
	u64 store_failures;	/* record stores that failed */
	u64 erase_failures;	/* unmap erases that failed (ignored by v2) */
	u64 resets_unknown;	/* fallbacks: canonical unmap met a span */
	u64 resets_broken;	/* fallbacks: canonical unmap, broken revmap */
	u64 resets_mmu;		/* recycling, ALLE1 (not fallbacks) */
	u64 entry_unmaps;	/* nested ranges unmapped from an entry */
};

void seed_get_stats(struct kvm *kvm, struct seed_stats *st);

#endif

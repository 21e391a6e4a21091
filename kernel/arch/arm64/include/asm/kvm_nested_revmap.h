/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reverse map for nested stage-2 (shadow) page tables.
 *
 * A shadow stage-2 leaf maps a nested IPA block of a nested MMU to the
 * host memory behind a canonical IPA block of the same size. The reverse
 * map remembers, for every such leaf, which canonical block it came from,
 * so that a host-side change to canonical memory (MMU notifier, memslot
 * flush, dirty-log write-protect, aging) acts on exactly the leaves made
 * from it, instead of on every shadow stage-2 in full.
 */
#ifndef __ARM64_KVM_NESTED_REVMAP_H__
#define __ARM64_KVM_NESTED_REVMAP_H__

#include <linux/kvm_types.h>

struct kvm;
struct kvm_s2_mmu;
struct maple_tree;
struct kvm_vcpu;

struct kvm_nested_revmap_stats {
	u64 entries;		/* shadow leaves tracked */
	u64 alias_descs;	/* alias descriptors in use */
	u64 revmaps;		/* nested MMUs with a reverse map */
	u64 fallbacks;		/* full unmaps of one MMU after a failure */
	u64 failures;		/* recordings or removals that failed */
	u64 bytes;		/* reverse-map memory outside the maple trees */
};

int kvm_nested_revmap_init_vm(struct kvm *kvm, unsigned int nr_mmus);
void kvm_nested_revmap_destroy_vm(struct kvm *kvm);
void kvm_nested_revmap_init_mmu(struct kvm_s2_mmu *mmu, u16 id);
void kvm_nested_revmap_free_mmu(struct kvm_s2_mmu *mmu);

void kvm_nested_revmap_topup(struct kvm_vcpu *vcpu);
void kvm_nested_revmap_free_cache(struct kvm_vcpu *vcpu);

void kvm_nested_revmap_record(struct kvm_vcpu *vcpu, struct kvm_s2_mmu *mmu,
			      gpa_t canonical, gpa_t nested, u64 size);

void kvm_nested_revmap_unmap_canonical(struct kvm *kvm, gpa_t start,
				       u64 size, bool may_block);
void kvm_nested_revmap_unmap_nested(struct kvm_s2_mmu *mmu, gpa_t start,
				    u64 size, bool may_block);
void kvm_nested_revmap_unmap_mmu(struct kvm_s2_mmu *mmu, bool may_block);
void kvm_nested_revmap_wp(struct kvm *kvm, gpa_t start, u64 size);
bool kvm_nested_revmap_age(struct kvm *kvm, gpa_t start, u64 size,
			   bool mkold);

s64 kvm_nested_revmap_mmu_entries(struct kvm_s2_mmu *mmu);
bool kvm_nested_revmap_tracks(struct kvm_s2_mmu *mmu, gpa_t nested,
			      gpa_t canonical, u64 size);
typedef void (*kvm_nested_revmap_tree_fn)(struct maple_tree *mt, void *arg);
void kvm_nested_revmap_visit_trees(struct kvm *kvm,
				   kvm_nested_revmap_tree_fn fn, void *arg);
void kvm_nested_revmap_get_stats(struct kvm *kvm,
				 struct kvm_nested_revmap_stats *stats);

#endif /* __ARM64_KVM_NESTED_REVMAP_H__ */

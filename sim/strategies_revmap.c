// SPDX-License-Identifier: GPL-2.0
/*
 * "revmap": the reverse map of kernel/ (arch/arm64/kvm/nested_revmap.c),
 * compiled unmodified, behind the strategy interface. The calls below are
 * where the patch series hooks it into KVM.
 */
#include "strategy.h"

#include <linux/rcupdate.h>
#include <asm/kvm_nested_revmap.h>

#include "maple_nodes.h"

static int revmap_vm_init(struct kvm *kvm)
{
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++)
		kvm_nested_revmap_init_mmu(kvm->arch.nested_mmus[i], i);
	return kvm_nested_revmap_init_vm(kvm, kvm->arch.nested_mmus_size);
}

static void revmap_vm_destroy(struct kvm *kvm)
{
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++)
		kvm_nested_revmap_free_mmu(kvm->arch.nested_mmus[i]);
	/* Maple nodes freed by kfree_rcu() go before the world does. */
	rcu_barrier();
	kvm_nested_revmap_destroy_vm(kvm);
}

static int revmap_vcpu_topup(struct kvm_vcpu *vcpu)
{
	kvm_nested_revmap_topup(vcpu);
	return 0;
}

static void add_tree(struct maple_tree *mt, void *arg)
{
	*(u64 *)arg += maple_tree_nodes(mt) * maple_node_bytes();
}

static u64 revmap_mem_bytes(struct kvm *kvm)
{
	struct kvm_nested_revmap_stats st;
	u64 bytes = 0;

	kvm_nested_revmap_visit_trees(kvm, add_tree, &bytes);
	kvm_nested_revmap_get_stats(kvm, &st);
	return st.bytes + bytes;
}

static void revmap_counters(struct kvm *kvm, struct rmap_counters *c)
{
	struct kvm_nested_revmap_stats st;

	kvm_nested_revmap_get_stats(kvm, &st);
	c->fallbacks = st.fallbacks;
	c->failures = st.failures;
}

const struct rmap_strategy strategy_revmap = {
	.name = "revmap",
	.summary = "this project: exact reverse map, in lockstep with TLBIs",
	.exact = true,
	.vm_init = revmap_vm_init,
	.vm_destroy = revmap_vm_destroy,
	.vcpu_topup = revmap_vcpu_topup,
	.vcpu_destroy = kvm_nested_revmap_free_cache,
	.record = kvm_nested_revmap_record,
	.unmap_canonical = kvm_nested_revmap_unmap_canonical,
	.unmap_nested = kvm_nested_revmap_unmap_nested,
	.unmap_mmu = kvm_nested_revmap_unmap_mmu,
	.wp_canonical = kvm_nested_revmap_wp,
	.age_canonical = kvm_nested_revmap_age,
	.mem_bytes = revmap_mem_bytes,
	.mmu_entries = kvm_nested_revmap_mmu_entries,
	.tracks = kvm_nested_revmap_tracks,
	.counters = revmap_counters,
};

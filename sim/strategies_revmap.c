// SPDX-License-Identifier: GPL-2.0
/*
 * "revmap": the reverse map of kernel/ (arch/arm64/kvm/nested_revmap.c),
 * compiled unmodified, behind the strategy interface. The calls below are
 * where the patch series hooks it into KVM.
 */
#include <stdlib.h>

#include "strategy.h"

#include <linux/rcupdate.h>
#include <asm/kvm_nested_revmap.h>

#include "kshim.h"

/* Maple tree bytes are counted from here: one world runs at a time. */
struct revmap_peer {
	unsigned long maple_base;
};

static int revmap_vm_init(struct kvm *kvm)
{
	struct revmap_peer *p = calloc(1, sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++)
		kvm_nested_revmap_init_mmu(kvm->arch.nested_mmus[i], i);
	ret = kvm_nested_revmap_init_vm(kvm, kvm->arch.nested_mmus_size);
	if (ret) {
		free(p);
		return ret;
	}
	p->maple_base = mt_get_alloc_size();
	kvm->arch.peer = p;
	return 0;
}

static void revmap_vm_destroy(struct kvm *kvm)
{
	for (size_t i = 0; i < kvm->arch.nested_mmus_size; i++)
		kvm_nested_revmap_free_mmu(kvm->arch.nested_mmus[i]);
	/* Reverse maps unhooked after failures are freed by RCU callbacks. */
	rcu_barrier();
	kvm_nested_revmap_destroy_vm(kvm);
	free(kvm->arch.peer);
	kvm->arch.peer = NULL;
}

static int revmap_vcpu_topup(struct kvm_vcpu *vcpu)
{
	kvm_nested_revmap_topup(vcpu);
	return 0;
}

static u64 revmap_mem_bytes(struct kvm *kvm)
{
	struct revmap_peer *p = kvm->arch.peer;
	struct kvm_nested_revmap_stats st;
	unsigned long maple = mt_get_alloc_size();

	kvm_nested_revmap_get_stats(kvm, &st);
	return st.bytes + (maple > p->maple_base ? maple - p->maple_base : 0);
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

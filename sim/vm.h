/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The simulated world: one L1 VM on a host (struct kvm plus the host
 * memory behind its memslots), its vCPUs and nested MMUs, the guest
 * hypervisor running in it, the reverse-map strategy under test and,
 * optionally, the safety oracle.
 */
#ifndef NVRMAP_SIM_VM_H
#define NVRMAP_SIM_VM_H

#include <linux/kvm_host.h>
#include <asm/kvm_mmu.h>
#include <asm/kvm_pgtable.h>
#include <linux/spinlock.h>

#include "alloc_fail.h"
#include "event.h"
#include "host_mem.h"
#include "pgtable.h"
#include "strategy.h"
#include "stats.h"

#define SIM_MAX_SLOTS		8
#define S2_MMU_PER_VCPU		2

enum backing {
	BACKING_4K,
	BACKING_THP,		/* transparent huge pages: 2M when possible */
	BACKING_HUGETLB,	/* hugetlbfs 1G pages */
};

/* A memslot and the host page tables behind its userspace mapping. */
struct memslot {
	u64 base;
	u64 size;
	enum backing backing;
	bool logging;		/* dirty logging enabled */
	u32 *pfn;		/* frame per 4K page, 0 = not present */
	u8 *order;		/* folio order per 2M region: 0, 9 or 18 */
};

struct sim_vcpu {
	struct kvm_vcpu vcpu;
	int ctx;		/* L2 context running, -1 = L1 itself */
	/*
	 * Concurrent mode: L1 changed the VTTBR of these contexts (bit
	 * ctx % 64) while this vCPU may run one; it looks its MMU up again
	 * before its next event, as a KVM request would have it do.
	 */
	u64 reload_ctx;
};

struct oracle;
struct l1_hyp;

struct vm_config {
	unsigned int nr_vcpus;
	unsigned int ipa_bits;		/* L1 IPA size */
	unsigned int nr_slots;
	struct {
		u64 base, size;
		enum backing backing;
	} slots[SIM_MAX_SLOTS];
	bool check;			/* run the safety oracle */
	/*
	 * Failure injection (alloc_fail.h): the percentage of strategy calls
	 * whose allocations fail, at every site (fail_pct) and at one site
	 * (fail_site_pct); a site fails at the larger of the two. 0 to 100.
	 */
	unsigned int fail_pct;
	unsigned int fail_site_pct[NR_ALLOC_SITES];
	u64 fail_seed;
	u64 audit_every;		/* full oracle audit period (events) */
	/* Test-only: the fault path skips the invalidation retry check. */
	bool no_fault_retry;
};

struct sim_vm {
	struct kvm kvm;
	struct vm_config cfg;
	struct host_mem hm;
	struct memslot slots[SIM_MAX_SLOTS];
	struct sim_vcpu *vcpus;
	struct kvm_s2_mmu *nested;	/* nr_vcpus * S2_MMU_PER_VCPU */
	struct kvm_s2_mmu **nested_ptrs;
	struct kvm_pgtable canonical_pgt;
	struct kvm_pgtable *nested_pgt;
	struct s2_observer obs;
	const struct rmap_strategy *strat;
	struct l1_hyp *l1;
	struct oracle *oracle;
	struct sim_stats stats;
	u64 event_no;
	/* ns spent in strategy calls by each host-side event, in order */
	u32 *host_samples;
	u64 nr_host_samples, host_samples_cap;
	u64 event_ns;		/* the current event's, so far */
	/*
	 * Threads apply events at once (sim/concurrent.h): the oracle and
	 * the memory accounting run at quiescent points, not per event.
	 */
	bool concurrent;
	/*
	 * The harness's own locks, for its stand-ins of state that is
	 * atomic or serialised by other means in a real system. Order:
	 * l1_lock and host_lock before mmu_lock; pgt_lock innermost.
	 *  l1_lock: the guest hypervisor model and its stage-2 tables in L1
	 *	memory (L1's own locks; it issues TLBIs holding it).
	 *  host_lock: the host mm behind the memslots (page tables, folios,
	 *	slot flags), held across an MMU notifier's start..end as the
	 *	mm holds its page locks.
	 *  pgt_lock: the shadow and canonical tables (KVM updates them with
	 *	atomics) and, through their observer, the oracle's index.
	 */
	spinlock_t l1_lock, host_lock, pgt_lock;
};

/* Which side the current thread's event is on (stats attribution). */
extern __thread enum stat_phase sim_phase;

#define vm_stat_add(vm, field, n)					\
	__atomic_fetch_add(&(vm)->stats.field, (n), __ATOMIC_RELAXED)
#define vm_stat_inc(vm, field)		vm_stat_add(vm, field, 1)

int vm_create(struct sim_vm *vm, const struct vm_config *cfg,
	      const struct rmap_strategy *strat);
void vm_destroy(struct sim_vm *vm);
int vm_apply(struct sim_vm *vm, const struct sim_event *ev);
void vm_account_rmap(struct sim_vm *vm);

/* Monotonic ns, for timing strategy calls. */
u64 sim_now_ns(void);

struct memslot *vm_find_slot(struct sim_vm *vm, u64 ipa);
bool vm_page_present(struct sim_vm *vm, u64 ipa);
u32 vm_page_pfn(struct sim_vm *vm, u64 ipa);

/* nested.c: nested MMUs and guest TLBIs, as upstream nested.c/sys_regs.c */
void vm_load_hw_mmu(struct sim_vm *vm, struct sim_vcpu *v);
void vm_put_hw_mmu(struct sim_vm *vm, struct sim_vcpu *v);
void vm_guest_tlbi(struct sim_vm *vm, u16 vmid, int op, u64 operand);

/* fault.c: the shadow stage-2 fault path */
int vm_l2_access(struct sim_vm *vm, struct sim_vcpu *v, u64 nested_ipa,
		 bool write);
int vm_l1_access(struct sim_vm *vm, u64 ipa, bool write);

/* host_events.c: MMU notifiers, memslots, dirty logging, aging */
int vm_host_event(struct sim_vm *vm, const struct sim_event *ev);

static inline struct sim_vm *kvm_to_vm(struct kvm *kvm)
{
	return container_of(kvm, struct sim_vm, kvm);
}

#endif

// SPDX-License-Identifier: GPL-2.0
/* One event applied to the world, and the oracle's checks after it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "l1.h"
#include "oracle.h"
#include "vm.h"

static struct sim_vcpu *vcpu_arg(struct sim_vm *vm, int idx)
{
	return idx >= 0 && (unsigned int)idx < vm->cfg.nr_vcpus ?
	       &vm->vcpus[idx] : NULL;
}

static bool ctx_ok(struct sim_vm *vm, int ctx)
{
	return ctx >= 0 && (unsigned int)ctx < l1_nr_ctx(vm->l1);
}

static void reload_hw_mmu(struct sim_vm *vm, struct sim_vcpu *v)
{
	vm_put_hw_mmu(vm, v);
	vm_load_hw_mmu(vm, v);
}

/*
 * After L1 changes a context's VTTBR (@ctx, or all for -1), vCPUs running
 * it look their MMU up again. Sequentially, at once; in concurrent mode the
 * vCPU threads own their vCPUs, so each gets a request it acts on before
 * its next event.
 */
static void reload_ctx_vcpus(struct sim_vm *vm, int ctx)
{
	u64 mask = ctx < 0 ? ~0ULL : BIT_ULL(ctx % 64);

	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++) {
		struct sim_vcpu *v = &vm->vcpus[i];

		if (vm->concurrent) {
			__atomic_fetch_or(&v->reload_ctx, mask, __ATOMIC_RELAXED);
			continue;
		}
		if (v->ctx < 0 || (ctx >= 0 && v->ctx != ctx))
			continue;
		reload_hw_mmu(vm, v);
	}
}

static void vcpu_requests(struct sim_vm *vm, struct sim_vcpu *v)
{
	u64 mask = __atomic_exchange_n(&v->reload_ctx, 0, __ATOMIC_RELAXED);

	if (v->ctx >= 0 && (mask & BIT_ULL(v->ctx % 64)))
		reload_hw_mmu(vm, v);
}

/* What L1 does to its tables, under its own locks (vm.h: l1_lock). */
static int l1_event(struct sim_vm *vm, const struct sim_event *ev)
{
	switch (ev->kind) {
	case EV_L1_RECLAIM:
		l1_reclaim(vm->l1, ev->ctx, ev->addr);
		break;
	case EV_L1_MIGRATE:
		l1_migrate(vm->l1, ev->ctx, ev->addr);
		break;
	case EV_L1_KSM:
		if (!ctx_ok(vm, ev->ctx2))
			return -EINVAL;
		l1_ksm(vm->l1, ev->ctx, ev->addr, ev->ctx2, ev->addr2);
		break;
	case EV_L1_THP_SPLIT:
		l1_thp_split(vm->l1, ev->ctx, ev->addr);
		break;
	case EV_L1_THP_COLLAPSE:
		l1_thp_collapse(vm->l1, ev->ctx, ev->addr);
		break;
	case EV_L1_RANGE_UNMAP:
		l1_range_unmap(vm->l1, ev->ctx, ev->addr, ev->size);
		break;
	case EV_L1_DIRTY_LOG:
		l1_dirty_log(vm->l1, ev->ctx);
		break;
	case EV_L2_RESTART:
		l1_restart(vm->l1, ev->ctx);
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int guest_event(struct sim_vm *vm, const struct sim_event *ev)
{
	struct sim_vcpu *v = vcpu_arg(vm, ev->vcpu);
	int ret;

	switch (ev->kind) {
	case EV_L2_ACCESS:
		if (!v || v->ctx < 0 ||
		    ev->addr >= l1_ctx_mem_size(vm->l1, v->ctx))
			return -EINVAL;
		vcpu_requests(vm, v);
		return vm_l2_access(vm, v, ev->addr, ev->write);
	case EV_L1_ACCESS:
		return vm_l1_access(vm, ev->addr, ev->write);
	case EV_SWITCH:
		if (!v || (ev->ctx != -1 && !ctx_ok(vm, ev->ctx)))
			return -EINVAL;
		__atomic_store_n(&v->reload_ctx, 0, __ATOMIC_RELAXED);
		vm_put_hw_mmu(vm, v);
		v->ctx = ev->ctx;
		vm_load_hw_mmu(vm, v);
		return 0;
	case EV_VMID_ROLLOVER:
		spin_lock(&vm->l1_lock);
		l1_vmid_rollover(vm->l1);
		spin_unlock(&vm->l1_lock);
		reload_ctx_vcpus(vm, -1);
		return 0;
	default:
		break;
	}

	if (!ctx_ok(vm, ev->ctx))
		return -EINVAL;
	spin_lock(&vm->l1_lock);
	ret = l1_event(vm, ev);
	spin_unlock(&vm->l1_lock);
	if (!ret && ev->kind == EV_L2_RESTART)
		reload_ctx_vcpus(vm, ev->ctx);
	return ret;
}

/*
 * Reverse-map memory is sampled every RMAP_SAMPLE events (counting maple
 * nodes walks the trees) and at the end of a run: the peak is the peak of
 * the samples.
 */
#define RMAP_SAMPLE	1024

void vm_account_rmap(struct sim_vm *vm)
{
	if (!vm->strat->mem_bytes)
		return;
	vm->stats.rmap_bytes = vm->strat->mem_bytes(&vm->kvm);
	vm->stats.live_leaves = 0;
	for (size_t i = 0; i < vm->kvm.arch.nested_mmus_size; i++)
		vm->stats.live_leaves += vm->nested_pgt[i].nr_leaves;
	vm->stats.rmap_bytes_peak = max(vm->stats.rmap_bytes_peak,
					vm->stats.rmap_bytes);
}

static void host_sample(struct sim_vm *vm, u64 ns)
{
	if (vm->nr_host_samples == vm->host_samples_cap) {
		u64 cap = vm->host_samples_cap ? 2 * vm->host_samples_cap : 4096;
		u32 *s = realloc(vm->host_samples, cap * sizeof(*s));

		if (!s)
			abort();
		vm->host_samples = s;
		vm->host_samples_cap = cap;
	}
	vm->host_samples[vm->nr_host_samples++] = min_t(u64, ns, UINT32_MAX);
}

int vm_apply(struct sim_vm *vm, const struct sim_event *ev)
{
	u64 steps = 0, event_no;
	int ret;

	event_no = __atomic_add_fetch(&vm->event_no, 1, __ATOMIC_RELAXED);
	vm_stat_inc(vm, events);
	if (ev_kind_is_host(ev->kind)) {
		/* One host thread at most: its counters are its own. */
		sim_phase = PHASE_HOST;
		vm->stats.host_events++;
		vm->event_ns = 0;
		s2_walk_steps = &steps;
		ret = vm_host_event(vm, ev);
		s2_walk_steps = NULL;
		vm->stats.walk_steps += steps;
		vm->stats.host_ns += vm->event_ns;
		host_sample(vm, vm->event_ns);
		sim_phase = PHASE_GUEST;
	} else {
		ret = guest_event(vm, ev);
	}
	if (vm->concurrent)
		return ret;
	if (!(event_no % RMAP_SAMPLE))
		vm_account_rmap(vm);
	if (vm->oracle) {
		oracle_check_tracking(vm->oracle);
		if (vm->cfg.audit_every && !(event_no % vm->cfg.audit_every))
			oracle_audit(vm->oracle);
	}
	return ret;
}

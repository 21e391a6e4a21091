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

/* After L1 changes a context's VTTBR, vCPUs running it look it up again. */
static void reload_ctx_vcpus(struct sim_vm *vm, int ctx)
{
	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++) {
		struct sim_vcpu *v = &vm->vcpus[i];

		if (v->ctx < 0 || (ctx >= 0 && v->ctx != ctx))
			continue;
		vm_put_hw_mmu(vm, v);
		vm_load_hw_mmu(vm, v);
	}
}

static int guest_event(struct sim_vm *vm, const struct sim_event *ev)
{
	struct sim_vcpu *v = vcpu_arg(vm, ev->vcpu);

	switch (ev->kind) {
	case EV_L2_ACCESS:
		if (!v || v->ctx < 0 ||
		    ev->addr >= l1_ctx_mem_size(vm->l1, v->ctx))
			return -EINVAL;
		return vm_l2_access(vm, v, ev->addr, ev->write);
	case EV_L1_ACCESS:
		return vm_l1_access(vm, ev->addr, ev->write);
	case EV_SWITCH:
		if (!v || (ev->ctx != -1 && !ctx_ok(vm, ev->ctx)))
			return -EINVAL;
		vm_put_hw_mmu(vm, v);
		v->ctx = ev->ctx;
		vm_load_hw_mmu(vm, v);
		return 0;
	case EV_VMID_ROLLOVER:
		l1_vmid_rollover(vm->l1);
		reload_ctx_vcpus(vm, -1);
		return 0;
	default:
		break;
	}

	if (!ctx_ok(vm, ev->ctx))
		return -EINVAL;
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
		reload_ctx_vcpus(vm, ev->ctx);
		break;
	default:
		return -EINVAL;
	}
	return 0;
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
	u64 steps = 0;
	int ret;

	vm->event_no++;
	vm->stats.events++;
	if (ev_kind_is_host(ev->kind)) {
		vm->phase = PHASE_HOST;
		vm->stats.host_events++;
		vm->event_ns = 0;
		s2_walk_steps = &steps;
		ret = vm_host_event(vm, ev);
		s2_walk_steps = NULL;
		vm->stats.walk_steps += steps;
		vm->stats.host_ns += vm->event_ns;
		host_sample(vm, vm->event_ns);
		vm->phase = PHASE_GUEST;
	} else {
		ret = guest_event(vm, ev);
	}
	if (!(vm->event_no % RMAP_SAMPLE))
		vm_account_rmap(vm);
	if (vm->oracle) {
		oracle_check_tracking(vm->oracle);
		if (vm->cfg.audit_every &&
		    !(vm->event_no % vm->cfg.audit_every))
			oracle_audit(vm->oracle);
	}
	return ret;
}

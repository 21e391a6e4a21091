// SPDX-License-Identifier: GPL-2.0
/* Nested MMU context lookup and round-robin recycling (nested.c model). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests.h"

#include "run.h"

static struct sim_vm vm;

static int setup(void **state)
{
	struct world_config wc;

	world_default(&wc);
	wc.vm.nr_vcpus = 1;		/* 2 nested MMUs */
	wc.vm.check = true;
	return world_create(&vm, &wc, &strategy_full);
}

static int teardown(void **state)
{
	world_destroy(&vm);
	return 0;
}

static void apply(struct sim_event ev)
{
	assert_int_equal(vm_apply(&vm, &ev), 0);
}

static void enter(int ctx)
{
	apply((struct sim_event){ .kind = EV_SWITCH, .vcpu = 0, .ctx = ctx });
}

static void touch(u64 addr)
{
	apply((struct sim_event){ .kind = EV_L2_ACCESS, .vcpu = 0,
				  .addr = addr, .write = true });
}

static void lookup_reuses_context(void **state)
{
	struct kvm_s2_mmu *first;

	enter(0);
	first = vm.vcpus[0].vcpu.arch.hw_mmu;
	assert_true(kvm_is_nested_s2_mmu(&vm.kvm, first));
	touch(0x1000);
	assert_int_equal(first->pgt->nr_leaves, 1);
	enter(-1);
	assert_int_equal(atomic_read(&first->refcnt), 0);
	enter(0);
	/* same VTTBR/VTCR: same MMU, mappings kept */
	assert_ptr_equal(vm.vcpus[0].vcpu.arch.hw_mmu, first);
	assert_int_equal(first->pgt->nr_leaves, 1);
	assert_int_equal(atomic_read(&first->refcnt), 1);
	assert_int_equal(vm.stats.recycles, 0);
}

static void third_context_recycles(void **state)
{
	struct kvm_s2_mmu *m0, *m1, *m2;

	enter(0);
	m0 = vm.vcpus[0].vcpu.arch.hw_mmu;
	touch(0x2000);
	enter(1);
	m1 = vm.vcpus[0].vcpu.arch.hw_mmu;
	touch(0x2000);
	assert_ptr_not_equal(m0, m1);
	assert_int_equal(vm.stats.recycles, 0);

	/* Two MMUs, a third context: round robin takes one back. */
	enter(2);
	m2 = vm.vcpus[0].vcpu.arch.hw_mmu;
	assert_true(m2 == m0 || m2 == m1);
	assert_int_equal(vm.stats.recycles, 1);
	assert_false(m2->pending_unmap);
	/* the previous context's mappings were unmapped before reuse */
	assert_int_equal(m2->pgt->nr_leaves, 0);
	assert_int_equal(vm.stats.full_mmu_unmaps, 1);
	assert_int_equal(get_vmid(m2->tlb_vttbr), 3);
	assert_int_equal(vm.stats.violations, 0);
}

static void vmid_rollover_reloads(void **state)
{
	struct l1_regs r;

	enter(0);
	touch(0x3000);
	apply((struct sim_event){ .kind = EV_VMID_ROLLOVER });
	l1_ctx_regs(vm.l1, 0, &r);
	assert_int_equal(vm.vcpus[0].vcpu.arch.hw_mmu->tlb_vttbr, r.vttbr);
	for (size_t i = 0; i < vm.kvm.arch.nested_mmus_size; i++)
		if (vm.kvm.arch.nested_mmus[i] != vm.vcpus[0].vcpu.arch.hw_mmu)
			assert_int_equal(vm.nested_pgt[i].nr_leaves, 0);
	assert_int_equal(vm.stats.violations, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(lookup_reuses_context, setup,
						teardown),
		cmocka_unit_test_setup_teardown(third_context_recycles, setup,
						teardown),
		cmocka_unit_test_setup_teardown(vmid_rollover_reloads, setup,
						teardown),
	};
	return nvrmap_run_tests(tests);
}

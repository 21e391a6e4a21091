/* SPDX-License-Identifier: GPL-2.0 */
/* Harness stand-in for <asm/kvm_pgtable.h>: what the nested code calls. */
#ifndef NVRMAP_SIM_ASM_KVM_PGTABLE_H
#define NVRMAP_SIM_ASM_KVM_PGTABLE_H

#include <linux/kvm_host.h>

#define KVM_PGTABLE_LAST_LEVEL	3

bool kvm_pgtable_stage2_test_clear_young(struct kvm_pgtable *pgt, u64 addr,
					 u64 size, bool mkold);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NVRMAP_SIM_HOST_EVENTS_H
#define NVRMAP_SIM_HOST_EVENTS_H

#include "vm.h"

/* __kvm_faultin_pfn: make the host page behind @ipa present. */
void host_fault_in(struct sim_vm *vm, struct memslot *s, u64 ipa, bool write);

#endif

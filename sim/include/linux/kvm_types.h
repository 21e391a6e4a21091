/* SPDX-License-Identifier: GPL-2.0 */
/* Harness stand-in for <linux/kvm_types.h>: the address types. */
#ifndef NVRMAP_SIM_LINUX_KVM_TYPES_H
#define NVRMAP_SIM_LINUX_KVM_TYPES_H

#include <linux/types.h>

typedef u64 gpa_t;
typedef u64 gfn_t;

#endif

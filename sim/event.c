// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "event.h"

static const char *const names[EV_NR_KINDS] = {
	[EV_L2_ACCESS] = "l2-access",
	[EV_L1_ACCESS] = "l1-access",
	[EV_SWITCH] = "switch",
	[EV_HOST_RECLAIM] = "host-reclaim",
	[EV_HOST_MIGRATE] = "host-migrate",
	[EV_HOST_KSM] = "host-ksm",
	[EV_HOST_THP_SPLIT] = "host-thp-split",
	[EV_HOST_THP_COLLAPSE] = "host-thp-collapse",
	[EV_HOST_NUMA] = "host-numa",
	[EV_HOST_DISCARD] = "host-discard",
	[EV_MEMSLOT_DELETE] = "memslot-delete",
	[EV_DIRTY_ENABLE] = "dirty-enable",
	[EV_DIRTY_CLEAR] = "dirty-clear",
	[EV_DIRTY_DISABLE] = "dirty-disable",
	[EV_AGE] = "age",
	[EV_L1_RECLAIM] = "l1-reclaim",
	[EV_L1_MIGRATE] = "l1-migrate",
	[EV_L1_KSM] = "l1-ksm",
	[EV_L1_THP_SPLIT] = "l1-thp-split",
	[EV_L1_THP_COLLAPSE] = "l1-thp-collapse",
	[EV_L1_RANGE_UNMAP] = "l1-range-unmap",
	[EV_L1_DIRTY_LOG] = "l1-dirty-log",
	[EV_L2_RESTART] = "l2-restart",
	[EV_VMID_ROLLOVER] = "vmid-rollover",
};

const char *ev_kind_name(enum ev_kind kind)
{
	return (unsigned int)kind < EV_NR_KINDS ? names[kind] : "?";
}

int ev_kind_parse(const char *name, enum ev_kind *kind)
{
	for (int k = 0; k < EV_NR_KINDS; k++) {
		if (!strcmp(name, names[k])) {
			*kind = k;
			return 0;
		}
	}
	return -EINVAL;
}

bool ev_kind_is_host(enum ev_kind kind)
{
	return kind >= EV_HOST_RECLAIM && kind <= EV_AGE;
}

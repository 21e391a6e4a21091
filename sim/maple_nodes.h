/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Memory of a maple tree, counted node by node. The allocator's global
 * figure (mt_get_alloc_size()) mixes every tree, lags behind kfree_rcu(),
 * and in the userspace shims misses the node that mt_destroy_walk() frees
 * with kfree(): it cannot say what one structure holds.
 */
#ifndef NVRMAP_SIM_MAPLE_NODES_H
#define NVRMAP_SIM_MAPLE_NODES_H

#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/maple_tree.h>

/* Nodes in @mt right now; takes the tree's lock. */
unsigned long maple_tree_nodes(struct maple_tree *mt);

static inline unsigned long maple_node_bytes(void)
{
	return sizeof(struct maple_node);
}

#endif

// SPDX-License-Identifier: GPL-2.0
#include "maple_nodes.h"

/*
 * Counting the nodes of one tree: visit its leaves left to right (a walk to
 * an index leaves the leaf in mas.node and its span in mas.min/max) and
 * climb from each leaf through the ancestors not met yet. The parent
 * encoding is the one <linux/maple_tree.h> documents: nodes are 256-byte
 * aligned, the low byte of ->parent carries the slot and type, and the
 * root's ->parent has bit 0 set.
 */
#define MT_ROOT_PARENT	1UL

static struct maple_node *enode_node(const struct maple_enode *enode)
{
	return (struct maple_node *)((unsigned long)enode & ~MAPLE_NODE_MASK);
}

static bool node_is_root(const struct maple_node *node)
{
	return (unsigned long)node->parent & MT_ROOT_PARENT;
}

static struct maple_node *node_parent(const struct maple_node *node)
{
	return (struct maple_node *)((unsigned long)node->parent &
				     ~MAPLE_NODE_MASK);
}

unsigned long maple_tree_nodes(struct maple_tree *mt)
{
	struct maple_node *seen[MAPLE_HEIGHT_MAX] = { NULL };
	unsigned long nodes = 0, index = 0;
	MA_STATE(mas, mt, 0, 0);

	mtree_lock(mt);
	for (;;) {
		struct maple_node *node;
		unsigned int h;

		mas_set(&mas, index);
		mas_walk(&mas);
		/* empty, or a lone entry at 0 kept in the root pointer */
		if (mas.status != ma_active)
			break;
		node = enode_node(mas.node);
		for (h = 0; h < MAPLE_HEIGHT_MAX && seen[h] != node; h++) {
			seen[h] = node;
			nodes++;
			if (node_is_root(node))
				break;
			node = node_parent(node);
		}
		if (mas.max == ULONG_MAX)
			break;
		index = mas.max + 1;
	}
	mtree_unlock(mt);
	return nodes;
}


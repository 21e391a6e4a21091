// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "strategy.h"

const struct rmap_strategy *const strategies[] = {
	&strategy_revmap,
	&strategy_full,
	&strategy_pagearray,
	&strategy_seed,
	NULL,
};

/* Found by name only: not a strategy to compare. */
static const struct rmap_strategy *const hidden[] = {
	&strategy_test_broken,
	NULL,
};

static const struct rmap_strategy *find_in(const struct rmap_strategy *const *list,
					   const char *name)
{
	for (int i = 0; list[i]; i++)
		if (!strcmp(list[i]->name, name))
			return list[i];
	return NULL;
}

const struct rmap_strategy *strategy_find(const char *name)
{
	return find_in(strategies, name) ?: find_in(hidden, name);
}

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

const struct rmap_strategy *strategy_find(const char *name)
{
	for (int i = 0; strategies[i]; i++)
		if (!strcmp(strategies[i]->name, name))
			return strategies[i];
	return NULL;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the libFuzzer targets share: the maple tree and RCU set up once
 * (as tests/tests.h does for cmocka), and a check that aborts, so that a
 * broken property is a crash libFuzzer keeps an input for.
 */
#ifndef NVRMAP_FUZZ_H
#define NVRMAP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "maple-shared.h"
#include <linux/maple_tree.h>

#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: %s: ", __FILE__,	\
				__LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

static inline void fuzz_setup(void)
{
	maple_tree_init();
	rcu_register_thread();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The semantics of the kernel's maple tree (lib/maple_tree.c, built from
 * the Debian linux-source-7.3 package) that the reverse maps rely on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tests.h"

#include "maple-shared.h"
#include <linux/maple_tree.h>
#include <linux/xarray.h>

static void *val(unsigned long v)
{
	return xa_mk_value(v);
}

/* After a hit, mas_find_range() reports the following gap as NULL. */
static void find_range_walks_gaps(void **state)
{
	DEFINE_MTREE(mt);
	MA_STATE(mas, &mt, 0, 0);
	void *e;

	assert_int_equal(mtree_store_range(&mt, 10, 19, val(1), GFP_KERNEL), 0);
	assert_int_equal(mtree_store_range(&mt, 30, 39, val(2), GFP_KERNEL), 0);

	mtree_lock(&mt);
	mas_set_range(&mas, 10, 100);
	e = mas_find_range(&mas, 100);
	assert_ptr_equal(e, val(1));
	assert_int_equal(mas.index, 10);
	assert_int_equal(mas.last, 19);

	e = mas_find_range(&mas, 100);
	assert_null(e);
	assert_int_equal(mas.index, 20);
	assert_int_equal(mas.last, 29);

	e = mas_find_range(&mas, 100);
	assert_ptr_equal(e, val(2));
	assert_int_equal(mas.index, 30);
	assert_int_equal(mas.last, 39);
	mtree_unlock(&mt);
	mtree_destroy(&mt);
}

/* A store over part of a range trims the old range; nothing overlaps. */
static void store_trims_partial_overlap(void **state)
{
	DEFINE_MTREE(mt);
	MA_STATE(mas, &mt, 15, 24);
	unsigned long index = 12;

	assert_int_equal(mtree_store_range(&mt, 10, 19, val(1), GFP_KERNEL), 0);
	mtree_lock(&mt);
	assert_int_equal(mas_store_gfp(&mas, val(3), GFP_KERNEL), 0);
	mtree_unlock(&mt);

	assert_ptr_equal(mt_find(&mt, &index, 100), val(1));
	assert_ptr_equal(mtree_load(&mt, 14), val(1));
	assert_ptr_equal(mtree_load(&mt, 15), val(3));
	assert_ptr_equal(mtree_load(&mt, 24), val(3));
	assert_null(mtree_load(&mt, 25));

	/* the old range now ends where the new one starts */
	mtree_lock(&mt);
	mas_set(&mas, 12);
	assert_ptr_equal(mas_walk(&mas), val(1));
	assert_int_equal(mas.index, 10);
	assert_int_equal(mas.last, 14);
	mtree_unlock(&mt);
	mtree_destroy(&mt);
}

/*
 * An allocation that may not reclaim fails when the harness's failure
 * injector fails the strategy call it is made in (alloc_fail.h), and the
 * maple tree reports it; outside such a call it succeeds.
 */
static void nowait_fails_when_injected(void **state)
{
	DEFINE_MTREE(mt);
	unsigned long i;
	int ret = 0;

	enter_failing(ALLOC_SITE_RECORD);
	/* enough ranges to need more than the root node */
	for (i = 0; i < 64 && !ret; i++)
		ret = mtree_store_range(&mt, i * 10, i * 10 + 5, val(i),
					GFP_NOWAIT);
	assert_int_equal(ret, -ENOMEM);
	leave_failing();
	mtree_destroy(&mt);

	for (i = 0; i < 64; i++)
		assert_int_equal(mtree_store_range(&mt, i * 10, i * 10 + 5,
						   val(i), GFP_NOWAIT), 0);
	/* what the tree holds stays readable while allocations fail */
	enter_failing(ALLOC_SITE_RECORD);
	for (i = 0; i < 64; i++)
		assert_ptr_equal(mtree_load(&mt, i * 10 + 3), val(i));
	leave_failing();
	mtree_destroy(&mt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find_range_walks_gaps),
		cmocka_unit_test(store_trims_partial_overlap),
		cmocka_unit_test(nowait_fails_when_injected),
	};
	return nvrmap_run_tests(tests);
}

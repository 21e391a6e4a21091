// SPDX-License-Identifier: GPL-2.0
/*
 * The atomic bit operations the harness gives kernel code: clear_bit()
 * must clear (tools/arch/x86's version toggles; sim/include/asm/atomic.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/bitops.h>

static void clear_bit_clears(void **state)
{
	unsigned long w[2] = { 0, 0 };

	clear_bit(3, w);
	assert_int_equal(w[0], 0);
	set_bit(3, w);
	set_bit(70, w);
	assert_int_equal(w[0], 1UL << 3);
	assert_int_equal(w[1], 1UL << 6);
	clear_bit(3, w);
	clear_bit(3, w);
	assert_int_equal(w[0], 0);
	assert_true(test_and_clear_bit(70, w));
	assert_false(test_and_clear_bit(70, w));
	assert_int_equal(w[1], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clear_bit_clears),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

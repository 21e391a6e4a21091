// SPDX-License-Identifier: GPL-2.0
/* liburcu for the harness (rcu.h). */
#include <urcu.h>

#include "rcu.h"

void memslots_read_lock(void)
{
	rcu_read_lock();
}

void memslots_read_unlock(void)
{
	rcu_read_unlock();
}

void memslots_synchronize(void)
{
	synchronize_rcu();
}

void sim_rcu_register_thread(void)
{
	rcu_register_thread();
}

void sim_rcu_unregister_thread(void)
{
	rcu_unregister_thread();
}

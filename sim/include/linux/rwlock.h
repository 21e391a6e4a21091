/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness stand-in for the kernel's rwlock_t, on a pthread rwlock, known to
 * the harness's lockdep (sim_lockdep.h): lockdep_assert_held() and
 * lockdep_assert_held_write() check that this thread holds the lock, and
 * the lock takes part in the lock-order checks like the spinlocks do.
 */
#ifndef NVRMAP_SIM_LINUX_RWLOCK_H
#define NVRMAP_SIM_LINUX_RWLOCK_H

#include <pthread.h>
#include <stdbool.h>

#include "sim_lockdep.h"

typedef struct {
	pthread_rwlock_t lock;
	struct sim_lock_class *cls;
} rwlock_t;

#define rwlock_init(l)							\
	do {								\
		static struct sim_lock_class __cls = { .name = #l };	\
		pthread_rwlock_init(&(l)->lock, NULL);			\
		(l)->cls = &__cls;					\
	} while (0)

static inline void __sim_read_lock(rwlock_t *l, const char *file, int line)
{
	sim_lock_acquire(l->cls, l, 0, true, file, line);
	pthread_rwlock_rdlock(&l->lock);
}

static inline void __sim_write_lock(rwlock_t *l, const char *file, int line)
{
	sim_lock_acquire(l->cls, l, 0, false, file, line);
	pthread_rwlock_wrlock(&l->lock);
}

static inline void __sim_rw_unlock(rwlock_t *l)
{
	pthread_rwlock_unlock(&l->lock);
	sim_lock_release(l);
}

#define read_lock(l)		__sim_read_lock(l, __FILE__, __LINE__)
#define write_lock(l)		__sim_write_lock(l, __FILE__, __LINE__)
#define read_unlock(l)		__sim_rw_unlock(l)
#define write_unlock(l)		__sim_rw_unlock(l)

#define lockdep_assert_held_write(l)					\
	do {								\
		if (!sim_lock_held_write_by_me(l))			\
			sim_lockdep_fail("held for write: " #l,		\
					 __FILE__, __LINE__);		\
	} while (0)

#define lockdep_assert_held(l)						\
	do {								\
		if (!sim_lock_held_by_me(l))				\
			sim_lockdep_fail("held: " #l, __FILE__, __LINE__); \
	} while (0)

#endif

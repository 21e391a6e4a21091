/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness stand-in for the kernel's spinlock_t, replacing the tools shim's
 * bare pthread mutex (tools/include/linux/spinlock.h, same API) with one
 * that lockdep can follow: every lock belongs to a class named after where
 * it was initialised, as a lock_class_key would, and every acquisition is
 * checked against the order seen so far (sim/lockdep.h). The maple tree
 * library is built against this header too, so the tree locks that the
 * reverse map takes are checked like its own.
 */
#ifndef __LINUX_SPINLOCK_H_
#define __LINUX_SPINLOCK_H_

#include <pthread.h>
#include <stdbool.h>

#include "sim_lockdep.h"

/* linux/lockdep.h's, which spin_lock_nested() callers expect with it. */
#ifndef SINGLE_DEPTH_NESTING
#define SINGLE_DEPTH_NESTING	1
#endif

typedef struct {
	pthread_mutex_t mutex;
	struct sim_lock_class *cls;	/* NULL: keyed by the lock's address */
} spinlock_t;

#define __SPIN_LOCK_UNLOCKED(x)						\
	(spinlock_t){ .mutex = PTHREAD_MUTEX_INITIALIZER, .cls = NULL }
#define DEFINE_SPINLOCK(x)	spinlock_t x = __SPIN_LOCK_UNLOCKED(x)

#define spin_lock_init(x)						\
	do {								\
		static struct sim_lock_class __cls = { .name = #x };	\
		pthread_mutex_init(&(x)->mutex, NULL);			\
		(x)->cls = &__cls;					\
	} while (0)

static inline void __sim_spin_lock(spinlock_t *l, unsigned int subclass,
				   const char *file, int line)
{
	sim_lock_acquire(l->cls, l, subclass, false, file, line);
	pthread_mutex_lock(&l->mutex);
}

static inline void __sim_spin_unlock(spinlock_t *l)
{
	pthread_mutex_unlock(&l->mutex);
	sim_lock_release(l);
}

#define spin_lock(x)		__sim_spin_lock(x, 0, __FILE__, __LINE__)
#define spin_lock_nested(x, subclass)					\
	__sim_spin_lock(x, subclass, __FILE__, __LINE__)
#define spin_unlock(x)			__sim_spin_unlock(x)
#define spin_lock_bh(x)			spin_lock(x)
#define spin_unlock_bh(x)		spin_unlock(x)
#define spin_lock_irq(x)		spin_lock(x)
#define spin_unlock_irq(x)		spin_unlock(x)
#define spin_lock_irqsave(x, f)		((void)(f), spin_lock(x))
#define spin_unlock_irqrestore(x, f)	((void)(f), spin_unlock(x))

static inline bool spin_is_locked(spinlock_t *l)
{
	return sim_lock_held_by_me(l);
}

#define assert_spin_locked(x)						\
	do {								\
		if (!sim_lock_held_by_me(x))				\
			sim_lockdep_fail("held: " #x, __FILE__, __LINE__); \
	} while (0)

/* Raw arch locks are below lockdep in the kernel too. */
#define arch_spinlock_t pthread_mutex_t
#define __ARCH_SPIN_LOCK_UNLOCKED PTHREAD_MUTEX_INITIALIZER

static inline void arch_spin_lock(arch_spinlock_t *mutex)
{
	pthread_mutex_lock(mutex);
}

static inline void arch_spin_unlock(arch_spinlock_t *mutex)
{
	pthread_mutex_unlock(mutex);
}

static inline bool arch_spin_is_locked(arch_spinlock_t *mutex)
{
	return true;
}

#endif

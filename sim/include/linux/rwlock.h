/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Harness stand-in for the kernel's rwlock_t, on a pthread rwlock. It also
 * remembers whether the lock is held and how, so that the harness can check
 * lockdep_assert_held()/lockdep_assert_held_write() the way lockdep would.
 */
#ifndef NVRMAP_SIM_LINUX_RWLOCK_H
#define NVRMAP_SIM_LINUX_RWLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <urcu/uatomic.h>

typedef struct {
	pthread_rwlock_t lock;
	int readers;		/* read holders right now */
	pthread_t writer;
	bool write_held;
} rwlock_t;

void sim_lockdep_fail(const char *what, const char *file, int line);

static inline void rwlock_init(rwlock_t *l)
{
	pthread_rwlock_init(&l->lock, NULL);
	l->readers = 0;
	l->write_held = false;
}

static inline void read_lock(rwlock_t *l)
{
	pthread_rwlock_rdlock(&l->lock);
	uatomic_inc(&l->readers);
}

static inline void read_unlock(rwlock_t *l)
{
	uatomic_dec(&l->readers);
	pthread_rwlock_unlock(&l->lock);
}

static inline void write_lock(rwlock_t *l)
{
	pthread_rwlock_wrlock(&l->lock);
	l->writer = pthread_self();
	l->write_held = true;
}

static inline void write_unlock(rwlock_t *l)
{
	l->write_held = false;
	pthread_rwlock_unlock(&l->lock);
}

static inline bool sim_rwlock_held_write(rwlock_t *l)
{
	return l->write_held && pthread_equal(l->writer, pthread_self());
}

/* A reader cannot be identified per thread cheaply; any holder counts. */
static inline bool sim_rwlock_held(rwlock_t *l)
{
	return sim_rwlock_held_write(l) || uatomic_read(&l->readers) > 0;
}

#define lockdep_assert_held_write(l)					\
	do {								\
		if (!sim_rwlock_held_write(l))				\
			sim_lockdep_fail("held for write: " #l,		\
					 __FILE__, __LINE__);		\
	} while (0)

#define lockdep_assert_held(l)						\
	do {								\
		if (!sim_rwlock_held(l))				\
			sim_lockdep_fail("held: " #l, __FILE__, __LINE__); \
	} while (0)

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small lockdep for the harness. Locks are grouped into classes (one per
 * initialisation site, or per address for statically initialised locks;
 * spin_lock_nested() subclasses are classes of their own, as in lockdep).
 * Each thread keeps the stack of locks it holds; taking a lock while
 * holding others records "held -> taken" edges, and an edge that closes a
 * cycle in the graph of all edges seen so far is reported before the lock
 * is taken: two threads following those paths could deadlock, whether or
 * not this run happened to interleave them.
 */
#ifndef NVRMAP_SIM_LOCKDEP_H
#define NVRMAP_SIM_LOCKDEP_H

#include <stdbool.h>

struct sim_lock_class {
	const char *name;
	int id;			/* 0 until first used */
};

void sim_lock_acquire(struct sim_lock_class *cls, const void *lock,
		      unsigned int subclass, bool read, const char *file,
		      int line);
void sim_lock_release(const void *lock);
bool sim_lock_held_by_me(const void *lock);
/* Held by this thread for write (an rwlock), or at all (a spinlock). */
bool sim_lock_held_write_by_me(const void *lock);

/* Reports a lock that is not held as asserted, then aborts. */
void sim_lockdep_fail(const char *what, const char *file, int line);

/*
 * How a finding is reported: by default it is printed and the process
 * aborts, as a lockdep splat stops a test kernel. Tests that show the
 * checker finds what it should install a handler instead.
 */
typedef void (*sim_lockdep_report_fn)(const char *msg);
void sim_lockdep_set_report(sim_lockdep_report_fn fn);

/* Whether a class was seen taken while another was held (test support). */
bool sim_lockdep_order_seen(const char *outer, const char *inner);
/* Forget every edge (between independent test cases). */
void sim_lockdep_reset(void);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The harness's lockdep (sim/include/sim_lockdep.h): classes, per-thread
 * held stacks and the graph of observed lock orders.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_lockdep.h"

#define MAX_CLASSES	64
#define MAX_SUBCLASS	4
#define MAX_NODES	(MAX_CLASSES * MAX_SUBCLASS)
#define MAX_HELD	16

struct held_lock {
	const void *lock;
	int node;
	bool read;
	const char *file;
	int line;
};

struct edge_site {
	const char *file;
	int line;
};

static pthread_mutex_t graph_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	const char *name;
	const void *key;	/* class, or lock address if unclassed */
} classes[MAX_CLASSES];
static int nr_classes;
/* edge[a][b]: b was taken while a was held; read without graph_lock. */
static bool edge[MAX_NODES][MAX_NODES];
static struct edge_site edge_at[MAX_NODES][MAX_NODES];

static __thread struct held_lock held[MAX_HELD];
static __thread int nr_held;

static void report_abort(const char *msg)
{
	fprintf(stderr, "lockdep: %s\n", msg);
	abort();
}

static sim_lockdep_report_fn report = report_abort;

void sim_lockdep_set_report(sim_lockdep_report_fn fn)
{
	__atomic_store_n(&report, fn ? fn : report_abort, __ATOMIC_RELEASE);
}

static void lockdep_report(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static void lockdep_report(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_load_n(&report, __ATOMIC_ACQUIRE)(msg);
}

void sim_lockdep_fail(const char *what, const char *file, int line)
{
	lockdep_report("lock not %s at %s:%d", what, file, line);
}

/* Class number of a key, registering it on first use; graph_lock held. */
static int class_of_locked(const void *key, const char *name)
{
	for (int i = 0; i < nr_classes; i++)
		if (classes[i].key == key)
			return i;
	if (nr_classes == MAX_CLASSES) {
		lockdep_report("more than %d lock classes", MAX_CLASSES);
		return 0;
	}
	classes[nr_classes].key = key;
	classes[nr_classes].name = name;
	return nr_classes++;
}

static int lock_node(struct sim_lock_class *cls, const void *lock,
		     unsigned int subclass)
{
	int id;

	if (subclass >= MAX_SUBCLASS) {
		lockdep_report("subclass %u out of range", subclass);
		subclass = 0;
	}
	/* The class id is cached in the class (ids start at 1 there). */
	id = cls ? __atomic_load_n(&cls->id, __ATOMIC_ACQUIRE) : 0;
	if (!id) {
		pthread_mutex_lock(&graph_lock);
		id = class_of_locked(cls ? (const void *)cls : lock,
				     cls ? cls->name : "static lock") + 1;
		if (cls)
			__atomic_store_n(&cls->id, id, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&graph_lock);
	}
	return (id - 1) * MAX_SUBCLASS + subclass;
}

static const char *node_name(int node, char *buf, size_t len)
{
	const char *name = classes[node / MAX_SUBCLASS].name;

	if (node % MAX_SUBCLASS)
		snprintf(buf, len, "%s/%d", name, node % MAX_SUBCLASS);
	else
		snprintf(buf, len, "%s", name);
	return buf;
}

/* Is @to reachable from @from along recorded edges? graph_lock held. */
static bool reachable(int from, int to, bool *seen)
{
	if (from == to)
		return true;
	seen[from] = true;
	for (int n = 0; n < MAX_NODES; n++)
		if (edge[from][n] && !seen[n] && reachable(n, to, seen))
			return true;
	return false;
}

static void add_edge(const struct held_lock *h, int node, const char *file,
		     int line)
{
	static bool seen[MAX_NODES];
	char a[96], b[96];

	pthread_mutex_lock(&graph_lock);
	if (!edge[h->node][node]) {
		memset(seen, 0, sizeof(seen));
		if (reachable(node, h->node, seen)) {
			const struct edge_site *s = &edge_at[node][h->node];

			lockdep_report("lock order inversion: %s taken at %s:%d while holding %s (taken at %s:%d); the reverse order was seen%s%s:%d",
				       node_name(node, a, sizeof(a)), file,
				       line, node_name(h->node, b, sizeof(b)),
				       h->file, h->line,
				       s->file ? " at " : " (through other locks)",
				       s->file ? s->file : "", s->line);
		}
		edge_at[h->node][node] = (struct edge_site){ file, line };
		__atomic_store_n(&edge[h->node][node], true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&graph_lock);
}

void sim_lock_acquire(struct sim_lock_class *cls, const void *lock,
		      unsigned int subclass, bool read, const char *file,
		      int line)
{
	int node = lock_node(cls, lock, subclass);
	char a[96];

	for (int i = 0; i < nr_held; i++) {
		if (held[i].node == node) {
			lockdep_report("recursive locking: %s taken at %s:%d, already held since %s:%d (missing nesting annotation?)",
				       node_name(node, a, sizeof(a)), file,
				       line, held[i].file, held[i].line);
			continue;
		}
		if (!__atomic_load_n(&edge[held[i].node][node],
				     __ATOMIC_ACQUIRE))
			add_edge(&held[i], node, file, line);
	}
	if (nr_held == MAX_HELD) {
		lockdep_report("more than %d locks held at %s:%d", MAX_HELD,
			       file, line);
		return;
	}
	held[nr_held++] = (struct held_lock){ lock, node, read, file, line };
}

static int held_index(const void *lock)
{
	for (int i = nr_held - 1; i >= 0; i--)
		if (held[i].lock == lock)
			return i;
	return -1;
}

void sim_lock_release(const void *lock)
{
	int i = held_index(lock);

	if (i < 0) {
		lockdep_report("releasing a lock this thread does not hold");
		return;
	}
	memmove(&held[i], &held[i + 1], (nr_held - i - 1) * sizeof(held[0]));
	nr_held--;
}

bool sim_lock_held_by_me(const void *lock)
{
	return held_index(lock) >= 0;
}

bool sim_lock_held_write_by_me(const void *lock)
{
	int i = held_index(lock);

	return i >= 0 && !held[i].read;
}

static bool name_is(int node, const char *name)
{
	char buf[96];

	return !strcmp(node_name(node, buf, sizeof(buf)), name);
}

bool sim_lockdep_order_seen(const char *outer, const char *inner)
{
	bool found = false;

	pthread_mutex_lock(&graph_lock);
	for (int a = 0; a < nr_classes * MAX_SUBCLASS && !found; a++)
		for (int b = 0; b < nr_classes * MAX_SUBCLASS && !found; b++)
			found = edge[a][b] && name_is(a, outer) &&
				name_is(b, inner);
	pthread_mutex_unlock(&graph_lock);
	return found;
}

void sim_lockdep_reset(void)
{
	pthread_mutex_lock(&graph_lock);
	memset(edge, 0, sizeof(edge));
	memset(edge_at, 0, sizeof(edge_at));
	pthread_mutex_unlock(&graph_lock);
}

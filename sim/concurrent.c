// SPDX-License-Identifier: GPL-2.0
/*
 * The concurrent harness (concurrent.h). Worker threads apply events of
 * their role with vm_apply(), the same entry the sequential runs use; what
 * makes that safe is the locking of the paths themselves (KVM's mmu_lock,
 * the invalidation sequence and retry, the memslot grace period) plus the
 * harness's own locks for its plain-memory stand-ins (vm.h). This file
 * only runs the threads, parks them for the oracle, and watches for
 * deadlock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc_fail.h"
#include "concurrent.h"
#include "rcu.h"

struct conc;

struct worker {
	struct conc *c;
	pthread_t thread;
	enum gen_role role;
	int vcpu;
	unsigned int index;	/* this thread's failure-injection stream */
	struct gen g;
	struct run_result res;	/* this thread's refusals and errors */
	u64 events;
	int last_kind;		/* for the deadlock report */
};

struct conc {
	struct sim_vm vm;
	struct worker *w;
	unsigned int nr;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool park;		/* workers stop between events */
	bool stop;
	unsigned int parked;
	u64 progress;		/* events completed, all workers */
};

static bool wait_if_parked(struct conc *c)
{
	bool stop;

	pthread_mutex_lock(&c->lock);
	if (c->park) {
		c->parked++;
		pthread_cond_broadcast(&c->cond);
		while (c->park)
			pthread_cond_wait(&c->cond, &c->lock);
		c->parked--;
	}
	stop = c->stop;
	pthread_mutex_unlock(&c->lock);
	return stop;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct conc *c = w->c;

	sim_rcu_register_thread();
	alloc_fail_thread_index(w->index);
	while (!wait_if_parked(c)) {
		struct sim_event ev;

		gen_next_role(&w->g, &ev, w->role, w->vcpu);
		__atomic_store_n(&w->last_kind, ev.kind, __ATOMIC_RELAXED);
		run_apply(&c->vm, &ev, &w->res);
		w->events++;
		__atomic_add_fetch(&c->progress, 1, __ATOMIC_RELAXED);
	}
	sim_rcu_unregister_thread();
	return NULL;
}

/* Every worker between two events; then let them go. */
static void park_all(struct conc *c)
{
	pthread_mutex_lock(&c->lock);
	c->park = true;
	while (c->parked < c->nr)
		pthread_cond_wait(&c->cond, &c->lock);
	pthread_mutex_unlock(&c->lock);
}

static void unpark_all(struct conc *c, bool stop)
{
	pthread_mutex_lock(&c->lock);
	c->park = false;
	c->stop = stop;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void quiescent_check(struct conc *c)
{
	struct sim_vm *vm = &c->vm;

	if (vm->oracle) {
		oracle_check_tracking(vm->oracle);
		oracle_audit(vm->oracle);
	}
	vm_account_rmap(vm);
}

static const char *const role_name[GEN_NR_ROLES] = {
	[GEN_VCPU] = "vcpu", [GEN_HOST] = "host", [GEN_L1] = "l1",
};

static void report_deadlock(struct conc *c, unsigned int stall_ms)
{
	fprintf(stderr, "concurrent: no event completed in %u ms: deadlock\n",
		stall_ms);
	for (unsigned int i = 0; i < c->nr; i++) {
		struct worker *w = &c->w[i];
		int kind = __atomic_load_n(&w->last_kind, __ATOMIC_RELAXED);

		fprintf(stderr, "  %s thread %u: %llu events, last %s\n",
			role_name[w->role], i, (unsigned long long)w->events,
			ev_kind_name(kind));
	}
	abort();
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	nanosleep(&ts, NULL);
}

/*
 * Let the workers run until @until_ns, parking them every quiesce_ms for
 * the oracle; abort if the event count stands still for stall_ms while
 * they run.
 */
static void supervise(struct conc *c, const struct conc_params *cp,
		      u64 until_ns, struct conc_result *res)
{
	u64 last_progress = 0, last_change = sim_now_ns();
	u64 next_check = last_change + cp->quiesce_ms * 1000000ULL;

	for (;;) {
		u64 t = sim_now_ns(), p;

		if (t >= until_ns)
			return;
		if (cp->quiesce_ms && t >= next_check) {
			park_all(c);
			quiescent_check(c);
			res->quiescent_checks++;
			unpark_all(c, false);
			next_check = sim_now_ns() + cp->quiesce_ms * 1000000ULL;
		}
		p = __atomic_load_n(&c->progress, __ATOMIC_RELAXED);
		if (p != last_progress) {
			last_progress = p;
			last_change = t;
		} else if (t - last_change > cp->stall_ms * 1000000ULL) {
			report_deadlock(c, cp->stall_ms);
		}
		sleep_ms(10);
	}
}

static void worker_init(struct conc *c, struct worker *w,
			const struct gen_params *gp, enum gen_role role,
			int vcpu, u64 seed)
{
	struct gen_params p = *gp;

	w->c = c;
	w->index = 1 + (w - c->w);
	w->role = role;
	w->vcpu = vcpu;
	p.seed = seed;
	gen_init(&w->g, &c->vm, &p);
}

static void merge_results(struct conc *c, struct conc_result *res)
{
	for (unsigned int i = 0; i < c->nr; i++) {
		struct worker *w = &c->w[i];

		res->run.errors += w->res.errors;
		res->run.vcpu_errors += w->res.vcpu_errors;
		if (w->role == GEN_VCPU)
			res->vcpu_events += w->events;
		else if (w->role == GEN_HOST)
			res->host_events += w->events;
		else
			res->l1_events += w->events;
	}
}

int conc_run(const struct world_config *wc, const struct gen_params *gp,
	     const struct rmap_strategy *strat, const struct conc_params *cp,
	     struct conc_result *res)
{
	struct conc *c = calloc(1, sizeof(*c));
	unsigned int nr_vcpus = wc->vm.nr_vcpus;
	u64 t0;
	int ret;

	if (!c)
		return -ENOMEM;
	ret = world_create(&c->vm, wc, strat);
	if (ret) {
		free(c);
		return ret;
	}
	c->vm.concurrent = true;
	c->nr = nr_vcpus + 2;
	c->w = calloc(c->nr, sizeof(*c->w));
	if (!c->w)
		abort();
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	for (unsigned int i = 0; i < nr_vcpus; i++)
		worker_init(c, &c->w[i], gp, GEN_VCPU, i, cp->seed * 131 + i);
	worker_init(c, &c->w[nr_vcpus], gp, GEN_HOST, -1, cp->seed * 131 + 64);
	worker_init(c, &c->w[nr_vcpus + 1], gp, GEN_L1, -1,
		    cp->seed * 131 + 65);

	*res = (struct conc_result){ .threads = c->nr };
	res->run.strategy = strat->name;
	t0 = sim_now_ns();
	for (unsigned int i = 0; i < c->nr; i++)
		if (pthread_create(&c->w[i].thread, NULL, worker_main,
				   &c->w[i]))
			abort();
	supervise(c, cp, t0 + (u64)(cp->seconds * 1e9), res);
	park_all(c);
	unpark_all(c, true);
	for (unsigned int i = 0; i < c->nr; i++)
		pthread_join(c->w[i].thread, NULL);
	res->run.seconds = (sim_now_ns() - t0) / 1e9;

	merge_results(c, res);
	run_finish(&c->vm, &res->run);
	res->quiescent_checks++;
	world_destroy(&c->vm);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->lock);
	free(c->w);
	free(c);
	return 0;
}

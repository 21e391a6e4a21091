// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure injection (sim/alloc_fail.h): the injector through
 * the wrapped shim allocator, on one thread and on several at once; then
 * every strategy with failures at one call site at a time and at all of
 * them, safe, and the reverse map falling back as docs/DESIGN.md says.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "tests.h"

#include <linux/slab.h>
#include <linux/xarray.h>

#include "world_runs.h"

#define ALL_SITES	NR_ALLOC_SITES	/* as a site index: every site */

/* @pct at @site (or at every site), 0 elsewhere. */
static void configure(int site, unsigned int pct, u64 seed)
{
	unsigned int rates[NR_ALLOC_SITES] = { 0 };

	for (int i = 0; i < NR_ALLOC_SITES; i++)
		if (site == ALL_SITES || site == i)
			rates[i] = pct;
	assert_int_equal(alloc_fail_configure(rates, seed), 0);
}

/* Does a non-blocking allocation fail in a call at @site right now? */
static bool nowait_fails_at(enum alloc_site site)
{
	void *p;

	alloc_site_enter(site);
	p = kmalloc(64, GFP_NOWAIT);
	alloc_site_exit();
	kfree(p);
	return !p;
}

static void counts(enum alloc_site site, struct alloc_site_counts *c)
{
	alloc_fail_counts(site, c);
}

static void rates_are_checked(void **state)
{
	unsigned int rates[NR_ALLOC_SITES] = { 0 };

	rates[ALLOC_SITE_WP] = 101;
	assert_int_equal(alloc_fail_configure(rates, 0), -EINVAL);
	for (int i = 0; i < NR_ALLOC_SITES; i++)
		assert_int_equal(alloc_site_find(alloc_site_names[i]), i);
	assert_int_equal(alloc_site_find("unmap"), -1);
}

/* 0%: nothing fails, whatever the entry point or the site. */
static void rate_0_never_fails(void **state)
{
	struct alloc_site_counts c;

	configure(ALL_SITES, 0, 1);
	for (int i = 0; i < NR_ALLOC_SITES; i++)
		for (int n = 0; n < 100; n++)
			assert_false(nowait_fails_at(i));
	for (int i = 0; i < NR_ALLOC_SITES; i++) {
		counts(i, &c);
		assert_int_equal(c.calls, 100);
		assert_int_equal(c.failing, 0);
		assert_int_equal(c.allocs, 100);
		assert_int_equal(c.failed, 0);
	}
}

/*
 * 100%: each wrapped entry point fails a non-blocking request the way the
 * real one fails (NULL, false, -ENOMEM); a refill that needs nothing new
 * still succeeds; and outside a bracket, everything succeeds.
 */
static void rate_100_always_fails(void **state)
{
	/* static: the shim cannot destroy a cache */
	static struct kmem_cache *cache;
	struct kmem_cache_args args = { .sheaf_capacity = 8 };
	struct alloc_site_counts c;
	struct slab_sheaf *sheaf;
	void *objs[4];

	cache = kmem_cache_create("test", 64, &args, 0);
	sheaf = kmem_cache_prefill_sheaf(cache, GFP_NOWAIT, 4);
	assert_non_null(sheaf);
	configure(ALL_SITES, 100, 1);
	for (int i = 0; i < NR_ALLOC_SITES; i++) {
		alloc_site_enter(i);
		assert_null(kmalloc(64, GFP_NOWAIT));
		assert_null(kmalloc_array(4, 64, GFP_ATOMIC));
		assert_null(kmem_cache_alloc(cache, GFP_NOWAIT));
		assert_false(kmem_cache_alloc_bulk(cache, GFP_NOWAIT, 4,
						   objs));
		assert_null(kmem_cache_prefill_sheaf(cache, GFP_NOWAIT, 2));
		assert_int_equal(kmem_cache_refill_sheaf(cache, GFP_NOWAIT,
							 &sheaf, 6), -ENOMEM);
		assert_int_equal(kmem_cache_refill_sheaf(cache, GFP_NOWAIT,
							 &sheaf, 4), 0);
		alloc_site_exit();
		counts(i, &c);
		assert_int_equal(c.calls, 1);
		assert_int_equal(c.failing, 1);
		assert_int_equal(c.allocs, 6);
		assert_int_equal(c.failed, 6);
	}
	/* not in a strategy call: setup, vm_init, tests by hand */
	kfree(kmalloc(64, GFP_NOWAIT));
	objs[0] = kmem_cache_alloc(cache, GFP_NOWAIT);
	assert_non_null(objs[0]);
	kmem_cache_free(cache, objs[0]);
	assert_int_equal(kmem_cache_refill_sheaf(cache, GFP_NOWAIT, &sheaf, 6),
			 0);
	kmem_cache_return_sheaf(cache, GFP_NOWAIT, sheaf);
	configure(ALL_SITES, 0, 0);
}

/*
 * A blocking allocation fails only at the top-up (GFP_KERNEL may fail
 * there in the kernel); elsewhere a failing call still gets it, as it
 * would after reclaim. __GFP_NOFAIL never fails.
 */
static void blocking_fails_only_at_topup(void **state)
{
	configure(ALL_SITES, 100, 1);
	for (int i = 0; i < NR_ALLOC_SITES; i++) {
		void *p, *q;

		alloc_site_enter(i);
		p = kzalloc(64, GFP_KERNEL);
		q = kmalloc(64, GFP_KERNEL | __GFP_NOFAIL);
		alloc_site_exit();
		assert_int_equal(!p, i == ALLOC_SITE_TOPUP);
		assert_non_null(q);
		kfree(p);
		kfree(q);
	}
	configure(ALL_SITES, 0, 0);
}

/* Failing only `record' fails nothing at the other sites. */
static void sites_are_isolated(void **state)
{
	struct alloc_site_counts c;

	for (int site = 0; site < NR_ALLOC_SITES; site++) {
		configure(site, 100, 3);
		for (int i = 0; i < NR_ALLOC_SITES; i++)
			assert_int_equal(nowait_fails_at(i), i == site);
		for (int i = 0; i < NR_ALLOC_SITES; i++) {
			counts(i, &c);
			assert_int_equal(c.failing, i == site);
			assert_int_equal(c.failed, i == site);
		}
	}
	configure(ALL_SITES, 0, 0);
}

#define DRAWS	400

/* Which of DRAWS calls at @site fail; returns how many did. */
static unsigned int pattern(enum alloc_site site, bool *out)
{
	unsigned int n = 0;

	for (int i = 0; i < DRAWS; i++)
		n += out[i] = nowait_fails_at(site);
	return n;
}

/*
 * One thread's decisions repeat from one configuration to the next with
 * the same seed, follow the rate, and do not depend on the other sites'
 * rates.
 */
static void stream_is_deterministic(void **state)
{
	static bool a[DRAWS], b[DRAWS];
	unsigned int n;

	alloc_fail_thread_index(0);
	configure(ALLOC_SITE_RECORD, 50, 42);
	n = pattern(ALLOC_SITE_RECORD, a);
	assert_in_range(n, DRAWS * 4 / 10, DRAWS * 6 / 10);
	configure(ALLOC_SITE_RECORD, 50, 42);
	pattern(ALLOC_SITE_RECORD, b);
	assert_memory_equal(a, b, sizeof(a));

	/* another seed, other decisions */
	configure(ALLOC_SITE_RECORD, 50, 43);
	pattern(ALLOC_SITE_RECORD, b);
	assert_memory_not_equal(a, b, sizeof(a));

	configure(ALLOC_SITE_RECORD, 10, 42);
	n = pattern(ALLOC_SITE_RECORD, a);
	assert_in_range(n, DRAWS / 20, DRAWS * 2 / 10);
	configure(ALL_SITES, 0, 0);
}

/* Calls at `record' between calls at `wp': which of the former fail. */
static void record_between_wp(unsigned int wp_pct, bool *out)
{
	unsigned int rates[NR_ALLOC_SITES] = { 0 };

	rates[ALLOC_SITE_RECORD] = 50;
	rates[ALLOC_SITE_WP] = wp_pct;
	assert_int_equal(alloc_fail_configure(rates, 5), 0);
	for (int i = 0; i < DRAWS; i++) {
		assert_int_equal(nowait_fails_at(ALLOC_SITE_WP), wp_pct == 100);
		out[i] = nowait_fails_at(ALLOC_SITE_RECORD);
	}
}

/* Every bracket draws: a site's decisions ignore the others' rates. */
static void sites_draw_alike(void **state)
{
	static bool a[DRAWS], b[DRAWS];

	record_between_wp(0, a);
	record_between_wp(100, b);
	assert_memory_equal(a, b, sizeof(a));
	configure(ALL_SITES, 0, 0);
}

struct thread_arg {
	unsigned int index;
	bool set_index;
	bool pattern[DRAWS];
};

static void *pattern_thread(void *p)
{
	struct thread_arg *t = p;

	if (t->set_index)
		alloc_fail_thread_index(t->index);
	pattern(ALLOC_SITE_UNMAP_NESTED, t->pattern);
	return NULL;
}

static void run_thread(struct thread_arg *t)
{
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, pattern_thread, t), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
}

/*
 * The state is the thread's: a thread of index 0 makes this thread's
 * decisions, one of another index others; brackets on another thread do
 * not affect this one.
 */
static void threads_have_own_streams(void **state)
{
	static struct thread_arg zero = { .index = 0, .set_index = true };
	static struct thread_arg one = { .index = 1, .set_index = true };
	static bool mine[DRAWS];

	alloc_fail_thread_index(0);
	configure(ALLOC_SITE_UNMAP_NESTED, 50, 7);
	pattern(ALLOC_SITE_UNMAP_NESTED, mine);

	configure(ALLOC_SITE_UNMAP_NESTED, 50, 7);
	run_thread(&zero);
	run_thread(&one);
	assert_memory_equal(zero.pattern, mine, sizeof(mine));
	assert_memory_not_equal(one.pattern, mine, sizeof(mine));
	/* this thread's stream restarted too, untouched by theirs */
	pattern(ALLOC_SITE_UNMAP_NESTED, zero.pattern);
	assert_memory_equal(zero.pattern, mine, sizeof(mine));
	configure(ALL_SITES, 0, 0);
}

#define NR_WORKERS	4
#define WORKER_CALLS	3000

struct worker {
	unsigned int index;
	pthread_t th;
	u64 calls[NR_ALLOC_SITES], failed[NR_ALLOC_SITES];
	u64 bad;	/* stores that failed in a call that was not failing */
};

/*
 * Strategy calls at every site in turn, each storing into the thread's
 * own maple tree (the shared node cache) and allocating with kmalloc().
 */
static void *worker(void *p)
{
	struct worker *w = p;
	DEFINE_MTREE(mt);

	rcu_register_thread();
	alloc_fail_thread_index(w->index);
	for (unsigned long i = 0; i < WORKER_CALLS; i++) {
		enum alloc_site site = (i + w->index) % NR_ALLOC_SITES;
		void *k;
		int ret;

		alloc_site_enter(site);
		k = kmalloc(32, GFP_NOWAIT);
		ret = mtree_store_range(&mt, i * 4, i * 4 + 1,
					xa_mk_value(i), GFP_NOWAIT);
		alloc_site_exit();
		/* cmocka asserts only on the test's thread */
		w->bad += k && ret;
		w->calls[site]++;
		w->failed[site] += !k;
		kfree(k);
	}
	mtree_destroy(&mt);
	rcu_unregister_thread();
	return NULL;
}

static void run_workers(struct worker *w)
{
	for (unsigned int i = 0; i < NR_WORKERS; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].index = i + 1;
		assert_int_equal(pthread_create(&w[i].th, NULL, worker, &w[i]),
				 0);
	}
	for (unsigned int i = 0; i < NR_WORKERS; i++) {
		assert_int_equal(pthread_join(w[i].th, NULL), 0);
		assert_int_equal(w[i].bad, 0);
	}
}

/*
 * Several threads at once, as the concurrent harness runs vCPUs: the
 * counters add up to what the threads saw, and each thread's decisions
 * are the same from run to run, whatever the interleaving.
 */
static void concurrent_threads_count_exactly(void **state)
{
	static struct worker w[NR_WORKERS], again[NR_WORKERS];
	struct alloc_site_counts c;

	configure(ALL_SITES, 30, 9);
	run_workers(w);
	for (int s = 0; s < NR_ALLOC_SITES; s++) {
		u64 calls = 0, failed = 0;

		for (int i = 0; i < NR_WORKERS; i++) {
			calls += w[i].calls[s];
			failed += w[i].failed[s];
		}
		counts(s, &c);
		assert_int_equal(c.calls, calls);
		assert_int_equal(c.failing, failed);
		assert_true(c.failed >= failed);
		assert_in_range(failed, calls / 5, calls * 2 / 5);
	}
	configure(ALL_SITES, 30, 9);
	run_workers(again);
	for (int i = 0; i < NR_WORKERS; i++)
		assert_memory_equal(w[i].failed, again[i].failed,
				    sizeof(w[i].failed));
	configure(ALL_SITES, 0, 0);
}

/* ---- every strategy with failures at each site ---- */

#define WORLD_EVENTS	10000

static u64 world_events(void)
{
	return events_from_env(100 * WORLD_EVENTS) / 100;
}

/* Where revmap allocates: it never does to write-protect or age. */
static const bool revmap_allocates[NR_ALLOC_SITES] = {
	[ALLOC_SITE_TOPUP] = true,
	[ALLOC_SITE_RECORD] = true,
	[ALLOC_SITE_UNMAP_CANONICAL] = true,
	[ALLOC_SITE_UNMAP_NESTED] = true,
	[ALLOC_SITE_UNMAP_MMU] = true,
};

static bool in(int site, int i)
{
	return site == ALL_SITES || site == i;
}

/*
 * The injector's counts after a run with failures at @site (or all) at
 * @pct: nothing injected where it was not asked for, and at 100% every
 * allocation that could fail did. Returns the allocations failed at
 * @site.
 */
static u64 check_counts(int site, unsigned int pct,
			struct alloc_site_counts c[NR_ALLOC_SITES])
{
	u64 failed = 0;

	for (int i = 0; i < NR_ALLOC_SITES; i++) {
		alloc_fail_counts(i, &c[i]);
		assert_true(c[i].failed <= c[i].allocs);
		if (!in(site, i))
			assert_int_equal(c[i].failing, 0);
		else if (pct == 100)
			assert_int_equal(c[i].failed, c[i].allocs);
		if (in(site, i))
			failed += c[i].failed;
	}
	return failed;
}

/*
 * revmap at 100% allocates at exactly the sites it should; failures of
 * its recording are counted and end in fallbacks. (At 10% and 50%, a
 * failed top-up is mostly made good by the next one before recording
 * needs what it lacked; and a site that allocates in a few calls only,
 * such as unmap_canonical, may see no failing one.)
 */
static void check_revmap(const struct run_result *r, int site,
			 unsigned int pct,
			 const struct alloc_site_counts c[NR_ALLOC_SITES],
			 u64 failed)
{
	assert_true(r->counters.fallbacks <= r->counters.failures);
	/* coverage: shortened runs (NVRMAP_TEST_EVENTS) may lack it */
	if (r->stats.events < WORLD_EVENTS)
		return;
	/* (with every site failing, nothing gets recorded to remove) */
	if (pct == 100 && site != ALL_SITES)
		assert_int_equal(!!c[site].allocs, revmap_allocates[site]);
	if (site == ALL_SITES || site == ALLOC_SITE_RECORD ||
	    (site == ALLOC_SITE_TOPUP && pct == 100)) {
		assert_true(failed > 0);
		assert_falls_back(r);
	}
}

/* Failures at @site (or all) at @pct on @mix, for every strategy. */
static void one_world(const char *mix, int site, unsigned int pct, u64 seed)
{
	for (int s = 0; strategies[s]; s++) {
		const struct rmap_strategy *strat = strategies[s];
		struct alloc_site_counts c[NR_ALLOC_SITES];
		struct world_config wc;
		struct gen_params gp;
		struct run_result r;
		u64 failed;

		assert_int_equal(gen_mix(mix, seed, &wc, &gp), 0);
		if (site == ALL_SITES)
			wc.vm.fail_pct = pct;
		else
			wc.vm.fail_site_pct[site] = pct;
		wc.vm.fail_seed = seed;
		r = run_checked(&wc, &gp, strat, world_events());
		failed = check_counts(site, pct, c);
		if (strat == &strategy_revmap || r.vcpu_errors)
			print_message("# %-11s %-9s %-15s %3u%%: allocs failed %6llu, failures %6llu, fallbacks %6llu, vcpu errors %llu\n",
				      mix, strat->name,
				      site == ALL_SITES ? "all" :
				      alloc_site_names[site], pct,
				      (unsigned long long)failed,
				      (unsigned long long)r.counters.failures,
				      (unsigned long long)r.counters.fallbacks,
				      (unsigned long long)r.vcpu_errors);
		/*
		 * The one way an injected failure fails a vCPU: a top-up that
		 * returns -ENOMEM (pagearray, as x86's memory caches do).
		 */
		if (strat != &strategy_pagearray)
			assert_int_equal(r.vcpu_errors, 0);
		assert_true(r.vcpu_errors <= c[ALLOC_SITE_TOPUP].failing);
		if (strat == &strategy_revmap)
			check_revmap(&r, site, pct, c, failed);
	}
}

static void world_runs(const char *mix, u64 seed)
{
	static const unsigned int pct[] = { 10, 50, 100 };

	for (int site = 0; site <= ALL_SITES; site++)
		for (int p = 0; p < 3; p++)
			one_world(mix, site, pct[p], seed + site * 3 + p);
}

static void default_mix(void **state)
{
	world_runs("default", 100);
}

static void alias_heavy_mix(void **state)
{
	world_runs("alias-heavy", 200);
}

/*
 * The optional object cache (alloc_fail.h): objects come back through it,
 * are counted in use as the shim counts them, sheaves work, failure
 * injection still decides first, threads exchange objects through the
 * depot, and nothing is left once it is disabled (LeakSanitizer in the
 * ASan build).
 */
#define CACHED_OBJS	600

static struct kmem_cache *cached;

static void *cache_thread(void *p)
{
	void *objs[CACHED_OBJS];

	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < CACHED_OBJS; i++) {
			objs[i] = kmem_cache_alloc(cached, GFP_KERNEL);
			assert_non_null(objs[i]);
			memset(objs[i], 0xa5, 48);
		}
		kmem_cache_free_bulk(cached, CACHED_OBJS / 2, objs);
		for (int i = CACHED_OBJS / 2; i < CACHED_OBJS; i++)
			kmem_cache_free(cached, objs[i]);
	}
	return p;
}

static void object_cache(void **state)
{
	struct kmem_cache_args args = { .sheaf_capacity = 8 };
	void *objs[CACHED_OBJS], *zero;
	struct slab_sheaf *sheaf;
	pthread_t t[2];

	cached = kmem_cache_create("cached", 48, &args, 0);
	assert_false(alloc_cache_enabled());
	alloc_cache_enable(48);
	assert_true(alloc_cache_enabled());
	for (int i = 0; i < CACHED_OBJS; i++)
		assert_non_null(objs[i] = kmem_cache_alloc(cached, GFP_KERNEL));
	assert_int_equal(cached->nr_allocated, CACHED_OBJS);
	for (int i = 0; i < CACHED_OBJS; i++)
		kmem_cache_free(cached, objs[i]);
	assert_int_equal(cached->nr_allocated, 0);
	assert_int_equal(alloc_cache_held(), CACHED_OBJS);

	/* served from the lists, zeroed on request */
	zero = kmem_cache_alloc(cached, GFP_KERNEL | __GFP_ZERO);
	for (int i = 0; i < 48; i++)
		assert_int_equal(((char *)zero)[i], 0);
	kmem_cache_free(cached, zero);
	assert_true(kmem_cache_alloc_bulk(cached, GFP_KERNEL, 100, objs));
	assert_int_equal(alloc_cache_held(), CACHED_OBJS - 100);
	kmem_cache_free_bulk(cached, 100, objs);

	/* sheaves: prefill, refill within and beyond capacity, return */
	sheaf = kmem_cache_prefill_sheaf(cached, GFP_NOWAIT, 4);
	assert_non_null(sheaf);
	assert_int_equal(kmem_cache_refill_sheaf(cached, GFP_NOWAIT, &sheaf,
						 8), 0);
	assert_int_equal(sheaf->size, 8);
	assert_int_equal(kmem_cache_refill_sheaf(cached, GFP_NOWAIT, &sheaf,
						 20), 0);
	assert_int_equal(sheaf->size, 20);
	assert_int_equal(cached->nr_allocated, 20);
	kmem_cache_return_sheaf(cached, GFP_NOWAIT, sheaf);
	assert_int_equal(cached->nr_allocated, 0);
	assert_int_equal(alloc_cache_held(), CACHED_OBJS);

	/* injection decides before the cache */
	configure(ALLOC_SITE_RECORD, 100, 1);
	alloc_site_enter(ALLOC_SITE_RECORD);
	assert_null(kmem_cache_alloc(cached, GFP_NOWAIT));
	assert_null(kmem_cache_prefill_sheaf(cached, GFP_NOWAIT, 2));
	alloc_site_exit();
	configure(ALL_SITES, 0, 0);

	/* threads: their lists go to the depot or die with them */
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, cache_thread,
						NULL), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(cached->nr_allocated, 0);

	alloc_cache_disable();
	assert_false(alloc_cache_enabled());
	assert_int_equal(alloc_cache_held(), 0);
	/* disabled: the shim's own behaviour */
	objs[0] = kmem_cache_alloc(cached, GFP_KERNEL);
	kmem_cache_free(cached, objs[0]);
	assert_int_equal(cached->nr_allocated, 0);
	assert_int_equal(alloc_cache_held(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rates_are_checked),
		cmocka_unit_test(rate_0_never_fails),
		cmocka_unit_test(rate_100_always_fails),
		cmocka_unit_test(blocking_fails_only_at_topup),
		cmocka_unit_test(sites_are_isolated),
		cmocka_unit_test(stream_is_deterministic),
		cmocka_unit_test(sites_draw_alike),
		cmocka_unit_test(threads_have_own_streams),
		cmocka_unit_test(concurrent_threads_count_exactly),
		cmocka_unit_test(object_cache),
		cmocka_unit_test(default_mix),
		cmocka_unit_test(alias_heavy_mix),
	};
	return nvrmap_run_tests(tests);
}

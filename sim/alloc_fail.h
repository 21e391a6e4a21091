/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Allocation failure injection, per strategy call site and thread-safe.
 *
 * The harness brackets every strategy call with alloc_site_enter(SITE) and
 * alloc_site_exit(). At enter, the calling thread draws from its own
 * splitmix64 stream whether this call fails, with the probability
 * configured for SITE. In a failing call, every allocation that may not
 * block (no __GFP_DIRECT_RECLAIM: GFP_NOWAIT, GFP_ATOMIC) fails, and at a
 * site whose blocking allocations may fail too (ALLOC_SITE_TOPUP: the
 * kernel's GFP_KERNEL can fail there) every allocation fails. Everything
 * else succeeds, and outside any bracket (setup, vm_init, tests calling
 * strategies by hand) every allocation succeeds.
 *
 * Why --wrap: the allocator is the kernel's tools/ shim (tools/lib/slab.c,
 * tools/testing/shared/linux.c), kernel code that this project reads from
 * the kernel tree and does not edit. The link (-Wl,--wrap=SYMBOL for each
 * entry point below, LDFLAGS in the top Makefile) sends every call from
 * another object to __wrap_SYMBOL here, which decides and then calls the
 * shim's own SYMBOL as __real_SYMBOL. Calls inside one shim object (the
 * sheaf functions filling a sheaf with kmem_cache_alloc_bulk()) are not
 * wrapped, and need not be: the wrapped entry point already decided.
 *
 * Why the gfp is widened: the shim fails a non-blocking allocation unless
 * the cache's non_kernel counter grants it, and that counter is a plain
 * field it decrements without a lock, a data race as soon as two threads
 * allocate. Passing on gfp | __GFP_DIRECT_RECLAIM keeps the shim away from
 * the counter altogether; whether a non-blocking allocation fails is
 * decided here instead, per thread. (In a kernel, non-blocking allocations
 * do succeed most of the time.)
 *
 * Determinism: a thread's stream restarts at every alloc_fail_configure()
 * from the configured seed and the thread's index, so that a run of one
 * thread makes the same decisions every time: same seed, same failures,
 * same results. Every bracket draws, whatever its site's rate, so a site's
 * decisions do not depend on the other sites' rates.
 *
 * Configuration is process-global and is meant to be set before the
 * threads that bracket calls start (vm_create() sets it from the VM's
 * vm_config); counters are atomics that any thread may read at any time.
 */
#ifndef NVRMAP_SIM_ALLOC_FAIL_H
#define NVRMAP_SIM_ALLOC_FAIL_H

#include <linux/types.h>

/* The strategy calls of the harness, named after their KVM call sites. */
enum alloc_site {
	ALLOC_SITE_TOPUP,		/* vcpu_topup: fault path, no lock */
	ALLOC_SITE_RECORD,		/* record: fault path, mmu_lock read */
	ALLOC_SITE_UNMAP_CANONICAL,	/* MMU notifier, memslot flush */
	ALLOC_SITE_UNMAP_NESTED,	/* guest TLBI of a range */
	ALLOC_SITE_UNMAP_MMU,		/* recycling, TLBI ALLE1 */
	ALLOC_SITE_WP,			/* dirty-log write-protect */
	ALLOC_SITE_AGE,			/* aging */
	NR_ALLOC_SITES,
};

/* "topup", "record", "unmap_canonical", ... as the CLI spells them. */
extern const char *const alloc_site_names[NR_ALLOC_SITES];

/* The site called @name, or -1. */
int alloc_site_find(const char *name);

/*
 * Calls at site i fail with probability @pct[i] percent (0 to 100); the
 * threads' streams restart from @seed and the counters from 0. Returns
 * -EINVAL, changing nothing, if a rate is above 100.
 */
int alloc_fail_configure(const unsigned int pct[NR_ALLOC_SITES], u64 seed);

/*
 * The calling thread's index in the stream seeding. A thread that never
 * sets one gets the next free index at its first bracket (the first thread
 * to bracket a call gets 0); threads that want the same decisions from run
 * to run set theirs before their first bracket.
 */
void alloc_fail_thread_index(unsigned int index);

/*
 * Around one strategy call: decide whether its allocations fail. Brackets
 * do not nest (a nested enter, or an exit outside a bracket, aborts).
 */
void alloc_site_enter(enum alloc_site site);
void alloc_site_exit(void);

struct alloc_site_counts {
	u64 calls;	/* brackets entered */
	u64 failing;	/* of those, calls whose allocations were to fail */
	/* allocations that could fail: non-blocking ones; at topup, all */
	u64 allocs;
	u64 failed;	/* of those, the ones that did */
};

/* Since the last alloc_fail_configure(). */
void alloc_fail_counts(enum alloc_site site, struct alloc_site_counts *c);

#endif

/*
 * Optional, for benchmarks: a per-thread object cache in front of the shim
 * allocator, standing in for the kernel's per-CPU sheaves and their barn.
 * The shim allocates every object of an aligned cache (the maple tree's
 * 256-byte nodes) with posix_memalign() and frees it with free(), and a
 * maple store preallocates its worst case in a freshly calloc'd sheaf that
 * it returns at the end: most of a store's time in userspace goes there.
 *
 * Once enabled for objects of @size bytes, the first kmem_cache of that
 * size without a constructor that the wrapped entry points see is served
 * from per-thread free lists (at most ALLOC_CACHE_PER_THREAD objects each)
 * backed by one global depot that threads exchange whole batches with
 * under a mutex (frees that come back through RCU callbacks land in the
 * RCU thread's list and reach the allocating threads through the depot),
 * and each thread keeps one spare sheaf. Objects are still counted in the
 * cache's nr_allocated while in use, and failure injection decides first,
 * as without the cache.
 *
 * The free side (kmem_cache_free, kmem_cache_free_bulk,
 * kmem_cache_return_sheaf) is wrapped only in the binaries linked with
 * ALLOC_CACHE_LDFLAGS (mk/nvrmap.mk: the benchmarks and test_alloc_fail);
 * elsewhere enabling the cache only changes where new objects come from.
 * Disabled (the default), every entry point behaves exactly as without it.
 *
 * alloc_cache_disable() frees the depot and the calling thread's list; the
 * lists of other threads are freed when they exit. Call it after an
 * rcu_barrier(), with no other thread allocating.
 */
#define ALLOC_CACHE_PER_THREAD	256

void alloc_cache_enable(size_t size);
void alloc_cache_disable(void);
bool alloc_cache_enabled(void);
/* Objects in the depot and the calling thread's list right now. */
unsigned long alloc_cache_held(void);

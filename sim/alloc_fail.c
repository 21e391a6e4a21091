// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure injection: the per-thread decision of alloc_fail.h
 * and the wrappers of the shim allocator's entry points (-Wl,--wrap=).
 * Shared state is read and written with the compiler's __atomic builtins,
 * which ThreadSanitizer understands (liburcu's x86 uatomic_*() are inline
 * assembly it cannot see).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/gfp.h>
#include <linux/slab.h>

#include "alloc_fail.h"

#define NO_SITE		(-1)

const char *const alloc_site_names[NR_ALLOC_SITES] = {
	[ALLOC_SITE_TOPUP] = "topup",
	[ALLOC_SITE_RECORD] = "record",
	[ALLOC_SITE_UNMAP_CANONICAL] = "unmap_canonical",
	[ALLOC_SITE_UNMAP_NESTED] = "unmap_nested",
	[ALLOC_SITE_UNMAP_MMU] = "unmap_mmu",
	[ALLOC_SITE_WP] = "wp",
	[ALLOC_SITE_AGE] = "age",
};

/* Sites where GFP_KERNEL allocations may fail as well. */
static const bool blocking_may_fail[NR_ALLOC_SITES] = {
	[ALLOC_SITE_TOPUP] = true,
};

/* Configuration: written by alloc_fail_configure(), read at every enter. */
static unsigned int rate[NR_ALLOC_SITES];
static u64 seed;
/* Bumped by each configuration; a thread reseeds when it sees a new one. */
static unsigned long generation = 1;
static unsigned int next_index;

/* One cache line per site: threads at different sites do not share. */
static struct {
	unsigned long calls, failing, allocs, failed;
} __aligned(64) counts[NR_ALLOC_SITES];

static __thread struct {
	int site;		/* NO_SITE outside a bracket */
	bool failing;
	bool has_index;
	unsigned int index;
	unsigned long generation;	/* of the configuration seeded from */
	u64 rng;
} self = { .site = NO_SITE };

#define load(p)		__atomic_load_n(p, __ATOMIC_RELAXED)
#define store(p, v)	__atomic_store_n(p, v, __ATOMIC_RELAXED)
#define count(p)	__atomic_fetch_add(p, 1, __ATOMIC_RELAXED)

/* splitmix64's output function */
static u64 mix64(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

int alloc_site_find(const char *name)
{
	for (int i = 0; i < NR_ALLOC_SITES; i++)
		if (!strcmp(name, alloc_site_names[i]))
			return i;
	return -1;
}

int alloc_fail_configure(const unsigned int pct[NR_ALLOC_SITES], u64 s)
{
	for (int i = 0; i < NR_ALLOC_SITES; i++)
		if (pct[i] > 100)
			return -EINVAL;
	for (int i = 0; i < NR_ALLOC_SITES; i++) {
		store(&rate[i], pct[i]);
		store(&counts[i].calls, 0);
		store(&counts[i].failing, 0);
		store(&counts[i].allocs, 0);
		store(&counts[i].failed, 0);
	}
	store(&seed, s);
	/* publishes the above to the threads that see the new generation */
	__atomic_fetch_add(&generation, 1, __ATOMIC_RELEASE);
	return 0;
}

void alloc_fail_thread_index(unsigned int index)
{
	self.index = index;
	self.has_index = true;
	self.generation = 0;	/* reseed at the next enter */
}

static void die(const char *fn, const char *what)
{
	fprintf(stderr, "alloc_fail: %s: %s\n", fn, what);
	abort();
}

void alloc_site_enter(enum alloc_site site)
{
	unsigned long gen = __atomic_load_n(&generation, __ATOMIC_ACQUIRE);

	if (self.site != NO_SITE)
		die(__func__, "nested in another bracket");
	if ((unsigned int)site >= NR_ALLOC_SITES)
		die(__func__, "unknown site");
	if (self.generation != gen) {
		if (!self.has_index) {
			self.index = __atomic_fetch_add(&next_index, 1,
							__ATOMIC_RELAXED);
			self.has_index = true;
		}
		/* index 0 draws from the seed itself; mix64(0) is 0 */
		self.rng = load(&seed) ^ mix64(self.index);
		self.generation = gen;
	}
	/* splitmix64 */
	self.failing = mix64(self.rng += 0x9e3779b97f4a7c15ULL) % 100 <
		       load(&rate[site]);
	self.site = site;
	count(&counts[site].calls);
	if (self.failing)
		count(&counts[site].failing);
}

void alloc_site_exit(void)
{
	if (self.site == NO_SITE)
		die(__func__, "outside a bracket");
	self.site = NO_SITE;
	self.failing = false;
}

void alloc_fail_counts(enum alloc_site site, struct alloc_site_counts *c)
{
	c->calls = load(&counts[site].calls);
	c->failing = load(&counts[site].failing);
	c->allocs = load(&counts[site].allocs);
	c->failed = load(&counts[site].failed);
}

/* Does the allocation the calling thread is about to make fail? */
static bool inject(gfp_t gfp)
{
	int site = self.site;

	if (site == NO_SITE || gfp & __GFP_NOFAIL)
		return false;
	if (gfp & __GFP_DIRECT_RECLAIM && !blocking_may_fail[site])
		return false;
	count(&counts[site].allocs);
	if (!self.failing)
		return false;
	count(&counts[site].failed);
	return true;
}

/* What the shim would do with a blocking request: never touch non_kernel. */
#define WIDE(gfp)	((gfp) | __GFP_DIRECT_RECLAIM)

/* The shim's own functions, as the linker names them under --wrap. */
void *__real_kmem_cache_alloc_lru(struct kmem_cache *cachep,
				  struct list_lru *lru, int flags);
bool __real_kmem_cache_alloc_bulk(struct kmem_cache *cachep, gfp_t gfp,
				  size_t size, void **list);
struct slab_sheaf *__real_kmem_cache_prefill_sheaf(struct kmem_cache *s,
						   gfp_t gfp,
						   unsigned int size);
int __real_kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
				   struct slab_sheaf **sheafp,
				   unsigned int size);
void *__real_kmalloc(size_t size, gfp_t gfp);
void *__real_kmalloc_array(size_t n, size_t size, gfp_t gfp);

/*
 * The free side, wrapped only where ALLOC_CACHE_LDFLAGS is linked in
 * (alloc_fail.h). Weak, so that the other binaries, which never call the
 * wrappers below, link without the real symbols' aliases.
 */
void __real_kmem_cache_free(struct kmem_cache *cachep, void *objp)
	__attribute__((weak));
void __real_kmem_cache_free_bulk(struct kmem_cache *cachep, size_t size,
				 void **list) __attribute__((weak));
void __real_kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp,
				    struct slab_sheaf *sheaf)
	__attribute__((weak));

/* The shim's count of objects in use, all caches (tools/testing/shared) */
extern int nr_allocated;

/*
 * The optional object cache (alloc_fail.h). A thread's free objects form a
 * list linked through their first word; the depot holds batches of
 * CACHE_BATCH objects, each a list whose first object links the next batch
 * through its second word.
 */
#define CACHE_BATCH		(ALLOC_CACHE_PER_THREAD / 2)
#define DEPOT_MAX_BATCHES	1024

static bool cache_on;
static size_t cache_size;
static struct kmem_cache *cache_of;	/* latched at first use */

static pthread_mutex_t depot_lock = PTHREAD_MUTEX_INITIALIZER;
static void *depot;
static unsigned long depot_batches;

static pthread_once_t cache_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t cache_key;

static __thread struct tcache {
	void *head;
	unsigned int nr;
	bool registered;
	struct slab_sheaf *spare;
} tc;

#define next_of(p)	(((void **)(p))[0])
#define batch_next(p)	(((void **)(p))[1])

static void free_list(void *head)
{
	while (head) {
		void *next = next_of(head);

		free(head);
		head = next;
	}
}

static void tcache_release(struct tcache *t)
{
	free_list(t->head);
	t->head = NULL;
	t->nr = 0;
	free(t->spare);
	t->spare = NULL;
}

/* pthread key destructor: an exiting thread's list goes back to libc. */
static void tcache_exit(void *arg)
{
	tcache_release(arg);
}

static void cache_key_create(void)
{
	if (pthread_key_create(&cache_key, tcache_exit))
		die(__func__, "pthread_key_create");
}

static void tcache_register(void)
{
	if (tc.registered)
		return;
	pthread_once(&cache_key_once, cache_key_create);
	pthread_setspecific(cache_key, &tc);
	tc.registered = true;
}

/* Is @c the cache served from the free lists? */
static bool served(struct kmem_cache *c)
{
	struct kmem_cache *l;

	if (!__atomic_load_n(&cache_on, __ATOMIC_ACQUIRE))
		return false;
	l = __atomic_load_n(&cache_of, __ATOMIC_ACQUIRE);
	if (l)
		return l == c;
	if (c->size != load(&cache_size) || c->ctor || c->size < 2 * sizeof(void *))
		return false;
	__atomic_compare_exchange_n(&cache_of, &l, c, false, __ATOMIC_ACQ_REL,
				    __ATOMIC_ACQUIRE);
	return __atomic_load_n(&cache_of, __ATOMIC_ACQUIRE) == c;
}

static void account(struct kmem_cache *c, int n)
{
	__atomic_fetch_add(&c->nr_allocated, (long)n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&nr_allocated, n, __ATOMIC_RELAXED);
	if (n > 0)
		__atomic_fetch_add(&c->nr_tallocated, n, __ATOMIC_RELAXED);
}

static void *tc_pop(void)
{
	void *p;

	if (!tc.nr) {
		pthread_mutex_lock(&depot_lock);
		p = depot;
		if (p) {
			depot = batch_next(p);
			depot_batches--;
		}
		pthread_mutex_unlock(&depot_lock);
		if (!p)
			return NULL;
		tcache_register();
		tc.head = p;
		tc.nr = CACHE_BATCH;
	}
	p = tc.head;
	tc.head = next_of(p);
	tc.nr--;
	return p;
}

static void tc_push(void *p)
{
	void *batch, *last;

	tcache_register();
	next_of(p) = tc.head;
	tc.head = p;
	if (++tc.nr < ALLOC_CACHE_PER_THREAD)
		return;
	/* full: the first CACHE_BATCH objects go to the depot, or to libc */
	batch = last = tc.head;
	for (unsigned int i = 1; i < CACHE_BATCH; i++)
		last = next_of(last);
	tc.head = next_of(last);
	tc.nr -= CACHE_BATCH;
	next_of(last) = NULL;
	pthread_mutex_lock(&depot_lock);
	if (depot_batches < DEPOT_MAX_BATCHES) {
		batch_next(batch) = depot;
		depot = batch;
		depot_batches++;
		batch = NULL;
	}
	pthread_mutex_unlock(&depot_lock);
	free_list(batch);
}

static void cache_free(struct kmem_cache *c, void *p)
{
	account(c, -1);
	tc_push(p);
}

/* As kmem_cache_alloc_bulk(), from the lists first; failure already decided. */
static bool cache_alloc_bulk(struct kmem_cache *c, gfp_t gfp, size_t n,
			     void **list)
{
	size_t k = 0;

	while (k < n && (list[k] = tc_pop()))
		k++;
	if (k < n && !__real_kmem_cache_alloc_bulk(c, WIDE(gfp), n - k,
						    list + k)) {
		while (k)
			tc_push(list[--k]);
		return false;
	}
	account(c, k);
	if (gfp & __GFP_ZERO)
		for (size_t i = 0; i < k; i++)
			memset(list[i], 0, c->size);
	return true;
}

static void cache_return_sheaf(struct kmem_cache *s, struct slab_sheaf *sheaf)
{
	for (unsigned int i = 0; i < sheaf->size; i++)
		cache_free(s, sheaf->objects[i]);
	if (!tc.spare && sheaf->capacity == s->sheaf_capacity) {
		tcache_register();
		tc.spare = sheaf;
	} else {
		free(sheaf);
	}
}

static struct slab_sheaf *cache_prefill_sheaf(struct kmem_cache *s, gfp_t gfp,
					      unsigned int size)
{
	unsigned int capacity = size > s->sheaf_capacity ? size :
							 s->sheaf_capacity;
	struct slab_sheaf *sheaf;

	if (tc.spare && tc.spare->capacity >= capacity) {
		sheaf = tc.spare;
		tc.spare = NULL;
		capacity = sheaf->capacity;
	} else {
		sheaf = calloc(1, sizeof(*sheaf) + sizeof(void *) * capacity);
		if (!sheaf)
			return NULL;
	}
	sheaf->cache = s;
	sheaf->capacity = capacity;
	sheaf->size = 0;
	if (!cache_alloc_bulk(s, gfp, size, sheaf->objects)) {
		cache_return_sheaf(s, sheaf);
		return NULL;
	}
	sheaf->size = size;
	return sheaf;
}

void alloc_cache_enable(size_t size)
{
	store(&cache_size, size);
	__atomic_store_n(&cache_on, true, __ATOMIC_RELEASE);
}

void alloc_cache_disable(void)
{
	void *batches;

	__atomic_store_n(&cache_on, false, __ATOMIC_RELEASE);
	__atomic_store_n(&cache_of, NULL, __ATOMIC_RELEASE);
	tcache_release(&tc);
	pthread_mutex_lock(&depot_lock);
	batches = depot;
	depot = NULL;
	depot_batches = 0;
	pthread_mutex_unlock(&depot_lock);
	while (batches) {
		void *next = batch_next(batches);

		free_list(batches);
		batches = next;
	}
}

bool alloc_cache_enabled(void)
{
	return __atomic_load_n(&cache_on, __ATOMIC_ACQUIRE);
}

unsigned long alloc_cache_held(void)
{
	unsigned long n;

	pthread_mutex_lock(&depot_lock);
	n = depot_batches * CACHE_BATCH;
	pthread_mutex_unlock(&depot_lock);
	return n + tc.nr;
}

void *__wrap_kmem_cache_alloc_lru(struct kmem_cache *cachep,
				  struct list_lru *lru, int flags)
{
	void *p;

	if (inject(flags))
		return NULL;
	if (served(cachep) && (p = tc_pop())) {
		account(cachep, 1);
		if (flags & __GFP_ZERO)
			memset(p, 0, cachep->size);
		return p;
	}
	return __real_kmem_cache_alloc_lru(cachep, lru, WIDE(flags));
}

bool __wrap_kmem_cache_alloc_bulk(struct kmem_cache *cachep, gfp_t gfp,
				  size_t size, void **list)
{
	if (inject(gfp))
		return false;
	if (served(cachep))
		return cache_alloc_bulk(cachep, gfp, size, list);
	return __real_kmem_cache_alloc_bulk(cachep, WIDE(gfp), size, list);
}

struct slab_sheaf *__wrap_kmem_cache_prefill_sheaf(struct kmem_cache *s,
						   gfp_t gfp,
						   unsigned int size)
{
	if (inject(gfp))
		return NULL;
	if (served(s))
		return cache_prefill_sheaf(s, gfp, size);
	return __real_kmem_cache_prefill_sheaf(s, WIDE(gfp), size);
}

int __wrap_kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
				   struct slab_sheaf **sheafp,
				   unsigned int size)
{
	struct slab_sheaf *sheaf = *sheafp;

	/* A sheaf that holds enough already needs no allocation. */
	if (sheaf->size < size && inject(gfp))
		return -ENOMEM;
	if (!served(s))
		return __real_kmem_cache_refill_sheaf(s, WIDE(gfp), sheafp,
						      size);
	/* as the shim's kmem_cache_refill_sheaf(), from the lists */
	if (sheaf->size >= size)
		return 0;
	if (size > sheaf->capacity) {
		sheaf = cache_prefill_sheaf(s, gfp, size);
		if (!sheaf)
			return -ENOMEM;
		cache_return_sheaf(s, *sheafp);
		*sheafp = sheaf;
		return 0;
	}
	if (!cache_alloc_bulk(s, gfp, size - sheaf->size,
			      &sheaf->objects[sheaf->size]))
		return -ENOMEM;
	sheaf->size = size;
	return 0;
}

void __wrap_kmem_cache_free(struct kmem_cache *cachep, void *objp)
{
	if (served(cachep))
		cache_free(cachep, objp);
	else
		__real_kmem_cache_free(cachep, objp);
}

void __wrap_kmem_cache_free_bulk(struct kmem_cache *cachep, size_t size,
				 void **list)
{
	if (!served(cachep)) {
		__real_kmem_cache_free_bulk(cachep, size, list);
		return;
	}
	for (size_t i = 0; i < size; i++)
		cache_free(cachep, list[i]);
}

void __wrap_kmem_cache_return_sheaf(struct kmem_cache *s, gfp_t gfp,
				    struct slab_sheaf *sheaf)
{
	if (served(s))
		cache_return_sheaf(s, sheaf);
	else
		__real_kmem_cache_return_sheaf(s, gfp, sheaf);
}

void *__wrap_kmalloc(size_t size, gfp_t gfp)
{
	if (inject(gfp))
		return NULL;
	return __real_kmalloc(size, WIDE(gfp));
}

void *__wrap_kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	if (inject(gfp))
		return NULL;
	return __real_kmalloc_array(n, size, WIDE(gfp));
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure injection: the per-thread decision of alloc_fail.h
 * and the wrappers of the shim allocator's entry points (-Wl,--wrap=).
 * Shared state is read and written with the compiler's __atomic builtins,
 * which ThreadSanitizer understands (liburcu's x86 uatomic_*() are inline
 * assembly it cannot see).
 */
#include <errno.h>
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

void *__wrap_kmem_cache_alloc_lru(struct kmem_cache *cachep,
				  struct list_lru *lru, int flags)
{
	if (inject(flags))
		return NULL;
	return __real_kmem_cache_alloc_lru(cachep, lru, WIDE(flags));
}

bool __wrap_kmem_cache_alloc_bulk(struct kmem_cache *cachep, gfp_t gfp,
				  size_t size, void **list)
{
	if (inject(gfp))
		return false;
	return __real_kmem_cache_alloc_bulk(cachep, WIDE(gfp), size, list);
}

struct slab_sheaf *__wrap_kmem_cache_prefill_sheaf(struct kmem_cache *s,
						   gfp_t gfp,
						   unsigned int size)
{
	if (inject(gfp))
		return NULL;
	return __real_kmem_cache_prefill_sheaf(s, WIDE(gfp), size);
}

int __wrap_kmem_cache_refill_sheaf(struct kmem_cache *s, gfp_t gfp,
				   struct slab_sheaf **sheafp,
				   unsigned int size)
{
	/* A sheaf that holds enough already needs no allocation. */
	if ((*sheafp)->size < size && inject(gfp))
		return -ENOMEM;
	return __real_kmem_cache_refill_sheaf(s, WIDE(gfp), sheafp, size);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * Sparse L1 memory: an open-addressed (linear probing) hash table from page
 * frame number to a 4 KiB page of contents.
 *
 * Linear probing with backward-shift deletion keeps lookups to a couple of
 * adjacent slots at load <= 1/2 and needs no tombstones, which matters
 * because pages come and go constantly: every page tracks how many of its
 * words are non-zero and is freed the moment that drops to zero, so
 * clearing descriptors gives the backing back without a separate scan.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "l1_mem.h"

#define L1_PAGE_WORDS		(L1_MEM_PAGE_SIZE / sizeof(u64))
#define L1_MIN_SLOTS_SHIFT	6

struct l1_page {
	unsigned int nonzero;
	u64 word[L1_PAGE_WORDS];
};

struct l1_slot {
	u64 pfn;
	struct l1_page *page;	/* NULL marks an empty slot */
};

/* Inclusive end, so a range may reach the very top of the address space. */
struct l1_range {
	u64 base;
	u64 last;
};

struct l1_mem {
	struct l1_slot *slots;
	unsigned int shift;
	size_t nr_pages;
	unsigned int nr_ranges;
	struct l1_range ranges[L1_MEM_MAX_RANGES];
};

static inline size_t l1_nr_slots(const struct l1_mem *mem)
{
	return (size_t)1 << mem->shift;
}

/* Fibonacci hashing: page numbers are dense runs, so spread the top bits. */
static inline size_t l1_hash(u64 pfn, unsigned int shift)
{
	return (size_t)((pfn * 0x9e3779b97f4a7c15ULL) >> (64 - shift));
}

/* Slot holding pfn, or the empty slot where it would be inserted. */
static size_t l1_probe(const struct l1_mem *mem, u64 pfn)
{
	size_t mask = l1_nr_slots(mem) - 1;
	size_t i = l1_hash(pfn, mem->shift);

	while (mem->slots[i].page && mem->slots[i].pfn != pfn)
		i = (i + 1) & mask;
	return i;
}

static struct l1_page *l1_find_page(const struct l1_mem *mem, u64 pfn)
{
	return mem->slots[l1_probe(mem, pfn)].page;
}

static int l1_grow(struct l1_mem *mem)
{
	unsigned int old_shift = mem->shift, new_shift = old_shift + 1;
	struct l1_slot *old = mem->slots, *new;
	size_t i;

	new = calloc((size_t)1 << new_shift, sizeof(*new));
	if (!new)
		return -ENOMEM;

	mem->slots = new;
	mem->shift = new_shift;
	for (i = 0; i < ((size_t)1 << old_shift); i++) {
		if (old[i].page)
			new[l1_probe(mem, old[i].pfn)] = old[i];
	}
	free(old);
	return 0;
}

/*
 * Empty slot i, then pull later members of its probe run back into the
 * hole so that every remaining entry stays reachable from its home slot.
 */
static void l1_remove_slot(struct l1_mem *mem, size_t i)
{
	size_t mask = l1_nr_slots(mem) - 1;
	size_t j = i;

	free(mem->slots[i].page);
	mem->slots[i].page = NULL;
	mem->nr_pages--;

	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!mem->slots[j].page)
			break;
		home = l1_hash(mem->slots[j].pfn, mem->shift);
		/* Movable unless its home lies cyclically in (i, j]. */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			mem->slots[i] = mem->slots[j];
			mem->slots[j].page = NULL;
			i = j;
		}
	}
}

struct l1_mem *l1_mem_create(void)
{
	struct l1_mem *mem = calloc(1, sizeof(*mem));

	if (!mem)
		return NULL;
	mem->shift = L1_MIN_SLOTS_SHIFT;
	mem->slots = calloc(l1_nr_slots(mem), sizeof(*mem->slots));
	if (!mem->slots) {
		free(mem);
		return NULL;
	}
	return mem;
}

void l1_mem_destroy(struct l1_mem *mem)
{
	size_t i;

	if (!mem)
		return;
	for (i = 0; i < l1_nr_slots(mem); i++)
		free(mem->slots[i].page);
	free(mem->slots);
	free(mem);
}

int l1_mem_add_ram(struct l1_mem *mem, u64 base, u64 size)
{
	u64 last;
	unsigned int i;

	if (!size || (base | size) & (L1_MEM_PAGE_SIZE - 1))
		return -EINVAL;
	if (size - 1 > ~0ULL - base)
		return -EINVAL;
	last = base + size - 1;

	for (i = 0; i < mem->nr_ranges; i++) {
		if (base <= mem->ranges[i].last && last >= mem->ranges[i].base)
			return -EEXIST;
	}
	if (mem->nr_ranges == L1_MEM_MAX_RANGES)
		return -ENOSPC;

	mem->ranges[mem->nr_ranges].base = base;
	mem->ranges[mem->nr_ranges].last = last;
	mem->nr_ranges++;
	return 0;
}

static const struct l1_range *l1_find_range(const struct l1_mem *mem, u64 ipa)
{
	unsigned int i;

	for (i = 0; i < mem->nr_ranges; i++) {
		if (ipa >= mem->ranges[i].base && ipa <= mem->ranges[i].last)
			return &mem->ranges[i];
	}
	return NULL;
}

bool l1_mem_is_ram(const struct l1_mem *mem, u64 ipa)
{
	return l1_find_range(mem, ipa);
}

bool l1_mem_range_is_ram(const struct l1_mem *mem, u64 base, u64 size)
{
	u64 last, cur = base;

	if (!size)
		return true;
	if (size - 1 > ~0ULL - base)
		return false;
	last = base + size - 1;

	/* Ranges may abut, so hop from one to the next. */
	for (;;) {
		const struct l1_range *r = l1_find_range(mem, cur);

		if (!r)
			return false;
		if (r->last >= last)
			return true;
		cur = r->last + 1;
	}
}

static int l1_check_access(const struct l1_mem *mem, u64 ipa)
{
	if (ipa & 7)
		return -EINVAL;
	if (!l1_find_range(mem, ipa))
		return -EFAULT;
	return 0;
}

static inline size_t l1_word_index(u64 ipa)
{
	return (ipa >> 3) & (L1_PAGE_WORDS - 1);
}

int l1_mem_read64(const struct l1_mem *mem, u64 ipa, u64 *val)
{
	const struct l1_page *pg;
	int ret;

	ret = l1_check_access(mem, ipa);
	if (ret)
		return ret;

	pg = l1_find_page(mem, ipa >> L1_MEM_PAGE_SHIFT);
	*val = pg ? pg->word[l1_word_index(ipa)] : 0;
	return 0;
}

/* Caller has checked the access. */
static int l1_store(struct l1_mem *mem, u64 ipa, u64 val)
{
	u64 pfn = ipa >> L1_MEM_PAGE_SHIFT;
	size_t w = l1_word_index(ipa);
	size_t i = l1_probe(mem, pfn);
	struct l1_page *pg = mem->slots[i].page;
	u64 old;

	if (!pg) {
		/* Absent pages already read as zero. */
		if (!val)
			return 0;
		if ((mem->nr_pages + 1) * 2 > l1_nr_slots(mem)) {
			if (l1_grow(mem))
				return -ENOMEM;
			i = l1_probe(mem, pfn);
		}
		pg = calloc(1, sizeof(*pg));
		if (!pg)
			return -ENOMEM;
		mem->slots[i].pfn = pfn;
		mem->slots[i].page = pg;
		mem->nr_pages++;
	}

	old = pg->word[w];
	pg->word[w] = val;
	if (!old && val) {
		pg->nonzero++;
	} else if (old && !val) {
		if (!--pg->nonzero)
			l1_remove_slot(mem, i);
	}
	return 0;
}

int l1_mem_write64(struct l1_mem *mem, u64 ipa, u64 val)
{
	int ret = l1_check_access(mem, ipa);

	if (ret)
		return ret;
	return l1_store(mem, ipa, val);
}

int l1_mem_cmpxchg64(struct l1_mem *mem, u64 ipa, u64 old, u64 new)
{
	u64 cur;
	int ret;

	ret = l1_mem_read64(mem, ipa, &cur);
	if (ret)
		return ret;
	if (cur != old)
		return -EAGAIN;
	return l1_store(mem, ipa, new);
}

/* Zero words [first, last] of one page; frees it if that empties it. */
static void l1_zero_words(struct l1_mem *mem, u64 pfn, size_t first,
			  size_t last)
{
	size_t i = l1_probe(mem, pfn);
	struct l1_page *pg = mem->slots[i].page;
	size_t w;

	if (!pg)
		return;
	for (w = first; w <= last; w++) {
		if (pg->word[w]) {
			pg->word[w] = 0;
			pg->nonzero--;
		}
	}
	if (!pg->nonzero)
		l1_remove_slot(mem, i);
}

/* Drop every page in [first_pfn, last_pfn], whichever way is cheaper. */
static void l1_drop_pages(struct l1_mem *mem, u64 first_pfn, u64 last_pfn)
{
	size_t i;

	if (last_pfn - first_pfn < l1_nr_slots(mem)) {
		u64 pfn = first_pfn;

		do {
			i = l1_probe(mem, pfn);
			if (mem->slots[i].page)
				l1_remove_slot(mem, i);
		} while (pfn++ != last_pfn);
		return;
	}

	/*
	 * Backward shifting only ever moves an entry into the hole just
	 * made, so re-examine slot i after a removal instead of moving on.
	 */
	i = 0;
	while (i < l1_nr_slots(mem)) {
		struct l1_slot *s = &mem->slots[i];

		if (s->page && s->pfn >= first_pfn && s->pfn <= last_pfn)
			l1_remove_slot(mem, i);
		else
			i++;
	}
}

int l1_mem_zero(struct l1_mem *mem, u64 ipa, u64 size)
{
	u64 last, first_pfn, last_pfn, full_first, full_last;

	if ((ipa | size) & 7)
		return -EINVAL;
	if (!size)
		return 0;
	if (size - 1 > ~0ULL - ipa)
		return -EINVAL;
	if (!l1_mem_range_is_ram(mem, ipa, size))
		return -EFAULT;

	last = ipa + size - 1;
	first_pfn = ipa >> L1_MEM_PAGE_SHIFT;
	last_pfn = last >> L1_MEM_PAGE_SHIFT;

	if (first_pfn == last_pfn) {
		l1_zero_words(mem, first_pfn, l1_word_index(ipa),
			      l1_word_index(last));
		return 0;
	}

	full_first = first_pfn;
	full_last = last_pfn;
	if (l1_word_index(ipa)) {
		l1_zero_words(mem, first_pfn, l1_word_index(ipa),
			      L1_PAGE_WORDS - 1);
		full_first++;
	}
	if (l1_word_index(last) != L1_PAGE_WORDS - 1) {
		l1_zero_words(mem, last_pfn, 0, l1_word_index(last));
		full_last--;
	}
	if (full_first <= full_last)
		l1_drop_pages(mem, full_first, full_last);
	return 0;
}

size_t l1_mem_bytes(const struct l1_mem *mem)
{
	return mem->nr_pages * L1_MEM_PAGE_SIZE;
}

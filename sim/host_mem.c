// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include <linux/kernel.h>
#include <linux/align.h>

#include "host_mem.h"

static int order_slot(int order)
{
	return order == HOST_ORDER_1G ? 2 : order == HOST_ORDER_2M ? 1 : 0;
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p && n)
		abort();
	return p;
}

static void push(struct frame_stack *s, u32 frame)
{
	if (s->nr == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->f = xrealloc(s->f, s->cap * sizeof(*s->f));
	}
	s->f[s->nr++] = frame;
}

void host_mem_init(struct host_mem *hm)
{
	memset(hm, 0, sizeof(*hm));
	/* Frame 0 is never handed out: pfn 0 means "not present". */
	hm->nr_frames = 1ULL << HOST_ORDER_1G;
}

void host_mem_destroy(struct host_mem *hm)
{
	for (int i = 0; i < 3; i++)
		free(hm->free[i].f);
	free(hm->ref);
	memset(hm, 0, sizeof(*hm));
}

static void grow(struct host_mem *hm, u64 frames)
{
	u64 cap = hm->cap ? hm->cap : frames;

	while (cap < frames)
		cap *= 2;
	if (cap == hm->cap)
		return;
	hm->ref = xrealloc(hm->ref, cap * sizeof(*hm->ref));
	memset(hm->ref + hm->cap, 0, (cap - hm->cap) * sizeof(*hm->ref));
	hm->cap = cap;
}

/* Split a free folio of a larger order to refill a smaller one. */
static bool refill(struct host_mem *hm, int order)
{
	int up = order == 0 ? HOST_ORDER_2M : HOST_ORDER_1G;
	struct frame_stack *big = &hm->free[order_slot(up)];
	u32 base;

	if (order == HOST_ORDER_1G || !big->nr)
		return false;
	base = big->f[--big->nr];
	/* Push in reverse so that the lowest frame comes out first. */
	for (u64 i = 1ULL << (up - order); i-- > 0;)
		push(&hm->free[order_slot(order)], base + (u32)(i << order));
	return true;
}

u32 host_alloc(struct host_mem *hm, int order)
{
	struct frame_stack *s = &hm->free[order_slot(order)];
	u64 n = 1ULL << order;
	u32 base;

	if (!s->nr && !refill(hm, order)) {
		base = ALIGN(hm->nr_frames, n);
		if (base + n > UINT32_MAX)
			abort();	/* 16 TiB of simulated host memory */
		hm->nr_frames = base + n;
		grow(hm, hm->nr_frames);
	} else {
		base = s->f[--s->nr];
	}
	for (u64 i = 0; i < n; i++)
		hm->ref[base + i] = 1;
	hm->in_use += n;
	return base;
}

void host_get(struct host_mem *hm, u32 frame)
{
	hm->ref[frame]++;
}

void host_put(struct host_mem *hm, u32 frame)
{
	if (--hm->ref[frame])
		return;
	hm->in_use--;
	push(&hm->free[0], frame);
}

/* A large folio is never shared (KSM merges 4K pages only). */
void host_put_folio(struct host_mem *hm, u32 frame, int order)
{
	u64 n = 1ULL << order;

	if (!order) {
		host_put(hm, frame);
		return;
	}
	for (u64 i = 0; i < n; i++)
		hm->ref[frame + i] = 0;
	hm->in_use -= n;
	push(&hm->free[order_slot(order)], frame);
}

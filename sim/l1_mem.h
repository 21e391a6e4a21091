/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sparse contents of the guest hypervisor's (L1's) memory, indexed by
 * canonical IPA.
 *
 * Only the pages whose contents the simulation reads back are ever
 * populated (in practice: L1's own stage-2 tables), so memory is held per
 * 4 KiB page in a hash table, and a page that becomes all-zero is dropped.
 * RAM is declared separately from contents: reading RAM that was never
 * written returns 0, touching anything else is -EFAULT, which is how the
 * walker learns that a descriptor lies outside L1 RAM.
 *
 * Not thread-safe: callers serialise (the simulated L1 and the walker
 * run under the same lock, as kvm->mmu_lock/srcu order them upstream).
 */
#ifndef NVRMAP_L1_MEM_H
#define NVRMAP_L1_MEM_H

#include <linux/types.h>

#define L1_MEM_PAGE_SHIFT	12
#define L1_MEM_PAGE_SIZE	(1ULL << L1_MEM_PAGE_SHIFT)

/* More RAM ranges than this is a simulation bug, not a memory map. */
#define L1_MEM_MAX_RANGES	32

struct l1_mem;

struct l1_mem *l1_mem_create(void);
void l1_mem_destroy(struct l1_mem *mem);

/*
 * Declare [base, base + size) as L1 RAM. base and size must be multiples
 * of L1_MEM_PAGE_SIZE and size non-zero (-EINVAL); the range must not
 * overlap an existing one (-EEXIST); -ENOSPC beyond L1_MEM_MAX_RANGES.
 */
int l1_mem_add_ram(struct l1_mem *mem, u64 base, u64 size);
bool l1_mem_is_ram(const struct l1_mem *mem, u64 ipa);
/* True iff every byte of [base, base + size) is RAM (size 0: true). */
bool l1_mem_range_is_ram(const struct l1_mem *mem, u64 base, u64 size);

/*
 * 8-byte accesses: -EINVAL if ipa is not 8-byte aligned, -EFAULT outside
 * RAM. RAM that was never written reads as 0.
 */
int l1_mem_read64(const struct l1_mem *mem, u64 ipa, u64 *val);
int l1_mem_write64(struct l1_mem *mem, u64 ipa, u64 val);
/*
 * Replace *ipa with new only if it still holds old, like the descriptor
 * swap upstream does when it updates a guest descriptor (HA). Returns 0
 * on success, -EAGAIN (and *ipa untouched) if it did not hold old, and
 * the read64 errors.
 */
int l1_mem_cmpxchg64(struct l1_mem *mem, u64 ipa, u64 old, u64 new);

/*
 * Zero [ipa, ipa + size): both 8-byte aligned (-EINVAL), all of it RAM
 * (-EFAULT, nothing zeroed). Backing of the pages it empties is freed.
 */
int l1_mem_zero(struct l1_mem *mem, u64 ipa, u64 size);

/* Bytes of page backing currently held (a multiple of L1_MEM_PAGE_SIZE). */
size_t l1_mem_bytes(const struct l1_mem *mem);

#endif /* NVRMAP_L1_MEM_H */

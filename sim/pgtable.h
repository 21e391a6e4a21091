/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Simulated stage-2 page tables (canonical and shadow) in the arm64
 * descriptor format, 4K granule, walked by small visitor callbacks in the
 * shape of arch/arm64/kvm/hyp/pgtable.c.
 *
 * Beside each descriptor the harness keeps a tag that real hardware does
 * not have: for a leaf, the canonical IPA it was made from. Only the safety
 * oracle reads tags; the code under test never sees them.
 */
#ifndef NVRMAP_SIM_PGTABLE_H
#define NVRMAP_SIM_PGTABLE_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/kvm_host.h>
#include <linux/spinlock.h>

#define S2_PTE_VALID		BIT_ULL(0)
#define S2_PTE_TYPE		BIT_ULL(1)	/* table, or page at level 3 */
#define S2_PTE_MEMATTR		GENMASK_ULL(5, 2)
#define S2_PTE_S2AP_R		BIT_ULL(6)
#define S2_PTE_S2AP_W		BIT_ULL(7)
#define S2_PTE_SH_IS		(3ULL << 8)
#define S2_PTE_AF		BIT_ULL(10)
#define S2_PTE_OA		GENMASK_ULL(47, 12)
#define S2_PTE_XN		GENMASK_ULL(54, 53)
/* Upstream's KVM_NV_GUEST_MAP_SZ: the guest's walk level, software bits */
#define S2_PTE_GUEST_LEVEL	GENMASK_ULL(56, 55)

#define S2_LAST_LEVEL		3
#define S2_PTRS_PER_TABLE	512

enum s2_prot {
	S2_PROT_R = BIT(0),
	S2_PROT_W = BIT(1),
	S2_PROT_X = BIT(2),
};

static inline u64 s2_level_size(int level)
{
	return 1ULL << (12 + 9 * (S2_LAST_LEVEL - level));
}

static inline int s2_size_level(u64 size)
{
	switch (size) {
	case SZ_4K:
		return 3;
	case SZ_2M:
		return 2;
	case SZ_1G:
		return 1;
	}
	return -1;
}

/* Observes every leaf that appears in or leaves a table (oracle, metrics). */
struct s2_observer {
	void (*leaf_set)(void *arg, struct kvm_pgtable *pgt, u64 addr,
			 int level, u64 desc, u64 tag);
	void (*leaf_clear)(void *arg, struct kvm_pgtable *pgt, u64 addr,
			   int level, u64 desc, u64 tag);
	void *arg;
};

struct kvm_pgtable {
	u64 *pgd;
	u32 ia_bits;
	s8 start_level;
	struct kvm_s2_mmu *mmu;
	const struct s2_observer *obs;
	u64 nr_leaves;
	u64 nr_tables;
	/*
	 * Held across each walk, if set. It stands for what the hardware
	 * and KVM's shared walkers get from atomic descriptor updates: the
	 * harness's tables are plain memory, so concurrent faults (mmu_lock
	 * held for read) and their observer serialise here. One lock may
	 * serve all the tables of a VM.
	 */
	spinlock_t *lock;
};

/* Descriptors visited by this thread's walks are counted here, if set. */
extern __thread u64 *s2_walk_steps;

enum s2_walk_flags {
	S2_WALK_LEAF		= BIT(0),
	S2_WALK_TABLE_PRE	= BIT(1),
	S2_WALK_TABLE_POST	= BIT(2),
};

struct s2_visit_ctx {
	struct kvm_pgtable *pgt;
	u64 *ptep;
	u64 *tagp;
	u64 old;
	u64 addr;
	u64 end;
	int level;
	void *arg;
};

typedef int (*s2_visitor_fn)(const struct s2_visit_ctx *ctx,
			     enum s2_walk_flags visit);

struct s2_walker {
	s2_visitor_fn cb;
	void *arg;
	enum s2_walk_flags flags;
};

int s2_pgt_init(struct kvm_pgtable *pgt, u32 ia_bits, struct kvm_s2_mmu *mmu,
		const struct s2_observer *obs);
void s2_pgt_destroy(struct kvm_pgtable *pgt);
int s2_pgt_walk(struct kvm_pgtable *pgt, u64 addr, u64 size,
		struct s2_walker *walker);

u64 s2_make_leaf(u64 pa, int level, enum s2_prot prot, int guest_level);
int s2_map(struct kvm_pgtable *pgt, u64 addr, u64 size, u64 pa,
	   enum s2_prot prot, int guest_level, u64 tag);
u64 s2_unmap(struct kvm_pgtable *pgt, u64 addr, u64 size);
u64 s2_wrprotect(struct kvm_pgtable *pgt, u64 addr, u64 size);
bool s2_test_clear_young(struct kvm_pgtable *pgt, u64 addr, u64 size,
			 bool mkold);
int s2_relax_perms(struct kvm_pgtable *pgt, u64 addr, enum s2_prot prot);
int s2_get_leaf(struct kvm_pgtable *pgt, u64 addr, u64 *desc, int *level,
		u64 *tag);
void s2_mkyoung(struct kvm_pgtable *pgt, u64 addr);
u64 s2_count_leaves(struct kvm_pgtable *pgt, u64 addr, u64 size);

struct s2_leaf {
	u64 addr;		/* input address */
	u64 tag;		/* the harness's tag (canonical block) */
	u64 desc;
	int level;
};

/*
 * The valid leaves of @pgt over [addr, addr + size), gathered by one walk
 * into a malloc'ed array of *nr entries (free() it; NULL if none). For
 * callers that look at each leaf with other locks held: a visitor runs
 * under the table's lock, which is innermost.
 */
struct s2_leaf *s2_collect_leaves(struct kvm_pgtable *pgt, u64 addr,
				  u64 size, size_t *nr);

static inline bool s2_pte_valid(u64 pte)
{
	return pte & S2_PTE_VALID;
}

static inline bool s2_pte_table(u64 pte, int level)
{
	return level < S2_LAST_LEVEL && (pte & (S2_PTE_VALID | S2_PTE_TYPE)) ==
	       (S2_PTE_VALID | S2_PTE_TYPE);
}

static inline u64 s2_pte_pa(u64 pte)
{
	return pte & S2_PTE_OA;
}

#endif

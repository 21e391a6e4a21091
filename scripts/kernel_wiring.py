# SPDX-License-Identifier: GPL-2.0
"""How the reverse map is wired into Linux 7.3 KVM/arm64.

Read by scripts/kernel-wire, which applies the patches below in order to a
copy of the extracted tree and commits each one. An edit names a file, the
function or struct it must fall in (None: anywhere in the file), and an
anchor: one or more lines of that function, compared with whitespace
normalised, which must appear there exactly once; otherwise the wiring
stops with an error naming the edit. Operations:

  before / after   insert the text before / after the anchor lines
  replace          replace the anchor lines by the text
  after_def        insert the text (after a blank line) after the closing
                   brace of the named function or struct; no anchor

Anchors quote as little upstream code as identifies the place; everything
else here is ours. Snippets are indented with spaces, 8 to a tab: the
engine turns leading runs of 8 spaces into tabs.
"""


class Edit:
    def __init__(self, path, op, within=None, anchor=None, text=None):
        self.path, self.op, self.within = path, op, within
        self.anchor, self.text = anchor, text


class Patch:
    def __init__(self, key, edits, new_files=()):
        self.key, self.edits, self.new_files = key, edits, list(new_files)


MMU = "arch/arm64/kvm/mmu.c"
NESTED = "arch/arm64/kvm/nested.c"
SYS_REGS = "arch/arm64/kvm/sys_regs.c"
RESET = "arch/arm64/kvm/reset.c"
ARM = "arch/arm64/kvm/arm.c"
KBUILD = "arch/arm64/kvm/Makefile"
HOST_H = "arch/arm64/include/asm/kvm_host.h"
NESTED_H = "arch/arm64/include/asm/kvm_nested.h"
REVMAP_C = "arch/arm64/kvm/nested_revmap.c"
REVMAP_H = "arch/arm64/include/asm/kvm_nested_revmap.h"
SELFTESTS_MK = "tools/testing/selftests/kvm/Makefile.kvm"
SELFTEST = "tools/testing/selftests/kvm/arm64/nv_shadow_s2_unmap.c"

INCLUDE_REVMAP = """
#include <asm/kvm_nested_revmap.h>
"""


def include_after(path, anchor):
    return Edit(path, "after", anchor=anchor, text=INCLUDE_REVMAP)


PATCHES = [
    # 1: no functional change; the review asked for a helper rather than
    # a second copy of the alignment in the fault path.
    Patch("01-canonical-ipa", [
        Edit(MMU, "after_def", within="get_canonical_gfn", text="""
/*
 * The canonical IPA of the block that a fault maps, aligned to the size of
 * the mapping (which a THP adjustment may have made larger than the VMA
 * page size).
 */
static phys_addr_t get_canonical_ipa(const struct kvm_s2_fault_desc *s2fd,
                                     const struct kvm_s2_fault_vma_info *s2vi,
                                     long mapping_size)
{
        return ALIGN_DOWN(gfn_to_gpa(get_canonical_gfn(s2fd, s2vi)),
                          mapping_size);
}
"""),
        Edit(MMU, "replace", within="kvm_s2_fault_map", anchor="""
                phys_addr_t ipa = gfn_to_gpa(get_canonical_gfn(s2fd, s2vi));
                ipa &= ~(mapping_size - 1);
""", text="""
                phys_addr_t ipa = get_canonical_ipa(s2fd, s2vi, mapping_size);

"""),
    ]),

    # 2: the structure, its Kbuild line and the fields; nothing calls it.
    Patch("02-revmap", new_files=[REVMAP_H, REVMAP_C], edits=[
        Edit(KBUILD, "after", anchor="""
         arch_timer.o trng.o vmid.o emulate-nested.o nested.o at.o \\
""", text="""
         nested_revmap.o \\
"""),
        Edit(HOST_H, "after", within="struct kvm_s2_mmu", anchor="""
        bool    pending_unmap;
""", text="""

        /* Index of this MMU in kvm->arch.nested_mmus, for the reverse map */
        u16\tnested_revmap_id;
"""),
        Edit(HOST_H, "after", within="struct kvm_s2_mmu", anchor="""
        atomic_t refcnt;
""", text="""

        /*
         * Reverse map of a shadow stage-2: the nested IPA range of each
         * leaf to the canonical block it maps. NULL until the first leaf
         * is recorded, and always for the canonical MMU. See
         * nested_revmap.c.
         */
        struct kvm_nested_revmap *nested_revmap;
"""),
        Edit(HOST_H, "after", within="struct kvm_arch", anchor="""
        int nested_mmus_next;
""", text="""

        /* Canonical IPA to shadow stage-2 leaves; NULL without nested MMUs */
        struct kvm_nested_revmap_vm *nested_revmap_vm;
"""),
        Edit(HOST_H, "after", within="struct kvm_vcpu_arch", anchor="""
        struct vncr_tlb *vncr_tlb;
""", text="""

        /* Reverse map allocations made before taking mmu_lock; NULL when !NV */
        struct kvm_nested_revmap_cache *nested_revmap_cache;
"""),
    ]),

    # 3: set it up with the nested MMUs, free it with them, and record
    # every new shadow leaf. Nothing reads it yet.
    Patch("03-record", [
        include_after(NESTED, "#include <asm/kvm_nested.h>"),
        Edit(NESTED, "before", within="kvm_vcpu_init_nested", anchor="""
                if (ret) {
""", text="""
                /* Takes mmu_lock itself, hence before the guard below */
                if (!ret)
                        ret = kvm_nested_revmap_init_vm(kvm, kvm->arch.nested_mmus_size +
                                                        S2_MMU_PER_VCPU);

"""),
        Edit(NESTED, "before", within="kvm_vcpu_init_nested", anchor="""
                guard(write_lock)(&kvm->mmu_lock);
""", text="""
                for (i = 0; i < S2_MMU_PER_VCPU; i++)
                        kvm_nested_revmap_init_mmu(&tmp[i], kvm->arch.nested_mmus_size + i);

"""),
        Edit(NESTED, "before", within="kvm_destroy_nested", anchor="""
        for (int i = 0; i < kvm->arch.nested_mmus_size; i+= S2_MMU_PER_VCPU)
""", text="""
        for (int i = 0; i < kvm->arch.nested_mmus_size; i++)
                kvm_nested_revmap_free_mmu(kvm->arch.nested_mmus[i]);
        kvm_nested_revmap_destroy_vm(kvm);

"""),
        include_after(RESET, "#include <asm/kvm_nested.h>"),
        Edit(RESET, "after", within="kvm_arm_vcpu_destroy", anchor="""
        kfree(vcpu->arch.vncr_tlb);
""", text="""
        kvm_nested_revmap_free_cache(vcpu);
"""),
        include_after(MMU, "#include <asm/kvm_mmu.h>"),
        Edit(MMU, "after", within="gmem_abort", anchor="""
                ret = topup_mmu_memcache(s2fd->vcpu, memcache);
                if (ret)
                        return ret;
""", text="""

                if (kvm_is_nested_s2_mmu(kvm, s2fd->vcpu->arch.hw_mmu))
                        kvm_nested_revmap_topup(s2fd->vcpu);
"""),
        # Recorded once the leaf is in: a racing vCPU's leaf of another
        # offset then shows up as a conflict (the MMU becomes unknown).
        Edit(MMU, "after", within="gmem_abort", anchor="""
                ret = KVM_PGT_FN(kvm_pgtable_stage2_map)(pgt, s2fd->fault_ipa, PAGE_SIZE,
                                                         __pfn_to_phys(pfn), prot,
                                                         memcache, flags);
""", text="""
                if (!ret && kvm_is_nested_s2_mmu(kvm, pgt->mmu))
                        kvm_nested_revmap_record(s2fd->vcpu, pgt->mmu, gfn_to_gpa(gfn),
                                                 ALIGN_DOWN(s2fd->fault_ipa, PAGE_SIZE),
                                                 PAGE_SIZE);
"""),
        Edit(MMU, "after", within="user_mem_abort", anchor="""
                ret = topup_mmu_memcache(s2fd->vcpu, memcache);
                if (ret)
                        return ret;
        }
""", text="""

        /* Even a permission fault may map a new leaf, e.g. when logging */
        if (kvm_is_nested_s2_mmu(s2fd->vcpu->kvm, s2fd->vcpu->arch.hw_mmu))
                kvm_nested_revmap_topup(s2fd->vcpu);
"""),
        Edit(MMU, "after", within="kvm_s2_fault_map", anchor="""
                ret = KVM_PGT_FN(kvm_pgtable_stage2_map)(pgt, gfn_to_gpa(gfn), mapping_size,
                                                         __pfn_to_phys(pfn), prot,
                                                         memcache, flags);
""", text="""
                if (!ret && kvm_is_nested_s2_mmu(kvm, pgt->mmu))
                        kvm_nested_revmap_record(s2fd->vcpu, pgt->mmu,
                                                 get_canonical_ipa(s2fd, s2vi, mapping_size),
                                                 gfn_to_gpa(gfn), mapping_size);
"""),
    ]),

    # 4: host-side unmaps use it; whole-VM unmaps reset it.
    Patch("04-unmap-canonical", [
        Edit(NESTED, "replace", within="kvm_nested_s2_unmap", anchor="""
                        kvm_stage2_unmap_range(mmu, 0, kvm_phys_size(mmu), may_block);
""", text="""
                        kvm_nested_revmap_unmap_mmu(mmu, may_block);
"""),
        Edit(NESTED, "after_def", within="kvm_nested_s2_unmap", text="""
/*
 * Unmap from the shadow stage-2s what was made from the canonical IPA range
 * [start, start + size): exactly that through the reverse map, or every
 * shadow stage-2 in full for a VM without one.
 */
void kvm_nested_s2_unmap_range(struct kvm *kvm, gpa_t start, u64 size,
                               bool may_block)
{
        lockdep_assert_held_write(&kvm->mmu_lock);

        if (!kvm->arch.nested_mmus_size)
                return;

        if (!kvm->arch.nested_revmap_vm) {
                kvm_nested_s2_unmap(kvm, may_block);
                return;
        }

        kvm_nested_revmap_unmap_canonical(kvm, start, size, may_block);
        kvm_invalidate_vncr_ipa(kvm, start, start + size);
}
"""),
        Edit(NESTED_H, "after", anchor="""
extern void kvm_nested_s2_unmap(struct kvm *kvm, bool may_block);
""", text="""
void kvm_nested_s2_unmap_range(struct kvm *kvm, gpa_t start, u64 size,
                               bool may_block);
"""),
        Edit(MMU, "replace", within="kvm_unmap_gfn_range", anchor="""
        kvm_nested_s2_unmap(kvm, range->may_block);
""", text="""
        kvm_nested_s2_unmap_range(kvm, range->start << PAGE_SHIFT,
                                  (range->end - range->start) << PAGE_SHIFT,
                                  range->may_block);
"""),
        Edit(MMU, "replace", within="kvm_arch_flush_shadow_memslot", anchor="""
        kvm_nested_s2_unmap(kvm, true);
""", text="""
        kvm_nested_s2_unmap_range(kvm, gpa, size, true);
"""),
    ]),

    # 5: the nested side: guest TLBIs and recycling keep it exact.
    Patch("05-unmap-nested", [
        include_after(SYS_REGS, "#include <asm/kvm_nested.h>"),
        Edit(SYS_REGS, "replace", within="s2_mmu_unmap_range", anchor="""
        kvm_stage2_unmap_range(mmu, info->range.start, info->range.size, true);
""", text="""
        kvm_nested_revmap_unmap_nested(mmu, info->range.start, info->range.size, true);
"""),
        Edit(SYS_REGS, "replace", within="s2_mmu_unmap_ipa", anchor="""
        kvm_stage2_unmap_range(mmu, base_addr, max_size, true);
""", text="""
        kvm_nested_revmap_unmap_nested(mmu, base_addr, max_size, true);
"""),
        Edit(NESTED, "replace", within="check_nested_vcpu_requests", anchor="""
                        kvm_stage2_unmap_range(mmu, 0, kvm_phys_size(mmu), true);
""", text="""
                        kvm_nested_revmap_unmap_mmu(mmu, true);
"""),
    ]),

    # 6: dirty logging and aging get the same precision.
    Patch("06-wp-age", [
        Edit(NESTED, "after_def", within="kvm_nested_s2_wp", text="""
/*
 * Write-protect in the shadow stage-2s what was made from the canonical IPA
 * range [start, start + size): exactly that through the reverse map, or
 * every shadow stage-2 in full for a VM without one.
 */
void kvm_nested_s2_wp_range(struct kvm *kvm, gpa_t start, u64 size)
{
        lockdep_assert_held_write(&kvm->mmu_lock);

        if (!kvm->arch.nested_mmus_size)
                return;

        if (!kvm->arch.nested_revmap_vm) {
                kvm_nested_s2_wp(kvm);
                return;
        }

        kvm_nested_revmap_wp(kvm, start, size);
        kvm_invalidate_vncr_ipa(kvm, start, start + size);
}
"""),
        Edit(NESTED_H, "after", anchor="""
extern void kvm_nested_s2_wp(struct kvm *kvm);
""", text="""
void kvm_nested_s2_wp_range(struct kvm *kvm, gpa_t start, u64 size);
"""),
        Edit(MMU, "replace", within="kvm_mmu_wp_memory_region", anchor="""
        kvm_nested_s2_wp(kvm);
""", text="""
        kvm_nested_s2_wp_range(kvm, start, end - start);
"""),
        Edit(MMU, "replace",
             within="kvm_arch_mmu_enable_log_dirty_pt_masked", anchor="""
        kvm_nested_s2_wp(kvm);
""", text="""
        kvm_nested_s2_wp_range(kvm, start, end - start);
"""),
        Edit(MMU, "after", within="kvm_age_gfn", anchor="""
        u64 size = (range->end - range->start) << PAGE_SHIFT;
""", text="""
        bool young;
"""),
        Edit(MMU, "replace", within="kvm_age_gfn", anchor="""
        return KVM_PGT_FN(kvm_pgtable_stage2_test_clear_young)(kvm->arch.mmu.pgt,
                                                   range->start << PAGE_SHIFT,
                                                   size, true);
""", text="""
        young = KVM_PGT_FN(kvm_pgtable_stage2_test_clear_young)(kvm->arch.mmu.pgt,
                                                                range->start << PAGE_SHIFT,
                                                                size, true);
"""),
        Edit(MMU, "replace", within="kvm_age_gfn", anchor="""
        /*
         * TODO: Handle nested_mmu structures here using the reverse mapping in
         * a later version of patch series.
         */
""", text="""

        /* An L2 guest's accesses to L1 memory keep it young too */
        young |= kvm_nested_revmap_age(kvm, range->start << PAGE_SHIFT, size, true);
        return young;
"""),
        Edit(MMU, "after", within="kvm_test_age_gfn", anchor="""
        u64 size = (range->end - range->start) << PAGE_SHIFT;
""", text="""
        bool young;
"""),
        Edit(MMU, "replace", within="kvm_test_age_gfn", anchor="""
        return KVM_PGT_FN(kvm_pgtable_stage2_test_clear_young)(kvm->arch.mmu.pgt,
                                                   range->start << PAGE_SHIFT,
                                                   size, false);
""", text="""
        young = KVM_PGT_FN(kvm_pgtable_stage2_test_clear_young)(kvm->arch.mmu.pgt,
                                                                range->start << PAGE_SHIFT,
                                                                size, false);
"""),
        Edit(MMU, "after", within="kvm_test_age_gfn", anchor="""
                                                                size, false);
""", text="""

        young |= kvm_nested_revmap_age(kvm, range->start << PAGE_SHIFT, size, false);
        return young;
"""),
    ]),

    # 7: a way to see it at work.
    Patch("07-debugfs", [
        Edit(NESTED, "after", anchor="""
#include <linux/bitfield.h>
""", text="""
#include <linux/debugfs.h>
"""),
        Edit(NESTED, "after", anchor="""
#include <linux/kvm_host.h>
""", text="""
#include <linux/seq_file.h>
"""),
        Edit(NESTED, "after_def", within="kvm_arch_flush_shadow_all", text="""
static int nested_revmap_show(struct seq_file *m, void *v)
{
        struct kvm_nested_revmap_stats st;
        struct kvm *kvm = m->private;
        bool enabled;

        scoped_guard(write_lock, &kvm->mmu_lock) {
                enabled = kvm->arch.nested_revmap_vm;
                kvm_nested_revmap_get_stats(kvm, &st);
        }

        seq_printf(m, "enabled %d\\n", enabled);
        seq_printf(m, "leaves %llu\\n", st.entries);
        seq_printf(m, "alias_descs %llu\\n", st.alias_descs);
        seq_printf(m, "mmus %llu\\n", st.revmaps);
        seq_printf(m, "fallbacks %llu\\n", st.fallbacks);
        seq_printf(m, "failures %llu\\n", st.failures);
        seq_printf(m, "bytes %llu\\n", st.bytes);
        return 0;
}
DEFINE_SHOW_ATTRIBUTE(nested_revmap);

void kvm_nested_s2_create_debugfs(struct kvm *kvm)
{
        if (cpus_have_final_cap(ARM64_HAS_NESTED_VIRT))
                debugfs_create_file("nested_revmap", 0400, kvm->debugfs_dentry,
                                    kvm, &nested_revmap_fops);
}
"""),
        Edit(NESTED_H, "after", anchor="""
extern void kvm_nested_s2_flush(struct kvm *kvm);
""", text="""
void kvm_nested_s2_create_debugfs(struct kvm *kvm);
"""),
        Edit(ARM, "after", within="kvm_arch_create_vm_debugfs", anchor="""
        kvm_s2_ptdump_create_debugfs(kvm);
""", text="""
        kvm_nested_s2_create_debugfs(kvm);
"""),
    ]),

    # 8: the test: a guest hypervisor whose L2 memory is checked while the
    # host keeps unmapping it (docs/E2E.md runs it under QEMU).
    Patch("08-selftest", new_files=[SELFTEST], edits=[
        Edit(SELFTESTS_MK, "after", anchor="""
TEST_GEN_PROGS_arm64 += arm64/mmio_sign_ext
""", text="""
TEST_GEN_PROGS_arm64 += arm64/nv_shadow_s2_unmap
"""),
    ]),
]

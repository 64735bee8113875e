// The micro-step table: every atomic step the engine can run, the kernel function(s) it
// stands for, and what it does. Op expansions (expand.ts) are sequences of these; exec.ts
// gives each its semantics; hover and docs/micro-steps.md read this table.

export interface MicroSpec {
  /** The kernel function(s) the step stands for, as shown in traces and hover. */
  readonly kernel: string;
  /** One line: what the step does in the model. */
  readonly doc: string;
  /** Kernel source the step follows (docs/kernel-paths.md section). */
  readonly source: string;
}

export const MICRO = {
  // user accesses
  'user-store': { kernel: 'store (MMU)', doc: 'TLB hit with W: the store lands; miss: hardware walk with no lock, fill the TLB and store; no W or no PTE: page fault', source: 'kernel-rules R22' },
  'user-load': { kernel: 'load (MMU)', doc: 'TLB hit: read; miss: hardware walk with no lock and fill; no PTE: page fault', source: 'kernel-rules R22' },
  // fault path
  'fault-enter': { kernel: 'do_user_addr_fault(): mmap_read_lock(); find_vma(); access_error()', doc: 'take mmap_lock for read, find the VMA and check the access; no VMA or a forbidding VMA: SIGSEGV', source: 'kernel-paths §1.0' },
  'vma-read-try': {
    kernel: 'lock_vma_under_rcu(): mas_walk(); vma_start_read(); access_error()',
    doc: 'pervma: find the VMA with no mmap_lock and read-lock it; fails (fall back to mmap_lock) if there is none, it is write-locked or a writer waits (vma_start_write), it is not private anonymous, it is registered with userfaultfd, or it forbids the access',
    source: 'kernel-rules R19; docs/design-paths.md §1.1 (mm/memory.c lock_vma_under_rcu, v6.4)',
  },
  'spf-begin': {
    kernel: 'handle_speculative_fault(): get_vma(); raw_read_seqcount(&vma->vm_sequence)',
    doc: 'spf: find the VMA with no mmap_lock and snapshot its sequence count; falls back to the classic fault at once if the count is odd (a writer is inside vm_write_begin/end), or the VMA is not anonymous, is registered with userfaultfd, or forbids the access',
    source: 'kernel-rules R20; docs/design-paths.md §2.1 (Dufour handle_speculative_fault)',
  },
  'spf-walk': {
    kernel: 'handle_speculative_fault(): local_irq_disable(); pmd = READ_ONCE(*pmdp)',
    doc: 'spf on arm64 without RCU table freeing: disable IRQs and read the page-table pointer with no lock (no table: fall back); the PTE is read through it next, and IRQs off do not keep the table alive here',
    source: 'kernel-rules R11 (caveat), R20; docs/design-paths.md §2.1',
  },
  'spf-validate': {
    kernel: 'pte_map_lock(): local_irq_disable(); vma_has_changed(); pmd_same()',
    doc: 'spf on arm64 without RCU table freeing: disable IRQs, re-validate the VMA sequence count and read the page-table pointer; the trylock of its PTL follows',
    source: 'kernel-rules R11 (caveat), R20; docs/design-paths.md §2.1',
  },
  'spf-ptl-lock': {
    kernel: 'pte_map_lock() / pte_spinlock(): spin_trylock(ptl); vma_has_changed()',
    doc: 'spf: trylock the page-table lock and re-validate the VMA sequence count; a contended PTL, a changed count or a detached VMA: discard the work (an allocated or copied page included) and fall back to the classic fault (VM_FAULT_RETRY)',
    source: 'kernel-rules R20, R8; docs/design-paths.md §2.1 (pte_spinlock, pte_map_lock)',
  },
  'pte-read': { kernel: 'handle_pte_fault(): orig_pte = *pte', doc: 'lockless PTE snapshot; none: do_anonymous_page / do_fault (allocating or taking the page-cache reference here); present: take the PTL', source: 'kernel-paths §1.2' },
  'ptl-lock': { kernel: 'pte_offset_map_lock()', doc: 'take the page-table lock (spinlock) of the 2 MiB table', source: 'kernel-rules R3' },
  'fill-pte': { kernel: 'set_pte_at(); pte_unmap_unlock()', doc: 'under the PTL: if the PTE is still none, map the zero page (read), the new page (write) or the page-cache page; else discard; drop the PTL', source: 'kernel-paths §1.3, §1.4' },
  'cow-file-copy': { kernel: 'do_cow_fault(): copy_user_highpage()', doc: 'copy the page-cache page into the new anonymous page, no PTL', source: 'kernel-paths §1.4' },
  'handle-pte': { kernel: 'pte_same(); do_wp_page()', doc: 'under the PTL: re-check the snapshot; spurious: done; uffd-wp marker: to userfaultfd; flush pending (pending=flush): flush first; then reuse (W in place) or take a reference and drop the PTL to copy', source: 'kernel-paths §1.2, §2' },
  'wp-flush-pending': { kernel: 'flush_tlb_page() [mm_tlb_flush_pending]', doc: 'with the PTL held, flush this address on every CPU, then decide reuse or copy (6ce64428d620)', source: 'kernel-paths §2.4' },
  'cow-copy': { kernel: 'wp_page_copy(): alloc_page_vma(); cow_user_page()', doc: 'allocate and copy the old frame with no PTL held; the copy reads the frame as it is now', source: 'kernel-paths §3' },
  'cow-install': { kernel: 'pte_same(); ptep_clear_flush_notify(); set_pte_at_notify(); page_remove_rmap(); put_page(); pte_unmap_unlock()', doc: 'under the PTL: if the PTE is unchanged, clear it and flush every CPU, map the copy writable and drop the old PTE\'s reference; else free the copy; drop the PTL', source: 'kernel-paths §3' },
  'cow-put-old': { kernel: 'put_page(old_page)', doc: 'drop the reference do_wp_page took on the old frame', source: 'kernel-paths §3 step 10' },
  'fault-exit': { kernel: 'mmap_read_unlock()', doc: 'release mmap_lock; the access retries', source: 'kernel-paths §1.0' },
  'vma-read-unlock': { kernel: 'vma_end_read()', doc: 'pervma: release the VMA read lock the fault took; the access retries', source: 'kernel-paths §1.0 (6.x)' },
  'spf-end': { kernel: 'handle_speculative_fault(): put_vma()', doc: 'spf: the speculative fault is done (no lock to release); the access retries', source: 'kernel-rules R20' },
  'uffd-wait': { kernel: 'handle_userfault(): mmap_read_unlock(); schedule()', doc: 'drop mmap_lock and sleep until userfaultfd resolves the write-protect (unprotect), then retry the fault', source: 'kernel-paths §7.3' },
  // GUP
  'gup-enter': { kernel: 'get_user_pages(): mmap_read_lock(); find_extend_vma(); check_vma_flags()', doc: 'take mmap_lock for read and check the VMA allows the access (FOLL_FORCE may write a private read-only mapping); else -EFAULT', source: 'kernel-paths §4.1' },
  'gup-follow': { kernel: 'follow_page_pte(): can_follow_write_pte(); try_grab_page(); pte_unmap_unlock()', doc: 'under the PTL: if the PTE allows the lookup, take a reference (or pin) on its frame; else fault', source: 'kernel-paths §4.2' },
  'gup-exit': { kernel: 'mmap_read_unlock()', doc: 'release mmap_lock; the reference (if any) is the result', source: 'kernel-paths §4.1' },
  'gupf-begin': { kernel: 'lockless_pages_from_mm(): raw_read_seqcount(write_protect_seq); local_irq_save()', doc: 'GUP-fast: sample fork\'s sequence (pin, seqcheck=on; odd: slow path) and disable IRQs', source: 'kernel-paths §5' },
  'gupf-pmd': { kernel: 'gup_pmd_range(): pmd = READ_ONCE(*pmdp)', doc: 'read the page-table pointer with no lock; none: fall back', source: 'kernel-paths §5.1' },
  'gupf-pte': { kernel: 'gup_pte_range(): ptep_get_lockless(); pte_access_permitted()', doc: 'read the PTE through the table pointer; must be present, not special, permitting the access; else fall back', source: 'kernel-paths §5.1' },
  'gupf-grab': { kernel: 'try_grab_compound_head()', doc: 'take a reference or pin; fails (fall back) on a frame whose refcount is 0', source: 'kernel-paths §5.1' },
  'gupf-recheck': { kernel: 'pte_val(pte) != pte_val(*ptep)', doc: 're-read the PTE; changed: drop the reference and fall back', source: 'kernel-paths §5.1' },
  'gupf-end': { kernel: 'local_irq_restore(); read_seqcount_retry(write_protect_seq)', doc: 're-enable IRQs; with pin and seqcheck=on, a changed sequence unpins and falls back to the slow path', source: 'kernel-paths §5.2' },
  // VM changes
  'mmap-lock': { kernel: 'mmap_write_lock() / mmap_read_lock()', doc: 'take mmap_lock (a fair rwsem: a queued writer blocks new readers)', source: 'kernel-rules R18' },
  'vma-write-lock': {
    kernel: 'vma_start_write() / vm_write_begin()',
    doc: 'pervma: write-lock each VMA the op changes, waiting for its readers (VMA-locked faults then fall back to mmap_lock); spf: make each VMA\'s sequence count odd, so speculative faults fall back or fail validation, until the op\'s vm_write_end() after its TLB flush',
    source: 'kernel-rules R19, R20; docs/design-paths.md §1.2, §2.2 (vma_prepare, vm_flags_reset, dup_mmap after fb49c455323f; Dufour mprotect_fixup)',
  },
  'mprotect-fixup': { kernel: 'mprotect_fixup(): split_vma(); vm_flags = newflags; change_protection_range(): inc_tlb_flush_pending()', doc: 'change the VMAs (splitting at the range ends), then raise tlb_flush_pending', source: 'kernel-paths §6.1' },
  'wp-begin': { kernel: 'mwriteprotect_range(): change_protection_range(): inc_tlb_flush_pending()', doc: 'check the VMA, raise tlb_flush_pending (pending=on)', source: 'kernel-paths §7.1' },
  'change-ptes': { kernel: 'change_pte_range(): ptep_modify_prot_start/commit()', doc: 'under the PTL: rewrite each present PTE of the range in this table (drop W; set or clear the uffd-wp bit; PROT_NONE)', source: 'kernel-paths §6.1, §7.1' },
  'ptl-unlock': { kernel: 'pte_unmap_unlock()', doc: 'drop the page-table lock', source: 'kernel-rules R3' },
  'flush-under-ptl': { kernel: 'flush_tlb_range() [PTL held]; pte_unmap_unlock()', doc: 'flush the range on every CPU before dropping the PTL (flush=ptl)', source: 'kernel-rules R7a' },
  'change-end': { kernel: 'flush_tlb_range(); dec_tlb_flush_pending(); mmap_*_unlock()', doc: 'flush the range on every CPU if a PTE changed, lower tlb_flush_pending, release mmap_lock (and VMA write locks)', source: 'kernel-paths §6.1' },
  'munmap-detach': { kernel: '__do_munmap(): __split_vma(); detach_vmas_to_be_unmapped()', doc: 'split at the range ends and unlink the VMAs: faults no longer find them', source: 'kernel-paths §9' },
  'mmap-downgrade': { kernel: 'mmap_write_downgrade()', doc: 'turn the write lock into a read lock, waking queued readers (and ending VMA write locks)', source: 'kernel-paths §9' },
  'gather-begin': { kernel: 'tlb_gather_mmu(): inc_tlb_flush_pending()', doc: 'start an mmu_gather: raise tlb_flush_pending', source: 'kernel-paths §9, §10' },
  'zap-ptes': { kernel: 'zap_pte_range(): ptep_get_and_clear_full(); page_remove_rmap(); __tlb_remove_page(); pte_unmap_unlock()', doc: 'under the PTL: clear each present PTE of the range in this table, drop its mapcount, keep its reference in the gather until the flush; drop the PTL', source: 'kernel-paths §9 step 4' },
  'free-pgtables': { kernel: 'free_pgtables(): pmd_clear(); pte_free_tlb()', doc: 'unhook each page table whose 2 MiB span no VMA uses any more; its freeing waits for the flush', source: 'kernel-paths §9 step 5' },
  'tlb-finish': { kernel: 'tlb_finish_mmu(): tlb_flush_mmu(); tlb_table_flush(); tlb_batch_pages_flush(); dec_tlb_flush_pending()', doc: 'flush every CPU (forced if flushes are nested), then free page tables (RCU on arm64) and drop the gathered references, lower tlb_flush_pending', source: 'kernel-paths §9 step 6, §10' },
  'munmap-end': { kernel: 'remove_vma_list(); mmap_*_unlock()', doc: 'free the detached VMAs and release mmap_lock', source: 'kernel-paths §9' },
  'madvise-end': { kernel: 'mmap_read_unlock()', doc: 'release mmap_lock', source: 'kernel-paths §10' },
  'fork-dup': { kernel: 'dup_mmap(): vm_area_dup(); anon_vma_fork(); raw_write_seqcount_begin(write_protect_seq)', doc: 'create the child mm and copy the VMAs; make write_protect_seq odd (wpseq=on)', source: 'kernel-paths §8.1, §8.2' },
  'fork-ptl': { kernel: 'copy_pte_range(): pte_alloc_map_lock(child); spin_lock_nested(parent ptl)', doc: 'take the child\'s then the parent\'s page-table lock', source: 'kernel-paths §8.3' },
  'fork-test': { kernel: 'copy_present_pte(): page_maybe_dma_pinned()', doc: 'read the parent PTE and test whether its page may be pinned (pinned=copy)', source: 'kernel-paths §8.3' },
  'fork-share': { kernel: 'get_page(); page_dup_rmap(); ptep_set_wrprotect(); set_pte_at(child)', doc: 'share the frame: reference and mapcount +1, write-protect the parent PTE (no flush), map it read-only in the child', source: 'kernel-paths §8.3' },
  'fork-copy': { kernel: 'copy_present_page(): copy_user_highpage(); set_pte_at(child)', doc: 'copy a possibly pinned page for the child; the parent PTE keeps W', source: 'kernel-paths §8.3' },
  'fork-unlock-ptl': { kernel: 'spin_unlock(parent ptl); pte_unmap_unlock(child)', doc: 'drop both page-table locks (and end write_protect_seq after the last table)', source: 'kernel-paths §8.2, §8.3' },
  'fork-end': { kernel: 'flush_tlb_mm(oldmm); mmap_write_unlock(oldmm)', doc: 'flush the parent\'s TLB on every CPU once, then release the parent\'s mmap_lock (ending VMA write locks); the child may run', source: 'kernel-paths §8.1' },
  tlbi: { kernel: 'flush_tlb_range() / local_flush_tlb_*()', doc: 'invalidate the TLB entries of the range on every CPU of the mm, or on this CPU only', source: 'kernel-paths §11' },
  // explicit steps and kernel accesses
  'lock-mmap': { kernel: 'mmap_read_lock() / mmap_write_lock()', doc: 'take mmap_lock', source: 'kernel-rules R18' },
  'unlock-mmap': { kernel: 'mmap_read_unlock() / mmap_write_unlock()', doc: 'release mmap_lock (a write unlock also ends the VMA write locks: vma_end_write_all)', source: 'kernel-rules R18, R19' },
  'lock-ptl': { kernel: 'spin_lock(ptl)', doc: 'take a page-table lock', source: 'kernel-rules R3' },
  'unlock-ptl': { kernel: 'spin_unlock(ptl)', doc: 'release a page-table lock', source: 'kernel-rules R3' },
  'lock-vma': { kernel: 'vma_start_read() / vma_start_write()', doc: 'take a VMA lock (a read lock waits while the VMA is write-locked; a write lock waits for readers)', source: 'kernel-rules R19' },
  'lock-range': { kernel: 'range_read_lock() / range_write_lock()', doc: 'range: take a range lock, waiting (in arrival order) while an earlier overlapping request is a write or this one is', source: 'kernel-rules R21; Bueso "locking: Introduce range reader/writer lock"' },
  'unlock-range': { kernel: 'range_read_unlock() / range_write_unlock()', doc: 'range: release a range lock', source: 'kernel-rules R21' },
  'unlock-vma': { kernel: 'vma_end_read()', doc: 'release a VMA read lock', source: 'kernel-rules R19' },
  'irq-off': { kernel: 'local_irq_disable()', doc: 'IRQs off: this CPU answers no shootdown IPI and holds off RCU grace periods', source: 'kernel-rules R11' },
  'irq-on': { kernel: 'local_irq_enable()', doc: 'IRQs on', source: 'kernel-rules R11' },
  kwrite: { kernel: 'kernel write through a page reference', doc: 'write the referenced frame directly (DMA, O_DIRECT)', source: 'SPEC §4' },
  kread: { kernel: 'kernel read through a page reference', doc: 'read the referenced frame directly', source: 'SPEC §4' },
  put: { kernel: 'put_page() / unpin_user_page()', doc: 'drop the reference or pin; the frame is freed with its last reference', source: 'kernel-paths §12.2' },
} as const satisfies Record<string, MicroSpec>;

export type MicroKind = keyof typeof MICRO;

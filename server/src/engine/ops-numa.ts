// The catalogue entries of `numa` and `migrate` (issue 10), spread into OPS (ops.ts).
import type { OpSpec } from './ops';

export const NUMA_OPS: readonly OpSpec[] = [
  {
    name: 'numa',
    group: 'kernel',
    summary:
      'NUMA hinting scan (task_numa_work() -> change_prot_numa()): under mmap_lock for read, make the PTEs of the range prot-none (change_protection(MM_CP_PROT_NUMA), skipping the zero page, dirty page-cache pages and possibly shared or pinned pages of private VMAs) with the TLB flush deferred to tlb_finish_mmu() and tlb_flush_pending raised meanwhile. An access to a prot-none PTE faults into do_numa_page(), which makes it present again (writable where can_change_pte_writable() allows).',
    forms: [{ slots: [{ kind: 'range' }], synopsis: 'numa RANGE' }],
    flags: [],
    options: [
      {
        key: 'migrate',
        doc: 'What the NUMA hinting fault (do_numa_page) does with a page this scan made prot-none.',
        values: [
          { value: 'off', doc: 'the page is on the right node: restore the PTE (numa_rebuild_single_mapping) and return.' },
          { value: 'on', doc: 'the page is misplaced: isolate it under the PTL (migrate_misplaced_folio_prepare), drop the PTL and migrate it (migrate_misplaced_folio -> migrate_pages, the `migrate` path), then return; the access retries on the new page.' },
        ],
      },
    ],
    assign: 'none',
  },
  {
    name: 'migrate',
    group: 'kernel',
    summary:
      "Page migration (migrate_pages() -> migrate_folio_unmap() -> try_to_migrate() -> move_to_new_folio() -> remove_migration_ptes()) of the anonymous page mapped at ADDR (or the frame FRAME, wherever it is mapped), as compaction or move_pages() do: no mmap_lock. Isolate and lock the page; walk the rmap over every mm mapping it and, under each PTL, replace the PTE with a migration entry, flushing the TLB if pte_accessible(); copy the page to a new frame (fails with the old mappings restored if a reference other than the isolation's remains); install the new PTEs; unlock and free the old frame. A fault on a migration entry waits (migration_entry_wait) until the new PTE is installed.",
    forms: [
      { slots: [{ kind: 'addr' }], synopsis: 'migrate ADDR' },
      { slots: [{ kind: 'frame' }], synopsis: 'migrate FRAME' },
    ],
    flags: [],
    options: [
      {
        key: 'pending',
        doc: 'What try_to_migrate_one() (ptep_clear_flush) does with a prot-none PTE while a TLB flush is pending on the mm.',
        values: [
          { value: 'check', doc: 'flush it: pte_accessible() is true for a PROT_NONE / NUMA PTE when mm_tlb_flush_pending(mm) (20841405940e, 3.13+): another CPU may still write through a TLB entry cached before the PTE became prot-none.' },
          { value: 'ignore', doc: 'before 20841405940e: a prot-none PTE is not accessible, so it is not flushed, and a CPU can keep writing to the old page through its stale entry while it is copied and freed.' },
        ],
      },
    ],
    assign: 'none',
  },
];

// The catalogue entries of mremap and truncate (issue 10; historic race #4, CVE-2018-18281),
// kept beside ops.ts, which lists them in OPS. Their expansion is in expand-move.ts.
import type { OpSpec } from './ops';
import { BATCHED_OPTION } from './ops-reclaim';

export const MOVE_OPS: readonly OpSpec[] = [
  {
    name: 'mremap',
    group: 'kernel',
    summary:
      'mremap(MREMAP_MAYMOVE|MREMAP_FIXED) of the whole range to NEW_ADDR, same length (move_vma() → move_page_tables() → move_ptes()): under mmap_lock for write, copy_vma() creates the VMA at NEW_ADDR, each page table\'s PTEs move under the old and the new PTL nested (old → none, new ← pte), the old range\'s TLB entries are flushed, and the old VMA is unmapped. The destination must be free.',
    forms: [{ slots: [{ kind: 'range' }], synopsis: 'mremap RANGE -> NEW_ADDR' }],
    flags: [],
    options: [
      {
        key: 'flush',
        doc: 'Where move_ptes() flushes the TLB entries of the old addresses of the PTEs it moved.',
        values: [
          { value: 'ptl', doc: 'flush_tlb_range(old range) before dropping the old and new PTLs whenever a present PTE moved (eb66ae030829, 4.19; current mainline: "Both old and new PTL matter: ... the new one to make sure the physical page stays valid until the TLB entry for the old mapping has been flushed").' },
          { value: 'dirty', doc: 'under the PTLs only when a dirty PTE moved (5d1904204c99 "mremap: fix race between mremap() and page cleanning", 4.9-4.18), otherwise in move_page_tables() after the PTLs: a clean (read-only) PTE leaves a stale entry through which a load reads the page after truncate freed it (CVE-2018-18281 as Jann Horn found it in 4.18).' },
          { value: 'deferred', doc: 'always flush_tlb_range(old range) in move_page_tables() after move_ptes() dropped both PTLs (before 4.9): truncate or reclaim can zap the new PTE, flush only the new address and free the page while another CPU still writes through its TLB entry for the old one.' },
        ],
      },
      BATCHED_OPTION,
    ],
    assign: 'none',
    target: { kind: 'addr', required: true, doc: 'the page-aligned address the range moves to (MREMAP_FIXED); nothing may be mapped there' },
  },
  {
    name: 'truncate',
    group: 'kernel',
    summary:
      'truncate(2) of a file\'s pages, named by their page-cache frames (truncate_setsize() → truncate_pagecache(): i_size_write(), unmap_mapping_range(), truncate_inode_pages_range()): no mmap_lock; the rmap walk of the file\'s i_mmap tree reaches every VMA of every mm that maps the pages (R24), zaps each PTE under its PTL (private COW copies too: even_cows), flushes that mm\'s TLB for the zapped addresses, then removes the pages from the page cache and drops the cache\'s reference (the frame is freed with its last one). A later fault on a truncated page gets SIGBUS.',
    forms: [{ slots: [{ kind: 'frames' }], synopsis: 'truncate FRAME [FRAME …]' }],
    flags: [],
    options: [],
    assign: 'none',
  },
];

// The catalogue entries of reclaim (ops.ts lists them): the `reclaim` op and the `batched=`
// option of the PTE walkers that call flush_tlb_batched_pending() (mprotect, munmap, madvise,
// mremap).
import type { OptionSpec, OpSpec } from './ops';

// reclaim: flush_tlb_batched_pending() in the PTE walkers (3ea277194daa)
export const BATCHED_OPTION: OptionSpec = {
  key: 'batched',
  doc: "Whether the walker calls flush_tlb_batched_pending(mm) after taking each PTL: a reclaim that unmapped a page of this mm with its flush batched (mm->tlb_flush_batched) may have left a stale TLB entry behind a PTE that is already non-present.",
  values: [
    { value: 'check', doc: 'flush_tlb_batched_pending() under the PTL: if reclaim batched a flush for this mm, flush the mm\'s TLB on every CPU and clear the flag (3ea277194daa, 4.13+).' },
    { value: 'ignore', doc: 'no check (before 3ea277194daa): the walker finds the PTE already non-present, flushes nothing, and returns while a CPU still holds the entry reclaim has not flushed yet.' },
  ],
};

export const RECLAIM_OP: OpSpec = {
  name: 'reclaim',
  group: 'kernel',
  summary:
    'Page reclaim of one page (shrink_folio_list() -> try_to_unmap() -> try_to_unmap_one()): no mmap_lock; lock the folio, walk the rmap over every mm mapping it and, under each PTL, turn the PTE into a swap entry (an anonymous page) or none (a page-cache page); flush (batched or under the PTL), write the page out and free it. The page is the one mapped at ADDR in the thread\'s mm, or the frame FRAME.',
  forms: [
    { slots: [{ kind: 'addr' }], synopsis: 'reclaim ADDR' },
    { slots: [{ kind: 'frame' }], synopsis: 'reclaim FRAME' },
  ],
  flags: [],
  options: [
    {
      key: 'batch',
      doc: "Whether try_to_unmap_one() defers its TLB flush (should_defer_flush(): TTU_BATCH_FLUSH and an arch with ARCH_WANT_BATCHED_UNMAP_TLB_FLUSH, x86 and arm64).",
      values: [
        { value: 'on', doc: 'ptep_get_and_clear(); set_tlb_ubc_flush_pending(): mm->tlb_flush_batched is set and the flush waits for try_to_unmap_flush(), after the rmap walk and before the page is written out and freed (72b252aed506, 4.3+).' },
        { value: 'off', doc: 'ptep_clear_flush(): flush under the PTL.' },
      ],
    },
  ],
  assign: 'none',
};

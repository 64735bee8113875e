// The expansion of `reclaim` (kernel-paths §15): lock and isolate the page, the rmap walk one
// page table a micro-step (it repeats while a PTE maps the page), the batched flush, the
// write-out and free. The same under every design: reclaim takes none of their locks.
import type { Builder, DraftBase, Label } from './builder';
import { hex } from './format';
import type { Layout } from './layout';
import type { StepSpec } from './scenario';

export function emitReclaim(b: Builder, L: Layout, op: Extract<StepSpec, { op: 'reclaim' }>, base: DraftBase, opEnd: Label): void {
  const what = `reclaim ${op.addr !== undefined ? hex(op.addr) : (L.spec.frames[op.frame ?? -1]?.name ?? '?')}`;
  const page = op.addr !== undefined ? (L.pageIndex.get(op.addr) ?? -1) : -1;
  b.emit({ ...base, kind: 'reclaim-begin', page, text: `${what}: lock folio, isolate`, jumps: { skip: opEnd } });
  const again = b.label();
  b.place(again);
  const kernel = op.batch
    ? 'try_to_unmap_one(): page_vma_mapped_walk() [PTL]; ptep_get_and_clear(); set_tlb_ubc_flush_pending(); set_pte_at(swp_pte); folio_remove_rmap_pte(); folio_put()'
    : 'try_to_unmap_one(): page_vma_mapped_walk() [PTL]; ptep_clear_flush(); set_pte_at(swp_pte); folio_remove_rmap_pte(); folio_put()';
  b.emit({ ...base, kind: 'reclaim-unmap', text: `${what}: rmap walk: lock ptl, unmap pte${op.batch ? '' : ', flush tlb'}, unlock ptl`, kernel, jumps: { again } });
  if (op.batch) b.emit({ ...base, kind: 'reclaim-flush', text: `${what}: flush batched tlb (try_to_unmap_flush)` });
  b.emit({ ...base, kind: 'reclaim-free', text: `${what}: write out, free page`, next: opEnd });
}

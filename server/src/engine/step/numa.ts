// NUMA hinting (kernel-paths §18): which PTEs the scan (task_numa_work() -> change_prot_numa()
// -> change_protection(MM_CP_PROT_NUMA)) makes prot-none, and the hinting fault do_numa_page()
// (mm/memory.c), which makes such a PTE present again or, for a misplaced page (`numa …
// migrate=on`), isolates the page and migrates it (the `migrate` path, migrate.ts). The scan's
// own steps are change_protection's (change-protection.ts: numa-begin, change-ptes, change-end).
import type { ExecContext } from '../context';
import { frameFlags } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { L_ORIG, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { vmaFlagsAt } from '../vmas';
import { faultProt, setPte, unlockFaultPtl } from './fault';
import { canIsolate, isolate } from './migrate';

const F = L.PTE_FRAME_MASK;

/**
 * Whether the NUMA scan makes the present PTE `pte` of (mm, q) prot-none: task_numa_work()
 * skips inaccessible VMAs and read-only file VMAs; change_pte_range() with MM_CP_PROT_NUMA
 * skips a PTE already prot-none, the zero page, a dirty page-cache page
 * (folio_is_file_lru() && folio_test_dirty()) and, in a private (COW) VMA, a page that may be
 * pinned or mapped by another process (folio_maybe_dma_pinned() || folio_maybe_mapped_shared();
 * page_mapcount() != 1 before 6.x). NUMA node placement is not modelled: every other page is hinted.
 */
export function numaTarget(cx: ExecContext, s: State, mm: number, q: number, pte: number): boolean {
  if ((pte & F) === 0 || (pte & L.PTE_PROTNONE) !== 0) return false;
  const f = (pte & F) - 1;
  if (f === cx.L.zeroFrame) return false;
  const v = vmaFlagsAt(cx, s, mm, cx.L.pages[q]!);
  if (!v || v.prot === 0 || ((v.flags & L.VF_FILE) !== 0 && v.prot === 1)) return false;
  const ff = frameFlags(cx, s, f);
  if ((ff & L.FR_CACHE) !== 0 && (pte & L.PTE_DIRTY) !== 0) return false;
  if ((v.flags & L.VF_SHARED) === 0 && (s[cx.m.fr(f, L.F_PINS)]! > 0 || cx.m.mapcount(s, f) > 1)) return false;
  return true;
}

/**
 * do_numa_page()'s PTE rebuilt from the prot-none one (numa_rebuild_single_mapping():
 * pte_modify(old_pte, vma->vm_page_prot), writable if pte_write() or can_change_pte_writable()):
 * in a private writable VMA only an exclusive anonymous page (PageAnonExclusive) and with no
 * uffd-wp bit, in a shared one a shmem page (vm_page_prot is writable) or a dirty file page.
 */
function numaRestored(cx: ExecContext, s: State, t: number, mm: number, p: number, pte: number): number {
  const addr = cx.L.pages[p]!;
  const f = (pte & F) - 1;
  const v = vmaFlagsAt(cx, s, mm, addr);
  const np = pte & ~(L.PTE_PROTNONE | L.PTE_W);
  if (!v || faultProt(cx, s, t, mm, addr) !== 2) return np;
  if ((v.flags & L.VF_UFFD) !== 0 && (pte & L.PTE_UFFD) !== 0) return np;
  let w: boolean;
  if ((v.flags & L.VF_SHARED) !== 0) w = (v.flags & L.VF_FILE) === 0 || (pte & L.PTE_DIRTY) !== 0;
  else w = f !== cx.L.zeroFrame && (frameFlags(cx, s, f) & (L.FR_CACHE | L.FR_EXCL)) === L.FR_EXCL;
  return w ? np | L.PTE_W : np;
}

function numaPage(cx: ExecContext, s: State, t: number, ins: InstrOf<'numa-page'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const region = cx.L.pageRegion[p]!;
  const pte = s[m.pte(mm, p)]!;
  if (pte !== s[m.loc(t, L_ORIG)]) {
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.next; // pte_same failed: the access retries
  }
  const f = (pte & F) - 1;
  if (ins.jumps.migrate !== undefined && canIsolate(cx, s, f)) {
    // migrate_misplaced_folio_prepare() under the PTL, then pte_unmap_unlock() and
    // migrate_misplaced_folio()
    isolate(cx, s, t, f);
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.jumps.migrate;
  }
  setPte(cx, s, t, mm, p, region, numaRestored(cx, s, t, mm, p, pte), 'do_numa_page()');
  unlockFaultPtl(cx, s, t, ins, region);
  return ins.next;
}

export const NUMA: SemanticsPart<'numa-page'> = {
  'numa-page': {
    kernel: 'do_numa_page(): pte_same(); numa_rebuild_single_mapping() / migrate_misplaced_folio_prepare(); pte_unmap_unlock()',
    doc: 'under the PTL: re-check the prot-none snapshot (changed: the access retries); a misplaced page (numa migrate=on) that can be isolated is isolated and locked, the PTL dropped and the page migrated; otherwise the PTE is made present again, writable if can_change_pte_writable() allows; drop the PTL',
    source: 'kernel-paths §18.2',
    mover: 'N',
    run: numaPage,
    footprint: fp(['pte:page', 'vma:page', 'ptl:table', 'page-refs:any', 'tlb:mm-cpus', 'pte:any', 'mm:any'], ['pte:page', 'tlb:mm-cpus', 'page-refs:any', 'ptl:table']),
  },
};

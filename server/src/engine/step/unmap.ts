// Unmapping (mm/mmap.c __do_munmap(), mm/memory.c unmap_page_range(), mm/mmu_gather.c;
// kernel-paths §9, §10): munmap detaches the VMAs under the write lock (optionally downgrading
// it), and both munmap and madvise(MADV_DONTNEED) zap the PTEs table by table under each PTL
// into an mmu_gather; tlb_finish_mmu() flushes, then frees the page tables and drops the
// gathered references.
import type { ExecContext } from '../context';
import { frameFlags, gatherFlush, gatherPush } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { ptlDrop } from '../locks/ptl';
import { L_FLAGS, LF_CLEARED, LF_PENDING, LF_TABLES, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { checkPtl, checkWalk } from '../rules/lock-rules';
import { batchedPendingNeeded, flushBatchedPending, flushPages, flushRange, ipiEnabled, ipiWait, tagStale } from '../tlb';
import { isSwap } from '../swap';
import { coveredVmas, splitRange, vmaFlagsAnyState } from '../vmas';
import { raisePending } from './change-protection';
import { setPte } from './fault';
import { checkZapOfLiveVma } from './stack';

const F = L.PTE_FRAME_MASK;

type ZapOp = InstrOf<'zap-ptes'>['op'];

function inTable(cx: ExecContext, o: ZapOp, region: number): (q: number) => boolean {
  return (q) => cx.L.pageRegion[q] === region && cx.L.pages[q]! >= o.start && cx.L.pages[q]! < o.end;
}

/**
 * zap_pte_range() (v5.10 and v6.4 mm/memory.c): a dirty PTE of a page that is not anonymous
 * (`!PageAnon(page) && pte_dirty(ptent)`: a page-cache page, or a shmem page of a shared
 * anonymous VMA; any VMA) sets force_flush, and the TLB is flushed before the PTL is dropped (6.x:
 * force_flush only when tlb_delay_rmap(), true on SMP unless MMU_GATHER_NO_GATHER, which only
 * s390 selects). The zero page has no struct page there (vm_normal_page() is NULL).
 */
function zapForceFlush(cx: ExecContext, s: State, t: number, ins: InstrOf<'zap-ptes'>): boolean {
  const o = ins.op;
  const mm = cx.tMm[t]!;
  for (let p = 0; p < cx.L.nPage; p++) {
    if (cx.L.pageRegion[p] !== ins.region) continue;
    const a = cx.L.pages[p]!;
    if (a < o.start || a >= o.end) continue;
    const pte = s[cx.m.pte(mm, p)]!;
    if ((pte & F) === 0 || (pte & L.PTE_DIRTY) === 0) continue;
    const f = (pte & F) - 1;
    if (f === cx.L.zeroFrame) continue;
    // PageAnon: a shared VMA maps only file or shmem pages, a private one anonymous pages and
    // the page-cache pages it has not copied
    const v = vmaFlagsAnyState(cx, s, mm, a);
    if ((frameFlags(cx, s, f) & L.FR_CACHE) !== 0 || (v !== undefined && (v & L.VF_SHARED) !== 0)) return true;
  }
  return false;
}

/** tlb_finish_mmu(): mm_tlb_flush_nested() forces a flush (99baac21e458), unless modelled away. */
function nestedFlush(cx: ExecContext, s: State, t: number, op: ZapOp): boolean {
  if (op.op === 'madvise' && op.nested === 'ignore') return false;
  return s[cx.m.mm(cx.tMm[t]!, L.M_PENDING)]! > 1;
}

function tlbFinishNeedsFlush(cx: ExecContext, s: State, t: number, ins: InstrOf<'tlb-finish'>): boolean {
  const fl = s[cx.m.loc(t, L_FLAGS)]!;
  return (fl & (LF_CLEARED | LF_TABLES)) !== 0 || nestedFlush(cx, s, t, ins.op);
}

function munmapDetach(cx: ExecContext, s: State, t: number, ins: InstrOf<'munmap-detach'>): Next {
  const mm = cx.tMm[t]!;
  const o = ins.op;
  if (coveredVmas(cx, s, mm, o.start, o.end).length > 0) {
    cx.design.checkVmaWrite(cx, s, t, '__do_munmap()', o.start, o.end);
    splitRange(cx, s, mm, o.start, o.end);
    for (const v of coveredVmas(cx, s, mm, o.start, o.end)) s[cx.m.vma(mm, v, L.V_STATE)] = L.VMA_DETACHED;
  }
  return ins.next;
}

function gatherBegin(cx: ExecContext, s: State, t: number, ins: InstrOf<'gather-begin'>): Next {
  raisePending(cx, s, t);
  return ins.next;
}

function zapPtes(cx: ExecContext, s: State, t: number, ins: InstrOf<'zap-ptes'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const o = ins.op;
  const region = ins.region;
  checkWalk(cx, s, t, 'zap_pte_range()', inTable(cx, o, region));
  const force = zapForceFlush(cx, s, t, ins);
  flushBatchedPending(cx, s, t, o.batched);
  let fl = s[m.loc(t, L_FLAGS)]!;
  for (let q = 0; q < cx.L.nPage; q++) {
    if (cx.L.pageRegion[q] !== region) continue;
    const qa = cx.L.pages[q]!;
    if (qa < o.start || qa >= o.end) continue;
    if (o.op === 'madvise' && m.vmaAt(s, mm, qa) < 0) continue;
    const pte = s[m.pte(mm, q)]!;
    if ((pte & F) === 0) {
      // a migration entry is cleared (pte_clear_not_present_full); its page holds no reference of ours
      if ((pte & L.PTE_MIGRATION) !== 0) setPte(cx, s, t, mm, q, region, 0, 'zap_pte_range()');
      else {
        tagStale(cx, s, mm, q, 0);
        if (isSwap(pte)) {
          // zap_nonpresent_ptes(): free_swap_and_cache(); pte_clear()
          checkPtl(cx, s, t, mm, region, 'zap_pte_range()');
          s[m.pte(mm, q)] = 0;
        }
      }
      continue;
    }
    if (o.op === 'munmap') checkZapOfLiveVma(cx, s, t, mm, q, pte); // stack growth (issue 10)
    setPte(cx, s, t, mm, q, region, 0, 'zap_pte_range()');
    fl |= LF_CLEARED;
    const f = (pte & F) - 1;
    if (f !== cx.L.zeroFrame) gatherPush(cx, s, t, f);
  }
  s[m.loc(t, L_FLAGS)] = fl;
  if (force) flushPages(cx, s, mm, inTable(cx, o, region));
  if (!ins.inheritPtl) ptlDrop(cx, s, t, mm, region);
  return ins.next;
}

function freePgtables(cx: ExecContext, s: State, t: number, ins: InstrOf<'free-pgtables'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const b = cx.L.bounds;
  for (let r = 0; r < cx.L.nRegion; r++) {
    if (s[m.pt(mm, r, L.PT_STATE)] !== L.PT_PRESENT) continue;
    const lo2 = cx.L.regions[r]! * 0x200000;
    const hi2 = lo2 + 0x200000;
    let used = false;
    for (let v = 0; v < cx.L.nVma; v++) {
      const vo = m.vma(mm, v, 0);
      if (s[vo + L.V_STATE] !== L.VMA_LIVE) continue;
      if (b[s[vo + L.V_START]!]! < hi2 && lo2 < b[s[vo + L.V_END]!]!) used = true;
    }
    if (used) continue;
    // only tables the unmapped range touches
    if (!(ins.op.start < hi2 && lo2 < ins.op.end)) continue;
    s[m.pt(mm, r, L.PT_STATE)] = L.PT_NONE;
    s[m.pt(mm, r, L.PT_GEN)]!++;
    s[m.pt(mm, r, L.PT_OLD)] = L.OLD_PENDING;
    s[m.pt(mm, r, L.PT_RCUMASK)] = t + 1;
    s[m.loc(t, L_FLAGS)]! |= LF_TABLES;
  }
  return ins.next;
}

function tlbFinish(cx: ExecContext, s: State, t: number, ins: InstrOf<'tlb-finish'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const o = ins.op;
  const nested = nestedFlush(cx, s, t, o);
  const fl = s[m.loc(t, L_FLAGS)]!;
  if (nested) flushPages(cx, s, mm, () => true);
  else if ((fl & (LF_CLEARED | LF_TABLES)) !== 0) flushRange(cx, s, mm, o.start, o.end);
  // tlb_table_flush: page tables
  for (let r = 0; r < cx.L.nRegion; r++) {
    if (s[m.pt(mm, r, L.PT_OLD)] !== L.OLD_PENDING || s[m.pt(mm, r, L.PT_RCUMASK)] !== t + 1) continue;
    if (cx.spec.arch === 'arm64' && cx.spec.rcuTableFree) {
      let mask = 0;
      for (let u = 0; u < cx.L.nThread; u++) if (s[m.th(u, L.T_IRQ)] === 1) mask |= 1 << cx.tCpu[u]!;
      s[m.pt(mm, r, L.PT_OLD)] = mask === 0 ? L.OLD_FREED : L.OLD_RCU;
      s[m.pt(mm, r, L.PT_RCUMASK)] = mask;
    } else {
      s[m.pt(mm, r, L.PT_OLD)] = L.OLD_FREED;
      s[m.pt(mm, r, L.PT_RCUMASK)] = 0;
    }
  }
  // tlb_batch_pages_flush: the gathered references
  gatherFlush(cx, s, t);
  if (fl & LF_PENDING) s[m.mm(mm, L.M_PENDING)]!--;
  s[m.loc(t, L_FLAGS)] = fl & ~(LF_PENDING | LF_CLEARED | LF_TABLES);
  return ins.next;
}

function munmapEnd(cx: ExecContext, s: State, t: number, ins: InstrOf<'munmap-end'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  cx.design.endVmaBrackets(cx, s, t);
  for (let v = 0; v < cx.L.nVma; v++) {
    const o = m.vma(mm, v, 0);
    if (s[o + L.V_STATE] === L.VMA_DETACHED) for (let k = 0; k < L.V_SIZE; k++) s[o + k] = 0;
  }
  if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
  return ins.next;
}

function madviseEnd(cx: ExecContext, s: State, t: number, ins: InstrOf<'madvise-end'>): Next {
  if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
  return ins.next;
}

export const UNMAP: SemanticsPart<'munmap-detach' | 'gather-begin' | 'zap-ptes' | 'free-pgtables' | 'tlb-finish' | 'munmap-end' | 'madvise-end'> = {
  'munmap-detach': {
    kernel: '__do_munmap(): __split_vma(); detach_vmas_to_be_unmapped()',
    doc: 'split at the range ends and unlink the VMAs: faults no longer find them',
    source: 'kernel-paths §9',
    mover: 'N',
    run: munmapDetach,
    footprint: fp(['vma:range', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:range', 'vma-seq:range'], ['vma:range', 'vma-lock:range', 'vma-seq:range']),
  },
  'gather-begin': {
    kernel: 'tlb_gather_mmu(): inc_tlb_flush_pending()',
    doc: 'start an mmu_gather: raise tlb_flush_pending',
    source: 'kernel-paths §9, §10',
    mover: 'N',
    run: gatherBegin,
    footprint: fp(['flush-pending:mm'], ['flush-pending:mm']),
  },
  'zap-ptes': {
    kernel: 'zap_pte_range(): ptep_get_and_clear_full(); page_remove_rmap(); __tlb_remove_page(); [force_flush] tlb_flush_mmu_tlbonly(); pte_unmap_unlock()',
    doc: 'under the PTL: clear each present PTE of the range in this table, drop its mapcount, keep its reference in the gather until the flush; a dirty PTE of a non-anonymous page (page cache or shmem) forces the flush of the table before the PTL is dropped; drop the PTL',
    source: 'kernel-paths §9 step 4',
    mover: 'N',
    enabled: (cx, s, t, ins) => (!zapForceFlush(cx, s, t, ins) && !batchedPendingNeeded(cx, s, t, ins.op.batched)) || ipiEnabled(cx, s, t),
    waitsFor: ipiWait,
    run: zapPtes,
    // frame:any: a live VMA's zapped page holds data (stack growth, issue 10)
    footprint: fp(
      ['pte:table', 'vma:range', 'ptl:table', 'page-refs:any', 'tlb:mm-cpus', 'irq:mm-cpus', 'thread-control:mm', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:range', 'frame:any', 'flush-batched:mm'],
      ['pte:table', 'tlb:mm-cpus', 'ptl:table', 'flush-batched:mm'],
    ),
  },
  'free-pgtables': {
    kernel: 'free_pgtables(): pmd_clear(); pte_free_tlb()',
    doc: 'unhook each page table whose 2 MiB span no VMA uses any more; its freeing waits for the flush',
    source: 'kernel-paths §9 step 5',
    mover: 'N',
    run: freePgtables,
    footprint: fp(['page-table:range', 'vma:mm'], ['page-table:range']),
  },
  'tlb-finish': {
    kernel: 'tlb_finish_mmu(): tlb_flush_mmu(); tlb_table_flush(); tlb_batch_pages_flush(); dec_tlb_flush_pending()',
    doc: 'flush every CPU (forced if flushes are nested), then free page tables (RCU on arm64) and drop the gathered references, lower tlb_flush_pending',
    source: 'kernel-paths §9 step 6, §10',
    mover: 'N',
    enabled: (cx, s, t, ins) => !tlbFinishNeedsFlush(cx, s, t, ins) || ipiEnabled(cx, s, t),
    waitsFor: ipiWait,
    run: tlbFinish,
    footprint: fp(['flush-pending:mm', 'irq:mm-cpus', 'irq:any', 'thread-control:mm', 'page-table:mm', 'page-refs:any', 'tlb:any'], ['tlb:mm-cpus', 'page-table:mm', 'page-refs:any', 'flush-pending:mm']),
  },
  'munmap-end': {
    kernel: 'remove_vma_list(); mmap_*_unlock()',
    doc: 'free the detached VMAs and release mmap_lock',
    source: 'kernel-paths §9',
    mover: 'L',
    run: munmapEnd,
    footprint: fp(['vma:range', 'mmap-lock:mm', 'range-lock:mm'], ['vma:range', 'vma-lock:mm', 'vma-seq:mm', 'mmap-lock:mm', 'range-lock:mm', 'thread-control:any']),
  },
  'madvise-end': {
    kernel: 'mmap_read_unlock()',
    doc: 'release mmap_lock',
    source: 'kernel-paths §10',
    mover: 'L',
    run: madviseEnd,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm'], ['mmap-lock:mm', 'range-lock:mm', 'vma-lock:mm', 'thread-control:any']),
  },
};

// Page reclaim of one page (mm/vmscan.c shrink_folio_list(), mm/rmap.c try_to_unmap() ->
// try_to_unmap_one(); kernel-paths §15): no mmap_lock. The folio is locked and isolated; the
// rmap walk (anon_vma lock or i_mmap_rwsem, not modelled: kernel-rules R24) visits every mm
// mapping it and, under each PTL, clears the PTE into a swap entry (an anonymous page) or none
// (a page-cache page). With batch=on the flush is deferred (set_tlb_ubc_flush_pending():
// mm->tlb_flush_batched is set, kernel-rules R7c) until try_to_unmap_flush(); with batch=off it
// is ptep_clear_flush() under the PTL. Then the page is written out and freed.
import type { ExecContext } from '../context';
import { frameFlags, getRef, putRef } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { ptlAvailable, ptlDrop, ptlHolder, ptlTake } from '../locks/ptl';
import { L_OLD, L_SEQ, type State } from '../machine';
import { fp, type Next, type SemanticsPart, type WaitInfo } from '../micro-sem';
import { checkSleep } from '../rules/lock-rules';
import { isSwapCached, swapCachedPte, swapField, swapSlotPte } from '../swap';
import { flushPages, ipiOk } from '../tlb';
import { setPte } from './fault';

const F = L.PTE_FRAME_MASK;

/** The frame a reclaim names: the page mapped at ADDR in the thread's mm, or FRAME; -1 if none. */
function target(cx: ExecContext, s: State, t: number, ins: InstrOf<'reclaim-begin'>): number {
  const o = ins.op;
  if (o.frame !== undefined) return o.frame;
  if (ins.page < 0) return -1;
  return (s[cx.m.pte(cx.tMm[t]!, ins.page)]! & F) - 1;
}

/** Does a shared anonymous VMA (shmem) of some mm map frame f? */
function shmemMapped(cx: ExecContext, s: State, f: number): boolean {
  const m = cx.m;
  for (let mm = 0; mm < cx.L.nMm; mm++) {
    if (s[m.mm(mm, L.M_EXISTS)] === 0) continue;
    for (let p = 0; p < cx.L.nPage; p++) {
      if ((s[m.pte(mm, p)]! & F) !== f + 1) continue;
      const v = m.vmaAt(s, mm, cx.L.pages[p]!);
      if (v >= 0 && (s[m.vma(mm, v, L.V_FLAGS)]! & (L.VF_FILE | L.VF_SHARED)) === L.VF_SHARED) return true;
    }
  }
  return false;
}

/**
 * shrink_folio_list(): folio_trylock() and the isolation reference. The model reclaims only a
 * page it can unmap entirely: mapped by a modelled mm, not the zero page, not locked by another
 * reclaim (folio_trylock fails: keep), not pinned (shrink_folio_list(): folio_maybe_dma_pinned()
 * → activate), not mapped by an unmodelled mm (`shared`), not shmem (the model
 * has no shmem object to keep it in). Otherwise the op does nothing.
 */
function reclaimBegin(cx: ExecContext, s: State, t: number, ins: InstrOf<'reclaim-begin'>): Next {
  const m = cx.m;
  // reclaim sleeps (the rmap locks, the write-out): never from atomic context
  checkSleep(cx, s, t, 'shrink_folio_list()');
  const f = target(cx, s, t, ins);
  if (f < 0 || f === cx.L.zeroFrame) return ins.jumps.skip;
  const fl = frameFlags(cx, s, f);
  // a page isolated by another reclaim or by a migration is off the LRU: not this reclaim's
  if ((fl & L.FR_LIVE) === 0 || (fl & (L.FR_FREED | L.FR_RECLAIM | L.FR_ISOLATED | L.FR_SHARED | L.FR_ZERO)) !== 0) return ins.jumps.skip;
  if (s[m.fr(f, L.F_PINS)]! > 0 || m.mapcount(s, f) === 0 || shmemMapped(cx, s, f)) return ins.jumps.skip;
  getRef(cx, s, f);
  s[m.fr(f, L.F_FLAGS)]! |= L.FR_RECLAIM;
  s[m.loc(t, L_OLD)] = f + 1;
  s[m.loc(t, L_SEQ)] = 0;
  return ins.next;
}

/**
 * The first page table (global index, mm-major) with a present PTE mapping frame f, or -1. A
 * page pinned since reclaim-begin (GUP-fast) ends the walk: try_to_unmap_one() refuses a
 * possibly pinned exclusive page (folio_try_share_anon_rmap_pte() fails), and reclaim keeps it.
 */
function nextTable(cx: ExecContext, s: State, f: number): number {
  const m = cx.m;
  if (s[m.fr(f, L.F_PINS)]! > 0) return -1;
  for (let mm = 0; mm < cx.L.nMm; mm++) {
    if (s[m.mm(mm, L.M_EXISTS)] === 0) continue;
    for (let p = 0; p < cx.L.nPage; p++) if ((s[m.pte(mm, p)]! & F) === f + 1) return m.ptIndex(mm, cx.L.pageRegion[p]!);
  }
  return -1;
}

function unmapEnabled(cx: ExecContext, s: State, t: number, ins: InstrOf<'reclaim-unmap'>): boolean {
  const idx = nextTable(cx, s, s[cx.m.loc(t, L_OLD)]! - 1);
  if (idx < 0) return true;
  const mm = Math.floor(idx / cx.L.nRegion);
  return ptlAvailable(cx, s, t, mm, idx % cx.L.nRegion) && (ins.op.batch || ipiOk(cx, s, t, mm));
}

/** Threads of mm other than t with IRQs off: they hold up a shootdown IPI (x86). */
function irqOffIn(cx: ExecContext, s: State, t: number, mm: number): number[] {
  const out: number[] = [];
  for (let u = 0; u < cx.L.nThread; u++) if (u !== t && cx.tMm[u] === mm && s[cx.m.th(u, L.T_IRQ)] === 1) out.push(u);
  return out;
}

function unmapWait(cx: ExecContext, s: State, t: number): WaitInfo {
  const idx = nextTable(cx, s, s[cx.m.loc(t, L_OLD)]! - 1);
  const mm = Math.floor(idx / cx.L.nRegion);
  const holder = idx < 0 ? -1 : ptlHolder(cx, s, mm, idx % cx.L.nRegion);
  if (holder >= 0 && holder !== t) return { thread: t, what: 'a page-table lock (the rmap walk of reclaim)', holders: [holder] };
  return { thread: t, what: 'a TLB shootdown IPI that CPUs with IRQs off do not answer', holders: irqOffIn(cx, s, t, mm) };
}

/**
 * try_to_unmap_one() on one page table: under its PTL, each PTE mapping the page is cleared
 * (ptep_get_and_clear() with the flush batched, ptep_clear_flush() without), becomes a swap
 * entry (PageAnon: swap_duplicate(); set_pte_at(swp_pte)) or stays none (a page-cache page),
 * and drops its mapping (page_remove_rmap(); folio_put()). The walk goes on while a table maps it.
 */
function reclaimUnmap(cx: ExecContext, s: State, t: number, ins: InstrOf<'reclaim-unmap'>): Next {
  const m = cx.m;
  const f = s[m.loc(t, L_OLD)]! - 1;
  const idx = nextTable(cx, s, f);
  if (idx < 0) return ins.next;
  const mm = Math.floor(idx / cx.L.nRegion);
  const region = idx % cx.L.nRegion;
  const own = ptlHolder(cx, s, mm, region) === t;
  if (!own) ptlTake(cx, s, t, mm, region);
  const anon = (frameFlags(cx, s, f) & L.FR_CACHE) === 0;
  for (let p = 0; p < cx.L.nPage; p++) {
    if (cx.L.pageRegion[p] !== region || (s[m.pte(mm, p)]! & F) !== f + 1) continue;
    setPte(cx, s, t, mm, p, region, anon ? swapCachedPte(t) : 0, 'try_to_unmap_one()');
    if (ins.op.batch) {
      // set_tlb_ubc_flush_pending(): the CPUs of this mm join the batch; mm->tlb_flush_batched
      s[m.mm(mm, L.M_BATCHED)] = 1;
      s[m.loc(t, L_SEQ)]! |= 1 << mm;
    } else flushPages(cx, s, mm, (q) => q === p);
    putRef(cx, s, f);
  }
  if (!own) ptlDrop(cx, s, t, mm, region);
  return nextTable(cx, s, f) >= 0 ? ins.jumps.again : ins.next;
}

function batchedMms(cx: ExecContext, s: State, t: number): number[] {
  const mask = s[cx.m.loc(t, L_SEQ)]!;
  const out: number[] = [];
  for (let mm = 0; mm < cx.L.nMm; mm++) if (mask & (1 << mm)) out.push(mm);
  return out;
}

/**
 * try_to_unmap_flush_dirty() before pageout() and try_to_unmap_flush() before the free: the
 * batched flush (x86 arch_tlbbatch_flush(): every CPU of the batch, whole TLB). The model does
 * not track dirty bits in TLB entries, so a writable entry is assumed dirty and the flush comes
 * before the page is written out. mm->tlb_flush_batched stays set: only flush_tlb_batched_pending() clears it.
 */
function reclaimFlush(cx: ExecContext, s: State, t: number, ins: InstrOf<'reclaim-flush'>): Next {
  for (const mm of batchedMms(cx, s, t)) flushPages(cx, s, mm, () => true);
  s[cx.m.loc(t, L_SEQ)] = 0;
  return ins.next;
}

/**
 * pageout() and __remove_mapping(): the page's contents go to its swap slot (every swap entry
 * that reclaim wrote now reads the value written), the folio is unlocked and the isolation
 * reference dropped, which frees it. A page still mapped (the walk was refused), pinned, or
 * held by another reference (GUP, `refs=N`, the page cache) is kept: __remove_mapping()'s
 * refcount freeze fails and the page stays in the swap cache, where the next fault on each of
 * its swap entries finds it (do_swap_page); the model maps it again at once, read-only (a write
 * fault then reuses or copies it, per the reuse rule).
 */
function reclaimFree(cx: ExecContext, s: State, t: number, ins: InstrOf<'reclaim-free'>): Next {
  const m = cx.m;
  const f = s[m.loc(t, L_OLD)]! - 1;
  const keep = s[m.fr(f, L.F_REFS)]! > 1 || s[m.fr(f, L.F_PINS)]! > 0 || m.mapcount(s, f) > 0;
  const slot = swapSlotPte(s[m.fr(f, L.F_VALUE)]!);
  let restored = 0;
  for (let mm = 0; mm < cx.L.nMm; mm++) {
    for (let p = 0; p < cx.L.nPage; p++) {
      const pte = s[m.pte(mm, p)]!;
      if (!isSwapCached(pte) || swapField(pte) !== t) continue;
      if (keep) {
        s[m.pte(mm, p)] = f + 1;
        getRef(cx, s, f);
        restored++;
      } else s[m.pte(mm, p)] = slot;
    }
  }
  // mapped again by more than one PTE (a fork copied a swap entry): no longer exclusive
  if (restored > 0 && m.mapcount(s, f) > 1) s[m.fr(f, L.F_FLAGS)]! &= ~L.FR_EXCL;
  s[m.fr(f, L.F_FLAGS)]! &= ~L.FR_RECLAIM;
  putRef(cx, s, f);
  s[m.loc(t, L_OLD)] = 0;
  return ins.next;
}

export const RECLAIM: SemanticsPart<'reclaim-begin' | 'reclaim-unmap' | 'reclaim-flush' | 'reclaim-free'> = {
  'reclaim-begin': {
    kernel: 'shrink_folio_list(): folio_trylock(); add_to_swap()',
    doc: 'lock and isolate the page (a reference); a page that is not mapped, is the zero page, is locked by another reclaim, is pinned, is mapped by an unmodelled mm or is shmem is kept: the op does nothing',
    source: 'kernel-paths §15 step 1',
    mover: 'N',
    run: reclaimBegin,
    footprint: fp(['pte:page', 'pte:any', 'mm:any', 'vma:any', 'page-refs:any', 'irq:cpu', 'ptl:mm'], ['page-refs:any']),
  },
  'reclaim-unmap': {
    kernel: 'try_to_unmap_one(): page_vma_mapped_walk() [PTL]; ptep_get_and_clear(); set_tlb_ubc_flush_pending() or ptep_clear_flush(); set_pte_at(swp_pte); folio_remove_rmap_pte(); folio_put()',
    doc: 'the rmap walk, one page table a step, in any mm (no mmap_lock): under its PTL clear each PTE mapping the page into a swap entry (anonymous) or none (page cache), batch the flush (mm->tlb_flush_batched) or flush under the PTL (batch=off), drop the mapping',
    source: 'kernel-paths §15 step 2; kernel-rules R7c, R24',
    mover: 'N',
    enabled: unmapEnabled,
    waitsFor: unmapWait,
    run: reclaimUnmap,
    footprint: fp(
      ['pte:any', 'mm:any', 'ptl:any', 'page-refs:any', 'irq:any', 'thread-control:any', 'tlb:any'],
      ['pte:any', 'ptl:any', 'page-refs:any', 'tlb:any', 'flush-batched:any'],
    ),
  },
  'reclaim-flush': {
    kernel: 'try_to_unmap_flush_dirty(); try_to_unmap_flush(): arch_tlbbatch_flush()',
    doc: 'flush the TLBs of every mm whose flush was batched, on every CPU, before the page is written out',
    source: 'kernel-paths §15 step 3; kernel-rules R7c',
    mover: 'N',
    enabled: (cx, s, t) => batchedMms(cx, s, t).every((mm) => ipiOk(cx, s, t, mm)),
    waitsFor: (cx, s, t) => ({ thread: t, what: 'a TLB shootdown IPI that CPUs with IRQs off do not answer', holders: batchedMms(cx, s, t).flatMap((mm) => irqOffIn(cx, s, t, mm)) }),
    run: reclaimFlush,
    footprint: fp(['irq:any', 'thread-control:any'], ['tlb:any']),
  },
  'reclaim-free': {
    kernel: 'pageout(); __remove_mapping(); folio_unlock(); free_unref_folios()',
    doc: "write the page to its swap slot (the swap entries now read that value), unlock it and drop the isolation reference, which frees it; a page still mapped, pinned or referenced is kept in the swap cache (the model maps it again, read-only, where reclaim left swap entries)",
    source: 'kernel-paths §15 step 4',
    mover: 'N',
    run: reclaimFree,
    footprint: fp(['pte:any', 'mm:any', 'frame:any', 'page-refs:any', 'tlb:any'], ['pte:any', 'page-refs:any']),
  },
};

// truncate (mm/truncate.c truncate_pagecache(), mm/memory.c unmap_mapping_range(); kernel-paths
// §17): no mmap_lock. i_size_write() first, so a fault on a page past the new size gets SIGBUS;
// then the rmap walk of the file's i_mmap tree reaches every VMA of every mm that maps the
// pages (R24: the walk holds i_mmap_rwsem and each PTL, never mmap_lock) and zaps their PTEs
// (even_cows: private COW copies too) with an mmu_gather per VMA (zap_page_range_single():
// flush, then drop the mappings' references); then truncate_inode_pages_range() deletes the
// pages from the page cache and drops the cache's reference, which frees a page nobody else
// holds. The flush covers the zapped virtual addresses only (R23): a TLB entry for another
// address of the page (an mremap's old address, not yet flushed) survives it.
import type { ExecContext } from '../context';
import { frameFlags, gatherFlush, gatherPush, putRef } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { ptlAvailable, ptlDrop, ptlHolder, ptlTake } from '../locks/ptl';
import { L_FLAGS, LF_CLEARED, LF_PENDING, type State } from '../machine';
import { fp, type Next, type SemanticsPart, type WaitInfo } from '../micro-sem';
import { flushPages, ipiOk, ipiWaitMm } from '../tlb';
import { vmaFlagsAnyState } from '../vmas';
import { setPte } from './fault';

const F = L.PTE_FRAME_MASK;

type TruncInstr = InstrOf<'truncate-zap'> | InstrOf<'truncate-flush'>;

/**
 * The pages of (ins.mm, ins.region) whose file page is truncated by this op and that a live
 * file VMA maps there: what unmap_mapping_range_tree() reaches through i_mmap.
 */
function walkPages(cx: ExecContext, s: State, ins: TruncInstr): number[] {
  const out: number[] = [];
  const mm = ins.mm;
  const row = cx.L.cacheFrame[mm]!;
  for (let p = 0; p < cx.L.nPage; p++) {
    if (cx.L.pageRegion[p] !== ins.region || !ins.op.frames.includes(row[p]!)) continue;
    const v = cx.m.vmaAt(s, mm, cx.L.pages[p]!);
    if (v < 0 || (s[cx.m.vma(mm, v, L.V_FLAGS)]! & L.VF_FILE) === 0) continue;
    out.push(p);
  }
  return out;
}

/** zap_pte_range()'s force_flush: a dirty PTE of a page that is not anonymous (unmap.ts zapForceFlush). */
function zapForce(cx: ExecContext, s: State, ins: InstrOf<'truncate-zap'>): boolean {
  for (const p of walkPages(cx, s, ins)) {
    const pte = s[cx.m.pte(ins.mm, p)]!;
    if ((pte & F) === 0 || (pte & L.PTE_DIRTY) === 0) continue;
    const f = (pte & F) - 1;
    if (f === cx.L.zeroFrame) continue;
    const v = vmaFlagsAnyState(cx, s, ins.mm, cx.L.pages[p]!);
    if ((frameFlags(cx, s, f) & L.FR_CACHE) !== 0 || (v !== undefined && (v & L.VF_SHARED) !== 0)) return true;
  }
  return false;
}

function isize(cx: ExecContext, s: State, _t: number, ins: InstrOf<'truncate-isize'>): Next {
  for (const f of ins.op.frames) s[cx.m.fr(f, L.F_FLAGS)]! |= L.FR_TRUNCATED;
  return ins.next;
}

function zap(cx: ExecContext, s: State, t: number, ins: InstrOf<'truncate-zap'>): Next {
  const m = cx.m;
  const mm = ins.mm;
  const pages = walkPages(cx, s, ins);
  if (pages.length === 0) return ins.next; // no VMA maps the file there: the walk skips it
  const force = zapForce(cx, s, ins);
  // tlb_gather_mmu(): inc_tlb_flush_pending(vma->vm_mm) until tlb_finish_mmu()
  if ((s[m.loc(t, L_FLAGS)]! & LF_PENDING) === 0) {
    s[m.mm(mm, L.M_PENDING)]!++;
    s[m.loc(t, L_FLAGS)]! |= LF_PENDING;
  }
  ptlTake(cx, s, t, mm, ins.region);
  let cleared = false;
  for (const p of pages) {
    const pte = s[m.pte(mm, p)]!;
    if ((pte & F) === 0) continue;
    setPte(cx, s, t, mm, p, ins.region, 0, 'zap_pte_range()');
    const f = (pte & F) - 1;
    if (f !== cx.L.zeroFrame) gatherPush(cx, s, t, f);
    cleared = true;
  }
  if (cleared) s[m.loc(t, L_FLAGS)]! |= LF_CLEARED;
  if (force) flushPages(cx, s, mm, (q) => pages.includes(q));
  ptlDrop(cx, s, t, mm, ins.region);
  return ins.next;
}

function zapEnabled(cx: ExecContext, s: State, t: number, ins: InstrOf<'truncate-zap'>): boolean {
  if (walkPages(cx, s, ins).length === 0) return true;
  return ptlAvailable(cx, s, t, ins.mm, ins.region) && (!zapForce(cx, s, ins) || ipiOk(cx, s, t, ins.mm));
}

function flushNeeded(cx: ExecContext, s: State, t: number): boolean {
  return (s[cx.m.loc(t, L_FLAGS)]! & LF_CLEARED) !== 0;
}

/** tlb_finish_mmu() of zap_page_range_single(): flush the zapped addresses of that mm, then drop the gathered references. */
function flush(cx: ExecContext, s: State, t: number, ins: InstrOf<'truncate-flush'>): Next {
  if (flushNeeded(cx, s, t)) {
    // the addresses of this table that back the truncated pages (the VMA's zapped range)
    const row = cx.L.cacheFrame[ins.mm]!;
    flushPages(cx, s, ins.mm, (q) => cx.L.pageRegion[q] === ins.region && ins.op.frames.includes(row[q]!));
  }
  gatherFlush(cx, s, t);
  if (s[cx.m.loc(t, L_FLAGS)]! & LF_PENDING) s[cx.m.mm(ins.mm, L.M_PENDING)]!--; // dec_tlb_flush_pending()
  s[cx.m.loc(t, L_FLAGS)]! &= ~(LF_CLEARED | LF_PENDING);
  return ins.next;
}

/** truncate_inode_pages_range(): delete each page from the page cache and drop the cache's reference. */
function remove(cx: ExecContext, s: State, _t: number, ins: InstrOf<'truncate-remove'>): Next {
  for (const f of ins.op.frames) {
    const fl = frameFlags(cx, s, f);
    if ((fl & L.FR_CACHE) === 0 || (fl & L.FR_INCACHE_GONE) !== 0) continue;
    s[cx.m.fr(f, L.F_FLAGS)]! |= L.FR_INCACHE_GONE;
    putRef(cx, s, f);
  }
  return ins.next;
}

function zapWait(cx: ExecContext, s: State, t: number, ins: InstrOf<'truncate-zap'>): WaitInfo {
  const h = ptlHolder(cx, s, ins.mm, ins.region);
  if (h >= 0 && h !== t) return { thread: t, what: 'a page-table lock', holders: [h] };
  return ipiWaitMm(cx, s, t, ins.mm);
}

export const TRUNCATE: SemanticsPart<'truncate-isize' | 'truncate-zap' | 'truncate-flush' | 'truncate-remove'> = {
  'truncate-isize': {
    kernel: 'truncate_setsize(): i_size_write()',
    doc: 'the file shrinks: from now on a fault on one of its truncated pages gets SIGBUS (filemap_fault(): index >= max_idx)',
    source: 'kernel-paths §17 step 1',
    mover: 'N',
    run: isize,
    footprint: fp(['page-refs:any'], ['page-refs:any']),
  },
  'truncate-zap': {
    kernel: 'unmap_mapping_range(): i_mmap_lock_read(); zap_page_range_single(): tlb_gather_mmu(); zap_pte_range() under the PTL ([force_flush] flush); i_mmap_unlock_read()',
    doc: "the rmap walk reaches this page table of an mm whose file VMA maps the pages: raise that mm's tlb_flush_pending (tlb_gather_mmu) and, under its PTL, clear each PTE there (a private COW copy too), gather its reference until the flush; a dirty page-cache PTE forces the flush of those addresses before the PTL is dropped. No mmap_lock (R24)",
    source: 'kernel-paths §17 step 2; kernel-rules R24',
    mover: 'N',
    enabled: zapEnabled,
    waitsFor: zapWait,
    run: zap,
    footprint: fp(['pte:any', 'vma:any', 'ptl:any', 'page-refs:any', 'tlb:any', 'irq:any', 'thread-control:any', 'flush-pending:any'], ['pte:any', 'tlb:any', 'ptl:any', 'flush-pending:any']),
  },
  'truncate-flush': {
    kernel: 'zap_page_range_single(): tlb_finish_mmu(): flush_tlb_range(); tlb_batch_pages_flush()',
    doc: "flush the zapped addresses on that mm's CPUs (only those addresses), drop the gathered references, lower tlb_flush_pending",
    source: 'kernel-paths §17 step 2; kernel-rules R23',
    mover: 'N',
    enabled: (cx, s, t, ins) => !flushNeeded(cx, s, t) || ipiOk(cx, s, t, ins.mm),
    waitsFor: (cx, s, t, ins) => ipiWaitMm(cx, s, t, ins.mm),
    run: flush,
    footprint: fp(['vma:any', 'irq:any', 'thread-control:any', 'page-refs:any', 'flush-pending:any'], ['tlb:any', 'page-refs:any', 'flush-pending:any']),
  },
  'truncate-remove': {
    kernel: 'truncate_inode_pages_range(): folio_lock(); truncate_inode_folio(): filemap_remove_folio(); folio_unlock(); folio_batch_release()',
    doc: "delete the pages from the page cache and drop the cache's reference: a page no PTE, GUP or other reference holds is freed (free-before-flush if a CPU still caches it)",
    source: 'kernel-paths §17 step 3',
    mover: 'N',
    run: remove,
    footprint: fp(['page-refs:any', 'tlb:any'], ['page-refs:any']),
  },
};

// TLBs: flushes (every CPU of an mm, or one), shootdown IPIs on x86, and the tags that record
// which op made a cached translation stale, so a store through it can name the op.
import type { ExecContext } from './context';
import * as L from './layout';
import type { State } from './machine';
import type { WaitInfo } from './micro-sem';

const F = L.PTE_FRAME_MASK;

/** Does CPU c cache translations of mm? */
export function cpuInMm(cx: ExecContext, c: number, mm: number): boolean {
  return cx.L.cpuMm[c] === mm;
}

/** Invalidate the entries of the pages `pages` accepts, on every CPU of mm or on `onlyCpu`. */
export function flushPages(cx: ExecContext, s: State, mm: number, pages: (p: number) => boolean, onlyCpu = -1): void {
  const m = cx.m;
  const size = cx.L.off.tlbEntrySize;
  for (let c = 0; c < cx.L.nCpu; c++) {
    if (onlyCpu >= 0 ? c !== onlyCpu : !cpuInMm(cx, c, mm)) continue;
    for (let p = 0; p < cx.L.nPage; p++) {
      if (!pages(p)) continue;
      const o = m.tlb(c, p);
      for (let k = 0; k < size; k++) s[o + k] = 0;
    }
  }
}

/** flush_tlb_range(mm, start, end) on every CPU of mm. */
export function flushRange(cx: ExecContext, s: State, mm: number, start: number, end: number): void {
  const pg = cx.L.pages;
  flushPages(cx, s, mm, (p) => pg[p]! >= start && pg[p]! < end);
}

/** Drop one CPU's entry for page p (x86 drops an entry that caused a page fault). */
export function dropEntry(cx: ExecContext, s: State, c: number, p: number): void {
  const o = cx.m.tlb(c, p);
  const size = cx.L.off.tlbEntrySize;
  for (let k = 0; k < size; k++) s[o + k] = 0;
}

/** x86: a shootdown IPI completes only when every other CPU of the mm has IRQs on. */
export function ipiOk(cx: ExecContext, s: State, t: number, mm: number): boolean {
  if (cx.spec.arch !== 'x86') return true;
  for (let u = 0; u < cx.L.nThread; u++) {
    if (u === t || cx.tMm[u] !== mm) continue;
    if (s[cx.m.th(u, L.T_IRQ)] === 1 && !cx.isDone(s, u)) return false;
  }
  return true;
}

/** A step that flushes other CPUs: enabled when its shootdown IPI can complete (ipiOk). */
export function ipiEnabled(cx: ExecContext, s: State, t: number): boolean {
  return ipiOk(cx, s, t, cx.tMm[t]!);
}

/** What a step blocked on its shootdown IPI waits for: the threads of its mm with IRQs off. */
export function ipiWait(cx: ExecContext, s: State, t: number): WaitInfo {
  return ipiWaitMm(cx, s, t, cx.tMm[t]!);
}

/** The same for a flush of another mm's CPUs (truncate's rmap walk). */
export function ipiWaitMm(cx: ExecContext, s: State, t: number, mm: number): WaitInfo {
  const irq: number[] = [];
  for (let u = 0; u < cx.L.nThread; u++) if (u !== t && cx.tMm[u] === mm && s[cx.m.th(u, L.T_IRQ)] === 1) irq.push(u);
  return { thread: t, what: 'a TLB shootdown IPI that CPUs with IRQs off do not answer', holders: irq };
}

/**
 * Mark TLB entries for (mm, p) that are more permissive than `pte` as stale because of the
 * current op. With `oldPte`, only entries this change makes stale: one that was already more
 * permissive than the old PTE keeps the blame of the op that made it so.
 */
export function tagStale(cx: ExecContext, s: State, mm: number, p: number, pte: number, oldPte?: number): void {
  const bit = cx.L.tagBit[cx.curThread]![cx.curStep0]!;
  if (bit < 0) return;
  const m = cx.m;
  const w = Math.floor(bit / L.TAG_BITS_PER_WORD);
  const mask = 1 << bit % L.TAG_BITS_PER_WORD;
  const staleFor = (e: number, x: number): boolean => (x & F) === 0 || (x & L.PTE_PROTNONE) !== 0 || (e & F) !== (x & F) || ((e & L.PTE_W) !== 0 && (x & L.PTE_W) === 0);
  for (let c = 0; c < cx.L.nCpu; c++) {
    if (!cpuInMm(cx, c, mm)) continue;
    const o = m.tlb(c, p);
    const e = s[o]!;
    if ((e & F) === 0) continue;
    if (staleFor(e, pte) && (oldPte === undefined || !staleFor(e, oldPte))) s[o + 2 + w]! |= mask;
  }
}

// reclaim: flush_tlb_batched_pending() (mm/rmap.c, 3ea277194daa)

/** Must the walker running now flush for a batched reclaim (`check`: the op calls it; the mm's tlb_flush_batched is set)? */
export function batchedPendingNeeded(cx: ExecContext, s: State, t: number, check: boolean): boolean {
  return check && s[cx.m.mm(cx.tMm[t]!, L.M_BATCHED)] !== 0;
}

/**
 * flush_tlb_batched_pending(mm), called under the PTL by change_pte_range() and
 * zap_pte_range(): if reclaim batched a flush for this mm (mm->tlb_flush_batched), flush the
 * whole mm on every CPU (flush_tlb_mm()) and clear the flag.
 */
export function flushBatchedPending(cx: ExecContext, s: State, t: number, check: boolean): void {
  if (!batchedPendingNeeded(cx, s, t, check)) return;
  const mm = cx.tMm[t]!;
  flushPages(cx, s, mm, () => true);
  s[cx.m.mm(mm, L.M_BATCHED)] = 0;
}

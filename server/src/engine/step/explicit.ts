// Explicit steps: locks a scenario takes by hand (`lock mmap|ptl|vma|range`, `unlock …`), IRQs
// off and on, and TLB invalidation (`tlbi`). Each is shown as its own step (mover N), and each
// checks the lock rules a hand-written locking sequence can break: recursion, release of a lock
// not held, lock order.
import type { ExecContext } from '../context';
import { hex } from '../format';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { rangeAcquire, rangeRelease } from '../locks/range';
import { holdsAnyPtl, ptlDrop, ptlTake, ptName } from '../locks/ptl';
import { lockVmaWaitInfo, otherVmaReaders, ownVmaReads, vmaReadDrop, vmaReadTake } from '../locks/vma';
import type { State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { rcuQuiesce } from '../page-tables';
import { checkSleep } from '../rules/lock-rules';
import { flushPages, ipiEnabled, ipiWait } from '../tlb';
import { ptlFree, ptlWait } from './op-lock';

function lockMmap(cx: ExecContext, s: State, t: number, ins: InstrOf<'lock-mmap'>): Next {
  return cx.design.lockMmapExplicit(cx, s, t, ins.write) ? ins.next : undefined;
}

function unlockMmap(cx: ExecContext, s: State, t: number, ins: InstrOf<'unlock-mmap'>): Next {
  cx.design.unlockMmapExplicit(cx, s, t);
  return ins.next;
}

function lockRange(cx: ExecContext, s: State, t: number, ins: InstrOf<'lock-range'>): Next {
  const o = ins.op;
  if (o.lock !== 'range') return ins.next;
  return rangeAcquire(cx, s, t, o.start, o.end, ins.write, true) ? ins.next : undefined;
}

function unlockRange(cx: ExecContext, s: State, t: number, ins: InstrOf<'unlock-range'>): Next {
  const o = ins.op;
  if (o.lock !== 'range') return ins.next;
  if (!rangeRelease(cx, s, t, (info, lo, hi) => (info & L.RI_EXPLICIT) !== 0 && lo === o.start && hi === o.end)) {
    cx.violation('unlock-not-held', `${cx.tn(t)} releases range lock ${hex(o.start)}..${hex(o.end)}, which it does not hold`);
  }
  return ins.next;
}

function lockPtl(cx: ExecContext, s: State, t: number, ins: InstrOf<'lock-ptl'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  if (s[m.pt(mm, ins.region, L.PT_PTL)] === t + 1) {
    cx.violation('recursive-lock', `${cx.tn(t)} takes ${ptName(cx, m.ptIndex(mm, ins.region))} again: a spinlock it holds spins forever`);
    s[m.th(t, L.T_STATUS)] = L.STUCK;
    return undefined;
  }
  ptlTake(cx, s, t, mm, ins.region);
  return ins.next;
}

function unlockPtl(cx: ExecContext, s: State, t: number, ins: InstrOf<'unlock-ptl'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  if (s[m.pt(mm, ins.region, L.PT_PTL)] !== t + 1) cx.violation('unlock-not-held', `${cx.tn(t)} releases ${ptName(cx, m.ptIndex(mm, ins.region))}, which it does not hold`);
  else ptlDrop(cx, s, t, mm, ins.region);
  return ins.next;
}

function lockVma(cx: ExecContext, s: State, t: number, ins: InstrOf<'lock-vma'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const addr = cx.L.pages[ins.page]!;
  const v = m.vmaAt(s, mm, addr);
  if (v < 0) return ins.next;
  if (holdsAnyPtl(cx, s, t)) cx.violation('lock-order', `${cx.tn(t)} takes a VMA lock while holding a page-table lock`);
  const mine = ownVmaReads(cx, s, t, v) > 0;
  if (ins.write) {
    checkSleep(cx, s, t, 'vma_start_write()');
    if (!cx.design.vmaWriteLockHeld(cx, s, t, addr)) cx.violation('vma-needs-mmap-write', `vma_start_write() by ${cx.tn(t)} without ${cx.design.vmaWriteNeeds}`);
    if (mine) {
      cx.violation('recursive-lock', `${cx.tn(t)} write-locks a VMA it holds read-locked: vma_start_write() waits for itself`);
      s[m.th(t, L.T_STATUS)] = L.STUCK;
      return undefined;
    }
    s[m.vma(mm, v, L.V_WRITER)] = t + 1;
    return ins.next;
  }
  if (mine) cx.violation('recursive-lock', `${cx.tn(t)} read-locks a VMA it already holds: the second vma_start_read() fails while a writer waits`);
  vmaReadTake(cx, s, t, v);
  return ins.next;
}

/** vma_start_write waits for readers other than itself (itself: a self-deadlock, reported when it runs); a read waits for a writer. */
function lockVmaEnabled(cx: ExecContext, s: State, t: number, ins: InstrOf<'lock-vma'>): boolean {
  const v = cx.m.vmaAt(s, cx.tMm[t]!, cx.L.pages[ins.page]!);
  if (v < 0) return true;
  if (ins.write) return otherVmaReaders(cx, s, t, v) === 0 || ownVmaReads(cx, s, t, v) > 0;
  const w = s[cx.m.vma(cx.tMm[t]!, v, L.V_WRITER)]!;
  return w === 0 || w === t + 1;
}

/**
 * vma_end_read(). A VMA write lock has no unlock of its own: vma_start_write() "marks a VMA as
 * being written to until mmap_write_unlock() or mmap_write_downgrade() is reached" (mm/mmap.c
 * mm_take_all_locks(), Jann Horn, "mm: Don't drop VMA locks in mm_drop_all_locks()", 2023),
 * which end every one (vma_end_write_all). So an `unlock vma` of a write-locked VMA releases
 * nothing and the write lock stays (kernel-paths §12.3).
 */
function unlockVma(cx: ExecContext, s: State, t: number, ins: InstrOf<'unlock-vma'>): Next {
  const addr = cx.L.pages[ins.page]!;
  const mm = cx.tMm[t]!;
  const v = cx.m.vmaAt(s, mm, addr);
  if (v < 0 || s[cx.m.vmaRead(t, v)] === 0) {
    const what = v >= 0 && s[cx.m.vma(mm, v, L.V_WRITER)] === t + 1
      ? `the VMA lock on ${hex(addr)}, which it holds for write: vma_end_read() releases only a read lock, and a VMA write lock ends only with mmap_write_unlock() or mmap_write_downgrade() (vma_end_write_all)`
      : `a VMA read lock on ${hex(addr)}, which it does not hold`;
    cx.violation('unlock-not-held', `${cx.tn(t)} releases ${what}`);
    return ins.next;
  }
  vmaReadDrop(cx, s, t, v);
  return ins.next;
}

function irqOff(cx: ExecContext, s: State, t: number, ins: InstrOf<'irq-off'>): Next {
  s[cx.m.th(t, L.T_IRQ)] = 1;
  return ins.next;
}

function irqOn(cx: ExecContext, s: State, t: number, ins: InstrOf<'irq-on'>): Next {
  s[cx.m.th(t, L.T_IRQ)] = 0;
  rcuQuiesce(cx, s, t);
  return ins.next;
}

function tlbi(cx: ExecContext, s: State, t: number, ins: InstrOf<'tlbi'>): Next {
  const o = ins.op;
  const pg = cx.L.pages;
  flushPages(cx, s, cx.tMm[t]!, (q) => o.all || (pg[q]! >= o.start && pg[q]! < o.end), o.local ? cx.tCpu[t]! : -1);
  return ins.next;
}

export const EXPLICIT: SemanticsPart<'lock-mmap' | 'unlock-mmap' | 'lock-range' | 'unlock-range' | 'lock-ptl' | 'unlock-ptl' | 'lock-vma' | 'unlock-vma' | 'irq-off' | 'irq-on' | 'tlbi'> = {
  'lock-mmap': {
    kernel: 'mmap_read_lock() / mmap_write_lock()',
    doc: 'take mmap_lock (under `range`: the range lock over the whole address space)',
    source: 'kernel-rules R18',
    mover: 'N',
    run: lockMmap,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm', 'ptl:mm', 'vma-lock:mm', 'irq:cpu'], ['mmap-lock:mm', 'range-lock:mm']),
  },
  'unlock-mmap': {
    kernel: 'mmap_read_unlock() / mmap_write_unlock()',
    doc: 'release mmap_lock (a write unlock also ends the VMA write locks: vma_end_write_all)',
    source: 'kernel-rules R18, R19',
    mover: 'N',
    run: unlockMmap,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm'], ['mmap-lock:mm', 'range-lock:mm', 'vma-lock:mm', 'thread-control:any']),
  },
  'lock-range': {
    kernel: 'range_read_lock() / range_write_lock()',
    doc: 'range: take a range lock, waiting (in arrival order) while an earlier overlapping request is a write or this one is',
    source: 'kernel-rules R21; Bueso "locking: Introduce range reader/writer lock"',
    mover: 'N',
    run: lockRange,
    footprint: fp(['range-lock:mm', 'ptl:mm', 'vma-lock:mm', 'irq:cpu'], ['range-lock:mm']),
  },
  'unlock-range': {
    kernel: 'range_read_unlock() / range_write_unlock()',
    doc: 'range: release a range lock',
    source: 'kernel-rules R21',
    mover: 'N',
    run: unlockRange,
    footprint: fp(['range-lock:mm'], ['range-lock:mm', 'vma-lock:mm']),
  },
  'lock-ptl': {
    kernel: 'spin_lock(ptl)',
    doc: 'take a page-table lock; nested in another PTL, record the order and the gate lock held (lock-order)',
    source: 'kernel-rules R3; kernel-paths §12.3 (mm/mremap.c move_ptes())',
    mover: 'N',
    enabled: ptlFree,
    waitsFor: ptlWait,
    run: lockPtl,
    footprint: fp(['ptl:table', 'ptl:mm', 'mmap-lock:mm', 'range-lock:mm'], ['ptl:table']),
  },
  'unlock-ptl': {
    kernel: 'spin_unlock(ptl)',
    doc: 'release a page-table lock',
    source: 'kernel-rules R3',
    mover: 'N',
    run: unlockPtl,
    footprint: fp(['ptl:table'], ['ptl:table']),
  },
  'lock-vma': {
    kernel: 'vma_start_read() / vma_start_write()',
    doc: 'take a VMA lock (a read lock waits while the VMA is write-locked; a write lock waits for readers)',
    source: 'kernel-rules R19',
    mover: 'N',
    enabled: lockVmaEnabled,
    waitsFor: (cx, s, t, ins) => lockVmaWaitInfo(cx, s, t, cx.L.pages[ins.page]!, ins.write),
    run: lockVma,
    footprint: fp(['vma:page', 'vma-lock:page', 'ptl:mm', 'irq:cpu', 'mmap-lock:mm', 'range-lock:mm'], ['vma-lock:page']),
  },
  'unlock-vma': {
    kernel: 'vma_end_read()',
    doc: 'release a VMA read lock (a VMA write lock has no unlock of its own: unlock-not-held, and it stays until mmap_write_unlock)',
    source: 'kernel-rules R19; kernel-paths §12.3 (vma_start_write() is asymmetrical)',
    mover: 'N',
    run: unlockVma,
    footprint: fp(['vma:page'], ['vma-lock:page']),
  },
  'irq-off': {
    kernel: 'local_irq_disable()',
    doc: 'IRQs off: this CPU answers no shootdown IPI and holds off RCU grace periods',
    source: 'kernel-rules R11',
    mover: 'N',
    run: irqOff,
    footprint: fp([], ['irq:cpu']),
  },
  'irq-on': {
    kernel: 'local_irq_enable()',
    doc: 'IRQs on',
    source: 'kernel-rules R11',
    mover: 'N',
    run: irqOn,
    footprint: fp(['page-table:any'], ['irq:cpu', 'page-table:any']),
  },
  tlbi: {
    kernel: 'flush_tlb_range() / local_flush_tlb_*()',
    doc: 'invalidate the TLB entries of the range on every CPU of the mm, or on this CPU only',
    source: 'kernel-paths §11',
    mover: 'N',
    enabled: (cx, s, t, ins) => ins.op.local || ipiEnabled(cx, s, t),
    waitsFor: ipiWait,
    run: tlbi,
    footprint: fp(['irq:mm-cpus', 'thread-control:mm'], ['tlb:mm-cpus']),
  },
};

// The locks ops take for themselves: the address-space lock (mmap_lock, or a range lock under
// `locking range`), the page-table lock of each table they work on, the VMA write step of
// pervma (vma_start_write) and spf (vm_write_begin), and munmap's downgrade.
import type { ExecContext } from '../context';
import type { InstrOf } from '../instr';
import { ptlAvailable, ptlHolder, ptlTake } from '../locks/ptl';
import type { State } from '../machine';
import { fp, type Next, type SemanticsPart, type WaitInfo } from '../micro-sem';
import { nextGrowsDown } from '../vmas';

function ptlRegion(cx: ExecContext, ins: { readonly region: number; readonly page: number }): number {
  return ins.region >= 0 ? ins.region : cx.L.pageRegion[ins.page]!;
}

/** A PTL step that cannot run: who holds the lock. */
export function ptlWait(cx: ExecContext, s: State, t: number, ins: { readonly region: number; readonly page: number }): WaitInfo {
  const h = ptlHolder(cx, s, cx.tMm[t]!, ptlRegion(cx, ins));
  return { thread: t, what: 'a page-table lock', holders: h >= 0 ? [h] : [] };
}

export function ptlFree(cx: ExecContext, s: State, t: number, ins: { readonly region: number; readonly page: number }): boolean {
  return ptlAvailable(cx, s, t, cx.tMm[t]!, ptlRegion(cx, ins));
}

function mmapLock(cx: ExecContext, s: State, t: number, ins: InstrOf<'mmap-lock'>): Next {
  return cx.design.lockForOp(cx, s, t, ins.op, ins.write) ? ins.next : undefined;
}

function ptlLock(cx: ExecContext, s: State, t: number, ins: InstrOf<'ptl-lock'>): Next {
  ptlTake(cx, s, t, cx.tMm[t]!, ptlRegion(cx, ins));
  return ins.next;
}

function mmapDowngrade(cx: ExecContext, s: State, t: number, ins: InstrOf<'mmap-downgrade'>): Next {
  // downgrade=check (246c320a8cfe): not next to a VM_GROWSDOWN VMA (stack growth, issue 10)
  if (ins.op.downgradeCheck && nextGrowsDown(cx, s, cx.tMm[t]!, ins.op.end)) return ins.next;
  cx.design.downgradeOpLock(cx, s, t);
  return ins.next;
}

export const OP_LOCK: SemanticsPart<'mmap-lock' | 'ptl-lock' | 'vma-write-lock' | 'mmap-downgrade'> = {
  'mmap-lock': {
    kernel: 'mmap_write_lock() / mmap_read_lock()',
    doc: 'take mmap_lock (a fair rwsem: a queued writer blocks new readers); under `range`, a range lock over what the op touches',
    source: 'kernel-rules R18, R21',
    mover: 'R',
    run: mmapLock,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm', 'vma:range', 'vma-lock:own', 'ptl:mm', 'irq:cpu'], ['mmap-lock:mm', 'range-lock:mm']),
  },
  'ptl-lock': {
    kernel: 'pte_offset_map_lock()',
    doc: 'take the page-table lock (spinlock) of the 2 MiB table',
    source: 'kernel-rules R3',
    mover: 'R',
    enabled: ptlFree,
    waitsFor: ptlWait,
    run: ptlLock,
    footprint: fp(['ptl:table', 'ptl:mm', 'mmap-lock:mm', 'range-lock:mm'], ['ptl:table']),
  },
  'vma-write-lock': {
    kernel: 'vma_start_write() / vm_write_begin()',
    doc: "pervma: write-lock each VMA the op changes, waiting for its readers (VMA-locked faults then fall back to mmap_lock); spf: make each VMA's sequence count odd, so speculative faults fall back or fail validation, until the op's vm_write_end() after its TLB flush",
    source: 'kernel-rules R19, R20; docs/design-paths.md §1.2, §2.2 (vma_prepare, vm_flags_reset, dup_mmap after fb49c455323f; Dufour mprotect_fixup)',
    mover: 'N',
    run: (cx, s, t, ins) => cx.design.vmaWriteLock(cx, s, t, ins),
    footprint: fp(['vma:range', 'vma-lock:range', 'mmap-lock:mm', 'ptl:mm', 'irq:cpu'], ['vma-lock:range', 'vma-seq:range']),
  },
  'mmap-downgrade': {
    kernel: 'mmap_write_downgrade()',
    doc: 'turn the write lock into a read lock, waking queued readers (and ending VMA write locks); downgrade=check: not when the VMA above the range grows down (246c320a8cfe)',
    source: 'kernel-paths §9, §14.3',
    mover: 'N',
    run: mmapDowngrade,
    // vma:mm: downgrade=check looks at the VMA above the range (issue 10)
    footprint: fp(['mmap-lock:mm', 'range-lock:mm', 'vma:mm'], ['mmap-lock:mm', 'range-lock:mm', 'vma-lock:mm', 'thread-control:any']),
  },
};

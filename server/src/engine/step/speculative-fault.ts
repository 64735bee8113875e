// The speculative page fault (`locking spf`; Dufour's handle_speculative_fault(), v11/v12;
// docs/design-paths.md §2.1): no mmap_lock; the VMA's sequence count and flags are snapshotted,
// the walk is lockless, and every PTL is taken with a trylock that re-validates the snapshot. A
// contended PTL, a changed count or a detached VMA discards the work and falls back to the
// classic fault. On arm64 without RCU table freeing the walk and pte_map_lock() are split at the
// table read, where munmap can free the table in between.
import type { ExecContext } from '../context';
import { putRef } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { ptlDrop, ptlTake } from '../locks/ptl';
import { L_COPY, L_DIRTY, L_FLAGS, L_NEW, L_OLD, L_SEQ, L_TABLE, L_VMA, LF_SPEC, LF_SPECIRQ, SPEC_PROT_SHIFT, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { rcuQuiesce, recordTable, tableValid } from '../page-tables';
import { locklessFaultable } from '../vmas';

/** vma_has_changed() negated: the snapshotted VMA is still live, unchanged and covers addr. */
function specValid(cx: ExecContext, s: State, t: number, addr: number): boolean {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const v = s[m.loc(t, L_VMA)]! - 1;
  const b = cx.L.bounds;
  return (
    v >= 0 &&
    s[m.vma(mm, v, L.V_STATE)] === L.VMA_LIVE &&
    s[m.vma(mm, v, L.V_SEQ)] === (s[m.loc(t, L_SEQ)]! & ((1 << SPEC_PROT_SHIFT) - 1)) &&
    b[s[m.vma(mm, v, L.V_START)]!]! <= addr &&
    addr < b[s[m.vma(mm, v, L.V_END)]!]!
  );
}

/** A speculative fault gives up: drop what it allocated or referenced, and fall back. */
export function specAbort(cx: ExecContext, s: State, t: number): void {
  const lb = cx.m.loc(t, 0);
  const nf = s[lb + L_NEW]! - 1;
  if (nf >= 0) putRef(cx, s, nf);
  const old = s[lb + L_OLD]! - 1;
  if (old >= 0) putRef(cx, s, old);
  s[lb + L_NEW] = 0;
  s[lb + L_OLD] = 0;
  s[lb + L_COPY] = 0;
  s[lb + L_DIRTY] = 0;
  s[lb + L_SEQ] = 0;
  s[lb + L_VMA] = 0;
  specIrqOn(cx, s, t);
  s[lb + L_FLAGS]! &= ~LF_SPEC;
}

/** The split speculative steps (arm64 without RCU table freeing) disable IRQs and record the table. */
function specIrqOff(cx: ExecContext, s: State, t: number, region: number): void {
  s[cx.m.th(t, L.T_IRQ)] = 1;
  s[cx.m.loc(t, L_FLAGS)]! |= LF_SPECIRQ;
  recordTable(cx, s, t, cx.tMm[t]!, region);
}

export function specIrqOn(cx: ExecContext, s: State, t: number): void {
  const m = cx.m;
  const fo = m.loc(t, L_FLAGS);
  if ((s[fo]! & LF_SPECIRQ) === 0) return;
  s[fo]! &= ~LF_SPECIRQ;
  s[m.loc(t, L_TABLE)] = 0;
  s[m.th(t, L.T_IRQ)] = 0;
  rcuQuiesce(cx, s, t);
}

function spfBegin(cx: ExecContext, s: State, t: number, ins: InstrOf<'spf-begin'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const lb = m.loc(t, 0);
  // the VMA is found under SRCU with no lock; its sequence count is snapshotted
  const v = m.vmaAt(s, mm, cx.L.pages[ins.page]!);
  if (v < 0 || !locklessFaultable(cx, s, mm, v)) return ins.jumps.fallback;
  const prot = s[m.vma(mm, v, L.V_PROT)]!;
  if (ins.write ? prot !== 2 : prot === 0) return ins.jumps.fallback;
  const seq = s[m.vma(mm, v, L.V_SEQ)]!;
  if (seq & 1) return ins.jumps.fallback;
  // the speculative fault works from a copy of the VMA's flags (vmf->vma_flags, vma_page_prot)
  s[lb + L_SEQ] = seq | ((prot + 1) << SPEC_PROT_SHIFT);
  s[lb + L_VMA] = v + 1;
  s[lb + L_FLAGS]! |= LF_SPEC;
  return ins.next;
}

function spfWalk(cx: ExecContext, s: State, t: number, ins: InstrOf<'spf-walk'>): Next {
  const region = cx.L.pageRegion[ins.page]!;
  if (s[cx.m.pt(cx.tMm[t]!, region, L.PT_STATE)] !== L.PT_PRESENT) {
    specAbort(cx, s, t);
    return ins.jumps.fallback;
  }
  specIrqOff(cx, s, t, region);
  return ins.next;
}

function spfValidate(cx: ExecContext, s: State, t: number, ins: InstrOf<'spf-validate'>): Next {
  const region = cx.L.pageRegion[ins.page]!;
  if (!specValid(cx, s, t, cx.L.pages[ins.page]!) || s[cx.m.pt(cx.tMm[t]!, region, L.PT_STATE)] !== L.PT_PRESENT) {
    specAbort(cx, s, t);
    return ins.jumps.fallback;
  }
  specIrqOff(cx, s, t, region);
  return ins.next;
}

function spfPtlLock(cx: ExecContext, s: State, t: number, ins: InstrOf<'spf-ptl-lock'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const region = ins.region >= 0 ? ins.region : cx.L.pageRegion[ins.page]!;
  // arm64 without RCU table freeing: the table read in spf-validate may be gone
  if ((s[m.loc(t, L_FLAGS)]! & LF_SPECIRQ) !== 0 && !tableValid(cx, s, t, mm, region, 'the speculative fault (pte_map_lock)')) {
    specAbort(cx, s, t);
    return ins.jumps.fallback;
  }
  // pte_map_lock(): spin_trylock(); a contended PTL aborts the speculative fault
  if (s[m.pt(mm, region, L.PT_PTL)] !== 0) {
    specAbort(cx, s, t);
    return ins.jumps.fallback;
  }
  specIrqOn(cx, s, t);
  ptlTake(cx, s, t, mm, region);
  // with the PTL held, the VMA must be unchanged since the snapshot
  if (specValid(cx, s, t, cx.L.pages[ins.page]!)) return ins.next;
  ptlDrop(cx, s, t, mm, region);
  specAbort(cx, s, t);
  return ins.jumps.fallback;
}

function spfEnd(cx: ExecContext, s: State, t: number, ins: InstrOf<'spf-end'>): Next {
  const lb = cx.m.loc(t, 0);
  s[lb + L_FLAGS]! &= ~LF_SPEC;
  s[lb + L_VMA] = 0;
  s[lb + L_SEQ] = 0;
  return ins.next;
}

export const SPECULATIVE_FAULT: SemanticsPart<'spf-begin' | 'spf-walk' | 'spf-validate' | 'spf-ptl-lock' | 'spf-end'> = {
  'spf-begin': {
    kernel: 'handle_speculative_fault(): get_vma(); raw_read_seqcount(&vma->vm_sequence)',
    doc: 'spf: find the VMA with no mmap_lock and snapshot its sequence count; falls back to the classic fault at once if the count is odd (a writer is inside vm_write_begin/end), or the VMA is not anonymous, is registered with userfaultfd, or forbids the access',
    source: 'kernel-rules R20; docs/design-paths.md §2.1 (Dufour handle_speculative_fault)',
    mover: 'N',
    run: spfBegin,
    footprint: fp(['vma:page', 'vma-seq:page'], []),
  },
  'spf-walk': {
    kernel: 'handle_speculative_fault(): local_irq_disable(); pmd = READ_ONCE(*pmdp)',
    doc: 'spf on arm64 without RCU table freeing: disable IRQs and read the page-table pointer with no lock (no table: fall back); the PTE is read through it next, and IRQs off do not keep the table alive here',
    source: 'kernel-rules R11 (caveat), R20; docs/design-paths.md §2.1',
    mover: 'N',
    run: spfWalk,
    footprint: fp(['page-table:any', 'page-refs:any', 'tlb:any', 'irq:cpu'], ['irq:cpu', 'page-refs:any', 'page-table:any']),
  },
  'spf-validate': {
    kernel: 'pte_map_lock(): local_irq_disable(); vma_has_changed(); pmd_same()',
    doc: 'spf on arm64 without RCU table freeing: disable IRQs, re-validate the VMA sequence count and read the page-table pointer; the trylock of its PTL follows',
    source: 'kernel-rules R11 (caveat), R20; docs/design-paths.md §2.1',
    mover: 'N',
    run: spfValidate,
    footprint: fp(['vma:page', 'vma-seq:page', 'page-table:any', 'page-refs:any', 'tlb:any', 'irq:cpu'], ['irq:cpu', 'page-refs:any', 'page-table:any']),
  },
  'spf-ptl-lock': {
    kernel: 'pte_map_lock() / pte_spinlock(): spin_trylock(ptl); vma_has_changed()',
    doc: 'spf: trylock the page-table lock and re-validate the VMA sequence count; a contended PTL, a changed count or a detached VMA: discard the work (an allocated or copied page included) and fall back to the classic fault (VM_FAULT_RETRY)',
    source: 'kernel-rules R20, R8; docs/design-paths.md §2.1 (pte_spinlock, pte_map_lock)',
    mover: 'N',
    run: spfPtlLock,
    footprint: fp(['ptl:table', 'vma:page', 'vma-seq:page', 'page-table:any', 'page-refs:any', 'tlb:any', 'irq:cpu', 'mmap-lock:mm', 'range-lock:mm'], ['ptl:table', 'irq:cpu', 'page-refs:any', 'page-table:any']),
  },
  'spf-end': {
    kernel: 'handle_speculative_fault(): put_vma()',
    doc: 'spf: the speculative fault is done (no lock to release); the access retries',
    source: 'kernel-rules R20',
    mover: 'L',
    run: spfEnd,
    footprint: fp([], []),
  },
};

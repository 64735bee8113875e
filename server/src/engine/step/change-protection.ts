// change_protection() (mm/mprotect.c; kernel-paths §6, §7): mprotect changes the VMAs
// (mprotect_fixup) and then the PTEs; userfaultfd's UFFDIO_WRITEPROTECT (mwriteprotect_range)
// changes only PTEs, setting or clearing the uffd-wp bit. Each table's PTEs change under its
// PTL; the TLB is flushed under the PTL (flush=ptl) or after (flush=deferred), with
// tlb_flush_pending raised around the change.
import type { ExecContext } from '../context';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { L_FLAGS, LF_CHANGED, LF_PENDING, LF_UNFLUSHED, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { checkPtl, checkWalk, ptlDropChecked } from '../rules/lock-rules';
import { batchedPendingNeeded, flushBatchedPending, flushPages, flushRange, ipiEnabled, ipiOk, ipiWait, tagStale } from '../tlb';
import { coveredVmas, fullyCovered, splitRange } from '../vmas';
import { ptlDrop } from '../locks/ptl';
import { setPte } from './fault';
import { numaTarget } from './numa';

const F = L.PTE_FRAME_MASK;

type ChangeOp = InstrOf<'change-ptes'>['op'];

/** The op's tracked pages in page table `region`. */
function inTable(cx: ExecContext, o: ChangeOp, region: number): (q: number) => boolean {
  return (q) => cx.L.pageRegion[q] === region && cx.L.pages[q]! >= o.start && cx.L.pages[q]! < o.end;
}

/** Raise mm->tlb_flush_pending for this op (lowered at its end). */
export function raisePending(cx: ExecContext, s: State, t: number): void {
  s[cx.m.mm(cx.tMm[t]!, L.M_PENDING)]!++;
  s[cx.m.loc(t, L_FLAGS)]! |= LF_PENDING;
}

function mprotectFixup(cx: ExecContext, s: State, t: number, ins: InstrOf<'mprotect-fixup'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const o = ins.op;
  if (!fullyCovered(cx, s, mm, o.start, o.end)) return ins.jumps.fail; // -ENOMEM
  cx.design.checkVmaWrite(cx, s, t, 'mprotect_fixup()', o.start, o.end);
  splitRange(cx, s, mm, o.start, o.end);
  const prot = o.prot === 'none' ? 0 : o.prot === 'r' ? 1 : 2;
  for (const v of coveredVmas(cx, s, mm, o.start, o.end)) s[m.vma(mm, v, L.V_PROT)] = prot;
  raisePending(cx, s, t);
  return ins.next;
}

/**
 * mwriteprotect_range() (UFFDIO_WRITEPROTECT: `wrprotect marker=uffd`, `unprotect`) returns
 * -ENOENT and changes nothing unless every VMA of the range is registered for uffd-wp: 5.7-6.4
 * `find_dst_vma(); if (!userfaultfd_wp(dst_vma)) goto out_unlock;` (one VMA); 6.5+ stops at
 * the first unregistered VMA of `for_each_vma_range()`. clear_refs (`marker=none`) needs none.
 */
function uffdWpRefused(cx: ExecContext, s: State, mm: number, o: InstrOf<'wp-begin'>['op'], vmas: readonly number[]): boolean {
  if (o.op === 'wrprotect' && !o.marker) return false;
  return vmas.some((v) => (s[cx.m.vma(mm, v, L.V_FLAGS)]! & L.VF_UFFD) === 0);
}

function wpBegin(cx: ExecContext, s: State, t: number, ins: InstrOf<'wp-begin'>): Next {
  const o = ins.op;
  const mm = cx.tMm[t]!;
  const vmas = coveredVmas(cx, s, mm, o.start, o.end);
  if (vmas.length === 0 || uffdWpRefused(cx, s, mm, o, vmas)) return ins.jumps.fail; // -ENOENT
  if (o.op === 'unprotect' || o.pending) raisePending(cx, s, t);
  return ins.next;
}

/**
 * ptep_modify_prot_start() + pte_modify() + ptep_modify_prot_commit() on page q: the new PTE
 * is built from the old one (a PTE in its start window is committed). Returns the op's flags.
 */
function changePte(cx: ExecContext, s: State, t: number, o: ChangeOp, mm: number, q: number, region: number, fl: number): number {
  const pte = s[cx.m.pte(mm, q)]! & ~L.PTE_MODIFYING;
  if ((pte & F) === 0) {
    // reclaim: a PTE that is already not present (a swap entry, or none) is passed over, and
    // mprotect's return still promises the reduced protection there (SPEC Appendix)
    if (o.op === 'mprotect' && o.prot !== 'rw') tagStale(cx, s, mm, q, 0);
    // change_pte_range(), any caller: "A protection check is difficult so just be safe and
    // disable write" on a writable migration entry (numa, migrate)
    if ((pte & L.PTE_MIGRATION) !== 0 && (pte & L.PTE_W) !== 0) setPte(cx, s, t, mm, q, region, pte & ~L.PTE_W, `${o.op}`);
    return fl;
  }
  let np = pte;
  if (o.op === 'numa') {
    if (!numaTarget(cx, s, mm, q, pte)) return fl;
    np = (np | L.PTE_PROTNONE) & ~L.PTE_W;
  } else if (o.op === 'mprotect') {
    if (o.prot === 'none') np = (np | L.PTE_PROTNONE) & ~L.PTE_W;
    else if (o.prot === 'r') np = np & ~(L.PTE_W | L.PTE_PROTNONE);
    else np = np & ~L.PTE_PROTNONE;
  } else if (o.op === 'wrprotect') {
    np &= ~L.PTE_W;
    if (o.marker) np |= L.PTE_UFFD;
  } else np &= ~L.PTE_UFFD;
  if ((pte & L.PTE_W) !== 0 && (np & L.PTE_W) === 0) fl |= LF_UNFLUSHED;
  setPte(cx, s, t, mm, q, region, np, `${o.op}`);
  return fl | LF_CHANGED;
}

/**
 * change_pte_range()'s ptep_modify_prot_start() on a page another thread can read without the
 * PTL: the PTE before it (in this table) is committed, and this one is cleared (x86 and arm64:
 * ptep_get_and_clear(); kernel-paths §6.3). GUP-fast, the hardware walk and a fault's lockless
 * snapshot see it none until the commit; the page stays mapped (mapcount, rmap) and TLB entries
 * keep it (no flush yet).
 */
function modifyProtStart(cx: ExecContext, s: State, t: number, ins: InstrOf<'modify-prot-start'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const o = ins.op;
  flushBatchedPending(cx, s, t, batchedCheck(o));
  let fl = s[m.loc(t, L_FLAGS)]!;
  for (let q = 0; q < cx.L.nPage; q++) {
    if (cx.L.pageRegion[q] === ins.region && (s[m.pte(mm, q)]! & L.PTE_MODIFYING) !== 0) fl = changePte(cx, s, t, o, mm, q, ins.region, fl);
  }
  s[m.loc(t, L_FLAGS)] = fl;
  const pte = s[m.pte(mm, ins.page)]!;
  if ((pte & F) !== 0 && (o.op !== 'numa' || numaTarget(cx, s, mm, ins.page, pte))) {
    checkPtl(cx, s, t, mm, ins.region, 'ptep_modify_prot_start()');
    s[m.pte(mm, ins.page)] = pte | L.PTE_MODIFYING;
  }
  return ins.next;
}

function changePtes(cx: ExecContext, s: State, t: number, ins: InstrOf<'change-ptes'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const o = ins.op;
  const region = ins.region;
  checkWalk(cx, s, t, o.op === 'mprotect' ? 'change_protection()' : 'the write-protect', inTable(cx, o, region));
  flushBatchedPending(cx, s, t, batchedCheck(o));
  // every present PTE of the range; one already changed by a start step is unchanged by a second
  // change (each change is idempotent), and one in its start window is committed
  let fl = s[m.loc(t, L_FLAGS)]!;
  for (let q = 0; q < cx.L.nPage; q++) if (inTable(cx, o, region)(q)) fl = changePte(cx, s, t, o, mm, q, region, fl);
  s[m.loc(t, L_FLAGS)] = fl;
  if (!ins.keepPtl && !ins.inheritPtl) ptlDropChecked(cx, s, t, ins, mm, region);
  return ins.next;
}

/** change_pte_range() calls flush_tlb_batched_pending(): mprotect unless batched=ignore; uffd-wp always (it shares change_pte_range). */
function batchedCheck(o: ChangeOp): boolean {
  return o.op !== 'mprotect' || o.batched;
}

function flushUnderPtl(cx: ExecContext, s: State, t: number, ins: InstrOf<'flush-under-ptl'>): Next {
  const mm = cx.tMm[t]!;
  flushPages(cx, s, mm, inTable(cx, ins.op, ins.region));
  s[cx.m.loc(t, L_FLAGS)]! &= ~LF_UNFLUSHED;
  if (!ins.inheritPtl) ptlDrop(cx, s, t, mm, ins.region);
  return ins.next;
}

/**
 * change_prot_numa() (mm/mempolicy.c) for the VMAs task_numa_work() scans: tlb_gather_mmu()
 * raises tlb_flush_pending (inc_tlb_flush_pending()) before change_protection(); a range with
 * no VMA has nothing to scan.
 */
function numaBegin(cx: ExecContext, s: State, t: number, ins: InstrOf<'numa-begin'>): Next {
  const o = ins.op;
  if (coveredVmas(cx, s, cx.tMm[t]!, o.start, o.end).length === 0) return ins.jumps.fail;
  raisePending(cx, s, t);
  return ins.next;
}

function changeEnd(cx: ExecContext, s: State, t: number, ins: InstrOf<'change-end'>): Next {
  const mm = cx.tMm[t]!;
  const o = ins.op;
  const fl = s[cx.m.loc(t, L_FLAGS)]!;
  if ((o.op === 'numa' || o.flush === 'deferred') && fl & LF_CHANGED) flushRange(cx, s, mm, o.start, o.end);
  if (fl & LF_PENDING) s[cx.m.mm(mm, L.M_PENDING)]!--;
  cx.design.endVmaBrackets(cx, s, t);
  if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
  return ins.next;
}

export const CHANGE_PROTECTION: SemanticsPart<'mprotect-fixup' | 'wp-begin' | 'modify-prot-start' | 'change-ptes' | 'flush-under-ptl' | 'change-end' | 'numa-begin'> = {
  'mprotect-fixup': {
    kernel: 'mprotect_fixup(): split_vma(); vm_flags = newflags; change_protection_range(): inc_tlb_flush_pending()',
    doc: 'change the VMAs (splitting at the range ends), then raise tlb_flush_pending',
    source: 'kernel-paths §6.1',
    mover: 'N',
    run: mprotectFixup,
    footprint: fp(['vma:range', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:range', 'vma-seq:range', 'flush-pending:mm'], ['vma:range', 'vma-lock:range', 'vma-seq:range', 'flush-pending:mm']),
  },
  'wp-begin': {
    kernel: 'mwriteprotect_range(): find_dst_vma(); userfaultfd_wp(); change_protection_range(): inc_tlb_flush_pending()',
    doc: 'find the VMAs (none: -ENOENT); for UFFDIO_WRITEPROTECT (marker=uffd, unprotect) a VMA not registered for uffd-wp: -ENOENT, nothing changes; else raise tlb_flush_pending (pending=on)',
    source: 'kernel-paths §7.1',
    mover: 'N',
    run: wpBegin,
    footprint: fp(['vma:range', 'flush-pending:mm'], ['flush-pending:mm']),
  },
  'modify-prot-start': {
    kernel: 'change_pte_range(): ptep_modify_prot_start()',
    doc: "under the PTL: commit the PTE changed before, then clear this page's PTE (ptep_get_and_clear on x86 and arm64); until its commit, lockless readers (GUP-fast, the hardware walk, a fault's snapshot) see it none. Emitted only for pages another thread of the mm reads",
    source: 'kernel-paths §6.1 step 4, §6.3',
    mover: 'N',
    enabled: (cx, s, t, ins) => !batchedPendingNeeded(cx, s, t, batchedCheck(ins.op)) || ipiEnabled(cx, s, t),
    waitsFor: ipiWait,
    run: modifyProtStart,
    // numa: which pages it hints reads their VMA, mapcount (every mm's PTEs) and pins
    footprint: fp(['pte:table', 'ptl:table', 'tlb:mm-cpus', 'flush-batched:mm', 'irq:mm-cpus', 'thread-control:mm', 'vma:range', 'pte:any', 'mm:any', 'page-refs:any'], ['pte:table', 'tlb:mm-cpus', 'flush-batched:mm']),
  },
  'change-ptes': {
    kernel: 'change_pte_range(): ptep_modify_prot_start/commit()',
    doc: 'under the PTL: rewrite each present PTE of the range in this table (drop W; set or clear the uffd-wp bit; PROT_NONE), committing the one in its start window',
    source: 'kernel-paths §6.1, §7.1',
    mover: 'N',
    enabled: (cx, s, t, ins) => !batchedPendingNeeded(cx, s, t, batchedCheck(ins.op)) || ipiEnabled(cx, s, t),
    waitsFor: ipiWait,
    run: changePtes,
    // numa: which pages it hints reads their mapcount (every mm's PTEs) and pins
    footprint: fp(
      ['pte:table', 'ptl:table', 'tlb:mm-cpus', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:range', 'vma-seq:range', 'vma:range', 'flush-batched:mm', 'irq:mm-cpus', 'thread-control:mm', 'pte:any', 'mm:any', 'page-refs:any'],
      ['pte:table', 'tlb:mm-cpus', 'ptl:table', 'flush-batched:mm'],
    ),
  },
  'flush-under-ptl': {
    kernel: 'flush_tlb_range() [PTL held]; pte_unmap_unlock()',
    doc: 'flush the range on every CPU before dropping the PTL (flush=ptl)',
    source: 'kernel-rules R7a',
    mover: 'N',
    enabled: ipiEnabled,
    waitsFor: ipiWait,
    run: flushUnderPtl,
    footprint: fp(['irq:mm-cpus', 'thread-control:mm', 'ptl:table'], ['tlb:mm-cpus', 'ptl:table']),
  },
  'change-end': {
    kernel: 'flush_tlb_range(); dec_tlb_flush_pending(); mmap_*_unlock()',
    doc: 'flush the range on every CPU if a PTE changed, lower tlb_flush_pending, release mmap_lock (and VMA write locks)',
    source: 'kernel-paths §6.1',
    mover: 'N',
    // the deferred flush waits for its IPI only when a PTE changed
    enabled: (cx, s, t, ins) => (s[cx.m.loc(t, L_FLAGS)]! & LF_CHANGED) === 0 || (ins.op.op !== 'numa' && ins.op.flush !== 'deferred') || ipiOk(cx, s, t, cx.tMm[t]!),
    waitsFor: ipiWait,
    run: changeEnd,
    footprint: fp(['irq:mm-cpus', 'thread-control:mm', 'mmap-lock:mm', 'range-lock:mm'], ['tlb:mm-cpus', 'flush-pending:mm', 'vma-lock:mm', 'vma-seq:mm', 'mmap-lock:mm', 'range-lock:mm', 'thread-control:any']),
  },
  // numa (issue 10)
  'numa-begin': {
    kernel: 'task_numa_work(): vma_iter; change_prot_numa(): tlb_gather_mmu(): inc_tlb_flush_pending()',
    doc: 'find the VMAs of the range (none: nothing to scan); raise tlb_flush_pending for the deferred flush',
    source: 'kernel-paths §18.1',
    mover: 'N',
    run: numaBegin,
    footprint: fp(['vma:range', 'flush-pending:mm'], ['flush-pending:mm']),
  },
};

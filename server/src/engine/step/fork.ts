// fork (kernel/fork.c dup_mmap(), mm/memory.c copy_page_range(); kernel-paths §8): under the
// parent's mmap_lock for write, the child mm and its VMAs are created; each page table is
// copied under both PTLs: a present PTE is shared (reference and mapcount +1, write-protected
// in both, no flush) or, with pinned=copy, a possibly pinned page is copied for the child; the
// parent's TLB is flushed once at the end. write_protect_seq brackets the copy (wpseq=on).
import type { ExecContext } from '../context';
import { allocFrame, frameFlags, getRef } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { ptlDrop, ptlHolder, ptlTake } from '../locks/ptl';
import { L_FLAGS, L_NEW, L_OLD, LF_CHANGED, LF_SEQODD, LF_UNFLUSHED, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { checkSleep, ptlDropChecked } from '../rules/lock-rules';
import { readFrame } from '../rules/races';
import { flushPages, ipiEnabled, ipiWait } from '../tlb';
import { hasAnonVma, vmaFlagsAt } from '../vmas';
import { isSwap, isSwapCached, swapField } from '../swap';
import { setPte } from './fault';
import { migrationOwner } from './migrate';

const F = L.PTE_FRAME_MASK;

/** The child mm of a fork step (created by it). */
function forkChild(ins: { readonly op: InstrOf<'fork-dup'>['op'] }): number {
  return ins.op.child ?? 0;
}

/**
 * copy_page_range() copies the PTEs of a VMA only if it has an anon_vma (v5.10 mm/memory.c
 * copy_page_range: `!(vm_flags & (VM_HUGETLB | VM_PFNMAP | VM_MIXEDMAP)) && !src_vma->anon_vma`
 * returns 0; v6.4 vma_needs_copy() also copies for a uffd-wp child VMA, and a child here never
 * keeps uffd): the child refaults a file page from the page cache, a shmem page from its object.
 */
function forkCopies(cx: ExecContext, s: State, mm: number, p: number, pte: number): boolean {
  if ((pte & F) === 0) return false;
  const v = cx.m.vmaAt(s, mm, cx.L.pages[p]!);
  return v >= 0 && hasAnonVma(cx, s, mm, v);
}

/** Frame f is shared with the child by this fork: not exclusive, tagged for cow-isolation. */
function shareFrame(cx: ExecContext, s: State, t: number, step: number, f: number): void {
  const m = cx.m;
  s[m.fr(f, L.F_FLAGS)]! &= ~L.FR_EXCL;
  const bit = cx.L.tagBit[t]![step]!;
  if (bit >= 0) s[m.fr(f, L.F_SHAREDBY) + Math.floor(bit / L.TAG_BITS_PER_WORD)]! |= 1 << bit % L.TAG_BITS_PER_WORD;
}

/** copy_nonpresent_pte(): a swap entry of a VMA with an anon_vma is copied (swap_duplicate()). */
function forkCopiesSwap(cx: ExecContext, s: State, mm: number, p: number, pte: number): boolean {
  if (!isSwap(pte)) return false;
  const v = cx.m.vmaAt(s, mm, cx.L.pages[p]!);
  return v >= 0 && hasAnonVma(cx, s, mm, v);
}

// numa, migrate (issue 10): a migration entry in a VMA with an anon_vma is copied too
function migrationEntryCopied(cx: ExecContext, s: State, mm: number, p: number, pte: number): boolean {
  if ((pte & L.PTE_MIGRATION) === 0) return false;
  const v = cx.m.vmaAt(s, mm, cx.L.pages[p]!);
  return v >= 0 && hasAnonVma(cx, s, mm, v);
}

/**
 * copy_nonpresent_pte() on a migration entry: in a COW mapping a writable entry becomes
 * readable in the parent, and the page is no longer exclusive (make_readable_migration_entry());
 * the child gets the entry (without the uffd-wp bit). The migration's remove_migration_ptes()
 * then maps the page in the child too; the pages it works on count as shared by this fork.
 */
function forkMigrationEntry(cx: ExecContext, s: State, t: number, ins: InstrOf<'fork-share'>, pte: number): void {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const v = vmaFlagsAt(cx, s, mm, cx.L.pages[ins.page]!);
  const cow = v !== undefined && (v.flags & L.VF_SHARED) === 0;
  let child = pte & ~L.PTE_UFFD;
  if (cow) {
    if ((pte & L.PTE_W) !== 0) setPte(cx, s, t, mm, ins.page, ins.region, pte & ~L.PTE_W, 'copy_nonpresent_pte()');
    child &= ~L.PTE_W;
    const owner = migrationOwner(pte);
    for (const reg of owner >= 0 ? [L_OLD, L_NEW] : []) {
      const f = s[m.loc(owner, reg)]! - 1;
      if (f >= 0) shareFrame(cx, s, t, ins.step, f);
    }
  }
  s[m.pte(forkChild(ins), ins.page)] = child;
}

function forkDup(cx: ExecContext, s: State, t: number, ins: InstrOf<'fork-dup'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  checkSleep(cx, s, t, 'dup_mmap()');
  const c = forkChild(ins);
  s[m.mm(c, L.M_EXISTS)] = 1;
  let n = 0;
  for (let v = 0; v < cx.L.nVma; v++) {
    const po = m.vma(mm, v, 0);
    if (s[po + L.V_STATE] !== L.VMA_LIVE) continue;
    const co = m.vma(c, n++, 0);
    for (let k = 0; k < L.V_SIZE; k++) s[co + k] = s[po + k]!;
    s[co + L.V_READERS] = 0;
    s[co + L.V_WRITER] = 0;
    s[co + L.V_SEQ] = 0;
    s[co + L.V_FLAGS]! &= ~L.VF_UFFD;
  }
  if (ins.op.wpseq) {
    s[m.mm(mm, L.M_WPSEQ)]!++;
    s[m.loc(t, L_FLAGS)]! |= LF_SEQODD;
  }
  return ins.next;
}

function forkPtl(cx: ExecContext, s: State, t: number, ins: InstrOf<'fork-ptl'>): Next {
  const c = forkChild(ins);
  const mm = cx.tMm[t]!;
  ptlTake(cx, s, t, c, ins.region);
  if (!ins.inheritPtl) ptlTake(cx, s, t, mm, ins.region);
  s[cx.m.pt(c, ins.region, L.PT_STATE)] = L.PT_PRESENT;
  return ins.next;
}

function forkTest(cx: ExecContext, s: State, t: number, ins: InstrOf<'fork-test'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const pte = s[m.pte(mm, p)]!;
  if (forkCopiesSwap(cx, s, mm, p, pte)) return ins.next;
  if (migrationEntryCopied(cx, s, mm, p, pte)) return ins.next; // copy_nonpresent_pte()
  if (!forkCopies(cx, s, mm, p, pte)) return ins.jumps.skip;
  const f = (pte & F) - 1;
  const v = vmaFlagsAt(cx, s, mm, cx.L.pages[p]!);
  const cow = v !== undefined && (v.flags & L.VF_SHARED) === 0;
  if (cow && (frameFlags(cx, s, f) & (L.FR_CACHE | L.FR_ZERO)) === 0 && s[m.fr(f, L.F_PINS)]! > 0) return ins.jumps.copy;
  return ins.next;
}

function forkShare(cx: ExecContext, s: State, t: number, ins: InstrOf<'fork-share'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const pte = s[m.pte(mm, p)]!;
  if (forkCopiesSwap(cx, s, mm, p, pte)) {
    s[m.pte(forkChild(ins), p)] = pte;
    // a swap entry whose page is under reclaim: the page is now shared with the child
    if (isSwapCached(pte)) shareFrame(cx, s, t, ins.step, s[m.loc(swapField(pte), L_OLD)]! - 1);
    return ins.next;
  }
  if (migrationEntryCopied(cx, s, mm, p, pte)) {
    forkMigrationEntry(cx, s, t, ins, pte);
    return ins.next;
  }
  if (!forkCopies(cx, s, mm, p, pte)) return ins.next;
  const c = forkChild(ins);
  const f = (pte & F) - 1;
  const v = vmaFlagsAt(cx, s, mm, cx.L.pages[p]!);
  const cow = v !== undefined && (v.flags & L.VF_SHARED) === 0;
  getRef(cx, s, f);
  if (f !== cx.L.zeroFrame) shareFrame(cx, s, t, ins.step, f);
  let child = pte & ~L.PTE_UFFD;
  if (cow && (pte & L.PTE_W) !== 0) {
    setPte(cx, s, t, mm, p, ins.region, pte & ~L.PTE_W, 'copy_present_pte()');
    s[m.loc(t, L_FLAGS)]! |= LF_UNFLUSHED | LF_CHANGED;
    child &= ~L.PTE_W;
  }
  s[m.pte(c, p)] = child;
  return ins.next;
}

function forkCopy(cx: ExecContext, s: State, t: number, ins: InstrOf<'fork-copy'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const pte = s[m.pte(mm, p)]!;
  const c = forkChild(ins);
  const f = (pte & F) - 1;
  const nf = allocFrame(cx, s);
  s[m.fr(nf, L.F_VALUE)] = readFrame(cx, s, t, f, "fork's copy of a pinned page");
  const v = vmaFlagsAt(cx, s, mm, cx.L.pages[p]!);
  s[m.pte(c, p)] = (nf + 1) | L.PTE_DIRTY | (v && v.prot === 2 ? L.PTE_W : 0);
  return ins.next;
}

function forkUnlockPtl(cx: ExecContext, s: State, t: number, ins: InstrOf<'fork-unlock-ptl'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const c = forkChild(ins);
  if (!ins.inheritPtl) ptlDropChecked(cx, s, t, ins, mm, ins.region);
  ptlDrop(cx, s, t, c, ins.region);
  if (ins.lastTable && s[m.loc(t, L_FLAGS)]! & LF_SEQODD) {
    s[m.mm(mm, L.M_WPSEQ)]!++;
    s[m.loc(t, L_FLAGS)]! &= ~LF_SEQODD;
  }
  return ins.next;
}

function forkEnd(cx: ExecContext, s: State, t: number, ins: InstrOf<'fork-end'>): Next {
  flushPages(cx, s, cx.tMm[t]!, () => true);
  s[cx.m.loc(t, L_FLAGS)]! &= ~LF_UNFLUSHED;
  cx.design.endVmaBrackets(cx, s, t);
  if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
  return ins.next;
}

export const FORK: SemanticsPart<'fork-dup' | 'fork-ptl' | 'fork-test' | 'fork-share' | 'fork-copy' | 'fork-unlock-ptl' | 'fork-end'> = {
  'fork-dup': {
    kernel: 'dup_mmap(): vm_area_dup(); anon_vma_fork(); raw_write_seqcount_begin(write_protect_seq)',
    doc: 'create the child mm and copy the VMAs; make write_protect_seq odd (wpseq=on)',
    source: 'kernel-paths §8.1, §8.2',
    mover: 'N',
    run: forkDup,
    footprint: fp(['vma:mm', 'vma-lock:mm', 'vma-seq:mm', 'ptl:mm', 'irq:cpu'], ['mm:child', 'vma:child', 'vma-lock:child', 'vma-seq:child', 'wp-seq:mm']),
  },
  'fork-ptl': {
    kernel: 'copy_pte_range(): pte_alloc_map_lock(child); spin_lock_nested(parent ptl)',
    doc: "take the child's then the parent's page-table lock",
    source: 'kernel-paths §8.3',
    mover: 'R',
    enabled: (cx, s, t, ins) => s[cx.m.pt(cx.tMm[t]!, ins.region, L.PT_PTL)] === 0 && s[cx.m.pt(forkChild(ins), ins.region, L.PT_PTL)] === 0,
    waitsFor: (cx, s, t, ins) => ({
      thread: t,
      what: 'a page-table lock',
      holders: [ptlHolder(cx, s, cx.tMm[t]!, ins.region), ptlHolder(cx, s, forkChild(ins), ins.region)].filter((h) => h >= 0),
    }),
    run: forkPtl,
    footprint: fp(['ptl:table', 'ptl:child', 'mmap-lock:mm', 'range-lock:mm'], ['ptl:table', 'ptl:child', 'page-table:child']),
  },
  'fork-test': {
    kernel: 'copy_present_pte(): page_maybe_dma_pinned()',
    doc: 'read the parent PTE and test whether its page may be pinned (pinned=copy)',
    source: 'kernel-paths §8.3',
    mover: 'N',
    run: forkTest,
    footprint: fp(['pte:page', 'pte:mm', 'vma:page', 'page-refs:any'], []),
  },
  'fork-share': {
    kernel: 'get_page(); page_dup_rmap(); ptep_set_wrprotect(); set_pte_at(child)',
    doc: 'share the frame: reference and mapcount +1, write-protect the parent PTE (no flush), map it read-only in the child',
    source: 'kernel-paths §8.3',
    mover: 'N',
    run: forkShare,
    // a swap entry under reclaim: the reclaiming thread's page (its fault-work register); a
    // migration entry: the migrating thread's pages (fault-work)
    footprint: fp(['pte:page', 'pte:mm', 'vma:page', 'page-refs:any', 'ptl:table', 'tlb:mm-cpus', 'fault-work:any'], ['pte:page', 'pte:child', 'page-refs:any', 'tlb:mm-cpus']),
  },
  'fork-copy': {
    kernel: 'copy_present_page(): copy_user_highpage(); set_pte_at(child)',
    doc: 'copy a possibly pinned page for the child; the parent PTE keeps W',
    source: 'kernel-paths §8.3',
    mover: 'N',
    run: forkCopy,
    footprint: fp(['pte:page', 'vma:page', 'frame:any', 'page-refs:any'], ['pte:child', 'frame:any', 'page-refs:any']),
  },
  'fork-unlock-ptl': {
    kernel: 'spin_unlock(parent ptl); pte_unmap_unlock(child)',
    doc: 'drop both page-table locks (and end write_protect_seq after the last table)',
    source: 'kernel-paths §8.2, §8.3',
    mover: 'N',
    run: forkUnlockPtl,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm', 'vma:mm', 'vma-lock:mm', 'vma-seq:mm'], ['ptl:table', 'ptl:child', 'wp-seq:mm']),
  },
  'fork-end': {
    kernel: 'flush_tlb_mm(oldmm); mmap_write_unlock(oldmm)',
    doc: "flush the parent's TLB on every CPU once, then release the parent's mmap_lock (ending VMA write locks); the child may run",
    source: 'kernel-paths §8.1',
    mover: 'N',
    enabled: ipiEnabled,
    waitsFor: ipiWait,
    run: forkEnd,
    footprint: fp(['irq:mm-cpus', 'thread-control:mm', 'mmap-lock:mm', 'range-lock:mm'], ['tlb:mm-cpus', 'vma-lock:mm', 'vma-seq:mm', 'mmap-lock:mm', 'range-lock:mm', 'thread-control:any']),
  },
};

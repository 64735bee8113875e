// The page fault (mm/memory.c handle_mm_fault(); kernel-paths §1): the arch entry takes the
// design's lock and checks the VMA; handle_pte_fault() reads the PTE with no lock; a none PTE
// is filled under the PTL (do_anonymous_page, do_read_fault, do_cow_fault, do_shared_fault); a
// present one goes to do_wp_page (wp-page.ts). A uffd-wp PTE sends the fault to userfaultfd.
import type { ExecContext } from '../context';
import { allocFrame, frameTruncated, getRef, putRef } from '../frames';
import type { Instr, InstrOf } from '../instr';
import * as L from '../layout';
import { ptlDrop } from '../locks/ptl';
import { L_AUX, L_FLAGS, L_NEW, L_OLD, L_ORIG, L_SEQ, L_VMA, LF_COW, LF_NOWRITE, LF_SPEC, LF_SPECIRQ, SPEC_PROT_SHIFT, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { checkSleep, checkPtl, checkWalk } from '../rules/lock-rules';
import { readFrame } from '../rules/races';
import { tagStale } from '../tlb';
import { anonVmaPrepare, stackBelow, vmaFlagsAt } from '../vmas';
import { specAbort, specIrqOn } from './speculative-fault';
import { ptePeek, tableValid } from '../page-tables';
import { isSwap, isSwapCached, swapField, swapWait } from '../swap';

const F = L.PTE_FRAME_MASK;

// fill-pte modes (the L_AUX register between pte-read and fill-pte)
export const FILL_ZERO = 0;
export const FILL_NEW = 1;
export const FILL_CACHE = 2;
export const FILL_COW = 3;
export const FILL_SHARED = 4;
export const FILL_SWAP = 5; // do_swap_page(): the new page holds the swap slot's value

/** The instructions of the fault path (any context). */
export type FaultInstr = InstrOf<'pte-read' | 'fill-pte' | 'handle-pte' | 'wp-flush-pending' | 'cow-copy' | 'cow-install'>;

/** Whether the fault running now is a write fault (GUP: FOLL_WRITE, unless a retry dropped it). */
export function isWrite(cx: ExecContext, s: State, t: number, ins: FaultInstr): boolean {
  if (ins.unshare) return false;
  if (ins.ctx === 'gup') return ins.op.op === 'gup' && ins.op.write && (s[cx.m.loc(t, L_FLAGS)]! & LF_NOWRITE) === 0;
  return ins.write;
}

/**
 * Whether the fault running now is GUP's unsharing fault (faultin_page() with FAULT_FLAG_UNSHARE
 * after follow_page_pte() returned -EMLINK): a read fault for a none PTE, and for a read-only
 * one do_wp_page() without the uffd-wp and pending-flush steps that copies (or marks exclusive)
 * but never makes the PTE writable (c89357e27f20, 5.19).
 */
export function isUnshare(ins: FaultInstr): boolean {
  return ins.unshare;
}

/** The VMA protection a fault works with: a speculative fault's snapshot, else the VMA's now (0 if none). */
export function faultProt(cx: ExecContext, s: State, t: number, mm: number, addr: number): number {
  const lb = cx.m.loc(t, 0);
  if ((s[lb + L_FLAGS]! & LF_SPEC) !== 0) return (s[lb + L_SEQ]! >> SPEC_PROT_SHIFT) - 1;
  return vmaFlagsAt(cx, s, mm, addr)?.prot ?? 0;
}

/** A write fault completed with VM_FAULT_WRITE: GUP on a read-only VMA sets FOLL_COW (or drops FOLL_WRITE before 2016). */
export function faultWrote(cx: ExecContext, s: State, t: number, ins: FaultInstr, vmaProt: number): void {
  if (ins.ctx !== 'gup' || ins.op.op !== 'gup' || vmaProt === 2) return;
  s[cx.m.loc(t, L_FLAGS)]! |= ins.op.retry === 'drop-write' ? LF_NOWRITE : LF_COW;
}

/** Write a PTE under its PTL, tagging the TLB entries it makes stale. */
export function setPte(cx: ExecContext, s: State, t: number, mm: number, p: number, region: number, pte: number, what: string): void {
  checkPtl(cx, s, t, mm, region, what);
  tagStale(cx, s, mm, p, pte, s[cx.m.pte(mm, p)]!);
  s[cx.m.pte(mm, p)] = pte;
}

/** Drop the fault's PTL unless the thread held it before the op (an explicit `lock ptl`). */
export function unlockFaultPtl(cx: ExecContext, s: State, t: number, ins: Instr, region: number): void {
  if (!ins.inheritPtl) ptlDrop(cx, s, t, cx.tMm[t]!, region);
}

/**
 * A thread sleeping in userfaultfd is woken when the uffd-wp bit of its page is clear and no
 * unprotect of the page is still running (wake_userfault() comes at its end).
 */
export function uffdWoken(cx: ExecContext, s: State, t: number, ins: Instr): boolean {
  const mm = cx.tMm[t]!;
  if ((s[cx.m.pte(mm, ins.page)]! & L.PTE_UFFD) !== 0) return false;
  for (let u = 0; u < cx.L.nThread; u++) {
    if (u === t || cx.tMm[u] !== mm || cx.isDone(s, u)) continue;
    const o = cx.instr(s, u)?.op;
    if (o && o.op === 'unprotect' && cx.L.pages[ins.page]! >= o.start && cx.L.pages[ins.page]! < o.end && cx.curStepStarted(s, u)) return false;
  }
  return true;
}

/**
 * A file page past i_size (a `truncate` ran its i_size_write()): filemap_fault() returns
 * VM_FAULT_SIGBUS (`index >= max_idx`). The model asks where it looks up the VMA; a fault that
 * passed that check first finds the page gone at its page-cache lookup or under the PTL (the
 * folio lock re-check) and retries (kernel-paths §17).
 */
function truncatedFilePage(cx: ExecContext, s: State, mm: number, p: number, vmaFlags: number): boolean {
  if ((vmaFlags & L.VF_FILE) === 0) return false;
  return frameTruncated(cx, s, cx.L.cacheFrame[mm]![p]!);
}

function faultEnter(cx: ExecContext, s: State, t: number, ins: InstrOf<'fault-enter'>): Next {
  const mm = cx.tMm[t]!;
  const addr = cx.L.pages[ins.page]!;
  if (!ins.inheritMmap && !cx.design.lockForFault(cx, s, t, addr)) return undefined;
  const v = vmaFlagsAt(cx, s, mm, addr);
  // stack growth (issue 10): find_vma() found a VM_GROWSDOWN VMA above the address
  if (!v && ins.jumps.grow !== undefined && stackBelow(cx, s, mm, addr)) return ins.jumps.grow;
  const bad = !v || (ins.write ? v.prot !== 2 : v.prot === 0) || truncatedFilePage(cx, s, mm, ins.page, v.flags);
  if (bad) {
    if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
    return ins.jumps.segv;
  }
  return ins.next;
}

function pteRead(cx: ExecContext, s: State, t: number, ins: InstrOf<'pte-read'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const addr = cx.L.pages[p]!;
  const lb = m.loc(t, 0);
  const region = cx.L.pageRegion[p]!;
  if ((s[lb + L_FLAGS]! & LF_SPECIRQ) !== 0) {
    // arm64 without RCU table freeing: the table read by spf-walk may have been freed since
    if (!tableValid(cx, s, t, mm, region, 'the speculative fault')) {
      specAbort(cx, s, t);
      return ins.jumps.fallback;
    }
    specIrqOn(cx, s, t);
  }
  if ((s[lb + L_FLAGS]! & LF_SPEC) !== 0) {
    // the speculative path does not allocate page tables; the VMA it snapshotted may be gone
    const sv = vmaFlagsAt(cx, s, mm, addr);
    if (s[m.pt(mm, region, L.PT_STATE)] !== L.PT_PRESENT || !sv || (sv.flags & L.VF_FILE) !== 0) {
      specAbort(cx, s, t);
      return ins.jumps.fallback;
    }
  }
  checkWalk(cx, s, t, 'the fault', (q) => q === p);
  if (s[m.pt(mm, region, L.PT_STATE)] !== L.PT_PRESENT) s[m.pt(mm, region, L.PT_STATE)] = L.PT_PRESENT; // pte_alloc()
  const pte = ptePeek(cx, s, mm, p); // none while change_pte_range() has it cleared
  s[lb + L_ORIG] = pte;
  // handle_pte_fault(): !pte_present() -> do_swap_page(): a migration entry waits for the
  // migration (a speculative fault falls back to the classic one first); pte_protnone() in an
  // accessible VMA -> do_numa_page() (numa.ts, migrate.ts)
  if ((pte & L.PTE_MIGRATION) !== 0) {
    if ((s[lb + L_FLAGS]! & LF_SPEC) !== 0 && ins.jumps.fallback !== undefined) {
      specAbort(cx, s, t);
      return ins.jumps.fallback;
    }
    if (ins.jumps.migration !== undefined) return ins.jumps.migration;
  }
  if ((pte & F) !== 0) {
    if ((pte & L.PTE_PROTNONE) !== 0 && ins.jumps.numa !== undefined && faultProt(cx, s, t, mm, addr) !== 0) return ins.jumps.numa;
    return ins.jumps.present;
  }
  const v = vmaFlagsAt(cx, s, mm, addr);
  if (!v) return ins.jumps.present; // cannot happen under mmap_lock
  if (isSwap(pte)) {
    // 6.4 do_swap_page(): `if (vmf->flags & FAULT_FLAG_VMA_LOCK) return VM_FAULT_RETRY` (mm/memory.c
    // l.3714): drop the VMA read lock and retry under mmap_lock (design-paths §1.1)
    if (vmaLockedFault(cx, s, t)) {
      s[m.vma(mm, s[lb + L_VMA]! - 1, L.V_READERS)]!--;
      s[lb + L_VMA] = 0;
      return ins.jumps.fileCow; // the VMA-locked path's fallback
    }
    // do_swap_page(): (the page lock waited for in `enabled`) read the slot into a new page
    checkSleep(cx, s, t, 'swapin_readahead()');
    const nf = allocFrame(cx, s);
    s[m.fr(nf, L.F_VALUE)] = swapField(pte);
    s[lb + L_NEW] = nf + 1;
    s[lb + L_AUX] = FILL_SWAP;
    return ins.jumps.anon;
  }
  const write = isWrite(cx, s, t, ins);
  // a file VMA maps its page-cache page; a shared anonymous one (shmem) the page of its object
  // if an mm of the family maps it (a child after fork, which copied no PTEs of it)
  const file = (v.flags & L.VF_FILE) !== 0;
  const cf = file ? cx.L.cacheFrame[mm]![p]! : (v.flags & L.VF_SHARED) !== 0 ? cx.m.shmemFrame(s, mm, p) : -1;
  if (!file && cf < 0) {
    if (write) {
      anonVmaPrepare(cx, s, mm, addr); // do_anonymous_page(): before the allocation
      checkSleep(cx, s, t, 'alloc_zeroed_user_highpage_movable()');
      s[lb + L_NEW] = allocFrame(cx, s) + 1;
      s[lb + L_AUX] = FILL_NEW;
    } else s[lb + L_AUX] = FILL_ZERO;
    return ins.jumps.anon;
  }
  if (cf < 0) return ins.jumps.present;
  if (frameTruncated(cx, s, cf)) return ins.jumps.present; // truncated since fault-enter: no page, the access retries
  getRef(cx, s, cf);
  s[lb + L_OLD] = cf + 1;
  if (!write) {
    s[lb + L_AUX] = FILL_CACHE;
    return ins.jumps.anon;
  }
  if (v.flags & L.VF_SHARED) {
    s[lb + L_AUX] = FILL_SHARED;
    return ins.jumps.anon;
  }
  anonVmaPrepare(cx, s, mm, addr); // do_cow_fault()
  checkSleep(cx, s, t, 'alloc_page_vma()');
  s[lb + L_NEW] = allocFrame(cx, s) + 1;
  s[lb + L_AUX] = FILL_COW;
  return ins.jumps.fileCow;
}

/** A fault running under a VMA read lock (lock_vma_under_rcu, `pervma`). */
function vmaLockedFault(cx: ExecContext, s: State, t: number): boolean {
  return cx.design.traits.faultReadLocksVma && s[cx.m.loc(t, L_VMA)] !== 0;
}

function cowFileCopy(cx: ExecContext, s: State, t: number, ins: InstrOf<'cow-file-copy'>): Next {
  const m = cx.m;
  const lb = m.loc(t, 0);
  const src = s[lb + L_OLD]! - 1;
  const dst = s[lb + L_NEW]! - 1;
  s[m.fr(dst, L.F_VALUE)] = readFrame(cx, s, t, src, 'the copy of the page-cache page');
  return ins.next;
}

function fillPte(cx: ExecContext, s: State, t: number, ins: InstrOf<'fill-pte'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const addr = cx.L.pages[p]!;
  const lb = m.loc(t, 0);
  const region = cx.L.pageRegion[p]!;
  const pte = s[m.pte(mm, p)]!;
  const mode = s[lb + L_AUX]!;
  const newF = s[lb + L_NEW]! - 1;
  const cache = s[lb + L_OLD]! - 1;
  const vmaW = faultProt(cx, s, t, mm, addr) === 2;
  if (mode === FILL_SWAP) {
    // do_swap_page(): pte_same() under the PTL; an exclusive page is mapped writable in a writable VMA
    if (pte !== s[lb + L_ORIG]) putRef(cx, s, newF);
    else setPte(cx, s, t, mm, p, region, (newF + 1) | (vmaW ? L.PTE_W | L.PTE_DIRTY : 0), 'do_swap_page()');
  } else if ((pte & (F | L.PTE_MIGRATION)) !== 0 || (mode !== FILL_ZERO && mode !== FILL_NEW && frameTruncated(cx, s, cache))) {
    // someone else filled it (or migration entries replaced it), or the page-cache page was
    // truncated meanwhile (the folio lock re-check): discard (and retry)
    if (newF >= 0) putRef(cx, s, newF);
    if (cache >= 0) putRef(cx, s, cache);
  } else {
    let np = 0;
    switch (mode) {
      case FILL_ZERO:
        np = cx.L.zeroFrame + 1;
        break;
      case FILL_NEW:
        np = (newF + 1) | (vmaW ? L.PTE_W | L.PTE_DIRTY : 0);
        break;
      case FILL_CACHE:
        np = cache + 1;
        break;
      case FILL_SHARED:
        np = (cache + 1) | (isWrite(cx, s, t, ins) && vmaW ? L.PTE_W | L.PTE_DIRTY : 0);
        break;
      case FILL_COW:
        np = (newF + 1) | L.PTE_DIRTY | (vmaW ? L.PTE_W : 0);
        putRef(cx, s, cache);
        break;
    }
    setPte(cx, s, t, mm, p, region, np, 'the fault');
  }
  s[lb + L_NEW] = 0;
  s[lb + L_OLD] = 0;
  unlockFaultPtl(cx, s, t, ins, region);
  return ins.next;
}

function faultExit(cx: ExecContext, s: State, t: number, ins: InstrOf<'fault-exit'>): Next {
  if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
  return ins.next;
}

function uffdWait(cx: ExecContext, s: State, t: number, ins: InstrOf<'uffd-wait'>): Next {
  if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
  checkSleep(cx, s, t, 'handle_userfault()');
  s[cx.m.th(t, L.T_STATUS)] = L.WAIT_UFFD;
  return ins.next;
}

export const FAULT: SemanticsPart<'fault-enter' | 'pte-read' | 'cow-file-copy' | 'fill-pte' | 'fault-exit' | 'uffd-wait'> = {
  'fault-enter': {
    kernel: 'do_user_addr_fault(): mmap_read_lock(); find_vma(); access_error()',
    doc: 'take mmap_lock for read, find the VMA and check the access; no VMA or a forbidding VMA: SIGSEGV (a truncated file page: SIGBUS, shown the same)',
    source: 'kernel-paths §1.0, §17',
    mover: 'R',
    run: faultEnter,
    // vma:mm: find_vma() of an address below a stack (issue 10)
    footprint: fp(['mmap-lock:mm', 'range-lock:mm', 'vma:page', 'vma:mm', 'ptl:mm', 'irq:cpu', 'page-refs:any'], ['mmap-lock:mm', 'range-lock:mm', 'thread-control:any', 'vma-lock:mm']),
  },
  'pte-read': {
    kernel: 'handle_pte_fault(): orig_pte = *pte',
    doc: "lockless PTE snapshot; none: do_anonymous_page / do_fault (anon_vma_prepare and the allocation, or the page-cache or shmem page's reference, here); a swap entry (reclaim): do_swap_page, which waits while reclaim holds the page, then reads the slot into a new page; present: take the PTL",
    source: 'kernel-paths §1.2',
    mover: 'N',
    // do_swap_page() sleeps on the lock of a page reclaim still holds (swap.ts)
    enabled: (cx, s, t, ins) => !isSwapCached(ptePeek(cx, s, cx.tMm[t]!, ins.page)) || vmaLockedFault(cx, s, t),
    waitsFor: (cx, s, t, ins) => swapWait(t, ptePeek(cx, s, cx.tMm[t]!, ins.page)),
    run: pteRead,
    // reads the family's PTEs for a shmem page; writes the VMA's anon_vma (anon_vma_prepare)
    footprint: fp(['pte:page', 'pte:any', 'mm:any', 'page-table:any', 'vma:page', 'vma:any', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:mm', 'ptl:mm', 'irq:cpu', 'page-refs:any', 'tlb:any'], ['page-table:any', 'page-refs:any', 'frame:any', 'irq:cpu', 'vma:page', 'vma-lock:mm']),
  },
  'cow-file-copy': {
    kernel: 'do_cow_fault(): copy_user_highpage()',
    doc: 'copy the page-cache page into the new anonymous page, no PTL',
    source: 'kernel-paths §1.4',
    mover: 'N',
    run: cowFileCopy,
    footprint: fp(['frame:any', 'page-refs:any'], ['frame:any']),
  },
  'fill-pte': {
    kernel: 'set_pte_at(); pte_unmap_unlock()',
    doc: 'under the PTL: if the PTE is still none, map the zero page (read), the new page (write) or the page-cache page (a swapped-in page if the swap entry is unchanged: pte_same); else discard; drop the PTL',
    source: 'kernel-paths §1.3, §1.4',
    mover: 'N',
    run: fillPte,
    footprint: fp(['pte:page', 'vma:page', 'ptl:table', 'tlb:mm-cpus', 'page-refs:any'], ['pte:page', 'tlb:mm-cpus', 'page-refs:any', 'ptl:table']),
  },
  'fault-exit': {
    kernel: 'mmap_read_unlock()',
    doc: 'release mmap_lock; the access retries',
    source: 'kernel-paths §1.0',
    mover: 'L',
    run: faultExit,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm'], ['mmap-lock:mm', 'range-lock:mm', 'thread-control:any', 'vma-lock:mm']),
  },
  'uffd-wait': {
    kernel: 'handle_userfault(): mmap_read_unlock(); schedule()',
    doc: 'drop mmap_lock and sleep until userfaultfd resolves the write-protect (unprotect), then retry the fault',
    source: 'kernel-paths §7.3',
    mover: 'N',
    run: uffdWait,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm', 'ptl:mm', 'irq:cpu'], ['mmap-lock:mm', 'range-lock:mm', 'thread-control:any', 'vma-lock:mm']),
  },
};

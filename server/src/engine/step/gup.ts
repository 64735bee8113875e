// get_user_pages() (mm/gup.c; kernel-paths §4): the design's read lock, check_vma_flags() (a
// FOLL_FORCE write may go to a private read-only mapping), then follow_page_pte() under the PTL
// takes a reference or pin when can_follow_write_pte() allows it; otherwise faultin_page() runs
// the fault path (GUP keeps its lock across it) and the lookup retries. Under `reuse exclusive`
// a R/O pin of a possibly shared anonymous page first runs an unsharing fault (-EMLINK,
// FAULT_FLAG_UNSHARE; a7f226604170, 5.19).
import type { ExecContext } from '../context';
import { clearRef, frameFlags, getRef, storeRef } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { L_FLAGS, LF_COW, LF_NOWRITE, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { checkWalk } from '../rules/lock-rules';
import { stackBelow, vmaFlagsAt, type VmaFacts } from '../vmas';
import { unlockFaultPtl } from './fault';

const F = L.PTE_FRAME_MASK;

/**
 * gup_must_unshare() (5.19 include/linux/mm.h, a7f226604170), asked for a read-only PTE: a pin
 * without FOLL_WRITE (`(flags & (FOLL_WRITE | FOLL_PIN)) == FOLL_PIN`) of an anonymous page
 * (not the zero page, not page cache, not shmem) that is not PageAnonExclusive. Only under
 * `reuse exclusive`: before 5.19 there is no PageAnonExclusive and GUP pins what it finds.
 */
export function mustUnshare(cx: ExecContext, s: State, pte: number, pin: boolean, write: boolean, vmaShared: boolean): boolean {
  if (cx.spec.reuse !== 'exclusive' || !pin || write || (pte & L.PTE_W) !== 0 || vmaShared) return false;
  const f = (pte & F) - 1;
  return f !== cx.L.zeroFrame && (frameFlags(cx, s, f) & (L.FR_EXCL | L.FR_CACHE)) === 0;
}

/**
 * can_follow_write_pte() for a read-only PTE under `reuse exclusive` (6.0, 5535be309971; read
 * in v6.1-rc7 mm/gup.c): FOLL_FORCE, a private VMA (so VM_MAYWRITE: do_mmap() sets it and
 * clears it only for a shared file mapping), without VM_WRITE (a writable VMA takes the write
 * fault), an exclusive anonymous page, soft-dirty tracking needing no fault (vmscen's VMAs keep
 * VM_SOFTDIRTY, see SPEC appendix), and no uffd-wp marker on the PTE.
 */
function canForceFollow(cx: ExecContext, s: State, pte: number, force: boolean, v: { prot: number; flags: number } | undefined): boolean {
  if (!force || !v || (v.flags & L.VF_SHARED) !== 0 || v.prot === 2) return false;
  const f = (pte & F) - 1;
  if (f === cx.L.zeroFrame || (frameFlags(cx, s, f) & (L.FR_EXCL | L.FR_CACHE)) !== L.FR_EXCL) return false;
  return !((v.flags & L.VF_UFFD) !== 0 && (pte & L.PTE_UFFD) !== 0);
}

function gupEnter(cx: ExecContext, s: State, t: number, ins: InstrOf<'gup-enter'>): Next {
  const addr = cx.L.pages[ins.page]!;
  if (!ins.inheritMmap && !cx.design.lockForFault(cx, s, t, addr)) return undefined;
  const v = vmaFlagsAt(cx, s, cx.tMm[t]!, addr);
  // stack growth (issue 10): find_extend_vma() before 6.5
  if (!v && ins.jumps.grow !== undefined && stackBelow(cx, s, cx.tMm[t]!, addr)) return ins.jumps.grow;
  return gupVmaAllows(cx, s, t, ins.op, v) ? ins.next : ins.jumps.efault;
}

/** check_vma_flags(): does the VMA allow this lookup (FOLL_FORCE may write a private read-only one)? */
export function gupVmaAllows(cx: ExecContext, s: State, t: number, o: InstrOf<'gup-enter'>['op'], v: VmaFacts | undefined): boolean {
  const write = o.write && (s[cx.m.loc(t, L_FLAGS)]! & LF_NOWRITE) === 0;
  let ok = v !== undefined;
  if (v && write && v.prot !== 2) ok = o.force && (v.flags & L.VF_SHARED) === 0;
  if (v && !write && v.prot === 0) ok = o.force;
  return ok;
}

function gupFollow(cx: ExecContext, s: State, t: number, ins: InstrOf<'gup-follow'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  checkWalk(cx, s, t, 'get_user_pages()', (q) => q === p);
  const region = cx.L.pageRegion[p]!;
  const o = ins.op;
  const pte = s[m.pte(mm, p)]!;
  if ((pte & F) === 0 || (pte & L.PTE_PROTNONE) !== 0) {
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.jumps.fault;
  }
  const fl = s[m.loc(t, L_FLAGS)]!;
  const write = o.write && (fl & LF_NOWRITE) === 0;
  const f = (pte & F) - 1;
  const v = vmaFlagsAt(cx, s, mm, cx.L.pages[p]!);
  if (write && (pte & L.PTE_W) === 0) {
    // can_follow_write_pte(): before 19be0eaffa3a only a writable PTE (the retry then drops
    // FOLL_WRITE); until 5.19 FOLL_FORCE+FOLL_COW on a dirty PTE; since 5535be309971 the
    // conditions of canForceFollow()
    const canFollow =
      o.retry === 'drop-write'
        ? false
        : cx.spec.reuse === 'exclusive'
          ? canForceFollow(cx, s, pte, o.force, v)
          : o.force && (fl & LF_COW) !== 0 && (pte & L.PTE_DIRTY) !== 0;
    if (!canFollow) {
      unlockFaultPtl(cx, s, t, ins, region);
      return ins.jumps.fault;
    }
  }
  if (mustUnshare(cx, s, pte, o.pin, write, v !== undefined && (v.flags & L.VF_SHARED) !== 0)) {
    // follow_page_pte() returns -EMLINK; __get_user_pages() calls faultin_page(unshare=true)
    if (ins.jumps.unshare === undefined) throw new Error('internal: gup_must_unshare() without an unsharing fault');
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.jumps.unshare;
  }
  if (frameFlags(cx, s, f) & L.FR_FREED) cx.race('use-after-free', `get_user_pages() by ${cx.tn(t)} takes a reference on frame ${m.frameName(f)}, which was freed`);
  getRef(cx, s, f, o.pin);
  storeRef(cx, s, t, o.ref, f, o.pin, p);
  unlockFaultPtl(cx, s, t, ins, region);
  return ins.next;
}

function gupExit(cx: ExecContext, s: State, t: number, ins: InstrOf<'gup-exit'>): Next {
  if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
  if (ins.efault && ins.op.ref !== undefined) clearRef(cx, s, t, ins.op.ref);
  return ins.next;
}

export const GUP: SemanticsPart<'gup-enter' | 'gup-follow' | 'gup-exit'> = {
  'gup-enter': {
    kernel: 'get_user_pages(): mmap_read_lock(); find_extend_vma(); check_vma_flags()',
    doc: 'take mmap_lock for read and check the VMA allows the access (FOLL_FORCE may write a private read-only mapping); else -EFAULT',
    source: 'kernel-paths §4.1',
    mover: 'R',
    run: gupEnter,
    // vma:mm: find_vma() of an address below a stack (issue 10)
    footprint: fp(['mmap-lock:mm', 'range-lock:mm', 'vma:page', 'vma:mm', 'ptl:mm', 'irq:cpu'], ['mmap-lock:mm', 'range-lock:mm', 'thread-control:any', 'vma-lock:mm']),
  },
  'gup-follow': {
    kernel: 'follow_page_pte(): can_follow_write_pte(); gup_must_unshare(); try_grab_page(); pte_unmap_unlock()',
    doc: 'under the PTL: if the PTE allows the lookup, take a reference (or pin) on its frame; else fault; a R/O pin of a shared anonymous page (reuse exclusive) faults with FAULT_FLAG_UNSHARE first',
    source: 'kernel-paths §4.2, §4.4',
    mover: 'N',
    run: gupFollow,
    footprint: fp(['pte:page', 'vma:page', 'page-refs:any', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:mm', 'ptl:table'], ['page-refs:any', 'gup-refs:own', 'ptl:table']),
  },
  'gup-exit': {
    kernel: 'mmap_read_unlock()',
    doc: 'release mmap_lock; the reference (if any) is the result',
    source: 'kernel-paths §4.1',
    mover: 'L',
    run: gupExit,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm'], ['mmap-lock:mm', 'range-lock:mm', 'thread-control:any', 'vma-lock:mm', 'gup-refs:own']),
  },
};

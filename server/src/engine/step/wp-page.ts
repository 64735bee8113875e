// do_wp_page() (mm/memory.c; kernel-paths §2, §3): a write fault on a present, read-only PTE.
// Under the PTL the snapshot is re-checked (pte_same); a uffd-wp PTE goes to userfaultfd; with
// pending=flush a pending TLB flush is done first in a uffd-wp VMA (6ce64428d620; pending=
// flush-any: in any VMA, before the uffd-wp test, a proposal never merged); then the page is reused in
// place (wp_page_reuse, by the design's reuse rule) or a reference is taken and the PTL dropped
// to copy it (wp_page_copy), the copy installed under the PTL if the PTE is still the same.
// GUP's unsharing fault (FAULT_FLAG_UNSHARE, 5.19) skips the uffd-wp and flush steps, does
// nothing to a page that is not anonymous or already exclusive, marks a reusable one exclusive
// and otherwise installs a read-only copy.
import type { ExecContext } from '../context';
import { allocFrame, frameFlags, getRef, putRef } from '../frames';
import { hex } from '../format';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { L_COPY, L_DIRTY, L_NEW, L_OLD, L_ORIG, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { checkPtl, checkSleep } from '../rules/lock-rules';
import { checkPins, decodeOrigin, readFrame } from '../rules/races';
import { flushPages, ipiEnabled, ipiWait, tagStale } from '../tlb';
import { anonVmaPrepare, vmaFlagsAt } from '../vmas';
import { faultProt, faultWrote, isUnshare, isWrite, setPte, unlockFaultPtl } from './fault';

const F = L.PTE_FRAME_MASK;

type WpInstr = InstrOf<'handle-pte'> | InstrOf<'wp-flush-pending'>;

/** do_wp_page()'s decision with the PTL held: reuse in place, or take a reference and copy. */
function wpDecide(cx: ExecContext, s: State, t: number, ins: WpInstr, vmaProt: number, vmaFlags: number): number {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const region = cx.L.pageRegion[p]!;
  const pte = s[m.pte(mm, p)]!;
  const f = (pte & F) - 1;
  const unshare = isUnshare(ins);
  // FAULT_FLAG_UNSHARE on a page it need not copy: "No anonymous page -> nothing to do", or
  // reuse: page_move_anon_rmap() marks it exclusive; the PTE stays read-only
  const keep = (): number => {
    if (f !== cx.L.zeroFrame && (frameFlags(cx, s, f) & L.FR_CACHE) === 0 && (vmaFlags & L.VF_SHARED) === 0) s[m.fr(f, L.F_FLAGS)]! |= L.FR_EXCL;
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.next;
  };
  const reuse = (): number => {
    if (unshare) return keep();
    const np = pte | L.PTE_DIRTY | (vmaProt === 2 ? L.PTE_W : 0);
    setPte(cx, s, t, mm, p, region, np, 'wp_page_reuse()');
    if (f !== cx.L.zeroFrame) s[m.fr(f, L.F_FLAGS)]! |= (frameFlags(cx, s, f) & L.FR_CACHE) === 0 ? L.FR_EXCL : 0;
    unlockFaultPtl(cx, s, t, ins, region);
    faultWrote(cx, s, t, ins, vmaProt);
    return ins.next;
  };
  const copy = (): number => {
    if (f !== cx.L.zeroFrame) {
      getRef(cx, s, f);
      s[m.loc(t, L_OLD)] = f + 1;
    }
    if (ins.copyUnderPtl) return ins.jumps.copyPtl;
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.jumps.copy;
  };
  const fl = frameFlags(cx, s, f);
  if (unshare && (f === cx.L.zeroFrame || (vmaFlags & L.VF_SHARED) !== 0 || (fl & L.FR_CACHE) !== 0)) return keep();
  if (f === cx.L.zeroFrame) return copy();
  if (vmaFlags & L.VF_SHARED) return reuse(); // wp_page_shared
  if (fl & L.FR_CACHE) return copy();
  const refs = s[m.fr(f, L.F_REFS)]!;
  switch (cx.spec.reuse) {
    case 'exclusive':
      if (fl & L.FR_EXCL || refs === 1) return reuse();
      return copy();
    case 'refcount':
      return refs === 1 && m.mapcount(s, f) === 1 ? reuse() : copy();
    case 'mapcount':
      return m.mapcount(s, f) === 1 ? reuse() : copy();
  }
}

function handlePte(cx: ExecContext, s: State, t: number, ins: InstrOf<'handle-pte'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const region = cx.L.pageRegion[p]!;
  const pte = s[m.pte(mm, p)]!;
  if (pte !== s[m.loc(t, L_ORIG)] || (pte & F) === 0) {
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.next; // pte_same failed: the access retries
  }
  const write = isWrite(cx, s, t, ins);
  const unshare = !write && isUnshare(ins);
  if ((!write && !unshare) || (pte & L.PTE_W) !== 0) {
    if (write) s[m.pte(mm, p)] = pte | L.PTE_DIRTY;
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.next; // spurious
  }
  // pending=flush-any, Yu Zhao's proposal (LKML, 23 Dec 2020, never merged): handle_pte_fault()
  // flushes before it calls do_wp_page(), whatever the VMA, so before the uffd-wp test too
  if (ins.flushPendingAny && s[m.mm(mm, L.M_PENDING)]! > 0) return ins.jumps.flush;
  return doWpPage(cx, s, t, ins, ins.jumps.flush);
}

/**
 * do_wp_page() from its top, the PTL held: a uffd-wp PTE in a uffd-wp VMA goes to userfaultfd
 * (userfaultfd_pte_wp); then, with pending=flush and a flush target, 6ce64428d620's
 * `if (userfaultfd_wp(vma) && mm_tlb_flush_pending(mm)) flush_tlb_page()`: the merged fix
 * flushes only in VMAs registered for uffd-wp; then reuse or copy.
 */
function doWpPage(cx: ExecContext, s: State, t: number, ins: WpInstr, flushTo: number | undefined): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const addr = cx.L.pages[p]!;
  const v = vmaFlagsAt(cx, s, mm, addr);
  // do_wp_page(): `if (likely(!unshare))` guards the uffd-wp diversion and the pending flush
  const unshare = !isWrite(cx, s, t, ins) && isUnshare(ins);
  const uffdWpVma = v !== undefined && (v.flags & L.VF_UFFD) !== 0;
  if (!unshare && uffdWpVma && (s[m.pte(mm, p)]! & L.PTE_UFFD) !== 0) {
    unlockFaultPtl(cx, s, t, ins, cx.L.pageRegion[p]!);
    return ins.jumps.uffd;
  }
  if (!unshare && flushTo !== undefined && ins.flushPending && uffdWpVma && s[m.mm(mm, L.M_PENDING)]! > 0) return flushTo;
  return wpDecide(cx, s, t, ins, faultProt(cx, s, t, mm, addr), v?.flags ?? 0);
}

function wpFlushPending(cx: ExecContext, s: State, t: number, ins: InstrOf<'wp-flush-pending'>): Next {
  const p = ins.page;
  flushPages(cx, s, cx.tMm[t]!, (q) => q === p);
  // the PTE cannot have changed under the PTL: after 6ce64428d620's flush the uffd-wp test
  // below repeats the one already passed; after flush-any's it is do_wp_page()'s first test
  return doWpPage(cx, s, t, ins, undefined);
}

function cowCopy(cx: ExecContext, s: State, t: number, ins: InstrOf<'cow-copy'>): Next {
  const m = cx.m;
  const lb = m.loc(t, 0);
  anonVmaPrepare(cx, s, cx.tMm[t]!, cx.L.pages[ins.page]!); // wp_page_copy() begins with it
  if (!ins.ptlHeld) checkSleep(cx, s, t, 'wp_page_copy()');
  const newF = allocFrame(cx, s);
  const old = s[lb + L_OLD]! - 1;
  if (old >= 0 && old !== cx.L.zeroFrame) {
    s[m.fr(newF, L.F_VALUE)] = readFrame(cx, s, t, old, 'the COW copy');
    s[lb + L_COPY] = 1;
  }
  s[lb + L_NEW] = newF + 1;
  s[lb + L_DIRTY] = 0;
  return ins.next;
}

function cowInstall(cx: ExecContext, s: State, t: number, ins: InstrOf<'cow-install'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const addr = cx.L.pages[p]!;
  const lb = m.loc(t, 0);
  const region = cx.L.pageRegion[p]!;
  const pte = s[m.pte(mm, p)]!;
  const newF = s[lb + L_NEW]! - 1;
  const old = (pte & F) - 1;
  if (pte === s[lb + L_ORIG] && (pte & F) !== 0) {
    // ptep_clear_flush_notify: clear and flush every CPU, under the PTL
    checkPtl(cx, s, t, mm, region, 'wp_page_copy()');
    s[m.pte(mm, p)] = 0;
    flushPages(cx, s, mm, (q) => q === p);
    const dirty = s[lb + L_DIRTY]!;
    if (dirty !== 0) {
      const store = decodeOrigin(dirty);
      cx.race(
        'lost-write',
        `the store to ${hex(addr)} by ${cx.tn(store.thread)} landed in frame ${m.frameName(old)} after ${cx.tn(t)}'s COW fault had copied it; the copy ${m.frameName(newF)} now replaces it at ${hex(addr)}: the value is lost`,
        store,
        [cx.cur],
      );
    }
    const prot = faultProt(cx, s, t, mm, addr);
    // an unsharing copy stays read-only and keeps the uffd-wp bit (wp_page_copy(), 5.19)
    const unshare = isUnshare(ins);
    const np = unshare ? (newF + 1) | (pte & L.PTE_UFFD) : (newF + 1) | L.PTE_DIRTY | (prot === 2 ? L.PTE_W : 0);
    checkPins(cx, s, mm, p, newF);
    tagStale(cx, s, mm, p, np);
    s[m.pte(mm, p)] = np;
    if (old !== cx.L.zeroFrame) putRef(cx, s, old);
    s[lb + L_NEW] = 0;
    if (!unshare) faultWrote(cx, s, t, ins, prot);
  } else {
    putRef(cx, s, newF);
    s[lb + L_NEW] = 0;
  }
  s[lb + L_COPY] = 0;
  s[lb + L_DIRTY] = 0;
  unlockFaultPtl(cx, s, t, ins, region);
  return ins.next;
}

function cowPutOld(cx: ExecContext, s: State, t: number, ins: InstrOf<'cow-put-old'>): Next {
  const lb = cx.m.loc(t, 0);
  const old = s[lb + L_OLD]! - 1;
  if (old >= 0) putRef(cx, s, old);
  s[lb + L_OLD] = 0;
  return ins.next;
}

export const WP_PAGE: SemanticsPart<'handle-pte' | 'wp-flush-pending' | 'cow-copy' | 'cow-install' | 'cow-put-old'> = {
  'handle-pte': {
    kernel: 'pte_same(); do_wp_page()',
    doc: 'under the PTL: re-check the snapshot; spurious: done; a flush pending with pending=flush-any: flush first (any VMA); uffd-wp marker in a uffd-wp VMA: to userfaultfd; a flush pending with pending=flush in a uffd-wp VMA: flush first (6ce64428d620); then reuse (W in place) or take a reference and drop the PTL to copy. GUP unsharing (FAULT_FLAG_UNSHARE): no uffd-wp or flush step; a page that is not anonymous or is exclusive stays, a reusable one is marked exclusive, else copy',
    source: 'kernel-paths §1.2, §2, §2.4, §2.6',
    mover: 'N',
    run: handlePte,
    footprint: fp(['pte:page', 'vma:page', 'flush-pending:mm', 'page-refs:any', 'ptl:table', 'tlb:mm-cpus', 'pte:any', 'mm:any'], ['pte:page', 'tlb:mm-cpus', 'page-refs:any', 'ptl:table']),
  },
  'wp-flush-pending': {
    kernel: 'flush_tlb_page() [userfaultfd_wp(vma) && mm_tlb_flush_pending(mm)]',
    doc: 'with the PTL held, flush this address on every CPU (6ce64428d620: only in a uffd-wp VMA; pending=flush-any: in any VMA, before the uffd-wp test), then do_wp_page(): a uffd-wp PTE to userfaultfd, else reuse or copy',
    source: 'kernel-paths §2.4',
    mover: 'N',
    enabled: ipiEnabled,
    waitsFor: ipiWait,
    run: wpFlushPending,
    footprint: fp(['irq:mm-cpus', 'thread-control:mm', 'pte:page', 'vma:page', 'page-refs:any', 'ptl:table', 'pte:any', 'mm:any'], ['tlb:mm-cpus', 'pte:page', 'page-refs:any', 'ptl:table']),
  },
  'cow-copy': {
    kernel: 'wp_page_copy(): anon_vma_prepare(); alloc_page_vma(); cow_user_page()',
    doc: 'give the VMA its anon_vma, allocate and copy the old frame with no PTL held; the copy reads the frame as it is now',
    source: 'kernel-paths §3',
    mover: 'N',
    run: cowCopy,
    footprint: fp(['frame:any', 'page-refs:any', 'ptl:mm', 'irq:cpu', 'vma:page'], ['frame:any', 'page-refs:any', 'fault-work:mm', 'vma:page']),
  },
  'cow-install': {
    kernel: 'pte_same(); ptep_clear_flush_notify(); set_pte_at_notify(); page_remove_rmap(); put_page(); pte_unmap_unlock()',
    doc: "under the PTL: if the PTE is unchanged, clear it and flush every CPU, map the copy writable (an unsharing copy read-only, keeping the uffd-wp bit) and drop the old PTE's reference; else free the copy; drop the PTL",
    source: 'kernel-paths §3, §2.6',
    mover: 'N',
    enabled: (cx, s, t, ins) => s[cx.m.pte(cx.tMm[t]!, ins.page)] !== s[cx.m.loc(t, L_ORIG)] || ipiEnabled(cx, s, t),
    waitsFor: ipiWait,
    run: cowInstall,
    footprint: fp(['pte:page', 'vma:page', 'ptl:table', 'irq:mm-cpus', 'thread-control:mm', 'gup-refs:mm', 'page-refs:any', 'tlb:any'], ['pte:page', 'tlb:mm-cpus', 'page-refs:any', 'ptl:table', 'fault-work:mm']),
  },
  'cow-put-old': {
    kernel: 'put_page(old_page)',
    doc: 'drop the reference do_wp_page took on the old frame',
    source: 'kernel-paths §3 step 10',
    mover: 'N',
    run: cowPutOld,
    footprint: fp(['page-refs:any', 'tlb:any'], ['page-refs:any']),
  },
};

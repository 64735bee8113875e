// do_wp_page() (mm/memory.c; kernel-paths §2, §3): a write fault on a present, read-only PTE.
// Under the PTL the snapshot is re-checked (pte_same); a uffd-wp PTE goes to userfaultfd; with
// pending=flush a pending TLB flush is done first (6ce64428d620); then the page is reused in
// place (wp_page_reuse, by the design's reuse rule) or a reference is taken and the PTL dropped
// to copy it (wp_page_copy), the copy installed under the PTL if the PTE is still the same.
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
import { faultProt, faultWrote, isWrite, setPte, unlockFaultPtl } from './fault';

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
  const reuse = (): number => {
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
  if (f === cx.L.zeroFrame) return copy();
  if (vmaFlags & L.VF_SHARED) return reuse(); // wp_page_shared
  const fl = frameFlags(cx, s, f);
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
  const addr = cx.L.pages[p]!;
  const region = cx.L.pageRegion[p]!;
  const pte = s[m.pte(mm, p)]!;
  if (pte !== s[m.loc(t, L_ORIG)] || (pte & F) === 0) {
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.next; // pte_same failed: the access retries
  }
  const write = isWrite(cx, s, t, ins);
  if (!write || (pte & L.PTE_W) !== 0) {
    if (write) s[m.pte(mm, p)] = pte | L.PTE_DIRTY;
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.next; // spurious
  }
  const v = vmaFlagsAt(cx, s, mm, addr);
  if (v && (v.flags & L.VF_UFFD) !== 0 && (pte & L.PTE_UFFD) !== 0) {
    unlockFaultPtl(cx, s, t, ins, region);
    return ins.jumps.uffd;
  }
  if (ins.flushPending && s[m.mm(mm, L.M_PENDING)]! > 0) return ins.jumps.flush;
  return wpDecide(cx, s, t, ins, faultProt(cx, s, t, mm, addr), v?.flags ?? 0);
}

function wpFlushPending(cx: ExecContext, s: State, t: number, ins: InstrOf<'wp-flush-pending'>): Next {
  const mm = cx.tMm[t]!;
  const p = ins.page;
  const addr = cx.L.pages[p]!;
  flushPages(cx, s, mm, (q) => q === p);
  const v = vmaFlagsAt(cx, s, mm, addr);
  return wpDecide(cx, s, t, ins, faultProt(cx, s, t, mm, addr), v?.flags ?? 0);
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
    const np = (newF + 1) | L.PTE_DIRTY | (prot === 2 ? L.PTE_W : 0);
    checkPins(cx, s, mm, p, newF);
    tagStale(cx, s, mm, p, np);
    s[m.pte(mm, p)] = np;
    if (old !== cx.L.zeroFrame) putRef(cx, s, old);
    s[lb + L_NEW] = 0;
    faultWrote(cx, s, t, ins, prot);
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
    doc: 'under the PTL: re-check the snapshot; spurious: done; uffd-wp marker: to userfaultfd; flush pending (pending=flush): flush first; then reuse (W in place) or take a reference and drop the PTL to copy',
    source: 'kernel-paths §1.2, §2',
    mover: 'N',
    run: handlePte,
    footprint: fp(['pte:page', 'vma:page', 'flush-pending:mm', 'page-refs:any', 'ptl:table', 'tlb:mm-cpus', 'pte:any', 'mm:any'], ['pte:page', 'tlb:mm-cpus', 'page-refs:any', 'ptl:table']),
  },
  'wp-flush-pending': {
    kernel: 'flush_tlb_page() [mm_tlb_flush_pending]',
    doc: 'with the PTL held, flush this address on every CPU, then decide reuse or copy (6ce64428d620)',
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
    doc: "under the PTL: if the PTE is unchanged, clear it and flush every CPU, map the copy writable and drop the old PTE's reference; else free the copy; drop the PTL",
    source: 'kernel-paths §3',
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

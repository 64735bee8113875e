// The lock rules (SPEC §7 violations), each checked at the micro-step that breaks it:
// sleep-in-atomic, lock-order, pte-needs-ptl, walk-needs-mmap, vma-needs-mmap-write,
// downgrade-needs-flush and free-before-flush. The design answers the design-aware questions
// (what covers a walk, what a VMA change needs, whether faults can still run).
import type { ExecContext } from '../context';
import { hex } from '../format';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { L_FLAGS, LF_PENDING, LF_UNFLUSHED, type State } from '../machine';
import { holdsAnyPtl, ptlDrop } from '../locks/ptl';
import { vmaFlagsAt } from '../vmas';

/** sleep-in-atomic: `what` may sleep, but t holds a PTL or has IRQs off. */
export function checkSleep(cx: ExecContext, s: State, t: number, what: string): void {
  if (holdsAnyPtl(cx, s, t)) cx.violation('sleep-in-atomic', `${what} may sleep, but ${cx.tn(t)} holds a page-table spinlock`);
  else if (s[cx.m.th(t, L.T_IRQ)] === 1) cx.violation('sleep-in-atomic', `${what} may sleep, but ${cx.tn(t)} has IRQs off`);
}

/**
 * lock-order: a sleeping address-space lock (mmap_lock or a range lock, named `lock`, ordered
 * as `orderName`) is taken under a PTL or a VMA read lock.
 */
export function checkLockOrder(cx: ExecContext, s: State, t: number, lock: string, orderName: string, vmaReadWhy: string): void {
  if (holdsAnyPtl(cx, s, t)) cx.violation('lock-order', `${cx.tn(t)} takes ${lock} while holding a page-table lock (order: ${orderName} -> vma lock -> PTL)`);
  if (cx.m.holdsVmaRead(s, t)) cx.violation('lock-order', `${cx.tn(t)} takes ${lock} while holding a VMA read lock${vmaReadWhy}`);
}

/** pte-needs-ptl: a PTE of (mm, region) is written without its PTL. */
export function checkPtl(cx: ExecContext, s: State, t: number, mm: number, region: number, what: string): void {
  if (s[cx.m.pt(mm, region, L.PT_PTL)] !== t + 1) cx.violation('pte-needs-ptl', `${what} writes a PTE without holding its page-table lock`);
}

/** free-before-flush: frame f was just freed; some CPU still caches a translation to it. */
export function checkFreeBeforeFlush(cx: ExecContext, s: State, f: number): void {
  const F = L.PTE_FRAME_MASK;
  for (let c = 0; c < cx.L.nCpu; c++) {
    for (let p = 0; p < cx.L.nPage; p++) {
      if ((s[cx.m.tlb(c, p)]! & F) === f + 1) {
        cx.violation('free-before-flush', `frame ${cx.m.frameName(f)} is freed while cpu${c} still caches a translation of ${hex(cx.L.pages[p]!)} to it`);
        return;
      }
    }
  }
}

/** walk-needs-mmap: every tracked page the walk reads must be covered by the design's lock. */
export function checkWalk(cx: ExecContext, s: State, t: number, what: string, pages: (p: number) => boolean): void {
  for (let p = 0; p < cx.L.nPage; p++) {
    if (!pages(p) || cx.design.walkCovered(cx, s, t, cx.L.pages[p]!)) continue;
    cx.violation('walk-needs-mmap', `${what} walks the page tables at ${hex(cx.L.pages[p]!)} without ${cx.design.walkLock}`);
    return;
  }
}

/** The ops that remove write permission under a PTL and may flush after dropping it. */
type DowngradeOp = InstrOf<'change-ptes'> | InstrOf<'fork-unlock-ptl'>;

/**
 * Whether the op left a marker that diverts write faults on every page it changed in this
 * table: the uffd-wp bit (marker=uffd) in a VMA registered for uffd-wp, since do_wp_page()
 * diverts only on userfaultfd_pte_wp() = userfaultfd_wp(vma) && pte_uffd_wp(pte). The option
 * alone never counts: a marker that was not set, or is ignored, diverts nothing.
 */
function markerDiverts(cx: ExecContext, s: State, mm: number, ins: DowngradeOp, region: number): boolean {
  const o = ins.op;
  // numa: a prot-none PTE in an accessible VMA sends every fault to do_numa_page()
  // (handle_pte_fault(): pte_protnone() && vma_is_accessible()), never to do_wp_page()
  if (o.op === 'numa') return numaDiverts(cx, s, mm, o, region);
  if (o.op !== 'wrprotect' || !o.marker) return false;
  for (let p = 0; p < cx.L.nPage; p++) {
    const a = cx.L.pages[p]!;
    if (cx.L.pageRegion[p] !== region || a < o.start || a >= o.end || (s[cx.m.pte(mm, p)]! & L.PTE_FRAME_MASK) === 0) continue;
    if (((vmaFlagsAt(cx, s, mm, a)?.flags ?? 0) & L.VF_UFFD) === 0 || (s[cx.m.pte(mm, p)]! & L.PTE_UFFD) === 0) return false;
  }
  return true;
}

/** Every prot-none PTE the NUMA scan left in this table lies in an accessible VMA. */
function numaDiverts(cx: ExecContext, s: State, mm: number, o: { readonly start: number; readonly end: number }, region: number): boolean {
  for (let p = 0; p < cx.L.nPage; p++) {
    const a = cx.L.pages[p]!;
    if (cx.L.pageRegion[p] !== region || a < o.start || a >= o.end || (s[cx.m.pte(mm, p)]! & L.PTE_PROTNONE) === 0) continue;
    if ((vmaFlagsAt(cx, s, mm, a)?.prot ?? 0) === 0) return false;
  }
  return true;
}

/**
 * Drop a PTL, checking downgrade-needs-flush: write permission removed under it and not yet
 * flushed, while faults can run (the design says whether they can, and why).
 */
export function ptlDropChecked(cx: ExecContext, s: State, t: number, ins: DowngradeOp, mm: number, region: number): void {
  const fo = cx.m.loc(t, L_FLAGS);
  const running = (s[fo]! & LF_UNFLUSHED) !== 0 ? cx.design.faultsCanRun(cx, s, t, ins.op, region) : undefined;
  if (running !== undefined) {
    const o = ins.op;
    const marked = markerDiverts(cx, s, mm, ins, region);
    const diverted = marked && (s[fo]! & LF_PENDING) !== 0;
    if (!diverted) {
      const why = marked ? 'its uffd-wp marker is not bracketed by inc/dec_tlb_flush_pending' : 'no marker diverts concurrent faults';
      cx.violation(
        'downgrade-needs-flush',
        `${o.op} by ${cx.tn(t)} removes write permission and drops the page-table lock before the TLB flush while faults can run (${running}); ${why}, so a fault can see the read-only PTE while another CPU still writes through its TLB`,
      );
    }
  }
  if (ins.op.op !== 'fork') s[fo]! &= ~LF_UNFLUSHED;
  ptlDrop(cx, s, t, mm, region);
}

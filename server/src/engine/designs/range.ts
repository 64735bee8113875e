// `locking range` (the 2017 range-lock RFC, Bueso/Lespinasse; kernel-rules R21;
// docs/design-paths.md §3): mmap_lock becomes a fair range rwlock. Faults and GUP read-lock
// their page; an op write-locks its VMAs and their neighbours (munmap also the 2 MiB span of
// every table it may free, fork the whole mm) and holds it to the flush; `lock mmap` is the
// range lock over the whole address space.
import { PAGE_SIZE, PT_SPAN } from '../scenario';
import type { ExecContext } from '../context';
import type { Place } from '../events';
import { hex } from '../format';
import type { MicroKind } from '../instr';
import * as L from '../layout';
import { holdsRange, opRange, rangeModeInto, rangeAcquire, rangeDowngrade, rangeRelease } from '../locks/range';
import type { State } from '../machine';
import type { LockMode, StepSpec } from '../scenario';
import { wholeVmaSpan } from '../vmas';
import type { GateMode, LockKernelKind, StepName } from './design';
import { ClassicDesign } from './classic';

const LOCK_KERNEL: Readonly<Record<LockKernelKind, string>> = {
  'fault-enter': 'do_user_addr_fault(): range_read_lock(addr, addr + PAGE_SIZE); find_vma(); access_error()',
  'gup-enter': 'get_user_pages(): range_read_lock(addr, addr + PAGE_SIZE); find_extend_vma(); check_vma_flags()',
  'fault-exit': 'range_read_unlock()',
  'gup-exit': 'range_read_unlock()',
  'uffd-wait': 'handle_userfault(): range_read_unlock(); schedule()',
  'mmap-downgrade': 'range_downgrade_write()',
};

/** An op's own range lock (not an explicit `lock range` / `lock mmap`). */
const opSlot = (info: number): boolean => (info & L.RI_EXPLICIT) === 0;

export class RangeDesign extends ClassicDesign {
  constructor() {
    super('range');
  }

  // ---- expansion ---------------------------------------------------------------------------

  override readonly lockName = 'range' as const;

  override opLockStep(what: string, mode: LockMode, span: string, _classicKernel: string): StepName {
    return { text: `${what}: lock range ${mode} ${span}`, kernel: `range_${mode}_lock(${span})` };
  }

  override opUnlockKernel(mode: LockMode, _classicKernel: string): string {
    return `range_${mode}_unlock()`;
  }

  override faultLockText(addr: number): string {
    return `lock range read ${hex(addr)}`;
  }

  override lockKernel(kind: LockKernelKind): string {
    return LOCK_KERNEL[kind];
  }

  override explicitMmapKernel(mode: LockMode): string {
    return `range_${mode}_lock(whole mm)`;
  }

  override readonly explicitMmapUnlockKernel = 'range_*_unlock(whole mm)';

  // ---- execution ---------------------------------------------------------------------------

  override lockForOp(cx: ExecContext, s: State, t: number, op: StepSpec, write: boolean): boolean {
    // the range is computed when the lock is requested; a granted waiter completes with its own
    const [lo, hi] = s[cx.m.th(t, L.T_STATUS)] !== L.WAIT_RANGE ? opRange(cx, s, cx.tMm[t]!, op) : [0, 0];
    return rangeAcquire(cx, s, t, lo, hi, write, false);
  }

  override lockForFault(cx: ExecContext, s: State, t: number, addr: number): boolean {
    return rangeAcquire(cx, s, t, addr, addr + PAGE_SIZE, false, false);
  }

  override releaseOpLock(cx: ExecContext, s: State, t: number): void {
    rangeRelease(cx, s, t, opSlot);
  }

  override downgradeOpLock(cx: ExecContext, s: State, t: number): void {
    rangeDowngrade(cx, s, t);
  }

  /** `lock mmap` under `range` is the range lock over the whole address space. */
  override lockMmapExplicit(cx: ExecContext, s: State, t: number, write: boolean): boolean {
    return rangeAcquire(cx, s, t, 0, L.RANGE_TOP, write, true);
  }

  override unlockMmapExplicit(cx: ExecContext, s: State, t: number): void {
    if (!rangeRelease(cx, s, t, (info, lo, hi) => (info & L.RI_EXPLICIT) !== 0 && lo === 0 && hi === L.RANGE_TOP)) {
      cx.violation('unlock-not-held', `${cx.tn(t)} releases mmap_lock (the whole-mm range lock), which it does not hold`);
    }
  }

  override walkCovered(cx: ExecContext, s: State, t: number, addr: number): boolean {
    return super.walkCovered(cx, s, t, addr) || holdsRange(cx, s, t, addr, addr + PAGE_SIZE, false);
  }

  override readonly walkLock: string = 'a range lock covering it';

  /** A split changes the whole VMA it splits: the write range must cover each one entirely. */
  override checkVmaWrite(cx: ExecContext, s: State, t: number, what: string, start: number, end: number): void {
    const [lo, hi] = wholeVmaSpan(cx, s, cx.tMm[t]!, start, end);
    if (!holdsRange(cx, s, t, lo, hi, true)) cx.violation('vma-needs-mmap-write', `${what} modifies VMAs of ${hex(lo)}..${hex(hi)} without a write range lock covering them`);
  }

  /** Faults run on any page of the op that its own write range does not cover. */
  override faultsCanRun(cx: ExecContext, s: State, t: number, op: StepSpec, region: number): string | undefined {
    for (const p of this.pagesReached(cx, op, region)) {
      const a = cx.L.pages[p]!;
      if (!holdsRange(cx, s, t, a, a + PAGE_SIZE, true)) return `${holdsRange(cx, s, t, a, a + PAGE_SIZE, false) ? 'only a read range lock' : 'no range lock of its own'} covers ${hex(a)}`;
    }
    return undefined;
  }

  override vmaWriteLockHeld(cx: ExecContext, s: State, t: number, addr: number): boolean {
    return holdsRange(cx, s, t, addr, addr + PAGE_SIZE, true);
  }

  override readonly vmaWriteNeeds: string = 'a write range lock over it';

  /** Any two ranges that each reach into the same two 2 MiB tables overlap (both hold the last byte of the lower one), so such a write range excludes any other such range. */
  override tableGate(cx: ExecContext, s: State, t: number, ra: number, rb: number): GateMode {
    const span = (r: number): [number, number] => [cx.L.regions[r]! * PT_SPAN, (cx.L.regions[r]! + 1) * PT_SPAN];
    return rangeModeInto(cx, s, t, span(ra), span(rb));
  }

  override readonly tableGateName: Readonly<Record<1 | 2, string>> = { 1: 'a read range lock reaching into both tables', 2: 'a write range lock reaching into both tables' };

  override releaseAtExit(cx: ExecContext, s: State, t: number, acquiredAt: (kind: MicroKind) => Place): void {
    let reported = false;
    while (rangeRelease(cx, s, t, () => true)) {
      if (!reported) cx.violation('lock-held-at-exit', `${cx.tn(t)} ends holding a range lock`, acquiredAt('lock-range'));
      reported = true;
    }
  }
}

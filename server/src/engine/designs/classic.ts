// `locking classic` (Linux ~5.10, kernel-rules R1-R18): one mmap_lock per mm. Faults and GUP
// take it for read, VMA changes for write; a page-table walk is covered by holding it at all.
import type { ExecContext } from '../context';
import type { Place } from '../events';
import type { InstrOf, MicroKind } from '../instr';
import { hex } from '../format';
import * as L from '../layout';
import { holdsMmap, holdsMmapWrite, mmapAcquire, mmapDowngrade, mmapRelease } from '../locks/mmap-rwsem';
import { vmaEndWriteAll } from '../locks/vma';
import type { State } from '../machine';
import type { Next } from '../micro-sem';
import type { Design } from '../settings';
import type { LockMode, StepSpec } from '../scenario';
import { locklessFaultable } from '../vmas';
import type { GateMode, LockKernelKind, LockingDesign, StepName } from './design';
import { DESIGN_TRAITS, type DesignTraits } from './traits';

export class ClassicDesign implements LockingDesign {
  readonly name: Design;
  readonly traits: DesignTraits;

  constructor(name: Design = 'classic') {
    this.name = name;
    this.traits = DESIGN_TRAITS[name];
  }

  // ---- expansion ---------------------------------------------------------------------------

  readonly lockName: 'mmap' | 'range' = 'mmap';

  opLockStep(what: string, mode: LockMode, _span: string, classicKernel: string): StepName {
    return { text: `${what}: lock mmap ${mode}`, kernel: classicKernel };
  }

  opUnlockKernel(_mode: LockMode, classicKernel: string): string {
    return classicKernel;
  }

  faultLockText(_addr: number): string {
    return 'lock mmap read';
  }

  lockKernel(_kind: LockKernelKind): string | undefined {
    return undefined;
  }

  explicitMmapKernel(mode: LockMode): string {
    return `mmap_${mode}_lock()`;
  }

  readonly explicitMmapUnlockKernel: string | undefined = undefined;

  vmaWriteStep(_what: string, _which: string): StepName | undefined {
    return undefined;
  }

  readonly vmWriteEndOnUnlock: boolean = false;
  readonly faultAttempt: 'vma' | 'spec' | undefined = undefined;

  // ---- execution ---------------------------------------------------------------------------

  lockForOp(cx: ExecContext, s: State, t: number, _op: StepSpec, write: boolean): boolean {
    return mmapAcquire(cx, s, t, write);
  }

  lockForFault(cx: ExecContext, s: State, t: number, _addr: number): boolean {
    return mmapAcquire(cx, s, t, false);
  }

  releaseOpLock(cx: ExecContext, s: State, t: number): void {
    mmapRelease(cx, s, t);
  }

  downgradeOpLock(cx: ExecContext, s: State, t: number): void {
    mmapDowngrade(cx, s, t);
  }

  lockMmapExplicit(cx: ExecContext, s: State, t: number, write: boolean): boolean {
    const st = s[cx.m.th(t, L.T_STATUS)];
    if (st !== L.GRANTED && holdsMmap(cx, s, t)) {
      cx.violation('recursive-lock', `${cx.tn(t)} takes mmap_lock again while holding it: the second acquisition waits behind any queued writer`);
    }
    if (holdsMmapWrite(cx, s, t) && st !== L.GRANTED) {
      // down_write/down_read on an rwsem it write-holds: blocks forever
      s[cx.m.th(t, L.T_STATUS)] = L.STUCK;
      return false;
    }
    return mmapAcquire(cx, s, t, write);
  }

  unlockMmapExplicit(cx: ExecContext, s: State, t: number): void {
    if (!holdsMmap(cx, s, t)) cx.violation('unlock-not-held', `${cx.tn(t)} releases mmap_lock, which it does not hold`);
    else mmapRelease(cx, s, t);
  }

  endVmaWrites(cx: ExecContext, s: State, t: number): void {
    vmaEndWriteAll(cx, s, t);
  }

  endVmaBrackets(_cx: ExecContext, _s: State, _t: number): void {}

  vmaWriteLock(_cx: ExecContext, _s: State, _t: number, _ins: InstrOf<'vma-write-lock'>): Next {
    throw new Error(`internal: locking ${this.name} has no VMA write step`);
  }

  walkCovered(cx: ExecContext, s: State, t: number, _addr: number): boolean {
    return holdsMmap(cx, s, t);
  }

  readonly walkLock: string = 'mmap_lock';

  checkVmaWrite(cx: ExecContext, s: State, t: number, what: string, _start: number, _end: number): void {
    if (!holdsMmapWrite(cx, s, t)) cx.violation('vma-needs-mmap-write', `${what} modifies VMAs while holding mmap_lock ${s[cx.m.th(t, L.T_MMAP_R)]! > 0 ? 'only for read' : 'not at all'}`);
  }

  faultsCanRun(cx: ExecContext, s: State, t: number, _op: StepSpec, _region: number): string | undefined {
    if (!holdsMmapWrite(cx, s, t)) return `mmap_lock is held ${s[cx.m.th(t, L.T_MMAP_R)]! > 0 ? 'only for read' : 'not for write'}`;
    return undefined;
  }

  vmaWriteLockHeld(cx: ExecContext, s: State, t: number, _addr: number): boolean {
    return holdsMmapWrite(cx, s, t);
  }

  readonly vmaWriteNeeds: string = 'mmap_lock held for write';

  tableGate(cx: ExecContext, s: State, t: number, _ra: number, _rb: number): GateMode {
    return holdsMmapWrite(cx, s, t) ? 2 : holdsMmap(cx, s, t) ? 1 : 0;
  }

  readonly tableGateName: Readonly<Record<1 | 2, string>> = { 1: 'mmap_lock held for read', 2: 'mmap_lock held for write' };

  releaseAtExit(_cx: ExecContext, _s: State, _t: number, _acquiredAt: (kind: MicroKind) => Place): void {}

  // ---- stack growth (issue 10): no VMA locks ----------------------------------------------

  stackVmaWrite(_cx: ExecContext, _s: State, _t: number, _v: number): void {}

  stackVmaReaders(_cx: ExecContext, _s: State, _t: number, _v: number): number[] {
    return [];
  }

  /**
   * downgrade-needs-flush under a design with lockless faults: the first page of the op in the
   * region whose VMA such faults can enter (private anonymous) and `open` leaves open to them.
   */
  protected locklessFaultsRun(cx: ExecContext, s: State, t: number, op: StepSpec, region: number, open: (v: number) => boolean, why: (addr: string) => string): string | undefined {
    const mm = cx.tMm[t]!;
    for (const p of this.pagesReached(cx, op, region)) {
      const a = cx.L.pages[p]!;
      const v = cx.m.vmaAt(s, mm, a);
      if (v >= 0 && locklessFaultable(cx, s, mm, v) && open(v)) return why(hex(a));
    }
    return undefined;
  }

  /** The tracked pages of the op's range (all for fork) in page table `region`. */
  protected pagesReached(cx: ExecContext, op: StepSpec, region: number): number[] {
    const inOp = (a: number): boolean => (op.op === 'mprotect' || op.op === 'wrprotect' || op.op === 'unprotect' || op.op === 'numa' ? a >= op.start && a < op.end : true);
    const out: number[] = [];
    for (let p = 0; p < cx.L.nPage; p++) if (cx.L.pageRegion[p] === region && inOp(cx.L.pages[p]!)) out.push(p);
    return out;
  }
}

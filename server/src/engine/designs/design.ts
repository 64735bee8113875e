// A locking design: how faults and VM changes exclude each other. Chosen once per scenario
// (ExecContext), it supplies the expansion hooks (the op's lock step, the fault's lockless
// attempt, the VMA write step) and the execution hooks (take and release the op's lock, what
// covers a page-table walk, what a VMA change needs, whether faults can still run). Nothing
// outside this folder asks which design is running.
import type { ExecContext } from '../context';
import type { Place } from '../events';
import type { InstrOf, MicroKind } from '../instr';
import type { LockMode, StepSpec } from '../scenario';
import type { State } from '../machine';
import type { Next } from '../micro-sem';
import type { Design } from '../settings';
import type { DesignTraits } from './traits';

/** How a lock is held: 0 not, 1 shared, 2 exclusively. */
export type GateMode = 0 | 1 | 2;

/** A step text and the kernel function it stands for. */
export interface StepName {
  readonly text: string;
  readonly kernel: string;
}

/** The micro-steps whose kernel function depends on the address-space lock. */
export type LockKernelKind = Extract<MicroKind, 'fault-enter' | 'gup-enter' | 'fault-exit' | 'gup-exit' | 'uffd-wait' | 'mmap-downgrade'>;

export interface LockingDesign {
  readonly name: Design;
  readonly traits: DesignTraits;

  // ---- expansion hooks (expand.ts) -----------------------------------------------------------

  /** The op lock's name in step texts: "unlock mmap", "unlock range". */
  readonly lockName: 'mmap' | 'range';
  /** The step that takes an op's lock: `what` is the op, `span` what a range lock covers. */
  opLockStep(what: string, mode: LockMode, span: string, classicKernel: string): StepName;
  /** The kernel call that releases an op's lock. */
  opUnlockKernel(mode: LockMode, classicKernel: string): string;
  /** How a fault or GUP names taking its lock on the page at `addr`: "lock mmap read". */
  faultLockText(addr: number): string;
  /** The kernel function of a lock-related step when it is not the table's, else undefined. */
  lockKernel(kind: LockKernelKind): string | undefined;
  /** `lock mmap` / `unlock mmap` as kernel calls. */
  explicitMmapKernel(mode: LockMode): string;
  readonly explicitMmapUnlockKernel: string | undefined;
  /** The step that write-locks the VMAs an op changes (vma_start_write, vm_write_begin), if any. */
  vmaWriteStep(what: string, which: string): StepName | undefined;
  /** The op's last step also ends a VMA write bracket (spf's vm_write_end). */
  readonly vmWriteEndOnUnlock: boolean;
  /** A user fault first tries a VMA-locked ('vma') or speculative ('spec') path, then falls back. */
  readonly faultAttempt: 'vma' | 'spec' | undefined;

  // ---- execution hooks ---------------------------------------------------------------------------

  /** Take an op's own lock (the mmap-lock step); false when the thread queues. */
  lockForOp(cx: ExecContext, s: State, t: number, op: StepSpec, write: boolean): boolean;
  /** Take a fault's or GUP's read lock on the page at addr; false when the thread queues. */
  lockForFault(cx: ExecContext, s: State, t: number, addr: number): boolean;
  /** Release an op's (or fault's) own lock. */
  releaseOpLock(cx: ExecContext, s: State, t: number): void;
  /** munmap's downgrade of its lock to read. */
  downgradeOpLock(cx: ExecContext, s: State, t: number): void;
  /** `lock mmap read|write`; false when the thread queues or is stuck. */
  lockMmapExplicit(cx: ExecContext, s: State, t: number, write: boolean): boolean;
  /** `unlock mmap`. */
  unlockMmapExplicit(cx: ExecContext, s: State, t: number): void;
  /** The write unlock ends the VMA write locks t holds (vma_end_write_all), where the design has them. */
  endVmaWrites(cx: ExecContext, s: State, t: number): void;
  /** The op's end closes its VMA write brackets (spf's vm_write_end), where the design has them. */
  endVmaBrackets(cx: ExecContext, s: State, t: number): void;
  /** The vma-write-lock step (only designs whose vmaWriteStep emits it). */
  vmaWriteLock(cx: ExecContext, s: State, t: number, ins: InstrOf<'vma-write-lock'>): Next;
  /** Does t hold what covers a page-table walk of the page at addr (besides mmap_lock)? */
  walkCovered(cx: ExecContext, s: State, t: number, addr: number): boolean;
  /** What a walk needs, for walk-needs-mmap messages. */
  readonly walkLock: string;
  /** vma-needs-mmap-write: VMAs of [start, end) are about to change. */
  checkVmaWrite(cx: ExecContext, s: State, t: number, what: string, start: number, end: number): void;
  /**
   * downgrade-needs-flush: can a fault reach the PTEs of this op's pages in the region while t
   * drops the PTL before flushing? Returns why, or undefined when faults are excluded.
   */
  faultsCanRun(cx: ExecContext, s: State, t: number, op: StepSpec, region: number): string | undefined;
  /** `lock vma … write` needs the address-space lock for write: is it held, and what is it called? */
  vmaWriteLockHeld(cx: ExecContext, s: State, t: number, addr: number): boolean;
  readonly vmaWriteNeeds: string;
  /**
   * lock-order's gate lock: how t holds the address-space lock over both page tables (regions
   * ra and rb of its mm): 2 exclusively, 1 shared, 0 not over both. Two threads holding it in
   * conflicting modes (one of them exclusively) cannot both be between their nested PTL
   * acquisitions, so opposite nesting orders under it cannot deadlock (mm/mremap.c
   * move_ptes(): "exclusive mmap_lock prevents deadlock").
   */
  tableGate(cx: ExecContext, s: State, t: number, ra: number, rb: number): GateMode;
  /** That gate, for lock-order messages, by mode. */
  readonly tableGateName: Readonly<Record<1 | 2, string>>;
  /** A thread ends: release the design's own locks it still holds, reporting lock-held-at-exit. */
  releaseAtExit(cx: ExecContext, s: State, t: number, acquiredAt: (kind: MicroKind) => Place): void;

  // ---- stack growth (issue 10) -------------------------------------------------------------

  /** expand_downwards() since 6.5: vma_start_write() on the stack VMA v before it grows (pervma). */
  stackVmaWrite(cx: ExecContext, s: State, t: number, v: number): void;
  /** The threads whose read lock on VMA v that vma_start_write() waits for (pervma); none elsewhere. */
  stackVmaReaders(cx: ExecContext, s: State, t: number, v: number): number[];
}

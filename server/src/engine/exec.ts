// The engine's interface to the explorer: the initial state, which threads can move, and a
// transition (one micro-step, or several merged by the reduction). Each micro-step's meaning
// is its entry in the semantics table (semantics.ts); this file only dispatches through it.
// No clock, no randomness, no IO.
import { growsUnderRead } from './step/stack';
import { Canonicalizer } from './canonical';
import { symmetryClasses, ThreadSymmetry } from './symmetry';
import { ExecContext } from './context';
import { waitInfo } from './deadlock';
import type { EventSink } from './events';
import { uffdWoken } from './step/fault';
import { SEGV as SEGV_TARGET, END, MICRO_CODES, type Instr, type ThreadProgram } from './instr';
import * as L from './layout';
import { rangeWaitGrantable } from './locks/range';
import { vmaReadersGone } from './locks/vma';
import type { Machine, State } from './machine';
import type { Mover, WaitInfo } from './micro-sem';
import type { ScenarioSpec } from './scenario';
import { SEM_BY_CODE } from './semantics';
import { threadExit } from './thread-exit';

export type { WaitInfo } from './micro-sem';

/** Engine options: the reductions (tests turn them off to compare). */
export interface ExecOptions {
  /** Lipton reduction (default on). */
  readonly reduce?: boolean;
  /** Canonical states (default on). */
  readonly canonical?: boolean;
  /** Dead values (default off here; the explorer turns it on); ignored with `check final`. */
  readonly deadValues?: boolean;
  /** Thread symmetry (symmetry.ts; default off here, the explorer turns it on); needs canonical states. */
  readonly symmetry?: boolean;
  /** Another Exec's context for the same spec, to share its compiled programs (it holds no state of a search). */
  readonly context?: ExecContext;
}

/**
 * Whether something in the scenario observes stored values beyond `== 0`, so dead values would
 * be unsound: `check final` compares values and registers, and a swap entry keeps its page's
 * value in the PTE, where a PTE snapshot compare (pte_same) would see it. A new rule that reads
 * a value must add its condition here (test/engine/dead-values.test.ts lists the readers).
 */
export function valuesObserved(spec: ScenarioSpec): boolean {
  return spec.checks.length > 0 || spec.threads.some((t) => t.steps.some((s) => s.op === 'reclaim'));
}

export class Exec {
  readonly cx: ExecContext;
  readonly m: Machine;
  readonly L: L.Layout;
  readonly spec: ScenarioSpec;
  readonly programs: readonly ThreadProgram[];

  /** Lipton reduction in `transition()`; off runs one micro-step per transition (tests compare both). */
  readonly reduce: boolean;
  /** Canonical states (fresh frames renumbered); off only for tests of canonicalization. */
  readonly canonical: boolean;
  /** Mover class of each micro-step kind for this scenario (the table's, demoted where unsound). */
  /**
   * Dead values (machine.ts `deadValues`): stored values abstracted to zero / non-zero. Off
   * unless asked for, and always off where a value is observed (`valuesObserved`).
   */
  readonly deadValues: boolean;
  private readonly mover: Mover[];
  private readonly canon: Canonicalizer;

  constructor(spec: ScenarioSpec, options: ExecOptions = {}) {
    this.reduce = options.reduce ?? true;
    this.canonical = options.canonical ?? true;
    this.deadValues = (options.deadValues ?? false) && !valuesObserved(spec);
    // a shared context holds the compiled programs and whether values are dead
    this.cx = options.context && options.context.m.deadValues === this.deadValues ? options.context : new ExecContext(spec, { deadValues: this.deadValues });
    this.spec = spec;
    this.L = this.cx.L;
    this.m = this.cx.m;
    this.programs = this.cx.programs;
    this.canon = new Canonicalizer(this.m);
    if (options.symmetry && this.canonical) {
      const classes = symmetryClasses(this.cx, this.rawInitial());
      if (classes.length > 0) this.canon.symmetry = new ThreadSymmetry(this.cx, classes);
    }
    // Taking mmap_lock (or a range) for read is a right mover because nobody changes a VMA
    // without the write lock. A scenario where a VMA changes under a read or inherited lock
    // (a vma-needs-mmap-write violation) breaks that: there the acquisition must stay visible.
    const vmaChangedUnderRead = this.programs.some((p) =>
      p.instrs.some((i) => ((i.kind === 'mprotect-fixup' || i.kind === 'munmap-detach') && (i.inheritMmap || (i.op.op === 'mprotect' && i.op.lock === 'read'))) || growsUnderRead(i)),
    );
    this.mover = SEM_BY_CODE.map((sem) => sem.mover);
    if (vmaChangedUnderRead) for (const k of ['fault-enter', 'gup-enter', 'mmap-lock'] as const) this.mover[MICRO_CODES[k]] = 'N';
  }

  setSink(sink: EventSink): void {
    this.cx.setSink(sink);
  }

  initial(): State {
    const s = this.rawInitial();
    if (this.canonical) this.canon.canonicalize(s);
    return s;
  }

  private rawInitial(): State {
    const s = this.m.initial();
    for (let t = 0; t < this.L.nThread; t++) if (this.programs[t]!.instrs.length === 0) s[this.m.th(t, L.T_STATUS)] = L.DONE;
    return s;
  }

  /** The classes of symmetric threads the canonical form sorts (empty without symmetry). */
  get symmetryClasses(): readonly (readonly number[])[] {
    return this.canon.symmetry?.classes ?? [];
  }

  /**
   * The thread permutation (old -> new) the canonical form applied in the last `initial()`,
   * `transition()` or `step()`, or undefined if it moved no thread. A view: copy to keep it.
   */
  get lastPermutation(): Int32Array | undefined {
    return this.canon.lastPerm;
  }

  instr(s: State, t: number): Instr | undefined {
    return this.cx.instr(s, t);
  }

  /** The step (op index) a thread is in; Infinity once it has finished. */
  curStep(s: State, t: number): number {
    return this.cx.curStep(s, t);
  }

  isDone(s: State, t: number): boolean {
    return this.cx.isDone(s, t);
  }

  /** For a thread that cannot move: what it waits for and who holds it. */
  waitInfo(s: State, t: number): WaitInfo | undefined {
    return waitInfo(this.cx, s, t);
  }

  // ---- enabledness -------------------------------------------------------------------

  enabled(s: State, t: number): boolean {
    const m = this.m;
    const cx = this.cx;
    const st = s[m.th(t, L.T_STATUS)]!;
    if (st === L.DONE || st === L.SEGV || st === L.WAIT_MMAP || st === L.STUCK) return false;
    if (st === L.WAIT_VMA_WRITE) {
      const ins = this.instr(s, t)!;
      return ins.kind === 'vma-write-lock' && vmaReadersGone(cx, s, t, ins.op);
    }
    const mm = cx.tMm[t]!;
    if (s[m.mm(mm, L.M_EXISTS)] === 0) return false;
    const forker = this.spec.mms[mm]!.forkedBy;
    if (forker && this.curStep(s, forker.thread) <= forker.step) return false;
    const ins = this.instr(s, t);
    if (!ins) return false;
    if (st === L.WAIT_UFFD && !uffdWoken(cx, s, t, ins)) return false;
    if (st === L.WAIT_RANGE) return rangeWaitGrantable(cx, s, t);
    return this.instrEnabled(s, t, ins);
  }

  private instrEnabled(s: State, t: number, ins: Instr): boolean {
    const enabled = SEM_BY_CODE[ins.code]!.enabled;
    return enabled === undefined || enabled(this.cx, s, t, ins);
  }

  // ---- transitions: a micro-step and the ones it is merged with --------------------------

  /**
   * One transition of thread t: a micro-step, extended by Lipton reduction. A lock
   * acquisition (a right mover: no other thread's step reads the lock it takes) runs
   * together with the thread's next micro-step if that one is enabled, and a release (a left
   * mover) runs together with the step before it. So a transition is R* N? L*: the states
   * between are invisible to other threads' findings, and a blocked next step ends the
   * transition, so waiting states (deadlocks) stay visible. `ran` receives the micro-steps run.
   */
  transition(s: State, t: number, ran?: Instr[]): void {
    if (!this.reduce) {
      ran?.push(this.instr(s, t)!);
      this.step(s, t);
      return;
    }
    this.reducedTransition(s, t, ran);
    // canonical form once per transition: the semantics do not depend on fresh-frame names
    if (this.canonical) this.canon.canonicalize(s);
  }

  private reducedTransition(s: State, t: number, ran?: Instr[]): void {
    let ins = this.instr(s, t)!;
    let phase = this.mover[ins.code]!;
    for (let guard = 0; ; guard++) {
      if (guard > 10_000) throw new Error(`internal: transition of ${this.cx.tn(t)} does not end`);
      ran?.push(ins);
      const pcBefore = s[this.m.th(t, L.T_PC)];
      this.step(s, t, false);
      const st = s[this.m.th(t, L.T_STATUS)];
      if (st !== L.RUN || s[this.m.th(t, L.T_PC)] === pcBefore) return; // queued, done, waiting
      const next = this.instr(s, t);
      if (!next || next.step !== ins.step) return;
      const mover = this.mover[next.code]!;
      if (phase === 'R') {
        if (mover === 'L') phase = 'L';
        else if (mover === 'N') phase = 'N';
      } else if (mover !== 'L') return;
      else phase = 'L';
      if (!this.instrEnabled(s, t, next)) return;
      ins = next;
    }
  }

  // ---- one step ------------------------------------------------------------------------

  /** One micro-step of thread t (then the canonical form, unless `canon` is false). */
  step(s: State, t: number, canon = true): void {
    const m = this.m;
    const cx = this.cx;
    const pcOff = m.th(t, L.T_PC);
    const ins = this.programs[t]!.instrs[s[pcOff]!]!;
    cx.curThread = t;
    cx.curStep0 = ins.step;
    const stOff = m.th(t, L.T_STATUS);
    if (s[stOff] === L.WAIT_UFFD) s[stOff] = L.RUN;
    const next = SEM_BY_CODE[ins.code]!.run(cx, s, t, ins);
    if (next !== undefined) this.moveTo(s, t, ins, next); // undefined: stays (queued for a lock)
    if (canon && this.canonical) this.canon.canonicalize(s);
  }

  private moveTo(s: State, t: number, ins: Instr, next: number): void {
    const m = this.m;
    const prog = this.programs[t]!;
    if (next === SEGV_TARGET) {
      this.clearLocals(s, t);
      s[m.th(t, L.T_PC)] = prog.instrs.length;
      s[m.th(t, L.T_STATUS)] = L.SEGV;
      threadExit(this.cx, s, t);
      return;
    }
    const target = next === END ? prog.instrs.length : next;
    s[m.th(t, L.T_PC)] = target;
    const nins = prog.instrs[target];
    if (!nins || nins.step !== ins.step) this.clearLocals(s, t);
    if (!nins) {
      s[m.th(t, L.T_STATUS)] = L.DONE;
      threadExit(this.cx, s, t);
    }
  }

  private clearLocals(s: State, t: number): void {
    const b = this.m.loc(t, 0);
    for (let i = 0; i < this.L.nLocals; i++) s[b + i] = 0;
  }
}

// What every micro-step's semantics is handed: the scenario's static facts (layout, machine
// accessors, compiled programs, the locking design), the place of the micro-step running now,
// and the sink its findings go to. One per Exec; no state of the search lives here.
import type { LockingDesign } from './designs/design';
import { designFor } from './designs/index';
import type { EventSink, Place } from './events';
import { compileThread } from './expand';
import type { RaceKind, ViolationCode } from './findings';
import type { Instr, ThreadProgram } from './instr';
import * as L from './layout';
import { Machine, type State } from './machine';
import type { ScenarioSpec } from './scenario';

export class ExecContext {
  readonly spec: ScenarioSpec;
  readonly L: L.Layout;
  readonly m: Machine;
  readonly design: LockingDesign;
  readonly programs: readonly ThreadProgram[];
  /** Each thread's mm and CPU. */
  readonly tMm: Int32Array;
  readonly tCpu: Int32Array;
  /** Page tables (mms x regions): the PTL bitmask width. */
  readonly nPt: number;
  /** Address -> index into rangePoints (locking range). */
  readonly pointIndex: ReadonlyMap<number, number>;

  private sink: EventSink = () => {};
  /** The micro-step running now: its thread and step (op index). */
  curThread = 0;
  curStep0 = 0;

  constructor(spec: ScenarioSpec, options: { readonly deadValues?: boolean } = {}) {
    this.spec = spec;
    this.design = designFor(spec.design);
    this.L = L.buildLayout(spec);
    this.m = new Machine(this.L, options);
    this.programs = spec.threads.map((_, t) => compileThread(this.L, spec, t, this.design));
    this.tMm = Int32Array.from(spec.threads.map((t) => t.mm));
    this.tCpu = Int32Array.from(spec.threads.map((t) => t.cpu));
    this.nPt = this.L.nMm * this.L.nRegion;
    this.pointIndex = new Map(this.L.rangePoints.map((a, i) => [a, i]));
  }

  setSink(sink: EventSink): void {
    this.sink = sink;
  }

  /** The place of the micro-step running now (allocated only when reporting). */
  get cur(): Place {
    return { thread: this.curThread, step: this.curStep0 };
  }

  violation(code: ViolationCode, message: string, place: Place = this.cur, related: Place[] = []): void {
    this.sink({ type: 'violation', code, place, message, related });
  }

  race(code: RaceKind, message: string, place: Place = this.cur, related: Place[] = []): void {
    this.sink({ type: 'race', code, place, message, related });
  }

  /** A thread's name. */
  tn(t: number): string {
    return this.spec.threads[t]!.name;
  }

  /** "mprotect by t1": the op at a place. */
  opName(p: Place): string {
    const o = this.spec.threads[p.thread]?.steps[p.step];
    return o ? `${o.op} by ${this.tn(p.thread)}` : '?';
  }

  instr(s: State, t: number): Instr | undefined {
    return this.programs[t]!.instrs[s[this.m.th(t, L.T_PC)]!];
  }

  isDone(s: State, t: number): boolean {
    const st = s[this.m.th(t, L.T_STATUS)]!;
    return st === L.DONE || st === L.SEGV;
  }

  /** The step (op index) a thread is in; Infinity once it has finished. */
  curStep(s: State, t: number): number {
    if (this.isDone(s, t)) return Infinity;
    const ins = this.instr(s, t);
    return ins ? ins.step : Infinity;
  }

  /** Whether a thread has started executing its current op (is past its first micro-step). */
  curStepStarted(s: State, u: number): boolean {
    const pc = s[this.m.th(u, L.T_PC)]!;
    const ins = this.programs[u]!.instrs[pc];
    return ins !== undefined && this.programs[u]!.stepStart[ins.step] !== pc;
  }

  /** Where the op at p returned, for a message, when it ran inside explicit locks (else ""). */
  returnNote(p: Place): string {
    const r = this.programs[p.thread]!.returnStep[p.step]!;
    const o = this.spec.threads[p.thread]!.steps[r];
    if (r === p.step || !o) return '';
    if (o.op === 'unlock') return ` (inside explicit locks: it returned at ${this.tn(p.thread)}'s \`unlock ${o.lock}\`)`;
    if (o.op === 'irq') return ` (with IRQs off: it returned at ${this.tn(p.thread)}'s \`irq on\`)`;
    return ` (inside explicit locks never released: it returned when ${this.tn(p.thread)} ended)`;
  }

  /**
   * Whether the op at (thread, step) has returned to user space: the thread is past the op's
   * return point, which for an op run inside explicit locks is the outermost unlock
   * (return-point.ts, SPEC Appendix).
   */
  opReturned(s: State, thread: number, step: number): boolean {
    return this.curStep(s, thread) > this.programs[thread]!.returnStep[step]!;
  }
}

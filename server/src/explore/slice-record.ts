// Replays a trace micro-step by micro-step through a recording state: for each step, the state
// fields it read (its enabling condition included, with the value it saw) and the fields it
// wrote (with the value it left). What a trace's slice (slice.ts) is computed from: a dynamic
// footprint is exact for the steps that ran, where the semantics table's footprints are
// conservative over every state.
import type { FindingEvent } from '../engine/events';
import type { ExecContext } from '../engine/context';
import { Exec } from '../engine/exec';
import type { State } from '../engine/machine';
import type { ScenarioSpec } from '../engine/scenario';
import * as L from '../engine/layout';

/** What one step (or the final judgement of a terminal finding) read and wrote. */
export interface StepAccess {
  /** Fields read before the step wrote them, and the value each had. */
  readonly readFields: readonly number[];
  readonly readValues: readonly number[];
  /** Fields written, and the value each was left with. */
  readonly writeFields: readonly number[];
  readonly writeValues: readonly number[];
}

/** An Int32Array behind a proxy that notes, per step, the indices read and written through it. */
export class AccessRecorder {
  readonly raw: Int32Array;
  readonly state: State;
  /** The step being recorded, from 1; a field's stamp is the last step that read (wrote) it. */
  private epoch = 1;
  private readonly readStamp: Int32Array;
  private readonly writeStamp: Int32Array;
  private readFields: number[] = [];
  private readValues: number[] = [];
  private writeFields: number[] = [];
  /** While set, reads are not noted (the frame allocator's scan for a free slot: a naming choice). */
  private quiet = false;

  constructor(raw: Int32Array) {
    this.raw = raw;
    this.readStamp = new Int32Array(raw.length);
    this.writeStamp = new Int32Array(raw.length);
    const isIndex = (p: string | symbol): p is string => typeof p === 'string' && p.length > 0 && p.charCodeAt(0) >= 48 && p.charCodeAt(0) <= 57;
    this.state = new Proxy(raw, {
      get: (target, prop) => {
        if (isIndex(prop)) {
          const i = Number(prop);
          const v = target[i];
          if (v !== undefined && !this.quiet && this.writeStamp[i] !== this.epoch && this.readStamp[i] !== this.epoch) {
            this.readStamp[i] = this.epoch;
            this.readFields.push(i);
            this.readValues.push(v);
          }
          return v;
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
      set: (target, prop, value) => {
        if (isIndex(prop)) {
          const i = Number(prop);
          if (i < target.length && this.writeStamp[i] !== this.epoch) {
            this.writeStamp[i] = this.epoch;
            this.writeFields.push(i);
          }
        }
        return Reflect.set(target, prop, value, target);
      },
    });
  }

  /** Run `f` without noting its reads (its writes are still noted). */
  unobserved<T>(f: () => T): T {
    const was = this.quiet;
    this.quiet = true;
    try {
      return f();
    } finally {
      this.quiet = was;
    }
  }

  /** End the current step: what it read and wrote. */
  take(): StepAccess {
    const writeFields = this.writeFields;
    const access: StepAccess = { readFields: this.readFields, readValues: this.readValues, writeFields, writeValues: writeFields.map((i) => this.raw[i]!) };
    this.readFields = [];
    this.readValues = [];
    this.writeFields = [];
    this.epoch++;
    return access;
  }
}

export interface RecordedTrace {
  readonly exec: Exec;
  readonly recorder: AccessRecorder;
  /** The state before the first step. */
  readonly initial: Int32Array;
  /** Per step run: what it read and wrote. */
  readonly steps: readonly StepAccess[];
  /** The first step that reported a matching event, if `stopAt` was given and one did. */
  readonly reportedAt: number;
}

/** The micro-steps to replay: the thread of each, its kind (checked), and which event to stop after. */
export interface RecordInput {
  readonly threads: readonly number[];
  readonly kinds: readonly string[];
  readonly stopAt?: (e: FindingEvent) => boolean;
}

/**
 * Replay the micro-steps on an unreduced,
 * non-canonical engine through a recording state. Stops after the first step that reports an
 * event `stopAt` accepts. Frames are never renumbered here, so a field is one thing throughout;
 * the frame allocator reuses a slot only when none is free, as the canonical form would have
 * freed it. `context`: another Exec's of the spec, whose compiled programs are reused.
 */
export function recordTrace(spec: ScenarioSpec, trace: RecordInput, context?: ExecContext): RecordedTrace {
  const exec = new Exec(spec, { reduce: false, canonical: false, ...(context ? { context } : {}) });
  let reported = false;
  exec.setSink((e) => {
    if (trace.stopAt?.(e)) reported = true;
  });
  const initial = exec.initial();
  const recorder = new AccessRecorder(initial.slice());
  const steps: StepAccess[] = [];
  const s = recorder.state;
  const restore = patchAllocator(exec, recorder);
  try {
    for (let j = 0; j < trace.threads.length; j++) {
      const t = trace.threads[j]!;
      const ins = exec.instr(recorder.raw, t);
      if (!exec.enabled(s, t) || !ins || ins.kind !== trace.kinds[j]) throw new Error(`slice: step ${j + 1} of the trace does not replay`);
      exec.step(s, t);
      steps.push(recorder.take());
      if (reported) return { exec, recorder, initial, steps, reportedAt: j };
    }
  } finally {
    restore();
  }
  return { exec, recorder, initial, steps, reportedAt: -1 };
}

/**
 * The allocator's scan for a free slot reads every earlier slot's flags: which slot a fresh
 * frame gets is a name, not a dependency, so the scan is not observed. Without the canonical
 * form no slot is ever freed, so when none is free the first fresh slot nothing refers to is
 * (what the canonical form would have done).
 */
function patchAllocator(exec: Exec, rec: AccessRecorder): () => void {
  const m = exec.m;
  const own = m.allocFrame;
  const alloc = own.bind(m);
  m.allocFrame = (s: State): number =>
    rec.unobserved(() => {
      const raw = rec.raw;
      const free = (f: number): boolean => raw[m.frameBase[f]! + L.F_FLAGS] === 0;
      let any = false;
      for (let f = m.L.nFixedFrames; f < m.L.nFrame && !any; f++) any = free(f);
      if (!any) {
        const referenced = new Set<number>();
        for (const o of m.frameFields) {
          const v = raw[o]! & L.PTE_FRAME_MASK;
          if (v !== 0) referenced.add(v - 1);
        }
        for (let f = m.L.nFixedFrames; f < m.L.nFrame; f++) {
          if (referenced.has(f)) continue;
          raw[m.frameBase[f]! + L.F_FLAGS] = 0;
          break;
        }
      }
      return alloc(s);
    });
  // the machine may be shared with another Exec (`context`): give it its allocator back
  return () => {
    m.allocFrame = own;
  };
}

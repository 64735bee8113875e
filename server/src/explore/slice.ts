// Trace slicing: the steps of a finding's interleaving that the finding depends on. A shortest
// interleaving still carries steps that do not matter (another thread taking an unrelated
// lock); the slice leaves them out.
//
// The trace is replayed through a recording state (slice-record.ts), which gives each step the
// fields it read (its enabling condition included) and wrote. The finding's step — the one
// that reported it, or for a deadlock or a failed `check final` a judgement of the final state
// that reads what the report reads — is in the slice, and then, until nothing changes:
//   - program order: a step of a thread in the slice brings the thread's earlier steps;
//   - data: a step in the slice must read what it read in the trace. If the last step in the
//     slice that wrote a field it read (or the initial state, if none did) left another value,
//     the field's last writer in the trace joins the slice.
// Happens-before through locks is data here: taking a lock reads its holder and queue, which the
// release wrote, and a waiter's enabling condition reads what the grant wrote. A writer whose
// value is overwritten before the read, or restored (a lock taken and released by a thread
// the finding does not need), stays out. When the loop ends every step in the slice reads what
// it read in the trace, so replayed alone, in order, each step is enabled and does what it did:
// the finding's step reports the finding.
//
// A pure function of the scenario and the finding (its trace and place): the trace's threads
// and kinds are all it replays.
import type { ExecContext } from '../engine/context';
import { Exec } from '../engine/exec';
import type { State } from '../engine/machine';
import type { FindingEvent, Place } from '../engine/events';
import type { ScenarioSpec } from '../engine/scenario';
import { evalCond } from './check-final';
import { recordTrace, type RecordedTrace, type StepAccess } from './slice-record';
import type { TraceStep } from './trace';
import { findCycle } from './wait-cycle';

/** What slicing needs of a finding. */
export interface SliceInput {
  readonly type: 'race' | 'violation';
  readonly code: string;
  readonly place: Place;
  readonly trace: readonly Pick<TraceStep, 'thread' | 'kind'>[];
}

/**
 * The indices (ascending) of the trace steps the finding depends on. Never longer than the
 * trace; the whole trace if it cannot be sliced (it does not replay: an internal error).
 * `context`: an Exec's of the same spec, to reuse its compiled programs (a speed-up only).
 */
export function sliceTrace(spec: ScenarioSpec, f: SliceInput, context?: ExecContext): number[] {
  const all = f.trace.map((_, i) => i);
  try {
    return sliceTraceOrThrow(spec, f, context);
  } catch {
    return all;
  }
}

/** sliceTrace, but an internal failure (a trace that does not replay) throws: for tests. */
export function sliceTraceOrThrow(spec: ScenarioSpec, f: SliceInput, context?: ExecContext): number[] {
  const same = (e: FindingEvent): boolean => e.type === f.type && e.code === f.code && e.place.thread === f.place.thread && e.place.step === f.place.step;
  const threads = f.trace.map((s) => s.thread);
  const rec = recordTrace(spec, { threads, kinds: f.trace.map((s) => s.kind), stopAt: same }, context);
  const accesses = [...rec.steps];
  let target = rec.reportedAt;
  if (target < 0) {
    // a terminal finding: judged on the state after the whole trace
    const judged = judgement(spec, f, rec);
    if (!judged) return f.trace.map((_, i) => i);
    accesses.push(judged);
    target = accesses.length - 1;
  }
  const kept = closure(accesses, threads, target, rec.initial, f.code === 'check-failed');
  const out: number[] = [];
  for (let j = 0; j < rec.steps.length; j++) if (kept[j]) out.push(j);
  // A failed `check final` is judged on the terminal state, which the steps scheduled after the
  // slice go on to shape too (a load the slice drops may then run after a store and read another
  // value): the slice stands only if the rest, run after it, leaves the check failing the same
  // way; else it is the whole trace.
  if (f.code === 'check-failed' && f.place.thread < 0 && !checkFailsAfter(spec, f, out)) return f.trace.map((_, i) => i);
  return out;
}

/** Whether the slice, then the rest of the trace in its order, ends in a state that fails the check as the trace does. */
function checkFailsAfter(spec: ScenarioSpec, f: SliceInput, slice: readonly number[]): boolean {
  const check = spec.checks[f.place.step];
  if (!check) return false;
  const exec = new Exec(spec);
  const run = (order: readonly number[]): State => {
    const s = exec.initial();
    for (const i of order) {
      const t = f.trace[i]!.thread;
      if (!exec.enabled(s, t)) return s;
      exec.step(s, t);
    }
    return s;
  };
  const inSlice = new Set(slice);
  const all = f.trace.map((_, i) => i);
  const want = evalCond(check.cond, exec, run(all));
  const got = evalCond(check.cond, exec, run([...slice, ...all.filter((i) => !inSlice.has(i))]));
  return !want.ok && !got.ok && got.detail === want.detail;
}

/** What the report of a terminal finding reads of the final state. */
function judgement(spec: ScenarioSpec, f: SliceInput, rec: RecordedTrace): StepAccess | undefined {
  const { exec, recorder } = rec;
  const s = recorder.state;
  if (f.code === 'deadlock') {
    const raw = recorder.raw;
    const blocked = spec.threads.map((_, t) => t).filter((t) => !exec.isDone(raw, t) && !exec.enabled(raw, t));
    const waits = blocked.map((t) => exec.waitInfo(raw, t)).filter((w) => w !== undefined);
    // a cycle blocks its threads whatever the others do; without one, every thread's state counts
    const judged = findCycle(waits)?.map((w) => w.thread) ?? spec.threads.map((_, t) => t);
    for (const t of judged) {
      exec.isDone(s, t);
      exec.enabled(s, t);
      exec.waitInfo(s, t);
    }
    return recorder.take();
  }
  const check = f.place.thread < 0 ? spec.checks[f.place.step] : undefined;
  if (f.code !== 'check-failed' || !check) return undefined;
  evalCond(check.cond, exec, s);
  return recorder.take();
}

/**
 * The steps `target` depends on (see the head of the file): program order, and the writers a
 * step in the slice needs to read what it read in the trace. With `lastWritersOfTarget` the
 * target keeps the last writer of every field it reads, even one that wrote the value the field
 * already had (a failed `check final`: the rest of the trace runs after the slice, and a
 * register a dropped load left at 0 could then be loaded with another value).
 */
function closure(steps: readonly StepAccess[], threads: readonly number[], target: number, initial: Int32Array, lastWritersOfTarget = false): boolean[] {
  const n = steps.length;
  // per field, its writers in trace order with the value each left
  const writers = new Map<number, { step: number; value: number }[]>();
  steps.forEach((a, j) =>
    a.writeFields.forEach((field, k) => {
      let list = writers.get(field);
      if (!list) writers.set(field, (list = []));
      list.push({ step: j, value: a.writeValues[k]! });
    }),
  );
  const prevSameThread = new Int32Array(n).fill(-1);
  const lastOf = new Map<number, number>();
  for (let j = 0; j < Math.min(n, threads.length); j++) {
    const t = threads[j]!;
    prevSameThread[j] = lastOf.get(t) ?? -1;
    lastOf.set(t, j);
  }
  const kept: boolean[] = new Array<boolean>(n).fill(false);
  const keep = (j: number): void => {
    // a thread's steps are kept with all its earlier ones
    for (let i = j; i >= 0 && !kept[i]; i = prevSameThread[i]!) kept[i] = true;
  };
  keep(target);
  for (let changed = true; changed; ) {
    changed = false;
    for (let j = 0; j < n; j++) {
      if (!kept[j]) continue;
      const a = steps[j]!;
      for (let k = 0; k < a.readFields.length; k++) {
        const field = a.readFields[k]!;
        const list = writers.get(field);
        if (!list) continue; // never written: the initial value, in any replay
        let last = -1;
        let lastKept = -1;
        for (let w = 0; w < list.length && list[w]!.step < j; w++) {
          last = w;
          if (kept[list[w]!.step]) lastKept = w;
        }
        if (last < 0) continue;
        const seen = lastKept < 0 ? initial[field]! : list[lastKept]!.value;
        if (lastKept === last || (seen === a.readValues[k] && !(lastWritersOfTarget && j === target))) continue;
        keep(list[last]!.step);
        changed = true;
      }
    }
  }
  return kept;
}

// Traces: the interleaving that leads to a finding, as the micro-steps each thread ran.
// Built by replaying the thread choices on a fresh engine, so a trace is always one the
// engine can reproduce.
import { Exec, type ExecOptions } from '../engine/exec';
import type { Instr, MicroKind } from '../engine/instr';
import type { ScenarioSpec } from '../engine/scenario';

export interface TraceStep {
  readonly thread: number;
  /** The step (op) of the thread, an index into its steps. */
  readonly step: number;
  readonly kind: MicroKind;
  /** Short description, e.g. "lock ptl 0x1000". */
  readonly text: string;
  /** The kernel function(s) the micro-step stands for. */
  readonly kernel: string;
}

/**
 * Replays on the plain engine with real values (dead values off): the search may have run with
 * values abstracted, and it follows the same path because no micro-step branches on a value
 * beyond `== 0`, which the abstraction keeps (a step that cannot move here throws).
 */
export function buildTrace(spec: ScenarioSpec, path: readonly number[], options: Pick<ExecOptions, 'reduce' | 'canonical'> = {}): TraceStep[] {
  const exec = new Exec(spec, { reduce: options.reduce, canonical: options.canonical });
  const s = exec.initial();
  const out: TraceStep[] = [];
  for (const t of path) {
    if (!exec.enabled(s, t)) throw new Error(`trace replay: thread ${spec.threads[t]?.name} cannot move`);
    const ran: Instr[] = [];
    exec.transition(s, t, ran);
    for (const ins of ran) out.push({ thread: t, step: ins.step, kind: ins.kind, text: ins.text, kernel: ins.kernel });
  }
  return out;
}

/** Replay a path and return the state it reaches together with the events it reported. */
export function replay(spec: ScenarioSpec, path: readonly number[]): { state: Int32Array; exec: Exec; events: import('../engine/events').FindingEvent[] } {
  const exec = new Exec(spec);
  const events: import('../engine/events').FindingEvent[] = [];
  exec.setSink((e) => events.push(e));
  const s = exec.initial();
  for (const t of path) {
    if (!exec.enabled(s, t)) throw new Error(`replay: thread ${spec.threads[t]?.name} cannot move`);
    exec.transition(s, t);
  }
  return { state: s, exec, events };
}

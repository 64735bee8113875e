// Findings of a search with thread symmetry (engine/symmetry.ts), made the plain engine's: the
// stored path names canonical threads, so it is mapped to the real threads by tracking the
// permutation the canonical form applied at each transition; the finding is taken from a replay
// of the real path on the plain engine (its place and message name real threads); and a finding
// placed on a member of a class is reported for every member, with the path where the two
// threads trade roles (a renaming of a path is a path: the class is an automorphism).
import { Exec, type ExecOptions } from '../engine/exec';
import type { FindingEvent } from '../engine/events';
import type { ScenarioSpec } from '../engine/scenario';
import { terminalFindings } from './terminal';

export interface RealFinding {
  readonly event: FindingEvent;
  readonly path: readonly number[];
}

/**
 * The real threads that move along a path of canonical movers, found by replaying it on the
 * symmetric engine, and the canonical id of each real thread before the last transition.
 */
export function realPath(symmetric: Exec, canonicalPath: readonly number[]): { path: number[]; canonBeforeLast: Int32Array } {
  const s = symmetric.initial();
  const n = symmetric.L.nThread;
  // toCanon[real] = canonical id at the current state
  const toCanon = Int32Array.from({ length: n }, (_, t) => t);
  const compose = (perm: Int32Array | undefined): void => {
    if (perm) for (let r = 0; r < n; r++) toCanon[r] = perm[toCanon[r]!]!;
  };
  compose(symmetric.lastPermutation);
  const out: number[] = [];
  let canonBeforeLast = toCanon.slice();
  for (const c of canonicalPath) {
    canonBeforeLast = toCanon.slice();
    out.push(toCanon.indexOf(c));
    symmetric.transition(s, c);
    compose(symmetric.lastPermutation);
  }
  return { path: out, canonBeforeLast };
}

/**
 * Replays a real path on the plain engine and returns the finding its last transition (or, with
 * `terminal`, its last state) reports that matches `like` by type, code and step, on `thread`
 * when given. Undefined if it reports none.
 */
function findingAt(spec: ScenarioSpec, options: ExecOptions, path: readonly number[], like: FindingEvent, terminal: boolean, thread: number | undefined): FindingEvent | undefined {
  const exec = new Exec(spec, { reduce: options.reduce, canonical: options.canonical });
  const s = exec.initial();
  let events: FindingEvent[] = [];
  exec.setSink((e) => events.push(e));
  path.forEach((t, i) => {
    if (i === path.length - 1) events = [];
    if (!exec.enabled(s, t)) throw new Error(`internal: symmetric trace replay: thread ${spec.threads[t]?.name} cannot move`);
    exec.transition(s, t);
  });
  if (terminal) {
    events = [];
    terminalFindings(exec, s, spec, (e) => events.push(e));
  }
  return events.find((e) => e.type === like.type && e.code === like.code && (terminal || e.place.step === like.place.step) && (thread === undefined || e.place.thread === thread));
}

/**
 * A finding the symmetric search reported at the end of `canonicalPath` (`terminal`: in the
 * state it reaches), for every thread of its class: the plain engine's finding on the real path
 * and on each renaming of it that moves the finding's thread to another member.
 */
export function realFindings(spec: ScenarioSpec, options: ExecOptions, symmetric: Exec, canonicalPath: readonly number[], event: FindingEvent, terminal: boolean): RealFinding[] {
  const { path, canonBeforeLast } = realPath(symmetric, canonicalPath);
  const own = findingAt(spec, options, path, event, terminal, terminal ? undefined : canonBeforeLast.indexOf(event.place.thread));
  if (!own) throw new Error(`internal: the symmetric search's ${event.code} does not replay on the plain engine`);
  const out: RealFinding[] = [{ event: own, path }];
  const cls = symmetric.symmetryClasses.find((c) => c.includes(own.place.thread));
  for (const other of cls ?? []) {
    if (other === own.place.thread) continue;
    const a = own.place.thread;
    const swapped = path.map((t) => (t === a ? other : t === other ? a : t));
    const theirs = findingAt(spec, options, swapped, own, terminal, terminal ? undefined : other);
    if (theirs) out.push({ event: theirs, path: swapped });
  }
  return out;
}

// Exhaustive breadth-first search over every interleaving of the threads' micro-steps.
// States are stored canonically (engine/machine.ts), so BFS visits each once and the first
// path to a finding is a shortest interleaving showing it. Successors are generated in
// thread order: the same input gives the same states, findings and traces.
import { Exec } from '../engine/exec';
import type { FindingEvent, Place } from '../engine/events';
import type { RaceKind, ViolationCode } from '../engine/findings';
import * as L from '../engine/layout';
import type { ScenarioSpec } from '../engine/scenario';
import { evalCond } from './check-final';
import { BudgetClock, type Budget, type StopReason } from './budget';
import { MemoryGuard, MemoryLimitError } from './memory';
import { StateStore } from './state-store';
import { buildTrace, type TraceStep } from './trace';

export interface Finding {
  readonly type: 'race' | 'violation';
  readonly code: RaceKind | ViolationCode;
  /** Where it is placed: a thread's step, or `{ thread: -1, step: i }` for `check final` i. */
  readonly place: Place;
  readonly message: string;
  readonly related: readonly Place[];
  /** The shortest interleaving that shows it, micro-step by micro-step. */
  readonly trace: readonly TraceStep[];
  /** The same interleaving as the explorer's transitions: the thread that moved at each. */
  readonly path: readonly number[];
}

export interface ExploreStats {
  readonly states: number;
  readonly transitions: number;
  readonly terminal: number;
  readonly maxDepth: number;
  readonly ms: number;
  readonly bytesPerState: number;
}

export interface ExploreResult {
  readonly complete: boolean;
  readonly reason?: StopReason;
  readonly error?: string;
  readonly stats: ExploreStats;
  readonly findings: readonly Finding[];
  /** Terminal states in which some thread waits in userfaultfd forever (not a finding). */
  readonly uffdStuck: number;
}

interface Pending {
  readonly event: FindingEvent;
  readonly parent: number;
  readonly mover: number;
}

/**
 * Engine options for tests: the reduction, canonical states and dead values can be turned off.
 * Dead values are on by default (the engine ignores them for a scenario with `check final`).
 */
export interface ExploreOptions {
  readonly reduce?: boolean;
  readonly canonical?: boolean;
  readonly deadValues?: boolean;
}

export function explore(spec: ScenarioSpec, budget: Budget, options: ExploreOptions = {}): ExploreResult {
  const clock = new BudgetClock(budget);
  let exec: Exec;
  try {
    exec = new Exec(spec, { ...options, deadValues: options.deadValues ?? true });
  } catch (e) {
    return failed(`cannot build the model: ${(e as Error).message}`, clock);
  }
  let store: StateStore;
  const guard = new MemoryGuard(budget.maxBytes);
  try {
    store = new StateStore(exec.L, guard);
  } catch (e) {
    if (e instanceof MemoryLimitError) return { ...failed(e.message, clock), reason: 'memory-limit', error: undefined };
    throw e;
  }
  const found = new Map<string, Pending>();
  let parent = 0;
  let mover = -1;
  exec.setSink((event) => {
    const key = `${event.type}:${event.code}:${event.place.thread}:${event.place.step}`;
    if (!found.has(key)) found.set(key, { event, parent, mover });
  });
  const cur = exec.initial();
  try {
    store.add(cur, -1, undefined, 0);
  } catch (e) {
    if (e instanceof MemoryLimitError) return { ...failed(e.message, clock), reason: 'memory-limit', error: undefined };
    throw e;
  }
  const next = new Int32Array(cur.length);
  const nThread = spec.threads.length;
  let transitions = 0;
  let terminal = 0;
  let uffdStuck = 0;
  let reason: StopReason | undefined;
  let error: string | undefined;
  let frontierEnd = 1;
  let depth = 0;
  try {
    for (let i = 0; i < store.size; i++) {
      if (i === frontierEnd) {
        depth++;
        frontierEnd = store.size;
      }
      if ((i & 1023) === 0) {
        reason = clock.check(store.size);
        if (reason) break;
      }
      store.read(i, cur);
      let any = false;
      for (let t = 0; t < nThread; t++) {
        if (!exec.enabled(cur, t)) continue;
        any = true;
        next.set(cur);
        parent = i;
        mover = t;
        exec.transition(next, t);
        transitions++;
        store.add(next, i, cur, t);
      }
      if (!any) {
        terminal++;
        parent = i;
        mover = -1;
        const stuck = terminalFindings(exec, cur, spec, found, i);
        if (stuck) uffdStuck++;
      }
      if (store.size >= budget.maxStates) {
        reason = 'state-limit';
        break;
      }
    }
  } catch (e) {
    if (e instanceof MemoryLimitError) reason = 'memory-limit';
    else {
      reason = 'error';
      error = (e as Error).message;
    }
  }
  const findings: Finding[] = [];
  for (const p of found.values()) {
    const path = p.parent >= 0 ? store.path(p.parent) : [];
    if (p.mover >= 0) path.push(p.mover);
    findings.push({ ...p.event, trace: buildTrace(spec, path, { reduce: options.reduce, canonical: options.canonical }), path });
  }
  findings.sort((a, b) => a.trace.length - b.trace.length || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return {
    complete: reason === undefined,
    ...(reason ? { reason } : {}),
    ...(error ? { error } : {}),
    stats: { states: store.size, transitions, terminal, maxDepth: depth, ms: clock.elapsed(), bytesPerState: store.bytesPerState() },
    findings,
    uffdStuck,
  };
}

function failed(message: string, clock: BudgetClock): ExploreResult {
  return { complete: false, reason: 'error', error: message, stats: { states: 0, transitions: 0, terminal: 0, maxDepth: 0, ms: clock.elapsed(), bytesPerState: 0 }, findings: [], uffdStuck: 0 };
}

/** Deadlock and `check final` in a terminal state. Returns true if only userfaultfd waiters remain. */
function terminalFindings(exec: Exec, s: Int32Array, spec: ScenarioSpec, found: Map<string, Pending>, id: number): boolean {
  const m = exec.m;
  const blocked: number[] = [];
  let uffdOnly = true;
  for (let t = 0; t < spec.threads.length; t++) {
    if (exec.isDone(s, t)) continue;
    blocked.push(t);
    if (s[m.th(t, L.T_STATUS)] !== L.WAIT_UFFD) uffdOnly = false;
  }
  const add = (event: FindingEvent): void => {
    const key = `${event.type}:${event.code}:${event.place.thread}:${event.place.step}`;
    if (!found.has(key)) found.set(key, { event, parent: id, mover: -1 });
  };
  if (blocked.length > 0 && !uffdOnly) {
    const waits = blocked.map((t) => exec.waitInfo(s, t)).filter((w) => w !== undefined);
    const cycle = findCycle(waits);
    const name = (t: number): string => spec.threads[t]!.name;
    const describe = (w: (typeof waits)[number]): string => `${name(w.thread)} waits for ${w.what}${w.holders.length ? ` ${w.queuedAhead ? 'held or queued ahead (a fair lock) by' : 'held by'} ${w.holders.map(name).join(', ')}` : ''}`;
    const shown = cycle ?? waits;
    const first = shown[0] ?? waits[0]!;
    add({
      type: 'race',
      code: 'deadlock',
      place: { thread: first.thread, step: exec.curStep(s, first.thread) === Infinity ? 0 : exec.curStep(s, first.thread) },
      message: `deadlock: ${shown.map(describe).join('; ')}${cycle ? ' (a cycle)' : ''}`,
      related: shown.slice(1).map((w) => ({ thread: w.thread, step: Math.min(exec.curStep(s, w.thread), spec.threads[w.thread]!.steps.length - 1) })),
    });
    return false;
  }
  spec.checks.forEach((c, i) => {
    const r = evalCond(c.cond, exec, s);
    if (!r.ok) add({ type: 'race', code: 'check-failed', place: { thread: -1, step: i }, message: `check final fails: ${r.detail}`, related: [] });
  });
  return blocked.length > 0;
}

function findCycle<T extends { thread: number; holders: readonly number[] }>(waits: T[]): T[] | undefined {
  const byThread = new Map(waits.map((w) => [w.thread, w]));
  for (const start of waits) {
    const seen: T[] = [];
    let cur: T | undefined = start;
    while (cur && !seen.includes(cur)) {
      seen.push(cur);
      const nextHolder: number | undefined = cur.holders.find((h) => byThread.has(h));
      cur = nextHolder === undefined ? undefined : byThread.get(nextHolder);
    }
    if (cur) return seen.slice(seen.indexOf(cur));
  }
  return undefined;
}

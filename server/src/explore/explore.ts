// Exhaustive breadth-first search over every interleaving of the threads' micro-steps.
// States are stored canonically (engine/machine.ts), so BFS visits each once and the first
// path to a finding is a shortest interleaving showing it. Successors are generated in
// thread order: the same input gives the same states, findings and traces.
import { Exec } from '../engine/exec';
import type { FindingEvent, Place } from '../engine/events';
import type { RaceKind, ViolationCode } from '../engine/findings';
import type { ScenarioSpec } from '../engine/scenario';
import { BudgetClock, type Budget, type StopReason } from './budget';
import { MemoryGuard, MemoryLimitError } from './memory';
import { OutcomeCollector, type OutcomeTable } from './outcomes';
import { StateStore } from './state-store';
import { sliceTrace } from './slice';
import { realFindings, type RealFinding } from './symmetric-findings';
import { terminalFindings } from './terminal';
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
  /** The trace steps the finding depends on (slice.ts): indices into `trace`, ascending. */
  readonly slice: readonly number[];
}

export interface ExploreStats {
  readonly states: number;
  readonly transitions: number;
  readonly terminal: number;
  readonly maxDepth: number;
  readonly ms: number;
  readonly bytesPerState: number;
  /** Classes of symmetric threads the search merged (0 without thread symmetry). */
  readonly symmetryClasses: number;
}

export interface ExploreResult {
  readonly complete: boolean;
  readonly reason?: StopReason;
  readonly error?: string;
  readonly stats: ExploreStats;
  readonly findings: readonly Finding[];
  /** Terminal states in which some thread waits in userfaultfd forever (not a finding). */
  readonly uffdStuck: number;
  /** The outcome table, when `outcomes` was asked for. */
  readonly outcomes?: OutcomeTable;
}

interface Pending {
  readonly event: FindingEvent;
  readonly parent: number;
  readonly mover: number;
}

/**
 * Engine options for tests: the reduction, canonical states, dead values and thread symmetry
 * can be turned off. Dead values and symmetry are on by default (the engine uses them only
 * where they are sound: engine/exec.ts valuesObserved, engine/symmetry.ts).
 */
export interface ExploreOptions {
  readonly reduce?: boolean;
  readonly canonical?: boolean;
  /**
   * Collect the outcome table (explore/outcomes.ts). It turns dead values and thread symmetry
   * off: the table reads every register and value, each thread's as the user named it.
   */
  readonly outcomes?: boolean;
  readonly deadValues?: boolean;
  readonly symmetry?: boolean;
}

export function explore(spec: ScenarioSpec, budget: Budget, options: ExploreOptions = {}): ExploreResult {
  const clock = new BudgetClock(budget);
  let exec: Exec;
  try {
    // the outcome table reads registers and values, per thread as the user named them: no dead
    // values, no thread symmetry
    const live = options.outcomes === true;
    exec = new Exec(spec, { ...options, deadValues: !live && (options.deadValues ?? true), symmetry: !live && (options.symmetry ?? true) });
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
  const outcomes = options.outcomes ? new OutcomeCollector(exec, spec) : undefined;
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
      store.readNext(i, cur);
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
        const kind = terminalFindings(exec, cur, spec, (event) => {
          const key = `${event.type}:${event.code}:${event.place.thread}:${event.place.step}`;
          if (!found.has(key)) found.set(key, { event, parent: i, mover: -1 });
        });
        if (kind === 'uffd') uffdStuck++;
        outcomes?.record(cur, i, kind);
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
  const symmetric = exec.symmetryClasses.length > 0;
  exec.setSink(() => {});
  const reported = new Set<string>();
  for (const p of found.values()) {
    const path = p.parent >= 0 ? store.path(p.parent) : [];
    if (p.mover >= 0) path.push(p.mover);
    // with symmetry the stored path names canonical threads: map it to real ones, per class member
    const real: RealFinding[] = symmetric ? realFindings(spec, options, exec, path, p.event, p.mover < 0) : [{ event: p.event, path }];
    for (const r of real) {
      const key = `${r.event.type}:${r.event.code}:${r.event.place.thread}:${r.event.place.step}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const finding = { ...r.event, trace: buildTrace(spec, r.path, { reduce: options.reduce, canonical: options.canonical }), path: [...r.path] };
      findings.push({ ...finding, slice: sliceTrace(spec, finding, exec.cx) });
    }
  }
  findings.sort((a, b) => a.trace.length - b.trace.length || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return {
    complete: reason === undefined,
    ...(reason ? { reason } : {}),
    ...(error ? { error } : {}),
    stats: { states: store.size, transitions, terminal, maxDepth: depth, ms: clock.elapsed(), bytesPerState: store.bytesPerState(), symmetryClasses: exec.symmetryClasses.length },
    findings,
    uffdStuck,
    ...(outcomes ? { outcomes: outcomes.finish(
          (id) => {
            store.read(id, next);
            return next;
          },
          (id) => store.path(id),
          reason === undefined,
        ) } : {}),
  };
}

function failed(message: string, clock: BudgetClock): ExploreResult {
  return { complete: false, reason: 'error', error: message, stats: { states: 0, transitions: 0, terminal: 0, maxDepth: 0, ms: clock.elapsed(), bytesPerState: 0, symmetryClasses: 0 }, findings: [], uffdStuck: 0 };

}

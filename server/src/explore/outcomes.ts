// Outcome tables (herd7's final-state lists): the values of every register and of every
// address a `check final` names, in each terminal state, grouped into outcomes. An outcome
// counts the distinct canonical terminal states that reach it and keeps the first of them in
// BFS order, whose path is a shortest interleaving to it. Deadlocked terminal states are
// counted apart and are in no outcome (their registers hold whatever the blocked threads left,
// and `check final` is not judged there); terminal states in which only userfaultfd waiters
// remain are outcomes, as `check final` is judged there too.
import type { Exec } from '../engine/exec';
import type { CondSpec, OperandSpec, ScenarioSpec } from '../engine/scenario';
import { evalCond } from './check-final';

/** A value the table shows: a thread's register, or the value mapped at an address of an mm. */
export type OutcomeColumn =
  | { readonly kind: 'reg'; readonly name: string; readonly thread: number; readonly reg: number }
  | { readonly kind: 'mem'; readonly name: string; readonly mm: number; readonly addr: number };

/** How a terminal state ended: every thread done, only userfaultfd waiters left, or a deadlock. */
export type TerminalKind = 'done' | 'uffd' | 'deadlock';

/** Whether a `check final` holds over the terminal states: `unknown` when that is not proven. */
export type CheckVerdict = 'always' | 'sometimes' | 'never' | 'unknown';

export interface Outcome {
  /** One per column; null where the address is not mapped. */
  readonly values: readonly (number | null)[];
  /** Distinct (canonical) terminal states with these values. */
  readonly count: number;
  /** Whether each `check final` holds in this outcome. */
  readonly checks: readonly boolean[];
  /** A shortest path to it: the thread that moved at each transition. */
  readonly path: readonly number[];
}

export interface CheckOutcome {
  readonly verdict: CheckVerdict;
  /** Terminal states (outside deadlocks) where it holds, and where it fails. */
  readonly holds: number;
  readonly fails: number;
}

export interface OutcomeTable {
  readonly columns: readonly OutcomeColumn[];
  readonly outcomes: readonly Outcome[];
  /** Terminal states in the outcomes (every thread done, or only userfaultfd waiters left). */
  readonly terminal: number;
  /** Deadlocked terminal states: in no outcome. */
  readonly deadlocked: number;
  /** One per `check final`, in order. */
  readonly checks: readonly CheckOutcome[];
  /** The exploration visited every state: only then are `always` and `never` claimed. */
  readonly complete: boolean;
}

/** Every register of every thread (thread order), then each address `check final` names (first appearance). */
export function outcomeColumns(spec: ScenarioSpec): OutcomeColumn[] {
  const cols: OutcomeColumn[] = [];
  spec.threads.forEach((th, thread) => th.registers.forEach((r, reg) => cols.push({ kind: 'reg', name: `${th.name}.${r}`, thread, reg })));
  const seen = new Set<string>();
  const visit = (c: CondSpec): void => {
    if (c.kind !== 'cmp') {
      visit(c.left);
      visit(c.right);
      return;
    }
    for (const o of [c.left, c.right]) addMem(o);
  };
  const addMem = (o: OperandSpec): void => {
    if (o.kind !== 'mem' || seen.has(`${o.mm}:${o.addr}`)) return;
    seen.add(`${o.mm}:${o.addr}`);
    cols.push({ kind: 'mem', name: `${o.mm === 0 ? '' : `${spec.mms[o.mm]!.name}:`}0x${o.addr.toString(16)}`, mm: o.mm, addr: o.addr });
  };
  for (const c of spec.checks) visit(c.cond);
  return cols;
}

interface Group {
  readonly values: (number | null)[];
  count: number;
  readonly first: number;
}

/** Collects the outcomes of the terminal states the search meets, in BFS order. */
export class OutcomeCollector {
  readonly columns: readonly OutcomeColumn[];
  private readonly groups = new Map<string, Group>();
  private deadlocked = 0;
  private terminal = 0;

  constructor(
    private readonly exec: Exec,
    spec: ScenarioSpec,
  ) {
    this.columns = outcomeColumns(spec);
  }

  /** A terminal state `id` of the search, of this kind. */
  record(s: Int32Array, id: number, kind: TerminalKind): void {
    if (kind === 'deadlock') {
      this.deadlocked++;
      return;
    }
    this.terminal++;
    const values = this.columns.map((c) => this.value(s, c));
    const key = values.join(',');
    const g = this.groups.get(key);
    if (g) g.count++;
    else this.groups.set(key, { values, count: 1, first: id });
  }

  private value(s: Int32Array, c: OutcomeColumn): number | null {
    const { exec } = this;
    if (c.kind === 'reg') return exec.L.values[s[exec.m.reg(c.thread, c.reg)]!] ?? null;
    return exec.m.valueAt(s, c.mm, c.addr) ?? null;
  }

  /**
   * The table. `stateOf` reads a stored state back, `pathOf` is the path to it; `complete`
   * says whether the search visited every state.
   */
  finish(stateOf: (id: number) => Int32Array, pathOf: (id: number) => number[], complete: boolean): OutcomeTable {
    const { exec } = this;
    const outcomes = [...this.groups.values()].sort((a, b) => compareValues(a.values, b.values)).map((g): Outcome => {
      const s = stateOf(g.first);
      return { values: g.values, count: g.count, checks: exec.spec.checks.map((c) => evalCond(c.cond, exec, s).ok), path: pathOf(g.first) };
    });
    const checks = exec.spec.checks.map((_, i): CheckOutcome => {
      let holds = 0;
      let fails = 0;
      for (const o of outcomes) {
        if (o.checks[i]) holds += o.count;
        else fails += o.count;
      }
      return { verdict: checkVerdict(holds, fails, complete), holds, fails };
    });
    return { columns: this.columns, outcomes, terminal: this.terminal, deadlocked: this.deadlocked, checks, complete };
  }
}

/**
 * Always, Sometimes or Never, like herd7. A witness each way proves Sometimes even when the
 * search was cut short; Always and Never need every state, and at least one terminal state.
 */
export function checkVerdict(holds: number, fails: number, complete: boolean): CheckVerdict {
  if (holds > 0 && fails > 0) return 'sometimes';
  if (!complete || holds + fails === 0) return 'unknown';
  return holds > 0 ? 'always' : 'never';
}

function compareValues(a: readonly (number | null)[], b: readonly (number | null)[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? Infinity;
    const y = b[i] ?? Infinity;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

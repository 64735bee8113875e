// The outcome table in editor terms (OutcomesView), how each `check final` verdict reads, and
// the table the webview draws and the CLI prints: one row an outcome, a cell a value.
import type { ScenarioSpec } from '../engine/scenario';
import type { OutcomeTable } from '../explore/outcomes';
import { buildTrace } from '../explore/trace';
import type { CheckedScenario } from '../lang/checks';
import { toPosition, toTraceStepViews } from './places';
import type { CheckOutcomeView, OutcomesView } from './views';

export function toOutcomesView(sc: CheckedScenario, spec: ScenarioSpec, t: OutcomeTable): OutcomesView {
  return {
    columns: t.columns.map((c) => c.name),
    outcomes: t.outcomes.map((o) => ({ values: o.values, count: o.count, checks: o.checks, trace: toTraceStepViews(sc, spec, buildTrace(spec, o.path)) })),
    terminal: t.terminal,
    deadlocked: t.deadlocked,
    checks: t.checks.map((c, i) => {
      const check = sc.model.checks[i];
      return { ...toPosition(check?.span ?? sc.ast.headSpan), text: check ? `check final ${check.text}` : 'check final', verdict: c.verdict, holds: c.holds, fails: c.fails };
    }),
    complete: t.complete,
  };
}

/** herd7's word for a verdict, with why it is unknown. */
export function verdictText(c: CheckOutcomeView, o: Pick<OutcomesView, 'complete' | 'terminal'>): string {
  switch (c.verdict) {
    case 'always':
      return 'Always';
    case 'never':
      return 'Never';
    case 'sometimes':
      return o.complete ? 'Sometimes' : 'Sometimes (witnessed both ways; exploration incomplete)';
    case 'unknown':
      return o.complete ? 'unknown (no terminal state outside a deadlock)' : `unknown (exploration incomplete; so far it ${c.fails === 0 ? 'holds' : 'fails'} in every terminal state seen)`;
  }
}

export function valueText(v: number | null): string {
  return v === null ? 'unmapped' : String(v);
}

/** The table as strings: what the webview draws and the CLI aligns. */
export interface OutcomeTableModel {
  /** The value columns, then `states`, then one `check N` column per `check final`. */
  readonly head: readonly string[];
  readonly rows: readonly { readonly cells: readonly string[]; readonly steps: number }[];
  /** One line per `check final`: `check final COND: Always (12 of 12 terminal states)`. */
  readonly verdicts: readonly string[];
  /** Deadlocks left out, an incomplete search, or nothing to tabulate. */
  readonly notes: readonly string[];
}

export function outcomeTableModel(o: OutcomesView): OutcomeTableModel {
  const head = [...o.columns, 'states', ...o.checks.map((_, i) => (o.checks.length === 1 ? 'check' : `check ${i + 1}`))];
  const rows = o.outcomes.map((r) => ({ cells: [...r.values.map(valueText), String(r.count), ...r.checks.map((ok) => (ok ? 'holds' : 'fails'))], steps: r.trace.length }));
  const verdicts = o.checks.map((c) => `${c.text}: ${verdictText(c, o)} (holds in ${c.holds} of ${c.holds + c.fails} terminal state${c.holds + c.fails === 1 ? '' : 's'})`);
  const notes: string[] = [];
  if (!o.complete) notes.push('exploration incomplete: the outcomes below are those reached so far, not all of them');
  if (o.columns.length === 0) notes.push('no registers (load/kread ... -> REG) and no check final: every terminal state has the same, empty outcome');
  if (o.deadlocked > 0) notes.push(`${o.deadlocked} deadlocked terminal state${o.deadlocked === 1 ? '' : 's'} left out (see the deadlock finding)`);
  return { head, rows, verdicts, notes };
}

// `vmscen check --outcomes`: each scenario's outcome table as text (aligned columns, the
// verdict of each `check final`, one shortest interleaving per outcome) and as JSON.
import { outcomeTableModel, valueText } from '../analysis/outcomes-view';
import type { OutcomesView, ScenarioAnalysis } from '../analysis/views';
import { formatFindingTrace } from './format-trace';

export function formatOutcomesText(path: string, sc: ScenarioAnalysis, brief: boolean): string[] {
  const o = sc.outcomes;
  if (!o) return [];
  const model = outcomeTableModel(o);
  const n = o.outcomes.length;
  const out = [`${path}:${sc.line}:${sc.col}: info: [outcomes] ${sc.name} (${sc.locking}): ${n} outcome${n === 1 ? '' : 's'} over ${o.terminal} terminal state${o.terminal === 1 ? '' : 's'}${o.complete ? '' : ' (incomplete)'}`];
  for (const note of model.notes) out.push(`    note: ${note}`);
  const widths = model.head.map((h, i) => Math.max(h.length, ...model.rows.map((r) => r.cells[i]!.length)));
  const line = (cells: readonly string[]): string => `    ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd();
  out.push(line(model.head));
  for (const r of model.rows) out.push(line(r.cells));
  for (const v of model.verdicts) out.push(`    ${v}`);
  if (!brief) {
    o.outcomes.forEach((r, i) => {
      const named = o.columns.map((c, j) => `${c}=${valueText(r.values[j] ?? null)}`).join(', ');
      out.push(`    outcome ${i + 1}${named ? ` (${named})` : ''}:`);
      out.push(...formatFindingTrace(r, '      '));
    });
  }
  return out;
}

export function toJsonOutcomes(o: OutcomesView): Record<string, unknown> {
  return {
    columns: o.columns,
    outcomes: o.outcomes.map((r) => ({ values: r.values, states: r.count, checks: r.checks, trace: r.trace.map((t) => ({ thread: t.thread, line: t.line, step: t.step, kernel: t.kernel })) })),
    terminal: o.terminal,
    deadlocked: o.deadlocked,
    complete: o.complete,
    checks: o.checks.map((c) => ({ line: c.line, text: c.text, verdict: c.verdict, holds: c.holds, fails: c.fails })),
  };
}

// Engine places and traces in source terms: a span as a Position, the span of a thread's
// step, and a trace's micro-steps as TraceStepViews (thread names, lines).
import type { ScenarioSpec } from '../engine/scenario';
import type { TraceStep } from '../explore/trace';
import type { CheckedScenario } from '../lang/checks';
import type { Span } from '../lang/span';
import type { Position, TraceStepView } from './views';

export function toPosition(s: Span): Position {
  return { line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol };
}

/** The span of a thread's step (its last step when past the end; the head when there is none). */
export function stepSpan(sc: CheckedScenario, thread: number, step: number): Span {
  const th = sc.model.threads[thread];
  const s = th?.steps[step] ?? th?.steps[th.steps.length - 1];
  return s?.node.span ?? th?.span ?? sc.ast.headSpan;
}

export function toTraceStepViews(sc: CheckedScenario, spec: ScenarioSpec, trace: readonly TraceStep[], slice?: ReadonlySet<number>): TraceStepView[] {
  return trace.map((t, i) => {
    const sp = stepSpan(sc, t.thread, t.step);
    return { thread: spec.threads[t.thread]!.name, line: sp.line, col: sp.col, step: t.text, kernel: t.kernel, inSlice: slice ? slice.has(i) : true };
  });
}

// The --json document of `vmscen check` (SPEC §9).
import type { FileAnalysis, FindingView, ScenarioAnalysis } from '../analysis/views';
import { toJsonOutcomes } from './format-outcomes';

function toJsonFinding(f: FindingView, key: 'kind' | 'code'): Record<string, unknown> {
  return {
    [key]: f.code,
    line: f.line,
    col: f.col,
    thread: f.thread,
    message: f.message,
    expected: f.expected,
    trace: f.trace.map((t) => ({ thread: t.thread, line: t.line, step: t.step, kernel: t.kernel, inSlice: t.inSlice })),
    related: f.related.map((r) => ({ thread: r.thread, line: r.line })),
  };
}

export function toJsonScenario(sc: ScenarioAnalysis): Record<string, unknown> {
  return {
    name: sc.name,
    line: sc.line,
    locking: sc.locking,
    ...(sc.compared ? { compared: true } : {}),
    complete: sc.complete,
    ...(sc.reason ? { reason: sc.reason } : {}),
    ...(sc.error ? { error: sc.error } : {}),
    stats: { states: sc.stats.states, transitions: sc.stats.transitions, ms: sc.stats.ms },
    races: sc.races.map((f) => toJsonFinding(f, 'kind')),
    violations: sc.violations.map((f) => toJsonFinding(f, 'code')),
    expectations: sc.expectations.map((e) => ({ line: e.line, text: e.text, status: e.status, message: e.message })),
    ...(sc.outcomes ? { outcomes: toJsonOutcomes(sc.outcomes) } : {}),
  };
}

export function toJsonFile(path: string, fa: FileAnalysis): Record<string, unknown> {
  return {
    path,
    errors: fa.errors.filter((e) => e.severity === 'error').map((e) => ({ line: e.line, col: e.col, code: e.code, message: e.message })),
    warnings: fa.errors.filter((e) => e.severity !== 'error').map((e) => ({ line: e.line, col: e.col, code: e.code, message: e.message })),
    scenarios: fa.scenarios.map(toJsonScenario),
  };
}

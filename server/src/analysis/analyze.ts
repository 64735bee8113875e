// analyze(text) -> FileAnalysis: what the CLI and the language server share. Parses and
// checks, explores every scenario that has no errors (once per requested design), judges
// the `expect` lines, and maps every finding and trace step back to source positions.
// Plain, serializable objects in editor terms (1-based lines and columns).
import type { Design } from '../engine/settings';
import type { ScenarioSpec } from '../engine/scenario';
import { DEFAULT_MAX_STATES } from '../explore/budget';
import { explore, type ExploreResult, type Finding } from '../explore/explore';
import type { CheckedScenario } from '../lang/checks';
import type { LangDiagnostic } from '../lang/diagnostic';
import { lowerScenario } from '../lang/lower';
import { checkFile, isExplorable, type CheckedFile } from './check-file';
import { judgeExpectations } from './expectations';
import { toOutcomesView } from './outcomes-view';
import { stepSpan, toPosition, toTraceStepViews } from './places';
import type { ErrorView, FileAnalysis, FindingView, ScenarioAnalysis } from './views';

// Re-exported for lsp/, whose files import the views (and toPosition) from here.
export { toPosition };
export type { ErrorView, FileAnalysis, FindingView, Position, ScenarioAnalysis, TraceStepView } from './views';

export interface AnalyzeOptions {
  readonly maxStates?: number;
  readonly maxMs?: number;
  /** The state store's memory budget per exploration, in bytes. */
  readonly maxBytes?: number;
  readonly now?: () => number;
  readonly cancelled?: () => boolean;
  /** Run every scenario under these designs instead of its own `locking` line. */
  readonly designs?: readonly Design[];
  /** Only explore scenarios whose name is listed. */
  readonly only?: readonly string[];
  /** Collect each scenario's outcome table (`--outcomes`, the Outcomes lens). */
  readonly outcomes?: boolean;
}

export function toErrorView(d: LangDiagnostic): ErrorView {
  return { ...toPosition(d.span), severity: d.severity, code: d.code, message: d.message };
}

export function analyze(text: string, options: AnalyzeOptions = {}): FileAnalysis {
  const file = checkFile(text);
  return analyzeChecked(file, options);
}

export function analyzeChecked(file: CheckedFile, options: AnalyzeOptions = {}): FileAnalysis {
  const scenarios: ScenarioAnalysis[] = [];
  for (const sc of file.scenarios) {
    if (options.only && !options.only.includes(sc.model.name)) continue;
    const designs = options.designs ?? [sc.model.design];
    for (const design of designs) scenarios.push(analyzeScenario(file, sc, design, options));
  }
  return { errors: file.diagnostics.map(toErrorView), scenarios };
}

const NO_STATS = { states: 0, transitions: 0, ms: 0, terminal: 0, maxDepth: 0, bytesPerState: 0 };

export function analyzeScenario(file: CheckedFile, sc: CheckedScenario, design: Design, options: AnalyzeOptions): ScenarioAnalysis {
  const compared = design !== sc.model.design;
  const head = { ...toPosition(sc.ast.headSpan), name: sc.model.name, locking: design, compared };
  if (!isExplorable(file, sc)) {
    return { ...head, explored: false, complete: false, stats: NO_STATS, races: [], violations: [], expectations: [] };
  }
  let spec: ScenarioSpec;
  try {
    spec = { ...lowerScenario(sc.model), design };
  } catch (e) {
    return { ...head, explored: false, complete: false, reason: 'error', error: `internal lowering failure: ${(e as Error).message}`, stats: NO_STATS, races: [], violations: [], expectations: [] };
  }
  const limitStates = Math.min(sc.model.limits.states ?? Infinity, options.maxStates ?? DEFAULT_MAX_STATES);
  const limitMs = Math.min(sc.model.limits.ms ?? Infinity, options.maxMs ?? Infinity);
  const result: ExploreResult = explore(spec, {
    maxStates: limitStates,
    ...(Number.isFinite(limitMs) ? { maxMs: limitMs } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.cancelled ? { cancelled: options.cancelled } : {}),
  }, options.outcomes ? { outcomes: true } : {});
  const views = result.findings.map((f) => toFindingView(sc, spec, f));
  const judged = judgeExpectations(compared ? [] : sc.model.expectations, views, result.complete, result.reason, result.stats.states);
  const marked = views.map((v, i) => ({ ...v, expected: judged.covered[i]! }));
  // an expectation's finding: from an index into the search's order to one into races, then violations
  const races = marked.filter((f) => f.type === 'race');
  const order = [...races, ...marked.filter((f) => f.type === 'violation')];
  const expectations = judged.results.map((e) => (e.finding === undefined ? e : { ...e, finding: order.indexOf(marked[e.finding]!) }));
  return {
    ...head,
    explored: true,
    complete: result.complete,
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.error ? { error: result.error } : {}),
    stats: { states: result.stats.states, transitions: result.stats.transitions, ms: result.stats.ms, terminal: result.stats.terminal, maxDepth: result.stats.maxDepth, bytesPerState: result.stats.bytesPerState },
    races,
    violations: marked.filter((f) => f.type === 'violation'),
    expectations,
    ...(result.outcomes ? { outcomes: toOutcomesView(sc, spec, result.outcomes) } : {}),
  };
}

function toFindingView(sc: CheckedScenario, spec: ScenarioSpec, f: Finding): FindingView {
  const inSlice = new Set(f.slice);
  const placeSpan = f.place.thread < 0 ? (sc.model.checks[f.place.step]?.span ?? sc.ast.headSpan) : stepSpan(sc, f.place.thread, f.place.step);
  return {
    ...toPosition(placeSpan),
    type: f.type,
    code: f.code,
    thread: f.place.thread < 0 ? '' : (spec.threads[f.place.thread]?.name ?? ''),
    message: f.message,
    expected: false,
    trace: toTraceStepViews(sc, spec, f.trace, inSlice),
    related: f.related.map((r) => ({ ...toPosition(stepSpan(sc, r.thread, r.step)), thread: spec.threads[r.thread]?.name ?? '' })),
  };
}

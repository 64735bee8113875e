// analyze(text) -> FileAnalysis: what the CLI and the language server share. Parses and
// checks, explores every scenario that has no errors (once per requested design), judges
// the `expect` lines, and maps every finding and trace step back to source positions.
// Plain, serializable objects in editor terms (1-based lines and columns).
import type { Design } from '../engine/settings';
import type { ScenarioSpec } from '../engine/scenario';
import { DEFAULT_MAX_STATES } from '../explore/budget';
import { explore, type ExploreResult, type Finding } from '../explore/explore';
import { explorationKey } from './exploration-key';
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
export type { ExploreResult } from '../explore/explore';

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
  return analysisOf(file, planFile(file, options), (task) => runTask(task, options));
}

/** A planned file's analysis, each task's result given by `resultOf` (explored now, or found in a cache). */
export function analysisOf(file: CheckedFile, plan: readonly PlannedScenario[], resultOf: (task: ExplorationTask) => ExploreResult): FileAnalysis {
  return { errors: file.diagnostics.map(toErrorView), scenarios: plan.map((p) => ('done' in p ? p.done : scenarioView(p, resultOf(p.task)))) };
}

/** One scenario's exploration: the lowered spec (no source positions) and its effective budget. */
export interface ExplorationTask {
  /** The spec and the budget, serialized stably: equal keys explore alike (exploration-key.ts). */
  readonly key: string;
  readonly spec: ScenarioSpec;
  readonly maxStates: number;
  readonly maxMs?: number;
  readonly maxBytes?: number;
  /** Collect the outcome table (values stay live). */
  readonly outcomes?: boolean;
}

type Head = Pick<ScenarioAnalysis, 'line' | 'col' | 'endLine' | 'endCol' | 'name' | 'locking' | 'compared'>;

/** A scenario (under one design) before exploration: its analysis when there is nothing to explore, else its task. */
export type PlannedScenario = { readonly sc: CheckedScenario; readonly head: Head } & ({ readonly done: ScenarioAnalysis } | { readonly task: ExplorationTask });

/** Every scenario of a checked file (under each design asked for), lowered, with what each would explore. */
export function planFile(file: CheckedFile, options: AnalyzeOptions = {}): PlannedScenario[] {
  const out: PlannedScenario[] = [];
  for (const sc of file.scenarios) {
    if (options.only && !options.only.includes(sc.model.name)) continue;
    for (const design of options.designs ?? [sc.model.design]) out.push(planScenario(file, sc, design, options));
  }
  return out;
}

const NO_STATS = { states: 0, transitions: 0, ms: 0, terminal: 0, maxDepth: 0, bytesPerState: 0 };

export function planScenario(file: CheckedFile, sc: CheckedScenario, design: Design, options: AnalyzeOptions): PlannedScenario {
  const compared = design !== sc.model.design;
  const head = { ...toPosition(sc.ast.headSpan), name: sc.model.name, locking: design, compared };
  if (!isExplorable(file, sc)) {
    return { sc, head, done: { ...head, explored: false, complete: false, stats: NO_STATS, races: [], violations: [], expectations: [] } };
  }
  let spec: ScenarioSpec;
  try {
    spec = { ...lowerScenario(sc.model), design };
  } catch (e) {
    return { sc, head, done: { ...head, explored: false, complete: false, reason: 'error', error: `internal lowering failure: ${(e as Error).message}`, stats: NO_STATS, races: [], violations: [], expectations: [] } };
  }
  const maxStates = Math.min(sc.model.limits.states ?? Infinity, options.maxStates ?? DEFAULT_MAX_STATES);
  const maxMs = Math.min(sc.model.limits.ms ?? Infinity, options.maxMs ?? Infinity);
  const budget = { maxStates, ...(Number.isFinite(maxMs) ? { maxMs } : {}), ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}) };
  const what = { ...budget, ...(options.outcomes ? { outcomes: true } : {}) };
  return { sc, head, task: { key: explorationKey(spec, what), spec, ...what } };
}

/** One scenario under one design, planned and explored now (the fix search explores its candidates so). */
export function analyzeScenario(file: CheckedFile, sc: CheckedScenario, design: Design, options: AnalyzeOptions): ScenarioAnalysis {
  const p = planScenario(file, sc, design, options);
  return 'done' in p ? p.done : scenarioView(p, runTask(p.task, options));
}

/** Explores one task; the clock and the cancellation check come in through the budget. */
export function runTask(task: ExplorationTask, options: Pick<AnalyzeOptions, 'now' | 'cancelled'> = {}): ExploreResult {
  return explore(task.spec, {
    maxStates: task.maxStates,
    ...(task.maxMs !== undefined ? { maxMs: task.maxMs } : {}),
    ...(task.maxBytes !== undefined ? { maxBytes: task.maxBytes } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.cancelled ? { cancelled: options.cancelled } : {}),
  }, task.outcomes ? { outcomes: true } : {});
}

/** A task's result in editor terms: every position comes from the planned scenario's parse (a cached result maps onto the current text). */
export function scenarioView(p: Extract<PlannedScenario, { task: ExplorationTask }>, result: ExploreResult): ScenarioAnalysis {
  const { sc, head, task } = p;
  const views = result.findings.map((f) => toFindingView(sc, task.spec, f));
  const judged = judgeExpectations(head.compared ? [] : sc.model.expectations, views, result.complete, result.reason, result.stats.states);
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
    ...(result.outcomes ? { outcomes: toOutcomesView(sc, task.spec, result.outcomes) } : {}),
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

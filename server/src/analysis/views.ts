// The results of analysis as plain, serializable data in editor terms (1-based lines and
// columns): what the CLI prints and the language server converts. Types only, importing nothing
// from analysis/, so every file here can use them without an import cycle.
import type { Design } from '../engine/settings';
import type { StopReason } from '../explore/budget';
import type { CheckOutcome, Outcome, OutcomeTable } from '../explore/outcomes';

export interface Position {
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
}

export interface ErrorView extends Position {
  readonly severity: 'error' | 'warning' | 'info';
  readonly code: string;
  readonly message: string;
}

export interface TraceStepView {
  readonly thread: string;
  readonly line: number;
  readonly col: number;
  /** The micro-step, e.g. "lock ptl 0x1000". */
  readonly step: string;
  readonly kernel: string;
  /** In the finding's slice: the finding depends on this step (explore/slice.ts). */
  readonly inSlice: boolean;
}

export interface FindingView extends Position {
  readonly type: 'race' | 'violation';
  readonly code: string;
  readonly thread: string;
  readonly message: string;
  /** Covered by an `expect` line. */
  readonly expected: boolean;
  readonly trace: readonly TraceStepView[];
  /** Other steps involved (the op that returned, the other side of a cycle). */
  readonly related: readonly (Position & { readonly thread: string })[];
}

export interface ScenarioAnalysis extends Position {
  readonly name: string;
  readonly locking: Design;
  /**
   * Run under another design than the scenario's own `locking` line (`--designs`, Compare
   * designs): a comparison, so its expectations are not judged and its findings are information.
   */
  readonly compared: boolean;
  /** Explored (false when the scenario has errors). */
  readonly explored: boolean;
  readonly complete: boolean;
  readonly reason?: StopReason;
  readonly error?: string;
  readonly stats: { readonly states: number; readonly transitions: number; readonly ms: number; readonly terminal: number; readonly maxDepth: number; readonly bytesPerState: number };
  readonly races: readonly FindingView[];
  readonly violations: readonly FindingView[];
  readonly expectations: readonly ExpectationResult[];
  /** The outcome table, when asked for (`outcomes` in AnalyzeOptions). */
  readonly outcomes?: OutcomesView;
}

/** One outcome (explore/outcomes.ts): the values of the columns, how many terminal states. */
export interface OutcomeView extends Pick<Outcome, 'values' | 'count' | 'checks'> {
  /** A shortest interleaving that ends in it. */
  readonly trace: readonly TraceStepView[];
}

/** A `check final` judged over the terminal states: herd7's Always / Sometimes / Never. */
export interface CheckOutcomeView extends Position, CheckOutcome {
  readonly text: string;
}

/** The outcome table of a scenario (herd7's list of final states); deadlocks are counted apart. */
export interface OutcomesView extends Pick<OutcomeTable, 'terminal' | 'deadlocked' | 'complete'> {
  /** The registers (`thread.reg`), then the addresses `check final` names. */
  readonly columns: readonly string[];
  readonly outcomes: readonly OutcomeView[];
  readonly checks: readonly CheckOutcomeView[];
}

export interface FileAnalysis {
  readonly errors: readonly ErrorView[];
  readonly scenarios: readonly ScenarioAnalysis[];
}

export type ExpectationStatus = 'met' | 'failed' | 'inconclusive';

export interface ExpectationResult {
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  readonly text: string;
  readonly status: ExpectationStatus;
  /** Why, in one sentence. */
  readonly message: string;
  /** The finding that meets it or makes it fail: its index in the scenario's races, then violations. */
  readonly finding?: number;
}

/** A scenario and its `expect` lines, from the fast parse: a test and its children. */
export interface TestScenarioView extends Position {
  readonly name: string;
  readonly expectations: readonly (Position & { readonly text: string })[];
}

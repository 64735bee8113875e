// The vmscen/* protocol between the language server and its clients (the VS Code extension,
// tests), and the messages between the extension and its interleaving webview. Declared once;
// both sides import these constants and types.
import { NotificationType, RequestType, type Range } from 'vscode-languageserver-protocol';
import type { OutcomeTableModel } from './analysis/outcomes-view';
import type { TraceView } from './analysis/trace-view';
import type { OutcomesView } from './analysis/views';
import type { Design } from './engine/settings';

export type { OutcomesView, OutcomeTableModel, TraceView };

/** One explored scenario, in a line. */
export interface ScenarioSummary {
  readonly name: string;
  readonly line: number;
  readonly locking: Design;
  readonly complete: boolean;
  readonly states: number;
  readonly transitions: number;
  readonly ms: number;
  readonly races: readonly string[];
  readonly violations: readonly string[];
  readonly expectationsMet: number;
  readonly expectations: number;
  /** `ok`, `findings`, `failed`, `incomplete`, `error` or `not explored`. */
  readonly verdict: string;
  /** The `scenario NAME` head (0-based, like every Range here). */
  readonly range?: Range;
  /** Why it was not explored or failed to explore (`error` and `incomplete` verdicts). */
  readonly error?: string;
  /** Each `expect` line, judged. */
  readonly expectationResults?: readonly ExpectationSummary[];
  /** Every finding, races first, with its interleaving. */
  readonly findings?: readonly FindingSummary[];
}

export interface ExpectationSummary {
  readonly text: string;
  readonly range: Range;
  /** `met`, `failed` or `inconclusive`. */
  readonly status: 'met' | 'failed' | 'inconclusive';
  readonly message: string;
  /** The finding (index into `findings`) that meets it or makes it fail. */
  readonly finding?: number;
}

/** One step of an interleaving, at its source line. */
export interface StepSummary {
  readonly thread: string;
  /** The micro-step, e.g. "lock ptl 0x1000". */
  readonly step: string;
  readonly kernel: string;
  readonly range: Range;
  /** In the finding's slice: the finding depends on this step. */
  readonly inSlice: boolean;
}

/** " [12-step interleaving]", or with a slice shorter than the interleaving " [12-step interleaving; its slice: 9 steps]". */
export function interleavingNote(total: number, inSlice: number): string {
  if (total === 0) return '';
  return ` [${total}-step interleaving${inSlice < total ? `; its slice: ${inSlice} step${inSlice === 1 ? '' : 's'}` : ''}]`;
}

export interface FindingSummary {
  readonly type: 'race' | 'violation';
  readonly code: string;
  readonly thread: string;
  readonly message: string;
  /** Covered by an `expect` line. */
  readonly expected: boolean;
  readonly range: Range;
  readonly steps: readonly StepSummary[];
}

export interface CheckParams {
  readonly uri: string;
  /** Only this scenario (all when absent). */
  readonly scenario?: string;
  /** The text, for a file the editor has not opened (else the open document's). */
  readonly text?: string;
  /** For a file the editor has not opened: publish its diagnostics (default true; the Test Explorer shows results instead). */
  readonly publish?: boolean;
}

export interface CheckResult {
  readonly uri: string;
  readonly version: number | null;
  readonly scenarios: readonly ScenarioSummary[];
  readonly errors: number;
}

/** Explore now (ignoring the explore-while-typing setting) and publish the diagnostics. */
export const CheckRequest = new RequestType<CheckParams, CheckResult, void>('vmscen/check');

export interface TestItemsParams {
  readonly uri: string;
  /** The text, for a file the editor has not opened (else the open document's, else the workspace file's). */
  readonly text?: string;
}

/** One scenario of a file and its `expect` lines, from the fast parse (no exploration). */
export interface TestScenario {
  /** Its name (unique in an error-free file). */
  readonly name: string;
  /** The `scenario NAME` head. */
  readonly range: Range;
  readonly expectations: readonly { readonly text: string; readonly range: Range }[];
}

export interface TestItemsResult {
  readonly uri: string;
  readonly scenarios: readonly TestScenario[];
  /** Errors in the file (its scenarios with errors are not explored). */
  readonly errors: number;
}

/** The tests of a file (its scenarios and their expectations), for the Test Explorer. */
export const TestItemsRequest = new RequestType<TestItemsParams, TestItemsResult, void>('vmscen/testItems');

export interface TraceParams {
  readonly uri: string;
  readonly scenario: string;
  readonly design?: Design;
  /** Index among the scenario's findings, races first (default 0). */
  readonly finding?: number;
}

/** The interleaving of one finding with the machine at each step, for the interleaving view. */
export const TraceRequest = new RequestType<TraceParams, TraceView | { readonly error: string }, void>('vmscen/trace');

export interface OutcomesParams {
  readonly uri: string;
  readonly scenario: string;
  readonly design?: Design;
}

export interface OutcomesResult {
  readonly scenario: string;
  readonly design: Design;
  /** The table as data (values, counts, interleavings, verdicts) ... */
  readonly outcomes: OutcomesView;
  /** ... and as the strings the Outcomes view draws. */
  readonly table: OutcomeTableModel;
}

/** One scenario's outcome table (`vmscen check --outcomes`), for the Outcomes code lens. */
export const OutcomesRequest = new RequestType<OutcomesParams, OutcomesResult | { readonly error: string }, void>('vmscen/outcomes');

export interface CompareParams {
  readonly uri: string;
  readonly scenario?: string;
}

export interface DesignCell {
  readonly design: Design;
  readonly verdict: string;
  readonly findings: readonly { readonly type: string; readonly code: string; readonly line: number; readonly trace: readonly string[] }[];
  readonly complete: boolean;
  readonly states: number;
  readonly error?: string;
}

export interface CompareResult {
  readonly designs: readonly Design[];
  readonly rows: readonly { readonly scenario: string; readonly cells: readonly DesignCell[] }[];
}

/** Run each scenario under every locking design: the design x findings table. */
export const CompareDesignsRequest = new RequestType<CompareParams, CompareResult, void>('vmscen/compareDesigns');

/** Stop every running exploration (of one document, or all). */
export const StopRequest = new RequestType<{ readonly uri?: string }, { readonly stopped: number }, void>('vmscen/stop');

export interface StatusParams {
  readonly uri: string;
  readonly version: number;
  readonly state: 'exploring' | 'done' | 'error';
  /** One line for the status bar, e.g. "3 scenarios: 2 ok, 1 race · 1,024 states". */
  readonly text: string;
  readonly states: number;
  /** With `done`: how many of the scenarios' explorations were served from the server's cache of complete explorations (an edit that changed no scenario's meaning is answered from it at once). */
  readonly cached?: number;
}

/** Exploration progress for the status bar. */
export const StatusNotification = new NotificationType<StatusParams>('vmscen/status');

// ---- webview messages ---------------------------------------------------------------------

/** The document (and its version) a table or an interleaving was computed from; echoed back by the view. */
export interface ViewSource {
  readonly uri: string;
  /** The editor's version of the document when the request was made; null if it was not open. */
  readonly version: number | null;
}

export type HostToWebview =
  | { readonly type: 'show'; readonly view: TraceView; readonly source: ViewSource }
  | { readonly type: 'compare'; readonly title: string; readonly table: CompareResult; readonly source: ViewSource }
  | { readonly type: 'outcomes'; readonly result: OutcomesResult; readonly source: ViewSource }
  | { readonly type: 'loading'; readonly message: string }
  | { readonly type: 'error'; readonly message: string };

export type WebviewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'reveal'; readonly line: number; readonly col: number; readonly source: ViewSource }
  | { readonly type: 'trace'; readonly scenario: string; readonly design: Design; readonly finding: number; readonly source: ViewSource }
  | { readonly type: 'copy'; readonly text: string };

/** The client commands the server's code lenses invoke. */
export const Commands = {
  checkScenario: 'vmscen.checkScenario',
  checkFile: 'vmscen.checkFile',
  checkWorkspace: 'vmscen.checkWorkspace',
  showInterleaving: 'vmscen.showInterleaving',
  debugScenario: 'vmscen.debugScenario',
  compareDesigns: 'vmscen.compareDesigns',
  showOutcomes: 'vmscen.showOutcomes',
  stop: 'vmscen.stopExploration',
  openExample: 'vmscen.openExample',
  restartServer: 'vmscen.restartServer',
} as const;

// What the language server asks its exploration worker to do, and the answers. Plain data:
// the messages cross a worker_threads boundary.
import type { AnalyzeOptions, ExplorationTask, ExploreResult, FileAnalysis } from '../analysis/analyze';
import type { TextEdit } from '../analysis/code-actions';
import type { TraceRequest, TraceView } from '../analysis/trace-view';
import type { CompareResult } from '../protocol';

export type Job =
  | { readonly kind: 'analyze'; readonly text: string; readonly options: Omit<AnalyzeOptions, 'now' | 'cancelled'> }
  /** Explore lowered scenarios (planned on the main loop, which maps the results onto its parse); `text` is their document's, read only by the tests' fault injection. */
  | { readonly kind: 'explore'; readonly tasks: readonly ExplorationTask[]; readonly text: string }
  | { readonly kind: 'trace'; readonly text: string; readonly request: TraceRequest }
  | { readonly kind: 'compare'; readonly text: string; readonly scenario?: string; readonly maxStates: number; readonly maxMs: number; readonly maxBytes: number }
  /** The verified fix search for the finding reported at (line, col) with this code. */
  | { readonly kind: 'fixes'; readonly text: string; readonly finding: { readonly line: number; readonly col: number; readonly code: string }; readonly maxStates: number; readonly maxMs: number; readonly maxBytes: number };

/** A verified fix as the code action offers it. */
export interface VerifiedFix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
}

export type JobResult =
  | { readonly kind: 'analyze'; readonly analysis: FileAnalysis }
  /** One result per task, in order. */
  | { readonly kind: 'explore'; readonly results: readonly ExploreResult[] }
  | { readonly kind: 'trace'; readonly view: TraceView | { readonly error: string } }
  | { readonly kind: 'compare'; readonly table: CompareResult }
  /** `complete`: every candidate was tried or enough fixes were found (not cut short by the budget). */
  | { readonly kind: 'fixes'; readonly fixes: readonly VerifiedFix[]; readonly complete: boolean };

export type WorkerRequest = { readonly id: number; readonly job: Job };
export type WorkerReply = { readonly id: number; readonly ok: true; readonly result: JobResult } | { readonly id: number; readonly ok: false; readonly error: string };

/** What a worker is started with: its cancellation flag, an Int32Array of one element over shared memory (non-zero: stop the job that runs). */
export interface WorkerInit {
  readonly cancel: SharedArrayBuffer;
}

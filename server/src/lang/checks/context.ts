// What the checks of one scenario share while they run.
import type { LangDiagnostic } from '../diagnostic';
import type { Span } from '../span';
import type { ModelLookup } from './lookup';
import type { ScenarioModel } from './model';

export interface CheckContext {
  /** The whole file's text (spans are offsets into it). */
  readonly text: string;
  /** Built up pass by pass: a later check reads what an earlier one declared. */
  readonly model: ScenarioModel;
  readonly out: LangDiagnostic[];
  /** Settings declared so far (`locking`, `limit states`, …), to report a second one. */
  readonly seen: Map<string, Span>;
  /** Indexes over the model (lookup.ts): every check is a lookup, never a scan. */
  readonly lookup: ModelLookup;
}

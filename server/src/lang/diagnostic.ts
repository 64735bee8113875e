import type { Span } from './span';

export type Severity = 'error' | 'warning' | 'info';

/** A syntax or semantic problem found by lang/: a value, never thrown. */
export interface LangDiagnostic {
  readonly span: Span;
  readonly severity: Severity;
  readonly message: string;
  /** A stable code for tests and quick fixes, e.g. `syntax`, `unknown-name`. */
  readonly code: string;
}

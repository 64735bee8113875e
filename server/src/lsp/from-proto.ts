// Conversions from LSP types (0-based lines and characters) and the client's configuration
// into the analysis layer's terms (1-based lines and columns). The mirror of to-proto.ts.
import type { Diagnostic, FormattingOptions, Position as LspPosition, Range } from 'vscode-languageserver/node';
import type { Position } from '../analysis/analyze';
import type { DiagnosticRef } from '../analysis/code-actions';
import type { Settings } from './settings';

/** A place in the text: 1-based line and column. */
export interface Place {
  readonly line: number;
  readonly col: number;
}

export function fromProtoPosition(p: LspPosition): Place {
  return { line: p.line + 1, col: p.character + 1 };
}

export function fromProtoRange(r: Range): Position {
  const start = fromProtoPosition(r.start);
  const end = fromProtoPosition(r.end);
  return { line: start.line, col: start.col, endLine: end.line, endCol: end.col };
}

/** A diagnostic the client sends back (with a code action request). */
export function fromProtoDiagnostic(d: Diagnostic): DiagnosticRef {
  return { ...fromProtoRange(d.range), code: String(d.code ?? ''), message: typeof d.message === 'string' ? d.message : d.message.value };
}

/** The indentation unit the client asks the formatter for. */
export function fromProtoIndent(o: FormattingOptions): string {
  return o.insertSpaces ? ' '.repeat(o.tabSize) : '\t';
}

/** The client's settings over the current ones: a missing or invalid value keeps the current one. */
export function fromProtoSettings(s: Partial<Settings>, current: Settings): Settings {
  const num = (v: unknown, d: number, min: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : d);
  return {
    maxStates: num(s.maxStates, current.maxStates, 1),
    timeLimitMs: num(s.timeLimitMs, current.timeLimitMs, 1),
    maxMemoryMb: num(s.maxMemoryMb, current.maxMemoryMb, 16),
    exploreWhileTyping: typeof s.exploreWhileTyping === 'boolean' ? s.exploreWhileTyping : current.exploreWhileTyping,
    debounceMs: num(s.debounceMs, current.debounceMs, 0),
  };
}

// Conversions from LSP types (0-based lines and characters) and the client's configuration
// into the analysis layer's terms (1-based lines and columns). The mirror of to-proto.ts.
import { ErrorCodes, ResponseError, type Diagnostic, type FormattingOptions, type Position as LspPosition, type Range } from 'vscode-languageserver';
import type { Position } from '../analysis/analyze';
import type { DiagnosticRef } from '../analysis/code-actions';
import type { Settings } from './settings';

/** A place in the text: 1-based line and column. */
export interface Place {
  readonly line: number;
  readonly col: number;
}

/** A line or character the client sent: a whole number from 0 (the protocol's uinteger). */
function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x7fffffff;
}

/** A position from the client; anything but two whole numbers from 0 is InvalidParams. */
export function fromProtoPosition(p: LspPosition): Place {
  const raw = p as Partial<LspPosition> | null | undefined;
  if (!raw || !isIndex(raw.line) || !isIndex(raw.character)) throw new ResponseError(ErrorCodes.InvalidParams, `invalid position ${JSON.stringify(p)}: line and character must be whole numbers from 0`);
  return { line: raw.line + 1, col: raw.character + 1 };
}

export function fromProtoRange(r: Range): Position {
  if (!r || typeof r !== 'object') throw new ResponseError(ErrorCodes.InvalidParams, `invalid range ${JSON.stringify(r)}`);
  const start = fromProtoPosition(r.start);
  const end = fromProtoPosition(r.end);
  return { line: start.line, col: start.col, endLine: end.line, endCol: end.col };
}

/** A diagnostic the client sends back (with a code action request). */
export function fromProtoDiagnostic(d: Diagnostic): DiagnosticRef {
  if (!d || typeof d !== 'object') throw new ResponseError(ErrorCodes.InvalidParams, 'invalid diagnostic');
  return { ...fromProtoRange(d.range), code: String(d.code ?? ''), message: typeof d.message === 'string' ? d.message : typeof d.message?.value === 'string' ? d.message.value : '' };
}

/** The indentation unit the client asks the formatter for. */
export function fromProtoIndent(o: FormattingOptions): string {
  const size = o && isIndex(o.tabSize) ? Math.min(o.tabSize, 16) : 2;
  return o?.insertSpaces ? ' '.repeat(size) : '\t';
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

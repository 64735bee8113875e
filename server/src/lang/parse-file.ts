// parseFile(text) -> { ast, diagnostics }: lex, split into scenarios, parse each with the one
// shared parser, convert to the AST. Never throws: every problem is a diagnostic with a span
// inside the text.
import { tokenMatcher, type ILexingError, type IRecognitionException, type IToken } from 'chevrotain';
import type * as A from './ast';
import { CstToAst } from './cst-to-ast';
import type { LangDiagnostic } from './diagnostic';
import { vmscenParser } from './parser';
import { LineIndex, type Span } from './span';
import * as T from './tokens';

export interface ParseResult {
  readonly ast: A.FileNode;
  readonly diagnostics: LangDiagnostic[];
  readonly lines: LineIndex;
  /** Comment tokens, for semantic highlighting and folding. */
  readonly comments: Span[];
}

export function parseFile(text: string): ParseResult {
  const lines = new LineIndex(text);
  const diagnostics: LangDiagnostic[] = [];
  let lexed;
  try {
    lexed = T.vmscenLexer.tokenize(text);
  } catch (e) {
    // Chevrotain's lexer does not throw on bad input; this guards against the unforeseen.
    diagnostics.push({ span: lines.span(0, Math.min(text.length, 1)), severity: 'error', code: 'syntax', message: `internal lexer failure: ${String(e)}` });
    return { ast: { scenarios: [], span: lines.span(0, text.length) }, diagnostics, lines, comments: [] };
  }
  for (const e of lexed.errors) diagnostics.push(lexError(e, text, lines));
  const comments: Span[] = [];
  for (const c of lexed.groups['comments'] ?? []) {
    const span = lines.span(c.startOffset, c.endOffset! + 1);
    comments.push(span);
    if (c.tokenType === T.UnterminatedComment) {
      diagnostics.push({ span: lines.span(c.startOffset, c.startOffset + 2), severity: 'error', code: 'syntax', message: "unterminated block comment: '/*' has no matching '*/'" });
    }
  }

  const scenarios: A.ScenarioNode[] = [];
  const chunks = splitScenarios(lexed.tokens);
  for (const junk of chunks.junk) {
    diagnostics.push({ span: junk, severity: 'error', code: 'syntax', message: "expected a scenario: 'scenario NAME { … }'" });
  }
  for (const [i, chunk] of chunks.scenarios.entries()) {
    const result = parseScenario(chunk, lines, i === chunks.scenarios.length - 1 ? 'the end of the file' : "the next 'scenario'");
    diagnostics.push(...result.diagnostics);
    if (result.ast) scenarios.push(result.ast);
  }
  return { ast: { scenarios, span: lines.span(0, text.length) }, diagnostics, lines, comments };
}

function lexError(e: ILexingError, text: string, lines: LineIndex): LangDiagnostic {
  const ch = text.slice(e.offset, e.offset + Math.max(1, e.length));
  const shown = ch.length > 20 ? `${ch.slice(0, 20)}…` : ch;
  return {
    span: lines.span(e.offset, e.offset + Math.max(1, e.length)),
    severity: 'error',
    code: 'syntax',
    message: `unexpected character${e.length > 1 ? 's' : ''} ${JSON.stringify(shown)}`,
  };
}

interface Chunks {
  scenarios: IToken[][];
  junk: Span[];
}

function isSep(t: IToken | undefined): boolean {
  return t === undefined || t.tokenType === T.Newline || t.tokenType === T.Semi;
}

/**
 * Split the token stream into scenarios. A scenario starts at a `scenario` keyword at brace
 * depth 0, or at one that begins a line (or follows a '}'), where nothing inside a scenario
 * may stand: so a scenario missing its closing brace does not swallow the next one, even when
 * the next one's head is itself mistyped.
 */
function splitScenarios(tokens: IToken[]): Chunks {
  const starts: number[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.tokenType === T.Scenario) {
      const lineStart = i === 0 || tokens[i - 1]!.tokenType === T.Newline || tokens[i - 1]!.tokenType === T.RBrace;
      if (depth <= 0 || lineStart) {
        starts.push(i);
        depth = 0;
      }
    }
    if (t.tokenType === T.LBrace) depth++;
    else if (t.tokenType === T.RBrace) depth--;
  }
  const junk: Span[] = [];
  const first = starts[0] ?? tokens.length;
  collectJunk(tokens, 0, first, junk);
  const scenarios: IToken[][] = [];
  for (let k = 0; k < starts.length; k++) {
    let end = starts[k + 1] ?? tokens.length;
    while (end > starts[k]! + 1 && isSep(tokens[end - 1])) end--;
    scenarios.push(tokens.slice(starts[k], end));
  }
  return { scenarios, junk };
}

/** One diagnostic per line of stray tokens outside any scenario. */
function collectJunk(tokens: IToken[], from: number, to: number, out: Span[]): void {
  let i = from;
  while (i < to) {
    if (isSep(tokens[i])) {
      i++;
      continue;
    }
    const first = tokens[i]!;
    let last = first;
    while (i < to && !isSep(tokens[i])) last = tokens[i++]!;
    out.push(spanOf(first, last));
  }
}

function spanOf(first: IToken, last: IToken): Span {
  return {
    start: first.startOffset,
    end: last.endOffset! + 1,
    line: first.startLine!,
    col: first.startColumn!,
    endLine: last.endLine!,
    endCol: last.endColumn! + 1,
  };
}

/** @param theEnd what the end of the chunk is, in messages: the end of the file or the next scenario */
function parseScenario(chunk: IToken[], lines: LineIndex, theEnd: string): { ast: A.ScenarioNode | undefined; diagnostics: LangDiagnostic[] } {
  const diagnostics: LangDiagnostic[] = [];
  const tokens = limitNesting(chunk, diagnostics);
  const lastTok = tokens[tokens.length - 1]!;
  const endOfChunk = lastTok.endOffset! + 1;
  const firstSpan = spanOf(tokens[0]!, tokens[0]!);
  vmscenParser.setTokens(tokens);
  let cst;
  try {
    cst = vmscenParser.scenario();
  } catch (e) {
    // A RangeError is a stack overflow: blocks nested thousands deep (`mm a { mm b { …`).
    const message = e instanceof RangeError ? 'blocks nest too deeply to parse this scenario' : `internal parser failure: ${String(e)}`;
    diagnostics.push({ span: firstSpan, severity: 'error', code: 'syntax', message });
    return { ast: undefined, diagnostics };
  }
  const syntaxErrors = vmscenParser.errors.map((e) => parseError(e, tokens, lines, endOfChunk, theEnd));
  diagnostics.push(...syntaxErrors);
  const conv = new CstToAst(lines.span(tokens[0]!.startOffset, endOfChunk), cutShortBy(syntaxErrors, lines));
  let ast: A.ScenarioNode | undefined;
  try {
    ast = cst ? conv.scenario(cst) : undefined;
  } catch (e) {
    diagnostics.push({ span: firstSpan, severity: 'error', code: 'syntax', message: `internal AST failure: ${String(e)}` });
  }
  diagnostics.push(...conv.diagnostics);
  return { ast, diagnostics: capSyntaxErrors(dedupe(diagnostics)) };
}

/** Whether one of the syntax errors lies between a span's start and the end of its last line. */
function cutShortBy(errors: LangDiagnostic[], lines: LineIndex): (span: Span) => boolean {
  const at = errors.map((d) => d.span.start).sort((a, b) => a - b);
  return (span) => {
    if (at.length === 0) return false;
    const lineEnd = span.endLine < lines.lineCount ? lines.lineStart(span.endLine + 1) - 1 : lines.text.length;
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (at[mid]! < span.start) lo = mid + 1;
      else hi = mid;
    }
    return lo < at.length && at[lo]! <= lineEnd;
  };
}

/**
 * Parentheses nested deeper than any condition needs would overflow the stack of the
 * recursive-descent parser and of every later pass over the condition: those beyond this
 * depth are reported once and left out of the parse. (Blocks cannot be limited by counting
 * braces, since the parser closes unclosed blocks itself; a stack overflow on absurdly nested
 * blocks is caught and reported by parseScenario.)
 */
export const MAX_PAREN_NESTING = 100;

function limitNesting(tokens: IToken[], diagnostics: LangDiagnostic[]): IToken[] {
  let depth = 0;
  let first: IToken | undefined;
  const kept: IToken[] = [];
  for (const t of tokens) {
    const type = t.tokenType;
    if (type === T.LParen) {
      if (++depth > MAX_PAREN_NESTING) {
        first ??= t;
        continue;
      }
    } else if (type === T.RParen) {
      if (depth-- > MAX_PAREN_NESTING) continue; // closes a left-out '('
      if (depth < 0) depth = 0;
    } else if (!tokenMatcher(t, T.Inline)) {
      depth = 0; // a condition never spans lines, statements or blocks
    }
    kept.push(t);
  }
  if (!first) return tokens;
  diagnostics.push({ span: spanOf(first, first), severity: 'error', code: 'syntax', message: `parentheses nest too deeply here (more than ${MAX_PAREN_NESTING} levels)` });
  return kept;
}

function describe(t: IToken | undefined, theEnd: string): string {
  if (!t || t.tokenType.name === 'EOF') return theEnd;
  if (t.tokenType === T.Newline) return 'the end of the line';
  const img = t.image.length > 24 ? `${t.image.slice(0, 24)}…` : t.image;
  return `'${img}'`;
}

function parseError(e: IRecognitionException, tokens: IToken[], lines: LineIndex, endOfChunk: number, theEnd: string): LangDiagnostic {
  let tok: IToken | undefined = e.token;
  if (e.name === 'NotAllInputParsedException' && tok) {
    // report the first stray token, not the line break before it
    let i = indexOfToken(tokens, tok);
    while (i >= 0 && i + 1 < tokens.length && isSep(tokens[i])) i++;
    if (i >= 0) tok = tokens[i];
  }
  let span: Span;
  if (tok && Number.isFinite(tok.startOffset) && tok.tokenType.name !== 'EOF') {
    // An error at a newline is shown at the end of the line it ends.
    span = tok.tokenType === T.Newline ? lines.span(tok.startOffset, tok.startOffset) : lines.span(tok.startOffset, tok.endOffset! + 1);
  } else {
    const previous = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
    const prev = previous && Number.isFinite(previous.startOffset) ? previous : tokens[tokens.length - 1];
    const at = prev ? prev.endOffset! + 1 : endOfChunk;
    span = lines.span(at, at);
  }
  const found = describe(tok, theEnd);
  let message: string;
  switch (e.name) {
    case 'MismatchedTokenException':
    case 'EarlyExitException':
    case 'NoViableAltException': {
      const expected = expectedFrom(e.message);
      message = expected ? `expected ${expected} but found ${found}` : `${found} is not expected here`;
      break;
    }
    case 'NotAllInputParsedException':
      message = `${found} after the end of the scenario: expected a new 'scenario NAME { … }'`;
      break;
    default:
      message = e.message;
  }
  const misplaced = afterTarget(e, tokens);
  if (misplaced) return { span, severity: 'error', code: 'syntax', message: `${found} after '-> ${misplaced}': options and flags go before '->'` };
  return { span, severity: 'error', code: 'syntax', message: contextualize(message, e) };
}

/** The index of a token of `tokens` (which are in offset order), or -1. */
function indexOfToken(tokens: IToken[], tok: IToken): number {
  let lo = 0;
  let hi = tokens.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.startOffset < tok.startOffset) lo = mid + 1;
    else hi = mid;
  }
  return tokens[lo] === tok ? lo : -1;
}

/** For a word found where a line should end right after `-> NAME`: that NAME. */
function afterTarget(e: IRecognitionException, tokens: IToken[]): string | undefined {
  const stack = e.context?.ruleStack ?? [];
  const previous = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
  if (stack[stack.length - 1] !== 'terminator' || !e.token || !tokenMatcher(e.token, T.Word) || !previous || !Number.isFinite(previous.startOffset)) return undefined;
  const i = indexOfToken(tokens, previous);
  return i > 0 && tokens[i - 1]!.tokenType === T.Arrow ? previous.image : undefined;
}

/** Pull the expected token labels out of Chevrotain's default message. */
function expectedFrom(msg: string): string | undefined {
  const single = /Expecting (?:token of type )?--> (.*?) <--/.exec(msg);
  if (single) return friendly(single[1]!);
  const alts = [...msg.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!).filter((s) => s.length > 0);
  if (alts.length > 0) {
    const firsts = [...new Set(alts.map((a) => friendly(a.split(',')[0]!.trim())))];
    return firsts.length === 1 ? firsts[0] : `one of ${firsts.join(', ')}`;
  }
  const early = /Expecting: (?:expecting at least one iteration which starts with one of these possible Token sequences::)?\s*<?\[?([^>\]]*)/.exec(msg);
  if (early && early[1]) return friendly(early[1].trim());
  return undefined;
}

const FRIENDLY: Record<string, string> = {
  Word: 'a name',
  Identifier: 'a name',
  Number: 'a number',
  number: 'a number',
  Newline: 'the end of the line',
  'end of line': 'the end of the line',
  CmpOp: 'a comparison (==, !=, <, <=, >, >=)',
  comparison: 'a comparison (==, !=, <, <=, >, >=)',
  Inline: 'a declaration',
  EOF: 'the end of the file',
};

function friendly(label: string): string {
  const l = label.trim();
  return FRIENDLY[l] ?? l;
}

function contextualize(message: string, e: IRecognitionException): string {
  const stack = e.context?.ruleStack ?? [];
  // the innermost rule that has a description (`vma garbage` fails in rangeExpr, inside vmaDecl)
  const rule = [...stack].reverse().find((r) => WHERE[r] !== undefined);
  return message + (rule ? WHERE[rule]! : '');
}

const WHERE: Record<string, string> = {
  terminator: ' (one declaration or step per line, or separate them with \';\')',
  vmaDecl: " in 'vma RANGE PROT KIND SHARING [growsdown] [uffd] [cache F…]'",
  mapDecl: " in 'map ADDR -> FRAME PROT'",
  tlbDecl: " in 'tlb cpuN ADDR -> FRAME PROT'",
  frameDecl: " in 'frame NAME = VALUE [shared] [readonly] [refs=N]'",
  limitDecl: " in 'limit states|ms N'",
  checkDecl: " in 'check final COND'",
  comparison: ' in a comparison',
  operand: " (an operand is a number, MM:ADDR or THREAD.REG)",
  threadDecl: " in 'thread NAME [on cpuN] [in MM] { … }'",
  // steps are checked against the op catalogue afterwards; a step's syntax error needs no shape
  step: '',
  lockingDecl: " in 'locking classic|spf|range|pervma'",
  archDecl: " in 'arch x86|arm64 [rcu-table-free=on|off]'",
  reuseDecl: " in 'reuse exclusive|refcount|mapcount'",
  mmDecl: " in 'mm NAME { … }'",
  expectDecl: " in 'expect VERDICT'",
  scenario: " in 'scenario NAME { … }'",
};

/** Syntax errors shown per scenario: past them, a scenario is garbage and more errors only cascade. */
export const MAX_SYNTAX_ERRORS_PER_SCENARIO = 25;

/** The first syntax errors of a scenario, then one that says how many more there are. */
function capSyntaxErrors(ds: LangDiagnostic[]): LangDiagnostic[] {
  if (ds.length <= MAX_SYNTAX_ERRORS_PER_SCENARIO) return ds;
  const sorted = [...ds].sort((a, b) => a.span.start - b.span.start);
  const kept = sorted.slice(0, MAX_SYNTAX_ERRORS_PER_SCENARIO);
  const next = sorted[MAX_SYNTAX_ERRORS_PER_SCENARIO]!;
  const more = sorted.length - MAX_SYNTAX_ERRORS_PER_SCENARIO;
  kept.push({ span: next.span, severity: 'error', code: 'syntax', message: `${more} more syntax error${more === 1 ? '' : 's'} in this scenario not shown: fix the ones above first` });
  return kept;
}

function dedupe(ds: LangDiagnostic[]): LangDiagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.span.start}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

// parseFile(text) -> { ast, diagnostics }: lex, split into scenarios, parse each with the one
// shared parser, convert to the AST. Never throws: every problem is a diagnostic with a span
// inside the text.
import type { ILexingError, IRecognitionException, IToken } from 'chevrotain';
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
  for (const chunk of chunks.scenarios) {
    const result = parseScenario(chunk, text, lines);
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
 * depth 0, or at one that begins a line and is followed by `NAME {`, so a scenario missing
 * its closing brace does not swallow the next one.
 */
function splitScenarios(tokens: IToken[]): Chunks {
  const starts: number[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.tokenType === T.Scenario) {
      const lineStart = i === 0 || tokens[i - 1]!.tokenType === T.Newline || tokens[i - 1]!.tokenType === T.RBrace;
      const next = tokens[i + 1];
      const looksLikeHead = next !== undefined && isWordToken(next) && (tokens[i + 2]?.tokenType === T.LBrace || tokens[i + 2]?.tokenType === T.Newline);
      if (depth <= 0 || (lineStart && looksLikeHead)) {
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

function isWordToken(t: IToken): boolean {
  return t.tokenType === T.Identifier || (t.tokenType.CATEGORIES ?? []).includes(T.Word);
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

function parseScenario(tokens: IToken[], text: string, lines: LineIndex): { ast: A.ScenarioNode | undefined; diagnostics: LangDiagnostic[] } {
  const diagnostics: LangDiagnostic[] = [];
  const lastTok = tokens[tokens.length - 1]!;
  const endOfChunk = lastTok.endOffset! + 1;
  const firstSpan = spanOf(tokens[0]!, tokens[0]!);
  vmscenParser.input = tokens;
  let cst;
  try {
    cst = vmscenParser.scenario();
  } catch (e) {
    diagnostics.push({ span: firstSpan, severity: 'error', code: 'syntax', message: `internal parser failure: ${String(e)}` });
    return { ast: undefined, diagnostics };
  }
  for (const e of vmscenParser.errors) diagnostics.push(parseError(e, tokens, text, lines, endOfChunk));
  const conv = new CstToAst(lines.span(tokens[0]!.startOffset, endOfChunk));
  let ast: A.ScenarioNode | undefined;
  try {
    ast = cst ? conv.scenario(cst) : undefined;
  } catch (e) {
    diagnostics.push({ span: firstSpan, severity: 'error', code: 'syntax', message: `internal AST failure: ${String(e)}` });
  }
  diagnostics.push(...conv.diagnostics);
  return { ast, diagnostics: dedupe(diagnostics) };
}

function describe(t: IToken | undefined): string {
  if (!t || t.tokenType.name === 'EOF') return 'the end of the file';
  if (t.tokenType === T.Newline) return 'the end of the line';
  const img = t.image.length > 24 ? `${t.image.slice(0, 24)}…` : t.image;
  return `'${img}'`;
}

function parseError(e: IRecognitionException, tokens: IToken[], text: string, lines: LineIndex, endOfChunk: number): LangDiagnostic {
  let tok = e.token;
  let span: Span;
  if (tok && Number.isFinite(tok.startOffset) && tok.tokenType.name !== 'EOF') {
    // An error at a newline is shown at the end of the line it ends.
    span = tok.tokenType === T.Newline ? lines.span(tok.startOffset, tok.startOffset) : lines.span(tok.startOffset, tok.endOffset! + 1);
  } else {
    const previous = (e as IRecognitionException & { previousToken?: IToken }).previousToken;
    const prev = previous && Number.isFinite(previous.startOffset) ? previous : tokens[tokens.length - 1];
    const at = prev ? prev.endOffset! + 1 : endOfChunk;
    span = lines.span(at, at);
    tok = undefined as unknown as IToken;
  }
  const found = describe(e.token);
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
  void text;
  return { span, severity: 'error', code: 'syntax', message: contextualize(message, e) };
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
  const rule = stack[stack.length - 1];
  const where: Record<string, string> = {
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
  };
  return message + (rule ? (where[rule] ?? '') : '');
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

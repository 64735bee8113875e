// Conversions from analysis results (1-based lines and columns) to LSP types (0-based) and
// to the `vmscen/*` protocol's answers. The mirror of from-proto.ts.
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  DocumentSymbol,
  FoldingRangeKind,
  InsertTextFormat,
  SemanticTokensBuilder,
  SymbolKind,
  type CodeAction,
  type CompletionItem,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type FoldingRange,
  type Hover,
  type Location,
  type Range,
  type SemanticTokens,
  type TextEdit,
} from 'vscode-languageserver';
import type { ErrorView, FileAnalysis, FindingView, Position, ScenarioAnalysis } from '../analysis/analyze';
import type { CodeAction as FixAction, TextEdit as FixEdit } from '../analysis/code-actions';
import type { CompletionItem as Completion, CompletionKind } from '../analysis/completion';
import type { Hover as HoverView } from '../analysis/hover';
import type { Fold, OutlineNode } from '../analysis/outline';
import { TOKEN_TYPES, type SemanticToken } from '../analysis/semantic-tokens';
import type { TestScenarioView } from '../analysis/views';
import { interleavingNote, type CheckResult, type FindingSummary, type ScenarioSummary, type TestItemsResult } from '../protocol';

export function toProtoRange(p: Pick<Position, 'line' | 'col' | 'endLine' | 'endCol'>): Range {
  const start = { line: Math.max(0, p.line - 1), character: Math.max(0, p.col - 1) };
  const end = { line: Math.max(0, p.endLine - 1), character: Math.max(0, p.endCol - 1) };
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) return { start, end: start };
  return { start, end };
}

/** The file's first character: where a problem with no place of its own is shown. */
export function fileStartRange(): Range {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } };
}

export function toProtoLocation(uri: string, p: Pick<Position, 'line' | 'col' | 'endLine' | 'endCol'>): Location {
  return { uri, range: toProtoRange(p) };
}

/** docs/findings.md shipped with the server, as a URL: the entry point says where it is. */
let findingsDoc: string | undefined;

export function setFindingsDoc(url: string | undefined): void {
  findingsDoc = url;
}

/** A diagnostic's code link, when the entry point said where docs/findings.md is. */
export function docsLink(code: string): string | undefined {
  return findingsDoc === undefined ? undefined : `${findingsDoc}#${code}`;
}

export function toProtoError(e: ErrorView): Diagnostic {
  return {
    range: toProtoRange(e),
    severity: e.severity === 'error' ? DiagnosticSeverity.Error : e.severity === 'warning' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information,
    code: e.code,
    source: 'vmscen',
    message: e.message,
  };
}

export function toProtoFinding(uri: string, f: FindingView): Diagnostic {
  // the slice's steps (those the finding depends on), numbered by their place in the interleaving
  const related: DiagnosticRelatedInformation[] = [];
  f.trace.forEach((t, i) => {
    if (!t.inSlice) return;
    related.push({ location: { uri, range: toProtoRange({ line: t.line, col: t.col, endLine: t.line, endCol: t.col + 1 }) }, message: `${i + 1}. ${t.thread}: ${t.step} — ${t.kernel}` });
  });
  for (const r of f.related) related.push({ location: { uri, range: toProtoRange(r) }, message: `involved: ${r.thread}` });
  const link = docsLink(f.code);
  return {
    range: toProtoRange(f),
    severity: f.expected ? DiagnosticSeverity.Information : f.type === 'race' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: f.code,
    ...(link ? { codeDescription: { href: link } } : {}),
    source: 'vmscen',
    message: `${f.type} ${f.code}${f.expected ? ' (expected)' : ''}: ${f.message}${interleavingNote(f.trace.length, f.trace.filter((t) => t.inSlice).length)}`,
    relatedInformation: related,
    data: { finding: true, type: f.type, code: f.code },
  };
}

export function scenarioDiagnostics(uri: string, sc: ScenarioAnalysis): Diagnostic[] {
  const out: Diagnostic[] = [];
  const head = toProtoRange(sc);
  if (sc.error) out.push({ range: head, severity: DiagnosticSeverity.Error, code: 'explore', source: 'vmscen', message: `scenario ${sc.name} (${sc.locking}): ${sc.error}` });
  else if (sc.explored && !sc.complete) {
    out.push({
      range: head,
      severity: DiagnosticSeverity.Warning,
      code: 'incomplete',
      source: 'vmscen',
      message: `exploration of ${sc.name} stopped (${sc.reason}) after ${sc.stats.states} states, ${sc.stats.transitions} transitions: absence of races is not shown`,
    });
  }
  for (const f of [...sc.races, ...sc.violations]) out.push(toProtoFinding(uri, f));
  for (const e of sc.expectations) {
    out.push({
      range: toProtoRange(e),
      severity: e.status === 'met' ? DiagnosticSeverity.Information : e.status === 'failed' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
      code: e.status,
      source: 'vmscen',
      message: `${e.text}: ${e.status} — ${e.message}`,
    });
  }
  return out;
}

export function fileDiagnostics(uri: string, errors: readonly ErrorView[], explored: FileAnalysis | undefined): Diagnostic[] {
  const out = errors.map(toProtoError);
  if (explored) for (const sc of explored.scenarios) out.push(...scenarioDiagnostics(uri, sc));
  return out;
}

export function toProtoEdit(e: FixEdit): TextEdit {
  return { range: toProtoRange(e), newText: e.newText };
}

export function toProtoAction(uri: string, a: FixAction, diagnostics: Diagnostic[]): CodeAction {
  return {
    title: a.title,
    kind: CodeActionKind.QuickFix,
    isPreferred: a.preferred,
    diagnostics: diagnostics.filter((d) => d.code === a.fixes || a.fixes === ''),
    edit: { changes: { [uri]: a.edits.map(toProtoEdit) } },
  };
}

function toProtoSymbolKind(k: OutlineNode['kind']): SymbolKind {
  switch (k) {
    case 'scenario':
      return SymbolKind.Module;
    case 'thread':
      return SymbolKind.Function;
    case 'mm':
      return SymbolKind.Namespace;
    case 'frame':
      return SymbolKind.Variable;
    default:
      return SymbolKind.Event;
  }
}

function spanRange(s: Pick<Position, 'line' | 'col' | 'endLine' | 'endCol'>): Range {
  return toProtoRange(s);
}

export function toProtoSymbol(n: OutlineNode): DocumentSymbol {
  return DocumentSymbol.create(n.name, n.detail, toProtoSymbolKind(n.kind), spanRange(n.span), spanRange(n.selection), n.children.map(toProtoSymbol));
}

export function toProtoFold(f: Fold): FoldingRange {
  return { startLine: f.start - 1, endLine: f.end - 1, kind: f.kind === 'comment' ? FoldingRangeKind.Comment : FoldingRangeKind.Region };
}

export function toProtoHover(h: HoverView): Hover {
  return { contents: { kind: 'markdown', value: h.markdown }, range: toProtoRange(h.span) };
}

const COMPLETION_KINDS: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  op: CompletionItemKind.Function,
  option: CompletionItemKind.Property,
  value: CompletionItemKind.EnumMember,
  name: CompletionItemKind.Variable,
  code: CompletionItemKind.Constant,
  snippet: CompletionItemKind.Snippet,
};

export function toProtoCompletion(i: Completion): CompletionItem {
  return {
    label: i.label,
    kind: COMPLETION_KINDS[i.kind],
    ...(i.detail ? { detail: i.detail } : {}),
    ...(i.documentation ? { documentation: i.documentation } : {}),
    ...(i.snippet ? { insertText: i.snippet, insertTextFormat: InsertTextFormat.Snippet } : {}),
  };
}

export function toProtoSemanticTokens(tokens: readonly SemanticToken[]): SemanticTokens {
  const b = new SemanticTokensBuilder();
  for (const t of tokens) b.push(t.line - 1, t.col - 1, t.length, TOKEN_TYPES.indexOf(t.type), t.declaration ? 1 : 0);
  return b.build();
}

function verdictOf(s: FileAnalysis['scenarios'][number]): string {
  if (!s.explored) return s.error ? 'error' : 'not explored';
  if (s.error) return 'error';
  if (!s.complete) return 'incomplete';
  if (s.expectations.some((e) => e.status === 'failed')) return 'failed';
  if ([...s.races, ...s.violations].some((f) => !f.expected)) return 'findings';
  return 'ok';
}

/** The answer to vmscen/check. */
export function toCheckResult(uri: string, version: number | null, a: FileAnalysis): CheckResult {
  const scenarios: ScenarioSummary[] = a.scenarios.map((s) => ({
    name: s.name,
    line: s.line,
    locking: s.locking,
    complete: s.complete,
    states: s.stats.states,
    transitions: s.stats.transitions,
    ms: s.stats.ms,
    races: s.races.map((f) => f.code),
    violations: s.violations.map((f) => f.code),
    expectationsMet: s.expectations.filter((e) => e.status === 'met').length,
    expectations: s.expectations.length,
    verdict: verdictOf(s),
    range: toProtoRange(s),
    ...(s.error ? { error: s.error } : !s.explored ? { error: 'not explored: the scenario has errors' } : !s.complete ? { error: `exploration stopped (${s.reason}) after ${s.stats.states} states: absence of races is not shown` } : {}),
    expectationResults: s.expectations.map((e) => ({ text: e.text, range: toProtoRange(e), status: e.status, message: e.message, ...(e.finding !== undefined ? { finding: e.finding } : {}) })),
    findings: [...s.races, ...s.violations].map(toFindingSummary),
  }));
  return { uri, version, scenarios, errors: a.errors.filter((e) => e.severity === 'error').length };
}

function toFindingSummary(f: FindingView): FindingSummary {
  return {
    type: f.type,
    code: f.code,
    thread: f.thread,
    message: f.message,
    expected: f.expected,
    range: toProtoRange(f),
    steps: f.trace.map((t) => ({ thread: t.thread, step: t.step, kernel: t.kernel, range: toProtoRange({ line: t.line, col: t.col, endLine: t.line, endCol: t.col + 1 }), inSlice: t.inSlice })),
  };
}

/** The answer to vmscen/testItems. */
export function toTestItemsResult(uri: string, scenarios: readonly TestScenarioView[], errors: number): TestItemsResult {
  return { uri, errors, scenarios: scenarios.map((s) => ({ name: s.name, range: toProtoRange(s), expectations: s.expectations.map((e) => ({ text: e.text, range: toProtoRange(e) })) })) };
}

/** The text of the vmscen/status notification after an exploration. */
export function summaryText(a: FileAnalysis): string {
  const counts = new Map<string, number>();
  for (const s of a.scenarios) {
    const v = verdictOf(s);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const states = a.scenarios.reduce((n, s) => n + s.stats.states, 0);
  const parts = [...counts.entries()].map(([v, n]) => `${n} ${v}`);
  return `${a.scenarios.length} scenario${a.scenarios.length === 1 ? '' : 's'}: ${parts.join(', ') || 'none'} · ${states.toLocaleString('en-US')} states`;
}

// Conversions from analysis results (1-based lines and columns) to LSP types (0-based).
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DiagnosticSeverity,
  DocumentSymbol,
  FoldingRangeKind,
  SymbolKind,
  type CodeAction,
  type Diagnostic,
  type DiagnosticRelatedInformation,
  type FoldingRange,
  type Range,
  type TextEdit,
} from 'vscode-languageserver/node';
import type { ErrorView, FileAnalysis, FindingView, Position, ScenarioAnalysis } from '../analysis/analyze';
import type { CodeAction as FixAction, TextEdit as FixEdit } from '../analysis/code-actions';
import type { Fold, OutlineNode } from '../analysis/outline';

export function toProtoRange(p: Pick<Position, 'line' | 'col' | 'endLine' | 'endCol'>): Range {
  const start = { line: Math.max(0, p.line - 1), character: Math.max(0, p.col - 1) };
  const end = { line: Math.max(0, p.endLine - 1), character: Math.max(0, p.endCol - 1) };
  if (end.line < start.line || (end.line === start.line && end.character < start.character)) return { start, end: start };
  return { start, end };
}

/** docs/findings.md shipped with the server, for a diagnostic's code link. */
export function docsLink(code: string): string {
  return `${pathToFileURL(path.join(__dirname, '..', 'docs', 'findings.md')).href}#${code}`;
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
  const related: DiagnosticRelatedInformation[] = f.trace.map((t, i) => ({
    location: { uri, range: toProtoRange({ line: t.line, col: t.col, endLine: t.line, endCol: t.col + 1 }) },
    message: `${i + 1}. ${t.thread}: ${t.step} — ${t.kernel}`,
  }));
  for (const r of f.related) related.push({ location: { uri, range: toProtoRange(r) }, message: `involved: ${r.thread}` });
  return {
    range: toProtoRange(f),
    severity: f.expected ? DiagnosticSeverity.Information : f.type === 'race' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: f.code,
    codeDescription: { href: docsLink(f.code) },
    source: 'vmscen',
    message: `${f.type} ${f.code}${f.expected ? ' (expected)' : ''}: ${f.message}${f.trace.length ? ` [${f.trace.length}-step interleaving]` : ''}`,
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

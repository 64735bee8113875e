// The fast path, run on every keystroke: parse and check a whole file. No exploration here.
import { checkScenario, type CheckedScenario } from '../lang/checks';
import { diagnostic } from '../lang/checks/codes';
import type { LangDiagnostic } from '../lang/diagnostic';
import { parseFile, type ParseResult } from '../lang/parse-file';

export interface CheckedFile {
  readonly text: string;
  readonly parse: ParseResult;
  readonly scenarios: readonly CheckedScenario[];
  /** Syntax and semantic diagnostics of the whole file, in source order (at most MAX_DIAGNOSTICS and a note). */
  readonly diagnostics: readonly LangDiagnostic[];
  /** The scenarios with no error of their own or inside their span (judged on every diagnostic, shown or not). */
  readonly explorable: ReadonlySet<CheckedScenario>;
}

export function checkFile(text: string): CheckedFile {
  const parse = parseFile(text);
  const diagnostics: LangDiagnostic[] = [...parse.diagnostics];
  const scenarios: CheckedScenario[] = [];
  const names = new Map<string, number>();
  for (const ast of parse.ast.scenarios) {
    const checked = checkScenario(ast, text);
    scenarios.push(checked);
    diagnostics.push(...checked.diagnostics);
    if (ast.name) {
      const prev = names.get(ast.name.text);
      if (prev !== undefined) {
        diagnostics.push(diagnostic('duplicate', ast.name.span, `scenario '${ast.name.text}' is already declared on line ${prev}`));
      } else names.set(ast.name.text, ast.name.span.line);
    }
  }
  diagnostics.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  return { text, parse, scenarios, diagnostics: capDiagnostics(diagnostics), explorable: errorFree(scenarios, diagnostics) };
}

/** Diagnostics shown per file: a publish of hundreds of thousands blocks the editor. */
export const MAX_DIAGNOSTICS = 1000;

/** The first MAX_DIAGNOSTICS in source order, then one that says how many more there are. */
function capDiagnostics(ds: LangDiagnostic[]): LangDiagnostic[] {
  if (ds.length <= MAX_DIAGNOSTICS) return ds;
  const more = ds.length - MAX_DIAGNOSTICS;
  const errors = ds.slice(MAX_DIAGNOSTICS).some((d) => d.severity === 'error');
  return [...ds.slice(0, MAX_DIAGNOSTICS), { span: ds[MAX_DIAGNOSTICS]!.span, severity: errors ? 'error' : 'warning', code: 'too-many', message: `${more} more error${more === 1 ? '' : 's'} and warnings in this file not shown (the first ${MAX_DIAGNOSTICS} are): fix those first` }];
}

/** Whether a checked scenario can be explored: it has no error of its own or inside its span. */
export function isExplorable(file: CheckedFile, s: CheckedScenario): boolean {
  return file.explorable.has(s);
}

/** The scenarios no error starts inside of: a binary search per scenario over the sorted error starts. */
function errorFree(scenarios: readonly CheckedScenario[], sorted: readonly LangDiagnostic[]): Set<CheckedScenario> {
  const starts = sorted.filter((d) => d.severity === 'error').map((d) => d.span.start);
  const out = new Set<CheckedScenario>();
  for (const s of scenarios) {
    const { start, end } = s.ast.span;
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < start) lo = mid + 1;
      else hi = mid;
    }
    if (lo >= starts.length || starts[lo]! > end) out.add(s);
  }
  return out;
}

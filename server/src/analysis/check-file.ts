// The fast path, run on every keystroke: parse and check a whole file. No exploration here.
import { checkScenario, type CheckedScenario } from '../lang/checks';
import { diagnostic } from '../lang/checks/codes';
import type { LangDiagnostic } from '../lang/diagnostic';
import { parseFile, type ParseResult } from '../lang/parse-file';

export interface CheckedFile {
  readonly text: string;
  readonly parse: ParseResult;
  readonly scenarios: readonly CheckedScenario[];
  /** Syntax and semantic diagnostics of the whole file, in source order. */
  readonly diagnostics: readonly LangDiagnostic[];
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
  return { text, parse, scenarios, diagnostics };
}

/** Whether a checked scenario can be explored: it has no error of its own or inside its span. */
export function isExplorable(file: CheckedFile, s: CheckedScenario): boolean {
  const { start, end } = s.ast.span;
  return !file.diagnostics.some((d) => d.severity === 'error' && d.span.start >= start && d.span.start <= end);
}

// The text output of `vmscen check`: `file:line:col: severity: [code] message`, each finding
// followed by its interleaving, one micro-step a line.
import type { FileAnalysis, ScenarioAnalysis } from '../analysis/views';
import { formatOutcomesText } from './format-outcomes';
import { formatFindingTrace } from './format-trace';

export interface TextOptions {
  /** Leave out interleavings. */
  readonly brief: boolean;
  /** Leave out information lines (met expectations, expected findings, scenario summaries). */
  readonly quiet: boolean;
  /** Include wall-clock times (they make output differ between runs). */
  readonly timing: boolean;
  /** Every step of each interleaving, not only its slice (the steps the finding depends on). */
  readonly full: boolean;
  /** Print each scenario's outcome table (when analysed with outcomes). */
  readonly outcomes?: boolean;
}

function scenarioLines(path: string, sc: ScenarioAnalysis, o: TextOptions): string[] {
  const out: string[] = [];
  const at = (l: number, c: number): string => `${path}:${l}:${c}`;
  if (!sc.explored) {
    if (sc.error) out.push(`${at(sc.line, sc.col)}: error: [explore] scenario ${sc.name} (${sc.locking}): ${sc.error}`);
    else if (!o.quiet) out.push(`${at(sc.line, sc.col)}: info: [scenario] ${sc.name}: not explored (fix the errors above first)`);
    return out;
  }
  const stats = `${sc.stats.states} states, ${sc.stats.transitions} transitions${o.timing ? `, ${sc.stats.ms} ms` : ''}`;
  const design = `${sc.locking}${sc.compared ? ', compared' : ''}`;
  if (sc.error) out.push(`${at(sc.line, sc.col)}: error: [explore] scenario ${sc.name} (${design}): exploration failed: ${sc.error}`);
  else if (!sc.complete) out.push(`${at(sc.line, sc.col)}: warning: [incomplete] scenario ${sc.name} (${design}): exploration stopped (${sc.reason}) after ${stats}; nothing below proves the absence of races`);
  else if (!o.quiet) {
    const met = sc.expectations.filter((e) => e.status === 'met').length;
    const judged = sc.compared ? 'expectations not judged (written for another design)' : `${met}/${sc.expectations.length} expectations met`;
    out.push(`${at(sc.line, sc.col)}: info: [scenario] ${sc.name} (${design}): complete, ${stats}; ${judged}`);
  }
  const findings = [...sc.races, ...sc.violations].sort((a, b) => a.line - b.line || a.col - b.col || a.code.localeCompare(b.code));
  for (const f of findings) {
    const info = f.expected || sc.compared;
    const sev = info ? 'info' : f.type === 'race' ? 'error' : 'warning';
    if (info && o.quiet) continue;
    out.push(`${at(f.line, f.col)}: ${sev}: [${f.code}] ${f.type}${f.expected ? ' (expected)' : sc.compared ? ` (under ${sc.locking})` : ''}: ${f.message}`);
    if (!o.brief) out.push(...formatFindingTrace(f, '    ', o.full));
  }
  for (const e of sc.expectations) {
    if (e.status === 'met' && o.quiet) continue;
    const sev = e.status === 'met' ? 'info' : e.status === 'failed' ? 'error' : 'warning';
    out.push(`${at(e.line, e.col)}: ${sev}: [${e.status}] ${e.text}: ${e.message}`);
  }
  return out;
}

export function formatFileText(path: string, fa: FileAnalysis, o: TextOptions): string[] {
  const out: string[] = [];
  for (const e of fa.errors) {
    if (e.severity === 'info' && o.quiet) continue;
    out.push(`${path}:${e.line}:${e.col}: ${e.severity}: [${e.code}] ${e.message}`);
  }
  for (const sc of fa.scenarios) {
    out.push(...scenarioLines(path, sc, o));
    if (o.outcomes) out.push(...formatOutcomesText(path, sc, o.brief));
  }
  return out;
}

export interface Tally {
  files: number;
  scenarios: number;
  errors: number;
  warnings: number;
  met: number;
  failed: number;
  inconclusive: number;
  unexpected: number;
  /** Explorations cut short: they cannot show that nothing unexpected is reachable. */
  incomplete: number;
  /** Files that could not be read (devices, FIFOs, dangling links, too large). */
  unreadable: number;
}

export function tally(files: readonly FileAnalysis[]): Tally {
  const t: Tally = { files: files.length, scenarios: 0, errors: 0, warnings: 0, met: 0, failed: 0, inconclusive: 0, unexpected: 0, incomplete: 0, unreadable: 0 };
  for (const f of files) {
    for (const e of f.errors) {
      if (e.severity === 'error') t.errors++;
      else if (e.severity === 'warning') t.warnings++;
    }
    for (const sc of f.scenarios) {
      t.scenarios++;
      if (sc.error) t.errors++;
      if (sc.compared) continue; // a comparison under another design judges nothing
      if (sc.explored && !sc.complete) {
        t.warnings++;
        t.incomplete++;
      }
      for (const x of [...sc.races, ...sc.violations]) if (!x.expected) t.unexpected++;
      for (const e of sc.expectations) t[e.status === 'met' ? 'met' : e.status === 'failed' ? 'failed' : 'inconclusive']++;
    }
  }
  return t;
}

export function summaryLine(t: Tally): string {
  const ok = isOk(t);
  return `${ok ? 'ok' : 'FAILED'}: ${t.files} file${t.files === 1 ? '' : 's'}, ${t.scenarios} scenario${t.scenarios === 1 ? '' : 's'}${t.incomplete ? ` (${t.incomplete} incomplete)` : ''}; expectations: ${t.met} met, ${t.failed} failed, ${t.inconclusive} inconclusive; ${t.unexpected} unexpected finding${t.unexpected === 1 ? '' : 's'}; ${t.errors} error${t.errors === 1 ? '' : 's'}${t.unreadable ? `; ${t.unreadable} file${t.unreadable === 1 ? '' : 's'} unreadable` : ''}`;
}

/** Exit 0 only when every expectation holds, nothing unexpected was found and every exploration completed. */
export function isOk(t: Tally): boolean {
  return t.errors === 0 && t.failed === 0 && t.unexpected === 0 && t.inconclusive === 0 && t.incomplete === 0 && t.unreadable === 0;
}

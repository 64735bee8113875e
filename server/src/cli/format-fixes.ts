// `vmscen check --suggest-fixes`: the verified fix search's result as text lines (after the
// file's findings) and as the `fixes` member of each file in --json (SPEC §9.3).
import type { CheckedFile } from '../analysis/check-file';
import { applyEdits } from '../analysis/fix-candidates';
import type { FindingFixes, ScenarioFixes, TriedCandidate } from '../analysis/fix-search';

function who(f: FindingFixes): string {
  return `${f.finding.type} ${f.finding.code}${f.finding.thread ? ` by ${f.finding.thread}` : ''}`;
}

/** The lines an edit touches, as they read after the fix. */
function editedLines(file: CheckedFile, t: TriedCandidate): string[] {
  const text = applyEdits(file, t.candidate.edits);
  const lines = text.split('\n');
  const shown = [...new Set(t.candidate.edits.map((e) => e.line))].sort((a, b) => a - b);
  return shown.map((l) => `line ${l}: ${(lines[l - 1] ?? '').trim()}`);
}

export function formatFixesText(path: string, file: CheckedFile, results: readonly ScenarioFixes[], timing: boolean): string[] {
  const out: string[] = [];
  for (const s of results) {
    for (const f of s.findings) {
      const head = `${path}:${f.finding.line}:${f.finding.col}: info: [fix] scenario ${s.name} (${s.locking}): ${who(f)}:`;
      const cost = `${f.tried.length} candidate${f.tried.length === 1 ? '' : 's'} explored${timing ? `, scenario search ${s.ms} ms` : ''}`;
      if (f.fixes.length === 0) {
        out.push(f.complete ? `${head} no verified fix among the candidates (${cost})` : `${head} search incomplete (${f.stopped}): no verified fix among the ${cost}; that does not mean there is none`);
        continue;
      }
      const partial = f.complete ? '' : `; search incomplete (${f.stopped}), a smaller fix may exist`;
      out.push(`${head} ${f.fixes.length} verified fix${f.fixes.length === 1 ? '' : 'es'} (${cost}${partial})`);
      f.fixes.forEach((x, i) => {
        out.push(`    ${i + 1}. ${x.candidate.title}${x.candidate.commits.length ? ` [kernel: ${x.candidate.commits.join(', ')}]` : ''}`);
        for (const l of editedLines(file, x)) out.push(`         ${l}`);
      });
    }
  }
  return out;
}

export function toJsonFixes(results: readonly ScenarioFixes[]): Record<string, unknown>[] {
  return results.map((s) => ({
    scenario: s.name,
    line: s.line,
    locking: s.locking,
    explored: s.explored,
    budget: s.budget,
    ms: s.ms,
    findings: s.findings.map((f) => ({
      ...f.finding,
      complete: f.complete,
      ...(f.stopped ? { stopped: f.stopped } : {}),
      fixes: f.fixes.map((x) => f.tried.indexOf(x)),
      tried: f.tried.map((t) => ({
        title: t.candidate.title,
        kind: t.candidate.kind,
        size: t.candidate.size,
        rank: t.candidate.rank,
        changes: t.candidate.changes,
        commits: t.candidate.commits,
        edits: t.candidate.edits,
        verdict: t.verdict,
        reason: t.reason,
        states: t.states,
      })),
    })),
  }));
}

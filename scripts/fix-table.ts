// Prints, for every scenario of the given files with a finding, what the verified fix search
// (server/src/analysis/fix-search.ts) suggests and how long it took against the scenario's own
// exploration: `node --import tsx scripts/fix-table.ts examples/*.vmscen`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeChecked } from '../server/src/analysis/analyze';
import { checkFile } from '../server/src/analysis/check-file';
import { searchFileFixes } from '../server/src/analysis/fix-search';

const verbose = process.argv.includes('-v');
// The scenario's own exploration is timed as the wall time of analysing it alone (parse, check,
// lower, build the model and the state store, search), after a warm-up run of the file: each
// candidate pays the same steps, and the search's own `stats.ms` leaves the set-up out. The
// ratio is search / own; `candidates` counts the verdicts over all findings (a candidate judged
// for two findings is explored once).
console.log('| file | scenario | states | own ms | search ms | ratio | candidates | used/budget states | fixes (first finding) |');
console.log('|---|---|---|---|---|---|---|---|---|');
const wall = (f: () => void): number => {
  const t = performance.now();
  f();
  return performance.now() - t;
};
for (const p of process.argv.slice(2).filter((a) => a !== '-v')) {
  const file = checkFile(fs.readFileSync(p, 'utf8'));
  const fa = analyzeChecked(file);
  for (const sc of fa.scenarios) {
    if (sc.races.length + sc.violations.length === 0) continue;
    // the fastest of three runs: the machine is shared, so one run is noisy
    const own = Math.min(...[0, 1, 2].map(() => wall(() => analyzeChecked(checkFile(fs.readFileSync(p, 'utf8')), { only: [sc.name] }))));
    let found: ReturnType<typeof searchFileFixes> = [];
    const ms = wall(() => (found = searchFileFixes(file, [sc])));
    const s = found[0]!;
    const tried = s.findings.reduce((n, f) => n + f.tried.length, 0);
    const f0 = s.findings[0];
    const fixes = f0 ? `${f0.finding.code}: ${f0.fixes.map((x) => x.candidate.title).join('; ') || 'none'}${f0.complete ? '' : ` (incomplete: ${f0.stopped})`}` : '';
    console.log(`| ${path.basename(p)} | ${s.name} | ${s.explored.states} | ${own.toFixed(0)} | ${ms.toFixed(0)} | ${(ms / own).toFixed(1)} | ${tried} | ${s.budget.used}/${s.budget.states} | ${fixes} |`);
    if (verbose) for (const f of s.findings) for (const t of f.tried) console.log(`    ${f.finding.code}: ${t.verdict} ${t.candidate.title}: ${t.reason}`);
  }
}

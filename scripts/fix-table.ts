// Prints, for every scenario of the given files with a finding, what the verified fix search
// (server/src/analysis/fix-search.ts) suggests and how long it took against the scenario's own
// exploration: `node --import tsx scripts/fix-table.ts examples/*.vmscen`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeChecked } from '../server/src/analysis/analyze';
import { checkFile } from '../server/src/analysis/check-file';
import { searchFileFixes } from '../server/src/analysis/fix-search';

const verbose = process.argv.includes('-v');
console.log('| file | scenario | states | explore ms | search ms | ratio | used/budget states | fixes (first finding) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const p of process.argv.slice(2).filter((a) => a !== '-v')) {
  const file = checkFile(fs.readFileSync(p, 'utf8'));
  const fa = analyzeChecked(file);
  for (const s of searchFileFixes(file, fa.scenarios)) {
    const own = Math.max(1, s.explored.ms);
    const f0 = s.findings[0];
    const fixes = f0 ? `${f0.finding.code}: ${f0.fixes.map((x) => x.candidate.title).join('; ') || 'none'}${f0.complete ? '' : ` (incomplete: ${f0.stopped})`}` : '';
    console.log(`| ${path.basename(p)} | ${s.name} | ${s.explored.states} | ${s.explored.ms} | ${s.ms} | ${(s.ms / own).toFixed(1)} | ${s.budget.used}/${s.budget.states} | ${fixes} |`);
    if (verbose) for (const f of s.findings) for (const t of f.tried) console.log(`    ${f.finding.code}: ${t.verdict} ${t.candidate.title}: ${t.reason}`);
  }
}

// What trace slicing costs an exploration, on the gallery: every example scenario under its own
// design (and with --designs all under every design) is explored (the explorer slices each
// finding), then its findings are sliced again alone, reusing the exploration's compiled
// programs as explore() does. Prints the time slicing takes against the exploration without it,
// the best of several rounds per scenario (the machine may be busy). Never run by the tests.
//   node --import tsx scripts/slice-cost.ts [--designs all] [--rounds N]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkFile, isExplorable } from '../server/src/analysis/check-file';
import { Exec } from '../server/src/engine/exec';
import { DESIGNS } from '../server/src/engine/settings';
import type { ScenarioSpec } from '../server/src/engine/scenario';
import { explore } from '../server/src/explore/explore';
import { sliceTrace } from '../server/src/explore/slice';
import { lowerScenario } from '../server/src/lang/lower';

const args = process.argv.slice(2);
const allDesigns = args.includes('--designs');
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 5) || 5;

const specs: ScenarioSpec[] = [];
for (const f of fs.readdirSync('examples').filter((x) => x.endsWith('.vmscen')).sort()) {
  const file = checkFile(fs.readFileSync(path.join('examples', f), 'utf8'));
  for (const sc of file.scenarios.filter((s) => isExplorable(file, s))) {
    const spec = lowerScenario(sc.model);
    for (const design of allDesigns ? DESIGNS.map((d) => d.value) : [spec.design]) specs.push({ ...spec, design });
  }
}

let exploreMs = 0;
let sliceMs = 0;
let findings = 0;
let steps = 0;
let kept = 0;
for (const spec of specs) {
  let bestExplore = Infinity;
  let bestSlice = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const res = explore(spec, { maxStates: 500_000 });
    const t1 = performance.now();
    if (res.error) break; // a design the scenario cannot run under (explicit range locks)
    const cx = new Exec(spec).cx;
    const t2 = performance.now();
    for (const f of res.findings) sliceTrace(spec, f, cx);
    const t3 = performance.now();
    bestExplore = Math.min(bestExplore, t1 - t0 - (t3 - t2));
    bestSlice = Math.min(bestSlice, t3 - t2);
    if (r === 0) {
      findings += res.findings.length;
      for (const f of res.findings) {
        steps += f.trace.length;
        kept += f.slice.length;
      }
    }
  }
  if (bestExplore === Infinity) continue;
  exploreMs += bestExplore;
  sliceMs += bestSlice;
}
console.log(`${specs.length} explorations, ${findings} findings: ${kept} of ${steps} trace steps in slices`);
console.log(`exploration without slicing ${exploreMs.toFixed(0)} ms, slicing ${sliceMs.toFixed(1)} ms: +${((100 * sliceMs) / exploreMs).toFixed(2)}%`);

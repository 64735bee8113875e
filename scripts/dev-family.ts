import { familyScenario, type Variant } from '../test/bench/family';
import { specOf } from '../test/helpers';
import { explore } from '../server/src/explore/explore';
const variant = (process.argv[2] ?? 'flush') as Variant;
for (const n of (process.argv[3] ?? '2,3,4').split(',').map(Number)) {
  const spec = specOf(familyScenario(n, variant));
  const t0 = Date.now();
  const r = explore(spec, { maxStates: 20_000_000 });
  const ms = Date.now() - t0;
  console.log(`${variant} N=${n}: states=${r.stats.states} trans=${r.stats.transitions} ${ms}ms ${Math.round(r.stats.states / (ms / 1000))} st/s B/state=${r.stats.bytesPerState.toFixed(1)} findings=${r.findings.map((f) => f.code).join(',')}`);
}

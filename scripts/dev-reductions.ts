// The seed-race family at N=5 and 6 (flush, race) with and without each reduction: states, transitions, time.
// node --import tsx scripts/dev-reductions.ts
import { familyScenario, type Variant } from '../test/bench/family';
import { specOf } from '../test/helpers';
import { explore } from '../server/src/explore/explore';
// optional arguments: sizes (5,6), variants (flush,race), combinations as dead+sym bits (0,1,2,3)
const sizes = (process.argv[2] ?? '5,6').split(',').map(Number);
const variants = (process.argv[3] ?? 'flush,race').split(',') as Variant[];
const combos = (process.argv[4] ?? '0,1,2,3').split(',').map((c) => [(Number(c) & 1) !== 0, (Number(c) & 2) !== 0]);
for (const n of sizes) for (const variant of variants) for (const [deadValues, symmetry] of combos) {
  const spec = specOf(familyScenario(n, variant));
  const t0 = Date.now();
  const r = explore(spec, { maxStates: 20_000_000 }, { deadValues, symmetry });
  console.log(`${variant} N=${n} deadValues=${deadValues} symmetry=${symmetry}: classes=${r.stats.symmetryClasses} states=${r.stats.states} trans=${r.stats.transitions} ${Date.now() - t0}ms findings=${r.findings.map((f) => f.code).join(',')}`);
}

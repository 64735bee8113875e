// The seed-race family at N=5 and 6 (flush, race) with and without each reduction: states, transitions, time.
// node --import tsx scripts/dev-reductions.ts
import { familyScenario, type Variant } from '../test/bench/family';
import { specOf } from '../test/helpers';
import { explore } from '../server/src/explore/explore';
for (const n of [5, 6]) for (const variant of ['flush', 'race'] as Variant[]) for (const [deadValues, symmetry] of [[false, false], [true, false], [false, true], [true, true]]) {
  const spec = specOf(familyScenario(n, variant));
  const t0 = Date.now();
  const r = explore(spec, { maxStates: 20_000_000 }, { deadValues, symmetry });
  console.log(`${variant} N=${n} deadValues=${deadValues} symmetry=${symmetry}: classes=${r.stats.symmetryClasses} states=${r.stats.states} trans=${r.stats.transitions} ${Date.now() - t0}ms findings=${r.findings.map((f) => f.code).join(',')}`);
}

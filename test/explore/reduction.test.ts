// The reduction (Lipton movers in Exec.transition) and canonical states are sound: on random
// small scenarios, the reduced canonical search reports exactly the findings (kind and place)
// of the unreduced search and of the search without canonicalization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { explore, type ExploreOptions } from '../../server/src/explore/explore';
import { specOf } from '../helpers';
import { scenarioArb } from './scenario-gen';

function findingKeys(text: string, options: ExploreOptions): string[] | undefined {
  const res = explore(specOf(text), { maxStates: 60_000 }, options);
  if (!res.complete) return undefined;
  return [...new Set(res.findings.map((f) => `${f.type}:${f.code}@${f.place.thread}.${f.place.step}`))].sort();
}

test('reduced and unreduced searches report the same findings', () => {
  let compared = 0;
  fc.assert(
    fc.property(scenarioArb, (text) => {
      const reduced = findingKeys(text, {});
      const full = findingKeys(text, { reduce: false });
      if (!reduced || !full) return;
      compared++;
      assert.deepEqual(reduced, full, text);
    }),
    { numRuns: Number(process.env.VMSCEN_PROP_RUNS ?? 60), seed: Number(process.env.VMSCEN_PROP_SEED ?? 20261129) },
  );
  assert.ok(compared > 20, `compared ${compared} scenarios`);
});

test('canonical and non-canonical searches report the same findings', () => {
  let compared = 0;
  fc.assert(
    fc.property(scenarioArb, (text) => {
      const canon = findingKeys(text, { reduce: false });
      const raw = findingKeys(text, { reduce: false, canonical: false });
      if (!canon || !raw) return;
      compared++;
      assert.deepEqual(canon, raw, text);
    }),
    { numRuns: Number(process.env.VMSCEN_PROP_RUNS ?? 40), seed: Number(process.env.VMSCEN_PROP_SEED ?? 7) },
  );
  assert.ok(compared > 10, `compared ${compared} scenarios`);
});

// The reduction (Lipton movers in Exec.transition), canonical states and dead values are sound:
// on random small scenarios, the reduced canonical search reports exactly the findings (kind and
// place) of the unreduced search, of the search without canonicalization and of the search with
// real values, and of the plain search (no dead values, no thread symmetry) with thread
// symmetry alone and with both; every trace of the reduced searches replays on the plain engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { explore, type ExploreOptions } from '../../server/src/explore/explore';
import { replay } from '../../server/src/explore/trace';
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

const PLAIN: ExploreOptions = { deadValues: false, symmetry: false };
const VARIANTS: [string, ExploreOptions][] = [
  ['dead values', { symmetry: false }],
  ['symmetry', { deadValues: false }],
  ['dead values and symmetry', {}],
];

test('dead values and thread symmetry report the plain search\'s findings (every class member) at the same depth, with traces that replay on the plain engine', () => {
  let compared = 0;
  let symmetric = 0;
  fc.assert(
    fc.property(scenarioArb, (text) => {
      const spec = specOf(text);
      const plain = explore(spec, { maxStates: 60_000 }, PLAIN);
      if (!plain.complete) return;
      const keys = (r: typeof plain): string[] => r.findings.map((f) => `${f.type}:${f.code}@${f.place.thread}.${f.place.step}/${f.path.length}`).sort();
      for (const [name, options] of VARIANTS) {
        const res = explore(spec, { maxStates: 60_000 }, options);
        assert.ok(res.complete, `${name}: complete\n${text}`);
        if (options.symmetry !== false && res.stats.symmetryClasses > 0) symmetric++;
        assert.deepEqual(keys(res), keys(plain), `${name}\n${text}`);
        assert.ok(res.stats.states <= plain.stats.states, `${name}: ${res.stats.states} <= ${plain.stats.states}\n${text}`);
        for (const f of res.findings) {
          // the plain engine (real values, real threads) follows the path and reports the finding at its end
          const { exec, state, events } = replay(spec, f.path);
          if (f.code === 'deadlock' || f.code === 'check-failed') assert.ok(spec.threads.every((_, t) => !exec.enabled(state, t)), `${name}\n${text}`);
          else assert.ok(events.some((e) => e.code === f.code && e.place.thread === f.place.thread && e.place.step === f.place.step), `${name}: ${f.code} replays\n${text}`);
        }
      }
      compared++;
    }),
    { numRuns: Number(process.env.VMSCEN_PROP_RUNS ?? 80), seed: Number(process.env.VMSCEN_PROP_SEED ?? 20261129) },
  );
  assert.ok(compared > 30, `compared ${compared} scenarios`);
  assert.ok(symmetric > 10, `${symmetric} searches had symmetric threads`);
});

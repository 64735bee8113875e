// The state store's memory budget (issue 14, item 7): every array the store allocates is
// accounted before it is allocated, so the store never holds more than its budget; a search
// over budget stops as incomplete (memory-limit), never clean and never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../server/src/analysis/analyze';
import { Exec } from '../../server/src/engine/exec';
import { explore } from '../../server/src/explore/explore';
import { MemoryGuard, MemoryLimitError } from '../../server/src/explore/memory';
import { StateStore } from '../../server/src/explore/state-store';
import { familyScenario } from '../bench/family';
import { specOf } from '../helpers';

test('the guard accounts exactly what the store holds, and refuses the growth that would pass the budget', () => {
  const spec = specOf(familyScenario(5, 'flush'));
  const budget = 6 * 1024 * 1024;
  const guard = new MemoryGuard(budget);
  const store = new StateStore(new Exec(spec).L, guard);
  const s = new Int32Array(store.layoutSize);
  let refused = false;
  for (let i = 0; i < 2_000_000; i++) {
    s[0] = i;
    s[s.length - 1] = i >> 3;
    try {
      store.add(s, -1, undefined, 0);
    } catch (e) {
      assert.ok(e instanceof MemoryLimitError);
      refused = true;
      break;
    }
    assert.equal(guard.used, store.totalBytes());
  }
  assert.ok(refused, 'the budget was reached');
  assert.ok(guard.used <= budget);
  assert.equal(guard.used, store.totalBytes(), 'a refused growth allocated nothing');
});

test('a search over its memory budget is incomplete (memory-limit), keeps what it found, and says so', () => {
  // N=6: thread symmetry leaves N=5 small enough to finish within the budget
  const spec = specOf(familyScenario(6, 'race'));
  const r = explore(spec, { maxStates: 10_000_000, maxBytes: 4 * 1024 * 1024 });
  assert.equal(r.complete, false);
  assert.equal(r.reason, 'memory-limit');
  assert.ok(r.stats.states > 1000, `explored ${r.stats.states} states first`);
  const fa = analyze(familyScenario(6, 'race'), { maxBytes: 4 * 1024 * 1024 });
  const sc = fa.scenarios[0]!;
  assert.equal(sc.complete, false);
  assert.ok(sc.expectations.every((e) => e.status !== 'met' || e.text.startsWith('expect race') || e.text.startsWith('expect violation')), 'nothing absent is claimed');
});

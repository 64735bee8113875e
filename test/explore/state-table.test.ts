// The packed state table and the component tables against a plain Map: the same vector
// always gets the same id, different vectors different ids, through width growth and rehash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Exec } from '../../server/src/engine/exec';
import { StateStore } from '../../server/src/explore/state-store';
import { StateTable } from '../../server/src/explore/state-table';
import { VecTable } from '../../server/src/explore/vec-table';
import { familyScenario } from '../bench/family';
import { specOf } from '../helpers';

test('StateTable interns like a Map, across id-width growth', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(70_000), fc.nat(300), fc.nat(5)), { minLength: 1, maxLength: 3000 }), (vecs) => {
      const table = new StateTable(3, 16);
      const ref = new Map<string, number>();
      for (const v of [...vecs, ...vecs]) {
        const id = table.intern(Int32Array.from(v));
        const key = v.join(',');
        const known = ref.get(key);
        if (known === undefined) {
          assert.equal(table.added, true);
          assert.equal(id, ref.size);
          ref.set(key, id);
        } else {
          assert.equal(table.added, false);
          assert.equal(id, known);
        }
        v.forEach((x, c) => assert.equal(table.get(id, c), x));
      }
      assert.equal(table.size, ref.size);
    }),
    { numRuns: 50 },
  );
});

test('VecTable interns like a Map, trimming trailing zeros', () => {
  fc.assert(
    fc.property(fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 6, maxLength: 6 }), { maxLength: 2000 }), fc.boolean(), (vecs, trim) => {
      const table = new VecTable(6, 4, trim);
      const ref = new Map<string, number>();
      const out = new Int32Array(6);
      for (const v of [...vecs, ...vecs]) {
        const id = table.intern(Int32Array.from(v), 0);
        const key = v.join(',');
        if (!ref.has(key)) ref.set(key, id);
        assert.equal(id, ref.get(key));
        table.read(id, out, 0);
        assert.deepEqual([...out], v);
      }
      assert.equal(table.size, ref.size);
    }),
    { numRuns: 50 },
  );
});

test('StateStore.readNext decodes only the components that changed and gives what read gives', () => {
  // a real search order: every stored state of a family scenario, read one after another
  const spec = specOf(familyScenario(3, 'flush'));
  const exec = new Exec(spec);
  exec.setSink(() => {});
  const store = new StateStore(exec.L);
  const cur = exec.initial();
  store.add(cur, -1, undefined, 0);
  const next = new Int32Array(cur.length);
  const full = new Int32Array(cur.length);
  for (let i = 0; i < store.size; i++) {
    store.readNext(i, cur);
    store.read(i, full);
    assert.deepEqual(cur, full, `state ${i}`);
    for (let t = 0; t < spec.threads.length; t++) {
      if (!exec.enabled(cur, t)) continue;
      next.set(cur);
      exec.transition(next, t);
      store.add(next, i, cur, t);
    }
  }
  assert.ok(store.size > 1000);
  // a different buffer is decoded in full
  const other = new Int32Array(cur.length).fill(7);
  store.readNext(0, other);
  store.read(0, full);
  assert.deepEqual(other, full);
});

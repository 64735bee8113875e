// The packed state table and the component tables against a plain Map: the same vector
// always gets the same id, different vectors different ids, through width growth and rehash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StateTable } from '../../server/src/explore/state-table';
import { VecTable } from '../../server/src/explore/vec-table';

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

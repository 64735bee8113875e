// Thread symmetry (issue 11): which threads form classes, that the canonical form with classes is
// idempotent and merges states, and that findings come out for every member of a class with
// traces of the plain engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Canonicalizer } from '../../server/src/engine/canonical';
import { Exec } from '../../server/src/engine/exec';
import { ThreadSymmetry } from '../../server/src/engine/symmetry';
import { explore } from '../../server/src/explore/explore';
import { replay } from '../../server/src/explore/trace';
import { familyScenario } from '../bench/family';
import { specOf } from '../helpers';

test('classes: user-access threads of one mm with equal programs (up to dead values) and equal initial blocks', () => {
  // the seed family: Ti stores to page (i div 2) mod 2; even threads start with TLB entries
  const six = specOf(familyScenario(6, 'flush'));
  assert.deepEqual(new Exec(six, { symmetry: true, deadValues: true }).symmetryClasses, [
    [0, 4],
    [1, 5],
  ]);
  // with real values the stored values (i + 1) differ: no class
  assert.deepEqual(new Exec(six, { symmetry: true }).symmetryClasses, []);
  assert.deepEqual(new Exec(six, { deadValues: true }).symmetryClasses, [], 'off unless asked for');
  // a thread that does more than user accesses, or a check final, forms no class
  assert.deepEqual(new Exec(specOf(familyScenario(6, 'flush').replace('store 0x1000 = 5 }', 'store 0x1000 = 5; mprotect 0x1000 r }')), { symmetry: true, deadValues: true }).symmetryClasses, [[1, 5]]);
  assert.deepEqual(new Exec(specOf(familyScenario(6, 'flush').replace('  expect clean', '  check final 0x1000 == 1\n  expect clean')), { symmetry: true, deadValues: true }).symmetryClasses, []);
});

test('the canonical form with classes is idempotent along random walks', () => {
  const spec = specOf(familyScenario(6, 'race'));
  const exec = new Exec(spec, { symmetry: true, deadValues: true });
  const again = new Canonicalizer(exec.m);
  again.symmetry = new ThreadSymmetry(exec.cx, exec.symmetryClasses.map((c) => [...c]));
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  let moved = 0;
  for (let walk = 0; walk < 40; walk++) {
    const s = exec.initial();
    for (let k = 0; k < 60; k++) {
      const ts = spec.threads.map((_, t) => t).filter((t) => exec.enabled(s, t));
      if (ts.length === 0) break;
      exec.transition(s, ts[rand(ts.length)]!);
      if (exec.lastPermutation) moved++;
      const copy = s.slice();
      again.canonicalize(copy);
      assert.deepEqual(Array.from(copy), Array.from(s), 'canonicalize(canonicalize(s)) = canonicalize(s)');
      assert.equal(again.lastPerm, undefined);
    }
  }
  assert.ok(moved > 0, 'some transitions permuted threads');
});

test('a symmetric search merges states and reports the finding of every class member, replaying on the plain engine', () => {
  const spec = specOf(familyScenario(5, 'race'));
  const plain = explore(spec, { maxStates: 2_000_000 }, { symmetry: false });
  const sym = explore(spec, { maxStates: 2_000_000 });
  assert.equal(sym.stats.symmetryClasses, 1);
  assert.ok(sym.stats.states < plain.stats.states, `${sym.stats.states} < ${plain.stats.states}`);
  const keys = (r: typeof plain): string[] => r.findings.map((f) => `${f.code}@${f.place.thread}.${f.place.step}/${f.path.length}:${f.message}`).sort();
  assert.deepEqual(keys(sym), keys(plain));
  for (const f of sym.findings) {
    const { events } = replay(spec, f.path);
    assert.ok(events.some((e) => e.code === f.code && e.place.thread === f.place.thread && e.place.step === f.place.step), `${f.code} at ${f.place.thread} replays`);
  }
});

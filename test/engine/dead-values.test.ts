// Dead values (issue 11): without `check final` the explorer keeps only whether a stored value is
// 0. These tests pin down where values are read (a new reader must be judged and listed here),
// that the abstraction merges states and changes no finding, and that it turns itself off where
// values are observed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explore } from '../../server/src/explore/explore';
import { Exec } from '../../server/src/engine/exec';
import * as L from '../../server/src/engine/layout';
import { exampleFiles, specOf, specsOf } from '../helpers';

/**
 * Every engine and explorer file that reads or writes a frame's value or a register, and why
 * dead values stay sound there. A file that starts touching values fails this test until it is
 * judged: a rule that branches on a value (beyond `== 0`) must turn dead values off
 * (exec.ts `valuesObserved`).
 */
const VALUE_USERS: Record<string, string> = {
  'engine/fields.ts': 'defines F_VALUE',
  'engine/machine.ts': 'storedValueIndex (the abstraction), the initial state, valueAt for check final',
  'engine/ops.ts': 'option values of ops, not frame values',
  'engine/rules/races.ts': 'landWrite stores the abstracted index; readFrame returns it to copies and loads',
  'engine/step/fault.ts': 'swap-in copies the value from the swap entry (reclaim turns dead values off)',
  'engine/step/fork.ts': "fork's copy copies the value",
  'engine/step/kernel-access.ts': 'kwrite stores the abstracted index; kread keeps registers only with live values',
  'engine/step/migrate.ts': 'the migration copy copies the value',
  'engine/step/reclaim.ts': 'swap-out puts the value into the PTE (reclaim turns dead values off)',
  'engine/step/stack.ts': 'checkZapOfLiveVma tests value == 0, which the abstraction keeps',
  'engine/step/user-access.ts': 'stores put the abstracted index; loads keep registers only with live values',
  'engine/step/wp-page.ts': 'the COW copy copies the value',
  'engine/swap.ts': 'swap entries hold a value index (reclaim turns dead values off)',
  'explore/check-final.ts': 'check final reads values and registers (turns dead values off)',
  'explore/outcomes.ts': 'the outcome table reads registers and values (explore turns dead values and symmetry off when it is asked for)',
  'explore/snapshot.ts': 'shows values of a replayed state (replay runs with live values)',
};

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('every file that touches frame values or registers is listed with the reason dead values stay sound', () => {
  const root = 'server/src';
  const touching = [...tsFiles(`${root}/engine`), ...tsFiles(`${root}/explore`)]
    .filter((f) => /F_VALUE|\.values\[|\.reg\(|swapField\(/.test(fs.readFileSync(f, 'utf8')))
    .map((f) => path.relative(root, f).split(path.sep).join('/'))
    .sort();
  assert.deepEqual(touching, Object.keys(VALUE_USERS).sort());
});

const STORES = `scenario s {
  vma 0x1000..0x3000 rw anon private
  frame A = 0 refs=1
  map 0x1000 -> A rw
  thread a on cpu0 { store 0x1000 = 1; store 0x1000 = 2 }
  thread b on cpu1 { store 0x1000 = 3; load 0x1000 -> v }
  thread c on cpu2 { mprotect 0x1000..0x2000 r; mprotect 0x1000..0x2000 rw }
}
`;

test('dead values merge states that differ only in stored values and keep the findings', () => {
  const spec = specOf(STORES);
  const dead = explore(spec, { maxStates: 100_000 });
  const live = explore(spec, { maxStates: 100_000 }, { deadValues: false });
  assert.ok(dead.complete && live.complete);
  assert.ok(dead.stats.states < live.stats.states, `${dead.stats.states} < ${live.stats.states}`);
  const keys = (r: typeof dead): string[] => r.findings.map((f) => `${f.type}:${f.code}@${f.place.thread}.${f.place.step}:${f.trace.length}`).sort();
  assert.deepEqual(keys(dead), keys(live));
});

test('stores keep zero apart from non-zero values, and loads leave registers alone', () => {
  const exec = new Exec(specOf(STORES.replace('store 0x1000 = 2', 'store 0x1000 = 0')), { deadValues: true, reduce: false });
  assert.ok(exec.deadValues);
  const s = exec.initial();
  const value = (): number => exec.L.values[s[exec.m.fr(0, L.F_VALUE)]!]!;
  exec.step(s, 0); // a: store 1 (a TLB miss walks and stores)
  const one = value();
  assert.notEqual(one, 0);
  exec.step(s, 1); // b: store 3, the same representative as 1
  assert.equal(value(), one);
  exec.step(s, 0); // a: store 0
  assert.equal(value(), 0);
  exec.step(s, 1); // b: load into v
  assert.equal(exec.L.values[s[exec.m.reg(1, 0)]!], 0, 'the register keeps its initial value');
});

test('dead values are off where values are observed: check final, reclaim, or when not asked for', () => {
  const withCheck = specOf(STORES.replace('\n}\n', '\n  check final 0x1000 == 2\n}\n'));
  assert.equal(new Exec(withCheck, { deadValues: true }).deadValues, false);
  const withReclaim = specOf(STORES.replace('thread c on cpu2 {', 'thread c on cpu2 { reclaim 0x1000;'));
  assert.equal(new Exec(withReclaim, { deadValues: true }).deadValues, false);
  assert.equal(new Exec(specOf(STORES)).deadValues, false, 'the engine alone runs with real values');
  assert.equal(new Exec(specOf(STORES), { deadValues: true }).deadValues, true);
  // a failing check is still found (it would be missed if values were abstracted: 2 vs 1)
  const res = explore(withCheck, { maxStates: 100_000 });
  assert.ok(res.findings.some((f) => f.code === 'check-failed'));
});

test('traces of a dead-values search show the real values when replayed, and the gallery findings do not change', () => {
  for (const file of exampleFiles()) {
    for (const spec of specsOf(fs.readFileSync(file, 'utf8'))) {
      const dead = explore(spec, { maxStates: 200_000 });
      const live = explore(spec, { maxStates: 200_000 }, { deadValues: false });
      const keys = (r: typeof dead): string[] => r.findings.map((f) => `${f.type}:${f.code}@${f.place.thread}.${f.place.step}:${f.trace.length}`).sort();
      assert.equal(dead.complete, live.complete, spec.name);
      assert.deepEqual(keys(dead), keys(live), `${file} ${spec.name}`);
      assert.ok(dead.stats.states <= live.stats.states, `${spec.name}: ${dead.stats.states} <= ${live.stats.states}`);
    }
  }
});

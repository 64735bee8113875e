// Outcome tables against the rest of the engine: on every example, each outcome's path replays
// to a terminal state holding its values; the outcomes count every terminal state outside a
// deadlock once; a check fails somewhere exactly when the search reports check-failed for it;
// and asking for outcomes changes no finding and no count. Then the verdict rule and the table
// model the webview draws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyze } from '../../server/src/analysis/analyze';
import { outcomeTableModel } from '../../server/src/analysis/outcomes-view';
import { explore } from '../../server/src/explore/explore';
import { checkVerdict } from '../../server/src/explore/outcomes';
import { replay } from '../../server/src/explore/trace';
import { exampleFiles, specsOf } from '../helpers';

for (const file of exampleFiles()) {
  test(`outcomes of ${file} agree with replay, the terminal count and check-failed`, () => {
    for (const spec of specsOf(fs.readFileSync(file, 'utf8'))) {
      // the table needs live values and threads as named: compare with that search
      const plain = explore(spec, { maxStates: 200_000 }, { deadValues: false, symmetry: false });
      const res = explore(spec, { maxStates: 200_000 }, { outcomes: true });
      const t = res.outcomes!;
      assert.ok(t.complete && res.complete, spec.name);
      assert.deepEqual({ ...res, outcomes: undefined, stats: { ...res.stats, ms: 0 } }, { ...plain, outcomes: undefined, stats: { ...plain.stats, ms: 0 } }, `${spec.name}: outcomes change nothing else`);
      assert.equal(t.terminal + t.deadlocked, res.stats.terminal, spec.name);
      assert.equal(t.outcomes.reduce((n, o) => n + o.count, 0), t.terminal, spec.name);
      assert.equal(new Set(t.outcomes.map((o) => o.values.join())).size, t.outcomes.length, `${spec.name}: outcomes are distinct`);
      for (const o of t.outcomes) {
        const { exec, state } = replay(spec, o.path);
        assert.ok(spec.threads.every((_, th) => !exec.enabled(state, th)), `${spec.name}: the path ends in a terminal state`);
        const values = t.columns.map((c) => (c.kind === 'reg' ? exec.L.values[state[exec.m.reg(c.thread, c.reg)]!] : exec.m.valueAt(state, c.mm, c.addr)) ?? null);
        assert.deepEqual(values, o.values, `${spec.name}: the path reaches the outcome`);
      }
      t.checks.forEach((c, i) => {
        const failed = res.findings.some((f) => f.code === 'check-failed' && f.place.thread === -1 && f.place.step === i);
        assert.equal(c.fails > 0, failed, `${spec.name}: check ${i} fails somewhere iff check-failed is reported`);
        assert.equal(c.holds + c.fails, t.terminal, spec.name);
      });
    }
  });
}

test('Always and Never only from a complete search with a terminal state; a witness each way is Sometimes', () => {
  assert.equal(checkVerdict(3, 0, true), 'always');
  assert.equal(checkVerdict(0, 3, true), 'never');
  assert.equal(checkVerdict(2, 1, true), 'sometimes');
  assert.equal(checkVerdict(2, 1, false), 'sometimes');
  assert.equal(checkVerdict(3, 0, false), 'unknown');
  assert.equal(checkVerdict(0, 3, false), 'unknown');
  assert.equal(checkVerdict(0, 0, true), 'unknown');
});

test('the table model: deadlocks left out, a scenario with nothing to tabulate, a search cut short', () => {
  const dead = analyze(fs.readFileSync('examples/deadlocks.vmscen', 'utf8'), { outcomes: true, only: ['recursive_mmap_read_lock'] }).scenarios[0]!.outcomes!;
  const m = outcomeTableModel(dead);
  assert.ok(dead.deadlocked > 0);
  assert.deepEqual(m.head, ['states']);
  assert.ok(m.notes.some((n) => n.startsWith('no registers')), m.notes.join('\n'));
  assert.ok(m.notes.some((n) => n.startsWith(`${dead.deadlocked} deadlocked terminal state`)), m.notes.join('\n'));
  const cut = analyze(fs.readFileSync('examples/message-passing.vmscen', 'utf8'), { outcomes: true, maxStates: 6, only: ['message_passing'] }).scenarios[0]!.outcomes!;
  const mc = outcomeTableModel(cut);
  assert.equal(cut.complete, false);
  assert.match(mc.notes[0]!, /^exploration incomplete/);
  assert.match(mc.verdicts[0]!, /: unknown \(exploration incomplete; so far it holds in every terminal state seen\)/);
});

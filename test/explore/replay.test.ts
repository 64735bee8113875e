// A reported trace, replayed step by step on a fresh engine, reproduces its finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { explore } from '../../server/src/explore/explore';
import { replay } from '../../server/src/explore/trace';
import { exampleFiles, specsOf } from '../helpers';

for (const file of exampleFiles()) {
  test(`every finding's trace in ${file} replays to the finding`, () => {
    const specs = specsOf(fs.readFileSync(file, 'utf8'));
    let checked = 0;
    for (const spec of specs) {
      const res = explore(spec, { maxStates: 200_000 });
      assert.ok(res.complete, `${spec.name} explores completely`);
      for (const f of res.findings) {
        const path = [...f.path];
        const { exec, state, events } = replay(spec, path);
        if (f.code === 'deadlock' || f.code === 'check-failed') {
          // terminal findings: the replayed state is terminal
          const moving = spec.threads.map((_, t) => exec.enabled(state, t)).filter(Boolean);
          assert.equal(moving.length, 0, `${spec.name}: ${f.code} trace ends in a terminal state`);
        } else {
          const last = events.filter((e) => e.code === f.code && e.place.thread === f.place.thread && e.place.step === f.place.step);
          assert.ok(last.length > 0, `${spec.name}: replaying the trace of ${f.code} reports it`);
          // and the trace is minimal for the replay: the prefix without the last step does not
          const { events: before } = replay(spec, path.slice(0, -1));
          assert.ok(!before.some((e) => e.code === f.code && e.place.thread === f.place.thread && e.place.step === f.place.step), `${spec.name}: ${f.code} appears only at the last step`);
        }
        checked++;
      }
    }
    assert.ok(checked >= 0);
  });
}

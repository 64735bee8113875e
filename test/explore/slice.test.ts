// A finding's slice (explore/slice.ts), replayed alone on the plain engine, reaches the finding:
// every slice step is enabled in turn and runs the micro-step it ran in the trace, and
//   - a finding a step reports is reported by the slice's last step;
//   - a deadlock's waiting threads wait for the same things, and keep waiting whatever the
//     other threads do after (the rest scheduled after, first enabled thread first);
//   - a failed `check final` fails on the same values.
// For every finding of every example (each scenario under its own design), and of the random
// scenarios of the reduction test. The slice is never longer than the trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { Exec } from '../../server/src/engine/exec';
import type { FindingEvent } from '../../server/src/engine/events';
import type { ScenarioSpec } from '../../server/src/engine/scenario';
import { evalCond } from '../../server/src/explore/check-final';
import { explore, type Finding } from '../../server/src/explore/explore';
import { sliceTraceOrThrow } from '../../server/src/explore/slice';
import { replay } from '../../server/src/explore/trace';
import { exampleFiles, scenario, specOf, specsOf } from '../helpers';
import { scenarioArb } from './scenario-gen';

const blockedWaits = (exec: Exec, s: Int32Array, threads: readonly number[]): unknown[] =>
  threads.map((t) => ({ t, done: exec.isDone(s, t), enabled: exec.enabled(s, t), wait: exec.waitInfo(s, t) }));

/** Replay the slice of f; fail (with the scenario's name) unless it reaches f. */
function checkSlice(spec: ScenarioSpec, f: Finding): void {
  const where = `${spec.name} (${spec.design}) ${f.code} at ${f.place.thread}:${f.place.step}`;
  const slice = sliceTraceOrThrow(spec, f);
  assert.deepEqual(f.slice, slice, `${where}: the explorer's slice is the slice`);
  assert.ok(slice.length <= f.trace.length, `${where}: the slice is not longer than the trace`);
  slice.forEach((i, k) => assert.ok(Number.isInteger(i) && i >= 0 && i < f.trace.length && (k === 0 || i > slice[k - 1]!), `${where}: slice indices ascend within the trace`));
  const exec = new Exec(spec, { reduce: false });
  const events: { at: number; e: FindingEvent }[] = [];
  let at = -1;
  exec.setSink((e) => events.push({ at, e }));
  const s = exec.initial();
  for (const [k, i] of slice.entries()) {
    const step = f.trace[i]!;
    assert.ok(exec.enabled(s, step.thread), `${where}: slice step ${k + 1} (trace step ${i + 1}, ${step.text}) is enabled`);
    assert.equal(exec.instr(s, step.thread)?.kind, step.kind, `${where}: slice step ${k + 1} runs the trace's micro-step`);
    at = k;
    exec.step(s, step.thread);
  }
  const same = (e: FindingEvent): boolean => e.type === f.type && e.code === f.code && e.place.thread === f.place.thread && e.place.step === f.place.step;
  const full = replay(spec, f.path);
  if (full.events.some(same)) {
    const hit = events.find((x) => same(x.e));
    assert.ok(hit, `${where}: replaying the slice reports the finding`);
    assert.equal(hit.at, slice.length - 1, `${where}: the slice ends with the step that reports it`);
    assert.equal(hit.e.message, f.message, `${where}: with the same message`);
  } else if (f.code === 'deadlock') {
    const waiting = [f.place.thread, ...f.related.map((r) => r.thread)];
    const want = blockedWaits(full.exec, full.state, waiting);
    assert.deepEqual(blockedWaits(exec, s, waiting), want, `${where}: after the slice the same threads wait for the same things`);
    // the rest scheduled after: they cannot wake the waiting threads
    for (let guard = 0; guard < 10_000; guard++) {
      const t = spec.threads.findIndex((_, i) => exec.enabled(s, i));
      if (t < 0) break;
      exec.step(s, t);
    }
    assert.deepEqual(blockedWaits(exec, s, waiting), want, `${where}: and still do when the other threads have run`);
  } else {
    assert.equal(f.code, 'check-failed', `${where}: a finding no step reports is terminal`);
    const check = spec.checks[f.place.step]!;
    assert.deepEqual(evalCond(check.cond, exec, s), evalCond(check.cond, full.exec, full.state), `${where}: after the slice the check fails the same way`);
    // the rest scheduled after, in the trace's order: the terminal state still fails the check
    const rest = f.path.filter((_, i) => !slice.includes(i));
    for (const t of rest) if (exec.enabled(s, t)) exec.step(s, t);
    assert.deepEqual(evalCond(check.cond, exec, s), evalCond(check.cond, full.exec, full.state), `${where}: and when the rest of the trace has run after it`);
  }
}

for (const file of exampleFiles()) {
  test(`every finding's slice in ${file} replays alone to the finding`, () => {
    let checked = 0;
    for (const spec of specsOf(fs.readFileSync(file, 'utf8'))) {
      const res = explore(spec, { maxStates: 200_000 });
      assert.ok(res.complete, `${spec.name} explores completely`);
      for (const f of res.findings) {
        checkSlice(spec, f);
        checked++;
      }
    }
    assert.ok(checked >= 0);
  });
}

test('the slices of random scenarios of every design replay alone to their findings', () => {
  let findings = 0;
  for (const text of fc.sample(scenarioArb, { numRuns: Number(process.env.VMSCEN_PROP_RUNS ?? 60), seed: 20261203 })) {
    for (const spec of specsOf(text)) {
      const res = explore(spec, { maxStates: 20_000 });
      for (const f of res.findings) {
        checkSlice(spec, f);
        findings++;
      }
    }
  }
  assert.ok(findings > 0, 'the random scenarios have findings');
});

test('a failed check final keeps the last writer of what it reads, even one that wrote the value already there', () => {
  // MP with the reader first: reader.data is 0 because its load ran before the writer's store;
  // the load wrote 0 over 0, and without it the writer's store, scheduled before the rest,
  // would let a later load read 1
  const spec = specsOf(fs.readFileSync('examples/message-passing.vmscen', 'utf8')).find((x) => x.name === 'message_passing_data_late')!;
  const f = explore(spec, { maxStates: 10_000 }).findings.find((x) => x.code === 'check-failed')!;
  const slice = sliceTraceOrThrow(spec, f);
  assert.deepEqual(slice.map((i) => f.trace[i]!.text), ['load 0x2000', 'load 0x1000']);
  assert.ok(slice.every((i) => spec.threads[f.trace[i]!.thread]!.name === 'reader'));
});

test('a deadlock slice leaves out a thread that takes an unrelated lock', () => {
  const spec = specOf(
    scenario(`  vma 0x1000..0x3000 rw anon private
  vma 0x400000..0x401000 rw anon private
  frame A = 1
  frame B = 2
  map 0x1000 -> A rw
  map 0x400000 -> B rw
  thread a on cpu0 { lock mmap read
    lock ptl 0x1000
    unlock ptl 0x1000
    unlock mmap }
  thread b on cpu1 { lock ptl 0x1000
    lock mmap write
    unlock mmap
    unlock ptl 0x1000 }
  thread c on cpu2 { lock ptl 0x400000
    unlock ptl 0x400000 }`),
  );
  const res = explore(spec, { maxStates: 10_000 });
  const f = res.findings.find((x) => x.code === 'deadlock');
  assert.ok(f, 'a deadlock');
  const c = spec.threads.findIndex((t) => t.name === 'c');
  assert.ok(f.trace.some((t) => t.thread === c), 'the trace runs c (a terminal state needs every thread to stop)');
  assert.ok(!f.slice.some((i) => f.trace[i]!.thread === c), 'the slice leaves c out');
  checkSlice(spec, f);
});

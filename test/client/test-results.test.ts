// The Test Explorer's plain logic (issue 13, item 1): item ids that survive edits, which checks a
// run sends, and a check's answer as each item's outcome: the server's verdicts and messages,
// failures at their expect line or finding, the interleaving as stack frames at each step's line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectationIds, fileTree, planRun, scenarioOutcome } from '../../client/src/test-results';
import type { FindingSummary, ScenarioSummary } from '../../server/src/protocol';

const U = 'file:///ws/a.vmscen';
const r = (line: number, character = 0) => ({ start: { line, character }, end: { line, character: character + 1 } });

test('expectation ids are their text, a repeat numbered, so they survive lines inserted above', () => {
  assert.deepEqual(expectationIds(U, 's', ['expect clean', 'expect no race', 'expect clean']), [`${U}#s/expect clean`, `${U}#s/expect no race`, `${U}#s/expect clean~1`]);
  const tree = fileTree(U, [{ name: 's', range: r(3), expectations: [{ text: 'expect clean', range: r(9, 2) }] }]);
  assert.deepEqual(tree.map((t) => [t.id, t.expectations.map((e) => [e.id, e.range.start.line])]), [[`${U}#s`, [[`${U}#s/expect clean`, 9]]]]);
});

test('a run checks each file once: the whole file when it or any part of it asks for all, else the scenarios named', () => {
  const B = 'file:///ws/b.vmscen';
  assert.deepEqual(planRun([{ uri: U, scenario: 'x' }, { uri: B, scenario: 'y' }, { uri: U, scenario: 'z' }, { uri: U, scenario: 'x' }]), [
    { uri: U, scenarios: ['x', 'z'] },
    { uri: B, scenarios: ['y'] },
  ]);
  assert.deepEqual(planRun([{ uri: U, scenario: 'x' }, { uri: U }]), [{ uri: U, scenarios: 'all' }]);
  assert.deepEqual(planRun([{ uri: U }, { uri: U, scenario: 'x' }]), [{ uri: U, scenarios: 'all' }]);
});

const race: FindingSummary = {
  type: 'race',
  code: 'lost-write',
  thread: 'writer',
  message: 'the store to 0x1000 by writer landed in frame A',
  expected: false,
  range: r(28, 4),
  steps: [
    { thread: 'wp', step: 'wrprotect 0x1000: lock mmap read', kernel: 'mmap_read_lock()', range: r(22, 4), inSlice: true },
    { thread: 'writer', step: 'store 0x1000 = 2', kernel: 'store (MMU)', range: r(28, 4), inSlice: true },
  ],
};

function summary(over: Partial<ScenarioSummary>): ScenarioSummary {
  return { name: 's', line: 13, locking: 'classic', complete: true, states: 10, transitions: 20, ms: 7, races: [], violations: [], expectationsMet: 0, expectations: 0, verdict: 'ok', range: r(12), expectationResults: [], findings: [], ...over };
}

test('a passing scenario passes with its expectations', () => {
  const o = scenarioOutcome(summary({ expectationResults: [{ text: 'expect race lost-write', range: r(31, 2), status: 'met', message: 'found', finding: 0 }], findings: [{ ...race, expected: true }] }));
  assert.equal(o.status, 'passed');
  assert.equal(o.durationMs, 7);
  assert.deepEqual(o.expectations.map((e) => e.status), ['passed']);
});

test('a failed expectation fails at its line with the finding behind it and its interleaving, step by step', () => {
  const o = scenarioOutcome(
    summary({
      verdict: 'failed',
      expectationResults: [
        { text: 'expect race lost-write', range: r(31, 2), status: 'met', message: 'found: race lost-write at line 29 (writer)', finding: 0 },
        { text: 'expect no race', range: r(32, 2), status: 'failed', message: 'found race lost-write at line 29 (writer)', finding: 0 },
      ],
      findings: [{ ...race, expected: true }],
    }),
  );
  assert.equal(o.status, 'failed');
  assert.equal(o.messages.length, 1);
  const m = o.messages[0]!;
  assert.match(m.text, /^expect no race: failed — found race lost-write at line 29 \(writer\)\nrace lost-write: the store to 0x1000/);
  assert.equal(m.range?.start.line, 32);
  assert.deepEqual(m.steps.map((s) => [s.label, s.range.start.line]), [['1. wp: wrprotect 0x1000: lock mmap read — mmap_read_lock()', 22], ['2. writer: store 0x1000 = 2 — store (MMU)', 28]]);
  assert.deepEqual(o.expectations.map((e) => e.status), ['passed', 'failed']);
  assert.equal(o.expectations[1]!.messages[0]!.steps.length, 2);
});

test('an unexpected finding fails the scenario at the finding, with its interleaving', () => {
  const o = scenarioOutcome(summary({ verdict: 'findings', findings: [race] }));
  assert.equal(o.status, 'failed');
  assert.match(o.messages[0]!.text, /^unexpected race lost-write \(writer\): the store to 0x1000 by writer landed in frame A \[2-step interleaving\]$/);
  assert.equal(o.messages[0]!.range?.start.line, 28);
  assert.equal(o.messages[0]!.steps.length, 2);
});

test('an incomplete exploration is an error, its expectations inconclusive; a scenario with errors is an error, its expectations skipped', () => {
  const inc = scenarioOutcome(summary({ verdict: 'incomplete', complete: false, error: 'exploration stopped (state-limit) after 10 states', expectationResults: [{ text: 'expect clean', range: r(5), status: 'inconclusive', message: 'no race or violation found so far' }] }));
  assert.equal(inc.status, 'errored');
  assert.match(inc.messages[0]!.text, /state-limit/);
  assert.deepEqual(inc.expectations.map((e) => e.status), ['errored']);
  const bad = scenarioOutcome(summary({ verdict: 'not explored', error: 'not explored: the scenario has errors', expectationResults: [] }));
  assert.equal(bad.status, 'errored');
  assert.match(bad.messages[0]!.text, /has errors/);
});

test("a finding's stack frames are its slice, numbered by their place in the interleaving", () => {
  const other = { thread: 'c', step: 'lock ptl 0x400000', kernel: 'spin_lock(ptl)', range: r(30, 4), inSlice: false };
  const sliced: FindingSummary = { ...race, steps: [race.steps[0]!, other, race.steps[1]!] };
  const o = scenarioOutcome(summary({ verdict: 'findings', findings: [sliced] }));
  assert.match(o.messages[0]!.text, /\[3-step interleaving; its slice: 2 steps\]$/);
  assert.deepEqual(o.messages[0]!.steps.map((s) => s.label.slice(0, 2)), ['1.', '3.']);
});

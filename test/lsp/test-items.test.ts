// vmscen/testItems and the Test Explorer's part of vmscen/check over the real server: a file's
// scenarios and expect lines from the fast parse (text sent for an unopened file), and each
// expectation's verdict, each finding's message and interleaving with the place of every step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CancellationTokenSource, ResponseError } from 'vscode-languageserver-protocol/node';
import { CheckRequest, TestItemsRequest } from '../../server/src/protocol';
import { LspClient } from './lsp-client';

const SEED = fs.readFileSync('examples/uffd-wp.vmscen', 'utf8');

let c: LspClient;
before(async () => {
  c = new LspClient({ VMSCEN_TEST_WORKER_FAULTS: '1' });
  await c.initialize({ debounceMs: 50, timeLimitMs: 10_000, exploreWhileTyping: false });
});
after(async () => {
  await c.close();
});

test('test items of an unopened file: its scenarios with their heads and expect lines, without exploring', async () => {
  const r = await c.conn.sendRequest(TestItemsRequest, { uri: 'file:///virtual/items.vmscen', text: SEED });
  assert.equal(r.errors, 0);
  assert.deepEqual(r.scenarios.slice(0, 2).map((s) => s.name), ['uffd_wp_vs_cow', 'uffd_wp_unprotect_vs_cow']);
  const first = r.scenarios[0]!;
  assert.deepEqual(first.range.start, { line: 12, character: 0 });
  assert.deepEqual(first.expectations.map((e) => [e.text, e.range.start.line]), [['expect race lost-write', 31], ['expect violation downgrade-needs-flush', 32]]);
  assert.equal(c.statuses.length, 0, 'nothing was explored');
});

test('test items of an open document follow its edits; a broken scenario is still listed, a duplicate name once', async () => {
  const uri = 'file:///virtual/items-open.vmscen';
  await c.open(uri, 'scenario a {\n  thread t on cpu0 { load 0x1000 }\n  expect clean\n}\n');
  const r1 = await c.conn.sendRequest(TestItemsRequest, { uri });
  assert.deepEqual(r1.scenarios.map((s) => [s.name, s.expectations.length]), [['a', 1]]);
  await c.replace(uri, 'scenario a {\n  thread t on cpu0 { lod 0x1000 }\n}\nscenario b { expect clean\n expect no race }\nscenario b {}\n', 2);
  const r2 = await c.conn.sendRequest(TestItemsRequest, { uri });
  assert.deepEqual(r2.scenarios.map((s) => [s.name, s.expectations.length]), [['a', 0], ['b', 2]]);
  assert.ok(r2.errors >= 2, 'the syntax error and the duplicate');
});

test('a file outside the workspace, sent without its text, is refused', async () => {
  await assert.rejects(c.conn.sendRequest(TestItemsRequest, { uri: 'file:///etc/passwd.vmscen' }), (e: ResponseError<unknown>) => e.code === -32602);
});

test('check results carry each expectation judged, and each finding with its interleaving and the place of every step', async () => {
  const uri = 'file:///virtual/results.vmscen';
  const text = SEED.replace('expect violation downgrade-needs-flush', 'expect no race');
  const r = await c.conn.sendRequest(CheckRequest, { uri, scenario: 'uffd_wp_vs_cow', text });
  assert.equal(r.scenarios.length, 1);
  const s = r.scenarios[0]!;
  assert.equal(s.verdict, 'failed');
  assert.deepEqual(s.range?.start, { line: 12, character: 0 });
  const [met, failed] = s.expectationResults!;
  assert.equal(met!.status, 'met');
  assert.equal(failed!.status, 'failed');
  assert.equal(failed!.text, 'expect no race');
  assert.equal(failed!.range.start.line, 32);
  assert.match(failed!.message, /found race lost-write at line 29/);
  const f = s.findings![failed!.finding!]!;
  assert.equal(f.code, 'lost-write');
  assert.equal(met!.finding, failed!.finding, 'the same race meets one and fails the other');
  assert.match(f.message, /the store to 0x1000 by writer/);
  assert.equal(f.range.start.line, 28);
  assert.equal(f.steps.length, 12);
  assert.deepEqual([f.steps[0]!.thread, f.steps[0]!.step, f.steps[0]!.kernel, f.steps[0]!.range.start.line], ['wp', 'wrprotect 0x1000: lock mmap read', 'mmap_read_lock()', 22]);
  assert.deepEqual([f.steps[9]!.thread, f.steps[9]!.range.start.line, f.steps[9]!.range.start.character], ['writer', 28, 4]);
  // the violation no expect covers any more
  assert.ok(s.findings!.some((x) => x.type === 'violation' && x.code === 'downgrade-needs-flush' && !x.expected && x.steps.length === 4));
});

test('a scenario with errors is reported as not explored, with a reason', async () => {
  const r = await c.conn.sendRequest(CheckRequest, { uri: 'file:///virtual/err.vmscen', text: 'scenario a {\n  thread t on cpu0 { lod 0x1000 }\n  expect clean\n}\n' });
  assert.equal(r.errors, 1);
  assert.equal(r.scenarios[0]?.verdict, 'not explored');
  assert.match(r.scenarios[0]!.error!, /has errors/);
});

test('a run cancelled from the Test Explorer cancels its check of an unopened file: RequestCancelled, and the server answers the next', async () => {
  const source = new CancellationTokenSource();
  const p = c.conn.sendRequest(CheckRequest, { uri: 'file:///virtual/hang.vmscen', text: `${SEED}\n// vmscen-test: hang\n` }, source.token).catch((e: unknown) => (e instanceof ResponseError ? e.code : String(e)));
  await new Promise((r) => setTimeout(r, 300));
  source.cancel();
  assert.equal(await p, -32800);
  const r = await c.conn.sendRequest(CheckRequest, { uri: 'file:///virtual/after.vmscen', scenario: 'fix_write_lock', text: SEED });
  assert.equal(r.scenarios[0]?.verdict, 'ok');
});

test("a Test Explorer check of an unopened file publishes no diagnostics (its results go to the test items); Check Workspace's does", async () => {
  const quiet = 'file:///virtual/quiet.vmscen';
  const loud = 'file:///virtual/loud.vmscen';
  await c.conn.sendRequest(CheckRequest, { uri: quiet, scenario: 'uffd_wp_vs_cow', text: SEED, publish: false });
  await c.conn.sendRequest(CheckRequest, { uri: loud, scenario: 'uffd_wp_vs_cow', text: SEED });
  await c.waitFor(loud, (d) => d.some((x) => x.code === 'lost-write'));
  assert.equal(c.history(quiet).length, 0);
});

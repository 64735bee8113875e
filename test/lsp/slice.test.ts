// The real language server over stdio: a finding's slice (the steps it depends on) is its
// related information, and the interleaving view marks each step and copies the slice as text.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { TraceRequest } from '../../server/src/protocol';
import { LspClient } from './lsp-client';

const TEXT = fs.readFileSync('test/data/cli/slice-deadlock.vmscen', 'utf8');
const URI = 'file:///virtual/slice.vmscen';

let c: LspClient;
before(async () => {
  c = new LspClient();
  await c.initialize({ debounceMs: 50, timeLimitMs: 5_000 });
  await c.open(URI, TEXT);
});
after(async () => {
  await c.close();
});

test("a deadlock's related information is its slice: the thread taking an unrelated lock is not there", async () => {
  const ds = await c.waitFor(URI, (d) => d.some((x) => x.code === 'deadlock'));
  const d = ds.find((x) => x.code === 'deadlock')!;
  assert.match(typeof d.message === 'string' ? d.message : d.message.value, /\[5-step interleaving; its slice: 3 steps\]$/);
  const steps = d.relatedInformation!.filter((r) => /^\d+\. /.test(r.message)).map((r) => r.message.split(':')[0]);
  assert.deepEqual(steps, ['1. a', '2. b', '3. b']);
});

test('the interleaving view marks the slice; its text is the slice, fullText every step', async () => {
  const t = await c.conn.sendRequest(TraceRequest, { uri: URI, scenario: 'unrelated_lock' });
  assert.ok(!('error' in t), JSON.stringify(t));
  if ('error' in t) return;
  assert.equal(t.finding.code, 'deadlock');
  assert.deepEqual(t.steps.map((s) => [t.threads[s.thread]!.name, s.inSlice]), [['a', true], ['b', true], ['b', true], ['c', false], ['c', false]]);
  assert.ok(!t.text.includes('0x400000'), t.text);
  assert.match(t.fullText, /lock ptl 0x400000/);
  assert.match(t.text, /^race deadlock/);
});

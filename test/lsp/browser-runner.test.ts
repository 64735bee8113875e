// The browser runner's in-worker mode (browser-runner.ts), where the browser gives the server's
// worker no nested workers: jobs run one at a time in the server's own worker, live ones before
// background ones, and a job cancelled before its turn never runs. Runs the real job code
// (run-job.ts) on the seed race. The nested-worker mode runs in chromium
// (test/e2e/browser-server.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { BrowserRunner } from '../../server/src/lsp/browser-runner';
import { JobCancelled } from '../../server/src/lsp/explore-runner';
import type { Job } from '../../server/src/lsp/jobs';

const SEED = fs.readFileSync('examples/uffd-wp.vmscen', 'utf8');
const analyze = (only: string): Job => ({ kind: 'analyze', text: SEED, options: { maxStates: 100_000, only: [only] } });

test('without nested workers: jobs run in turn in this worker, live before background; a job cancelled while waiting never runs', async () => {
  const runner = new BrowserRunner(undefined);
  assert.equal(runner.nested, false);
  const order: string[] = [];
  const track = (name: string, p: Promise<unknown>): Promise<string> =>
    p.then(
      () => {
        order.push(name);
        return 'answered';
      },
      (e: unknown) => (e instanceof JobCancelled ? 'cancelled' : String(e)),
    );
  const first = runner.run(analyze('uffd_wp_vs_cow'), 60_000, 'background');
  const background = runner.run(analyze('fix_write_lock'), 60_000, 'background');
  const live = runner.run(analyze('fix_flush_under_ptl'), 60_000, 'live');
  const dropped = runner.run(analyze('fix_pending_flush_in_fault'), 60_000, 'background');
  const outcomes = [track('first', first.promise), track('background', background.promise), track('live', live.promise), track('dropped', dropped.promise)];
  dropped.cancel();
  assert.deepEqual(await Promise.all(outcomes), ['answered', 'answered', 'answered', 'cancelled']);
  assert.deepEqual(order, ['first', 'live', 'background'], 'the live job went before the waiting background one');
  const r = await first.promise;
  assert.equal(r.kind, 'analyze');
  if (r.kind === 'analyze') assert.ok(r.analysis.scenarios[0]!.races.some((f) => f.code === 'lost-write'), 'the seed race, explored in this worker');
  runner.dispose();
});

test('a browser that refuses a nested worker: the runner falls back to this worker and the job is answered', async () => {
  const runner = new BrowserRunner(() => {
    throw new DOMException('nested workers are not allowed here', 'SecurityError');
  });
  assert.equal(runner.nested, true);
  const r = await runner.run(analyze('uffd_wp_vs_cow'), 60_000).promise;
  assert.equal(r.kind, 'analyze');
  assert.equal(runner.nested, false, 'no further attempt to start a worker');
  runner.dispose();
});

test('dispose cancels what waits and what runs', async () => {
  const runner = new BrowserRunner(undefined);
  const a = runner.run(analyze('uffd_wp_vs_cow'), 60_000);
  const b = runner.run(analyze('fix_write_lock'), 60_000, 'background');
  runner.dispose();
  await assert.rejects(a.promise, JobCancelled);
  await assert.rejects(b.promise, JobCancelled);
});

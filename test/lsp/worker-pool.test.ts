// The worker pool's lanes (issue 14, item 4): background jobs never take the last free worker,
// a live job goes ahead of queued background ones, and a job cancelled while queued leaves the
// queue at once without starting a worker. Cancelling a running job (issue 11, item 6) goes
// through the worker's shared flag and keeps the worker; one that does not answer is terminated. Runs the real explore worker (dist/), with the test
// fault injection that makes a job hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { planFile } from '../../server/src/analysis/analyze';
import { checkFile } from '../../server/src/analysis/check-file';
import { JobCancelled, WorkerPool } from '../../server/src/lsp/worker-pool';
import { familyScenario } from '../bench/family';
import type { Job } from '../../server/src/lsp/jobs';

const SCRIPT = path.resolve('dist/explore-worker.js');
const SEED = fs.readFileSync('examples/uffd-wp.vmscen', 'utf8');
const hang: Job = { kind: 'compare', text: `${SEED}\n// vmscen-test: hang\n`, maxStates: 1000, maxMs: 1000, maxBytes: 64 * 1024 * 1024 };
const quick: Job = { kind: 'analyze', text: SEED, options: { maxStates: 100_000, only: ['fix_write_lock'] } };

test('lanes: a live job runs beside a hanging background job; a second background job queues; cancelling it starts no worker', { timeout: 60_000 }, async () => {
  process.env.VMSCEN_TEST_WORKER_FAULTS = '1';
  const pool = new WorkerPool(SCRIPT, 2);
  try {
    const a = pool.run(hang, 60_000, 'background');
    const b = pool.run(hang, 60_000, 'background');
    const bDone = b.promise.then(
      () => 'answered',
      (e: unknown) => (e instanceof JobCancelled ? 'cancelled' : String(e)),
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(pool.queued('background'), 1, 'the second background job waits: the last worker is kept for live jobs');
    const live = await pool.run(quick, 60_000, 'live').promise;
    assert.equal(live.kind, 'analyze');
    const before = pool.started;
    b.cancel();
    assert.equal(await bDone, 'cancelled');
    assert.equal(pool.queued('background'), 0);
    assert.equal(pool.started, before, 'no worker was started for the cancelled job');
    a.cancel();
    await assert.rejects(a.promise, JobCancelled);
  } finally {
    pool.dispose();
    delete process.env.VMSCEN_TEST_WORKER_FAULTS;
  }
});

test('a live job waiting goes before a background job waiting', { timeout: 60_000 }, async () => {
  process.env.VMSCEN_TEST_WORKER_FAULTS = '1';
  const pool = new WorkerPool(SCRIPT, 1);
  try {
    const first = pool.run(quick, 60_000, 'live');
    const order: string[] = [];
    const bg = pool.run(quick, 60_000, 'background').promise.then(() => order.push('background'));
    const lv = pool.run(quick, 60_000, 'live').promise.then(() => order.push('live'));
    await first.promise;
    await Promise.all([bg, lv]);
    assert.deepEqual(order, ['live', 'background']);
  } finally {
    pool.dispose();
    delete process.env.VMSCEN_TEST_WORKER_FAULTS;
  }
});

test('a worker that runs out of its heap is stopped with a clear error; the pool goes on', { timeout: 60_000 }, async () => {
  process.env.VMSCEN_TEST_WORKER_FAULTS = '1';
  const pool = new WorkerPool(SCRIPT, 1, { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 });
  try {
    const oom: Job = { kind: 'analyze', text: `${SEED}\n// vmscen-test: oom\n`, options: { maxStates: 1000 } };
    await assert.rejects(pool.run(oom, 60_000).promise, /ran out of memory \(worker heap limit 64 MB\)/);
    const next = await pool.run(quick, 60_000).promise;
    assert.equal(next.kind, 'analyze', 'the next job runs in a fresh worker');
  } finally {
    pool.dispose();
    delete process.env.VMSCEN_TEST_WORKER_FAULTS;
  }
});

test('a running job is cancelled through the shared flag: the worker answers, and the same worker runs the next job', { timeout: 60_000 }, async () => {
  const logs: string[] = [];
  const pool = new WorkerPool(SCRIPT, 2, undefined, (m) => logs.push(m));
  try {
    const tasks = planFile(checkFile(familyScenario(7, 'flush')), { maxStates: 50_000_000 }).flatMap((p) => ('task' in p ? [p.task] : []));
    const long = pool.run({ kind: 'explore', tasks, text: '' }, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    long.cancel();
    await assert.rejects(long.promise, JobCancelled);
    const next = await pool.run(quick, 60_000).promise;
    assert.equal(next.kind, 'analyze');
    assert.equal(pool.started, 1, 'no second worker: the next job waited for the cancelled one to answer');
    assert.ok(!logs.some((l) => /terminated/.test(l)), logs.join('\n'));
  } finally {
    pool.dispose();
  }
});

test('a cancelled job whose worker does not answer in time: the worker is terminated, a new one runs the next job', { timeout: 60_000 }, async () => {
  process.env.VMSCEN_TEST_WORKER_FAULTS = '1';
  const logs: string[] = [];
  const pool = new WorkerPool(SCRIPT, 1, undefined, (m) => logs.push(m));
  try {
    const stuck = pool.run({ ...hang, kind: 'compare' }, 60_000);
    await new Promise((r) => setTimeout(r, 300));
    stuck.cancel();
    await assert.rejects(stuck.promise, JobCancelled);
    const next = await pool.run(quick, 60_000).promise;
    assert.equal(next.kind, 'analyze');
    assert.equal(pool.started, 2);
    assert.ok(logs.some((l) => /exploration worker 1 terminated: it did not stop within \d+ ms of its job's cancellation/.test(l)), logs.join('\n'));
  } finally {
    pool.dispose();
    delete process.env.VMSCEN_TEST_WORKER_FAULTS;
  }
});

// The exploration worker: runs analyses (parse, check, explore, judge) off the language
// server's main loop. The server cancels a job by setting the worker's shared flag, which every
// search's budget polls: the job ends incomplete, answers, and the worker takes the next job. It
// terminates a worker only when that answer does not come, and restarts it after a crash.
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerInit, WorkerReply, WorkerRequest } from './jobs';
import { runJob } from './run-job';

const flag = new Int32Array((workerData as WorkerInit).cancel);
/** The budgets' cancellation check: the server sets the flag to stop the job that runs. */
const cancelled = (): boolean => Atomics.load(flag, 0) !== 0;

function testFaults(text: string): void {
  // fault injection for the server's tests only (never set in normal use)
  if (process.env.VMSCEN_TEST_WORKER_FAULTS !== '1') return;
  if (text.includes('// vmscen-test: crash')) throw new Error('injected worker crash');
  if (text.includes('// vmscen-test: hang')) for (;;);
  if (text.includes('// vmscen-test: oom')) {
    const hog: number[][] = [];
    for (;;) hog.push(new Array<number>(1 << 20).fill(hog.length));
  }
}

parentPort?.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    testFaults(msg.job.text);
    reply = { id: msg.id, ok: true, result: runJob(msg.job, cancelled) };
  } catch (e) {
    if ((e as Error).message === 'injected worker crash') process.exit(3);
    reply = { id: msg.id, ok: false, error: (e as Error).stack ?? String(e) };
  }
  parentPort!.postMessage(reply);
});

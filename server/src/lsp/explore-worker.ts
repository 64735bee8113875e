// The exploration worker: runs analyses (parse, check, explore, judge) off the language
// server's main loop. The server terminates it to cancel a job and restarts it after a crash.
import { parentPort } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './jobs';
import { runJob } from './run-job';

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
    reply = { id: msg.id, ok: true, result: runJob(msg.job) };
  } catch (e) {
    if ((e as Error).message === 'injected worker crash') process.exit(3);
    reply = { id: msg.id, ok: false, error: (e as Error).stack ?? String(e) };
  }
  parentPort!.postMessage(reply);
});

// The exploration worker of the browser server: a nested dedicated web worker that runs one job
// at a time (run-job.ts) and answers it. The server terminates it to cancel a job.
import type { WorkerReply, WorkerRequest } from './jobs';
import { runJob } from './run-job';

// a dedicated worker's global scope speaks like a MessagePort (the DOM typings have no worker scope)
const scope = self as unknown as MessagePort;

scope.onmessage = (e: MessageEvent<WorkerRequest>) => {
  let reply: WorkerReply;
  try {
    reply = { id: e.data.id, ok: true, result: runJob(e.data.job) };
  } catch (err) {
    reply = { id: e.data.id, ok: false, error: (err as Error).stack ?? String(err) };
  }
  scope.postMessage(reply);
};

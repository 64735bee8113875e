// What runs explorations for the documents: the Node server's worker-thread pool
// (worker-pool.ts) and the browser server's web-worker runner (browser-runner.ts) both implement
// `ExploreRunner`. A job is cancelled through its handle; the runner stops it (terminating the
// worker it runs in) and its promise rejects with `JobCancelled`.
import type { Job, JobResult } from './jobs';

export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export class WorkerFailure extends Error {}

export type Lane = 'live' | 'background';

export interface JobHandle {
  readonly promise: Promise<JobResult>;
  cancel(): void;
}

export interface ExploreRunner {
  /** Run a job in the lane; a job not answered within `timeoutMs` fails with `WorkerFailure`. */
  run(job: Job, timeoutMs: number, lane?: Lane): JobHandle;
  /** Cancel everything and let the workers go. */
  dispose(): void;
}

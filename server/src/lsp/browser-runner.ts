// The browser server's exploration runner. A job runs in a nested dedicated web worker (the
// explore worker's bundle, started from a Blob URL by browser-main.ts); cancelling it, or its
// deadline passing, terminates that worker, as the Node pool does (a search in progress cannot
// be interrupted otherwise), and a worker that answered is kept for the next job. At most
// `size` jobs run at once; waiting live jobs go before background ones.
// Where the browser gives a worker no `Worker` (nested workers are missing in some browsers),
// jobs run in the server's own worker, one at a time after a turn of the event loop: a job
// cancelled before it starts never runs, and one cancelled while it runs ends within its budget
// (states, time, memory) and its answer is dropped.
import { JobCancelled, WorkerFailure, type ExploreRunner, type JobHandle, type Lane } from './explore-runner';
import type { Job, JobResult, WorkerReply } from './jobs';
import { runJob } from './run-job';

interface Pending {
  readonly job: Job;
  readonly timeoutMs: number;
  readonly lane: Lane;
  readonly resolve: (r: JobResult) => void;
  readonly reject: (e: Error) => void;
  /** Stops what runs the job: its worker, or the turn it waits for. */
  stop: ((reuse: boolean) => void) | undefined;
  done: boolean;
}

export class BrowserRunner implements ExploreRunner {
  private readonly waiting: Pending[] = [];
  private readonly running = new Set<Pending>();
  private idle: Worker[] = [];
  /** Workers started so far, for tests and logs. */
  started = 0;

  constructor(
    private spawn: (() => Worker) | undefined,
    private readonly size = 2,
  ) {}

  /** Whether jobs run in nested workers (else in the server's own worker). */
  get nested(): boolean {
    return this.spawn !== undefined;
  }

  run(job: Job, timeoutMs: number, lane: Lane = 'live'): JobHandle {
    let settle: Pick<Pending, 'resolve' | 'reject'> | undefined;
    const promise = new Promise<JobResult>((resolve, reject) => (settle = { resolve, reject }));
    const p: Pending = { job, timeoutMs, lane, ...settle!, stop: undefined, done: false };
    const firstBackground = this.waiting.findIndex((w) => w.lane === 'background');
    if (lane === 'live' && firstBackground >= 0) this.waiting.splice(firstBackground, 0, p);
    else this.waiting.push(p);
    this.pump();
    return { promise, cancel: () => this.finish(p, new JobCancelled()) };
  }

  dispose(): void {
    for (const p of [...this.waiting, ...this.running]) this.finish(p, new JobCancelled());
    for (const w of this.idle) w.terminate();
    this.idle = [];
  }

  private finish(p: Pending, outcome: JobResult | Error): void {
    if (p.done) return;
    p.done = true;
    p.stop?.(!(outcome instanceof Error));
    const i = this.waiting.indexOf(p);
    if (i >= 0) this.waiting.splice(i, 1);
    this.running.delete(p);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
    this.pump();
  }

  private pump(): void {
    while (this.running.size < (this.spawn ? this.size : 1) && this.waiting.length > 0) {
      const p = this.waiting.shift()!;
      this.running.add(p);
      this.start(p);
    }
  }

  private worker(): Worker | undefined {
    const reused = this.idle.pop();
    if (reused || !this.spawn) return reused;
    try {
      this.started++;
      return this.spawn();
    } catch {
      // the browser refused a nested worker: run in this one from now on
      this.spawn = undefined;
      return undefined;
    }
  }

  private start(p: Pending): void {
    const deadline = setTimeout(() => this.finish(p, new WorkerFailure(`the exploration worker did not answer within ${Math.round(p.timeoutMs / 1000)} s and was restarted`)), p.timeoutMs);
    const w = this.worker();
    if (!w) {
      const turn = setTimeout(() => {
        let r: JobResult;
        try {
          r = runJob(p.job);
        } catch (e) {
          this.finish(p, new WorkerFailure((e as Error).stack ?? String(e)));
          return;
        }
        this.finish(p, r);
      }, 0);
      p.stop = () => {
        clearTimeout(turn);
        clearTimeout(deadline);
      };
      return;
    }
    w.onmessage = (e: MessageEvent<WorkerReply>) => this.finish(p, e.data.ok ? e.data.result : new WorkerFailure(e.data.error));
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.finish(p, new WorkerFailure(`the exploration worker crashed: ${e.message}`));
    };
    p.stop = (reuse) => {
      clearTimeout(deadline);
      w.onmessage = null;
      w.onerror = null;
      if (reuse) this.idle.push(w);
      else w.terminate();
    };
    w.postMessage({ id: 1, job: p.job });
  }
}

// Exploration workers. A job runs in a worker thread; cancelling it terminates the worker (a
// search in progress cannot be interrupted otherwise), and a worker that crashes, runs out of
// its heap or runs past its deadline is terminated too. A fresh worker replaces it on the next
// job. Jobs come in two lanes: `live` (as-you-type exploration and checks the user waits for)
// and `background` (traces, design comparisons, files the editor has not opened). Background
// jobs never take the last free worker, and a waiting live job goes first, so diagnostics never
// queue behind a comparison. A job cancelled while it waits leaves the queue at once.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { JobCancelled, WorkerFailure, type ExploreRunner, type JobHandle, type Lane } from './explore-runner';
import type { Job, JobResult, WorkerReply } from './jobs';

export { JobCancelled, WorkerFailure, type JobHandle, type Lane };

interface Running {
  readonly worker: Worker;
  readonly id: number;
  readonly lane: Lane;
  /** Detach this job's listeners from the worker (it may be reused). */
  detach: () => void;
  readonly resolve: (r: JobResult) => void;
  readonly reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

interface Waiter {
  readonly lane: Lane;
  readonly admit: () => void;
  readonly reject: (e: Error) => void;
}

/** Heap limits of a worker: running out ends that worker (and its job), never the server. */
export const WORKER_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 64 };

export class WorkerPool implements ExploreRunner {
  private idle: Worker[] = [];
  private readonly running = new Set<Running>();
  private readonly waiting: Waiter[] = [];
  /** Slots taken per lane (a slot is taken when a job is admitted, before its worker starts). */
  private readonly taken: Record<Lane, number> = { live: 0, background: 0 };
  private nextId = 1;
  /** Workers started so far (restarts included), for tests and logs. */
  started = 0;

  constructor(
    private readonly script: string,
    private readonly size = 2,
    private readonly limits: ResourceLimits = WORKER_LIMITS,
  ) {}

  private spawn(): Worker {
    this.started++;
    const w = new Worker(this.script, { resourceLimits: this.limits });
    w.unref();
    return w;
  }

  /** Whether a job of this lane may start now. */
  private admits(lane: Lane): boolean {
    const used = this.taken.live + this.taken.background;
    if (used >= this.size) return false;
    if (lane === 'live') return true;
    // background: never the last free worker, and never ahead of a waiting live job
    return this.taken.background < Math.max(1, this.size - 1) && !this.waiting.some((w) => w.lane === 'live');
  }

  /** Admit waiters in order, live ones first, while slots allow. */
  private wake(): void {
    for (const lane of ['live', 'background'] as const) {
      for (let i = 0; i < this.waiting.length; ) {
        const w = this.waiting[i]!;
        if (w.lane !== lane || !this.admits(lane)) {
          i++;
          continue;
        }
        this.waiting.splice(i, 1);
        this.taken[lane]++;
        w.admit();
      }
    }
  }

  private release(r: Running, reuse: boolean): void {
    if (r.done) return;
    r.done = true;
    if (r.timer) clearTimeout(r.timer);
    r.detach();
    this.running.delete(r);
    this.taken[r.lane]--;
    if (reuse) this.idle.push(r.worker);
    else void r.worker.terminate();
    this.wake();
  }

  run(job: Job, timeoutMs: number, lane: Lane = 'live'): JobHandle {
    let cancelled = false;
    let current: Running | undefined;
    let waiter: Waiter | undefined;
    const admitted = new Promise<void>((admit, reject) => {
      if (this.admits(lane)) {
        this.taken[lane]++;
        admit();
        return;
      }
      waiter = { lane, admit, reject };
      this.waiting.push(waiter);
    });
    const promise = (async (): Promise<JobResult> => {
      await admitted;
      if (cancelled) {
        this.taken[lane]--;
        this.wake();
        throw new JobCancelled();
      }
      const worker = this.idle.pop() ?? this.spawn();
      return new Promise<JobResult>((resolve, reject) => {
        const r: Running = { worker, id: this.nextId++, lane, resolve, reject, timer: undefined, done: false, detach: () => undefined };
        current = r;
        this.running.add(r);
        const onMessage = (msg: WorkerReply): void => {
          if (msg.id !== r.id) return;
          this.release(r, true);
          if (msg.ok) resolve(msg.result);
          else reject(new WorkerFailure(msg.error));
        };
        const onError = (e: Error & { code?: string }): void => {
          this.release(r, false);
          reject(new WorkerFailure(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the exploration ran out of memory (worker heap limit ${this.limits.maxOldGenerationSizeMb} MB) and was stopped: lower vmscen.maxStates` : `the exploration worker crashed: ${e.message}`));
        };
        const onExit = (code: number): void => {
          this.release(r, false);
          reject(new WorkerFailure(`the exploration worker exited (code ${code})`));
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        r.detach = () => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        };
        r.timer = setTimeout(() => {
          this.release(r, false);
          reject(new WorkerFailure(`the exploration worker did not answer within ${Math.round(timeoutMs / 1000)} s and was restarted`));
        }, timeoutMs);
        worker.postMessage({ id: r.id, job });
      });
    })();
    return {
      promise,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        if (waiter) {
          // still queued: leave the queue without taking a worker
          const i = this.waiting.indexOf(waiter);
          if (i >= 0) {
            this.waiting.splice(i, 1);
            waiter.reject(new JobCancelled());
            this.wake();
            return;
          }
        }
        if (current && !current.done) {
          const r = current;
          this.release(r, false);
          r.reject(new JobCancelled());
        }
      },
    };
  }

  get busy(): number {
    return this.running.size;
  }

  /** Jobs waiting for a worker, per lane (for tests). */
  queued(lane: Lane): number {
    return this.waiting.filter((w) => w.lane === lane).length;
  }

  dispose(): void {
    for (const w of this.waiting.splice(0)) w.reject(new JobCancelled());
    for (const r of [...this.running]) {
      this.release(r, false);
      r.reject(new JobCancelled());
    }
    for (const w of this.idle) void w.terminate();
    this.idle = [];
  }
}

// Exploration workers. A job runs in a worker thread; cancelling it terminates the worker (a
// search in progress cannot be interrupted otherwise), and a worker that crashes or runs past
// its deadline is terminated too. A fresh worker replaces it on the next job.
import { Worker } from 'node:worker_threads';
import type { Job, JobResult, WorkerReply } from './jobs';

export class JobCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export class WorkerFailure extends Error {}

interface Running {
  readonly worker: Worker;
  readonly id: number;
  /** Detach this job's listeners from the worker (it may be reused). */
  detach: () => void;
  readonly resolve: (r: JobResult) => void;
  readonly reject: (e: Error) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
}

export interface JobHandle {
  readonly promise: Promise<JobResult>;
  cancel(): void;
}

export class WorkerPool {
  private idle: Worker[] = [];
  private readonly running = new Set<Running>();
  private readonly waiting: (() => void)[] = [];
  private nextId = 1;
  /** Workers started so far (restarts included), for tests and logs. */
  started = 0;

  constructor(
    private readonly script: string,
    private readonly size = 2,
  ) {}

  private spawn(): Worker {
    this.started++;
    const w = new Worker(this.script);
    w.unref();
    return w;
  }

  private async slot(): Promise<Worker> {
    while (this.running.size >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    return this.idle.pop() ?? this.spawn();
  }

  private release(r: Running, reuse: boolean): void {
    if (r.done) return;
    r.done = true;
    if (r.timer) clearTimeout(r.timer);
    r.detach();
    this.running.delete(r);
    if (reuse) this.idle.push(r.worker);
    else void r.worker.terminate();
    this.waiting.shift()?.();
  }

  run(job: Job, timeoutMs: number): JobHandle {
    let cancelled = false;
    let current: Running | undefined;
    const promise = (async (): Promise<JobResult> => {
      const worker = await this.slot();
      if (cancelled) {
        this.idle.push(worker);
        this.waiting.shift()?.();
        throw new JobCancelled();
      }
      return new Promise<JobResult>((resolve, reject) => {
        const r: Running = { worker, id: this.nextId++, resolve, reject, timer: undefined, done: false, detach: () => undefined };
        current = r;
        this.running.add(r);
        const onMessage = (msg: WorkerReply): void => {
          if (msg.id !== r.id) return;
          this.release(r, true);
          if (msg.ok) resolve(msg.result);
          else reject(new WorkerFailure(msg.error));
        };
        const onError = (e: Error): void => {
          this.release(r, false);
          reject(new WorkerFailure(`the exploration worker crashed: ${e.message}`));
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
        cancelled = true;
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

  dispose(): void {
    for (const r of [...this.running]) {
      this.release(r, false);
      r.reject(new JobCancelled());
    }
    for (const w of this.idle) void w.terminate();
    this.idle = [];
  }
}

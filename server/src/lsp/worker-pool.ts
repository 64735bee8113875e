// Exploration workers. A job runs in a worker thread. Cancelling a running job is cooperative:
// each worker shares a flag with the pool (an Int32Array over a SharedArrayBuffer) that every
// search's budget polls, so the job stops within a few thousand states, answers (incomplete;
// the answer is dropped), and the same worker takes the next job — a job that needs a worker
// while one is stopping waits for it rather than starting another. A worker that does not
// answer within CANCEL_GRACE_MS of its cancellation, crashes, runs out of its heap or runs past
// its deadline is terminated; a fresh worker replaces it on the next job. Jobs come in two
// lanes: `live` (as-you-type exploration and checks the user waits for) and `background`
// (traces, design comparisons, files the editor has not opened). Background jobs never take the
// last free worker, and a waiting live job goes first, so diagnostics never queue behind a
// comparison. A job cancelled while it waits leaves the queue at once.
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { JobCancelled, WorkerFailure, type ExploreRunner, type JobHandle, type Lane } from './explore-runner';
import type { Job, JobResult, WorkerInit, WorkerReply } from './jobs';

export { JobCancelled, WorkerFailure, type JobHandle, type Lane };

/** A worker thread, its cancellation flag, and who listens to it now (the job it runs, or its draining). */
interface PooledWorker {
  readonly worker: Worker;
  readonly flag: Int32Array;
  /** 1 for the first worker the pool started, 2 for the next, … (the logs name it). */
  readonly serial: number;
  onReply: ((msg: WorkerReply) => void) | undefined;
  onGone: ((why: string) => void) | undefined;
  gone: boolean;
}

interface Running {
  readonly pw: PooledWorker;
  readonly id: number;
  readonly lane: Lane;
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

/** How long a cancelled job's worker has to answer before it is terminated. */
export const CANCEL_GRACE_MS = 2_000;

export class WorkerPool implements ExploreRunner {
  private idle: PooledWorker[] = [];
  private readonly running = new Set<Running>();
  /** Workers whose job was cancelled, until they answer (then idle) or are terminated. */
  private readonly draining = new Map<PooledWorker, NodeJS.Timeout>();
  /** Admitted jobs waiting for a draining worker. */
  private readonly claims: { readonly take: (pw: PooledWorker) => void; readonly reject: (e: Error) => void }[] = [];
  private readonly waiting: Waiter[] = [];
  /** Slots taken per lane (a slot is taken when a job is admitted, before its worker starts). */
  private readonly taken: Record<Lane, number> = { live: 0, background: 0 };
  private nextId = 1;
  private disposed = false;
  /** Workers started so far (restarts included), for tests and logs. */
  started = 0;

  constructor(
    private readonly script: string,
    private readonly size = 2,
    private readonly limits: ResourceLimits = WORKER_LIMITS,
    /** Where the pool says a worker started or was terminated (the server's log). */
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  private say(message: string): void {
    if (!this.disposed) this.log(message);
  }

  private spawn(): PooledWorker {
    this.started++;
    const cancel = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
    const init: WorkerInit = { cancel };
    const worker = new Worker(this.script, { resourceLimits: this.limits, workerData: init });
    worker.unref();
    const pw: PooledWorker = { worker, flag: new Int32Array(cancel), serial: this.started, onReply: undefined, onGone: undefined, gone: false };
    worker.on('message', (msg: WorkerReply) => pw.onReply?.(msg));
    worker.on('error', (e: Error & { code?: string }) => this.lost(pw, e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the exploration ran out of memory (worker heap limit ${this.limits.maxOldGenerationSizeMb} MB) and was stopped: lower vmscen.maxStates` : `the exploration worker crashed: ${e.message}`));
    worker.on('exit', (code: number) => this.lost(pw, `the exploration worker exited (code ${code})`));
    this.say(`exploration worker ${pw.serial} started (thread ${worker.threadId})`);
    return pw;
  }

  /** A worker ended by itself (crash, heap, exit): whoever listened to it hears why. */
  private lost(pw: PooledWorker, why: string): void {
    if (pw.gone) return;
    pw.gone = true;
    this.idle = this.idle.filter((x) => x !== pw);
    this.say(`exploration worker ${pw.serial} ended: ${why}`);
    const onGone = pw.onGone;
    pw.onReply = pw.onGone = undefined;
    onGone?.(why);
  }

  private terminate(pw: PooledWorker, why: string): void {
    if (pw.gone) return;
    pw.gone = true;
    pw.onReply = pw.onGone = undefined;
    this.say(`exploration worker ${pw.serial} terminated: ${why}`);
    void pw.worker.terminate();
  }

  /** A worker for an admitted job: an idle one, else one that is stopping a cancelled job, else a new one. */
  private acquire(): Promise<PooledWorker> {
    const pw = this.idle.pop();
    if (pw) return Promise.resolve(pw);
    if (this.draining.size > this.claims.length) return new Promise((take, reject) => this.claims.push({ take, reject }));
    return Promise.resolve(this.spawn());
  }

  /** A worker is free: to the first job waiting for one, else idle. */
  private free(pw: PooledWorker): void {
    pw.onReply = pw.onGone = undefined;
    const claim = this.claims.shift();
    if (claim) claim.take(pw);
    else this.idle.push(pw);
  }

  /** A draining worker is gone: a job that counted on it gets a new worker instead. */
  private drainedAway(): void {
    if (this.claims.length > this.draining.size) this.claims.shift()!.take(this.spawn());
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

  /** A job is over: its slot is free; its worker is freed (reuse), terminated, or left to drain. */
  private finish(r: Running, then: 'reuse' | 'terminate' | 'drain' | 'gone', why = ''): void {
    if (r.done) return;
    r.done = true;
    if (r.timer) clearTimeout(r.timer);
    this.running.delete(r);
    this.taken[r.lane]--;
    if (then === 'reuse') this.free(r.pw);
    else if (then === 'terminate') this.terminate(r.pw, why);
    else if (then === 'drain') this.drain(r);
    this.wake();
  }

  /** Cancel a running job through its worker's flag; the worker is freed when it answers, terminated if it does not in time. */
  private drain(r: Running): void {
    const pw = r.pw;
    Atomics.store(pw.flag, 0, 1);
    const grace = setTimeout(() => {
      this.draining.delete(pw);
      this.terminate(pw, `it did not stop within ${CANCEL_GRACE_MS} ms of its job's cancellation`);
      this.drainedAway();
    }, CANCEL_GRACE_MS);
    grace.unref();
    this.draining.set(pw, grace);
    pw.onReply = (msg) => {
      if (msg.id !== r.id) return;
      clearTimeout(grace);
      this.draining.delete(pw);
      this.free(pw);
    };
    pw.onGone = () => {
      clearTimeout(grace);
      this.draining.delete(pw);
      this.drainedAway();
    };
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
      let pw: PooledWorker;
      try {
        if (cancelled) throw new JobCancelled();
        pw = await this.acquire();
      } catch (e) {
        this.taken[lane]--;
        this.wake();
        throw e;
      }
      if (cancelled) {
        this.free(pw);
        this.taken[lane]--;
        this.wake();
        throw new JobCancelled();
      }
      return new Promise<JobResult>((resolve, reject) => {
        const r: Running = { pw, id: this.nextId++, lane, reject, timer: undefined, done: false };
        current = r;
        this.running.add(r);
        pw.onReply = (msg) => {
          if (msg.id !== r.id) return;
          this.finish(r, 'reuse');
          if (msg.ok) resolve(msg.result);
          else reject(new WorkerFailure(msg.error));
        };
        pw.onGone = (why) => {
          this.finish(r, 'gone');
          reject(new WorkerFailure(why));
        };
        r.timer = setTimeout(() => {
          this.finish(r, 'terminate', `its job ran past its ${Math.round(timeoutMs / 1000)} s deadline`);
          reject(new WorkerFailure(`the exploration worker did not answer within ${Math.round(timeoutMs / 1000)} s and was restarted`));
        }, timeoutMs);
        Atomics.store(pw.flag, 0, 0);
        pw.worker.postMessage({ id: r.id, job });
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
          this.finish(r, 'drain');
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
    this.disposed = true;
    for (const w of this.waiting.splice(0)) w.reject(new JobCancelled());
    for (const c of this.claims.splice(0)) c.reject(new JobCancelled());
    for (const r of [...this.running]) {
      this.finish(r, 'terminate', 'the server is shutting down');
      r.reject(new JobCancelled());
    }
    for (const [pw, grace] of this.draining) {
      clearTimeout(grace);
      this.terminate(pw, 'the server is shutting down');
    }
    this.draining.clear();
    for (const pw of this.idle) this.terminate(pw, 'the server is shutting down');
    this.idle = [];
  }
}

// The exploration worker: runs analyses (parse, check, explore, judge) off the language
// server's main loop. The server cancels a job by setting the worker's shared flag, which every
// search's budget polls: the job ends incomplete, answers, and the worker takes the next job. It
// terminates a worker only when that answer does not come, and restarts it after a crash.
import { parentPort, workerData } from 'node:worker_threads';
import { analyze, runTask } from '../analysis/analyze';
import { checkFile } from '../analysis/check-file';
import { traceView } from '../analysis/trace-view';
import { DESIGNS } from '../engine/settings';
import type { CompareResult, DesignCell } from '../protocol';
import type { Job, JobResult, WorkerInit, WorkerReply, WorkerRequest } from './jobs';

const flag = new Int32Array((workerData as WorkerInit).cancel);
/** The budgets' cancellation check: the server sets the flag to stop the job that runs. */
const cancelled = (): boolean => Atomics.load(flag, 0) !== 0;
const now = (): number => Date.now();

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

function compare(job: Extract<Job, { kind: 'compare' }>): CompareResult {
  const designs = DESIGNS.map((d) => d.value);
  const fa = analyze(job.text, { designs, maxStates: job.maxStates, maxMs: job.maxMs, maxBytes: job.maxBytes, now, cancelled, ...(job.scenario ? { only: [job.scenario] } : {}) });
  const names = [...new Set(fa.scenarios.map((s) => s.name))];
  return {
    designs,
    rows: names.map((scenario) => ({
      scenario,
      cells: designs.map((design): DesignCell => {
        const sc = fa.scenarios.find((s) => s.name === scenario && s.locking === design)!;
        const findings = [...sc.races, ...sc.violations].map((f) => ({ type: f.type, code: f.code, line: f.line, trace: f.trace.map((t) => `${t.thread}: ${t.step}`) }));
        const codes = [...new Set(findings.map((f) => f.code))];
        const verdict = !sc.explored ? 'not explored' : sc.error ? 'error' : `${codes.length ? codes.join(', ') : 'clean'}${sc.complete ? '' : ' (incomplete)'}`;
        return { design, verdict, findings, complete: sc.complete, states: sc.stats.states, ...(sc.error ? { error: sc.error } : {}) };
      }),
    })),
  };
}

function run(job: Job): JobResult {
  testFaults(job.text);
  switch (job.kind) {
    case 'analyze':
      return { kind: 'analyze', analysis: analyze(job.text, { ...job.options, now, cancelled }) };
    case 'explore':
      return { kind: 'explore', results: job.tasks.map((t) => runTask(t, { now, cancelled })) };
    case 'trace':
      return { kind: 'trace', view: traceView(checkFile(job.text), job.request, cancelled) };
    case 'compare':
      return { kind: 'compare', table: compare(job) };
  }
}

parentPort?.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: msg.id, ok: true, result: run(msg.job) };
  } catch (e) {
    if ((e as Error).message === 'injected worker crash') process.exit(3);
    reply = { id: msg.id, ok: false, error: (e as Error).stack ?? String(e) };
  }
  parentPort!.postMessage(reply);
});

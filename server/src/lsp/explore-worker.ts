// The exploration worker: runs analyses (parse, check, explore, judge) off the language
// server's main loop. The server terminates it to cancel a job and restarts it after a crash.
import { parentPort } from 'node:worker_threads';
import { analyze, analyzeScenario } from '../analysis/analyze';
import { checkFile } from '../analysis/check-file';
import { searchScenarioFixes } from '../analysis/fix-search';
import { traceView } from '../analysis/trace-view';
import { DESIGNS } from '../engine/settings';
import type { CompareResult, DesignCell } from '../protocol';
import type { Job, JobResult, WorkerReply, WorkerRequest } from './jobs';

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
  const fa = analyze(job.text, { designs, maxStates: job.maxStates, maxMs: job.maxMs, maxBytes: job.maxBytes, now: () => Date.now(), ...(job.scenario ? { only: [job.scenario] } : {}) });
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

/** The fix search for one finding: its scenario explored again here, then the candidates. */
function fixes(job: Extract<Job, { kind: 'fixes' }>): Extract<JobResult, { kind: 'fixes' }> {
  const file = checkFile(job.text);
  const sc = file.scenarios.find((s) => s.ast.span.line <= job.finding.line && job.finding.line <= s.ast.span.endLine);
  if (!sc) return { kind: 'fixes', fixes: [], complete: true };
  const now = (): number => Date.now();
  const analysis = analyzeScenario(file, sc, sc.model.design, { maxStates: job.maxStates, maxMs: job.maxMs, maxBytes: job.maxBytes, now });
  if (!analysis.explored || !analysis.complete) return { kind: 'fixes', fixes: [], complete: false };
  const res = searchScenarioFixes(file, sc, analysis, { target: job.finding, maxMs: job.maxMs, maxBytes: job.maxBytes, now });
  const found = res.findings[0];
  if (!found) return { kind: 'fixes', fixes: [], complete: true };
  return { kind: 'fixes', fixes: found.fixes.map((f) => ({ title: f.candidate.title, edits: f.candidate.edits })), complete: found.complete };
}

function run(job: Job): JobResult {
  testFaults(job.text);
  switch (job.kind) {
    case 'analyze':
      return { kind: 'analyze', analysis: analyze(job.text, { ...job.options, now: () => Date.now() }) };
    case 'trace':
      return { kind: 'trace', view: traceView(checkFile(job.text), job.request) };
    case 'compare':
      return { kind: 'compare', table: compare(job) };
    case 'fixes':
      return fixes(job);
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

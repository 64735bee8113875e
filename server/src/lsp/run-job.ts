// What an exploration worker does with a job (parse, check, explore, judge), shared by the Node
// worker thread (explore-worker.ts) and the browser's web worker (browser-explore-worker.ts).
import { analyze, analyzeScenario, runTask } from '../analysis/analyze';
import { checkFile } from '../analysis/check-file';
import { searchScenarioFixes } from '../analysis/fix-search';
import { traceView } from '../analysis/trace-view';
import { DESIGNS } from '../engine/settings';
import type { CompareResult, DesignCell } from '../protocol';
import type { Job, JobResult } from './jobs';

function compare(job: Extract<Job, { kind: 'compare' }>, cancelled: () => boolean): CompareResult {
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

const now = (): number => Date.now();

/** The fix search for one finding: its scenario explored again here, then the candidates. */
function fixes(job: Extract<Job, { kind: 'fixes' }>, cancelled: () => boolean): Extract<JobResult, { kind: 'fixes' }> {
  const file = checkFile(job.text);
  const sc = file.scenarios.find((s) => s.ast.span.line <= job.finding.line && job.finding.line <= s.ast.span.endLine);
  if (!sc) return { kind: 'fixes', fixes: [], complete: true };
  const analysis = analyzeScenario(file, sc, sc.model.design, { maxStates: job.maxStates, maxMs: job.maxMs, maxBytes: job.maxBytes, now, cancelled });
  if (!analysis.explored || !analysis.complete) return { kind: 'fixes', fixes: [], complete: false };
  const res = searchScenarioFixes(file, sc, analysis, { target: job.finding, maxMs: job.maxMs, maxBytes: job.maxBytes, now, cancelled });
  const found = res.findings[0];
  if (!found) return { kind: 'fixes', fixes: [], complete: true };
  return { kind: 'fixes', fixes: found.fixes.map((f) => ({ title: f.candidate.title, edits: f.candidate.edits })), complete: found.complete };
}

/**
 * Run one job to its answer, in whichever worker this is. `cancelled` is what every search's
 * budget polls (the Node worker's shared flag; a browser worker is terminated instead).
 */
export function runJob(job: Job, cancelled: () => boolean = () => false): JobResult {
  switch (job.kind) {
    case 'analyze':
      return { kind: 'analyze', analysis: analyze(job.text, { ...job.options, now, cancelled }) };
    case 'explore':
      return { kind: 'explore', results: job.tasks.map((t) => runTask(t, { now, cancelled })) };
    case 'trace':
      return { kind: 'trace', view: traceView(checkFile(job.text), job.request, cancelled) };
    case 'compare':
      return { kind: 'compare', table: compare(job, cancelled) };
    case 'fixes':
      return fixes(job, cancelled);
  }
}

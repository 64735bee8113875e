// Judging `expect` lines (SPEC §8) against what exploration found.
import type { StopReason } from '../explore/budget';
import type { Expectation } from '../lang/checks';
import type { ExpectationResult, FindingView } from './views';

function describeStop(reason: StopReason | undefined, states: number): string {
  switch (reason) {
    case 'state-limit':
      return `exploration stopped at its state limit (${states} states)`;
    case 'time-limit':
      return `exploration stopped at its time limit (${states} states)`;
    case 'cancelled':
      return 'exploration was cancelled';
    case 'error':
      return 'exploration failed';
    default:
      return 'exploration was cut short';
  }
}

function where(f: FindingView): string {
  return `${f.type === 'race' ? 'race' : 'violation'} ${f.code} at line ${f.line}${f.thread ? ` (${f.thread})` : ''}`;
}

/** Judge each expectation (`finding`: an index into `findings`); `covered[i]` says whether finding i is covered by an `expect`. */
export function judgeExpectations(
  expectations: readonly Expectation[],
  findings: readonly FindingView[],
  complete: boolean,
  reason: StopReason | undefined,
  states: number,
): { results: ExpectationResult[]; covered: boolean[] } {
  const covered = findings.map(() => false);
  const results: ExpectationResult[] = [];
  const matching = (pred: (f: FindingView) => boolean): number[] => findings.map((f, i) => (pred(f) ? i : -1)).filter((i) => i >= 0);
  const stop = describeStop(reason, states);
  for (const e of expectations) {
    const pos = { line: e.span.line, col: e.span.col, endLine: e.span.endLine, endCol: e.span.endCol, text: e.text };
    const positive = (idx: number[], what: string): ExpectationResult => {
      for (const i of idx) covered[i] = true;
      if (idx.length > 0) return { ...pos, status: 'met', message: `found: ${where(findings[idx[0]!]!)}`, finding: idx[0]! };
      if (!complete) return { ...pos, status: 'inconclusive', message: `${what} not found yet: ${stop}` };
      return { ...pos, status: 'failed', message: `no ${what} is reachable` };
    };
    const negative = (idx: number[], what: string): ExpectationResult => {
      if (idx.length > 0) return { ...pos, status: 'failed', message: `found ${where(findings[idx[0]!]!)}`, finding: idx[0]! };
      if (!complete) return { ...pos, status: 'inconclusive', message: `no ${what} found so far, but ${stop}` };
      return { ...pos, status: 'met', message: `no ${what} is reachable` };
    };
    switch (e.kind) {
      case 'race':
        results.push(positive(matching((f) => f.type === 'race' && f.code === e.code), `race ${e.code}`));
        break;
      case 'violation':
        results.push(positive(matching((f) => f.type === 'violation' && f.code === e.code), `violation ${e.code}`));
        break;
      case 'deadlock':
        results.push(positive(matching((f) => f.type === 'race' && f.code === 'deadlock'), 'deadlock'));
        break;
      case 'no-race':
        results.push(negative(matching((f) => f.type === 'race' && (e.code === undefined || f.code === e.code)), e.code ? `race ${e.code}` : 'race'));
        break;
      case 'no-violation':
        results.push(negative(matching((f) => f.type === 'violation' && (e.code === undefined || f.code === e.code)), e.code ? `violation ${e.code}` : 'violation'));
        break;
      case 'no-deadlock':
        results.push(negative(matching((f) => f.type === 'race' && f.code === 'deadlock'), 'deadlock'));
        break;
      case 'clean':
        results.push(negative(matching(() => true), 'race or violation'));
        break;
    }
  }
  return { results, covered };
}

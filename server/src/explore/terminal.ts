// What a terminal state shows: a deadlock (with the wait-for cycle) or a failing `check final`.
import type { Exec } from '../engine/exec';
import type { FindingEvent } from '../engine/events';
import * as L from '../engine/layout';
import type { ScenarioSpec } from '../engine/scenario';
import { evalCond } from './check-final';

/** Deadlock and `check final` in a terminal state. Returns true if only userfaultfd waiters remain. */
export function terminalFindings(exec: Exec, s: Int32Array, spec: ScenarioSpec, report: (event: FindingEvent) => void): boolean {
  const m = exec.m;
  const blocked: number[] = [];
  let uffdOnly = true;
  for (let t = 0; t < spec.threads.length; t++) {
    if (exec.isDone(s, t)) continue;
    blocked.push(t);
    if (s[m.th(t, L.T_STATUS)] !== L.WAIT_UFFD) uffdOnly = false;
  }
  const add = report;
  if (blocked.length > 0 && !uffdOnly) {
    const waits = blocked.map((t) => exec.waitInfo(s, t)).filter((w) => w !== undefined);
    const cycle = findCycle(waits);
    const name = (t: number): string => spec.threads[t]!.name;
    const describe = (w: (typeof waits)[number]): string => `${name(w.thread)} waits for ${w.what}${w.holders.length ? ` ${w.queuedAhead ? 'held or queued ahead (a fair lock) by' : 'held by'} ${w.holders.map(name).join(', ')}` : ''}`;
    const shown = cycle ?? waits;
    const first = shown[0] ?? waits[0]!;
    add({
      type: 'race',
      code: 'deadlock',
      place: { thread: first.thread, step: exec.curStep(s, first.thread) === Infinity ? 0 : exec.curStep(s, first.thread) },
      message: `deadlock: ${shown.map(describe).join('; ')}${cycle ? ' (a cycle)' : ''}`,
      related: shown.slice(1).map((w) => ({ thread: w.thread, step: Math.min(exec.curStep(s, w.thread), spec.threads[w.thread]!.steps.length - 1) })),
    });
    return false;
  }
  spec.checks.forEach((c, i) => {
    const r = evalCond(c.cond, exec, s);
    if (!r.ok) add({ type: 'race', code: 'check-failed', place: { thread: -1, step: i }, message: `check final fails: ${r.detail}`, related: [] });
  });
  return blocked.length > 0;
}

function findCycle<T extends { thread: number; holders: readonly number[] }>(waits: T[]): T[] | undefined {
  const byThread = new Map(waits.map((w) => [w.thread, w]));
  for (const start of waits) {
    const seen: T[] = [];
    let cur: T | undefined = start;
    while (cur && !seen.includes(cur)) {
      seen.push(cur);
      const nextHolder: number | undefined = cur.holders.find((h) => byThread.has(h));
      cur = nextHolder === undefined ? undefined : byThread.get(nextHolder);
    }
    if (cur) return seen.slice(seen.indexOf(cur));
  }
  return undefined;
}

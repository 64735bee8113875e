// What a terminal state shows: a deadlock (with the wait-for cycle) or a failing `check final`.
import type { Exec } from '../engine/exec';
import type { FindingEvent } from '../engine/events';
import * as L from '../engine/layout';
import type { ScenarioSpec } from '../engine/scenario';
import { evalCond } from './check-final';
import type { TerminalKind } from './outcomes';
import { findCycle } from './wait-cycle';

/** Deadlock and `check final` in a terminal state; how it ended (all done, only userfaultfd waiters left, a deadlock). */
export function terminalFindings(exec: Exec, s: Int32Array, spec: ScenarioSpec, report: (event: FindingEvent) => void): TerminalKind {
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
    return 'deadlock';
  }
  spec.checks.forEach((c, i) => {
    const r = evalCond(c.cond, exec, s);
    if (!r.ok) add({ type: 'race', code: 'check-failed', place: { thread: -1, step: i }, message: `check final fails: ${r.detail}`, related: [] });
  });
  return blocked.length > 0 ? 'uffd' : 'done';
}

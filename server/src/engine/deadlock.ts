// What a thread that cannot move waits for, and who holds it: the explorer builds the wait-for
// cycle of a deadlock from these. Lock waits come from the lock modules; a step that cannot
// run says what it waits for in its semantics entry.
import type { ExecContext } from './context';
import * as L from './layout';
import { mmapWaitInfo } from './locks/mmap-rwsem';
import { rangeWaitInfo } from './locks/range';
import { vmaWriteWaitInfo } from './locks/vma';
import type { State } from './machine';
import type { WaitInfo } from './micro-sem';
import { SEM_BY_CODE } from './semantics';
import { ipiWait } from './tlb';

export function waitInfo(cx: ExecContext, s: State, t: number): WaitInfo | undefined {
  const m = cx.m;
  if (cx.isDone(s, t)) return undefined;
  const st = s[m.th(t, L.T_STATUS)]!;
  const mm = cx.tMm[t]!;
  const ins = cx.instr(s, t);
  if (st === L.WAIT_UFFD) return { thread: t, what: 'userfaultfd (no unprotect resolves it)', holders: [] };
  if (st === L.STUCK) return { thread: t, what: 'a lock it already holds', holders: [t] };
  if (st === L.WAIT_VMA_WRITE && ins?.kind === 'vma-write-lock') return vmaWriteWaitInfo(cx, s, t, ins.op);
  if (st === L.WAIT_RANGE) return rangeWaitInfo(cx, s, t);
  if (st === L.WAIT_MMAP) return mmapWaitInfo(cx, s, t);
  const forker = cx.spec.mms[mm]!.forkedBy;
  if (forker && (s[m.mm(mm, L.M_EXISTS)] === 0 || cx.curStep(s, forker.thread) <= forker.step)) return { thread: t, what: 'its fork to return', holders: [forker.thread] };
  if (!ins) return undefined;
  const sem = SEM_BY_CODE[ins.code]!;
  return sem.waitsFor ? sem.waitsFor(cx, s, t, ins) : ipiWait(cx, s, t);
}

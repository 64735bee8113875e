// A thread's program ends (or it dies with SIGSEGV): every lock it still holds is reported
// (lock-held-at-exit, at the step that took it) and released, and IRQs come back on.
import type { ExecContext } from './context';
import type { Place } from './events';
import type { MicroKind } from './instr';
import * as L from './layout';
import { holdsMmap, mmapRelease } from './locks/mmap-rwsem';
import { ptName } from './locks/ptl';
import { vmaReadDrop } from './locks/vma';
import type { State } from './machine';
import { rcuQuiesce } from './page-tables';

export function threadExit(cx: ExecContext, s: State, t: number): void {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  /** The last step of the thread with a micro-step of `kind` (that `match` accepts): where the lock was taken. */
  const acquiredBy = (kind: MicroKind, match: (region: number) => boolean = () => true): Place => {
    const ins = cx.programs[t]!.instrs;
    for (let i = ins.length - 1; i >= 0; i--) if (ins[i]!.kind === kind && match(ins[i]!.region)) return { thread: t, step: ins[i]!.step };
    return { thread: t, step: Math.max(0, cx.spec.threads[t]!.steps.length - 1) };
  };
  if (holdsMmap(cx, s, t)) {
    cx.violation('lock-held-at-exit', `${cx.tn(t)} ends holding mmap_lock`, acquiredBy('lock-mmap'));
    while (holdsMmap(cx, s, t)) mmapRelease(cx, s, t);
  }
  const ptls = s[m.th(t, L.T_PTLS)]!;
  if (ptls !== 0) {
    for (let r = 0; r < cx.L.nRegion; r++) {
      if (!(ptls & (1 << m.ptIndex(mm, r)))) continue;
      cx.violation('lock-held-at-exit', `${cx.tn(t)} ends holding ${ptName(cx, m.ptIndex(mm, r))}`, acquiredBy('lock-ptl', (region) => region === r));
    }
  }
  if (m.holdsVmaRead(s, t)) {
    cx.violation('lock-held-at-exit', `${cx.tn(t)} ends holding a VMA read lock`, acquiredBy('lock-vma'));
    for (let v = 0; v < cx.L.nVma; v++) while (s[m.vmaRead(t, v)]! > 0) vmaReadDrop(cx, s, t, v);
  }
  cx.design.releaseAtExit(cx, s, t, (kind) => acquiredBy(kind));
  if (s[m.th(t, L.T_IRQ)] === 1) {
    // returning to user space with IRQs off is not modelled as a lock; re-enable them
    s[m.th(t, L.T_IRQ)] = 0;
    rcuQuiesce(cx, s, t);
  }
}

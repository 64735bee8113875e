// `locking pervma` (Linux 6.4+, kernel-rules R19; docs/design-paths.md §1): user faults first try
// lock_vma_under_rcu() (a read lock on the VMA, no mmap_lock) and fall back to mmap_lock; VMA
// writers add vma_start_write(), which marks the VMAs (new VMA readers fail) and waits for the
// readers already in. The marks end with the mmap_lock write unlock (vma_end_write_all).
import type { ExecContext } from '../context';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { holdsMmapWrite } from '../locks/mmap-rwsem';
import { ownVmaReads, vmaReadersGone, vmaWriteTargets } from '../locks/vma';
import { L_VMA, type State } from '../machine';
import type { Next } from '../micro-sem';
import { checkSleep } from '../rules/lock-rules';
import type { StepSpec } from '../scenario';
import { coveredVmas, hasAnonVma } from '../vmas';
import type { StepName } from './design';
import { ClassicDesign } from './classic';

export class PervmaDesign extends ClassicDesign {
  constructor() {
    super('pervma');
  }

  override vmaWriteStep(what: string, which: string): StepName {
    return { text: `${what}: write-lock ${which}`, kernel: 'vma_start_write()' };
  }

  override readonly faultAttempt = 'vma' as const;

  /** vma_start_write(): mark the VMAs at once (new VMA readers fail), then wait for the readers. */
  override vmaWriteLock(cx: ExecContext, s: State, t: number, ins: InstrOf<'vma-write-lock'>): Next {
    const m = cx.m;
    const mm = cx.tMm[t]!;
    const targets = vmaWriteTargets(cx, s, mm, ins.op);
    const stOff = m.th(t, L.T_STATUS);
    if (s[stOff] === L.WAIT_VMA_WRITE) {
      s[stOff] = L.RUN; // the readers left
      return ins.next;
    }
    checkSleep(cx, s, t, 'vma_start_write()');
    if (!holdsMmapWrite(cx, s, t)) cx.violation('vma-needs-mmap-write', `vma_start_write() by ${cx.tn(t)} without mmap_lock held for write`);
    for (const v of targets) {
      if (ownVmaReads(cx, s, t, v) > 0) {
        cx.violation('recursive-lock', `${cx.tn(t)} write-locks a VMA it holds read-locked: vma_start_write() waits for itself`);
        s[stOff] = L.STUCK;
        return undefined;
      }
    }
    // vm_lock_seq is set and the rwsem queued: from now on vma_start_read() fails
    for (const v of targets) s[m.vma(mm, v, L.V_WRITER)] = t + 1;
    if (vmaReadersGone(cx, s, t, ins.op)) return ins.next;
    s[stOff] = L.WAIT_VMA_WRITE;
    return undefined;
  }

  /** The VMA this fault read-locked (even if an unlocked split moved addr to another VMA), or an explicit lock. */
  override walkCovered(cx: ExecContext, s: State, t: number, addr: number): boolean {
    if (super.walkCovered(cx, s, t, addr)) return true;
    if (s[cx.m.loc(t, L_VMA)] !== 0) return true;
    const v = cx.m.vmaAt(s, cx.tMm[t]!, addr);
    return v >= 0 && ownVmaReads(cx, s, t, v) > 0;
  }

  override readonly walkLock: string = 'mmap_lock or a read lock on its VMA';

  /** Besides mmap_lock for write, every VMA changed must be write-locked. */
  override checkVmaWrite(cx: ExecContext, s: State, t: number, what: string, start: number, end: number): void {
    if (!holdsMmapWrite(cx, s, t)) return super.checkVmaWrite(cx, s, t, what, start, end);
    const mm = cx.tMm[t]!;
    for (const v of coveredVmas(cx, s, mm, start, end)) {
      if (s[cx.m.vma(mm, v, L.V_WRITER)] === t + 1) continue;
      cx.violation('vma-needs-mmap-write', `${what} modifies a VMA without vma_start_write(): faults holding its VMA read lock still use it`);
      return;
    }
  }

  /**
   * VMA-locked faults run on a private anonymous VMA of the op that has an anon_vma and that it
   * has not write-locked (a VMA without one gets it only under mmap_lock, which the op holds).
   */
  override faultsCanRun(cx: ExecContext, s: State, t: number, op: StepSpec, region: number): string | undefined {
    const mm = cx.tMm[t]!;
    return (
      super.faultsCanRun(cx, s, t, op, region) ??
      this.locklessFaultsRun(cx, s, t, op, region, (v) => hasAnonVma(cx, s, mm, v) && s[cx.m.vma(mm, v, L.V_WRITER)] !== t + 1, (a) => `the VMA of ${a} is not write-locked (no vma_start_write), so VMA-locked faults run`)
    );
  }

  // ---- stack growth (issue 10) --------------------------------------------------------------

  /** expand_downwards() (6.5+): "Lock the VMA before expanding to prevent concurrent page faults". */
  override stackVmaWrite(cx: ExecContext, s: State, t: number, v: number): void {
    s[cx.m.vma(cx.tMm[t]!, v, L.V_WRITER)] = t + 1;
  }

  override stackVmaReaders(cx: ExecContext, s: State, t: number, v: number): number[] {
    const out: number[] = [];
    for (let u = 0; u < cx.L.nThread; u++) if (u !== t && cx.tMm[u] === cx.tMm[t] && ownVmaReads(cx, s, u, v) > 0) out.push(u);
    return out;
  }
}

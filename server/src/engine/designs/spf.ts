// `locking spf` (Dufour's speculative page faults, v11/v12; kernel-rules R20; docs/design-paths.md
// §2): user faults first run with no mmap_lock from a snapshot of the VMA's sequence count,
// validated at every PTL, and fall back to the classic fault; VMA writers bracket their change
// with vm_write_begin/end (the count is odd inside), closed after the op's TLB flush.
import type { ExecContext } from '../context';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { vmaWriteTargets } from '../locks/vma';
import { L_FLAGS, LF_SPEC, type State } from '../machine';
import type { Next } from '../micro-sem';
import type { StepSpec } from '../scenario';
import type { StepName } from './design';
import { ClassicDesign } from './classic';

export class SpfDesign extends ClassicDesign {
  constructor() {
    super('spf');
  }

  override vmaWriteStep(what: string, which: string): StepName {
    return { text: `${what}: vm_write_begin on ${which}`, kernel: 'vm_write_begin()' };
  }

  override readonly vmWriteEndOnUnlock = true;
  override readonly faultAttempt = 'spec' as const;

  /** vm_write_begin(): the sequence count goes odd until vm_write_end() after the flush. */
  override vmaWriteLock(cx: ExecContext, s: State, t: number, ins: InstrOf<'vma-write-lock'>): Next {
    const mm = cx.tMm[t]!;
    for (const v of vmaWriteTargets(cx, s, mm, ins.op)) {
      s[cx.m.vma(mm, v, L.V_SEQ)]!++;
      s[cx.m.vma(mm, v, L.V_WRITER)] = t + 1;
    }
    return ins.next;
  }

  /** The brackets are not locks: mmap_write_unlock() does not end them. */
  override endVmaWrites(_cx: ExecContext, _s: State, _t: number): void {}

  /** vm_write_end() on every VMA this thread bracketed. */
  override endVmaBrackets(cx: ExecContext, s: State, t: number): void {
    const m = cx.m;
    const mm = cx.tMm[t]!;
    for (let v = 0; v < cx.L.nVma; v++) {
      if (s[m.vma(mm, v, L.V_WRITER)] !== t + 1) continue;
      s[m.vma(mm, v, L.V_WRITER)] = 0;
      s[m.vma(mm, v, L.V_SEQ)]!++;
    }
  }

  /** A speculative fault's walk is covered by its validation at the PTL. */
  override walkCovered(cx: ExecContext, s: State, t: number, addr: number): boolean {
    return super.walkCovered(cx, s, t, addr) || (s[cx.m.loc(t, L_FLAGS)]! & LF_SPEC) !== 0;
  }

  override readonly walkLock: string = 'mmap_lock or speculative validation';

  /** Speculative faults run on a private anonymous VMA of the op that is not inside its vm_write_begin/end. */
  override faultsCanRun(cx: ExecContext, s: State, t: number, op: StepSpec, region: number): string | undefined {
    const mm = cx.tMm[t]!;
    const bracketed = (v: number): boolean => s[cx.m.vma(mm, v, L.V_WRITER)] === t + 1 && (s[cx.m.vma(mm, v, L.V_SEQ)]! & 1) === 1;
    return super.faultsCanRun(cx, s, t, op, region) ?? this.locklessFaultsRun(cx, s, t, op, region, (v) => !bracketed(v), (a) => `the VMA of ${a} is not inside vm_write_begin/end, so speculative faults run`);
  }
}

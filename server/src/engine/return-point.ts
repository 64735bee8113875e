// Where an op returns to user space (SPEC Appendix, "The return point"). An op that a thread
// runs while it holds explicit locks or has IRQs off is part of a kernel path written out by
// hand (`lock mmap write; wrprotect … flush=none; tlbi all; unlock mmap` is clear_refs_write()
// after 912efa17e512: the flush_tlb_mm() comes after the walk, before mmap_write_unlock()), and
// user space sees its effect only when that path returns: when the thread's outermost explicit
// section ends. The races judged "after the op returned" (stale-tlb-write, lost-write through a
// stale entry, cow-isolation after fork) ask this. It is static: computed once per thread from
// its steps, as expand.ts computes the locks a later op inherits.
import { PT_SPAN, type StepSpec } from './scenario';

/** What a thread holds by explicit steps at a point of its program. */
class Section {
  /** mmap_lock acquisitions, innermost last (each `unlock mmap` releases one). */
  private readonly mmap: ('read' | 'write')[] = [];
  private range = 0;
  private readonly ptl = new Set<number>();
  private vmaRead = 0;
  /** `lock vma … write`: ended by the `unlock mmap` of a write lock (vma_end_write_all). */
  private vmaWrite = 0;
  private irqOff = false;

  open(): boolean {
    return this.mmap.length > 0 || this.range > 0 || this.ptl.size > 0 || this.vmaRead > 0 || this.vmaWrite > 0 || this.irqOff;
  }

  apply(s: StepSpec): void {
    if (s.op === 'irq') this.irqOff = !s.on;
    else if (s.op === 'lock') {
      if (s.lock === 'mmap') this.mmap.push(s.mode);
      else if (s.lock === 'range') this.range++;
      else if (s.lock === 'ptl') this.ptl.add(Math.floor(s.addr / PT_SPAN));
      else if (s.mode === 'write') this.vmaWrite++;
      else this.vmaRead++;
    } else if (s.op === 'unlock') {
      // an unlock of a lock not held (unlock-not-held) leaves the section as it is
      if (s.lock === 'mmap') {
        if (this.mmap.pop() === 'write') this.vmaWrite = 0;
      } else if (s.lock === 'range') this.range = Math.max(0, this.range - 1);
      else if (s.lock === 'ptl') this.ptl.delete(Math.floor(s.addr / PT_SPAN));
      else this.vmaRead = Math.max(0, this.vmaRead - 1);
    }
  }
}

/**
 * For each step of a thread, the step after which it has returned to user space: itself, or,
 * for a step run inside an explicit section, the step that closes the outermost section (the
 * last unlock, or `irq on`). A section never closed returns when the thread ends (its exit
 * releases what it holds), so the last step.
 */
export function returnSteps(steps: readonly StepSpec[]): number[] {
  const sec = new Section();
  const openBefore: boolean[] = [];
  const openAfter: boolean[] = [];
  for (const s of steps) {
    openBefore.push(sec.open());
    sec.apply(s);
    openAfter.push(sec.open());
  }
  const out = new Array<number>(steps.length);
  let close = steps.length - 1;
  for (let i = steps.length - 1; i >= 0; i--) {
    if (!openAfter[i]) close = i;
    out[i] = openBefore[i] ? close : i;
  }
  return out;
}

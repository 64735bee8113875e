// Per-VMA locks (`locking pervma`, kernel-rules R19): readers are VMA-locked faults and explicit
// `lock vma … read` steps; vma_start_write() marks the VMAs an op changes (new readers fail)
// and then waits for the readers already in. The marks end with the mmap_lock write unlock.
import type { ExecContext } from '../context';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { L_VMA, type State } from '../machine';
import type { WaitInfo } from '../micro-sem';
import { coveredVmas } from '../vmas';

/** The ops that write-lock VMAs (vma_start_write / vm_write_begin). */
export type VmaWriter = InstrOf<'vma-write-lock'>['op'];

/** The VMAs an op write-locks (pervma) or brackets (spf): those of its range, fork's all. */
export function vmaWriteTargets(cx: ExecContext, s: State, mm: number, op: VmaWriter): number[] {
  if (op.op === 'mprotect' || op.op === 'wrprotect' || op.op === 'munmap') return coveredVmas(cx, s, mm, op.start, op.end);
  // mremap: the old VMA (move_vma(): vma_start_write(vma)); the new one inherits the mark (copy_vma)
  if (op.op === 'mremap') return coveredVmas(cx, s, mm, op.start, op.end);
  return coveredVmas(cx, s, mm, 0, L.RANGE_TOP);
}

/** Read locks t holds on VMA slot v: explicit ones, and the one its VMA-locked fault took. */
export function ownVmaReads(cx: ExecContext, s: State, t: number, v: number): number {
  const m = cx.m;
  let n = cx.L.nVmaReadFields > 0 ? s[m.vmaRead(t, v)]! : 0;
  if (cx.design.traits.faultReadLocksVma && s[m.loc(t, L_VMA)] === v + 1) n++;
  return n;
}

/** Take an explicit VMA read lock. */
export function vmaReadTake(cx: ExecContext, s: State, t: number, v: number): void {
  s[cx.m.vma(cx.tMm[t]!, v, L.V_READERS)]!++;
  s[cx.m.vmaRead(t, v)]!++;
}

/** Drop an explicit VMA read lock. */
export function vmaReadDrop(cx: ExecContext, s: State, t: number, v: number): void {
  s[cx.m.vma(cx.tMm[t]!, v, L.V_READERS)]!--;
  s[cx.m.vmaRead(t, v)]!--;
}

/** Readers of VMA v other than t. */
export function otherVmaReaders(cx: ExecContext, s: State, t: number, v: number): number {
  return s[cx.m.vma(cx.tMm[t]!, v, L.V_READERS)]! - ownVmaReads(cx, s, t, v);
}

/** Have the readers of every VMA this op write-locks (other than t itself) left? */
export function vmaReadersGone(cx: ExecContext, s: State, t: number, op: VmaWriter): boolean {
  for (const v of vmaWriteTargets(cx, s, cx.tMm[t]!, op)) if (otherVmaReaders(cx, s, t, v) > 0) return false;
  return true;
}

/** vma_end_write_all(): end the VMA write locks t holds. */
export function vmaEndWriteAll(cx: ExecContext, s: State, t: number): void {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  for (let v = 0; v < cx.L.nVma; v++) if (s[m.vma(mm, v, L.V_WRITER)] === t + 1) s[m.vma(mm, v, L.V_WRITER)] = 0;
}

/** The other threads of t's mm holding a read lock on VMA v. */
function vmaReaders(cx: ExecContext, s: State, t: number, v: number): number[] {
  const out: number[] = [];
  for (let u = 0; u < cx.L.nThread; u++) if (u !== t && cx.tMm[u] === cx.tMm[t] && ownVmaReads(cx, s, u, v) > 0) out.push(u);
  return out;
}

/** A thread waiting in vma_start_write(): the readers of the VMAs it marked. */
export function vmaWriteWaitInfo(cx: ExecContext, s: State, t: number, op: VmaWriter): WaitInfo {
  const holders: number[] = [];
  for (const v of vmaWriteTargets(cx, s, cx.tMm[t]!, op)) holders.push(...vmaReaders(cx, s, t, v));
  return { thread: t, what: 'VMA readers to leave (vma_start_write)', holders: [...new Set(holders)].sort((a, b) => a - b) };
}

/** A `lock vma` step that cannot proceed: a write waits for the readers, a read for the writer. */
export function lockVmaWaitInfo(cx: ExecContext, s: State, t: number, addr: number, write: boolean): WaitInfo {
  const v = cx.m.vmaAt(s, cx.tMm[t]!, addr);
  const holders: number[] = [];
  if (v >= 0) {
    if (write) holders.push(...vmaReaders(cx, s, t, v));
    else if (s[cx.m.vma(cx.tMm[t]!, v, L.V_WRITER)]) holders.push(s[cx.m.vma(cx.tMm[t]!, v, L.V_WRITER)]! - 1);
  }
  return { thread: t, what: write ? 'VMA readers to leave (vma_start_write)' : 'a write-locked VMA', holders };
}

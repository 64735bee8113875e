// Page-table locks (split PTLs, one spinlock per 2 MiB table): taking and dropping them, the
// lock-order record of nested PTLs (ABBA), and who holds one for deadlock reports.
import type { ExecContext } from '../context';
import { hex } from '../format';
import * as L from '../layout';
import type { State } from '../machine';

export function holdsAnyPtl(cx: ExecContext, s: State, t: number): boolean {
  return s[cx.m.th(t, L.T_PTLS)] !== 0;
}

/** The PTL of (mm, region) is free or already t's (spin_lock would not spin). */
export function ptlAvailable(cx: ExecContext, s: State, t: number, mm: number, region: number): boolean {
  const h = s[cx.m.pt(mm, region, L.PT_PTL)]!;
  return h === 0 || h === t + 1;
}

/** The thread holding the PTL of (mm, region), or -1. */
export function ptlHolder(cx: ExecContext, s: State, mm: number, region: number): number {
  return s[cx.m.pt(mm, region, L.PT_PTL)]! - 1;
}

/** spin_lock(ptl): record the nesting order against every PTL t already holds. */
export function ptlTake(cx: ExecContext, s: State, t: number, mm: number, region: number): void {
  const m = cx.m;
  const idx = m.ptIndex(mm, region);
  const held = s[m.th(t, L.T_PTLS)]!;
  if (held !== 0) {
    for (let a = 0; a < cx.nPt; a++) {
      if (!(held & (1 << a))) continue;
      if (orderSeen(cx, s, idx, a)) cx.violation('lock-order', `page-table locks taken in both orders (ABBA): ${ptName(cx, a)} then ${ptName(cx, idx)} here, the reverse elsewhere`);
      orderMark(cx, s, a, idx);
    }
  }
  s[m.pt(mm, region, L.PT_PTL)] = t + 1;
  s[m.th(t, L.T_PTLS)] = held | (1 << idx);
}

/** spin_unlock(ptl). */
export function ptlDrop(cx: ExecContext, s: State, t: number, mm: number, region: number): void {
  const m = cx.m;
  if (s[m.pt(mm, region, L.PT_PTL)] === t + 1) s[m.pt(mm, region, L.PT_PTL)] = 0;
  s[m.th(t, L.T_PTLS)]! &= ~(1 << m.ptIndex(mm, region));
}

/** "ptl 0x200000" (with the mm's name when there are several): a table by its global index. */
export function ptName(cx: ExecContext, idx: number): string {
  const mm = Math.floor(idx / cx.L.nRegion);
  const r = idx % cx.L.nRegion;
  return `ptl ${hex(cx.L.regions[r]! * 0x200000)}${cx.L.nMm > 1 ? ` (${cx.spec.mms[mm]!.name})` : ''}`;
}

function orderBit(cx: ExecContext, a: number, b: number): [number, number] {
  const k = a * cx.nPt + b;
  return [cx.L.off.global + L.G_PTL_ORDER + Math.floor(k / 31), 1 << k % 31];
}

function orderSeen(cx: ExecContext, s: State, a: number, b: number): boolean {
  const [o, bit] = orderBit(cx, a, b);
  return (s[o]! & bit) !== 0;
}

function orderMark(cx: ExecContext, s: State, a: number, b: number): void {
  const [o, bit] = orderBit(cx, a, b);
  s[o]! |= bit;
}

// Page-table locks (split PTLs, one spinlock per 2 MiB table): taking and dropping them, the
// lock-order record of nested PTLs (ABBA, with the gate lock held), and who holds one for
// deadlock reports.
import type { ExecContext } from '../context';
import type { GateMode } from '../designs/design';
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

/**
 * spin_lock(ptl): record the nesting order against every PTL t already holds, with the gate
 * held, and report lock-order when the reverse order was recorded and no gate held at both
 * serializes the two (below).
 */
export function ptlTake(cx: ExecContext, s: State, t: number, mm: number, region: number): void {
  const m = cx.m;
  const idx = m.ptIndex(mm, region);
  const held = s[m.th(t, L.T_PTLS)]!;
  if (held !== 0) {
    for (let a = 0; a < cx.nPt; a++) if (held & (1 << a)) nestOrder(cx, s, t, held, a, idx);
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

// The nesting-order record (lock-order, ABBA between page-table locks). A cycle of two nesting
// orders is a deadlock only when no common lock serializes the two acquisitions: a gate lock
// (GoodLock; Havelund 2000, Bensalem & Havelund 2005) held at both, exclusively at one of
// them at least. mm/mremap.c move_ptes() nests the old and new PTLs in whatever order the
// addresses give: "exclusive mmap_lock prevents deadlock" (and spin_lock_nested tells lockdep
// the same). Per ordered pair (a, b) the record keeps whether b was taken while holding a, and
// the gate held every time: how the address-space lock was held over both tables (the
// weakest mode seen; design.tableGate) and one other PTL (kept only while every later
// acquisition holds it too). A lost gate can only add a lock-order report, never hide one.

/** Taking PTL b while holding PTL a (global table indices), t's PTLs being `held`. */
function nestOrder(cx: ExecContext, s: State, t: number, held: number, a: number, b: number): void {
  const tm = cx.tMm[t]!;
  const nR = cx.L.nRegion;
  const as: GateMode = Math.floor(a / nR) === tm && Math.floor(b / nR) === tm ? cx.design.tableGate(cx, s, t, a % nR, b % nR) : 0;
  let ptl = 0;
  for (let c = 0; c < cx.nPt && ptl === 0; c++) if (c !== a && held & (1 << c)) ptl = c + 1;
  const rev = orderGet(cx, s, b, a);
  if (rev !== 0) {
    const revAs = ((rev - 1) % 3) as GateMode;
    const revPtl = Math.floor((rev - 1) / 3);
    const asSerial = as !== 0 && revAs !== 0 && (as === 2 || revAs === 2);
    if (!asSerial && !(revPtl !== 0 && held & (1 << (revPtl - 1)))) {
      const gates = (g: GateMode, p: number): string => {
        const names = [g !== 0 ? cx.design.tableGateName[g] : '', p !== 0 ? ptName(cx, p - 1) : ''].filter((x) => x);
        return names.length ? ` under ${names.join(' and ')}` : '';
      };
      cx.violation('lock-order', `page-table locks taken in both orders (ABBA): ${ptName(cx, a)} then ${ptName(cx, b)} here${gates(as, ptl)}, the reverse elsewhere${gates(revAs, revPtl)}, and no lock held at both (exclusively at one) serializes them`);
    }
  }
  const old = orderGet(cx, s, a, b);
  if (old === 0) orderSet(cx, s, a, b, 1 + as + 3 * ptl);
  else {
    const oldPtl = Math.floor((old - 1) / 3);
    const keepPtl = oldPtl !== 0 && held & (1 << (oldPtl - 1)) ? oldPtl : 0;
    orderSet(cx, s, a, b, 1 + Math.min((old - 1) % 3, as) + 3 * keepPtl);
  }
}

/** Where the pair (a, b) lives in the record: its word and bit shift. */
function orderSlot(cx: ExecContext, a: number, b: number): [number, number, number] {
  const w = L.ptlOrderBits(cx.nPt);
  const per = Math.floor(31 / w);
  const k = a * cx.nPt + b;
  return [cx.L.off.global + L.G_PTL_ORDER + Math.floor(k / per), (k % per) * w, (1 << w) - 1];
}

function orderGet(cx: ExecContext, s: State, a: number, b: number): number {
  const [o, sh, mask] = orderSlot(cx, a, b);
  return (s[o]! >>> sh) & mask;
}

function orderSet(cx: ExecContext, s: State, a: number, b: number, v: number): void {
  const [o, sh, mask] = orderSlot(cx, a, b);
  s[o] = (s[o]! & ~(mask << sh)) | (v << sh);
}

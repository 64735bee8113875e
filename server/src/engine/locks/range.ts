// Range locks (`locking range`, kernel-rules R21): a fair range rwlock per mm. Requests wait in
// arrival order in the mm's slots; slot i is granted when no earlier slot (held or waiting)
// overlaps it with a write on either side. Ops lock what they touch (opRange).
import type { ExecContext } from '../context';
import { hex } from '../format';
import * as L from '../layout';
import type { State } from '../machine';
import type { WaitInfo } from '../micro-sem';
import type { StepSpec } from '../scenario';
import { checkLockOrder, checkSleep } from '../rules/lock-rules';
import { wholeVmaSpan } from '../vmas';

function point(cx: ExecContext, addr: number): number {
  const i = cx.pointIndex.get(addr);
  if (i === undefined) throw new Error(`internal: range point ${hex(addr)} not in the layout`);
  return i;
}

/** Index of the first free range slot of mm; slots in use are a prefix, in arrival order. */
function rangeCount(cx: ExecContext, s: State, mm: number): number {
  let i = 0;
  while (i < cx.L.nRangeSlots && s[cx.m.rangeSlot(mm, i, L.RS_INFO)] !== 0) i++;
  return i;
}

/** A fair range rwlock: slot i is granted when no earlier slot overlaps it with a write on either side. */
function rangeGrantable(cx: ExecContext, s: State, mm: number, i: number): boolean {
  const m = cx.m;
  const lo = s[m.rangeSlot(mm, i, L.RS_LO)]!;
  const hi = s[m.rangeSlot(mm, i, L.RS_HI)]!;
  const w = (s[m.rangeSlot(mm, i, L.RS_INFO)]! & L.RI_WRITE) !== 0;
  for (let j = 0; j < i; j++) {
    const info = s[m.rangeSlot(mm, j, L.RS_INFO)]!;
    if (!w && (info & L.RI_WRITE) === 0) continue;
    if (s[m.rangeSlot(mm, j, L.RS_LO)]! < hi && lo < s[m.rangeSlot(mm, j, L.RS_HI)]!) return false;
  }
  return true;
}

function rangeWaitingSlot(cx: ExecContext, s: State, t: number): number {
  const mm = cx.tMm[t]!;
  const n = rangeCount(cx, s, mm);
  for (let i = 0; i < n; i++) {
    const info = s[cx.m.rangeSlot(mm, i, L.RS_INFO)]!;
    if ((info & L.RI_THREAD) === t + 1 && (info & L.RI_HELD) === 0) return i;
  }
  return -1;
}

/** A thread in WAIT_RANGE can take its step: its queued request is now grantable. */
export function rangeWaitGrantable(cx: ExecContext, s: State, t: number): boolean {
  const i = rangeWaitingSlot(cx, s, t);
  return i >= 0 && rangeGrantable(cx, s, cx.tMm[t]!, i);
}

/** Request a range lock [lo, hi); true when held, false when queued (the thread waits). */
export function rangeAcquire(cx: ExecContext, s: State, t: number, lo: number, hi: number, write: boolean, explicit: boolean): boolean {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const stOff = m.th(t, L.T_STATUS);
  if (s[stOff] === L.WAIT_RANGE) {
    const i = rangeWaitingSlot(cx, s, t);
    s[m.rangeSlot(mm, i, L.RS_INFO)]! |= L.RI_HELD;
    s[stOff] = L.RUN;
    return true;
  }
  checkLockOrder(cx, s, t, 'a range lock', 'range lock', '');
  checkSleep(cx, s, t, write ? 'range_write_lock()' : 'range_read_lock()');
  const n = rangeCount(cx, s, mm);
  if (n >= cx.L.nRangeSlots) throw new Error('range-lock slots exhausted (internal limit)');
  const plo = point(cx, lo);
  const phi = point(cx, hi);
  for (let j = 0; j < n; j++) {
    const info = s[m.rangeSlot(mm, j, L.RS_INFO)]!;
    if ((info & L.RI_THREAD) !== t + 1) continue;
    if (s[m.rangeSlot(mm, j, L.RS_LO)]! < phi && plo < s[m.rangeSlot(mm, j, L.RS_HI)]!) {
      cx.violation('recursive-lock', `${cx.tn(t)} takes a range lock overlapping one it holds: the second request waits behind any queued writer${write || info & L.RI_WRITE ? ', and a write on either side waits for itself' : ''}`);
      break;
    }
  }
  s[m.rangeSlot(mm, n, L.RS_LO)] = plo;
  s[m.rangeSlot(mm, n, L.RS_HI)] = phi;
  s[m.rangeSlot(mm, n, L.RS_INFO)] = (t + 1) | (write ? L.RI_WRITE : 0) | (explicit ? L.RI_EXPLICIT : 0);
  if (rangeGrantable(cx, s, mm, n)) {
    s[m.rangeSlot(mm, n, L.RS_INFO)]! |= L.RI_HELD;
    return true;
  }
  s[stOff] = L.WAIT_RANGE;
  return false;
}

/** Release the first held range slot of t that `match` accepts; false if none. */
export function rangeRelease(cx: ExecContext, s: State, t: number, match: (info: number, lo: number, hi: number) => boolean): boolean {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const n = rangeCount(cx, s, mm);
  for (let i = 0; i < n; i++) {
    const info = s[m.rangeSlot(mm, i, L.RS_INFO)]!;
    if ((info & L.RI_THREAD) !== t + 1 || (info & L.RI_HELD) === 0) continue;
    if (!match(info, cx.L.rangePoints[s[m.rangeSlot(mm, i, L.RS_LO)]!]!, cx.L.rangePoints[s[m.rangeSlot(mm, i, L.RS_HI)]!]!)) continue;
    for (let j = i; j < n - 1; j++) for (let k = 0; k < L.RS_SIZE; k++) s[m.rangeSlot(mm, j, k)] = s[m.rangeSlot(mm, j + 1, k)]!;
    for (let k = 0; k < L.RS_SIZE; k++) s[m.rangeSlot(mm, n - 1, k)] = 0;
    if (!holdsAnyRange(cx, s, t)) cx.design.endVmaWrites(cx, s, t);
    return true;
  }
  return false;
}

function holdsAnyRange(cx: ExecContext, s: State, t: number): boolean {
  const mm = cx.tMm[t]!;
  const n = rangeCount(cx, s, mm);
  for (let i = 0; i < n; i++) if ((s[cx.m.rangeSlot(mm, i, L.RS_INFO)]! & (L.RI_THREAD | L.RI_HELD)) === ((t + 1) | L.RI_HELD)) return true;
  return false;
}

/** Does t hold a range lock (a write one, if `write`) covering [lo, hi)? */
export function holdsRange(cx: ExecContext, s: State, t: number, lo: number, hi: number, write: boolean): boolean {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const n = rangeCount(cx, s, mm);
  const pts = cx.L.rangePoints;
  for (let i = 0; i < n; i++) {
    const info = s[m.rangeSlot(mm, i, L.RS_INFO)]!;
    if ((info & L.RI_THREAD) !== t + 1 || (info & L.RI_HELD) === 0) continue;
    if (write && (info & L.RI_WRITE) === 0) continue;
    if (pts[s[m.rangeSlot(mm, i, L.RS_LO)]!]! <= lo && hi <= pts[s[m.rangeSlot(mm, i, L.RS_HI)]!]!) return true;
  }
  return false;
}

/** How t holds range locks reaching into both spans [lo, hi): 2 one for write, 1 one for read, 0 none. */
export function rangeModeInto(cx: ExecContext, s: State, t: number, a: readonly [number, number], b: readonly [number, number]): 0 | 1 | 2 {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const n = rangeCount(cx, s, mm);
  const pts = cx.L.rangePoints;
  let mode: 0 | 1 | 2 = 0;
  for (let i = 0; i < n; i++) {
    const info = s[m.rangeSlot(mm, i, L.RS_INFO)]!;
    if ((info & (L.RI_THREAD | L.RI_HELD)) !== ((t + 1) | L.RI_HELD)) continue;
    const lo = pts[s[m.rangeSlot(mm, i, L.RS_LO)]!]!;
    const hi = pts[s[m.rangeSlot(mm, i, L.RS_HI)]!]!;
    if (lo < a[1] && a[0] < hi && lo < b[1] && b[0] < hi) mode = info & L.RI_WRITE ? 2 : 1;
    if (mode === 2) return 2;
  }
  return mode;
}

/** munmap's downgrade under `range`: its write range becomes a read range. */
export function rangeDowngrade(cx: ExecContext, s: State, t: number): void {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const n = rangeCount(cx, s, mm);
  for (let i = 0; i < n; i++) {
    const o = m.rangeSlot(mm, i, L.RS_INFO);
    if ((s[o]! & L.RI_THREAD) === t + 1 && (s[o]! & (L.RI_HELD | L.RI_EXPLICIT)) === L.RI_HELD) s[o]! &= ~L.RI_WRITE;
  }
  cx.design.endVmaWrites(cx, s, t);
}

/**
 * The range an op locks under `range` (kernel-rules R21): the VMAs it changes and their
 * neighbours, and for munmap the 2 MiB span of every page table it may free; fork locks the
 * whole address space; a PTE-only change (wrprotect, madvise) locks its own range.
 */
export function opRange(cx: ExecContext, s: State, mm: number, op: StepSpec): [number, number] {
  switch (op.op) {
    case 'mprotect':
    case 'munmap': {
      const b = cx.L.bounds;
      let [lo, hi] = wholeVmaSpan(cx, s, mm, op.start, op.end);
      // the nearest VMA on each side (a merge changes it; free_pgtables uses it as floor/ceiling)
      let prev = -1;
      let next = Infinity;
      for (let v = 0; v < cx.L.nVma; v++) {
        const o = cx.m.vma(mm, v, 0);
        if (s[o + L.V_STATE] !== L.VMA_LIVE) continue;
        const vs = b[s[o + L.V_START]!]!;
        const ve = b[s[o + L.V_END]!]!;
        if (ve <= lo && (prev < 0 || ve > b[s[cx.m.vma(mm, prev, L.V_END)]!]!)) prev = v;
        if (vs >= hi && (next === Infinity || vs < b[s[cx.m.vma(mm, next, L.V_START)]!]!)) next = v;
      }
      if (prev >= 0) lo = b[s[cx.m.vma(mm, prev, L.V_START)]!]!;
      if (next !== Infinity) hi = b[s[cx.m.vma(mm, next, L.V_END)]!]!;
      if (op.op === 'munmap') {
        lo = Math.min(lo, Math.floor(op.start / 0x200000) * 0x200000);
        hi = Math.max(hi, Math.ceil(op.end / 0x200000) * 0x200000);
      }
      return [lo, hi];
    }
    case 'wrprotect':
    case 'unprotect':
    case 'madvise':
    case 'numa':
      return [op.start, op.end];
    // mremap: the old range as munmap locks it (its VMA, neighbours, page-table spans) and the new range
    case 'mremap': {
      const [lo, hi] = opRange(cx, s, mm, { origin: op.origin, op: 'munmap', start: op.start, end: op.end, downgrade: false, downgradeCheck: false, batched: true });
      return [Math.min(lo, op.dest), Math.max(hi, op.dest + (op.end - op.start))];
    }
    default:
      return [0, L.RANGE_TOP];
  }
}

/** A thread queued for a range lock: the earlier conflicting requests (held, or queued ahead). */
export function rangeWaitInfo(cx: ExecContext, s: State, t: number): WaitInfo {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const i = rangeWaitingSlot(cx, s, t);
  const holders: number[] = [];
  const lo = s[m.rangeSlot(mm, i, L.RS_LO)]!;
  const hi = s[m.rangeSlot(mm, i, L.RS_HI)]!;
  const w = (s[m.rangeSlot(mm, i, L.RS_INFO)]! & L.RI_WRITE) !== 0;
  let queuedAhead = false;
  for (let j = 0; j < i; j++) {
    const info = s[m.rangeSlot(mm, j, L.RS_INFO)]!;
    if ((w || (info & L.RI_WRITE) !== 0) && s[m.rangeSlot(mm, j, L.RS_LO)]! < hi && lo < s[m.rangeSlot(mm, j, L.RS_HI)]!) {
      holders.push((info & L.RI_THREAD) - 1);
      if ((info & L.RI_HELD) === 0) queuedAhead = true;
    }
  }
  const pts = cx.L.rangePoints;
  return { thread: t, what: `a ${w ? 'write' : 'read'} range lock on ${hex(pts[lo]!)}..${hex(pts[hi]!)}`, holders: [...new Set(holders)].sort((a, b) => a - b), queuedAhead };
}

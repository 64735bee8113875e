// mmap_lock: a fair rwsem per mm (kernel-rules R18). Readers share it while no writer holds or
// waits; a queued writer blocks new readers; a release wakes the front of the FIFO (a writer,
// or every queued reader). A woken thread is GRANTED and completes its step when it runs.
import type { ExecContext } from '../context';
import * as L from '../layout';
import type { State } from '../machine';
import type { WaitInfo } from '../micro-sem';
import { checkLockOrder, checkSleep } from '../rules/lock-rules';

export function holdsMmap(cx: ExecContext, s: State, t: number): boolean {
  return s[cx.m.th(t, L.T_MMAP_R)]! > 0 || s[cx.m.th(t, L.T_MMAP_W)] === 1;
}

export function holdsMmapWrite(cx: ExecContext, s: State, t: number): boolean {
  return s[cx.m.th(t, L.T_MMAP_W)] === 1;
}

/** Try to take mmap_lock; true when held (now or by an earlier grant), false when queued. */
export function mmapAcquire(cx: ExecContext, s: State, t: number, write: boolean): boolean {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const stOff = m.th(t, L.T_STATUS);
  if (s[stOff] === L.GRANTED) {
    s[stOff] = L.RUN;
    return true;
  }
  checkLockOrder(cx, s, t, 'mmap_lock', 'mmap_lock', ': a writer holding mmap_lock and waiting in vma_start_write() deadlocks with it');
  checkSleep(cx, s, t, write ? 'mmap_write_lock()' : 'mmap_read_lock()');
  const qEmpty = s[m.mm(mm, L.M_QUEUE)] === 0;
  const writer = s[m.mm(mm, L.M_WRITER)]!;
  const readers = s[m.mm(mm, L.M_READERS)]!;
  if (!write && writer === 0 && qEmpty) {
    s[m.mm(mm, L.M_READERS)] = readers + 1;
    s[m.th(t, L.T_MMAP_R)]!++;
    return true;
  }
  if (write && writer === 0 && readers === 0 && qEmpty) {
    s[m.mm(mm, L.M_WRITER)] = t + 1;
    s[m.th(t, L.T_MMAP_W)] = 1;
    return true;
  }
  // queue (FIFO)
  const q = m.mm(mm, L.M_QUEUE);
  let i = 0;
  while (i < cx.L.nThread && s[q + i] !== 0) i++;
  s[q + i] = write ? -(t + 1) : t + 1;
  s[stOff] = L.WAIT_MMAP;
  return false;
}

/** mmap_read_unlock() / mmap_write_unlock() (a write unlock ends the VMA write locks). */
export function mmapRelease(cx: ExecContext, s: State, t: number): void {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  if (s[m.th(t, L.T_MMAP_W)] === 1) {
    s[m.th(t, L.T_MMAP_W)] = 0;
    s[m.mm(mm, L.M_WRITER)] = 0;
    cx.design.endVmaWrites(cx, s, t);
  } else if (s[m.th(t, L.T_MMAP_R)]! > 0) {
    s[m.th(t, L.T_MMAP_R)]!--;
    s[m.mm(mm, L.M_READERS)]!--;
    // a VMA write lock taken under the read lock (a rule violation) ends with it
    if (s[m.th(t, L.T_MMAP_R)] === 0) cx.design.endVmaWrites(cx, s, t);
  } else return;
  mmapGrant(cx, s, mm);
}

/** mmap_write_downgrade(): the write lock becomes a read lock, waking queued readers. */
export function mmapDowngrade(cx: ExecContext, s: State, t: number): void {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  if (s[m.th(t, L.T_MMAP_W)] !== 1) return;
  s[m.th(t, L.T_MMAP_W)] = 0;
  s[m.mm(mm, L.M_WRITER)] = 0;
  s[m.th(t, L.T_MMAP_R)]!++;
  s[m.mm(mm, L.M_READERS)]!++;
  cx.design.endVmaWrites(cx, s, t);
  mmapGrant(cx, s, mm);
}

/** rwsem wake-up: a writer at the front gets the lock when it is free; readers at the front wake every queued reader. */
function mmapGrant(cx: ExecContext, s: State, mm: number): void {
  const m = cx.m;
  const q = m.mm(mm, L.M_QUEUE);
  const n = cx.L.nThread;
  if (s[q] === 0 || s[m.mm(mm, L.M_WRITER)] !== 0) return;
  const front = s[q]!;
  if (front < 0) {
    if (s[m.mm(mm, L.M_READERS)] !== 0) return;
    const w = -front - 1;
    s[m.mm(mm, L.M_WRITER)] = w + 1;
    s[m.th(w, L.T_MMAP_W)] = 1;
    s[m.th(w, L.T_STATUS)] = L.GRANTED;
    for (let i = 0; i < n - 1; i++) s[q + i] = s[q + i + 1]!;
    s[q + n - 1] = 0;
    return;
  }
  let k = 0;
  for (let i = 0; i < n; i++) {
    const e = s[q + i]!;
    if (e === 0) break;
    if (e > 0) {
      const r = e - 1;
      s[m.mm(mm, L.M_READERS)]!++;
      s[m.th(r, L.T_MMAP_R)]!++;
      s[m.th(r, L.T_STATUS)] = L.GRANTED;
    } else s[q + k++] = e;
  }
  for (let i = k; i < n; i++) s[q + i] = 0;
}

/** A thread queued for mmap_lock: the holders, and the writers queued ahead of it. */
export function mmapWaitInfo(cx: ExecContext, s: State, t: number): WaitInfo {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const holders: number[] = [];
  const w = s[m.mm(mm, L.M_WRITER)]!;
  if (w) holders.push(w - 1);
  for (let u = 0; u < cx.L.nThread; u++) if (cx.tMm[u] === mm && s[m.th(u, L.T_MMAP_R)]! > 0) holders.push(u);
  const q = m.mm(mm, L.M_QUEUE);
  let queuedAhead = false;
  for (let i = 0; i < cx.L.nThread && s[q + i] !== 0; i++) {
    const e = s[q + i]!;
    const u = Math.abs(e) - 1;
    if (u === t) break;
    if (e < 0) {
      holders.push(u);
      queuedAhead = true;
    }
  }
  return { thread: t, what: 'mmap_lock', holders: [...new Set(holders)], queuedAhead };
}

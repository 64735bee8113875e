// Frames: references, pins, allocation and freeing (put_page / try_grab_page / alloc_page),
// the per-thread page references GUP hands out, and the mmu_gather's list of pages whose
// references wait for the TLB flush.
import type { ExecContext } from './context';
import * as L from './layout';
import { R_FRAME, R_PAGE, R_PIN, type State } from './machine';
import { checkFreeBeforeFlush } from './rules/lock-rules';

export function frameFlags(cx: ExecContext, s: State, f: number): number {
  return s[cx.m.fr(f, L.F_FLAGS)]!;
}

/** Is page-cache frame f truncated (a `truncate` ran i_size_write() past it)? A fault on it gets SIGBUS. */
export function frameTruncated(cx: ExecContext, s: State, f: number): boolean {
  return f >= 0 && (frameFlags(cx, s, f) & L.FR_TRUNCATED) !== 0;
}

/** get_page() / try_grab_page(): a reference, and with `pin` a pin (FOLL_PIN). */
export function getRef(cx: ExecContext, s: State, f: number, pin = false): void {
  if (f === cx.L.zeroFrame) return;
  s[cx.m.fr(f, L.F_REFS)]!++;
  if (pin) s[cx.m.fr(f, L.F_PINS)]!++;
}

/** put_page() / unpin_user_page(): the frame is freed with its last reference. */
export function putRef(cx: ExecContext, s: State, f: number, pin = false): void {
  const m = cx.m;
  if (f === cx.L.zeroFrame) return;
  const r = --s[m.fr(f, L.F_REFS)]!;
  if (pin && s[m.fr(f, L.F_PINS)]! > 0) s[m.fr(f, L.F_PINS)]!--;
  if (r > 0 || (frameFlags(cx, s, f) & L.FR_FREED) !== 0) return;
  s[m.fr(f, L.F_FLAGS)]! |= L.FR_FREED;
  s[m.fr(f, L.F_FLAGS)]! &= ~L.FR_EXCL;
  checkFreeBeforeFlush(cx, s, f);
}

/** A fresh frame (value 0, one reference, exclusive anonymous). */
export function allocFrame(cx: ExecContext, s: State): number {
  const f = cx.m.allocFrame(s);
  if (f < 0) throw new Error('frame pool exhausted (internal limit)');
  return f;
}

/** Keep a GUP result in the thread's named reference slot. */
export function storeRef(cx: ExecContext, s: State, t: number, ref: number | undefined, f: number, pin: boolean, p: number): void {
  if (ref === undefined) return; // an unnamed reference is never dropped
  const m = cx.m;
  s[m.ref(t, ref, R_FRAME)] = f + 1;
  s[m.ref(t, ref, R_PIN)] = pin ? 1 : 0;
  s[m.ref(t, ref, R_PAGE)] = p + 1;
}

/** Empty a reference slot. */
export function clearRef(cx: ExecContext, s: State, t: number, ref: number): void {
  const m = cx.m;
  s[m.ref(t, ref, R_FRAME)] = 0;
  s[m.ref(t, ref, R_PIN)] = 0;
  s[m.ref(t, ref, R_PAGE)] = 0;
}

/** __tlb_remove_page(): the zapped page's reference waits in the gather until the flush. */
export function gatherPush(cx: ExecContext, s: State, t: number, f: number): void {
  for (let g = 0; g < cx.L.nGather; g++) {
    const o = cx.m.gather(t, g);
    if (s[o] === 0) {
      s[o] = f + 1;
      return;
    }
  }
  throw new Error('gather list full (internal limit)');
}

/** tlb_batch_pages_flush(): drop the gathered references. */
export function gatherFlush(cx: ExecContext, s: State, t: number): void {
  for (let g = 0; g < cx.L.nGather; g++) {
    const go = cx.m.gather(t, g);
    const f = s[go]! - 1;
    if (f >= 0) putRef(cx, s, f);
    s[go] = 0;
  }
}

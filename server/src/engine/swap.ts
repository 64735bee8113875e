// Swap entries (reclaim, step/reclaim.ts; kernel-paths §15): a PTE that reclaim turned into a
// swap entry is not present (its frame bits are 0: GUP-fast, the hardware walk and every PTE
// walker see it none). While the reclaim that wrote it runs, its page is in the swap cache,
// locked by that reclaim (PTE_SWAPCACHE, with the reclaim's thread); once the page is written
// out and freed the entry holds the value written (the swap slot's contents). A fault on it is
// do_swap_page(): it waits for the page lock while the page is under reclaim, then reads the
// value into a new page and maps it if the PTE is unchanged (pte_same).
import type { ExecContext } from './context';
import * as L from './layout';
import type { WaitInfo } from './micro-sem';
import { L_OLD, type State } from './machine';

const SLOT_MASK = (1 << (31 - L.PTE_SWAP_SHIFT)) - 1;

export function isSwap(pte: number): boolean {
  return (pte & L.PTE_SWAP) !== 0;
}

/** A swap entry whose page is still in the swap cache, locked by a running reclaim. */
export function isSwapCached(pte: number): boolean {
  return (pte & (L.PTE_SWAP | L.PTE_SWAPCACHE)) === (L.PTE_SWAP | L.PTE_SWAPCACHE);
}

/** The swap entry reclaim thread t writes while it holds the page (try_to_unmap_one). */
export function swapCachedPte(t: number): number {
  return L.PTE_SWAP | L.PTE_SWAPCACHE | (t << L.PTE_SWAP_SHIFT);
}

/** The swap entry of a page written out with value index v. */
export function swapSlotPte(v: number): number {
  return L.PTE_SWAP | (v << L.PTE_SWAP_SHIFT);
}

/** The value index (written out) or the reclaiming thread (swap cache) of a swap entry. */
export function swapField(pte: number): number {
  return (pte >>> L.PTE_SWAP_SHIFT) & SLOT_MASK;
}

/** The value a swap entry reads (for `check final`): the page under reclaim, or the slot. */
export function swapValueIndex(cx: ExecContext, s: State, pte: number): number {
  if (!isSwapCached(pte)) return swapField(pte);
  const f = s[cx.m.loc(swapField(pte), L_OLD)]! - 1;
  return f >= 0 ? s[cx.m.fr(f, L.F_VALUE)]! : 0;
}

/** do_swap_page() sleeps in folio_lock_or_retry() while reclaim holds the page. */
export function swapWait(t: number, pte: number): WaitInfo {
  return { thread: t, what: 'the lock of a page under reclaim (do_swap_page: folio_lock_or_retry)', holders: [swapField(pte)] };
}

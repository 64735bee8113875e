// Page-table lifetime for lockless walkers (GUP-fast, the speculative fault): a table munmap
// unhooks is freed at its tlb_finish_mmu, or with RCU table freeing (arm64) after every CPU
// that had IRQs off when it was unhooked has turned them back on.
import type { ExecContext } from './context';
import { hex } from './format';
import * as L from './layout';
import { L_TABLE, type State } from './machine';

/** A CPU left an IRQs-off section: RCU-deferred page tables it could see may now be freed. */
export function rcuQuiesce(cx: ExecContext, s: State, t: number): void {
  const m = cx.m;
  const bit = 1 << cx.tCpu[t]!;
  for (let mm = 0; mm < cx.L.nMm; mm++) {
    for (let r = 0; r < cx.L.nRegion; r++) {
      if (s[m.pt(mm, r, L.PT_OLD)] !== L.OLD_RCU) continue;
      const o = m.pt(mm, r, L.PT_RCUMASK);
      s[o]! &= ~bit;
      if (s[o] === 0) s[m.pt(mm, r, L.PT_OLD)] = L.OLD_FREED;
    }
  }
}

/** Remember the generation of the table a lockless walker read from the PMD. */
export function recordTable(cx: ExecContext, s: State, t: number, mm: number, region: number): void {
  s[cx.m.loc(t, L_TABLE)] = s[cx.m.pt(mm, region, L.PT_GEN)]! + 1;
}

/** Is the page table this lockless walker read still there? Reports a use-after-free if not. */
export function tableValid(cx: ExecContext, s: State, t: number, mm: number, region: number, who = 'GUP-fast'): boolean {
  const m = cx.m;
  const saved = s[m.loc(t, L_TABLE)]! - 1;
  const gen = s[m.pt(mm, region, L.PT_GEN)]!;
  if (saved === gen && s[m.pt(mm, region, L.PT_STATE)] === L.PT_PRESENT) return true;
  if (saved === gen - 1) {
    const old = s[m.pt(mm, region, L.PT_OLD)]!;
    if (old === L.OLD_PENDING) return true; // unhooked, not yet freed
    if (old === L.OLD_RCU && (s[m.pt(mm, region, L.PT_RCUMASK)]! & (1 << cx.tCpu[t]!)) !== 0) return true;
  }
  cx.race('use-after-free', `${who} by ${cx.tn(t)} reads a PTE from the page table for ${hex(cx.L.regions[region]! * 0x200000)}..${hex((cx.L.regions[region]! + 1) * 0x200000)}, which was freed under it`);
  return false;
}

/**
 * A PTE as a reader without its PTL sees it (GUP-fast, the hardware walk, a fault's snapshot):
 * none while change_pte_range() has it cleared between ptep_modify_prot_start() and its commit.
 */
export function ptePeek(cx: ExecContext, s: State, mm: number, p: number): number {
  const pte = s[cx.m.pte(mm, p)]!;
  return (pte & L.PTE_MODIFYING) !== 0 ? 0 : pte;
}

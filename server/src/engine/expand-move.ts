// The expansions of mremap and truncate (issue 10), called from expand.ts: mremap's move_vma()
// with move_ptes() once per pair of old and new page tables, and truncate's
// truncate_pagecache() with one zap and one flush per page table of each mm its file pages
// may be mapped in. The design supplies the op's lock and VMA write steps, as for the others.
import type { Builder, DraftBase, Label } from './builder';
import { hex } from './format';
import type { Layout } from './layout';
import { PT_SPAN, type LockMode, type StepSpec } from './scenario';

type MremapSpec = Extract<StepSpec, { op: 'mremap' }>;
type TruncateSpec = Extract<StepSpec, { op: 'truncate' }>;

/** What expand.ts lends the op: its lock, VMA write step and unlock text (they read the design). */
export interface OpHelpers {
  readonly opLock: (what: string, mode: LockMode, span: string, kernelClassic: string) => void;
  readonly vmaWrite: (what: string, whichVmas: string) => boolean;
  readonly opUnlock: (mode: LockMode, bracketed: boolean, classicKernel?: string) => { text: string; kernel: string };
}

function rangeText(start: number, end: number): string {
  return end - start === 0x1000 ? hex(start) : `${hex(start)}..${hex(end)}`;
}

function regionOf(L: Layout, addr: number): number {
  return L.regionIndex.get(Math.floor(addr / PT_SPAN)) ?? -1;
}

/**
 * The move_ptes() calls: (old table, new table) pairs of the tracked source pages, in address
 * order (get_extent() stops an extent at the end of either table).
 */
function moveChunks(L: Layout, o: MremapSpec): { old: number; neu: number; first: number }[] {
  const out: { old: number; neu: number; first: number }[] = [];
  L.pages.forEach((a, p) => {
    if (a < o.start || a >= o.end) return;
    const old = L.pageRegion[p]!;
    const neu = regionOf(L, a - o.start + o.dest);
    if (!out.some((c) => c.old === old && c.neu === neu)) out.push({ old, neu, first: a });
  });
  return out;
}

/** move_ptes() as each kernel wrote it: where the flush of the old addresses is. */
const MOVE_KERNEL: Readonly<Record<MremapSpec['flush'], string>> = {
  ptl: 'move_ptes(): ptep_get_and_clear(old); set_pte_at(new); if (pte_present) force_flush; flush_tlb_range(old); spin_unlock(new_ptl); pte_unmap_unlock(old_ptl)',
  dirty: 'move_ptes(): ptep_get_and_clear(old); set_pte_at(new); if (pte_present && pte_dirty) force_flush; force_flush ? flush_tlb_range(old) : *need_flush = true; spin_unlock(new_ptl); pte_unmap_unlock(old_ptl)',
  deferred: 'move_ptes(): ptep_get_and_clear(old); set_pte_at(new); spin_unlock(new_ptl); pte_unmap_unlock(old_ptl)',
};

export function emitMremap(b: Builder, L: Layout, o: MremapSpec, base: DraftBase, opEnd: Label, h: OpHelpers): void {
  const len = o.end - o.start;
  const what = `mremap ${rangeText(o.start, o.end)} -> ${hex(o.dest)}`;
  const efault = b.label();
  h.opLock(what, 'write', `${rangeText(o.start, o.end)} + vmas + neighbours + page-table spans, ${rangeText(o.dest, o.dest + len)}`, 'mmap_write_lock_killable()');
  const bracketed = h.vmaWrite(what, 'old vma');
  b.emit({ ...base, kind: 'mremap-copy-vma', text: `${what}: copy vma to ${rangeText(o.dest, o.dest + len)}`, jumps: { fail: efault } });
  const underPtl = o.flush !== 'deferred';
  for (const c of moveChunks(L, o)) {
    const newAddr = c.first - o.start + o.dest;
    b.emit({ ...base, kind: 'mremap-lock-ptl', region: c.old, text: `${what}: lock old ptl ${hex(c.first)}`, kernel: 'move_ptes(): pte_offset_map_lock(old_pmd)' });
    if (c.neu !== c.old) b.emit({ ...base, kind: 'mremap-lock-ptl', region: c.neu, text: `${what}: lock new ptl ${hex(newAddr)}`, kernel: 'move_ptes(): spin_lock_nested(new_ptl, SINGLE_DEPTH_NESTING)' });
    const flushText = o.flush === 'ptl' ? ', flush tlb' : o.flush === 'dirty' ? ', flush tlb if dirty' : '';
    b.emit({ ...base, kind: 'move-ptes', region: c.old, text: `${what}: move ptes ${hex(c.first)} -> ${hex(newAddr)}${flushText}, unlock ptls`, kernel: MOVE_KERNEL[o.flush].replace('move_ptes(): ', `move_ptes(): ${o.batched ? 'flush_tlb_batched_pending(mm); ' : ''}`) });
  }
  if (!underPtl || o.flush === 'dirty') b.emit({ ...base, kind: 'mremap-flush', text: `${what}: flush tlb ${rangeText(o.start, o.end)}${o.flush === 'dirty' ? ' if not flushed' : ''}` });
  b.emit({ ...base, kind: 'mremap-unmap-old', text: `${what}: unmap old vma` });
  const un = h.opUnlock('write', bracketed, 'mmap_write_unlock()');
  b.emit({ ...base, kind: 'mremap-end', text: `${what}: end${un.text}`, kernel: un.kernel || 'return new_addr', next: opEnd });
  b.place(efault);
  b.emit({ ...base, kind: 'mremap-end', efault: true, text: `${what}: -EFAULT${un.text}`, kernel: ['vma_to_resize(): -EFAULT', un.kernel].filter((x) => x).join('; '), next: opEnd });
}

/**
 * The page tables truncate's rmap walk can reach, in walk order: per mm, the tables of pages
 * its file pages back. A table an mremap moves pages into comes after the table it moves them
 * from (the i_mmap order move_ptes() relies on, "rmap will always observe either the old pte,
 * or the new pte, or both"; where it cannot, the kernel takes the rmap locks: the same result).
 */
function truncateTables(L: Layout, o: TruncateSpec): { mm: number; region: number; first: number }[] {
  const rank = L.cacheFrame.map(() => new Array<number>(L.nRegion).fill(0));
  const moves = L.spec.threads.flatMap((t) => t.steps.filter((s): s is MremapSpec => s.op === 'mremap').map((s) => ({ mm: t.mm, s })));
  for (let round = 0; round < moves.length; round++) {
    for (const { mm, s } of moves) {
      for (const c of moveChunks(L, s)) if (c.neu >= 0 && c.neu !== c.old) rank[mm]![c.neu] = Math.max(rank[mm]![c.neu]!, Math.min(rank[mm]![c.old]! + 1, moves.length));
    }
  }
  const out: { mm: number; region: number; first: number; rank: number }[] = [];
  L.cacheFrame.forEach((row, mm) => {
    row.forEach((f, p) => {
      if (!o.frames.includes(f)) return;
      const region = L.pageRegion[p]!;
      if (!out.some((x) => x.mm === mm && x.region === region)) out.push({ mm, region, first: L.pages[p]!, rank: rank[mm]![region]! });
    });
  });
  return out.sort((x, y) => x.rank - y.rank || x.mm - y.mm || x.first - y.first);
}

export function emitTruncate(b: Builder, L: Layout, o: TruncateSpec, base: DraftBase): void {
  const names = o.frames.map((f) => L.spec.frames[f]?.name ?? String(f)).join(' ');
  const what = `truncate ${names}`;
  b.emit({ ...base, kind: 'truncate-isize', text: `${what}: i_size_write` });
  for (const tb of truncateTables(L, o)) {
    const where = `${L.nMm > 1 ? `${L.spec.mms[tb.mm]!.name}:` : ''}${hex(tb.first)}`;
    b.emit({ ...base, kind: 'truncate-zap', mm: tb.mm, region: tb.region, text: `${what}: zap ${where} (lock ptl, zap, unlock ptl)` });
    b.emit({ ...base, kind: 'truncate-flush', mm: tb.mm, region: tb.region, text: `${what}: flush tlb ${where}, put pages` });
  }
  b.emit({ ...base, kind: 'truncate-remove', text: `${what}: delete from page cache, put` });
}

// Op expansion of `numa` and `migrate` (issue 10; kernel-paths §18, §19), called from
// expand.ts: the NUMA scan is change_protection()'s table walk between tlb_gather_mmu() and
// tlb_finish_mmu(); migration is isolate, then the steps emitMigration() shares with the
// hinting fault (expand-fault.ts).
import type { Builder, DraftBase, Label } from './builder';
import { emitMigration } from './expand-fault';
import { hex } from './format';
import type { Layout } from './layout';
import { PT_SPAN, type StepSpec } from './scenario';

type NumaOp = Extract<StepSpec, { op: 'numa' }>;
type MigrateOp = Extract<StepSpec, { op: 'migrate' }>;

/**
 * The scan after its lock step: numa-begin, then per page table the PTL, the transient none
 * PTE where a lockless reader may look (`readLockless`, as for mprotect), the prot-none
 * change, and change-end (flush, pending down, `unlock`: the op's unlock text and kernel call).
 */
export function emitNuma(b: Builder, L: Layout, base: DraftBase, op: NumaOp, heldPtl: ReadonlySet<number>, readLockless: ReadonlySet<number>, unlock: { text: string; kernel: string }, opEnd: Label): void {
  const span = op.end - op.start === 0x1000 ? hex(op.start) : `${hex(op.start)}..${hex(op.end)}`;
  const what = `numa ${span}`;
  const endL = b.label();
  const inRange = (a: number): boolean => a >= op.start && a < op.end;
  b.emit({ ...base, kind: 'numa-begin', text: `${what}: tlb_gather_mmu`, jumps: { fail: endL } });
  const regions = [...new Set(L.pages.flatMap((a, p) => (inRange(a) ? [L.pageRegion[p]!] : [])))].sort((x, y) => L.regions[x]! - L.regions[y]!);
  for (const r of regions) {
    const inh = heldPtl.has(r);
    const first = L.pages.find((a, p) => L.pageRegion[p] === r && inRange(a)) ?? L.regions[r]! * PT_SPAN;
    if (!inh) b.emit({ ...base, kind: 'ptl-lock', region: r, text: `lock ptl ${hex(first)}` });
    L.pages.forEach((a, p) => {
      if (L.pageRegion[p] === r && inRange(a) && readLockless.has(a)) b.emit({ ...base, kind: 'modify-prot-start', page: p, region: r, text: `${what}: clear pte ${hex(a)} (ptep_modify_prot_start)` });
    });
    b.emit({ ...base, kind: 'change-ptes', region: r, keepPtl: false, inheritPtl: inh, text: `${what}: ptes prot-none${inh ? '' : ', unlock ptl'}` });
  }
  b.place(endL);
  b.emit({ ...base, kind: 'change-end', text: `${what}: flush tlb, end${unlock.text}`, kernel: ['tlb_finish_mmu(): flush_tlb_range(); dec_tlb_flush_pending()', unlock.kernel].filter((x) => x).join('; '), next: opEnd });
}

/** `migrate ADDR|FRAME`: isolate the page (or fail with -EBUSY), then migrate it. */
export function emitMigrateOp(b: Builder, L: Layout, base: DraftBase, op: MigrateOp, opEnd: Label): void {
  const addr = op.addr;
  const what = `migrate ${addr !== undefined ? hex(addr) : (L.spec.frames[op.frame ?? -1]?.name ?? '?')}`;
  const g = addr === undefined ? base : { ...base, page: L.pageIndex.get(addr) ?? -1, region: L.regionIndex.get(Math.floor(addr / PT_SPAN)) ?? -1 };
  const fail = b.label();
  b.emit({ ...g, kind: 'migrate-isolate', text: `${what}: isolate and lock the page`, jumps: { fail } });
  emitMigration(b, L, g, what, opEnd);
  b.place(fail);
  b.emit({ ...g, kind: 'migrate-end', text: `${what}: -EBUSY`, kernel: 'migrate_pages(): folio_isolate_lru() failed', next: opEnd });
}

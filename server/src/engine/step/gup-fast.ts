// GUP-fast (mm/gup.c lockless_pages_from_mm(); kernel-paths §5): no mmap_lock and no PTL; IRQs
// off keep the page table alive (or RCU table freeing on arm64); the PTE is read, the page
// grabbed and the PTE re-checked; anything unexpected falls back to the slow path. With pin and
// seqcheck=on, fork's write_protect_seq is sampled before and re-checked after (57efa1fe5957).
// IRQs are saved and restored (local_irq_save/restore): a caller that had them off keeps them
// off, on the slow path too. A R/O pin that must unshare (5.19) falls back.
import type { ExecContext } from '../context';
import { frameFlags, getRef, putRef, storeRef } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { L_FLAGS, L_GRAB, L_ORIG, L_SEQ, LF_IRQSAVED, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { ptePeek, rcuQuiesce, recordTable, tableValid } from '../page-tables';
import { vmaFlagsAt } from '../vmas';
import { mustUnshare } from './gup';

const F = L.PTE_FRAME_MASK;

function gupfBegin(cx: ExecContext, s: State, t: number, ins: InstrOf<'gupf-begin'>): Next {
  const o = ins.op;
  if (o.pin && o.seqcheck) {
    const seq = s[cx.m.mm(cx.tMm[t]!, L.M_WPSEQ)]!;
    if (seq & 1) return ins.jumps.slow;
    s[cx.m.loc(t, L_SEQ)] = seq;
  }
  // local_irq_save(): remember whether the caller had IRQs off already
  if (s[cx.m.th(t, L.T_IRQ)] === 1) s[cx.m.loc(t, L_FLAGS)]! |= LF_IRQSAVED;
  s[cx.m.th(t, L.T_IRQ)] = 1;
  return ins.next;
}

function gupfPmd(cx: ExecContext, s: State, t: number, ins: InstrOf<'gupf-pmd'>): Next {
  const mm = cx.tMm[t]!;
  const region = cx.L.pageRegion[ins.page]!;
  if (s[cx.m.pt(mm, region, L.PT_STATE)] !== L.PT_PRESENT) return ins.jumps.fail;
  recordTable(cx, s, t, mm, region);
  return ins.next;
}

function gupfPte(cx: ExecContext, s: State, t: number, ins: InstrOf<'gupf-pte'>): Next {
  const mm = cx.tMm[t]!;
  if (!tableValid(cx, s, t, mm, cx.L.pageRegion[ins.page]!)) return ins.jumps.fail;
  const pte = ptePeek(cx, s, mm, ins.page);
  const f = (pte & F) - 1;
  if ((pte & F) === 0 || (pte & L.PTE_PROTNONE) !== 0 || f === cx.L.zeroFrame || (ins.op.write && (pte & L.PTE_W) === 0)) return ins.jumps.fail;
  s[cx.m.loc(t, L_ORIG)] = pte;
  return ins.next;
}

function gupfGrab(cx: ExecContext, s: State, t: number, ins: InstrOf<'gupf-grab'>): Next {
  const f = (s[cx.m.loc(t, L_ORIG)]! & F) - 1;
  if (frameFlags(cx, s, f) & L.FR_FREED || s[cx.m.fr(f, L.F_REFS)] === 0) return ins.jumps.fail;
  getRef(cx, s, f, ins.op.pin);
  s[cx.m.loc(t, L_GRAB)] = f + 1;
  return ins.next;
}

function gupfRecheck(cx: ExecContext, s: State, t: number, ins: InstrOf<'gupf-recheck'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  if (!tableValid(cx, s, t, mm, cx.L.pageRegion[ins.page]!)) return ins.jumps.fail;
  const orig = s[m.loc(t, L_ORIG)]!;
  const o = ins.op;
  // gup_fast_pte_range(): after the re-check, `!pte_write(pte) && gup_must_unshare()` puts the
  // page and falls back, so the slow path unshares (a7f226604170)
  const shared = ((vmaFlagsAt(cx, s, mm, cx.L.pages[ins.page]!)?.flags ?? 0) & L.VF_SHARED) !== 0;
  if (ptePeek(cx, s, mm, ins.page) !== orig || mustUnshare(cx, s, orig, o.pin, o.write, shared)) {
    const g = s[m.loc(t, L_GRAB)]!;
    if (g) putRef(cx, s, g - 1, o.pin);
    s[m.loc(t, L_GRAB)] = 0;
    return ins.jumps.fail;
  }
  return ins.next;
}

function gupfEnd(cx: ExecContext, s: State, t: number, ins: InstrOf<'gupf-end'>): Next {
  const m = cx.m;
  // local_irq_restore(): IRQs come back on only if they were on at local_irq_save()
  const fo = m.loc(t, L_FLAGS);
  if ((s[fo]! & LF_IRQSAVED) === 0) {
    s[m.th(t, L.T_IRQ)] = 0;
    rcuQuiesce(cx, s, t);
  }
  s[fo]! &= ~LF_IRQSAVED;
  const o = ins.op;
  const g = s[m.loc(t, L_GRAB)]! - 1;
  if (ins.fellBack) {
    s[m.loc(t, L_GRAB)] = 0;
    return ins.jumps.slow;
  }
  if (o.pin && o.seqcheck && s[m.mm(cx.tMm[t]!, L.M_WPSEQ)] !== s[m.loc(t, L_SEQ)]) {
    if (g >= 0) putRef(cx, s, g, true);
    s[m.loc(t, L_GRAB)] = 0;
    return ins.jumps.slow;
  }
  if (g >= 0) storeRef(cx, s, t, o.ref, g, o.pin, ins.page);
  s[m.loc(t, L_GRAB)] = 0;
  return ins.next;
}

export const GUP_FAST: SemanticsPart<'gupf-begin' | 'gupf-pmd' | 'gupf-pte' | 'gupf-grab' | 'gupf-recheck' | 'gupf-end'> = {
  'gupf-begin': {
    kernel: 'lockless_pages_from_mm(): raw_read_seqcount(write_protect_seq); local_irq_save()',
    doc: "GUP-fast: sample fork's sequence (pin, seqcheck=on; odd: slow path) and disable IRQs, saving whether they were already off",
    source: 'kernel-paths §5',
    mover: 'N',
    run: gupfBegin,
    footprint: fp(['wp-seq:mm', 'irq:cpu'], ['irq:cpu']),
  },
  'gupf-pmd': {
    kernel: 'gup_pmd_range(): pmd = READ_ONCE(*pmdp)',
    doc: 'read the page-table pointer with no lock; none: fall back',
    source: 'kernel-paths §5.1',
    mover: 'N',
    run: gupfPmd,
    footprint: fp(['page-table:table'], []),
  },
  'gupf-pte': {
    kernel: 'gup_pte_range(): ptep_get_lockless(); pte_access_permitted()',
    doc: 'read the PTE through the table pointer; must be present, not special, permitting the access; else fall back',
    source: 'kernel-paths §5.1',
    mover: 'N',
    run: gupfPte,
    footprint: fp(['page-table:table', 'pte:page'], []),
  },
  'gupf-grab': {
    kernel: 'try_grab_compound_head()',
    doc: 'take a reference or pin; fails (fall back) on a frame whose refcount is 0',
    source: 'kernel-paths §5.1',
    mover: 'N',
    run: gupfGrab,
    footprint: fp(['page-refs:any'], ['page-refs:any']),
  },
  'gupf-recheck': {
    kernel: 'pte_val(pte) != pte_val(*ptep); gup_must_unshare()',
    doc: 're-read the PTE; changed, or a R/O pin of a shared anonymous page (reuse exclusive): drop the reference and fall back',
    source: 'kernel-paths §5.1, §5.3',
    mover: 'N',
    run: gupfRecheck,
    footprint: fp(['page-table:table', 'pte:page', 'vma:page', 'page-refs:any', 'tlb:any'], ['page-refs:any']),
  },
  'gupf-end': {
    kernel: 'local_irq_restore(); read_seqcount_retry(write_protect_seq)',
    doc: "restore the caller's IRQ state (on, unless they were off before GUP-fast); with pin and seqcheck=on, a changed sequence unpins and falls back to the slow path",
    source: 'kernel-paths §5.1, §5.2',
    mover: 'N',
    run: gupfEnd,
    footprint: fp(['wp-seq:mm', 'irq:cpu', 'page-table:any', 'page-refs:any', 'tlb:any'], ['irq:cpu', 'page-table:any', 'page-refs:any', 'gup-refs:own']),
  },
};

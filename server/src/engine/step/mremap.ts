// mremap (mm/mremap.c; kernel-paths §16): under mmap_lock for write, move_vma() creates the
// VMA at the destination (copy_vma()), move_page_tables() moves the PTEs table by table in
// move_ptes() under the old and the new PTL nested (the order the addresses give: "exclusive
// mmap_lock prevents deadlock"), flushes the old addresses' TLB entries, and do_munmap()
// removes the old VMA. Where the flush sits is the CVE-2018-18281 story: after the PTLs
// (before 4.9, `flush=deferred`), under them for dirty PTEs only (5d1904204c99, 4.9-4.18,
// `flush=dirty`), under them for every present PTE (eb66ae030829, 4.19+, `flush=ptl`).
import type { ExecContext } from '../context';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { ptlDrop, ptlTake } from '../locks/ptl';
import { L_FLAGS, LF_CHANGED, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { checkWalk } from '../rules/lock-rules';
import { batchedPendingNeeded, flushBatchedPending, flushPages, flushRange, ipiEnabled, ipiWait } from '../tlb';
import { coveredVmas, splitRange } from '../vmas';
import { setPte } from './fault';
import { ptlFree, ptlWait } from './op-lock';

const F = L.PTE_FRAME_MASK;

type MremapOp = InstrOf<'move-ptes'>['op'];

/** The destination page index of tracked page q of the source, or -1. */
function destPage(cx: ExecContext, o: MremapOp, q: number): number {
  return cx.L.pageIndex.get(cx.L.pages[q]! - o.start + o.dest) ?? -1;
}

/**
 * The pages one move_ptes() call moves: tracked source pages in the old table `region` whose
 * destination table's PTL the thread holds (it took exactly the old and the new one).
 */
function chunkPages(cx: ExecContext, s: State, t: number, ins: InstrOf<'move-ptes'>): number[] {
  const o = ins.op;
  const mm = cx.tMm[t]!;
  // the new table: the other PTL the thread holds, else the old table itself (new_ptl == old_ptl)
  let neu = ins.region;
  for (let r = 0; r < cx.L.nRegion; r++) if (r !== ins.region && s[cx.m.pt(mm, r, L.PT_PTL)] === t + 1) neu = r;
  const out: number[] = [];
  for (let q = 0; q < cx.L.nPage; q++) {
    const a = cx.L.pages[q]!;
    if (cx.L.pageRegion[q] !== ins.region || a < o.start || a >= o.end) continue;
    const d = destPage(cx, o, q);
    if (d < 0 || cx.L.pageRegion[d] !== neu) continue;
    out.push(q);
  }
  return out;
}

/** Whether this move_ptes() flushes under the PTLs: force_flush for a present (flush=ptl) or dirty present (flush=dirty) PTE. */
function forceFlush(cx: ExecContext, s: State, t: number, ins: InstrOf<'move-ptes'>): boolean {
  const o = ins.op;
  if (o.flush === 'deferred') return false;
  const mm = cx.tMm[t]!;
  for (const q of chunkPages(cx, s, t, ins)) {
    const pte = s[cx.m.pte(mm, q)]!;
    if ((pte & F) !== 0 && (o.flush === 'ptl' || (pte & L.PTE_DIRTY) !== 0)) return true;
  }
  return false;
}

/** vma_to_resize() and copy_vma(): the source must lie in one live VMA; the new VMA is a copy of it at the destination. */
function copyVma(cx: ExecContext, s: State, t: number, ins: InstrOf<'mremap-copy-vma'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const o = ins.op;
  const len = o.end - o.start;
  const v = m.vmaAt(s, mm, o.start);
  const b = cx.L.bounds;
  if (v < 0 || b[s[m.vma(mm, v, L.V_END)]!]! < o.end || coveredVmas(cx, s, mm, o.dest, o.dest + len).length > 0) return ins.jumps.fail;
  cx.design.checkVmaWrite(cx, s, t, 'copy_vma()', o.start, o.end);
  let n = -1;
  for (let k = 0; k < cx.L.nVma && n < 0; k++) if (s[m.vma(mm, k, L.V_STATE)] === L.VMA_FREE) n = k;
  if (n < 0) throw new Error('VMA slots exhausted');
  const src = m.vma(mm, v, 0);
  const dst = m.vma(mm, n, 0);
  // vm_area_dup(): the new VMA inherits the old one's flags and anon_vma, and (as __split_vma's
  // copies do) its VMA write lock (pervma) or open vm_write_begin bracket (spf)
  for (let k = 0; k < L.V_SIZE; k++) s[dst + k] = s[src + k]!;
  s[dst + L.V_START] = cx.L.boundIndex.get(o.dest)!;
  s[dst + L.V_END] = cx.L.boundIndex.get(o.dest + len)!;
  s[dst + L.V_READERS] = 0;
  return ins.next;
}

function lockPtl(cx: ExecContext, s: State, t: number, ins: InstrOf<'mremap-lock-ptl'>): Next {
  ptlTake(cx, s, t, cx.tMm[t]!, ins.region);
  return ins.next;
}

function movePtes(cx: ExecContext, s: State, t: number, ins: InstrOf<'move-ptes'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const o = ins.op;
  const pages = chunkPages(cx, s, t, ins);
  checkWalk(cx, s, t, 'move_ptes()', (q) => pages.includes(q));
  const force = forceFlush(cx, s, t, ins);
  // flush_tlb_batched_pending(mm) (3ea277194daa): after both PTLs, before the moves
  flushBatchedPending(cx, s, t, o.batched);
  let moved = false;
  for (const q of pages) {
    const pte = s[m.pte(mm, q)]!;
    // every non-none PTE moves: present ones, and swap and migration entries (move_ptes():
    // `if (pte_none(ptep_get(old_pte))) continue;`)
    if (pte === 0) continue;
    const d = destPage(cx, o, q);
    // ptep_get_and_clear(old); set_pte_at(new, move_pte(pte))
    setPte(cx, s, t, mm, q, ins.region, 0, 'move_ptes()');
    setPte(cx, s, t, mm, d, cx.L.pageRegion[d]!, pte, 'move_ptes()');
    moved = true;
  }
  if (force) flushPages(cx, s, mm, (q) => pages.includes(q));
  else if (moved) s[m.loc(t, L_FLAGS)]! |= LF_CHANGED; // need_flush: move_page_tables() flushes after the PTLs
  // spin_unlock(new_ptl); pte_unmap_unlock(old_ptl)
  for (let r = 0; r < cx.L.nRegion; r++) if (s[m.pt(mm, r, L.PT_PTL)] === t + 1 && r !== ins.region) ptlDrop(cx, s, t, mm, r);
  ptlDrop(cx, s, t, mm, ins.region);
  return ins.next;
}

function needsFlush(cx: ExecContext, s: State, t: number): boolean {
  return (s[cx.m.loc(t, L_FLAGS)]! & LF_CHANGED) !== 0;
}

/** move_page_tables() before eb66ae030829: `if (need_flush) flush_tlb_range(vma, old_end-len, old_addr)`. */
function mremapFlush(cx: ExecContext, s: State, t: number, ins: InstrOf<'mremap-flush'>): Next {
  if (needsFlush(cx, s, t)) flushRange(cx, s, cx.tMm[t]!, ins.op.start, ins.op.end);
  s[cx.m.loc(t, L_FLAGS)]! &= ~LF_CHANGED;
  return ins.next;
}

/** do_munmap(old range) at the end of move_vma(): split off and free the old VMA (its PTEs are gone). */
function unmapOld(cx: ExecContext, s: State, t: number, ins: InstrOf<'mremap-unmap-old'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const o = ins.op;
  cx.design.checkVmaWrite(cx, s, t, 'do_munmap()', o.start, o.end);
  splitRange(cx, s, mm, o.start, o.end);
  for (const v of coveredVmas(cx, s, mm, o.start, o.end)) {
    const vo = m.vma(mm, v, 0);
    for (let k = 0; k < L.V_SIZE; k++) s[vo + k] = 0;
  }
  return ins.next;
}

function mremapEnd(cx: ExecContext, s: State, t: number, ins: InstrOf<'mremap-end'>): Next {
  cx.design.endVmaBrackets(cx, s, t);
  if (!ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
  return ins.next;
}


export const MREMAP: SemanticsPart<'mremap-copy-vma' | 'mremap-lock-ptl' | 'move-ptes' | 'mremap-flush' | 'mremap-unmap-old' | 'mremap-end'> = {
  'mremap-copy-vma': {
    kernel: 'vma_to_resize(); move_vma(): copy_vma()',
    doc: 'the source must lie inside one live VMA (else -EFAULT, nothing changes) and the destination be free; a copy of the VMA (flags, anon_vma, file pages; its write lock or vm_write_begin bracket) is linked at the destination',
    source: 'kernel-paths §16 steps 1-2',
    mover: 'N',
    run: copyVma,
    footprint: fp(['vma:mm', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:range', 'vma-seq:range'], ['vma:mm', 'vma-lock:mm', 'vma-seq:mm']),
  },
  'mremap-lock-ptl': {
    kernel: 'move_ptes(): pte_offset_map_lock(old) / spin_lock_nested(new_ptl, SINGLE_DEPTH_NESTING)',
    doc: 'take the old table\'s PTL, then the new table\'s if it is another one (the nesting order the addresses give, recorded for lock-order; mmap_lock held for write is its gate)',
    source: 'kernel-paths §16 step 3; kernel-rules R3',
    mover: 'R',
    enabled: ptlFree,
    waitsFor: ptlWait,
    run: lockPtl,
    footprint: fp(['ptl:table', 'ptl:mm', 'mmap-lock:mm', 'range-lock:mm'], ['ptl:mm']),
  },
  'move-ptes': {
    kernel: 'move_ptes(): flush_tlb_batched_pending(mm); ptep_get_and_clear(old); set_pte_at(new); [force_flush] flush_tlb_range(old); spin_unlock(new_ptl); pte_unmap_unlock(old_ptl)',
    doc: 'with both PTLs held: batched=check flushes the mm first if reclaim batched a flush for it (3ea277194daa); each non-none PTE of the chunk moves (old -> none, new <- pte, with its reference; swap and migration entries too); flush=ptl flushes the old addresses here if a present PTE moved, flush=dirty only if a dirty one did (else need_flush); then drop both PTLs',
    source: 'kernel-paths §16 step 3 (eb66ae030829, 5d1904204c99)',
    mover: 'N',
    enabled: (cx, s, t, ins) => (!forceFlush(cx, s, t, ins) && !batchedPendingNeeded(cx, s, t, ins.op.batched)) || ipiEnabled(cx, s, t),
    waitsFor: ipiWait,
    run: movePtes,
    footprint: fp(['pte:mm', 'ptl:mm', 'tlb:mm-cpus', 'irq:mm-cpus', 'thread-control:mm', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:mm', 'vma:mm', 'flush-batched:mm'], ['pte:mm', 'tlb:mm-cpus', 'ptl:mm', 'flush-batched:mm']),
  },
  'mremap-flush': {
    kernel: 'move_page_tables(): if (need_flush) flush_tlb_range(vma, old_end - len, old_addr)',
    doc: 'flush the old range on every CPU of the mm if a move left it unflushed (flush=dirty, flush=deferred): after the PTLs were dropped',
    source: 'kernel-paths §16 step 4 (before eb66ae030829)',
    mover: 'N',
    enabled: (cx, s, t) => !needsFlush(cx, s, t) || ipiEnabled(cx, s, t),
    waitsFor: ipiWait,
    run: mremapFlush,
    footprint: fp(['irq:mm-cpus', 'thread-control:mm'], ['tlb:mm-cpus']),
  },
  'mremap-unmap-old': {
    kernel: 'move_vma(): do_munmap(mm, old_addr, old_len)',
    doc: 'split off the old range and free its VMA; its PTEs have moved, so nothing is zapped (page tables are left in place)',
    source: 'kernel-paths §16 step 5',
    mover: 'N',
    run: unmapOld,
    footprint: fp(['vma:range', 'mmap-lock:mm', 'range-lock:mm', 'vma-lock:range', 'vma-seq:range'], ['vma:range', 'vma-lock:range', 'vma-seq:range']),
  },
  'mremap-end': {
    kernel: 'mmap_write_unlock()',
    doc: 'end the VMA brackets (spf vm_write_end) and release mmap_lock',
    source: 'kernel-paths §16',
    mover: 'L',
    run: mremapEnd,
    footprint: fp(['vma:mm', 'mmap-lock:mm', 'range-lock:mm'], ['vma-lock:mm', 'vma-seq:mm', 'mmap-lock:mm', 'range-lock:mm', 'thread-control:any']),
  },
};

// The VMA-locked page fault (`locking pervma`, Linux 6.4+; mm/memory.c lock_vma_under_rcu();
// docs/design-paths.md §1.1): the fault finds its VMA with no mmap_lock and read-locks it; a
// missing, write-locked, non-anonymous or uffd VMA, one without an anon_vma (a first touch),
// or an access error, sends it to the mmap_lock path instead.
import type { ExecContext } from '../context';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { L_VMA, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { hasAnonVma, locklessFaultable } from '../vmas';

function vmaReadTry(cx: ExecContext, s: State, t: number, ins: InstrOf<'vma-read-try'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  // lock_vma_under_rcu() (v6.4 mm/memory.c l.5397): fails on a missing or non-anonymous VMA,
  // on one without an anon_vma ("find_mergeable_anon_vma uses adjacent vmas which are not
  // locked": anon_vma_prepare needs mmap_lock), on a write-locked or uffd VMA; access_error()
  // then also sends the fault to the mmap_lock path
  const v = m.vmaAt(s, mm, cx.L.pages[ins.page]!);
  if (v < 0 || !locklessFaultable(cx, s, mm, v) || !hasAnonVma(cx, s, mm, v) || s[m.vma(mm, v, L.V_WRITER)] !== 0) return ins.jumps.fallback;
  const prot = s[m.vma(mm, v, L.V_PROT)]!;
  if (ins.write ? prot !== 2 : prot === 0) return ins.jumps.fallback;
  s[m.vma(mm, v, L.V_READERS)]!++;
  s[m.loc(t, L_VMA)] = v + 1;
  return ins.next;
}

function vmaReadUnlock(cx: ExecContext, s: State, t: number, ins: InstrOf<'vma-read-unlock'>): Next {
  const m = cx.m;
  const v = s[m.loc(t, L_VMA)]! - 1;
  if (v >= 0) s[m.vma(cx.tMm[t]!, v, L.V_READERS)]!--;
  s[m.loc(t, L_VMA)] = 0;
  return ins.next;
}

export const VMA_LOCKED_FAULT: SemanticsPart<'vma-read-try' | 'vma-read-unlock'> = {
  'vma-read-try': {
    kernel: 'lock_vma_under_rcu(): mas_walk(); vma->anon_vma; vma_start_read(); access_error()',
    doc: 'pervma: find the VMA with no mmap_lock and read-lock it; fails (fall back to mmap_lock) if there is none, it is not private anonymous, it has no anon_vma yet (no anonymous page was ever faulted in it), it is write-locked or a writer waits (vma_start_write), it is registered with userfaultfd, or it forbids the access',
    source: 'kernel-rules R19; docs/design-paths.md §1.1 (mm/memory.c lock_vma_under_rcu, v6.4 l.5397-5447)',
    mover: 'N',
    run: vmaReadTry,
    footprint: fp(['vma:page', 'vma-lock:page'], ['vma-lock:page']),
  },
  'vma-read-unlock': {
    kernel: 'vma_end_read()',
    doc: 'pervma: release the VMA read lock the fault took; the access retries',
    source: 'kernel-paths §1.0 (6.x)',
    mover: 'L',
    run: vmaReadUnlock,
    footprint: fp([], ['vma-lock:mm']),
  },
};

// Stack growth (issue 10; kernel-paths §14): an access below a `growsdown` VMA grows it.
// Before 6.5 the fault handler and GUP's find_extend_vma() call expand_stack() →
// expand_downwards() under mmap_lock held for read, serialised against other expansions only by
// anon_vma_lock_write() and mm->page_table_lock (`stack=read`). Since 8d7071af8907 ("mm: always
// expand the stack with the mmap write lock held", 6.5) lock_mm_and_find_vma() drops the read
// lock, takes mmap_lock for write, looks the VMA up again, expands it (expand_stack_locked(),
// with vma_start_write() on the stack VMA) and downgrades (`stack=write`); GUP no longer grows
// the stack (gup_vma_lookup()). munmap's part of the story (downgrade=check, 246c320a8cfe) is in
// step/op-lock.ts; a zap that reaches a live VMA's page is reported here.
import type { ExecContext } from '../context';
import { hex } from '../format';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import type { State } from '../machine';
import { fp, type Next, type SemanticsPart, type WaitInfo } from '../micro-sem';
import type { StackGrowth, StepSpec } from '../scenario';
import { growableStack, growStack, vmaFlagsAt } from '../vmas';
import { gupVmaAllows } from './gup';

/** How the op's stack growth locks: its `stack=` option (faults, cow, gup); user accesses run the mainline path. */
export function stackMode(op: StepSpec): StackGrowth {
  return op.op === 'fault' || op.op === 'cow' || op.op === 'gup' ? op.stack : 'write';
}

/**
 * Can this instruction change a VMA without holding mmap_lock for write (the reduction must not
 * merge acquisitions then)? Growth under the read lock, or under whatever an explicit lock
 * section holds.
 */
export function growsUnderRead(ins: { readonly kind: string; readonly op: StepSpec; readonly inheritMmap: boolean }): boolean {
  return ins.kind === 'stack-expand' && (stackMode(ins.op) === 'read' || ins.inheritMmap);
}

type ExpandInstr = InstrOf<'stack-expand'>;

/** The stack VMA this step would grow, while no VMA covers the page yet. */
function target(cx: ExecContext, s: State, t: number, ins: ExpandInstr): number {
  const mm = cx.tMm[t]!;
  const addr = cx.L.pages[ins.page]!;
  return vmaFlagsAt(cx, s, mm, addr) ? -1 : growableStack(cx, s, mm, addr);
}

/** vma_start_write() in expand_downwards() (6.5+) waits for the stack VMA's readers (pervma). */
function readersOf(cx: ExecContext, s: State, t: number, ins: ExpandInstr): number[] {
  if (stackMode(ins.op) !== 'write') return [];
  const v = target(cx, s, t, ins);
  return v < 0 ? [] : cx.design.stackVmaReaders(cx, s, t, v);
}

function stackExpand(cx: ExecContext, s: State, t: number, ins: ExpandInstr): Next {
  const mm = cx.tMm[t]!;
  const addr = cx.L.pages[ins.page]!;
  const fail = (): Next => {
    // the fault drops its lock and signals; GUP's -EFAULT exit drops it
    if (ins.ctx !== 'gup' && !ins.inheritMmap) cx.design.releaseOpLock(cx, s, t);
    return ins.jumps.segv;
  };
  // find_vma() again (after the relock), or expand_downwards()'s re-check under anon_vma_lock:
  // another expansion may have covered the page meanwhile
  if (!vmaFlagsAt(cx, s, mm, addr)) {
    const v = growableStack(cx, s, mm, addr);
    if (v < 0) return fail();
    if (stackMode(ins.op) === 'write') {
      // expand_stack_locked(): mmap_assert_write_locked(); vma_start_write(vma)
      cx.design.stackVmaWrite(cx, s, t, v);
      const end = cx.L.bounds[s[cx.m.vma(mm, v, L.V_END)]!]!;
      cx.design.checkVmaWrite(cx, s, t, 'expand_stack_locked()', addr, end);
    }
    growStack(cx, s, mm, v, addr);
  }
  const vf = vmaFlagsAt(cx, s, mm, addr);
  if (ins.op.op === 'gup') return gupVmaAllows(cx, s, t, ins.op, vf) ? ins.next : fail();
  // good_area: access_error()
  const bad = !vf || (ins.write ? vf.prot !== 2 : vf.prot === 0);
  return bad ? fail() : ins.next;
}

function stackUnlock(cx: ExecContext, s: State, t: number, ins: InstrOf<'stack-unlock'>): Next {
  cx.design.releaseOpLock(cx, s, t);
  return ins.next;
}

function stackLock(cx: ExecContext, s: State, t: number, ins: InstrOf<'stack-lock'>): Next {
  return cx.design.lockForOp(cx, s, t, ins.op, true) ? ins.next : undefined;
}

function stackDowngrade(cx: ExecContext, s: State, t: number, ins: InstrOf<'stack-downgrade'>): Next {
  cx.design.downgradeOpLock(cx, s, t);
  return ins.next;
}

/**
 * A munmap zap clears a PTE that a live VMA maps: a VMA munmap did not detach, which can only
 * have grown into the range after the detach (a stack expanding under mmap_lock read after
 * munmap's downgrade, 246c320a8cfe). unmap_region() "zaps pagetables partly populated" by the
 * grower: when the page is dirty and holds data, that data is lost.
 */
export function checkZapOfLiveVma(cx: ExecContext, s: State, t: number, mm: number, p: number, pte: number): void {
  if ((pte & L.PTE_DIRTY) === 0) return;
  const a = cx.L.pages[p]!;
  const v = cx.m.vmaAt(s, mm, a);
  if (v < 0) return;
  const f = (pte & L.PTE_FRAME_MASK) - 1;
  if (f < 0 || f === cx.L.zeroFrame || cx.L.values[s[cx.m.fr(f, L.F_VALUE)]!] === 0) return;
  const b = cx.L.bounds;
  const span = `${hex(b[s[cx.m.vma(mm, v, L.V_START)]!]!)}..${hex(b[s[cx.m.vma(mm, v, L.V_END)]!]!)}`;
  cx.race(
    'lost-write',
    `munmap by ${cx.tn(t)} zaps ${hex(a)}, which the live VMA ${span} maps (it is not one munmap detached: it grew into the range after the detach): the data written to frame ${cx.m.frameName(f)} is lost`,
  );
}

const STACK_WAIT = (cx: ExecContext, s: State, t: number, ins: ExpandInstr): WaitInfo => ({ thread: t, what: 'the stack VMA\'s readers to leave (vma_start_write)', holders: readersOf(cx, s, t, ins) });

export const STACK: SemanticsPart<'stack-expand' | 'stack-unlock' | 'stack-lock' | 'stack-downgrade'> = {
  'stack-expand': {
    kernel: 'expand_stack() → expand_downwards(): anon_vma_prepare(); anon_vma_lock_write(); spin_lock(&mm->page_table_lock); vma->vm_start = address',
    doc: 'no VMA covers the page and the VMA above grows down: unless an accessible VMA ends within stack_guard_gap below the page, move the stack VMA\'s start down to the page (under the lock the fault holds: read before 6.5, write since 8d7071af8907, with vma_start_write() under pervma); then check the access (SIGSEGV, or -EFAULT for GUP)',
    source: 'kernel-paths §14.1, §14.2; mm/mmap.c expand_downwards() (v5.10, v6.5), 8d7071af8907',
    mover: 'N',
    enabled: (cx, s, t, ins) => readersOf(cx, s, t, ins).length === 0,
    waitsFor: STACK_WAIT,
    run: stackExpand,
    footprint: fp(['vma:mm', 'vma-lock:mm', 'mmap-lock:mm', 'range-lock:mm', 'ptl:mm', 'irq:cpu'], ['vma:mm', 'vma-lock:mm', 'mmap-lock:mm', 'range-lock:mm', 'thread-control:any']),
  },
  'stack-unlock': {
    kernel: 'lock_mm_and_find_vma(): mmap_read_unlock()',
    doc: 'the VMA must grow: drop the read lock to take the write lock (mmap_upgrade_trylock() does not exist)',
    source: 'kernel-paths §14.2; mm/memory.c lock_mm_and_find_vma() (8d7071af8907)',
    mover: 'L',
    run: stackUnlock,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm'], ['mmap-lock:mm', 'range-lock:mm', 'thread-control:any', 'vma-lock:mm']),
  },
  'stack-lock': {
    kernel: 'lock_mm_and_find_vma(): mmap_write_lock_killable()',
    doc: 'take mmap_lock for write (under `range`, a write range over the whole mm)',
    source: 'kernel-paths §14.2; mm/memory.c lock_mm_and_find_vma() (8d7071af8907)',
    mover: 'R',
    run: stackLock,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm', 'vma:range', 'vma-lock:own', 'ptl:mm', 'irq:cpu'], ['mmap-lock:mm', 'range-lock:mm']),
  },
  'stack-downgrade': {
    kernel: 'lock_mm_and_find_vma(): mmap_write_downgrade()',
    doc: 'the stack has grown: downgrade to the read lock the fault continues with (ending the VMA write lock)',
    source: 'kernel-paths §14.2; mm/memory.c lock_mm_and_find_vma() (8d7071af8907)',
    mover: 'N',
    run: stackDowngrade,
    footprint: fp(['mmap-lock:mm', 'range-lock:mm'], ['mmap-lock:mm', 'range-lock:mm', 'vma-lock:mm', 'thread-control:any']),
  },
};

// The expansion of explicit `lock` / `unlock` steps (SPEC §4), and the small address helpers
// the op expansion shares: which tracked page or page table an address is, how a range is named.
import type { Builder, DraftBase } from './builder';
import type { LockingDesign } from './designs/design';
import { hex } from './format';
import type { Layout } from './layout';
import { PT_SPAN, type LockMode, type StepSpec } from './scenario';

/** Locks a thread holds by explicit lock steps at a point of its program (static). */
export interface Held {
  mmap: LockMode | undefined;
  /** Explicit range locks held (`locking range`). */
  range: number;
  ptl: Set<number>; // regions
}

export function rangeText(start: number, end: number): string {
  return end - start === 0x1000 ? hex(start) : `${hex(start)}..${hex(end)}`;
}

export function pageOf(L: Layout, addr: number): number {
  return L.pageIndex.get(addr) ?? -1;
}

export function regionOf(L: Layout, addr: number): number {
  return L.regionIndex.get(Math.floor(addr / PT_SPAN)) ?? -1;
}

interface LockStepContext {
  readonly b: Builder;
  readonly L: Layout;
  readonly design: LockingDesign;
  readonly held: Held;
}

/** Explicit `lock` / `unlock` steps; they also update what the thread holds for later ops. */
export function expandLockStep(c: LockStepContext, op: Extract<StepSpec, { op: 'lock' | 'unlock' }>, base: DraftBase): void {
  const { b, L, design, held } = c;
  const lock = op.op === 'lock';
  switch (op.lock) {
    case 'mmap':
      if (op.op === 'lock') {
        b.emit({ ...base, kind: 'lock-mmap', write: op.mode === 'write', text: `lock mmap ${op.mode}`, kernel: design.explicitMmapKernel(op.mode) });
        if (!held.mmap) held.mmap = op.mode;
      } else {
        const kernel = design.explicitMmapUnlockKernel;
        b.emit({ ...base, kind: 'unlock-mmap', text: 'unlock mmap', ...(kernel ? { kernel } : {}) });
        held.mmap = undefined;
      }
      return;
    case 'ptl': {
      const r = regionOf(L, op.addr);
      if (lock) {
        b.emit({ ...base, kind: 'lock-ptl', region: r, text: `lock ptl ${hex(op.addr)}` });
        held.ptl.add(r);
      } else {
        b.emit({ ...base, kind: 'unlock-ptl', region: r, text: `unlock ptl ${hex(op.addr)}` });
        held.ptl.delete(r);
      }
      return;
    }
    case 'vma':
      if (op.op === 'lock') b.emit({ ...base, kind: 'lock-vma', page: pageOf(L, op.addr), write: op.mode === 'write', text: `lock vma ${hex(op.addr)} ${op.mode}` });
      else b.emit({ ...base, kind: 'unlock-vma', page: pageOf(L, op.addr), text: `unlock vma ${hex(op.addr)}` });
      return;
    case 'range':
      if (!design.traits.explicitLocks.includes('range')) throw new Error('`lock range` / `unlock range` need `locking range`');
      if (op.op === 'lock') {
        b.emit({ ...base, kind: 'lock-range', write: op.mode === 'write', text: `lock range ${rangeText(op.start, op.end)} ${op.mode}` });
        held.range++;
      } else {
        b.emit({ ...base, kind: 'unlock-range', text: `unlock range ${rangeText(op.start, op.end)}` });
        held.range = Math.max(0, held.range - 1);
      }
      return;
  }
}

// VMAs: lookup (find_vma), splitting (__split_vma), the VMAs a range covers, and the flags a
// fault reads. VMA slots hold indices into the layout's boundary table.
import type { ExecContext } from './context';
import * as L from './layout';
import type { State } from './machine';

export interface VmaFacts {
  readonly v: number;
  /** 0 none, 1 r, 2 rw */
  readonly prot: number;
  readonly flags: number;
}

/** find_vma() + containment: the live VMA covering addr, with its protection and flags. */
export function vmaFlagsAt(cx: ExecContext, s: State, mm: number, addr: number): VmaFacts | undefined {
  const v = cx.m.vmaAt(s, mm, addr);
  if (v < 0) return undefined;
  return { v, prot: s[cx.m.vma(mm, v, L.V_PROT)]!, flags: s[cx.m.vma(mm, v, L.V_FLAGS)]! };
}

/** The flags of a live or detached VMA covering addr (munmap zaps after detaching). */
export function vmaFlagsAnyState(cx: ExecContext, s: State, mm: number, addr: number): number | undefined {
  const b = cx.L.bounds;
  for (let v = 0; v < cx.L.nVma; v++) {
    const o = cx.m.vma(mm, v, 0);
    const st = s[o + L.V_STATE]!;
    if (st === L.VMA_FREE || st === L.VMA_GONE) continue;
    if (b[s[o + L.V_START]!]! <= addr && addr < b[s[o + L.V_END]!]!) return s[o + L.V_FLAGS]!;
  }
  return undefined;
}

/**
 * Whether a VMA can be handled by VMA-locked (pervma) or speculative (spf) faults: private
 * anonymous (a shared anonymous VMA is shmem, with vm_ops), not registered with userfaultfd.
 */
export function locklessFaultable(cx: ExecContext, s: State, mm: number, v: number): boolean {
  return (s[cx.m.vma(mm, v, L.V_FLAGS)]! & (L.VF_FILE | L.VF_SHARED | L.VF_UFFD)) === 0;
}

/** Whether VMA slot v of mm has an anon_vma (VF_ANONVMA). */
export function hasAnonVma(cx: ExecContext, s: State, mm: number, v: number): boolean {
  return (s[cx.m.vma(mm, v, L.V_FLAGS)]! & L.VF_ANONVMA) !== 0;
}

/**
 * anon_vma_prepare(), which do_anonymous_page() calls before it allocates (not for the zero
 * page), do_cow_fault() and wp_page_copy() call first (v5.10, v6.4 mm/memory.c; kernel-paths
 * §1.3): the VMA covering addr gets its anon_vma. A shared VMA never reaches it (its pages are
 * file or shmem pages).
 */
export function anonVmaPrepare(cx: ExecContext, s: State, mm: number, addr: number): void {
  const v = cx.m.vmaAt(s, mm, addr);
  if (v >= 0 && (s[cx.m.vma(mm, v, L.V_FLAGS)]! & L.VF_SHARED) === 0) s[cx.m.vma(mm, v, L.V_FLAGS)]! |= L.VF_ANONVMA;
}

/** Live VMAs of mm overlapping [start, end), in address order. */
export function coveredVmas(cx: ExecContext, s: State, mm: number, start: number, end: number): number[] {
  const m = cx.m;
  const b = cx.L.bounds;
  const out: number[] = [];
  for (let v = 0; v < cx.L.nVma; v++) {
    const o = m.vma(mm, v, 0);
    if (s[o + L.V_STATE] !== L.VMA_LIVE) continue;
    if (b[s[o + L.V_START]!]! < end && start < b[s[o + L.V_END]!]!) out.push(v);
  }
  return out.sort((x, y) => s[m.vma(mm, x, L.V_START)]! - s[m.vma(mm, y, L.V_START)]!);
}

/** [lo, hi) grown to the whole VMAs overlapping [start, end). */
export function wholeVmaSpan(cx: ExecContext, s: State, mm: number, start: number, end: number): [number, number] {
  const b = cx.L.bounds;
  let lo = start;
  let hi = end;
  for (const v of coveredVmas(cx, s, mm, start, end)) {
    lo = Math.min(lo, b[s[cx.m.vma(mm, v, L.V_START)]!]!);
    hi = Math.max(hi, b[s[cx.m.vma(mm, v, L.V_END)]!]!);
  }
  return [lo, hi];
}

/** Whether live VMAs cover [start, end) without holes. */
export function fullyCovered(cx: ExecContext, s: State, mm: number, start: number, end: number): boolean {
  const b = cx.L.bounds;
  let at = start;
  for (const v of coveredVmas(cx, s, mm, start, end)) {
    const vs = b[s[cx.m.vma(mm, v, L.V_START)]!]!;
    if (vs > at) return false;
    at = Math.max(at, b[s[cx.m.vma(mm, v, L.V_END)]!]!);
  }
  return at >= end;
}

function allocVma(cx: ExecContext, s: State, mm: number): number {
  for (let v = 0; v < cx.L.nVma; v++) if (s[cx.m.vma(mm, v, L.V_STATE)] === L.VMA_FREE) return v;
  throw new Error('VMA slots exhausted');
}

/** __split_vma(): split the live VMA of mm strictly containing boundary index bi. */
export function splitAt(cx: ExecContext, s: State, mm: number, bi: number): void {
  const m = cx.m;
  for (let v = 0; v < cx.L.nVma; v++) {
    const o = m.vma(mm, v, 0);
    if (s[o + L.V_STATE] !== L.VMA_LIVE) continue;
    if (s[o + L.V_START]! < bi && bi < s[o + L.V_END]!) {
      const n = allocVma(cx, s, mm);
      const no = m.vma(mm, n, 0);
      for (let k = 0; k < L.V_SIZE; k++) s[no + k] = s[o + k]!;
      s[no + L.V_READERS] = 0; // a new vm_area_struct: its read lock is its own
      s[o + L.V_END] = bi;
      s[no + L.V_START] = bi;
      return;
    }
  }
}

/** Split at both ends of [start, end) (mprotect_fixup, __do_munmap). */
export function splitRange(cx: ExecContext, s: State, mm: number, start: number, end: number): void {
  const bs = cx.L.boundIndex;
  splitAt(cx, s, mm, bs.get(start) ?? -1);
  splitAt(cx, s, mm, bs.get(end) ?? -1);
}

// ---- stack growth (issue 10) ----------------------------------------------------------------

/** stack_guard_gap: 256 pages (1be7107fbe18, "mm: larger stack guard gap, between vmas"). */
export const STACK_GUARD_GAP = 0x100000;

/** find_vma() for an address no live VMA covers: the first live VMA above it, or -1. */
function vmaAbove(cx: ExecContext, s: State, mm: number, addr: number): number {
  const b = cx.L.bounds;
  let best = -1;
  for (let v = 0; v < cx.L.nVma; v++) {
    const o = cx.m.vma(mm, v, 0);
    if (s[o + L.V_STATE] !== L.VMA_LIVE || b[s[o + L.V_START]!]! <= addr) continue;
    if (best < 0 || s[o + L.V_START]! < s[cx.m.vma(mm, best, L.V_START)]!) best = v;
  }
  return best;
}

/**
 * The arch fault handler's and find_extend_vma()'s test after find_vma(): no VMA covers addr and
 * the next one above grows down (`vma->vm_flags & VM_GROWSDOWN`): an access there asks to grow it.
 */
export function stackBelow(cx: ExecContext, s: State, mm: number, addr: number): boolean {
  if (cx.m.vmaAt(s, mm, addr) >= 0) return false;
  const v = vmaAbove(cx, s, mm, addr);
  return v >= 0 && (s[cx.m.vma(mm, v, L.V_FLAGS)]! & L.VF_GROWSDOWN) !== 0;
}

/**
 * expand_downwards()'s checks (v5.10 and v6.5 mm/mmap.c): the growsdown VMA above addr, unless
 * the VMA below addr is accessible, does not grow down itself, and ends within stack_guard_gap
 * of addr (-ENOMEM). The rlimit (acct_stack_growth) and mmap_min_addr are not modelled.
 * Returns the VMA slot, or -1.
 */
export function growableStack(cx: ExecContext, s: State, mm: number, addr: number): number {
  if (!stackBelow(cx, s, mm, addr)) return -1;
  const v = vmaAbove(cx, s, mm, addr);
  const b = cx.L.bounds;
  let prevEnd = -1;
  let prev = -1;
  for (let u = 0; u < cx.L.nVma; u++) {
    const o = cx.m.vma(mm, u, 0);
    if (s[o + L.V_STATE] !== L.VMA_LIVE) continue;
    const e = b[s[o + L.V_END]!]!;
    if (e <= addr && e > prevEnd) {
      prevEnd = e;
      prev = u;
    }
  }
  if (prev >= 0) {
    const o = cx.m.vma(mm, prev, 0);
    if ((s[o + L.V_FLAGS]! & L.VF_GROWSDOWN) === 0 && s[o + L.V_PROT]! !== 0 && addr - prevEnd < STACK_GUARD_GAP) return -1;
  }
  return v;
}

/** The stack VMA v now starts at addr (`vma->vm_start = address`), with its anon_vma (anon_vma_prepare()). */
export function growStack(cx: ExecContext, s: State, mm: number, v: number, addr: number): void {
  const o = cx.m.vma(mm, v, 0);
  const bi = cx.L.boundIndex.get(addr);
  if (bi === undefined) throw new Error(`internal: no VMA boundary at ${addr} for stack growth`);
  s[o + L.V_START] = bi;
  s[o + L.V_FLAGS]! |= L.VF_ANONVMA;
}

/** detach_vmas_to_be_unmapped()'s test (246c320a8cfe): does the first live VMA at or above `end` grow down? */
export function nextGrowsDown(cx: ExecContext, s: State, mm: number, end: number): boolean {
  const v = vmaAbove(cx, s, mm, end - 1);
  return v >= 0 && (s[cx.m.vma(mm, v, L.V_FLAGS)]! & L.VF_GROWSDOWN) !== 0;
}

// Op expansion: every step of a thread becomes a sequence of micro-steps (micro-steps.ts)
// with jumps for the kernel's branches. This is the one table of op expansions: the engine
// runs it, hover prints it, docs/micro-steps.md is generated from it.
import { MICRO, type MicroKind } from './micro-steps';
import type { Layout } from './layout';
import { PT_SPAN, type ScenarioSpec, type StepSpec } from './scenario';

export const END = -1; // jump target: the thread has finished its program
export const SEGV = -2; // jump target: the thread dies with SIGSEGV

export type Ctx = 'user' | 'explicit' | 'gup';

export interface Instr {
  readonly kind: MicroKind;
  readonly code: number;
  /** Index of the step (op) of the thread this micro-step belongs to. */
  readonly step: number;
  readonly op: StepSpec;
  readonly ctx: Ctx;
  /** Page index, or -1. */
  readonly page: number;
  /** Region (page table) index, or -1. */
  readonly region: number;
  /** Kind-specific argument (fill mode, lock mode, …). */
  readonly arg: number;
  /** This op runs under a lock the thread already held: it neither takes nor releases it. */
  readonly inheritMmap: boolean;
  readonly inheritPtl: boolean;
  readonly next: number;
  readonly jumps: Readonly<Record<string, number>>;
  /** Short human description for traces, e.g. "lock ptl 0x1000". */
  readonly text: string;
  /** The kernel function(s), when more specific than the micro-step table's. */
  readonly kernel: string;
}

export const MICRO_CODES: Readonly<Record<MicroKind, number>> = Object.fromEntries(Object.keys(MICRO).map((k, i) => [k, i])) as Record<MicroKind, number>;

// fill-pte modes
export const FILL_ZERO = 0;
export const FILL_NEW = 1;
export const FILL_CACHE = 2;
export const FILL_COW = 3;
export const FILL_SHARED = 4;

// handle-pte / fill-pte / cow steps: jump names
interface Label {
  id: number;
}

interface Draft {
  kind: MicroKind;
  step: number;
  op: StepSpec;
  ctx: Ctx;
  page: number;
  region: number;
  arg: number;
  inheritMmap: boolean;
  inheritPtl: boolean;
  next: Label | number | undefined;
  jumps: Record<string, Label | number>;
  text: string;
  kernel?: string;
}

class Builder {
  readonly drafts: Draft[] = [];
  private readonly positions = new Map<number, number>();
  private nextLabel = 0;

  label(): Label {
    return { id: this.nextLabel++ };
  }

  place(l: Label): void {
    this.positions.set(l.id, this.drafts.length);
  }

  emit(d: Omit<Draft, 'next' | 'jumps' | 'kernel'> & { next?: Label | number; jumps?: Record<string, Label | number>; kernel?: string }): void {
    this.drafts.push({ ...d, next: d.next, jumps: d.jumps ?? {} });
  }

  resolve(x: Label | number | undefined, fallthrough: number): number {
    if (x === undefined) return fallthrough;
    if (typeof x === 'number') return x;
    const p = this.positions.get(x.id);
    if (p === undefined) throw new Error('unplaced label');
    return p >= this.drafts.length ? END : p;
  }

  finish(): Instr[] {
    return this.drafts.map((d, i) => {
      const fall = i + 1 >= this.drafts.length ? END : i + 1;
      const jumps: Record<string, number> = {};
      for (const [k, v] of Object.entries(d.jumps)) jumps[k] = this.resolve(v, fall);
      return {
        kind: d.kind,
        code: MICRO_CODES[d.kind],
        step: d.step,
        op: d.op,
        ctx: d.ctx,
        page: d.page,
        region: d.region,
        arg: d.arg,
        inheritMmap: d.inheritMmap,
        inheritPtl: d.inheritPtl,
        next: this.resolve(d.next, fall),
        jumps,
        text: d.text,
        kernel: d.kernel ?? MICRO[d.kind].kernel,
      };
    });
  }
}

/** Locks a thread holds by explicit lock steps at a point of its program (static). */
interface Held {
  mmap: 'read' | 'write' | undefined;
  /** Explicit range locks held (`locking range`). */
  range: number;
  ptl: Set<number>; // regions
}

export interface ThreadProgram {
  readonly instrs: readonly Instr[];
  /** First micro-step of each step (op). */
  readonly stepStart: readonly number[];
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function rangeText(start: number, end: number): string {
  return end - start === 0x1000 ? hex(start) : `${hex(start)}..${hex(end)}`;
}

/** The first tracked page of the range inside region r: how a table is named in traces. */
function tableText(L: Layout, r: number, start: number, end: number): string {
  const p = L.pages.find((a, i) => L.pageRegion[i] === r && a >= start && a < end);
  return hex(p ?? L.regions[r]! * PT_SPAN);
}

/** Regions (page tables) with tracked pages inside [start, end), in address order. */
function regionsIn(L: Layout, start: number, end: number): number[] {
  const out: number[] = [];
  L.pages.forEach((p, i) => {
    if (p >= start && p < end) {
      const r = L.pageRegion[i]!;
      if (!out.includes(r)) out.push(r);
    }
  });
  return out.sort((a, b) => L.regions[a]! - L.regions[b]!);
}

export function compileThread(L: Layout, spec: ScenarioSpec, thread: number): ThreadProgram {
  const th = spec.threads[thread]!;
  const b = new Builder();
  const held: Held = { mmap: undefined, range: 0, ptl: new Set() };
  const stepStart: number[] = [];
  const starts = th.steps.map(() => b.label());
  const endLabel = b.label();
  th.steps.forEach((op, i) => {
    stepStart.push(b.drafts.length);
    b.place(starts[i]!);
    const opEnd = i + 1 < th.steps.length ? starts[i + 1]! : endLabel;
    expandStep(b, L, op, i, held, opEnd, th.refs);
  });
  b.place(endLabel);
  return { instrs: b.finish(), stepStart };
}

function pageOf(L: Layout, addr: number): number {
  return L.pages.indexOf(addr);
}

function regionOf(L: Layout, addr: number): number {
  return L.regions.indexOf(Math.floor(addr / PT_SPAN));
}

function expandStep(b: Builder, L: Layout, op: StepSpec, step: number, held: Held, opEnd: Label, refNames: readonly string[]): void {
  const design = L.spec.design;
  const inherited = held.mmap !== undefined || held.range > 0;
  const base = (ctx: Ctx = 'explicit'): Pick<Draft, 'step' | 'op' | 'ctx' | 'page' | 'region' | 'arg' | 'inheritMmap' | 'inheritPtl'> => ({
    step,
    op,
    ctx,
    page: -1,
    region: -1,
    arg: 0,
    inheritMmap: inherited,
    inheritPtl: false,
  });
  const lockName = design === 'range' ? 'range' : 'mmap';
  /** The op's own lock: "lock mmap write" or, under `range`, the range it covers. */
  const opLock = (what: string, mode: 'read' | 'write', span: string, kernelClassic: string): void => {
    if (inherited) return;
    if (design === 'range') b.emit({ ...base(), kind: 'mmap-lock', arg: mode === 'write' ? 1 : 0, text: `${what}: lock range ${mode} ${span}`, kernel: `range_${mode}_lock(${span})` });
    else b.emit({ ...base(), kind: 'mmap-lock', arg: mode === 'write' ? 1 : 0, text: `${what}: lock mmap ${mode}`, kernel: kernelClassic });
  };
  /** vma_start_write (pervma) / vm_write_begin (spf) on the VMAs the op changes. */
  const vmaWrite = (what: string, whichVmas: string): boolean => {
    if (design === 'pervma') b.emit({ ...base(), kind: 'vma-write-lock', text: `${what}: write-lock ${whichVmas}`, kernel: 'vma_start_write()' });
    else if (design === 'spf') b.emit({ ...base(), kind: 'vma-write-lock', text: `${what}: vm_write_begin on ${whichVmas}`, kernel: 'vm_write_begin()' });
    else return false;
    return true;
  };
  /** The unlock part of an op's last step, as text and kernel call. */
  const opUnlock = (mode: 'read' | 'write', bracketed: boolean, classicKernel = `mmap_${mode}_unlock()`): { text: string; kernel: string } => {
    const seqEnd = bracketed && design === 'spf';
    const parts: string[] = [];
    const kparts: string[] = [];
    if (seqEnd) {
      parts.push('vm_write_end');
      kparts.push('vm_write_end()');
    }
    if (!inherited) {
      parts.push(`unlock ${lockName}`);
      kparts.push(design === 'range' ? `range_${mode}_unlock()` : classicKernel);
    }
    return { text: parts.map((p) => `, ${p}`).join(''), kernel: kparts.join('; ') };
  };
  switch (op.op) {
    case 'load':
    case 'store': {
      const page = pageOf(L, op.addr);
      const region = regionOf(L, op.addr);
      const access = b.label();
      const fault = b.label();
      b.place(access);
      b.emit({
        ...base('user'),
        kind: op.op === 'store' ? 'user-store' : 'user-load',
        page,
        region,
        text: op.op === 'store' ? `store ${hex(op.addr)} = ${op.value}` : `load ${hex(op.addr)}`,
        next: opEnd,
        jumps: { fault },
      });
      b.place(fault);
      emitFault(b, L, { ...base('user'), page, region, inheritPtl: held.ptl.has(region) }, op.op === 'store', { copy: 'unlocked', pending: 'ignore' }, { done: access, segv: SEGV, uffd: access });
      return;
    }
    case 'fault':
    case 'cow': {
      const page = pageOf(L, op.addr);
      const region = regionOf(L, op.addr);
      const start = b.label();
      b.place(start);
      emitFault(b, L, { ...base('explicit'), page, region, inheritPtl: held.ptl.has(region) }, op.write, { copy: op.copy, pending: op.pending }, { done: opEnd, segv: SEGV, uffd: start });
      return;
    }
    case 'gup': {
      const page = pageOf(L, op.addr);
      const region = regionOf(L, op.addr);
      const g = { ...base('gup'), page, region, inheritPtl: held.ptl.has(region) };
      const slow = b.label();
      if (op.fast) {
        const fail = b.label();
        b.emit({ ...g, kind: 'gupf-begin', text: `gup-fast ${hex(op.addr)}: irq off`, jumps: { slow } });
        b.emit({ ...g, kind: 'gupf-pmd', text: `gup-fast ${hex(op.addr)}: read pmd`, jumps: { fail } });
        b.emit({ ...g, kind: 'gupf-pte', text: `gup-fast ${hex(op.addr)}: read pte`, jumps: { fail } });
        b.emit({ ...g, kind: 'gupf-grab', text: `gup-fast ${hex(op.addr)}: ${op.pin ? 'pin' : 'get'} page`, jumps: { fail } });
        b.emit({ ...g, kind: 'gupf-recheck', text: `gup-fast ${hex(op.addr)}: re-check pte`, jumps: { fail } });
        b.emit({ ...g, kind: 'gupf-end', text: `gup-fast ${hex(op.addr)}: irq on`, next: opEnd, jumps: { slow } });
        b.place(fail);
        b.emit({ ...g, kind: 'gupf-end', arg: 1, text: `gup-fast ${hex(op.addr)}: irq on, fall back`, next: slow, jumps: { slow } });
      }
      const enter = b.label();
      const follow = b.label();
      const efault = b.label();
      const faultL = b.label();
      const exit = b.label();
      b.place(slow);
      b.place(enter);
      const lockText = design === 'range' ? `lock range read ${hex(op.addr)}` : 'lock mmap read';
      b.emit({
        ...g,
        kind: 'gup-enter',
        text: `gup ${hex(op.addr)}: ${inherited ? 'find vma' : lockText}`,
        jumps: { efault },
        ...(design === 'range' && !inherited ? { kernel: 'get_user_pages(): range_read_lock(addr, addr + PAGE_SIZE); find_extend_vma(); check_vma_flags()' } : {}),
      });
      b.place(follow);
      if (!g.inheritPtl) b.emit({ ...g, kind: 'ptl-lock', text: `lock ptl ${hex(op.addr)}` });
      b.emit({ ...g, kind: 'gup-follow', text: `gup ${hex(op.addr)}: follow page`, next: exit, jumps: { fault: faultL } });
      b.place(faultL);
      emitFault(b, L, g, op.write, { copy: 'unlocked', pending: 'ignore' }, { done: follow, segv: efault, uffd: enter });
      const unlockKernel = design === 'range' ? 'range_read_unlock()' : undefined;
      b.place(exit);
      b.emit({ ...g, kind: 'gup-exit', text: `gup ${hex(op.addr)}: done${inherited ? '' : `, unlock ${lockName}`}`, next: opEnd, ...(unlockKernel && !inherited ? { kernel: unlockKernel } : {}) });
      b.place(efault);
      b.emit({ ...g, kind: 'gup-exit', arg: 1, text: `gup ${hex(op.addr)}: -EFAULT${inherited ? '' : `, unlock ${lockName}`}`, next: opEnd, ...(unlockKernel && !inherited ? { kernel: unlockKernel } : {}) });
      return;
    }
    case 'kwrite':
      b.emit({ ...base(), kind: 'kwrite', text: `kwrite ${refNames[op.ref] ?? op.ref} = ${op.value}` });
      return;
    case 'kread':
      b.emit({ ...base(), kind: 'kread', text: `kread ${refNames[op.ref] ?? op.ref}` });
      return;
    case 'put':
      b.emit({ ...base(), kind: 'put', text: `put ${refNames[op.ref] ?? op.ref}` });
      return;
    case 'mprotect':
    case 'wrprotect':
    case 'unprotect': {
      const mode = op.lock;
      const what = op.op === 'mprotect' ? `mprotect ${rangeText(op.start, op.end)} ${op.prot}` : `${op.op} ${rangeText(op.start, op.end)}`;
      const endL = b.label();
      opLock(what, mode, op.op === 'mprotect' ? `${rangeText(op.start, op.end)} + vmas + neighbours` : rangeText(op.start, op.end), `mmap_${mode}_lock()`);
      const bracketed = op.op !== 'unprotect' && op.vmalock && vmaWrite(what, 'vmas');
      if (op.op === 'mprotect') b.emit({ ...base(), kind: 'mprotect-fixup', text: `${what}: change vma`, jumps: { fail: endL } });
      else b.emit({ ...base(), kind: 'wp-begin', text: `${what}: begin`, jumps: { fail: endL } });
      const underPtl = op.flush === 'ptl';
      for (const r of regionsIn(L, op.start, op.end)) {
        const inh = held.ptl.has(r);
        if (!inh) b.emit({ ...base(), kind: 'ptl-lock', region: r, text: `lock ptl ${tableText(L, r, op.start, op.end)}` });
        b.emit({ ...base(), kind: 'change-ptes', region: r, arg: underPtl ? 1 : 0, inheritPtl: inh, text: `${what}: change ptes${underPtl || inh ? '' : ', unlock ptl'}` });
        if (underPtl) b.emit({ ...base(), kind: 'flush-under-ptl', region: r, inheritPtl: inh, text: `${what}: flush tlb${inh ? '' : ', unlock ptl'}` });
      }
      b.place(endL);
      const un = opUnlock(mode, bracketed);
      const flushes = !(underPtl || op.flush === 'none');
      b.emit({
        ...base(),
        kind: 'change-end',
        text: `${what}: ${flushes ? 'flush tlb, ' : ''}end${un.text}`,
        kernel: [flushes ? 'flush_tlb_range()' : '', op.op === 'wrprotect' && !op.pending ? '' : 'dec_tlb_flush_pending()', un.kernel].filter((x) => x).join('; '),
        next: opEnd,
      });
      return;
    }
    case 'munmap':
    case 'madvise': {
      const what = op.op === 'munmap' ? `munmap ${rangeText(op.start, op.end)}` : `madvise dontneed ${rangeText(op.start, op.end)}`;
      const mmode = op.op === 'munmap' ? 'write' : 'read';
      opLock(what, mmode, op.op === 'munmap' ? `${rangeText(op.start, op.end)} + vmas + neighbours + page-table spans` : rangeText(op.start, op.end), `mmap_${mmode}_lock()`);
      let bracketed = false;
      if (op.op === 'munmap') {
        bracketed = vmaWrite(what, 'vmas');
        b.emit({ ...base(), kind: 'munmap-detach', text: `${what}: detach vmas` });
        if (op.downgrade && !inherited) b.emit({ ...base(), kind: 'mmap-downgrade', text: `${what}: downgrade ${lockName} to read`, ...(design === 'range' ? { kernel: 'range_downgrade_write()' } : {}) });
      }
      b.emit({ ...base(), kind: 'gather-begin', text: `${what}: tlb_gather_mmu` });
      for (const r of regionsIn(L, op.start, op.end)) {
        const inh = held.ptl.has(r);
        if (!inh) b.emit({ ...base(), kind: 'ptl-lock', region: r, text: `lock ptl ${tableText(L, r, op.start, op.end)}` });
        b.emit({ ...base(), kind: 'zap-ptes', region: r, inheritPtl: inh, text: `${what}: zap ptes${inh ? '' : ', unlock ptl'}` });
      }
      if (op.op === 'munmap') b.emit({ ...base(), kind: 'free-pgtables', text: `${what}: free page tables` });
      b.emit({ ...base(), kind: 'tlb-finish', text: `${what}: flush tlb, free pages` });
      const un = opUnlock(op.op === 'munmap' && op.downgrade ? 'read' : mmode, bracketed);
      b.emit({
        ...base(),
        kind: op.op === 'munmap' ? 'munmap-end' : 'madvise-end',
        text: `${what}: end${un.text}`,
        kernel: [op.op === 'munmap' ? 'remove_vma_list()' : '', un.kernel].filter((x) => x).join('; '),
        next: opEnd,
      });
      return;
    }
    case 'fork': {
      const what = 'fork';
      opLock('fork', 'write', 'whole mm', 'dup_mmap(): mmap_write_lock_killable(oldmm)');
      const bracketed = op.vmalock && vmaWrite(what, 'every vma');
      b.emit({ ...base(), kind: 'fork-dup', text: `fork: dup_mmap` });
      const regions = [...new Set(L.pages.map((_, i) => L.pageRegion[i]!))].sort((a, c) => L.regions[a]! - L.regions[c]!);
      regions.forEach((r, ri) => {
        b.emit({ ...base(), kind: 'fork-ptl', region: r, inheritPtl: held.ptl.has(r), text: `fork: lock ptl ${tableText(L, r, 0, Infinity)} (child, parent)` });
        L.pages.forEach((addr, p) => {
          if (L.pageRegion[p] !== r) return;
          const after = b.label();
          if (op.pinned === 'copy') {
            const copy = b.label();
            b.emit({ ...base(), kind: 'fork-test', page: p, region: r, text: `fork: copy pte ${hex(addr)}: pinned?`, jumps: { skip: after, copy } });
            b.emit({ ...base(), kind: 'fork-share', page: p, region: r, text: `fork: share ${hex(addr)}, wrprotect parent pte`, next: after });
            b.place(copy);
            b.emit({ ...base(), kind: 'fork-copy', page: p, region: r, text: `fork: copy pinned page ${hex(addr)} for the child`, next: after });
          } else {
            b.emit({ ...base(), kind: 'fork-share', page: p, region: r, text: `fork: share ${hex(addr)}, wrprotect parent pte`, next: after });
          }
          b.place(after);
        });
        b.emit({ ...base(), kind: 'fork-unlock-ptl', region: r, arg: ri === regions.length - 1 ? 1 : 0, inheritPtl: held.ptl.has(r), text: `fork: unlock ptls` });
      });
      const un = opUnlock('write', bracketed, 'mmap_write_unlock(oldmm)');
      b.emit({ ...base(), kind: 'fork-end', text: `${what}: flush tlb${un.text}`, kernel: ['flush_tlb_mm(oldmm)', un.kernel].filter((x) => x).join('; '), next: opEnd });
      return;
    }
    case 'tlbi':
      b.emit({ ...base(), kind: 'tlbi', text: `tlbi ${op.all ? 'all' : rangeText(op.start, op.end)}${op.local ? ' local' : ''}` });
      return;
    case 'lock':
    case 'unlock': {
      const lock = op.op === 'lock';
      switch (op.lock) {
        case 'mmap':
          if (lock) {
            b.emit({ ...base(), kind: 'lock-mmap', arg: op.mode === 'write' ? 1 : 0, text: `lock mmap ${op.mode}`, kernel: design === 'range' ? `range_${op.mode}_lock(whole mm)` : `mmap_${op.mode}_lock()` });
            if (!held.mmap) held.mmap = op.mode;
          } else {
            b.emit({ ...base(), kind: 'unlock-mmap', text: 'unlock mmap', ...(design === 'range' ? { kernel: 'range_*_unlock(whole mm)' } : {}) });
            held.mmap = undefined;
          }
          return;
        case 'ptl': {
          const r = regionOf(L, op.addr);
          if (lock) {
            b.emit({ ...base(), kind: 'lock-ptl', region: r, text: `lock ptl ${hex(op.addr)}` });
            held.ptl.add(r);
          } else {
            b.emit({ ...base(), kind: 'unlock-ptl', region: r, text: `unlock ptl ${hex(op.addr)}` });
            held.ptl.delete(r);
          }
          return;
        }
        case 'vma':
          if (lock) b.emit({ ...base(), kind: 'lock-vma', page: pageOf(L, op.addr), arg: op.mode === 'write' ? 1 : 0, text: `lock vma ${hex(op.addr)} ${op.mode}` });
          else b.emit({ ...base(), kind: 'unlock-vma', page: pageOf(L, op.addr), text: `unlock vma ${hex(op.addr)}` });
          return;
        case 'range':
          if (design !== 'range') throw new Error('`lock range` / `unlock range` need `locking range`');
          if (op.op === 'lock') {
            b.emit({ ...base(), kind: 'lock-range', arg: op.mode === 'write' ? 1 : 0, text: `lock range ${rangeText(op.start, op.end)} ${op.mode}` });
            held.range++;
          } else {
            b.emit({ ...base(), kind: 'unlock-range', text: `unlock range ${rangeText(op.start, op.end)}` });
            held.range = Math.max(0, held.range - 1);
          }
          return;
      }
      return;
    }
    case 'irq':
      b.emit({ ...base(), kind: op.on ? 'irq-on' : 'irq-off', text: op.on ? 'irq on' : 'irq off' });
      return;
  }
}

type FaultMode = 'classic' | 'vma' | 'spec';

/**
 * The page-fault path shared by user accesses, explicit faults and GUP: handle_mm_fault()
 * and, outside GUP, the arch entry that takes the design's lock. Under `pervma` a fault first
 * tries the VMA read lock, under `spf` it first runs speculatively; either falls back to the
 * classic path, which follows.
 */
type FaultBase = Pick<Draft, 'step' | 'op' | 'ctx' | 'page' | 'region' | 'arg' | 'inheritMmap' | 'inheritPtl'>;
type FaultOpts = { copy: 'unlocked' | 'ptl'; pending: 'ignore' | 'flush' };
type FaultExits = { done: Label | number; segv: Label | number; uffd: Label | number };

function emitFault(b: Builder, L: Layout, g: FaultBase, write: boolean, opts: FaultOpts, exits: FaultExits): void {
  const design = L.spec.design;
  // a fault taken with a page-table lock held goes straight to mmap_lock: spf's pte_map_lock()
  // trylock cannot succeed, and the classic path reports the lock-order and sleep violations
  if (g.ctx !== 'gup' && !g.inheritMmap && !g.inheritPtl && (design === 'pervma' || design === 'spf')) {
    const classic = b.label();
    emitFaultBody(b, L, g, write, opts, exits, design === 'pervma' ? 'vma' : 'spec', classic);
    b.place(classic);
  }
  emitFaultBody(b, L, g, write, opts, exits, 'classic', undefined);
}

function emitFaultBody(b: Builder, L: Layout, g: FaultBase, write: boolean, opts: FaultOpts, exits: FaultExits, mode: FaultMode, fallback: Label | undefined): void {
  const design = L.spec.design;
  const addr = L.pages[g.page]!;
  const a = hex(addr);
  const rw = write ? 'write' : 'read';
  const who = mode === 'spec' ? `speculative ${rw} fault ${a}` : mode === 'vma' ? `vma-locked ${rw} fault ${a}` : `${rw} fault ${a}`;
  // GUP holds its lock across the fault: its exit goes straight back to the lookup.
  const exit: Label | number = g.ctx === 'gup' ? exits.done : b.label();
  const anon = b.label();
  const fileCow = b.label();
  const present = b.label();
  const uffd = b.label();
  const wpFlush = b.label();
  const copy = b.label();
  const copyPtl = b.label();
  const fb: Record<string, Label> = fallback ? { fallback } : {};
  // on arm64 without RCU table freeing, IRQs off do not keep a page table alive: the
  // speculative walk and pte_map_lock() are split where a concurrent free can come between
  const splitWalk = mode === 'spec' && L.spec.arch === 'arm64' && !L.spec.rcuTableFree;
  const lockPtl = (): void => {
    if (g.inheritPtl) return;
    if (mode === 'spec') {
      if (splitWalk) b.emit({ ...g, arg, kind: 'spf-validate', text: `${who}: irq off, validate vma seq, read pmd`, jumps: fb });
      b.emit({ ...g, arg, kind: 'spf-ptl-lock', text: `${who}: ${splitWalk ? 'trylock ptl, validate, irq on' : 'lock ptl, validate vma seq'}`, jumps: fb });
    } else b.emit({ ...g, kind: 'ptl-lock', text: `lock ptl ${a}` });
  };
  const arg = (write ? 1 : 0) | (opts.copy === 'ptl' ? 2 : 0) | (opts.pending === 'flush' ? 4 : 0);
  const f = { ...g, arg };
  const unlockName = design === 'range' ? 'range' : 'mmap';
  if (mode === 'vma') b.emit({ ...f, kind: 'vma-read-try', text: `${rw} fault ${a}: lock vma read (lock_vma_under_rcu)`, jumps: fb });
  else if (mode === 'spec') {
    b.emit({ ...f, kind: 'spf-begin', text: `${rw} fault ${a}: speculative, snapshot vma seq`, jumps: fb });
    if (splitWalk) b.emit({ ...f, kind: 'spf-walk', text: `${who}: irq off, read pmd`, jumps: fb });
  }
  else if (g.ctx !== 'gup') {
    const lockText = g.inheritMmap ? '' : design === 'range' ? `: lock range read ${a}` : ': lock mmap read';
    b.emit({
      ...f,
      kind: 'fault-enter',
      text: `${rw} fault ${a}${lockText}`,
      jumps: { segv: exits.segv },
      ...(design === 'range' && !g.inheritMmap ? { kernel: 'do_user_addr_fault(): range_read_lock(addr, addr + PAGE_SIZE); find_vma(); access_error()' } : {}),
    });
  }
  // the VMA-locked and speculative paths only run on anonymous VMAs: no page-cache branch
  b.emit({ ...f, kind: 'pte-read', text: `${who}: read pte`, jumps: mode === 'classic' ? { anon, fileCow, present } : mode === 'spec' ? { anon, present, fileCow: fallback!, fallback: fallback! } : { anon, present, fileCow: fallback! } });
  // none: fill (zero page, new page, page-cache page); the pte-read step allocated or took the reference
  b.place(anon);
  lockPtl();
  b.emit({ ...f, kind: 'fill-pte', text: `${who}: set pte${g.inheritPtl ? '' : ', unlock ptl'}`, next: exit });
  if (mode === 'classic') {
    b.place(fileCow);
    b.emit({ ...f, kind: 'cow-file-copy', text: `${who}: copy page-cache page` });
    lockPtl();
    b.emit({ ...f, kind: 'fill-pte', text: `${who}: set pte${g.inheritPtl ? '' : ', unlock ptl'}`, next: exit });
  }
  // present: PTL, re-check, do_wp_page
  b.place(present);
  lockPtl();
  b.emit({ ...f, kind: 'handle-pte', text: `${who}: pte_same, do_wp_page`, next: exit, jumps: { uffd, flush: wpFlush, copy, copyPtl } });
  b.place(wpFlush);
  b.emit({ ...f, kind: 'wp-flush-pending', text: `${who}: flush pending tlb`, next: exit, jumps: { copy, copyPtl } });
  b.place(copy);
  b.emit({ ...f, kind: 'cow-copy', text: `${who}: copy page` });
  lockPtl();
  const install = b.label();
  b.place(install);
  b.emit({ ...f, kind: 'cow-install', text: `${who}: install copy${g.inheritPtl ? '' : ', unlock ptl'}` });
  b.emit({ ...f, kind: 'cow-put-old', text: `${who}: put old page`, next: exit });
  b.place(copyPtl);
  b.emit({ ...f, kind: 'cow-copy', arg: arg | 8, text: `${who}: copy page under ptl`, next: install });
  b.place(uffd);
  if (mode === 'classic') b.emit({ ...f, kind: 'uffd-wait', text: `${who}: wait in userfaultfd`, next: exits.uffd, ...(design === 'range' ? { kernel: 'handle_userfault(): range_read_unlock(); schedule()' } : {}) });
  else if (mode === 'vma') b.emit({ ...f, kind: 'vma-read-unlock', text: `${who}: userfaultfd, unlock vma, retry with mmap_lock`, next: fallback! });
  else b.emit({ ...f, kind: 'spf-end', text: `${who}: userfaultfd, retry with mmap_lock`, next: fallback! });
  if (typeof exit !== 'number' && g.ctx !== 'gup') {
    b.place(exit);
    if (mode === 'vma') b.emit({ ...f, kind: 'vma-read-unlock', text: `${who}: done, unlock vma`, next: exits.done });
    else if (mode === 'spec') b.emit({ ...f, kind: 'spf-end', text: `${who}: done`, next: exits.done });
    else b.emit({ ...f, kind: 'fault-exit', text: `${rw} fault ${a}: done${g.inheritMmap ? '' : `, unlock ${unlockName}`}`, next: exits.done, ...(design === 'range' && !g.inheritMmap ? { kernel: 'range_read_unlock()' } : {}) });
  }
}

export { hex };

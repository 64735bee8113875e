// Op expansion: every step of a thread becomes a sequence of micro-steps (the semantics table,
// semantics.ts) with jumps for the kernel's branches. This is the one table of op expansions:
// the engine runs it, hover prints it, docs/micro-steps.md is generated from it. The locking
// design supplies the lock steps and the fault's lockless attempt (designs/).
import { Builder, type DraftBase, type Label } from './builder';
import type { LockingDesign } from './designs/design';
import { emitFault, emitStackGrowth, hasStack } from './expand-fault';
import { emitReclaim } from './expand-reclaim';
import { emitMigrateOp, emitNuma } from './expand-numa';
import { emitMremap, emitTruncate } from './expand-move';
import { expandLockStep, pageOf, rangeText, regionOf, type Held } from './expand-explicit';
import { hex } from './format';
import { SEGV, type Ctx, type ThreadProgram } from './instr';
import type { Layout } from './layout';
import { returnSteps } from './return-point';
import { PT_SPAN, type LockMode, type ScenarioSpec, type StepSpec } from './scenario';

export { END, SEGV, type Instr, type ThreadProgram } from './instr';
export { hex } from './format';

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

export function compileThread(L: Layout, spec: ScenarioSpec, thread: number, design: LockingDesign): ThreadProgram {
  const th = spec.threads[thread]!;
  const b = new Builder();
  const held: Held = { mmap: undefined, range: 0, ptl: new Set() };
  const stepStart: number[] = [];
  const starts = th.steps.map(() => b.label());
  const endLabel = b.label();
  const readLockless = locklessReads(spec, thread);
  th.steps.forEach((op, i) => {
    stepStart.push(b.length);
    b.place(starts[i]!);
    const opEnd = i + 1 < th.steps.length ? starts[i + 1]! : endLabel;
    expandStep({ b, L, design, op, step: i, held, opEnd, refNames: th.refs, readLockless, later: th.steps.slice(i + 1) });
  });
  b.place(endLabel);
  return { instrs: b.finish(), stepStart, returnStep: returnSteps(th.steps) };
}

/**
 * Addresses of the thread's mm where the transient none PTE of change_pte_range()
 * (modify-prot-start) can change a verdict: those another of its threads reads without the PTL
 * (a user access: the hardware walk, then a fault's lockless snapshot; GUP: GUP-fast, or its
 * fault) while it may have IRQs off (it has `irq off` steps). A reader with IRQs on that sees
 * the none PTE only takes a detour: its fault (do_anonymous_page, do_fault) waits for the PTL,
 * finds the PTE committed and changes nothing, GUP-fast falls back to the slow path that finds
 * what the fast path would have, a speculative fault aborts to the classic one; the access
 * then happens after the commit, which the interleavings without the window already contain.
 * With IRQs off the detour itself is the finding (the fault or the slow path sleeps, and the
 * CPU answers no shootdown), so only there is the window worth its states.
 */
function locklessReads(spec: ScenarioSpec, thread: number): ReadonlySet<number> {
  const mm = spec.threads[thread]!.mm;
  const out = new Set<number>();
  spec.threads.forEach((u, ui) => {
    if (ui === thread || u.mm !== mm) return;
    if (!u.steps.some((s) => s.op === 'irq' && !s.on)) return;
    for (const s of u.steps) if (s.op === 'load' || s.op === 'store' || s.op === 'fault' || s.op === 'cow' || s.op === 'gup') out.add(s.addr);
  });
  return out;
}

/** Does a later step use reference `ref` (kread, kwrite, put) before a gup retakes it? */
function usedAfterPut(later: readonly StepSpec[], ref: number): boolean {
  for (const s of later) {
    if (s.op === 'gup' && s.ref === ref) return false;
    if ((s.op === 'kread' || s.op === 'kwrite' || s.op === 'put') && s.ref === ref) return true;
  }
  return false;
}

interface StepContext {
  readonly b: Builder;
  readonly L: Layout;
  readonly design: LockingDesign;
  readonly op: StepSpec;
  readonly step: number;
  readonly held: Held;
  /** Where the next op starts. */
  readonly opEnd: Label;
  readonly refNames: readonly string[];
  /** Addresses other threads of the mm read without the PTL (locklessReads). */
  readonly readLockless: ReadonlySet<number>;
  /** The thread's steps after this one. */
  readonly later: readonly StepSpec[];
}

function expandStep(c: StepContext): void {
  const { b, L, design, op, step, held, opEnd, refNames } = c;
  const inherited = held.mmap !== undefined || held.range > 0;
  const base = (ctx: Ctx = 'explicit'): DraftBase => ({ step, op, ctx, page: -1, region: -1, inheritMmap: inherited, inheritPtl: false });
  const lockName = design.lockName;
  /** The op's own lock: "lock mmap write" or, under `range`, the range it covers. */
  const opLock = (what: string, mode: LockMode, span: string, kernelClassic: string): void => {
    if (inherited) return;
    b.emit({ ...base(), kind: 'mmap-lock', write: mode === 'write', ...design.opLockStep(what, mode, span, kernelClassic) });
  };
  /** vma_start_write (pervma) / vm_write_begin (spf) on the VMAs the op changes. */
  const vmaWrite = (what: string, whichVmas: string): boolean => {
    const name = design.vmaWriteStep(what, whichVmas);
    if (name) b.emit({ ...base(), kind: 'vma-write-lock', ...name });
    return name !== undefined;
  };
  /** The unlock part of an op's last step, as text and kernel call. */
  const opUnlock = (mode: LockMode, bracketed: boolean, classicKernel = `mmap_${mode}_unlock()`): { text: string; kernel: string } => {
    const parts: string[] = [];
    const kparts: string[] = [];
    if (bracketed && design.vmWriteEndOnUnlock) {
      parts.push('vm_write_end');
      kparts.push('vm_write_end()');
    }
    if (!inherited) {
      parts.push(`unlock ${lockName}`);
      kparts.push(design.opUnlockKernel(mode, classicKernel));
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
      emitFault(b, L, design, { ...base('user'), page, region, inheritPtl: held.ptl.has(region) }, op.op === 'store', { copy: 'unlocked', pending: 'ignore' }, { done: access, segv: SEGV, uffd: access });
      return;
    }
    case 'fault':
    case 'cow': {
      const page = pageOf(L, op.addr);
      const region = regionOf(L, op.addr);
      const start = b.label();
      b.place(start);
      emitFault(b, L, design, { ...base('explicit'), page, region, inheritPtl: held.ptl.has(region) }, op.write, { copy: op.copy, pending: op.pending }, { done: opEnd, segv: SEGV, uffd: start });
      return;
    }
    case 'gup': {
      const page = pageOf(L, op.addr);
      const region = regionOf(L, op.addr);
      const g = { ...base('gup'), page, region, inheritPtl: held.ptl.has(region) };
      const slow = b.label();
      const a = hex(op.addr);
      if (op.fast) {
        const fail = b.label();
        b.emit({ ...g, kind: 'gupf-begin', text: `gup-fast ${a}: irq save`, jumps: { slow } });
        b.emit({ ...g, kind: 'gupf-pmd', text: `gup-fast ${a}: read pmd`, jumps: { fail } });
        b.emit({ ...g, kind: 'gupf-pte', text: `gup-fast ${a}: read pte`, jumps: { fail } });
        b.emit({ ...g, kind: 'gupf-grab', text: `gup-fast ${a}: ${op.pin ? 'pin' : 'get'} page`, jumps: { fail } });
        b.emit({ ...g, kind: 'gupf-recheck', text: `gup-fast ${a}: re-check pte`, jumps: { fail } });
        b.emit({ ...g, kind: 'gupf-end', text: `gup-fast ${a}: irq restore`, next: opEnd, jumps: { slow } });
        b.place(fail);
        b.emit({ ...g, kind: 'gupf-end', fellBack: true, text: `gup-fast ${a}: irq restore, fall back`, next: slow, jumps: { slow } });
      }
      const enter = b.label();
      const follow = b.label();
      const efault = b.label();
      const faultL = b.label();
      const unshareL = b.label();
      const exit = b.label();
      // a pin without FOLL_WRITE (or once a retry dropped it) may have to unshare first
      // (gup_must_unshare(), 5.19: reuse exclusive only)
      const unshares = op.pin && (!op.write || op.retry === 'drop-write') && L.spec.reuse === 'exclusive';
      b.place(slow);
      b.place(enter);
      const enterKernel = inherited ? undefined : design.lockKernel('gup-enter');
      const enterText = `gup ${a}: ${inherited ? 'find vma' : design.faultLockText(op.addr)}`;
      // stack growth (issue 10): find_extend_vma() grows the stack before 6.5 (stack=read)
      const grow = hasStack(L) && op.stack === 'read' ? b.label() : undefined;
      if (grow) {
        b.emit({ ...g, kind: 'gup-enter', text: enterText, next: follow, jumps: { efault, grow }, ...(enterKernel ? { kernel: enterKernel } : {}) });
        b.place(grow);
        emitStackGrowth(b, design, g, `gup ${a}`, inherited, follow, efault);
      } else b.emit({ ...g, kind: 'gup-enter', text: enterText, jumps: { efault }, ...(enterKernel ? { kernel: enterKernel } : {}) });
      b.place(follow);
      if (!g.inheritPtl) b.emit({ ...g, kind: 'ptl-lock', text: `lock ptl ${a}` });
      b.emit({ ...g, kind: 'gup-follow', text: `gup ${a}: follow page`, next: exit, jumps: unshares ? { fault: faultL, unshare: unshareL } : { fault: faultL } });
      b.place(faultL);
      emitFault(b, L, design, g, op.write, { copy: 'unlocked', pending: 'ignore' }, { done: follow, segv: efault, uffd: enter });
      if (unshares) {
        b.place(unshareL);
        emitFault(b, L, design, g, false, { copy: 'unlocked', pending: 'ignore', unshare: true }, { done: follow, segv: efault, uffd: enter });
      }
      const unlockKernel = inherited ? undefined : design.lockKernel('gup-exit');
      const unlockText = inherited ? '' : `, unlock ${lockName}`;
      b.place(exit);
      b.emit({ ...g, kind: 'gup-exit', text: `gup ${a}: done${unlockText}`, next: opEnd, ...(unlockKernel ? { kernel: unlockKernel } : {}) });
      b.place(efault);
      b.emit({ ...g, kind: 'gup-exit', efault: true, text: `gup ${a}: -EFAULT${unlockText}`, next: opEnd, ...(unlockKernel ? { kernel: unlockKernel } : {}) });
      return;
    }
    case 'kwrite':
      b.emit({ ...base(), kind: 'kwrite', text: `kwrite ${refNames[op.ref] ?? op.ref} = ${op.value}` });
      return;
    case 'kread':
      b.emit({ ...base(), kind: 'kread', text: `kread ${refNames[op.ref] ?? op.ref}` });
      return;
    case 'put':
      b.emit({ ...base(), kind: 'put', keepRef: usedAfterPut(c.later, op.ref), text: `put ${refNames[op.ref] ?? op.ref}` });
      return;
    case 'mprotect':
    case 'wrprotect':
    case 'unprotect': {
      const mode = op.lock;
      const what = op.op === 'mprotect' ? `mprotect ${rangeText(op.start, op.end)} ${op.prot}` : `${op.op} ${rangeText(op.start, op.end)}`;
      const endL = b.label();
      opLock(what, mode, op.op === 'mprotect' ? `${rangeText(op.start, op.end)} + vmas + neighbours` : rangeText(op.start, op.end), `mmap_${mode}_lock()`);
      const bracketed = op.op !== 'unprotect' && op.vmalock && vmaWrite(what, 'vmas');
      // UFFDIO_WRITEPROTECT on a range without a VMA or with one not registered for uffd-wp: -ENOENT
      const enoent = b.label();
      if (op.op === 'mprotect') b.emit({ ...base(), kind: 'mprotect-fixup', text: `${what}: change vma`, jumps: { fail: endL } });
      else b.emit({ ...base(), kind: 'wp-begin', text: `${what}: begin`, jumps: { fail: enoent } });
      const underPtl = op.flush === 'ptl';
      for (const r of regionsIn(L, op.start, op.end)) {
        const inh = held.ptl.has(r);
        if (!inh) b.emit({ ...base(), kind: 'ptl-lock', region: r, text: `lock ptl ${tableText(L, r, op.start, op.end)}` });
        L.pages.forEach((a, p) => {
          if (L.pageRegion[p] === r && a >= op.start && a < op.end && c.readLockless.has(a)) b.emit({ ...base(), kind: 'modify-prot-start', page: p, region: r, text: `${what}: clear pte ${hex(a)} (ptep_modify_prot_start)` });
        });
        b.emit({ ...base(), kind: 'change-ptes', region: r, keepPtl: underPtl, inheritPtl: inh, text: `${what}: change ptes${underPtl || inh ? '' : ', unlock ptl'}` });
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
      if (op.op === 'mprotect') return;
      b.place(enoent);
      b.emit({ ...base(), kind: 'change-end', text: `${what}: -ENOENT${un.text}`, kernel: ['mwriteprotect_range(): -ENOENT', un.kernel].filter((x) => x).join('; '), next: opEnd });
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
        const downgradeKernel = design.lockKernel('mmap-downgrade');
        // downgrade=check: not next to a growsdown VMA (246c320a8cfe; stack growth, issue 10)
        const unless = op.downgradeCheck ? ' unless the next vma grows down' : '';
        if (op.downgrade && !inherited) b.emit({ ...base(), kind: 'mmap-downgrade', text: `${what}: downgrade ${lockName} to read${unless}`, ...(downgradeKernel ? { kernel: downgradeKernel } : {}) });
      }
      b.emit({ ...base(), kind: 'gather-begin', text: `${what}: tlb_gather_mmu` });
      for (const r of regionsIn(L, op.start, op.end)) {
        const inh = held.ptl.has(r);
        if (!inh) b.emit({ ...base(), kind: 'ptl-lock', region: r, text: `lock ptl ${tableText(L, r, op.start, op.end)}` });
        b.emit({ ...base(), kind: 'zap-ptes', region: r, inheritPtl: inh, text: `${what}: zap ptes${inh ? '' : ', unlock ptl'}` });
      }
      if (op.op === 'munmap') b.emit({ ...base(), kind: 'free-pgtables', text: `${what}: free page tables` });
      b.emit({ ...base(), kind: 'tlb-finish', text: `${what}: flush tlb, free pages` });
      const un = opUnlock(op.op === 'munmap' && op.downgrade ? 'read' : mmode, bracketed, op.op === 'munmap' && op.downgradeCheck ? 'mmap_read_unlock() or mmap_write_unlock()' : undefined);
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
        b.emit({ ...base(), kind: 'fork-unlock-ptl', region: r, lastTable: ri === regions.length - 1, inheritPtl: held.ptl.has(r), text: `fork: unlock ptls` });
      });
      const un = opUnlock('write', bracketed, 'mmap_write_unlock(oldmm)');
      b.emit({ ...base(), kind: 'fork-end', text: `${what}: flush tlb${un.text}`, kernel: ['flush_tlb_mm(oldmm)', un.kernel].filter((x) => x).join('; '), next: opEnd });
      return;
    }
    // numa, migrate (issue 10)
    case 'numa':
      opLock(`numa ${rangeText(op.start, op.end)}`, 'read', rangeText(op.start, op.end), 'task_numa_work(): mmap_read_trylock()');
      emitNuma(b, L, base(), op, held.ptl, c.readLockless, opUnlock('read', false, 'mmap_read_unlock()'), opEnd);
      return;
    case 'migrate':
      emitMigrateOp(b, L, base(), op, opEnd);
      return;
    case 'tlbi':
      b.emit({ ...base(), kind: 'tlbi', text: `tlbi ${op.all ? 'all' : rangeText(op.start, op.end)}${op.local ? ' local' : ''}` });
      return;
    case 'lock':
    case 'unlock':
      expandLockStep(c, op, base());
      return;
    case 'irq':
      b.emit({ ...base(), kind: op.on ? 'irq-on' : 'irq-off', text: op.on ? 'irq on' : 'irq off' });
      return;
    // reclaim
    case 'reclaim':
      emitReclaim(b, L, op, base(), opEnd);
      return;
    // issue 10: mremap, truncate (expand-move.ts)
    case 'mremap':
      emitMremap(b, L, op, base(), opEnd, { opLock, vmaWrite, opUnlock });
      return;
    case 'truncate':
      emitTruncate(b, L, op, base());
      return;
  }
}

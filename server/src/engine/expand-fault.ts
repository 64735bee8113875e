// The page-fault path shared by user accesses, explicit faults and GUP: handle_mm_fault() and,
// outside GUP, the arch entry that takes the design's lock. A design with a lockless attempt
// (pervma's VMA lock, spf's speculation) tries it first; it falls back to the classic path,
// which follows.
import type { Builder, DraftBase, Label, Target } from './builder';
import type { LockingDesign } from './designs/design';
import { hex } from './format';
import type { Layout } from './layout';
import { stackMode } from './step/stack';
import { PT_SPAN } from './scenario';

type FaultMode = 'classic' | 'vma' | 'spec';
export type FaultOpts = { readonly copy: 'unlocked' | 'ptl'; readonly pending: 'ignore' | 'flush' | 'flush-any'; readonly unshare?: boolean };
export type FaultExits = { readonly done: Target; readonly segv: Target; readonly uffd: Target };

export function emitFault(b: Builder, L: Layout, design: LockingDesign, g: DraftBase, write: boolean, opts: FaultOpts, exits: FaultExits): void {
  // a fault taken with a page-table lock held goes straight to mmap_lock: spf's pte_map_lock()
  // trylock cannot succeed, and the classic path reports the lock-order and sleep violations
  const attempt = design.faultAttempt;
  if (g.ctx !== 'gup' && !g.inheritMmap && !g.inheritPtl && attempt) {
    const classic = b.label();
    emitFaultBody(b, L, design, g, write, opts, exits, attempt, classic);
    b.place(classic);
  }
  emitFaultBody(b, L, design, g, write, opts, exits, 'classic', undefined);
}

function emitFaultBody(b: Builder, L: Layout, design: LockingDesign, g: DraftBase, write: boolean, opts: FaultOpts, exits: FaultExits, mode: FaultMode, fallback: Label | undefined): void {
  const addr = L.pages[g.page]!;
  const a = hex(addr);
  const rw = opts.unshare ? 'unshare' : write ? 'write' : 'read';
  const who = mode === 'spec' ? `speculative ${rw} fault ${a}` : mode === 'vma' ? `vma-locked ${rw} fault ${a}` : `${rw} fault ${a}`;
  // GUP holds its lock across the fault: its exit goes straight back to the lookup.
  const exit: Target = g.ctx === 'gup' ? exits.done : b.label();
  const anon = b.label();
  const fileCow = b.label();
  const present = b.label();
  const uffd = b.label();
  const wpFlush = b.label();
  const copy = b.label();
  const copyPtl = b.label();
  const f = { ...g, write, copyUnderPtl: opts.copy === 'ptl', flushPending: opts.pending === 'flush', flushPendingAny: opts.pending === 'flush-any', unshare: opts.unshare === true };
  const fb = (): { fallback: Label } => ({ fallback: fallback! });
  // on arm64 without RCU table freeing, IRQs off do not keep a page table alive: the
  // speculative walk and pte_map_lock() are split where a concurrent free can come between
  const splitWalk = mode === 'spec' && L.spec.arch === 'arm64' && !L.spec.rcuTableFree;
  const lockPtl = (): void => {
    if (g.inheritPtl) return;
    if (mode === 'spec') {
      if (splitWalk) b.emit({ ...f, kind: 'spf-validate', text: `${who}: irq off, validate vma seq, read pmd`, jumps: fb() });
      b.emit({ ...f, kind: 'spf-ptl-lock', text: `${who}: ${splitWalk ? 'trylock ptl, validate, irq on' : 'lock ptl, validate vma seq'}`, jumps: fb() });
    } else b.emit({ ...g, kind: 'ptl-lock', text: `lock ptl ${a}` });
  };
  if (mode === 'vma') b.emit({ ...f, kind: 'vma-read-try', text: `${rw} fault ${a}: lock vma read (lock_vma_under_rcu)`, jumps: fb() });
  else if (mode === 'spec') {
    b.emit({ ...f, kind: 'spf-begin', text: `${rw} fault ${a}: speculative, snapshot vma seq`, jumps: fb() });
    if (splitWalk) b.emit({ ...f, kind: 'spf-walk', text: `${who}: irq off, read pmd`, jumps: fb() });
  } else if (g.ctx !== 'gup') {
    const kernel = g.inheritMmap ? undefined : design.lockKernel('fault-enter');
    // stack growth (issue 10): only where a VMA grows down, so other expansions stay as they were
    const grow = hasStack(L) ? b.label() : undefined;
    const walk = b.label();
    const enterText = `${rw} fault ${a}${g.inheritMmap ? '' : `: ${design.faultLockText(addr)}`}`;
    if (grow) {
      b.emit({ ...f, kind: 'fault-enter', text: enterText, next: walk, jumps: { segv: exits.segv, grow }, ...(kernel ? { kernel } : {}) });
      b.place(grow);
      emitStackGrowth(b, design, f, `${rw} fault ${a}`, g.inheritMmap, walk, exits.segv);
    } else b.emit({ ...f, kind: 'fault-enter', text: enterText, jumps: { segv: exits.segv }, ...(kernel ? { kernel } : {}) });
    b.place(walk);
  }
  // the VMA-locked and speculative paths only run on anonymous VMAs: no page-cache branch
  // numa, migrate (issue 10): the hinting fault and the wait on a migration entry, emitted
  // only where a step of the scenario can make such PTEs
  const numa = numaFaults(L, addr);
  const numaL = numa.any ? b.label() : undefined;
  const migL = migrationEntries(L) && mode !== 'spec' ? b.label() : undefined;
  const extra = { ...(numaL ? { numa: numaL } : {}), ...(migL ? { migration: migL } : {}) };
  b.emit({ ...f, kind: 'pte-read', text: `${who}: read pte`, jumps: mode === 'classic' ? { anon, fileCow, present, ...extra } : mode === 'spec' ? { anon, present, fileCow: fallback!, fallback: fallback!, ...extra } : { anon, present, fileCow: fallback!, ...extra } });
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
  // pending=flush-any is Yu Zhao's never-merged proposal: the flush in handle_pte_fault(), any VMA
  const anyKernel = opts.pending === 'flush-any' ? { kernel: 'handle_pte_fault(): flush_tlb_page() [mm_tlb_flush_pending(mm)] (proposal, never merged)' } : {};
  b.emit({ ...f, kind: 'wp-flush-pending', text: `${who}: flush pending tlb`, next: exit, jumps: { uffd, copy, copyPtl }, ...anyKernel });
  b.place(copy);
  b.emit({ ...f, kind: 'cow-copy', text: `${who}: copy page` });
  lockPtl();
  const install = b.label();
  b.place(install);
  b.emit({ ...f, kind: 'cow-install', text: `${who}: install copy${g.inheritPtl ? '' : ', unlock ptl'}` });
  b.emit({ ...f, kind: 'cow-put-old', text: `${who}: put old page`, next: exit });
  b.place(copyPtl);
  b.emit({ ...f, kind: 'cow-copy', ptlHeld: true, text: `${who}: copy page under ptl`, next: install });
  b.place(uffd);
  const unlockName = design.lockName;
  if (mode === 'classic') {
    const kernel = design.lockKernel('uffd-wait');
    b.emit({ ...f, kind: 'uffd-wait', text: `${who}: wait in userfaultfd`, next: exits.uffd, ...(kernel ? { kernel } : {}) });
  } else if (mode === 'vma') b.emit({ ...f, kind: 'vma-read-unlock', text: `${who}: userfaultfd, unlock vma, retry with mmap_lock`, next: fallback! });
  else b.emit({ ...f, kind: 'spf-end', text: `${who}: userfaultfd, retry with mmap_lock`, next: fallback! });
  if (numaL) {
    b.place(numaL);
    lockPtl();
    const migrate = numa.migrate ? b.label() : undefined;
    b.emit({ ...f, kind: 'numa-page', text: `${who}: do_numa_page${numa.migrate ? '' : ', restore pte'}${g.inheritPtl ? '' : ', unlock ptl'}`, next: exit, jumps: migrate ? { migrate } : {} });
    if (migrate) {
      b.place(migrate);
      emitMigration(b, L, g, `${who}: migrate_misplaced_folio`, exit);
    }
  }
  if (migL) {
    b.place(migL);
    // 6.4's do_swap_page() returns VM_FAULT_RETRY under the VMA lock (17c05f18e541)
    if (mode === 'vma') b.emit({ ...f, kind: 'vma-read-unlock', text: `${who}: migration entry, unlock vma, retry with mmap_lock`, next: fallback! });
    else b.emit({ ...f, kind: 'migration-wait', text: `${who}: migration entry, wait for the migration`, next: exit });
  }
  if (typeof exit !== 'number' && g.ctx !== 'gup') {
    b.place(exit);
    if (mode === 'vma') b.emit({ ...f, kind: 'vma-read-unlock', text: `${who}: done, unlock vma`, next: exits.done });
    else if (mode === 'spec') b.emit({ ...f, kind: 'spf-end', text: `${who}: done`, next: exits.done });
    else {
      const kernel = g.inheritMmap ? undefined : design.lockKernel('fault-exit');
      b.emit({ ...f, kind: 'fault-exit', text: `${rw} fault ${a}: done${g.inheritMmap ? '' : `, unlock ${unlockName}`}`, next: exits.done, ...(kernel ? { kernel } : {}) });
    }
  }
}

// ---- stack growth (issue 10) ----------------------------------------------------------------

/** Whether any VMA of the scenario grows down: only then do accesses get a stack-growth path. */
export function hasStack(L: Layout): boolean {
  return L.spec.mms.some((mm) => mm.vmas.some((v) => v.growsdown));
}

/**
 * The growth path after find_vma() found a VM_GROWSDOWN VMA above the address: under the lock
 * the fault holds (`stack=read`, and GUP), or lock_mm_and_find_vma()'s relock for write and
 * downgrade (`stack=write`, 8d7071af8907). A fault inside an explicit lock section grows under
 * what the thread holds. Falls through to `done`; a refused growth or access goes to `fail`.
 */
export function emitStackGrowth(b: Builder, design: LockingDesign, f: DraftBase & { readonly write?: boolean }, who: string, inherited: boolean, done: Target, fail: Target): void {
  const write = stackMode(f.op) === 'write' && f.ctx !== 'gup';
  const relock = write && !inherited;
  if (relock) {
    b.emit({ ...f, kind: 'stack-unlock', text: `${who}: below a growsdown vma, unlock ${design.lockName}` });
    b.emit({ ...f, kind: 'stack-lock', text: `${who}: lock ${design.lockName} write, find vma` });
  }
  b.emit({ ...f, kind: 'stack-expand', text: `${who}: expand stack${write ? ' (write lock)' : ' (read lock)'}`, jumps: { segv: fail }, ...(relock ? {} : { next: done }) });
  if (relock) b.emit({ ...f, kind: 'stack-downgrade', text: `${who}: downgrade ${design.lockName} to read`, next: done });
}

// ---- numa, migrate (issue 10) ----------------------------------------------------------------

/** Whether a `numa` step covers addr in this scenario, and whether one with migrate=on does. */
function numaFaults(L: Layout, addr: number): { any: boolean; migrate: boolean } {
  let any = false;
  let migrate = false;
  for (const th of L.spec.threads)
    for (const s of th.steps) {
      if (s.op !== 'numa' || addr < s.start || addr >= s.end) continue;
      any = true;
      if (s.migrate) migrate = true;
    }
  return { any, migrate };
}

/** Whether the scenario can make migration entries (a `migrate` step, or `numa … migrate=on`). */
function migrationEntries(L: Layout): boolean {
  return L.spec.threads.some((th) => th.steps.some((s) => s.op === 'migrate' || (s.op === 'numa' && s.migrate)));
}

/**
 * migrate_pages() on a page already isolated (L_OLD): the rmap walk that makes migration
 * entries, table by table; the copy; the walk that installs the new page; the end.
 */
export function emitMigration(b: Builder, L: Layout, g: DraftBase, what: string, next: Target): void {
  const regions = [...L.regions.keys()].sort((a, c) => L.regions[a]! - L.regions[c]!);
  const table = (mm: number, r: number): string => `ptl ${hex(L.pages.find((_, i) => L.pageRegion[i] === r) ?? L.regions[r]! * PT_SPAN)}${L.nMm > 1 ? ` (${L.spec.mms[mm]!.name})` : ''}`;
  // the rmap walk visits each VMA mapping the page, so each mm, table by table
  for (let mm = 0; mm < L.nMm; mm++)
    for (const r of regions) {
      const skip = b.label();
      b.emit({ ...g, kind: 'migrate-ptl', region: r, mm, text: `${what}: try_to_migrate, lock ${table(mm, r)}`, jumps: { skip } });
      b.emit({ ...g, kind: 'migrate-unmap', region: r, mm, text: `${what}: migration entry, unlock ${table(mm, r)}` });
      b.place(skip);
    }
  const walk = (kind: 'migrate-remap', name: string): void => {
    for (let mm = 0; mm < L.nMm; mm++) for (const r of regions) b.emit({ ...g, kind, region: r, mm, text: `${what}: ${name}, ${table(mm, r)}` });
  };
  b.emit({ ...g, kind: 'migrate-copy', text: `${what}: copy page` });
  walk('migrate-remap', 'remove_migration_ptes');
  b.emit({ ...g, kind: 'migrate-end', text: `${what}: unlock, free old page`, next });
}

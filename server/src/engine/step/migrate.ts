// Page migration (mm/migrate.c migrate_pages() -> migrate_pages_batch() -> migrate_folio_unmap()
// / migrate_folio_move(); mm/rmap.c try_to_migrate_one(), remove_migration_pte(); kernel-paths
// §19): no mmap_lock. The page is isolated and locked; an rmap walk replaces every PTE mapping
// it with a migration entry under that table's PTL, flushing the TLB when pte_accessible()
// (20841405940e: a prot-none PTE counts while a flush is pending); the contents are copied to
// a new frame (the move fails, and the old mappings come back, when a reference other than the
// isolation's remains); the migration entries become PTEs of the new frame; the old frame is
// unlocked and freed. A fault on a migration entry waits (migration_entry_wait) until the
// entry is gone. The `migrate` op runs these steps itself; do_numa_page() runs them after
// isolating a misplaced page (numa migrate=on).
import type { ExecContext } from '../context';
import { allocFrame, frameFlags, getRef, putRef } from '../frames';
import { hex } from '../format';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { ptlAvailable, ptlHolder, ptlTake, ptlDrop } from '../locks/ptl';
import { L_COPY, L_DIRTY, L_FLAGS, L_NEW, L_OLD, L_ORIG, LF_MIGPTL, type State } from '../machine';
import { fp, type Next, type SemanticsPart, type WaitInfo } from '../micro-sem';
import { checkSleep } from '../rules/lock-rules';
import { checkPins, decodeOrigin, readFrame } from '../rules/races';
import { flushPages, ipiOk } from '../tlb';
import { setPte } from './fault';
import { ptePeek } from '../page-tables';

const F = L.PTE_FRAME_MASK;
const OWNER = 0x3f;
/** L_COPY of a migration that has copied L_OLD into L_NEW: a store landing on L_OLD since is lost (races.ts landWrite). */
export const COPY_MIGRATION = 2;

/** A migration entry made by thread t from the PTE `pte` (writable, dirty and uffd-wp bits kept). */
function migrationEntry(t: number, pte: number): number {
  return L.PTE_MIGRATION | ((t + 1) << L.PTE_MIG_OWNER_SHIFT) | (pte & (L.PTE_W | L.PTE_DIRTY | L.PTE_UFFD));
}

/** The thread whose migration made the migration entry `pte`, or -1. */
export function migrationOwner(pte: number): number {
  return (pte & L.PTE_MIGRATION) !== 0 ? ((pte >> L.PTE_MIG_OWNER_SHIFT) & OWNER) - 1 : -1;
}

/**
 * folio_isolate_lru() (and the folio lock migrate_folio_unmap() takes): an anonymous page that
 * is not already isolated for another migration. Page-cache pages (whose migration replaces the
 * page-cache entry, folio_migrate_mapping()) and the zero page are not migrated in the model.
 */
export function canIsolate(cx: ExecContext, s: State, f: number): boolean {
  if (f < 0 || f === cx.L.zeroFrame) return false;
  const fl = frameFlags(cx, s, f);
  // folio_isolate_lru() fails on a page already off the LRU (another migration, or a reclaim)
  return (fl & L.FR_LIVE) !== 0 && (fl & (L.FR_CACHE | L.FR_FREED | L.FR_ISOLATED | L.FR_RECLAIM)) === 0;
}

/** Isolate frame f for thread t's migration: the isolation reference, the lock, L_OLD. */
export function isolate(cx: ExecContext, s: State, t: number, f: number): void {
  getRef(cx, s, f);
  s[cx.m.fr(f, L.F_FLAGS)]! |= L.FR_ISOLATED;
  s[cx.m.loc(t, L_OLD)] = f + 1;
}

/** The tracked pages of page table `region`. */
function inRegion(cx: ExecContext, region: number): number[] {
  const out: number[] = [];
  for (let q = 0; q < cx.L.nPage; q++) if (cx.L.pageRegion[q] === region) out.push(q);
  return out;
}

/** Does the rmap walk step of thread t in `region` have work in mm m (`match`), and which PTEs? */
function rmapPtes(cx: ExecContext, s: State, m: number, region: number, match: (pte: number) => boolean): number[] {
  if (s[cx.m.mm(m, L.M_EXISTS)] === 0) return [];
  return inRegion(cx, region).filter((q) => match(s[cx.m.pte(m, q)]!));
}

/** The frame the migration of thread t works on (L_OLD), or -1. */
function oldFrame(cx: ExecContext, s: State, t: number): number {
  return s[cx.m.loc(t, L_OLD)]! - 1;
}

/** try_to_migrate_one()'s flush test: pte_accessible(mm, pte) (arch/x86 pgtable.h). */
function accessible(cx: ExecContext, s: State, m: number, pte: number, checkPending: boolean): boolean {
  if ((pte & L.PTE_PROTNONE) === 0) return true;
  return checkPending && s[cx.m.mm(m, L.M_PENDING)]! > 0;
}

function checksPending(ins: InstrOf<'migrate-unmap'>): boolean {
  return ins.op.op === 'migrate' ? ins.op.pending === 'check' : true;
}

function unmapMatch(f: number): (pte: number) => boolean {
  return (pte) => (pte & F) === f + 1;
}

function ownMatch(t: number): (pte: number) => boolean {
  return (pte) => migrationOwner(pte) === t;
}

/** The PTL the walk of this table of mm m needs is free (or t's). */
function walkEnabled(cx: ExecContext, s: State, t: number, m: number, region: number, match: (pte: number) => boolean): boolean {
  return rmapPtes(cx, s, m, region, match).length === 0 || ptlAvailable(cx, s, t, m, region);
}

function walkWait(cx: ExecContext, s: State, t: number, m: number, region: number): WaitInfo {
  const h = ptlHolder(cx, s, m, region);
  const holders: number[] = [];
  if (h >= 0 && h !== t) holders.push(h);
  else for (let u = 0; u < cx.L.nThread; u++) if (u !== t && cx.tMm[u] === m && s[cx.m.th(u, L.T_IRQ)] === 1) holders.push(u);
  return { thread: t, what: 'a page-table lock, or a TLB shootdown IPI that CPUs with IRQs off do not answer', holders };
}

function migrateIsolate(cx: ExecContext, s: State, t: number, ins: InstrOf<'migrate-isolate'>): Next {
  // migrate FRAME names the page; migrate ADDR the one mapped there now
  const f = ins.op.frame ?? (ptePeek(cx, s, cx.tMm[t]!, ins.page) & F) - 1;
  if (!canIsolate(cx, s, f)) return ins.jumps.fail; // -EBUSY / -EAGAIN
  isolate(cx, s, t, f);
  return ins.next;
}

/** page_vma_mapped_walk(): the PTL of this table of mm m, if the page is mapped there. */
function migratePtl(cx: ExecContext, s: State, t: number, ins: InstrOf<'migrate-ptl'>): Next {
  const f = oldFrame(cx, s, t);
  if (f < 0 || rmapPtes(cx, s, ins.mm, ins.region, unmapMatch(f)).length === 0) return ins.jumps.skip;
  // a PTL the thread holds by hand stays held (SPEC: an op neither takes nor releases it)
  if (ptlHolder(cx, s, ins.mm, ins.region) !== t) {
    ptlTake(cx, s, t, ins.mm, ins.region);
    s[cx.m.loc(t, L_FLAGS)]! |= LF_MIGPTL;
  }
  return ins.next;
}

function migrateUnmap(cx: ExecContext, s: State, t: number, ins: InstrOf<'migrate-unmap'>): Next {
  const f = oldFrame(cx, s, t);
  const region = ins.region;
  const m = ins.mm;
  const qs = f < 0 ? [] : rmapPtes(cx, s, m, region, unmapMatch(f));
  for (const q of qs) {
    const pte = s[cx.m.pte(m, q)]!;
    // ptep_clear_flush(): flush_tlb_page() only if pte_accessible()
    setPte(cx, s, t, m, q, region, migrationEntry(t, pte), 'try_to_migrate_one()');
    if (accessible(cx, s, m, pte, checksPending(ins))) flushPages(cx, s, m, (x) => x === q);
    putRef(cx, s, f); // folio_remove_rmap_pte(); folio_put()
  }
  const fo = cx.m.loc(t, L_FLAGS);
  if ((s[fo]! & LF_MIGPTL) !== 0) {
    ptlDrop(cx, s, t, m, region);
    s[fo]! &= ~LF_MIGPTL;
  }
  return ins.next;
}

function migrateCopy(cx: ExecContext, s: State, t: number, ins: InstrOf<'migrate-copy'>): Next {
  const m = cx.m;
  const f = oldFrame(cx, s, t);
  if (f >= 0) checkSleep(cx, s, t, 'migrate_pages()'); // folio_lock(), the copy's cond_resched()
  // folio_migrate_mapping(): only the isolation reference may remain (-EAGAIN otherwise)
  if (f < 0 || s[m.fr(f, L.F_REFS)] !== 1) return ins.next;
  const nf = allocFrame(cx, s);
  s[m.fr(nf, L.F_VALUE)] = readFrame(cx, s, t, f, 'the migration copy');
  // folio_migrate_flags() and the exclusive migration entries: the new page is exclusive only if
  // the old one was, and shared by the forks that shared the old one
  if ((frameFlags(cx, s, f) & L.FR_EXCL) === 0) s[m.fr(nf, L.F_FLAGS)]! &= ~L.FR_EXCL;
  for (let w = 0; w < cx.L.tagWords; w++) s[m.fr(nf, L.F_SHAREDBY) + w] = s[m.fr(f, L.F_SHAREDBY) + w]!;
  s[m.loc(t, L_NEW)] = nf + 1;
  s[m.loc(t, L_COPY)] = COPY_MIGRATION;
  s[m.loc(t, L_DIRTY)] = 0;
  return ins.next;
}

function migrateRemap(cx: ExecContext, s: State, t: number, ins: InstrOf<'migrate-remap'>): Next {
  const f = oldFrame(cx, s, t);
  if (f < 0) return ins.next;
  const nf = s[cx.m.loc(t, L_NEW)]! - 1;
  const target = nf >= 0 ? nf : f; // remove_migration_ptes(src, dst) or, after a failed move, (src, src)
  const region = ins.region;
  const m = ins.mm;
  const qs = rmapPtes(cx, s, m, region, ownMatch(t));
  if (qs.length === 0) return ins.next;
  const had = ptlHolder(cx, s, m, region) === t;
  if (!had) ptlTake(cx, s, t, m, region);
  for (const q of qs) {
    const e = s[cx.m.pte(m, q)]!;
    const v = cx.m.vmaAt(s, m, cx.L.pages[q]!);
    const protNone = v >= 0 && s[cx.m.vma(m, v, L.V_PROT)] === 0;
    // mk_pte(new, vma->vm_page_prot); writable migration entry: pte_mkwrite; else uffd-wp kept
    let np = (target + 1) | (e & L.PTE_DIRTY) | (e & L.PTE_W);
    if ((e & L.PTE_W) === 0) np |= e & L.PTE_UFFD;
    if (protNone) np = (np | L.PTE_PROTNONE) & ~L.PTE_W;
    getRef(cx, s, target);
    checkPins(cx, s, m, q, target);
    setPte(cx, s, t, m, q, region, np, 'remove_migration_pte()');
  }
  if (!had) ptlDrop(cx, s, t, m, region);
  return ins.next;
}

function migrateEnd(cx: ExecContext, s: State, t: number, ins: InstrOf<'migrate-end'>): Next {
  const m = cx.m;
  const lb = m.loc(t, 0);
  const f = oldFrame(cx, s, t);
  const nf = s[lb + L_NEW]! - 1;
  const dirty = s[lb + L_DIRTY]!;
  if (f >= 0 && nf >= 0 && dirty !== 0) {
    const store = decodeOrigin(dirty);
    const o = cx.spec.threads[store.thread]!.steps[store.step];
    const a = o && o.op === 'store' ? hex(o.addr) : '?';
    cx.race('lost-write', `the store to ${a} by ${cx.tn(store.thread)} landed in frame ${m.frameName(f)} after ${cx.tn(t)}'s migration had copied it to ${m.frameName(nf)}, which now replaces it: the value is lost`, store, [cx.cur]);
  }
  if (nf >= 0) putRef(cx, s, nf); // folio_put(dst)
  if (f >= 0) {
    s[m.fr(f, L.F_FLAGS)]! &= ~L.FR_ISOLATED; // folio_unlock(src)
    putRef(cx, s, f); // migrate_folio_done(): the isolation reference, the last one after a move
  }
  s[lb + L_OLD] = 0;
  s[lb + L_NEW] = 0;
  s[lb + L_COPY] = 0;
  s[lb + L_DIRTY] = 0;
  return ins.next;
}

/** migration_entry_wait(): the fault sleeps (mmap_lock or the VMA lock held) until the entry it read is gone. */
function migrationWait(cx: ExecContext, s: State, t: number, ins: InstrOf<'migration-wait'>): Next {
  checkSleep(cx, s, t, 'migration_entry_wait()');
  return ins.next;
}

export const MIGRATE: SemanticsPart<'migrate-isolate' | 'migrate-ptl' | 'migrate-unmap' | 'migrate-copy' | 'migrate-remap' | 'migrate-end' | 'migration-wait'> = {
  'migrate-isolate': {
    kernel: 'folio_isolate_lru(); folio_trylock()',
    doc: "take the frame named, or the page mapped at the address (the PTE read without a lock, as compaction's scanner finds it): an anonymous page not already isolated is isolated (a reference) and locked; otherwise the migration fails (-EBUSY) and the op ends",
    source: 'kernel-paths §19 step 1',
    mover: 'N',
    run: migrateIsolate,
    footprint: fp(['pte:page', 'page-refs:any'], ['page-refs:any']),
  },
  'migrate-ptl': {
    kernel: 'try_to_migrate() -> rmap_walk(); page_vma_mapped_walk(): pte_offset_map_lock()',
    doc: 'rmap walk, one page table of one mm: if the page is mapped there, take its PTL; otherwise go on to the next table',
    source: 'kernel-paths §19 step 2',
    mover: 'R',
    enabled: (cx, s, t, ins) => {
      const f = oldFrame(cx, s, t);
      return f < 0 || walkEnabled(cx, s, t, ins.mm, ins.region, unmapMatch(f));
    },
    waitsFor: (cx, s, t, ins) => walkWait(cx, s, t, ins.mm, ins.region),
    run: migratePtl,
    footprint: fp(['pte:any', 'ptl:any', 'mm:any', 'page-refs:any'], ['ptl:any']),
  },
  'migrate-unmap': {
    kernel: 'try_to_migrate_one(): ptep_clear_flush() [pte_accessible()]; set_pte_at(migration entry); folio_remove_rmap_pte(); folio_put(); page_vma_mapped_walk_done()',
    doc: "with the PTL held: replace each PTE of the page in this table with a migration entry (writable if the PTE was), flush the TLB for it if pte_accessible() (present, or prot-none while a flush is pending, unless pending=ignore), waiting for the shootdown IPI with the PTL held, drop the mapping's reference; drop the PTL",
    source: 'kernel-paths §19 step 2; 20841405940e',
    mover: 'N',
    enabled: (cx, s, t, ins) => {
      const f = oldFrame(cx, s, t);
      const needFlush = f >= 0 && rmapPtes(cx, s, ins.mm, ins.region, unmapMatch(f)).some((q) => accessible(cx, s, ins.mm, s[cx.m.pte(ins.mm, q)]!, checksPending(ins)));
      return !needFlush || ipiOk(cx, s, t, ins.mm);
    },
    waitsFor: (cx, s, t, ins) => walkWait(cx, s, t, ins.mm, ins.region),
    run: migrateUnmap,
    footprint: fp(['pte:any', 'ptl:any', 'mm:any', 'flush-pending:any', 'irq:any', 'thread-control:any', 'page-refs:any', 'tlb:any'], ['pte:any', 'ptl:any', 'tlb:any', 'page-refs:any']),
  },
  'migrate-copy': {
    kernel: 'move_to_new_folio() -> migrate_folio(): folio_migrate_mapping(); folio_mc_copy()',
    doc: 'if only the isolation reference remains, allocate the new page and copy the old one into it; otherwise the move fails (-EAGAIN) and the old page is mapped back',
    source: 'kernel-paths §19 step 3',
    mover: 'N',
    run: migrateCopy,
    footprint: fp(['page-refs:any', 'frame:any', 'ptl:mm', 'irq:cpu'], ['page-refs:any', 'frame:any']),
  },
  'migrate-remap': {
    kernel: 'remove_migration_ptes() -> remove_migration_pte(): set_pte_at(mk_pte(new)); folio_add_anon_rmap_pte()',
    doc: "rmap walk, one page table of one mm: under its PTL, replace each of this migration's entries with a PTE of the new page (the old one after a failed move), writable if the entry was, with a reference; drop the PTL",
    source: 'kernel-paths §19 step 4',
    mover: 'N',
    enabled: (cx, s, t, ins) => walkEnabled(cx, s, t, ins.mm, ins.region, ownMatch(t)),
    waitsFor: (cx, s, t, ins) => walkWait(cx, s, t, ins.mm, ins.region),
    run: migrateRemap,
    footprint: fp(['pte:any', 'ptl:any', 'mm:any', 'vma:any', 'gup-refs:any', 'page-refs:any', 'tlb:any'], ['pte:any', 'ptl:any', 'tlb:any', 'page-refs:any']),
  },
  'migrate-end': {
    kernel: 'folio_unlock(dst); folio_put(dst); folio_unlock(src); migrate_folio_done(src)',
    doc: 'unlock both pages, drop the new page\'s own reference and the old page\'s isolation reference: after a move the old page is freed. A store that landed on the old page after the copy is lost',
    source: 'kernel-paths §19 step 5',
    mover: 'N',
    run: migrateEnd,
    footprint: fp(['page-refs:any', 'tlb:any', 'fault-work:mm'], ['page-refs:any']),
  },
  'migration-wait': {
    kernel: 'do_swap_page() -> migration_entry_wait() -> migration_entry_wait_on_locked()',
    doc: 'the PTE read is a migration entry: sleep (holding mmap_lock, or the VMA lock) until the migration replaces it, then return; the access retries',
    source: 'kernel-paths §19.1',
    mover: 'N',
    enabled: (cx, s, t, ins) => s[cx.m.pte(cx.tMm[t]!, ins.page)] !== s[cx.m.loc(t, L_ORIG)],
    waitsFor: (cx, s, t) => {
      const owner = migrationOwner(s[cx.m.loc(t, L_ORIG)]!);
      return { thread: t, what: 'a page migration (migration_entry_wait)', holders: owner >= 0 ? [owner] : [] };
    },
    run: migrationWait,
    footprint: fp(['pte:page', 'ptl:mm', 'irq:cpu'], []),
  },
};

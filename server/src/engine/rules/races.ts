// The race detectors (SPEC §7 races), run at the micro-step where the race shows: a store
// through a stale TLB entry (lost-write, stale-tlb-write), a write to a freed, read-only or
// fork-shared frame (use-after-free, write-to-readonly, cow-isolation), a store landing in a
// page a COW fault has already copied (lost-write, reported when the copy is installed), and a
// pin that no longer matches the PTE (gup-incoherent).
import type { ExecContext } from '../context';
import type { Place } from '../events';
import { frameFlags } from '../frames';
import { hex } from '../format';
import * as L from '../layout';
import { L_COPY, L_DIRTY, L_OLD, R_FRAME, R_PAGE, R_PIN, REF_PUT, type State } from '../machine';
import type { StepSpec } from '../scenario';

const F = L.PTE_FRAME_MASK;

/** A store's origin as kept in a COW fault's L_DIRTY register: (thread, step) + 1. */
export function storeOrigin(t: number, step: number): number {
  return t * 4096 + step + 1;
}

export function decodeOrigin(o: number): Place {
  return { thread: Math.floor((o - 1) / 4096), step: (o - 1) % 4096 };
}

/** Has the op with tag bit `bit` returned? */
function tagOpReturned(cx: ExecContext, s: State, bit: number): boolean {
  const op = cx.L.tagOps[bit]!;
  return cx.opReturned(s, op.thread, op.step);
}

/** Ops that remove write permission (their stale entries are stale-tlb-write, not lost-write). */
function isWpOp(o: StepSpec): boolean {
  return o.op === 'mprotect' || o.op === 'wrprotect' || o.op === 'fork';
}

/** A store through CPU c's TLB entry for page p (frame f): report stale-entry races from its tags. */
export function checkStaleEntry(cx: ExecContext, s: State, t: number, c: number, p: number, f: number): void {
  const m = cx.m;
  const o = m.tlb(c, p);
  let lost: Place | undefined;
  let wp: Place | undefined;
  let initialLost = false;
  let initialWp = false;
  for (let w = 0; w < cx.L.tagWords; w++) {
    const word = s[o + 2 + w]!;
    if (word === 0) continue;
    if (w === 0) {
      if (word & L.TAG_INITIAL_REMOVAL) initialLost = true;
      if (word & L.TAG_INITIAL_WP) initialWp = true;
    }
    for (let b = 0; b < L.TAG_BITS_PER_WORD; b++) {
      if (!(word & (1 << b))) continue;
      const bit = w * L.TAG_BITS_PER_WORD + b;
      if (bit >= cx.L.tagOps.length || !tagOpReturned(cx, s, bit)) continue;
      const op = cx.L.tagOps[bit]!;
      const spec = cx.spec.threads[op.thread]!.steps[op.step]!;
      if (isWpOp(spec)) wp ??= { thread: op.thread, step: op.step };
      else lost ??= { thread: op.thread, step: op.step };
    }
  }
  if (!lost && !wp && !initialLost && !initialWp) return;
  const a = hex(cx.L.pages[p]!);
  const fn = m.frameName(f);
  if (lost) cx.race('lost-write', `the store to ${a} by ${cx.tn(t)} lands in frame ${fn} through a stale TLB entry on cpu${c}, after ${cx.opName(lost)} had removed ${fn} from ${a} and returned${cx.returnNote(lost)}: the value is lost`, cx.cur, [lost]);
  else if (initialLost) cx.race('lost-write', `the store to ${a} by ${cx.tn(t)} lands in frame ${fn} through a stale TLB entry on cpu${c} that no longer matches the PTE: the value is lost`);
  if (wp) cx.race('stale-tlb-write', `the store to ${a} by ${cx.tn(t)} goes through a writable TLB entry on cpu${c} cached before ${cx.opName(wp)} removed write permission, after it returned${cx.returnNote(wp)}`, cx.cur, [wp]);
  else if (initialWp) cx.race('stale-tlb-write', `the store to ${a} by ${cx.tn(t)} goes through a writable TLB entry on cpu${c} over a read-only PTE`);
}

/** A write lands on frame f: through (mm, p) for a store, or through a reference for kwrite. */
export function landWrite(cx: ExecContext, s: State, t: number, f: number, mm: number, p: number, valueIdx: number, isStore: boolean): void {
  const m = cx.m;
  const flags = frameFlags(cx, s, f);
  const what = (): string => (isStore ? `the store to ${p >= 0 ? hex(cx.L.pages[p]!) : '?'} by ${cx.tn(t)}` : `the kernel write by ${cx.tn(t)}`);
  if (flags & L.FR_FREED) cx.race('use-after-free', `${what()} lands in frame ${m.frameName(f)}, which was freed`);
  if (flags & L.FR_RDONLY) cx.race('write-to-readonly', `${what()} lands in frame ${m.frameName(f)}, a page-cache page of a file the process may not write`);
  if ((flags & (L.FR_CACHE | L.FR_ZERO | L.FR_FREED)) === 0 && (flags & (L.FR_SHARED | L.FR_INITSHARED) || anySharedBy(cx, s, f))) {
    const other = otherMmReach(cx, s, f, mm);
    if (other !== undefined && sharedByReturnedFork(cx, s, f)) {
      cx.race('cow-isolation', `${what()} lands in frame ${m.frameName(f)}, which ${other} can still reach after the fork that shared it returned: the other process sees this write`);
    }
  }
  if (isStore) {
    // a COW fault of (mm, p) that has copied this frame and not yet installed the copy: this
    // store is lost when it does (reported by cow-install)
    const origin = storeOrigin(t, cx.curStep0);
    for (let u = 0; u < cx.L.nThread; u++) {
      const copy = s[m.loc(u, L_COPY)]!;
      if (copy === 0 || s[m.loc(u, L_OLD)] !== f + 1) continue;
      if (copy === 1) {
        if (cx.tMm[u] !== mm) continue;
        const ui = cx.instr(s, u);
        if (!ui || ui.page !== p) continue;
      }
      // copy === 2: a migration (step/migrate.ts) copied frame f, wherever it is mapped: the
      // store is lost when the copy replaces it (reported by migrate-end)
      if (s[m.loc(u, L_DIRTY)] === 0) s[m.loc(u, L_DIRTY)] = origin;
    }
  }
  s[m.fr(f, L.F_VALUE)] = valueIdx;
}

/** Who else can reach frame f: another modelled mm's PTE, or a reference held by a thread of another mm. */
function otherMmReach(cx: ExecContext, s: State, f: number, mm: number): string | undefined {
  const m = cx.m;
  if (frameFlags(cx, s, f) & L.FR_SHARED) return 'another (unmodelled) process';
  for (let o = 0; o < cx.L.nMm; o++) {
    if (o === mm || s[m.mm(o, L.M_EXISTS)] === 0) continue;
    for (let p = 0; p < cx.L.nPage; p++) if ((s[m.pte(o, p)]! & F) === f + 1) return `mm ${cx.spec.mms[o]!.name} (mapping ${hex(cx.L.pages[p]!)})`;
  }
  for (let u = 0; u < cx.L.nThread; u++) {
    if (cx.tMm[u] === mm) continue;
    for (let r = 0; r < cx.L.nRefs; r++) if (s[m.ref(u, r, R_FRAME)] === f + 1 && (s[m.ref(u, r, R_PIN)]! & REF_PUT) === 0) return `thread ${cx.tn(u)} of mm ${cx.spec.mms[cx.tMm[u]!]!.name} (through its page reference)`;
  }
  return undefined;
}

function anySharedBy(cx: ExecContext, s: State, f: number): boolean {
  const o = cx.m.fr(f, L.F_SHAREDBY);
  for (let w = 0; w < cx.L.tagWords; w++) if (s[o + w] !== 0) return true;
  return false;
}

function sharedByReturnedFork(cx: ExecContext, s: State, f: number): boolean {
  const fl = frameFlags(cx, s, f);
  if (fl & (L.FR_SHARED | L.FR_INITSHARED)) return true;
  const o = cx.m.fr(f, L.F_SHAREDBY);
  for (let w = 0; w < cx.L.tagWords; w++) {
    const word = s[o + w]!;
    for (let b = 0; b < L.TAG_BITS_PER_WORD; b++) if (word & (1 << b) && tagOpReturned(cx, s, w * L.TAG_BITS_PER_WORD + b)) return true;
  }
  return false;
}

/** Read frame f (a load, a copy): use-after-free if it was freed. Returns its value index. */
export function readFrame(cx: ExecContext, s: State, t: number, f: number, what: string): number {
  if (frameFlags(cx, s, f) & L.FR_FREED) cx.race('use-after-free', `${what} by ${cx.tn(t)} reads frame ${cx.m.frameName(f)}, which was freed`);
  return s[cx.m.fr(f, L.F_VALUE)]!;
}

/** A present PTE at (mm, p) now maps `f`: pins taken there on another frame are incoherent. */
export function checkPins(cx: ExecContext, s: State, mm: number, p: number, f: number): void {
  const m = cx.m;
  for (let u = 0; u < cx.L.nThread; u++) {
    if (cx.tMm[u] !== mm) continue;
    for (let r = 0; r < cx.L.nRefs; r++) {
      const rf = s[m.ref(u, r, R_FRAME)]!;
      if (rf === 0 || s[m.ref(u, r, R_PIN)] !== 1 || s[m.ref(u, r, R_PAGE)] !== p + 1 || rf === f + 1) continue;
      cx.race('gup-incoherent', `${hex(cx.L.pages[p]!)} now maps frame ${m.frameName(f)}, but ${cx.tn(u)}'s pin '${cx.spec.threads[u]!.refs[r]}' holds frame ${m.frameName(rf - 1)}: DMA and the process disagree`);
    }
  }
}

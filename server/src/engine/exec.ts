// The semantics of every micro-step: `enabled(s, t)` and `step(s, t)` on a state vector.
// Lock rules and race detectors are checked here, at the micro-step that breaks them, and
// reported through the sink. No clock, no randomness, no IO.
import type { EventSink, Place } from './events';
import { compileThread, END, FILL_CACHE, FILL_COW, FILL_NEW, FILL_SHARED, FILL_ZERO, SEGV as SEGV_TARGET, hex, MICRO_CODES as K, type Instr, type ThreadProgram } from './expand';
import type { RaceKind, ViolationCode } from './findings';
import * as L from './layout';
import { L_AUX, L_COPY, L_DIRTY, L_FLAGS, L_GRAB, L_NEW, L_OLD, L_ORIG, L_SEQ, L_TABLE, L_VMA, LF_CHANGED, LF_CLEARED, LF_COW, LF_NOWRITE, LF_PENDING, LF_SEQODD, LF_SPEC, LF_SPECIRQ, LF_TABLES, LF_UNFLUSHED, Machine, R_FRAME, R_PAGE, R_PIN, type State } from './machine';
import { PAGE_SIZE } from './scenario';
import type { ScenarioSpec, StepSpec } from './scenario';

const F = L.PTE_FRAME_MASK;
const GRANTED = 6; // status: a queued mmap_lock acquisition was granted; the step completes next
const STUCK = 7; // status: spins forever (a spinlock it already holds)
const SPEC_PROT_SHIFT = 24; // L_SEQ of a speculative fault: sequence count, and its VMA protection + 1 above
const WAIT_VMA_WRITE = 8; // status: vma_start_write() has marked its VMAs and waits for their readers
const OLD_PENDING = 3; // PT_OLD: unhooked by munmap, freed by its tlb_finish_mmu

/**
 * Mover classes for the reduction in `transition()`: R = an acquisition (a right mover),
 * L = a release (a left mover), N = anything else. Explicit lock steps stay N: they are what a
 * user models by hand, and each is shown as its own step.
 */
const MOVER: readonly ('R' | 'L' | 'N')[] = (() => {
  const m: ('R' | 'L' | 'N')[] = Object.values(K).map(() => 'N');
  for (const k of ['fault-enter', 'ptl-lock', 'mmap-lock', 'gup-enter', 'fork-ptl'] as const) m[K[k]] = 'R';
  for (const k of ['fault-exit', 'gup-exit', 'madvise-end', 'munmap-end', 'vma-read-unlock', 'spf-end'] as const) m[K[k]] = 'L';
  return m;
})();

/** What blocks a thread, for deadlock reports. */
export interface WaitInfo {
  readonly thread: number;
  readonly what: string;
  readonly holders: readonly number[];
  /** Some holders have only queued ahead of it for the lock (a fair lock), not taken it. */
  readonly queuedAhead?: boolean;
}

export class Exec {
  readonly m: Machine;
  readonly L: L.Layout;
  readonly spec: ScenarioSpec;
  readonly programs: readonly ThreadProgram[];
  private sink: EventSink = () => {};
  /** Thread's mm and CPU. */
  private readonly tMm: Int32Array;
  private readonly tCpu: Int32Array;
  private readonly nPt: number;

  /** Lipton reduction in `transition()`; off runs one micro-step per transition (tests compare both). */
  readonly reduce: boolean;
  /** Canonical states (fresh frames renumbered); off only for tests of canonicalization. */
  readonly canonical: boolean;

  constructor(spec: ScenarioSpec, options: { reduce?: boolean; canonical?: boolean } = {}) {
    this.reduce = options.reduce ?? true;
    this.canonical = options.canonical ?? true;
    this.spec = spec;
    this.L = L.buildLayout(spec);
    this.m = new Machine(this.L);
    this.programs = spec.threads.map((_, t) => compileThread(this.L, spec, t));
    this.tMm = Int32Array.from(spec.threads.map((t) => t.mm));
    this.tCpu = Int32Array.from(spec.threads.map((t) => t.cpu));
    this.nPt = this.L.nMm * this.L.nRegion;
    this.pointIndex = new Map(this.L.rangePoints.map((a, i) => [a, i]));
    // Taking mmap_lock (or a range) for read is a right mover because nobody changes a VMA
    // without the write lock. A scenario where a VMA changes under a read or inherited lock
    // (a vma-needs-mmap-write violation) breaks that: there the acquisition must stay visible.
    const vmaChangedUnderRead = this.programs.some((p) =>
      p.instrs.some((i) => (i.kind === 'mprotect-fixup' || i.kind === 'munmap-detach') && (i.inheritMmap || (i.op.op === 'mprotect' && i.op.lock === 'read'))),
    );
    this.mover = MOVER.slice();
    if (vmaChangedUnderRead) for (const k of ['fault-enter', 'gup-enter', 'mmap-lock'] as const) this.mover[K[k]] = 'N';
  }

  /** Mover class of each micro-step kind for this scenario (see MOVER). */
  private readonly mover: ('R' | 'L' | 'N')[];

  /** Address -> index into rangePoints (locking range). */
  private readonly pointIndex: Map<number, number>;

  setSink(sink: EventSink): void {
    this.sink = sink;
  }

  initial(): State {
    const s = this.m.initial();
    for (let t = 0; t < this.L.nThread; t++) if (this.programs[t]!.instrs.length === 0) s[this.m.th(t, L.T_STATUS)] = L.DONE;
    if (this.canonical) this.m.canonicalize(s);
    return s;
  }

  instr(s: State, t: number): Instr | undefined {
    const pc = s[this.m.th(t, L.T_PC)]!;
    return this.programs[t]!.instrs[pc];
  }

  /** The step (op index) a thread is in; Infinity once it has finished. */
  curStep(s: State, t: number): number {
    const st = s[this.m.th(t, L.T_STATUS)]!;
    if (st === L.DONE || st === L.SEGV) return Infinity;
    const ins = this.instr(s, t);
    return ins ? ins.step : Infinity;
  }

  isDone(s: State, t: number): boolean {
    const st = s[this.m.th(t, L.T_STATUS)]!;
    return st === L.DONE || st === L.SEGV;
  }

  // ---- enabledness -------------------------------------------------------------------

  enabled(s: State, t: number): boolean {
    const m = this.m;
    const st = s[m.th(t, L.T_STATUS)]!;
    if (st === L.DONE || st === L.SEGV || st === L.WAIT_MMAP || st === STUCK) return false;
    if (st === WAIT_VMA_WRITE) return this.vmaReadersGone(s, t, this.instr(s, t)!);
    const mm = this.tMm[t]!;
    if (s[m.mm(mm, L.M_EXISTS)] === 0) return false;
    const forker = this.spec.mms[mm]!.forkedBy;
    if (forker && this.curStep(s, forker.thread) <= forker.step) return false;
    const ins = this.instr(s, t);
    if (!ins) return false;
    if (st === L.WAIT_UFFD && !this.uffdWoken(s, t, ins)) return false;
    if (st === L.WAIT_RANGE) return this.rangeWaitGrantable(s, t);
    return this.instrEnabled(s, t, ins);
  }

  private uffdWoken(s: State, t: number, ins: Instr): boolean {
    const mm = this.tMm[t]!;
    if ((s[this.m.pte(mm, ins.page)]! & L.PTE_UFFD) !== 0) return false;
    // wake_userfault() comes at the end of UFFDIO_WRITEPROTECT: wait while an unprotect of
    // this page is still running
    for (let u = 0; u < this.L.nThread; u++) {
      if (u === t || this.tMm[u] !== mm || this.isDone(s, u)) continue;
      const o = this.instr(s, u)?.op;
      if (o && o.op === 'unprotect' && this.L.pages[ins.page]! >= o.start && this.L.pages[ins.page]! < o.end && this.curStepStarted(s, u)) return false;
    }
    return true;
  }

  /** Whether a thread has started executing its current op (is past its first micro-step). */
  private curStepStarted(s: State, u: number): boolean {
    const pc = s[this.m.th(u, L.T_PC)]!;
    const ins = this.programs[u]!.instrs[pc];
    return ins !== undefined && this.programs[u]!.stepStart[ins.step] !== pc;
  }

  private instrEnabled(s: State, t: number, ins: Instr): boolean {
    const m = this.m;
    const mm = this.tMm[t]!;
    switch (ins.code) {
      case K['ptl-lock']:
      case K['lock-ptl']: {
        const h = s[m.pt(mm, ins.region >= 0 ? ins.region : this.L.pageRegion[ins.page]!, L.PT_PTL)]!;
        return h === 0 || h === t + 1;
      }
      case K['fork-ptl']: {
        const child = this.forkChild(ins);
        return s[m.pt(mm, ins.region, L.PT_PTL)] === 0 && s[m.pt(child, ins.region, L.PT_PTL)] === 0;
      }
      case K['cow-install']:
        return s[m.pte(mm, ins.page)] !== s[m.loc(t, L_ORIG)] || this.ipiOk(s, t, mm);
      case K['wp-flush-pending']:
      case K['flush-under-ptl']:
      case K['fork-end']:
        return this.ipiOk(s, t, mm);
      case K['change-end']:
        return (s[m.loc(t, L_FLAGS)]! & LF_CHANGED) === 0 || (ins.op.op !== 'unprotect' && ins.op.op !== 'mprotect' && ins.op.op !== 'wrprotect') || ins.op.flush !== 'deferred' || this.ipiOk(s, t, mm);
      case K['tlb-finish']:
        return !this.tlbFinishNeedsFlush(s, t, ins) || this.ipiOk(s, t, mm);
      case K['tlbi']:
        return (ins.op.op === 'tlbi' && ins.op.local) || this.ipiOk(s, t, mm);
      case K['zap-ptes']:
        return !this.zapForceFlush(s, t, ins) || this.ipiOk(s, t, mm);
      case K['vma-write-lock']:
        // vma_start_write() marks the VMAs at once (new VMA readers fail) and then waits (WAIT_VMA_WRITE)
        return s[m.th(t, L.T_STATUS)] !== WAIT_VMA_WRITE || this.vmaReadersGone(s, t, ins);
      case K['lock-vma']: {
        const v = m.vmaAt(s, mm, this.L.pages[ins.page]!);
        if (v < 0) return true;
        if (ins.arg === 1) {
          // vma_start_write waits for readers (other than itself: that is a self-deadlock)
          const mine = this.ownVmaReads(s, t, v);
          return s[m.vma(mm, v, L.V_READERS)]! - mine === 0 || mine > 0;
        }
        const w = s[m.vma(mm, v, L.V_WRITER)]!;
        return w === 0 || w === t + 1;
      }
      default:
        return true;
    }
  }

  /** x86: a shootdown IPI completes only when every other CPU of the mm has IRQs on. */
  private ipiOk(s: State, t: number, mm: number): boolean {
    if (this.spec.arch !== 'x86') return true;
    for (let u = 0; u < this.L.nThread; u++) {
      if (u === t || this.tMm[u] !== mm) continue;
      if (s[this.m.th(u, L.T_IRQ)] === 1 && !this.isDone(s, u)) return false;
    }
    return true;
  }

  // ---- transitions: a micro-step and the ones it is merged with --------------------------

  /**
   * One transition of thread t: a micro-step, extended by Lipton reduction. A lock
   * acquisition (a right mover: no other thread's step reads the lock it takes) runs
   * together with the thread's next micro-step if that one is enabled, and a release (a left
   * mover) runs together with the step before it. So a transition is R* N? L*: the states
   * between are invisible to other threads' findings, and a blocked next step ends the
   * transition, so waiting states (deadlocks) stay visible. Returns the micro-steps run.
   */
  transition(s: State, t: number, ran?: Instr[]): void {
    if (!this.reduce) {
      ran?.push(this.instr(s, t)!);
      this.step(s, t);
      return;
    }
    this.reducedTransition(s, t, ran);
    // canonical form once per transition: the semantics do not depend on fresh-frame names
    if (this.canonical) this.m.canonicalize(s);
  }

  private reducedTransition(s: State, t: number, ran?: Instr[]): void {
    let ins = this.instr(s, t)!;
    let phase = this.mover[ins.code]!;
    for (let guard = 0; ; guard++) {
      if (guard > 10_000) throw new Error(`internal: transition of ${this.tn(t)} does not end`);
      ran?.push(ins);
      const pcBefore = s[this.m.th(t, L.T_PC)];
      this.step(s, t, false);
      const st = s[this.m.th(t, L.T_STATUS)];
      if (st !== L.RUN || s[this.m.th(t, L.T_PC)] === pcBefore) return; // queued, done, waiting
      const next = this.instr(s, t);
      if (!next || next.step !== ins.step) return;
      const mover = this.mover[next.code]!;
      if (phase === 'R') {
        if (mover === 'L') phase = 'L';
        else if (mover === 'N') phase = 'N';
      } else if (mover !== 'L') return;
      else phase = 'L';
      if (!this.instrEnabled(s, t, next)) return;
      ins = next;
    }
  }

  // ---- one step ------------------------------------------------------------------------

  private curThread = 0;
  private curStep0 = 0;

  /** The place of the micro-step running now (allocated only when reporting). */
  private get cur(): Place {
    return { thread: this.curThread, step: this.curStep0 };
  }

  /** One micro-step of thread t (then the canonical form, unless `canon` is false). */
  step(s: State, t: number, canon = true): void {
    const m = this.m;
    const pcOff = m.th(t, L.T_PC);
    const ins = this.programs[t]!.instrs[s[pcOff]!]!;
    this.curThread = t;
    this.curStep0 = ins.step;
    const stOff = m.th(t, L.T_STATUS);
    if (s[stOff] === L.WAIT_UFFD) s[stOff] = L.RUN;
    const next = this.exec(s, t, ins);
    if (next !== undefined) this.moveTo(s, t, ins, next); // undefined: stays (queued for a lock)
    if (canon && this.canonical) m.canonicalize(s);
  }

  private moveTo(s: State, t: number, ins: Instr, next: number): void {
    const m = this.m;
    const prog = this.programs[t]!;
    if (next === SEGV_TARGET) {
      this.clearLocals(s, t);
      s[m.th(t, L.T_PC)] = prog.instrs.length;
      s[m.th(t, L.T_STATUS)] = L.SEGV;
      this.threadExit(s, t);
      return;
    }
    const target = next === END ? prog.instrs.length : next;
    s[m.th(t, L.T_PC)] = target;
    const nins = prog.instrs[target];
    if (!nins || nins.step !== ins.step) this.clearLocals(s, t);
    if (!nins) {
      s[m.th(t, L.T_STATUS)] = L.DONE;
      this.threadExit(s, t);
    }
  }

  private clearLocals(s: State, t: number): void {
    const b = this.m.loc(t, 0);
    for (let i = 0; i < this.L.nLocals; i++) s[b + i] = 0;
  }

  // ---- reporting -----------------------------------------------------------------------

  private violation(code: ViolationCode, message: string, place: Place = this.cur, related: Place[] = []): void {
    this.sink({ type: 'violation', code, place, message, related });
  }

  private race(code: RaceKind, message: string, place: Place = this.cur, related: Place[] = []): void {
    this.sink({ type: 'race', code, place, message, related });
  }

  private tn(t: number): string {
    return this.spec.threads[t]!.name;
  }

  private opName(p: Place): string {
    const o = this.spec.threads[p.thread]?.steps[p.step];
    return o ? `${o.op} by ${this.tn(p.thread)}` : '?';
  }

  // ---- helpers: locks ------------------------------------------------------------------

  private holdsAnyPtl(s: State, t: number): boolean {
    return s[this.m.th(t, L.T_PTLS)] !== 0;
  }

  private checkSleep(s: State, t: number, what: string): void {
    if (this.holdsAnyPtl(s, t)) this.violation('sleep-in-atomic', `${what} may sleep, but ${this.tn(t)} holds a page-table spinlock`);
    else if (s[this.m.th(t, L.T_IRQ)] === 1) this.violation('sleep-in-atomic', `${what} may sleep, but ${this.tn(t)} has IRQs off`);
  }

  /** Try to take mmap_lock; true when held (now or by an earlier grant), false when queued. */
  private mmapAcquire(s: State, t: number, write: boolean): boolean {
    const m = this.m;
    const mm = this.tMm[t]!;
    const stOff = m.th(t, L.T_STATUS);
    if (s[stOff] === GRANTED) {
      s[stOff] = L.RUN;
      return true;
    }
    if (this.holdsAnyPtl(s, t)) this.violation('lock-order', `${this.tn(t)} takes mmap_lock while holding a page-table lock (order: mmap_lock -> vma lock -> PTL)`);
    if (m.holdsVmaRead(s, t)) this.violation('lock-order', `${this.tn(t)} takes mmap_lock while holding a VMA read lock: a writer holding mmap_lock and waiting in vma_start_write() deadlocks with it`);
    this.checkSleep(s, t, write ? 'mmap_write_lock()' : 'mmap_read_lock()');
    const qEmpty = s[m.mm(mm, L.M_QUEUE)] === 0;
    const writer = s[m.mm(mm, L.M_WRITER)]!;
    const readers = s[m.mm(mm, L.M_READERS)]!;
    if (!write && writer === 0 && qEmpty) {
      s[m.mm(mm, L.M_READERS)] = readers + 1;
      s[m.th(t, L.T_MMAP_R)]!++;
      return true;
    }
    if (write && writer === 0 && readers === 0 && qEmpty) {
      s[m.mm(mm, L.M_WRITER)] = t + 1;
      s[m.th(t, L.T_MMAP_W)] = 1;
      return true;
    }
    // queue (FIFO)
    const q = m.mm(mm, L.M_QUEUE);
    let i = 0;
    while (i < this.L.nThread && s[q + i] !== 0) i++;
    s[q + i] = write ? -(t + 1) : t + 1;
    s[stOff] = L.WAIT_MMAP;
    return false;
  }

  private mmapRelease(s: State, t: number): void {
    const m = this.m;
    const mm = this.tMm[t]!;
    if (s[m.th(t, L.T_MMAP_W)] === 1) {
      s[m.th(t, L.T_MMAP_W)] = 0;
      s[m.mm(mm, L.M_WRITER)] = 0;
      this.vmaEndWriteAll(s, t);
    } else if (s[m.th(t, L.T_MMAP_R)]! > 0) {
      s[m.th(t, L.T_MMAP_R)]!--;
      s[m.mm(mm, L.M_READERS)]!--;
      // a VMA write lock taken under the read lock (a rule violation) ends with it
      if (s[m.th(t, L.T_MMAP_R)] === 0) this.vmaEndWriteAll(s, t);
    } else return;
    this.mmapGrant(s, mm);
  }

  private mmapDowngrade(s: State, t: number): void {
    const m = this.m;
    const mm = this.tMm[t]!;
    if (s[m.th(t, L.T_MMAP_W)] !== 1) return;
    s[m.th(t, L.T_MMAP_W)] = 0;
    s[m.mm(mm, L.M_WRITER)] = 0;
    s[m.th(t, L.T_MMAP_R)]!++;
    s[m.mm(mm, L.M_READERS)]!++;
    this.vmaEndWriteAll(s, t);
    this.mmapGrant(s, mm);
  }

  /** rwsem wake-up: a writer at the front gets the lock when it is free; readers at the front wake every queued reader. */
  private mmapGrant(s: State, mm: number): void {
    const m = this.m;
    const q = m.mm(mm, L.M_QUEUE);
    const n = this.L.nThread;
    if (s[q] === 0 || s[m.mm(mm, L.M_WRITER)] !== 0) return;
    const front = s[q]!;
    if (front < 0) {
      if (s[m.mm(mm, L.M_READERS)] !== 0) return;
      const w = -front - 1;
      s[m.mm(mm, L.M_WRITER)] = w + 1;
      s[m.th(w, L.T_MMAP_W)] = 1;
      s[m.th(w, L.T_STATUS)] = GRANTED;
      for (let i = 0; i < n - 1; i++) s[q + i] = s[q + i + 1]!;
      s[q + n - 1] = 0;
      return;
    }
    let k = 0;
    for (let i = 0; i < n; i++) {
      const e = s[q + i]!;
      if (e === 0) break;
      if (e > 0) {
        const r = e - 1;
        s[m.mm(mm, L.M_READERS)]!++;
        s[m.th(r, L.T_MMAP_R)]!++;
        s[m.th(r, L.T_STATUS)] = GRANTED;
      } else s[q + k++] = e;
    }
    for (let i = k; i < n; i++) s[q + i] = 0;
  }

  /** vma_end_write_all(): mmap_write_unlock/downgrade end the VMA write locks (not spf's sequence brackets). */
  private vmaEndWriteAll(s: State, t: number): void {
    if (this.spec.design === 'spf') return;
    const m = this.m;
    const mm = this.tMm[t]!;
    for (let v = 0; v < this.L.nVma; v++) if (s[m.vma(mm, v, L.V_WRITER)] === t + 1) s[m.vma(mm, v, L.V_WRITER)] = 0;
  }

  // ---- the design's address-space lock: mmap_lock, or range locks -----------------------

  /** Take the op's (or fault's) lock: mmap_lock, or under `range` a range lock; false when it waits. */
  private opLockAcquire(s: State, t: number, write: boolean, lo: number, hi: number): boolean {
    if (this.spec.design === 'range') return this.rangeAcquire(s, t, lo, hi, write, false);
    return this.mmapAcquire(s, t, write);
  }

  private opLockRelease(s: State, t: number): void {
    if (this.spec.design === 'range') this.rangeRelease(s, t, (info) => (info & L.RI_EXPLICIT) === 0);
    else this.mmapRelease(s, t);
  }

  private point(addr: number): number {
    const i = this.pointIndex.get(addr);
    if (i === undefined) throw new Error(`internal: range point ${hex(addr)} not in the layout`);
    return i;
  }

  /** Index of the first free range slot of mm; slots in use are a prefix, in arrival order. */
  private rangeCount(s: State, mm: number): number {
    let i = 0;
    while (i < this.L.nRangeSlots && s[this.m.rangeSlot(mm, i, L.RS_INFO)] !== 0) i++;
    return i;
  }

  /** A fair range rwlock: slot i is granted when no earlier slot overlaps it with a write on either side. */
  private rangeGrantable(s: State, mm: number, i: number): boolean {
    const m = this.m;
    const lo = s[m.rangeSlot(mm, i, L.RS_LO)]!;
    const hi = s[m.rangeSlot(mm, i, L.RS_HI)]!;
    const w = (s[m.rangeSlot(mm, i, L.RS_INFO)]! & L.RI_WRITE) !== 0;
    for (let j = 0; j < i; j++) {
      const info = s[m.rangeSlot(mm, j, L.RS_INFO)]!;
      if (!w && (info & L.RI_WRITE) === 0) continue;
      if (s[m.rangeSlot(mm, j, L.RS_LO)]! < hi && lo < s[m.rangeSlot(mm, j, L.RS_HI)]!) return false;
    }
    return true;
  }

  private rangeWaitingSlot(s: State, t: number): number {
    const mm = this.tMm[t]!;
    const n = this.rangeCount(s, mm);
    for (let i = 0; i < n; i++) {
      const info = s[this.m.rangeSlot(mm, i, L.RS_INFO)]!;
      if ((info & L.RI_THREAD) === t + 1 && (info & L.RI_HELD) === 0) return i;
    }
    return -1;
  }

  private rangeWaitGrantable(s: State, t: number): boolean {
    const i = this.rangeWaitingSlot(s, t);
    return i >= 0 && this.rangeGrantable(s, this.tMm[t]!, i);
  }

  /** Request a range lock [lo, hi); true when held, false when queued (the thread waits). */
  private rangeAcquire(s: State, t: number, lo: number, hi: number, write: boolean, explicit: boolean): boolean {
    const m = this.m;
    const mm = this.tMm[t]!;
    const stOff = m.th(t, L.T_STATUS);
    if (s[stOff] === L.WAIT_RANGE) {
      const i = this.rangeWaitingSlot(s, t);
      s[m.rangeSlot(mm, i, L.RS_INFO)]! |= L.RI_HELD;
      s[stOff] = L.RUN;
      return true;
    }
    if (this.holdsAnyPtl(s, t)) this.violation('lock-order', `${this.tn(t)} takes a range lock while holding a page-table lock (order: range lock -> vma lock -> PTL)`);
    if (m.holdsVmaRead(s, t)) this.violation('lock-order', `${this.tn(t)} takes a range lock while holding a VMA read lock`);
    this.checkSleep(s, t, write ? 'range_write_lock()' : 'range_read_lock()');
    const n = this.rangeCount(s, mm);
    if (n >= this.L.nRangeSlots) throw new Error('range-lock slots exhausted (internal limit)');
    const plo = this.point(lo);
    const phi = this.point(hi);
    for (let j = 0; j < n; j++) {
      const info = s[m.rangeSlot(mm, j, L.RS_INFO)]!;
      if ((info & L.RI_THREAD) !== t + 1) continue;
      if (s[m.rangeSlot(mm, j, L.RS_LO)]! < phi && plo < s[m.rangeSlot(mm, j, L.RS_HI)]!) {
        this.violation('recursive-lock', `${this.tn(t)} takes a range lock overlapping one it holds: the second request waits behind any queued writer${write || (info & L.RI_WRITE) ? ', and a write on either side waits for itself' : ''}`);
        break;
      }
    }
    s[m.rangeSlot(mm, n, L.RS_LO)] = plo;
    s[m.rangeSlot(mm, n, L.RS_HI)] = phi;
    s[m.rangeSlot(mm, n, L.RS_INFO)] = (t + 1) | (write ? L.RI_WRITE : 0) | (explicit ? L.RI_EXPLICIT : 0);
    if (this.rangeGrantable(s, mm, n)) {
      s[m.rangeSlot(mm, n, L.RS_INFO)]! |= L.RI_HELD;
      return true;
    }
    s[stOff] = L.WAIT_RANGE;
    return false;
  }

  /** Release the first held range slot of t that `match` accepts; false if none. */
  private rangeRelease(s: State, t: number, match: (info: number, lo: number, hi: number) => boolean): boolean {
    const m = this.m;
    const mm = this.tMm[t]!;
    const n = this.rangeCount(s, mm);
    for (let i = 0; i < n; i++) {
      const info = s[m.rangeSlot(mm, i, L.RS_INFO)]!;
      if ((info & L.RI_THREAD) !== t + 1 || (info & L.RI_HELD) === 0) continue;
      if (!match(info, this.L.rangePoints[s[m.rangeSlot(mm, i, L.RS_LO)]!]!, this.L.rangePoints[s[m.rangeSlot(mm, i, L.RS_HI)]!]!)) continue;
      for (let j = i; j < n - 1; j++) for (let k = 0; k < L.RS_SIZE; k++) s[m.rangeSlot(mm, j, k)] = s[m.rangeSlot(mm, j + 1, k)]!;
      for (let k = 0; k < L.RS_SIZE; k++) s[m.rangeSlot(mm, n - 1, k)] = 0;
      if (!this.holdsAnyRange(s, t)) this.vmaEndWriteAll(s, t);
      return true;
    }
    return false;
  }

  private holdsAnyRange(s: State, t: number): boolean {
    const mm = this.tMm[t]!;
    const n = this.rangeCount(s, mm);
    for (let i = 0; i < n; i++) if ((s[this.m.rangeSlot(mm, i, L.RS_INFO)]! & (L.RI_THREAD | L.RI_HELD)) === ((t + 1) | L.RI_HELD)) return true;
    return false;
  }

  /** Does t hold a range lock (a write one, if `write`) covering [lo, hi)? */
  private holdsRange(s: State, t: number, lo: number, hi: number, write: boolean): boolean {
    const m = this.m;
    const mm = this.tMm[t]!;
    const n = this.rangeCount(s, mm);
    const pts = this.L.rangePoints;
    for (let i = 0; i < n; i++) {
      const info = s[m.rangeSlot(mm, i, L.RS_INFO)]!;
      if ((info & L.RI_THREAD) !== t + 1 || (info & L.RI_HELD) === 0) continue;
      if (write && (info & L.RI_WRITE) === 0) continue;
      if (pts[s[m.rangeSlot(mm, i, L.RS_LO)]!]! <= lo && hi <= pts[s[m.rangeSlot(mm, i, L.RS_HI)]!]!) return true;
    }
    return false;
  }

  /** munmap's downgrade under `range`: its write range becomes a read range. */
  private rangeDowngrade(s: State, t: number): void {
    const m = this.m;
    const mm = this.tMm[t]!;
    const n = this.rangeCount(s, mm);
    for (let i = 0; i < n; i++) {
      const o = m.rangeSlot(mm, i, L.RS_INFO);
      if ((s[o]! & L.RI_THREAD) === t + 1 && (s[o]! & (L.RI_HELD | L.RI_EXPLICIT)) === L.RI_HELD) s[o]! &= ~L.RI_WRITE;
    }
    this.vmaEndWriteAll(s, t);
  }

  /**
   * The range an op locks under `range` (kernel-rules R21): the VMAs it changes and their
   * neighbours, and for munmap the 2 MiB span of every page table it may free; fork locks the
   * whole address space; a PTE-only change (wrprotect, madvise) locks its own range.
   */
  private opRange(s: State, mm: number, op: StepSpec): [number, number] {
    switch (op.op) {
      case 'mprotect':
      case 'munmap': {
        const b = this.L.bounds;
        let lo = op.start;
        let hi = op.end;
        for (const v of this.coveredVmas(s, mm, op.start, op.end)) {
          lo = Math.min(lo, b[s[this.m.vma(mm, v, L.V_START)]!]!);
          hi = Math.max(hi, b[s[this.m.vma(mm, v, L.V_END)]!]!);
        }
        // the nearest VMA on each side (a merge changes it; free_pgtables uses it as floor/ceiling)
        let prev = -1;
        let next = Infinity;
        for (let v = 0; v < this.L.nVma; v++) {
          const o = this.m.vma(mm, v, 0);
          if (s[o + L.V_STATE] !== L.VMA_LIVE) continue;
          const vs = b[s[o + L.V_START]!]!;
          const ve = b[s[o + L.V_END]!]!;
          if (ve <= lo && (prev < 0 || ve > b[s[this.m.vma(mm, prev, L.V_END)]!]!)) prev = v;
          if (vs >= hi && (next === Infinity || vs < b[s[this.m.vma(mm, next, L.V_START)]!]!)) next = v;
        }
        if (prev >= 0) lo = b[s[this.m.vma(mm, prev, L.V_START)]!]!;
        if (next !== Infinity) hi = b[s[this.m.vma(mm, next, L.V_END)]!]!;
        if (op.op === 'munmap') {
          lo = Math.min(lo, Math.floor(op.start / 0x200000) * 0x200000);
          hi = Math.max(hi, Math.ceil(op.end / 0x200000) * 0x200000);
        }
        return [lo, hi];
      }
      case 'wrprotect':
      case 'unprotect':
      case 'madvise':
        return [op.start, op.end];
      default:
        return [0, L.RANGE_TOP];
    }
  }

  // ---- per-VMA locks and SPF sequence counts ---------------------------------------------

  /** The VMAs an op write-locks (pervma) or brackets (spf). */
  private vmaWriteTargets(s: State, mm: number, ins: Instr): number[] {
    const o = ins.op;
    if (o.op === 'mprotect' || o.op === 'wrprotect' || o.op === 'munmap') return this.coveredVmas(s, mm, o.start, o.end);
    return this.coveredVmas(s, mm, 0, L.RANGE_TOP);
  }

  /** Read locks t holds on VMA slot v (explicit, and a VMA-locked fault's). */
  private ownVmaReads(s: State, t: number, v: number): number {
    const m = this.m;
    let n = this.L.nVmaReadFields > 0 ? s[m.vmaRead(t, v)]! : 0;
    if (this.L.nLocals > L_VMA && this.spec.design === 'pervma' && s[m.loc(t, L_VMA)] === v + 1) n++;
    return n;
  }

  private vmaReadDrop(s: State, t: number, v: number): void {
    const m = this.m;
    s[m.vma(this.tMm[t]!, v, L.V_READERS)]!--;
    s[m.vmaRead(t, v)]!--;
  }

  /** Have the readers of every VMA this op write-locks (other than t itself) left? */
  private vmaReadersGone(s: State, t: number, ins: Instr): boolean {
    const mm = this.tMm[t]!;
    for (const v of this.vmaWriteTargets(s, mm, ins)) if (s[this.m.vma(mm, v, L.V_READERS)]! - this.ownVmaReads(s, t, v) > 0) return false;
    return true;
  }

  /** spf: vm_write_end() on every VMA this thread bracketed. */
  private vmWriteEnd(s: State, t: number): void {
    if (this.spec.design !== 'spf') return;
    const m = this.m;
    const mm = this.tMm[t]!;
    for (let v = 0; v < this.L.nVma; v++) {
      if (s[m.vma(mm, v, L.V_WRITER)] !== t + 1) continue;
      s[m.vma(mm, v, L.V_WRITER)] = 0;
      s[m.vma(mm, v, L.V_SEQ)]!++;
    }
  }

  /**
   * Whether a VMA can be handled by VMA-locked (pervma) or speculative (spf) faults: private
   * anonymous (a shared anonymous VMA is shmem, with vm_ops), not registered with userfaultfd.
   */
  private lockless(s: State, mm: number, v: number): boolean {
    return (s[this.m.vma(mm, v, L.V_FLAGS)]! & (L.VF_FILE | L.VF_SHARED | L.VF_UFFD)) === 0;
  }

  /** vma_has_changed() negated: the snapshotted VMA is still live, unchanged and covers addr. */
  private specValid(s: State, t: number, addr: number): boolean {
    const m = this.m;
    const mm = this.tMm[t]!;
    const v = s[m.loc(t, L_VMA)]! - 1;
    const b = this.L.bounds;
    return (
      v >= 0 &&
      s[m.vma(mm, v, L.V_STATE)] === L.VMA_LIVE &&
      s[m.vma(mm, v, L.V_SEQ)] === (s[m.loc(t, L_SEQ)]! & ((1 << SPEC_PROT_SHIFT) - 1)) &&
      b[s[m.vma(mm, v, L.V_START)]!]! <= addr &&
      addr < b[s[m.vma(mm, v, L.V_END)]!]!
    );
  }

  /** A speculative fault gives up: drop what it allocated or referenced, and fall back. */
  private specAbort(s: State, t: number): void {
    const m = this.m;
    const lb = m.loc(t, 0);
    const nf = s[lb + L_NEW]! - 1;
    if (nf >= 0) this.putRef(s, t, nf);
    const old = s[lb + L_OLD]! - 1;
    if (old >= 0) this.putRef(s, t, old);
    s[lb + L_NEW] = 0;
    s[lb + L_OLD] = 0;
    s[lb + L_COPY] = 0;
    s[lb + L_DIRTY] = 0;
    s[lb + L_SEQ] = 0;
    s[lb + L_VMA] = 0;
    this.specIrqOn(s, t);
    s[lb + L_FLAGS]! &= ~LF_SPEC;
  }

  /** The split speculative steps (arm64 without RCU table freeing) disable IRQs and record the table. */
  private specIrqOff(s: State, t: number, region: number): void {
    const m = this.m;
    s[m.th(t, L.T_IRQ)] = 1;
    s[m.loc(t, L_FLAGS)]! |= LF_SPECIRQ;
    s[m.loc(t, L_TABLE)] = s[m.pt(this.tMm[t]!, region, L.PT_GEN)]! + 1;
  }

  private specIrqOn(s: State, t: number): void {
    const m = this.m;
    const fo = m.loc(t, L_FLAGS);
    if ((s[fo]! & LF_SPECIRQ) === 0) return;
    s[fo]! &= ~LF_SPECIRQ;
    s[m.loc(t, L_TABLE)] = 0;
    s[m.th(t, L.T_IRQ)] = 0;
    this.rcuQuiesce(s, t);
  }

  private ptlTake(s: State, t: number, mm: number, region: number): void {
    const m = this.m;
    const idx = this.m.ptIndex(mm, region);
    const held = s[m.th(t, L.T_PTLS)]!;
    if (held !== 0) {
      for (let a = 0; a < this.nPt; a++) {
        if (!(held & (1 << a))) continue;
        if (this.orderSeen(s, idx, a)) this.violation('lock-order', `page-table locks taken in both orders (ABBA): ${this.ptName(a)} then ${this.ptName(idx)} here, the reverse elsewhere`);
        this.orderMark(s, a, idx);
      }
    }
    s[m.pt(mm, region, L.PT_PTL)] = t + 1;
    s[m.th(t, L.T_PTLS)] = held | (1 << idx);
  }

  private ptName(idx: number): string {
    const mm = Math.floor(idx / this.L.nRegion);
    const r = idx % this.L.nRegion;
    return `ptl ${hex(this.L.regions[r]! * 0x200000)}${this.L.nMm > 1 ? ` (${this.spec.mms[mm]!.name})` : ''}`;
  }

  private orderBit(a: number, b: number): [number, number] {
    const k = a * this.nPt + b;
    return [this.L.off.global + L.G_PTL_ORDER + Math.floor(k / 31), 1 << k % 31];
  }

  private orderSeen(s: State, a: number, b: number): boolean {
    const [o, bit] = this.orderBit(a, b);
    return (s[o]! & bit) !== 0;
  }

  private orderMark(s: State, a: number, b: number): void {
    const [o, bit] = this.orderBit(a, b);
    s[o]! |= bit;
  }

  private ptlDrop(s: State, t: number, mm: number, region: number): void {
    const m = this.m;
    if (s[m.pt(mm, region, L.PT_PTL)] === t + 1) s[m.pt(mm, region, L.PT_PTL)] = 0;
    s[m.th(t, L.T_PTLS)]! &= ~(1 << m.ptIndex(mm, region));
  }

  private checkPtl(s: State, t: number, mm: number, region: number, what: string): void {
    if (s[this.m.pt(mm, region, L.PT_PTL)] !== t + 1) this.violation('pte-needs-ptl', `${what} writes a PTE without holding its page-table lock`);
  }

  /** Is a walk of the page at addr covered by the design's lock (mmap_lock or its substitute)? */
  private walkCovered(s: State, t: number, addr: number): boolean {
    const m = this.m;
    if (s[m.th(t, L.T_MMAP_R)]! > 0 || s[m.th(t, L.T_MMAP_W)] === 1) return true;
    const mm = this.tMm[t]!;
    switch (this.spec.design) {
      case 'pervma': {
        // the VMA this fault read-locked (even if an unlocked split moved addr to another VMA), or an explicit lock
        if (s[m.loc(t, L_VMA)] !== 0) return true;
        const v = m.vmaAt(s, mm, addr);
        return v >= 0 && this.ownVmaReads(s, t, v) > 0;
      }
      case 'spf':
        return (s[m.loc(t, L_FLAGS)]! & LF_SPEC) !== 0;
      case 'range':
        return this.holdsRange(s, t, addr, addr + PAGE_SIZE, false);
      default:
        return false;
    }
  }

  /** walk-needs-mmap: every tracked page the walk reads must be covered. */
  private checkWalk(s: State, t: number, what: string, pages: (p: number) => boolean): void {
    for (let p = 0; p < this.L.nPage; p++) {
      if (!pages(p) || this.walkCovered(s, t, this.L.pages[p]!)) continue;
      const sub = { classic: '', pervma: ' or a read lock on its VMA', spf: ' or speculative validation', range: ' or a range lock' }[this.spec.design];
      const lock = this.spec.design === 'range' ? 'a range lock covering it' : `mmap_lock${sub}`;
      this.violation('walk-needs-mmap', `${what} walks the page tables at ${hex(this.L.pages[p]!)} without ${lock}`);
      return;
    }
  }

  /** vma-needs-mmap-write: VMAs of [start, end) change; pervma also needs their VMA write locks, range a write range. */
  private checkVmaWrite(s: State, t: number, what: string, start: number, end: number): void {
    const m = this.m;
    const mm = this.tMm[t]!;
    if (this.spec.design === 'range') {
      // a split changes the whole VMA it splits: the write range must cover each one entirely
      const b = this.L.bounds;
      let lo = start;
      let hi = end;
      for (const v of this.coveredVmas(s, mm, start, end)) {
        lo = Math.min(lo, b[s[m.vma(mm, v, L.V_START)]!]!);
        hi = Math.max(hi, b[s[m.vma(mm, v, L.V_END)]!]!);
      }
      if (!this.holdsRange(s, t, lo, hi, true)) this.violation('vma-needs-mmap-write', `${what} modifies VMAs of ${hex(lo)}..${hex(hi)} without a write range lock covering them`);
      return;
    }
    if (s[m.th(t, L.T_MMAP_W)] !== 1) {
      this.violation('vma-needs-mmap-write', `${what} modifies VMAs while holding mmap_lock ${s[m.th(t, L.T_MMAP_R)]! > 0 ? 'only for read' : 'not at all'}`);
      return;
    }
    if (this.spec.design === 'pervma') {
      for (const v of this.coveredVmas(s, mm, start, end)) {
        if (s[m.vma(mm, v, L.V_WRITER)] === t + 1) continue;
        this.violation('vma-needs-mmap-write', `${what} modifies a VMA without vma_start_write(): faults holding its VMA read lock still use it`);
        return;
      }
    }
  }

  /**
   * Can a fault reach the PTEs of this op's pages in the region while t works on them?
   * (downgrade-needs-flush). Returns why, or undefined when faults are excluded.
   */
  private faultsCanRun(s: State, t: number, ins: Instr, region: number): string | undefined {
    const m = this.m;
    const mm = this.tMm[t]!;
    const o = ins.op;
    const inOp = (a: number): boolean => (o.op === 'mprotect' || o.op === 'wrprotect' || o.op === 'unprotect' ? a >= o.start && a < o.end : true);
    const mmapW = s[m.th(t, L.T_MMAP_W)] === 1;
    const held = `mmap_lock is held ${s[m.th(t, L.T_MMAP_R)]! > 0 ? 'only for read' : 'not for write'}`;
    const design = this.spec.design;
    if (design !== 'range' && !mmapW) return held;
    if (design === 'classic') return undefined;
    for (let p = 0; p < this.L.nPage; p++) {
      const a = this.L.pages[p]!;
      if (this.L.pageRegion[p] !== region || !inOp(a)) continue;
      if (design === 'range') {
        if (!this.holdsRange(s, t, a, a + PAGE_SIZE, true)) return `${this.holdsRange(s, t, a, a + PAGE_SIZE, false) ? 'only a read range lock' : 'no range lock of its own'} covers ${hex(a)}`;
        continue;
      }
      const v = m.vmaAt(s, mm, a);
      if (v < 0 || !this.lockless(s, mm, v)) continue;
      if (design === 'pervma' && s[m.vma(mm, v, L.V_WRITER)] !== t + 1) return `the VMA of ${hex(a)} is not write-locked (no vma_start_write), so VMA-locked faults run`;
      if (design === 'spf' && !(s[m.vma(mm, v, L.V_WRITER)] === t + 1 && (s[m.vma(mm, v, L.V_SEQ)]! & 1) === 1)) return `the VMA of ${hex(a)} is not inside vm_write_begin/end, so speculative faults run`;
    }
    return undefined;
  }

  // ---- helpers: TLB and frames -----------------------------------------------------------

  private cpuInMm(c: number, mm: number): boolean {
    return this.L.cpuMm[c] === mm;
  }

  private flushPages(s: State, mm: number, pages: (p: number) => boolean, onlyCpu = -1): void {
    const m = this.m;
    const size = this.L.off.tlbEntrySize;
    for (let c = 0; c < this.L.nCpu; c++) {
      if (onlyCpu >= 0 ? c !== onlyCpu : !this.cpuInMm(c, mm)) continue;
      for (let p = 0; p < this.L.nPage; p++) {
        if (!pages(p)) continue;
        const o = m.tlb(c, p);
        for (let k = 0; k < size; k++) s[o + k] = 0;
      }
    }
  }

  private flushRange(s: State, mm: number, start: number, end: number): void {
    const pg = this.L.pages;
    this.flushPages(s, mm, (p) => pg[p]! >= start && pg[p]! < end);
  }

  private tagBitOf(t: number, step: number): number {
    return this.L.tagBit[t]![step]!;
  }

  /**
   * Mark TLB entries for (mm, p) that are more permissive than `pte` as stale because of the
   * current op. With `oldPte`, only entries this change makes stale: one that was already more
   * permissive than the old PTE keeps the blame of the op that made it so.
   */
  private tagStale(s: State, mm: number, p: number, pte: number, oldPte?: number): void {
    const bit = this.tagBitOf(this.curThread, this.curStep0);
    if (bit < 0) return;
    const m = this.m;
    const w = Math.floor(bit / L.TAG_BITS_PER_WORD);
    const mask = 1 << bit % L.TAG_BITS_PER_WORD;
    const staleFor = (e: number, x: number): boolean => (x & F) === 0 || (x & L.PTE_PROTNONE) !== 0 || (e & F) !== (x & F) || ((e & L.PTE_W) !== 0 && (x & L.PTE_W) === 0);
    for (let c = 0; c < this.L.nCpu; c++) {
      if (!this.cpuInMm(c, mm)) continue;
      const o = m.tlb(c, p);
      const e = s[o]!;
      if ((e & F) === 0) continue;
      if (staleFor(e, pte) && (oldPte === undefined || !staleFor(e, oldPte))) s[o + 2 + w]! |= mask;
    }
  }

  private frameFlags(s: State, f: number): number {
    return s[this.m.fr(f, L.F_FLAGS)]!;
  }

  private getRef(s: State, f: number, pin = false): void {
    if (f === this.L.zeroFrame) return;
    s[this.m.fr(f, L.F_REFS)]!++;
    if (pin) s[this.m.fr(f, L.F_PINS)]!++;
  }

  private putRef(s: State, t: number, f: number, pin = false): void {
    const m = this.m;
    if (f === this.L.zeroFrame) return;
    const r = --s[m.fr(f, L.F_REFS)]!;
    if (pin && s[m.fr(f, L.F_PINS)]! > 0) s[m.fr(f, L.F_PINS)]!--;
    if (r > 0 || (this.frameFlags(s, f) & L.FR_FREED) !== 0) return;
    s[m.fr(f, L.F_FLAGS)]! |= L.FR_FREED;
    s[m.fr(f, L.F_FLAGS)]! &= ~L.FR_EXCL;
    for (let c = 0; c < this.L.nCpu; c++) {
      for (let p = 0; p < this.L.nPage; p++) {
        if ((s[m.tlb(c, p)]! & F) === f + 1) {
          this.violation('free-before-flush', `frame ${m.frameName(f)} is freed while cpu${c} still caches a translation of ${hex(this.L.pages[p]!)} to it`);
          return;
        }
      }
    }
    void t;
  }

  private storeOrigin(t: number, step: number): number {
    return t * 4096 + step + 1;
  }

  private decodeOrigin(o: number): Place {
    return { thread: Math.floor((o - 1) / 4096), step: (o - 1) % 4096 };
  }

  private opReturned(s: State, bit: number): boolean {
    const op = this.L.tagOps[bit]!;
    return this.curStep(s, op.thread) > op.step;
  }

  private isWpOp(o: StepSpec): boolean {
    return o.op === 'mprotect' || o.op === 'wrprotect' || o.op === 'fork';
  }

  /** A store through a TLB entry: report stale-entry races from its tags. */
  private checkStaleEntry(s: State, t: number, c: number, p: number, f: number): void {
    const m = this.m;
    const o = m.tlb(c, p);
    let lost: Place | undefined;
    let wp: Place | undefined;
    let initialLost = false;
    let initialWp = false;
    for (let w = 0; w < this.L.tagWords; w++) {
      const word = s[o + 2 + w]!;
      if (word === 0) continue;
      if (w === 0) {
        if (word & L.TAG_INITIAL_REMOVAL) initialLost = true;
        if (word & L.TAG_INITIAL_WP) initialWp = true;
      }
      for (let b = 0; b < L.TAG_BITS_PER_WORD; b++) {
        if (!(word & (1 << b))) continue;
        const bit = w * L.TAG_BITS_PER_WORD + b;
        if (bit >= this.L.tagOps.length || !this.opReturned(s, bit)) continue;
        const op = this.L.tagOps[bit]!;
        const spec = this.spec.threads[op.thread]!.steps[op.step]!;
        if (this.isWpOp(spec)) wp ??= { thread: op.thread, step: op.step };
        else lost ??= { thread: op.thread, step: op.step };
      }
    }
    if (!lost && !wp && !initialLost && !initialWp) return;
    const a = hex(this.L.pages[p]!);
    const fn = m.frameName(f);
    if (lost) this.race('lost-write', `the store to ${a} by ${this.tn(t)} lands in frame ${fn} through a stale TLB entry on cpu${c}, after ${this.opName(lost)} had removed ${fn} from ${a} and returned: the value is lost`, this.cur, [lost]);
    else if (initialLost) this.race('lost-write', `the store to ${a} by ${this.tn(t)} lands in frame ${fn} through a stale TLB entry on cpu${c} that no longer matches the PTE: the value is lost`);
    if (wp) this.race('stale-tlb-write', `the store to ${a} by ${this.tn(t)} goes through a writable TLB entry on cpu${c} cached before ${this.opName(wp)} removed write permission, after it returned`, this.cur, [wp]);
    else if (initialWp) this.race('stale-tlb-write', `the store to ${a} by ${this.tn(t)} goes through a writable TLB entry on cpu${c} over a read-only PTE`);
  }

  /** A write lands on frame f: through (mm, p) for a store, or through a reference for kwrite. */
  private landWrite(s: State, t: number, f: number, mm: number, p: number, valueIdx: number, isStore: boolean): void {
    const m = this.m;
    const flags = this.frameFlags(s, f);
    const what = (): string => (isStore ? `the store to ${p >= 0 ? hex(this.L.pages[p]!) : '?'} by ${this.tn(t)}` : `the kernel write by ${this.tn(t)}`);
    if (flags & L.FR_FREED) this.race('use-after-free', `${what()} lands in frame ${m.frameName(f)}, which was freed`);
    if (flags & L.FR_RDONLY) this.race('write-to-readonly', `${what()} lands in frame ${m.frameName(f)}, a page-cache page of a file the process may not write`);
    if ((flags & (L.FR_CACHE | L.FR_ZERO | L.FR_FREED)) === 0 && (flags & (L.FR_SHARED | L.FR_INITSHARED) || this.anySharedBy(s, f))) {
      const other = this.otherMmReach(s, f, mm);
      if (other !== undefined && this.sharedByReturnedFork(s, f)) {
        this.race('cow-isolation', `${what()} lands in frame ${m.frameName(f)}, which ${other} can still reach after the fork that shared it returned: the other process sees this write`);
      }
    }
    if (isStore) {
      const origin = this.storeOrigin(t, this.curStep0);
      for (let u = 0; u < this.L.nThread; u++) {
        if (s[m.loc(u, L_COPY)] !== 1 || s[m.loc(u, L_OLD)] !== f + 1 || this.tMm[u] !== mm) continue;
        const ui = this.instr(s, u);
        if (!ui || ui.page !== p) continue;
        if (s[m.loc(u, L_DIRTY)] === 0) s[m.loc(u, L_DIRTY)] = origin;
      }
    }
    s[m.fr(f, L.F_VALUE)] = valueIdx;
  }

  private otherMmReach(s: State, f: number, mm: number): string | undefined {
    const m = this.m;
    if (this.frameFlags(s, f) & L.FR_SHARED) return 'another (unmodelled) process';
    for (let o = 0; o < this.L.nMm; o++) {
      if (o === mm || s[m.mm(o, L.M_EXISTS)] === 0) continue;
      for (let p = 0; p < this.L.nPage; p++) if ((s[m.pte(o, p)]! & F) === f + 1) return `mm ${this.spec.mms[o]!.name} (mapping ${hex(this.L.pages[p]!)})`;
    }
    for (let u = 0; u < this.L.nThread; u++) {
      if (this.tMm[u] === mm) continue;
      for (let r = 0; r < this.L.nRefs; r++) if (s[m.ref(u, r, R_FRAME)] === f + 1) return `thread ${this.tn(u)} of mm ${this.spec.mms[this.tMm[u]!]!.name} (through its page reference)`;
    }
    return undefined;
  }

  private anySharedBy(s: State, f: number): boolean {
    const o = this.m.fr(f, L.F_SHAREDBY);
    for (let w = 0; w < this.L.tagWords; w++) if (s[o + w] !== 0) return true;
    return false;
  }

  private sharedByReturnedFork(s: State, f: number): boolean {
    const fl = this.frameFlags(s, f);
    if (fl & (L.FR_SHARED | L.FR_INITSHARED)) return true;
    const o = this.m.fr(f, L.F_SHAREDBY);
    for (let w = 0; w < this.L.tagWords; w++) {
      const word = s[o + w]!;
      for (let b = 0; b < L.TAG_BITS_PER_WORD; b++) if (word & (1 << b) && this.opReturned(s, w * L.TAG_BITS_PER_WORD + b)) return true;
    }
    return false;
  }

  private readFrame(s: State, t: number, f: number, what: string): number {
    if (this.frameFlags(s, f) & L.FR_FREED) this.race('use-after-free', `${what} by ${this.tn(t)} reads frame ${this.m.frameName(f)}, which was freed`);
    return s[this.m.fr(f, L.F_VALUE)]!;
  }

  /** A present PTE at (mm, p) now maps `f`: pins taken there on another frame are incoherent. */
  private checkPins(s: State, mm: number, p: number, f: number): void {
    const m = this.m;
    for (let u = 0; u < this.L.nThread; u++) {
      if (this.tMm[u] !== mm) continue;
      for (let r = 0; r < this.L.nRefs; r++) {
        const rf = s[m.ref(u, r, R_FRAME)]!;
        if (rf === 0 || s[m.ref(u, r, R_PIN)] !== 1 || s[m.ref(u, r, R_PAGE)] !== p + 1 || rf === f + 1) continue;
        this.race(
          'gup-incoherent',
          `${hex(this.L.pages[p]!)} now maps frame ${m.frameName(f)}, but ${this.tn(u)}'s pin '${this.spec.threads[u]!.refs[r]}' holds frame ${m.frameName(rf - 1)}: DMA and the process disagree`,
        );
      }
    }
  }

  private setPte(s: State, t: number, mm: number, p: number, region: number, pte: number, what: string): void {
    this.checkPtl(s, t, mm, region, what);
    this.tagStale(s, mm, p, pte, s[this.m.pte(mm, p)]!);
    s[this.m.pte(mm, p)] = pte;
  }

  /** The VMA protection a fault works with: a speculative fault's snapshot, else the VMA's now (0 if none). */
  private faultProt(s: State, t: number, mm: number, addr: number): number {
    const lb = this.m.loc(t, 0);
    if ((s[lb + L_FLAGS]! & LF_SPEC) !== 0) return (s[lb + L_SEQ]! >> SPEC_PROT_SHIFT) - 1;
    return this.vmaFlagsAt(s, mm, addr)?.prot ?? 0;
  }

  private vmaFlagsAt(s: State, mm: number, addr: number): { v: number; prot: number; flags: number } | undefined {
    const v = this.m.vmaAt(s, mm, addr);
    if (v < 0) return undefined;
    return { v, prot: s[this.m.vma(mm, v, L.V_PROT)]!, flags: s[this.m.vma(mm, v, L.V_FLAGS)]! };
  }

  /** Whether the fault running now (fault path of any context) is a write fault. */
  private isWrite(s: State, t: number, ins: Instr): boolean {
    if (ins.ctx === 'gup') return ins.op.op === 'gup' && ins.op.write && (s[this.m.loc(t, L_FLAGS)]! & LF_NOWRITE) === 0;
    return (ins.arg & 1) === 1;
  }

  /** A write fault completed with VM_FAULT_WRITE: GUP on a read-only VMA sets FOLL_COW (or drops FOLL_WRITE before 2016). */
  private faultWrote(s: State, t: number, ins: Instr, vmaProt: number): void {
    if (ins.ctx !== 'gup' || ins.op.op !== 'gup' || vmaProt === 2) return;
    const fo = this.m.loc(t, L_FLAGS);
    s[fo]! |= ins.op.retry === 'drop-write' ? LF_NOWRITE : LF_COW;
  }

  private zapForceFlush(s: State, t: number, ins: Instr): boolean {
    // a dirty page of a shared file mapping is flushed before the PTL is dropped
    const o = ins.op;
    if (o.op !== 'munmap' && o.op !== 'madvise') return false;
    const mm = this.tMm[t]!;
    for (let p = 0; p < this.L.nPage; p++) {
      if (this.L.pageRegion[p] !== ins.region) continue;
      const a = this.L.pages[p]!;
      if (a < o.start || a >= o.end) continue;
      const pte = s[this.m.pte(mm, p)]!;
      if ((pte & F) === 0 || (pte & L.PTE_DIRTY) === 0) continue;
      const f = (pte & F) - 1;
      if ((this.frameFlags(s, f) & L.FR_CACHE) === 0) continue;
      const v = this.vmaFlagsAnyState(s, mm, a);
      if (v !== undefined && (v & L.VF_SHARED) !== 0) return true;
    }
    return false;
  }

  private vmaFlagsAnyState(s: State, mm: number, addr: number): number | undefined {
    const b = this.L.bounds;
    for (let v = 0; v < this.L.nVma; v++) {
      const o = this.m.vma(mm, v, 0);
      const st = s[o + L.V_STATE]!;
      if (st === L.VMA_FREE || st === L.VMA_GONE) continue;
      if (b[s[o + L.V_START]!]! <= addr && addr < b[s[o + L.V_END]!]!) return s[o + L.V_FLAGS]!;
    }
    return undefined;
  }

  private tlbFinishNeedsFlush(s: State, t: number, ins: Instr): boolean {
    const fl = s[this.m.loc(t, L_FLAGS)]!;
    return (fl & (LF_CLEARED | LF_TABLES)) !== 0 || this.nestedFlush(s, t, ins);
  }

  /** tlb_finish_mmu(): mm_tlb_flush_nested() forces a flush (99baac21e458), unless modelled away. */
  private nestedFlush(s: State, t: number, ins: Instr): boolean {
    const o = ins.op;
    if (o.op === 'madvise' && o.nested === 'ignore') return false;
    return s[this.m.mm(this.tMm[t]!, L.M_PENDING)]! > 1;
  }

  private forkChild(ins: Instr): number {
    const o = ins.op;
    return o.op === 'fork' && o.child !== undefined ? o.child : 0;
  }

  // ---- VMAs ------------------------------------------------------------------------------

  private allocVma(s: State, mm: number): number {
    for (let v = 0; v < this.L.nVma; v++) if (s[this.m.vma(mm, v, L.V_STATE)] === L.VMA_FREE) return v;
    throw new Error('VMA slots exhausted');
  }

  /** Split live VMAs of mm at boundary index bi (an address strictly inside one). */
  private splitAt(s: State, mm: number, bi: number): void {
    const m = this.m;
    for (let v = 0; v < this.L.nVma; v++) {
      const o = m.vma(mm, v, 0);
      if (s[o + L.V_STATE] !== L.VMA_LIVE) continue;
      if (s[o + L.V_START]! < bi && bi < s[o + L.V_END]!) {
        const n = this.allocVma(s, mm);
        const no = m.vma(mm, n, 0);
        for (let k = 0; k < L.V_SIZE; k++) s[no + k] = s[o + k]!;
        s[no + L.V_READERS] = 0; // a new vm_area_struct: its read lock is its own
        s[o + L.V_END] = bi;
        s[no + L.V_START] = bi;
        return;
      }
    }
  }

  private coveredVmas(s: State, mm: number, start: number, end: number): number[] {
    const m = this.m;
    const b = this.L.bounds;
    const out: number[] = [];
    for (let v = 0; v < this.L.nVma; v++) {
      const o = m.vma(mm, v, 0);
      if (s[o + L.V_STATE] !== L.VMA_LIVE) continue;
      if (b[s[o + L.V_START]!]! < end && start < b[s[o + L.V_END]!]!) out.push(v);
    }
    return out.sort((x, y) => s[m.vma(mm, x, L.V_START)]! - s[m.vma(mm, y, L.V_START)]!);
  }

  /** Whether live VMAs cover [start, end) without holes. */
  private fullyCovered(s: State, mm: number, start: number, end: number): boolean {
    const b = this.L.bounds;
    let at = start;
    for (const v of this.coveredVmas(s, mm, start, end)) {
      const vs = b[s[this.m.vma(mm, v, L.V_START)]!]!;
      if (vs > at) return false;
      at = Math.max(at, b[s[this.m.vma(mm, v, L.V_END)]!]!);
    }
    return at >= end;
  }

  // ---- thread exit -----------------------------------------------------------------------

  private threadExit(s: State, t: number): void {
    const m = this.m;
    const mm = this.tMm[t]!;
    const acquiredBy = (kind: string, match: (i: Instr) => boolean): Place => {
      const ins = this.programs[t]!.instrs;
      for (let i = ins.length - 1; i >= 0; i--) if (ins[i]!.kind === kind && match(ins[i]!)) return { thread: t, step: ins[i]!.step };
      return { thread: t, step: Math.max(0, this.spec.threads[t]!.steps.length - 1) };
    };
    if (s[m.th(t, L.T_MMAP_W)] === 1 || s[m.th(t, L.T_MMAP_R)]! > 0) {
      this.violation('lock-held-at-exit', `${this.tn(t)} ends holding mmap_lock`, acquiredBy('lock-mmap', () => true));
      while (s[m.th(t, L.T_MMAP_R)]! > 0 || s[m.th(t, L.T_MMAP_W)] === 1) this.mmapRelease(s, t);
    }
    const ptls = s[m.th(t, L.T_PTLS)]!;
    if (ptls !== 0) {
      for (let r = 0; r < this.L.nRegion; r++) {
        if (!(ptls & (1 << m.ptIndex(mm, r)))) continue;
        this.violation('lock-held-at-exit', `${this.tn(t)} ends holding ${this.ptName(m.ptIndex(mm, r))}`, acquiredBy('lock-ptl', (i) => i.region === r));
      }
    }
    if (m.holdsVmaRead(s, t)) {
      this.violation('lock-held-at-exit', `${this.tn(t)} ends holding a VMA read lock`, acquiredBy('lock-vma', () => true));
      for (let v = 0; v < this.L.nVma; v++) while (s[m.vmaRead(t, v)]! > 0) this.vmaReadDrop(s, t, v);
    }
    if (this.spec.design === 'range') {
      let reported = false;
      while (this.rangeRelease(s, t, () => true)) {
        if (!reported) this.violation('lock-held-at-exit', `${this.tn(t)} ends holding a range lock`, acquiredBy('lock-range', () => true));
        reported = true;
      }
    }
    if (s[m.th(t, L.T_IRQ)] === 1) {
      // returning to user space with IRQs off is not modelled as a lock; re-enable them
      s[m.th(t, L.T_IRQ)] = 0;
      this.rcuQuiesce(s, t);
    }
  }

  /** A CPU left an IRQs-off section: RCU-deferred page tables it could see may now be freed. */
  private rcuQuiesce(s: State, t: number): void {
    const m = this.m;
    const bit = 1 << this.tCpu[t]!;
    for (let mm = 0; mm < this.L.nMm; mm++) {
      for (let r = 0; r < this.L.nRegion; r++) {
        if (s[m.pt(mm, r, L.PT_OLD)] !== L.OLD_RCU) continue;
        const o = m.pt(mm, r, L.PT_RCUMASK);
        s[o]! &= ~bit;
        if (s[o] === 0) s[m.pt(mm, r, L.PT_OLD)] = L.OLD_FREED;
      }
    }
  }

  // ---- the micro-steps -------------------------------------------------------------------

  /** Execute one micro-step; returns the next pc (END, SEGV or an index), or undefined to stay. */
  private exec(s: State, t: number, ins: Instr): number | undefined {
    const m = this.m;
    const mm = this.tMm[t]!;
    const cpu = this.tCpu[t]!;
    const p = ins.page;
    const addr = p >= 0 ? this.L.pages[p]! : 0;
    const lb = m.loc(t, 0); // this thread's op-local registers
    switch (ins.code) {
      // ---- user accesses ----
      case K['user-store']:
      case K['user-load']: {
        const isStore = ins.code === K['user-store'];
        const o = m.tlb(cpu, p);
        const e = s[o]!;
        if ((e & F) !== 0 && (!isStore || (e & L.PTE_W) !== 0)) {
          const f = (e & F) - 1;
          if (isStore) {
            this.checkStaleEntry(s, t, cpu, p, f);
            this.landWrite(s, t, f, mm, p, m.valueIndex((ins.op as { value: number }).value), true);
          } else this.loadInto(s, t, ins, f);
          return ins.next;
        }
        if ((e & F) !== 0) {
          // x86 drops a TLB entry that caused a page fault
          const size = this.L.off.tlbEntrySize;
          for (let k = 0; k < size; k++) s[o + k] = 0;
        }
        const pte = s[m.pte(mm, p)]!;
        const ptPresent = s[m.pt(mm, this.L.pageRegion[p]!, L.PT_STATE)] === L.PT_PRESENT;
        if (ptPresent && (pte & F) !== 0 && (pte & L.PTE_PROTNONE) === 0 && (!isStore || (pte & L.PTE_W) !== 0)) {
          const f = (pte & F) - 1;
          s[o] = (pte & F) | (pte & L.PTE_W);
          if (isStore) this.landWrite(s, t, f, mm, p, m.valueIndex((ins.op as { value: number }).value), true);
          else this.loadInto(s, t, ins, f);
          return ins.next;
        }
        return ins.jumps['fault'];
      }

      // ---- fault path ----
      case K['fault-enter']: {
        if (!ins.inheritMmap && !this.opLockAcquire(s, t, false, addr, addr + PAGE_SIZE)) return undefined;
        const v = this.vmaFlagsAt(s, mm, addr);
        const write = (ins.arg & 1) === 1;
        const bad = !v || (write ? v.prot !== 2 : v.prot === 0);
        if (bad) {
          if (!ins.inheritMmap) this.opLockRelease(s, t);
          return ins.jumps['segv'];
        }
        return ins.next;
      }
      case K['vma-read-try']: {
        // lock_vma_under_rcu(): fails on a missing, write-locked, non-anonymous or uffd VMA;
        // access_error() then also sends the fault to the mmap_lock path
        const v = m.vmaAt(s, mm, addr);
        if (v < 0 || !this.lockless(s, mm, v) || s[m.vma(mm, v, L.V_WRITER)] !== 0) return ins.jumps['fallback'];
        const prot = s[m.vma(mm, v, L.V_PROT)]!;
        if ((ins.arg & 1) === 1 ? prot !== 2 : prot === 0) return ins.jumps['fallback'];
        s[m.vma(mm, v, L.V_READERS)]!++;
        s[lb + L_VMA] = v + 1;
        return ins.next;
      }
      case K['vma-read-unlock']: {
        const v = s[lb + L_VMA]! - 1;
        if (v >= 0) s[m.vma(mm, v, L.V_READERS)]!--;
        s[lb + L_VMA] = 0;
        return ins.next;
      }
      case K['spf-begin']: {
        // the VMA is found under SRCU with no lock; its sequence count is snapshotted
        const v = m.vmaAt(s, mm, addr);
        if (v < 0 || !this.lockless(s, mm, v)) return ins.jumps['fallback'];
        const prot = s[m.vma(mm, v, L.V_PROT)]!;
        if ((ins.arg & 1) === 1 ? prot !== 2 : prot === 0) return ins.jumps['fallback'];
        const seq = s[m.vma(mm, v, L.V_SEQ)]!;
        if (seq & 1) return ins.jumps['fallback'];
        // the speculative fault works from a copy of the VMA's flags (vmf->vma_flags, vma_page_prot)
        s[lb + L_SEQ] = seq | ((prot + 1) << SPEC_PROT_SHIFT);
        s[lb + L_VMA] = v + 1;
        s[lb + L_FLAGS]! |= LF_SPEC;
        return ins.next;
      }
      case K['spf-walk']: {
        const region = this.L.pageRegion[p]!;
        if (s[m.pt(mm, region, L.PT_STATE)] !== L.PT_PRESENT) {
          this.specAbort(s, t);
          return ins.jumps['fallback'];
        }
        this.specIrqOff(s, t, region);
        return ins.next;
      }
      case K['spf-validate']: {
        const region = this.L.pageRegion[p]!;
        if (!this.specValid(s, t, addr) || s[m.pt(mm, region, L.PT_STATE)] !== L.PT_PRESENT) {
          this.specAbort(s, t);
          return ins.jumps['fallback'];
        }
        this.specIrqOff(s, t, region);
        return ins.next;
      }
      case K['spf-ptl-lock']: {
        const region = ins.region >= 0 ? ins.region : this.L.pageRegion[p]!;
        // arm64 without RCU table freeing: the table read in spf-validate may be gone
        if ((s[lb + L_FLAGS]! & LF_SPECIRQ) !== 0 && !this.tableValid(s, t, mm, region, 'the speculative fault (pte_map_lock)')) {
          this.specAbort(s, t);
          return ins.jumps['fallback'];
        }
        // pte_map_lock(): spin_trylock(); a contended PTL aborts the speculative fault
        if (s[m.pt(mm, region, L.PT_PTL)] !== 0) {
          this.specAbort(s, t);
          return ins.jumps['fallback'];
        }
        this.specIrqOn(s, t);
        this.ptlTake(s, t, mm, region);
        // with the PTL held, the VMA must be unchanged since the snapshot
        if (this.specValid(s, t, addr)) return ins.next;
        this.ptlDrop(s, t, mm, region);
        this.specAbort(s, t);
        return ins.jumps['fallback'];
      }
      case K['spf-end']:
        s[lb + L_FLAGS]! &= ~LF_SPEC;
        s[lb + L_VMA] = 0;
        s[lb + L_SEQ] = 0;
        return ins.next;
      case K['pte-read']: {
        const region = this.L.pageRegion[p]!;
        if ((s[lb + L_FLAGS]! & LF_SPECIRQ) !== 0) {
          // arm64 without RCU table freeing: the table read by spf-walk may have been freed since
          if (!this.tableValid(s, t, mm, region, 'the speculative fault')) {
            this.specAbort(s, t);
            return ins.jumps['fallback'];
          }
          this.specIrqOn(s, t);
        }
        if ((s[lb + L_FLAGS]! & LF_SPEC) !== 0) {
          // the speculative path does not allocate page tables; the VMA it snapshotted may be gone
          const sv = this.vmaFlagsAt(s, mm, addr);
          if (s[m.pt(mm, region, L.PT_STATE)] !== L.PT_PRESENT || !sv || (sv.flags & L.VF_FILE) !== 0) {
            this.specAbort(s, t);
            return ins.jumps['fallback'];
          }
        }
        this.checkWalk(s, t, 'the fault', (q) => q === p);
        if (s[m.pt(mm, region, L.PT_STATE)] !== L.PT_PRESENT) s[m.pt(mm, region, L.PT_STATE)] = L.PT_PRESENT; // pte_alloc()
        const pte = s[m.pte(mm, p)]!;
        s[lb + L_ORIG] = pte;
        if ((pte & F) !== 0) return ins.jumps['present'];
        const v = this.vmaFlagsAt(s, mm, addr);
        if (!v) return ins.jumps['present']; // cannot happen under mmap_lock
        const write = this.isWrite(s, t, ins);
        if ((v.flags & L.VF_FILE) === 0) {
          if (write) {
            this.checkSleep(s, t, 'alloc_zeroed_user_highpage_movable()');
            s[lb + L_NEW] = this.alloc(s) + 1;
            s[lb + L_AUX] = FILL_NEW;
          } else s[lb + L_AUX] = FILL_ZERO;
          return ins.jumps['anon'];
        }
        const cf = this.L.cacheFrame[mm]![p]!;
        if (cf < 0) return ins.jumps['present'];
        this.getRef(s, cf);
        s[lb + L_OLD] = cf + 1;
        if (!write) {
          s[lb + L_AUX] = FILL_CACHE;
          return ins.jumps['anon'];
        }
        if (v.flags & L.VF_SHARED) {
          s[lb + L_AUX] = FILL_SHARED;
          return ins.jumps['anon'];
        }
        this.checkSleep(s, t, 'alloc_page_vma()');
        s[lb + L_NEW] = this.alloc(s) + 1;
        s[lb + L_AUX] = FILL_COW;
        return ins.jumps['fileCow'];
      }
      case K['ptl-lock']: {
        const region = ins.region >= 0 ? ins.region : this.L.pageRegion[p]!;
        this.ptlTake(s, t, mm, region);
        return ins.next;
      }
      case K['cow-file-copy']: {
        const src = s[lb + L_OLD]! - 1;
        const dst = s[lb + L_NEW]! - 1;
        s[m.fr(dst, L.F_VALUE)] = this.readFrame(s, t, src, 'the copy of the page-cache page');
        return ins.next;
      }
      case K['fill-pte']: {
        const region = this.L.pageRegion[p]!;
        const pte = s[m.pte(mm, p)]!;
        const mode = s[lb + L_AUX]!;
        const newF = s[lb + L_NEW]! - 1;
        const cache = s[lb + L_OLD]! - 1;
        const vmaW = this.faultProt(s, t, mm, addr) === 2;
        if ((pte & F) !== 0) {
          // someone else filled it: discard
          if (newF >= 0) this.putRef(s, t, newF);
          if (cache >= 0) this.putRef(s, t, cache);
        } else {
          let np = 0;
          switch (mode) {
            case FILL_ZERO:
              np = this.L.zeroFrame + 1;
              break;
            case FILL_NEW:
              np = (newF + 1) | (vmaW ? L.PTE_W | L.PTE_DIRTY : 0);
              break;
            case FILL_CACHE:
              np = cache + 1;
              break;
            case FILL_SHARED:
              np = (cache + 1) | (this.isWrite(s, t, ins) && vmaW ? L.PTE_W | L.PTE_DIRTY : 0);
              break;
            case FILL_COW:
              np = (newF + 1) | L.PTE_DIRTY | (vmaW ? L.PTE_W : 0);
              this.putRef(s, t, cache);
              break;
          }
          this.setPte(s, t, mm, p, region, np, 'the fault');
        }
        s[lb + L_NEW] = 0;
        s[lb + L_OLD] = 0;
        if (!ins.inheritPtl) this.ptlDrop(s, t, mm, region);
        return ins.next;
      }
      case K['handle-pte']: {
        const region = this.L.pageRegion[p]!;
        const pte = s[m.pte(mm, p)]!;
        const unlock = (): void => {
          if (!ins.inheritPtl) this.ptlDrop(s, t, mm, region);
        };
        if (pte !== s[lb + L_ORIG] || (pte & F) === 0) {
          unlock();
          return ins.next; // pte_same failed: the access retries
        }
        const write = this.isWrite(s, t, ins);
        if (!write || (pte & L.PTE_W) !== 0) {
          if (write) s[m.pte(mm, p)] = pte | L.PTE_DIRTY;
          unlock();
          return ins.next; // spurious
        }
        const v = this.vmaFlagsAt(s, mm, addr);
        if (v && (v.flags & L.VF_UFFD) !== 0 && (pte & L.PTE_UFFD) !== 0) {
          unlock();
          return ins.jumps['uffd'];
        }
        if ((ins.arg & 4) !== 0 && s[m.mm(mm, L.M_PENDING)]! > 0) return ins.jumps['flush'];
        return this.wpDecide(s, t, ins, this.faultProt(s, t, mm, addr), v?.flags ?? 0);
      }
      case K['wp-flush-pending']: {
        this.flushPages(s, mm, (q) => q === p);
        const v = this.vmaFlagsAt(s, mm, addr);
        return this.wpDecide(s, t, ins, this.faultProt(s, t, mm, addr), v?.flags ?? 0);
      }
      case K['cow-copy']: {
        if ((ins.arg & 8) === 0) this.checkSleep(s, t, 'wp_page_copy()');
        const newF = this.alloc(s);
        const old = s[lb + L_OLD]! - 1;
        if (old >= 0 && old !== this.L.zeroFrame) {
          s[m.fr(newF, L.F_VALUE)] = this.readFrame(s, t, old, 'the COW copy');
          s[lb + L_COPY] = 1;
        }
        s[lb + L_NEW] = newF + 1;
        s[lb + L_DIRTY] = 0;
        return ins.next;
      }
      case K['cow-install']: {
        const region = this.L.pageRegion[p]!;
        const pte = s[m.pte(mm, p)]!;
        const newF = s[lb + L_NEW]! - 1;
        const old = (pte & F) - 1;
        if (pte === s[lb + L_ORIG] && (pte & F) !== 0) {
          // ptep_clear_flush_notify: clear and flush every CPU, under the PTL
          this.checkPtl(s, t, mm, region, 'wp_page_copy()');
          s[m.pte(mm, p)] = 0;
          this.flushPages(s, mm, (q) => q === p);
          const dirty = s[lb + L_DIRTY]!;
          if (dirty !== 0) {
            const store = this.decodeOrigin(dirty);
            this.race(
              'lost-write',
              `the store to ${hex(addr)} by ${this.tn(store.thread)} landed in frame ${m.frameName(old)} after ${this.tn(t)}'s COW fault had copied it; the copy ${m.frameName(newF)} now replaces it at ${hex(addr)}: the value is lost`,
              store,
              [this.cur],
            );
          }
          const prot = this.faultProt(s, t, mm, addr);
          const np = (newF + 1) | L.PTE_DIRTY | (prot === 2 ? L.PTE_W : 0);
          this.checkPins(s, mm, p, newF);
          this.tagStale(s, mm, p, np);
          s[m.pte(mm, p)] = np;
          if (old !== this.L.zeroFrame) this.putRef(s, t, old);
          s[lb + L_NEW] = 0;
          this.faultWrote(s, t, ins, prot);
        } else {
          this.putRef(s, t, newF);
          s[lb + L_NEW] = 0;
        }
        s[lb + L_COPY] = 0;
        s[lb + L_DIRTY] = 0;
        if (!ins.inheritPtl) this.ptlDrop(s, t, mm, region);
        return ins.next;
      }
      case K['cow-put-old']: {
        const old = s[lb + L_OLD]! - 1;
        if (old >= 0) this.putRef(s, t, old);
        s[lb + L_OLD] = 0;
        return ins.next;
      }
      case K['fault-exit']:
        if (!ins.inheritMmap) this.opLockRelease(s, t);
        return ins.next;
      case K['uffd-wait']:
        if (!ins.inheritMmap) this.opLockRelease(s, t);
        this.checkSleep(s, t, 'handle_userfault()');
        s[m.th(t, L.T_STATUS)] = L.WAIT_UFFD;
        return ins.next;

      // ---- GUP ----
      case K['gup-enter']: {
        if (!ins.inheritMmap && !this.opLockAcquire(s, t, false, addr, addr + PAGE_SIZE)) return undefined;
        const o = ins.op;
        if (o.op !== 'gup') return ins.next;
        const v = this.vmaFlagsAt(s, mm, addr);
        const write = o.write && (s[lb + L_FLAGS]! & LF_NOWRITE) === 0;
        let ok = v !== undefined;
        if (v && write && v.prot !== 2) ok = o.force && (v.flags & L.VF_SHARED) === 0;
        if (v && !write && v.prot === 0) ok = o.force;
        return ok ? ins.next : ins.jumps['efault'];
      }
      case K['gup-follow']: {
        this.checkWalk(s, t, 'get_user_pages()', (q) => q === p);
        const region = this.L.pageRegion[p]!;
        const o = ins.op;
        const pte = s[m.pte(mm, p)]!;
        const unlock = (): void => {
          if (!ins.inheritPtl) this.ptlDrop(s, t, mm, region);
        };
        if (o.op !== 'gup' || (pte & F) === 0 || (pte & L.PTE_PROTNONE) !== 0) {
          unlock();
          return ins.jumps['fault'];
        }
        const fl = s[lb + L_FLAGS]!;
        const write = o.write && (fl & LF_NOWRITE) === 0;
        const f = (pte & F) - 1;
        if (write && (pte & L.PTE_W) === 0) {
          // can_follow_write_pte(): before 19be0eaffa3a only a writable PTE (the retry then drops
          // FOLL_WRITE); until 5.19 FOLL_FORCE+FOLL_COW on a dirty PTE; since 5535be309971 an
          // exclusive anonymous page
          const canFollow =
            o.retry === 'drop-write'
              ? false
              : this.spec.reuse === 'exclusive'
                ? o.force && (this.frameFlags(s, f) & (L.FR_EXCL | L.FR_CACHE)) === L.FR_EXCL
                : o.force && (fl & LF_COW) !== 0 && (pte & L.PTE_DIRTY) !== 0;
          if (!canFollow) {
            unlock();
            return ins.jumps['fault'];
          }
        }
        if (this.frameFlags(s, f) & L.FR_FREED) this.race('use-after-free', `get_user_pages() by ${this.tn(t)} takes a reference on frame ${m.frameName(f)}, which was freed`);
        this.getRef(s, f, o.pin);
        this.storeRef(s, t, o.ref, f, o.pin, p);
        unlock();
        return ins.next;
      }
      case K['gup-exit']: {
        if (!ins.inheritMmap) this.opLockRelease(s, t);
        const o = ins.op;
        if (ins.arg === 1 && o.op === 'gup' && o.ref !== undefined) {
          s[m.ref(t, o.ref, R_FRAME)] = 0;
          s[m.ref(t, o.ref, R_PIN)] = 0;
          s[m.ref(t, o.ref, R_PAGE)] = 0;
        }
        return ins.next;
      }
      case K['gupf-begin']: {
        const o = ins.op;
        if (o.op === 'gup' && o.pin && o.seqcheck) {
          const seq = s[m.mm(mm, L.M_WPSEQ)]!;
          if (seq & 1) return ins.jumps['slow'];
          s[lb + L_SEQ] = seq;
        }
        s[m.th(t, L.T_IRQ)] = 1;
        return ins.next;
      }
      case K['gupf-pmd']: {
        const region = this.L.pageRegion[p]!;
        if (s[m.pt(mm, region, L.PT_STATE)] !== L.PT_PRESENT) return ins.jumps['fail'];
        s[lb + L_TABLE] = s[m.pt(mm, region, L.PT_GEN)]! + 1;
        return ins.next;
      }
      case K['gupf-pte']:
      case K['gupf-recheck']: {
        const region = this.L.pageRegion[p]!;
        if (!this.tableValid(s, t, mm, region)) return ins.jumps['fail'];
        const pte = s[m.pte(mm, p)]!;
        if (ins.code === K['gupf-recheck']) {
          if (pte !== s[lb + L_ORIG]) {
            const g = s[lb + L_GRAB]!;
            const o = ins.op;
            if (g) this.putRef(s, t, g - 1, o.op === 'gup' && o.pin);
            s[lb + L_GRAB] = 0;
            return ins.jumps['fail'];
          }
          return ins.next;
        }
        const o = ins.op;
        const f = (pte & F) - 1;
        const write = o.op === 'gup' && o.write;
        if ((pte & F) === 0 || (pte & L.PTE_PROTNONE) !== 0 || f === this.L.zeroFrame || (write && (pte & L.PTE_W) === 0)) return ins.jumps['fail'];
        s[lb + L_ORIG] = pte;
        return ins.next;
      }
      case K['gupf-grab']: {
        const f = (s[lb + L_ORIG]! & F) - 1;
        const o = ins.op;
        if (this.frameFlags(s, f) & L.FR_FREED || s[m.fr(f, L.F_REFS)] === 0) return ins.jumps['fail'];
        this.getRef(s, f, o.op === 'gup' && o.pin);
        s[lb + L_GRAB] = f + 1;
        return ins.next;
      }
      case K['gupf-end']: {
        s[m.th(t, L.T_IRQ)] = 0;
        this.rcuQuiesce(s, t);
        const o = ins.op;
        if (o.op !== 'gup') return ins.next;
        const g = s[lb + L_GRAB]! - 1;
        if (ins.arg === 1) {
          s[lb + L_GRAB] = 0;
          return ins.jumps['slow'];
        }
        if (o.pin && o.seqcheck && s[m.mm(mm, L.M_WPSEQ)] !== s[lb + L_SEQ]) {
          if (g >= 0) this.putRef(s, t, g, true);
          s[lb + L_GRAB] = 0;
          return ins.jumps['slow'];
        }
        if (g >= 0) this.storeRef(s, t, o.ref, g, o.pin, p);
        s[lb + L_GRAB] = 0;
        return ins.next;
      }

      // ---- VM changes ----
      case K['mmap-lock']: {
        const [lo, hi] = this.spec.design === 'range' && s[m.th(t, L.T_STATUS)] !== L.WAIT_RANGE ? this.opRange(s, mm, ins.op) : [0, 0];
        if (!this.opLockAcquire(s, t, ins.arg === 1, lo, hi)) return undefined;
        return ins.next;
      }
      case K['vma-write-lock']: {
        const targets = this.vmaWriteTargets(s, mm, ins);
        if (this.spec.design === 'spf') {
          // vm_write_begin(): the sequence count goes odd until vm_write_end() after the flush
          for (const v of targets) {
            s[m.vma(mm, v, L.V_SEQ)]!++;
            s[m.vma(mm, v, L.V_WRITER)] = t + 1;
          }
          return ins.next;
        }
        const stOff = m.th(t, L.T_STATUS);
        if (s[stOff] === WAIT_VMA_WRITE) {
          s[stOff] = L.RUN; // the readers left
          return ins.next;
        }
        this.checkSleep(s, t, 'vma_start_write()');
        if (s[m.th(t, L.T_MMAP_W)] !== 1) this.violation('vma-needs-mmap-write', `vma_start_write() by ${this.tn(t)} without mmap_lock held for write`);
        for (const v of targets) {
          if (this.ownVmaReads(s, t, v) > 0) {
            this.violation('recursive-lock', `${this.tn(t)} write-locks a VMA it holds read-locked: vma_start_write() waits for itself`);
            s[stOff] = STUCK;
            return undefined;
          }
        }
        // vm_lock_seq is set and the rwsem queued: from now on vma_start_read() fails
        for (const v of targets) s[m.vma(mm, v, L.V_WRITER)] = t + 1;
        if (this.vmaReadersGone(s, t, ins)) return ins.next;
        s[stOff] = WAIT_VMA_WRITE;
        return undefined;
      }
      case K['mprotect-fixup']: {
        const o = ins.op;
        if (o.op !== 'mprotect') return ins.next;
        if (!this.fullyCovered(s, mm, o.start, o.end)) return ins.jumps['fail']; // -ENOMEM
        this.checkVmaWrite(s, t, 'mprotect_fixup()', o.start, o.end);
        const bs = this.L.bounds;
        this.splitAt(s, mm, bs.indexOf(o.start));
        this.splitAt(s, mm, bs.indexOf(o.end));
        const prot = o.prot === 'none' ? 0 : o.prot === 'r' ? 1 : 2;
        for (const v of this.coveredVmas(s, mm, o.start, o.end)) s[m.vma(mm, v, L.V_PROT)] = prot;
        s[m.mm(mm, L.M_PENDING)]!++;
        s[lb + L_FLAGS]! |= LF_PENDING;
        return ins.next;
      }
      case K['wp-begin']: {
        const o = ins.op;
        if (o.op !== 'wrprotect' && o.op !== 'unprotect') return ins.next;
        if (this.coveredVmas(s, mm, o.start, o.end).length === 0) return ins.jumps['fail'];
        if (o.op === 'unprotect' || o.pending) {
          s[m.mm(mm, L.M_PENDING)]!++;
          s[lb + L_FLAGS]! |= LF_PENDING;
        }
        return ins.next;
      }
      case K['change-ptes']: {
        const o = ins.op;
        const region = ins.region;
        if (o.op === 'mprotect' || o.op === 'wrprotect' || o.op === 'unprotect') {
          this.checkWalk(s, t, o.op === 'mprotect' ? 'change_protection()' : 'the write-protect', (q) => this.L.pageRegion[q] === region && this.L.pages[q]! >= o.start && this.L.pages[q]! < o.end);
        }
        let fl = s[lb + L_FLAGS]!;
        for (let q = 0; q < this.L.nPage; q++) {
          if (this.L.pageRegion[q] !== region) continue;
          const qa = this.L.pages[q]!;
          if (o.op !== 'mprotect' && o.op !== 'wrprotect' && o.op !== 'unprotect') break;
          if (qa < o.start || qa >= o.end) continue;
          const pte = s[m.pte(mm, q)]!;
          if ((pte & F) === 0) continue;
          let np = pte;
          if (o.op === 'mprotect') {
            if (o.prot === 'none') np = (np | L.PTE_PROTNONE) & ~L.PTE_W;
            else if (o.prot === 'r') np = np & ~(L.PTE_W | L.PTE_PROTNONE);
            else np = np & ~L.PTE_PROTNONE;
          } else if (o.op === 'wrprotect') {
            np &= ~L.PTE_W;
            if (o.marker) np |= L.PTE_UFFD;
          } else np &= ~L.PTE_UFFD;
          fl |= LF_CHANGED;
          if ((pte & L.PTE_W) !== 0 && (np & L.PTE_W) === 0) fl |= LF_UNFLUSHED;
          this.setPte(s, t, mm, q, region, np, `${o.op}`);
        }
        s[lb + L_FLAGS] = fl;
        if (ins.arg === 0 && !ins.inheritPtl) this.dropPtlAfterDowngrade(s, t, ins, region);
        return ins.next;
      }
      case K['flush-under-ptl']: {
        const o = ins.op;
        if (o.op === 'mprotect' || o.op === 'wrprotect' || o.op === 'unprotect') {
          const region = ins.region;
          this.flushPages(s, mm, (q) => this.L.pageRegion[q] === region && this.L.pages[q]! >= o.start && this.L.pages[q]! < o.end);
          s[lb + L_FLAGS]! &= ~LF_UNFLUSHED;
          if (!ins.inheritPtl) this.ptlDrop(s, t, mm, region);
        }
        return ins.next;
      }
      case K['change-end']: {
        const o = ins.op;
        const fl = s[lb + L_FLAGS]!;
        if ((o.op === 'mprotect' || o.op === 'wrprotect' || o.op === 'unprotect') && o.flush === 'deferred' && (fl & LF_CHANGED)) this.flushRange(s, mm, o.start, o.end);
        if (fl & LF_PENDING) s[m.mm(mm, L.M_PENDING)]!--;
        this.vmWriteEnd(s, t);
        if (!ins.inheritMmap) this.opLockRelease(s, t);
        return ins.next;
      }
      case K['munmap-detach']: {
        const o = ins.op;
        if (o.op !== 'munmap') return ins.next;
        const covered = this.coveredVmas(s, mm, o.start, o.end);
        if (covered.length > 0) {
          this.checkVmaWrite(s, t, '__do_munmap()', o.start, o.end);
          const bs = this.L.bounds;
          this.splitAt(s, mm, bs.indexOf(o.start));
          this.splitAt(s, mm, bs.indexOf(o.end));
          for (const v of this.coveredVmas(s, mm, o.start, o.end)) s[m.vma(mm, v, L.V_STATE)] = L.VMA_DETACHED;
        }
        return ins.next;
      }
      case K['mmap-downgrade']:
        if (this.spec.design === 'range') this.rangeDowngrade(s, t);
        else this.mmapDowngrade(s, t);
        return ins.next;
      case K['gather-begin']:
        s[m.mm(mm, L.M_PENDING)]!++;
        s[lb + L_FLAGS]! |= LF_PENDING;
        return ins.next;
      case K['zap-ptes']: {
        const o = ins.op;
        if (o.op !== 'munmap' && o.op !== 'madvise') return ins.next;
        const region = ins.region;
        this.checkWalk(s, t, 'zap_pte_range()', (q) => this.L.pageRegion[q] === region && this.L.pages[q]! >= o.start && this.L.pages[q]! < o.end);
        const force = this.zapForceFlush(s, t, ins);
        let fl = s[lb + L_FLAGS]!;
        for (let q = 0; q < this.L.nPage; q++) {
          if (this.L.pageRegion[q] !== region) continue;
          const qa = this.L.pages[q]!;
          if (qa < o.start || qa >= o.end) continue;
          if (o.op === 'madvise' && m.vmaAt(s, mm, qa) < 0) continue;
          const pte = s[m.pte(mm, q)]!;
          if ((pte & F) === 0) {
            this.tagStale(s, mm, q, 0);
            continue;
          }
          this.setPte(s, t, mm, q, region, 0, 'zap_pte_range()');
          fl |= LF_CLEARED;
          const f = (pte & F) - 1;
          if (f !== this.L.zeroFrame) this.gatherPush(s, t, f);
        }
        s[lb + L_FLAGS] = fl;
        if (force) this.flushPages(s, mm, (q) => this.L.pageRegion[q] === region && this.L.pages[q]! >= o.start && this.L.pages[q]! < o.end);
        if (!ins.inheritPtl) this.ptlDrop(s, t, mm, region);
        return ins.next;
      }
      case K['free-pgtables']: {
        const b = this.L.bounds;
        for (let r = 0; r < this.L.nRegion; r++) {
          if (s[m.pt(mm, r, L.PT_STATE)] !== L.PT_PRESENT) continue;
          const lo2 = this.L.regions[r]! * 0x200000;
          const hi2 = lo2 + 0x200000;
          let used = false;
          for (let v = 0; v < this.L.nVma; v++) {
            const vo = m.vma(mm, v, 0);
            if (s[vo + L.V_STATE] !== L.VMA_LIVE) continue;
            if (b[s[vo + L.V_START]!]! < hi2 && lo2 < b[s[vo + L.V_END]!]!) used = true;
          }
          if (used) continue;
          // only tables the unmapped range touches
          const o = ins.op;
          if (o.op === 'munmap' && !(o.start < hi2 && lo2 < o.end)) continue;
          s[m.pt(mm, r, L.PT_STATE)] = L.PT_NONE;
          s[m.pt(mm, r, L.PT_GEN)]!++;
          s[m.pt(mm, r, L.PT_OLD)] = OLD_PENDING;
          s[m.pt(mm, r, L.PT_RCUMASK)] = t + 1;
          s[lb + L_FLAGS]! |= LF_TABLES;
        }
        return ins.next;
      }
      case K['tlb-finish']: {
        const o = ins.op;
        const nested = this.nestedFlush(s, t, ins);
        const fl = s[lb + L_FLAGS]!;
        if (nested) this.flushPages(s, mm, () => true);
        else if ((fl & (LF_CLEARED | LF_TABLES)) !== 0 && (o.op === 'munmap' || o.op === 'madvise')) this.flushRange(s, mm, o.start, o.end);
        // tlb_table_flush: page tables
        for (let r = 0; r < this.L.nRegion; r++) {
          if (s[m.pt(mm, r, L.PT_OLD)] !== OLD_PENDING || s[m.pt(mm, r, L.PT_RCUMASK)] !== t + 1) continue;
          if (this.spec.arch === 'arm64' && this.spec.rcuTableFree) {
            let mask = 0;
            for (let u = 0; u < this.L.nThread; u++) if (s[m.th(u, L.T_IRQ)] === 1) mask |= 1 << this.tCpu[u]!;
            s[m.pt(mm, r, L.PT_OLD)] = mask === 0 ? L.OLD_FREED : L.OLD_RCU;
            s[m.pt(mm, r, L.PT_RCUMASK)] = mask;
          } else {
            s[m.pt(mm, r, L.PT_OLD)] = L.OLD_FREED;
            s[m.pt(mm, r, L.PT_RCUMASK)] = 0;
          }
        }
        // tlb_batch_pages_flush: the gathered references
        for (let g = 0; g < this.L.nGather; g++) {
          const go = m.gather(t, g);
          const f = s[go]! - 1;
          if (f >= 0) this.putRef(s, t, f);
          s[go] = 0;
        }
        if (fl & LF_PENDING) s[m.mm(mm, L.M_PENDING)]!--;
        s[lb + L_FLAGS] = fl & ~(LF_PENDING | LF_CLEARED | LF_TABLES);
        return ins.next;
      }
      case K['munmap-end']: {
        this.vmWriteEnd(s, t);
        for (let v = 0; v < this.L.nVma; v++) {
          const o = m.vma(mm, v, 0);
          if (s[o + L.V_STATE] === L.VMA_DETACHED) for (let k = 0; k < L.V_SIZE; k++) s[o + k] = 0;
        }
        if (!ins.inheritMmap) this.opLockRelease(s, t);
        return ins.next;
      }
      case K['madvise-end']:
        if (!ins.inheritMmap) this.opLockRelease(s, t);
        return ins.next;

      // ---- fork ----
      case K['fork-dup']: {
        const o = ins.op;
        if (o.op !== 'fork') return ins.next;
        this.checkSleep(s, t, 'dup_mmap()');
        const c = this.forkChild(ins);
        s[m.mm(c, L.M_EXISTS)] = 1;
        let n = 0;
        for (let v = 0; v < this.L.nVma; v++) {
          const po = m.vma(mm, v, 0);
          if (s[po + L.V_STATE] !== L.VMA_LIVE) continue;
          const co = m.vma(c, n++, 0);
          for (let k = 0; k < L.V_SIZE; k++) s[co + k] = s[po + k]!;
          s[co + L.V_READERS] = 0;
          s[co + L.V_WRITER] = 0;
          s[co + L.V_SEQ] = 0;
          s[co + L.V_FLAGS]! &= ~L.VF_UFFD;
        }
        if (o.wpseq) {
          s[m.mm(mm, L.M_WPSEQ)]!++;
          s[lb + L_FLAGS]! |= LF_SEQODD;
        }
        return ins.next;
      }
      case K['fork-ptl']: {
        const c = this.forkChild(ins);
        this.ptlTake(s, t, c, ins.region);
        if (!ins.inheritPtl) this.ptlTake(s, t, mm, ins.region);
        s[m.pt(c, ins.region, L.PT_STATE)] = L.PT_PRESENT;
        return ins.next;
      }
      case K['fork-test']: {
        const pte = s[m.pte(mm, p)]!;
        if (!this.forkCopies(s, mm, p, pte)) return ins.jumps['skip'];
        const f = (pte & F) - 1;
        const v = this.vmaFlagsAt(s, mm, addr);
        const cow = v !== undefined && (v.flags & L.VF_SHARED) === 0;
        if (cow && (this.frameFlags(s, f) & (L.FR_CACHE | L.FR_ZERO)) === 0 && s[m.fr(f, L.F_PINS)]! > 0) return ins.jumps['copy'];
        return ins.next;
      }
      case K['fork-share']: {
        const pte = s[m.pte(mm, p)]!;
        if (!this.forkCopies(s, mm, p, pte)) return ins.next;
        const c = this.forkChild(ins);
        const f = (pte & F) - 1;
        const v = this.vmaFlagsAt(s, mm, addr);
        const cow = v !== undefined && (v.flags & L.VF_SHARED) === 0;
        this.getRef(s, f);
        if (f !== this.L.zeroFrame) {
          s[m.fr(f, L.F_FLAGS)]! &= ~L.FR_EXCL;
          const bit = this.tagBitOf(t, ins.step);
          if (bit >= 0) s[m.fr(f, L.F_SHAREDBY) + Math.floor(bit / L.TAG_BITS_PER_WORD)]! |= 1 << bit % L.TAG_BITS_PER_WORD;
        }
        let child = pte & ~L.PTE_UFFD;
        if (cow && (pte & L.PTE_W) !== 0) {
          this.setPte(s, t, mm, p, ins.region, pte & ~L.PTE_W, 'copy_present_pte()');
          s[lb + L_FLAGS]! |= LF_UNFLUSHED | LF_CHANGED;
          child &= ~L.PTE_W;
        }
        s[m.pte(c, p)] = child;
        return ins.next;
      }
      case K['fork-copy']: {
        const pte = s[m.pte(mm, p)]!;
        const c = this.forkChild(ins);
        const f = (pte & F) - 1;
        const nf = this.alloc(s);
        s[m.fr(nf, L.F_VALUE)] = this.readFrame(s, t, f, 'fork\'s copy of a pinned page');
        const v = this.vmaFlagsAt(s, mm, addr);
        s[m.pte(c, p)] = (nf + 1) | L.PTE_DIRTY | (v && v.prot === 2 ? L.PTE_W : 0);
        return ins.next;
      }
      case K['fork-unlock-ptl']: {
        const c = this.forkChild(ins);
        if (!ins.inheritPtl) this.ptlDropChecked(s, t, ins, mm, ins.region);
        this.ptlDrop(s, t, c, ins.region);
        if (ins.arg === 1 && (s[lb + L_FLAGS]! & LF_SEQODD)) {
          s[m.mm(mm, L.M_WPSEQ)]!++;
          s[lb + L_FLAGS]! &= ~LF_SEQODD;
        }
        return ins.next;
      }
      case K['fork-end']:
        this.flushPages(s, mm, () => true);
        s[lb + L_FLAGS]! &= ~LF_UNFLUSHED;
        this.vmWriteEnd(s, t);
        if (!ins.inheritMmap) this.opLockRelease(s, t);
        return ins.next;

      // ---- tlbi ----
      case K['tlbi']: {
        const o = ins.op;
        if (o.op !== 'tlbi') return ins.next;
        const pg = this.L.pages;
        const sel = (q: number): boolean => o.all || (pg[q]! >= o.start && pg[q]! < o.end);
        this.flushPages(s, mm, sel, o.local ? cpu : -1);
        return ins.next;
      }

      // ---- explicit locks ----
      case K['lock-mmap']: {
        const write = ins.arg === 1;
        // under `range`, mmap_lock is the range lock over the whole address space
        if (this.spec.design === 'range') return this.rangeAcquire(s, t, 0, L.RANGE_TOP, write, true) ? ins.next : undefined;
        const st = s[m.th(t, L.T_STATUS)];
        if (st !== GRANTED && (s[m.th(t, L.T_MMAP_R)]! > 0 || s[m.th(t, L.T_MMAP_W)] === 1)) {
          this.violation('recursive-lock', `${this.tn(t)} takes mmap_lock again while holding it: the second acquisition waits behind any queued writer`);
        }
        if (s[m.th(t, L.T_MMAP_W)] === 1 && st !== GRANTED) {
          // down_write/down_read on an rwsem it write-holds: blocks forever
          s[m.th(t, L.T_STATUS)] = STUCK;
          return undefined;
        }
        if (!this.mmapAcquire(s, t, write)) return undefined;
        return ins.next;
      }
      case K['unlock-mmap']:
        if (this.spec.design === 'range') {
          if (!this.rangeRelease(s, t, (info, lo, hi) => (info & L.RI_EXPLICIT) !== 0 && lo === 0 && hi === L.RANGE_TOP)) this.violation('unlock-not-held', `${this.tn(t)} releases mmap_lock (the whole-mm range lock), which it does not hold`);
        } else if (s[m.th(t, L.T_MMAP_W)] !== 1 && s[m.th(t, L.T_MMAP_R)] === 0) this.violation('unlock-not-held', `${this.tn(t)} releases mmap_lock, which it does not hold`);
        else this.mmapRelease(s, t);
        return ins.next;
      case K['lock-range']: {
        const o = ins.op;
        if (o.op !== 'lock' || o.lock !== 'range') return ins.next;
        return this.rangeAcquire(s, t, o.start, o.end, ins.arg === 1, true) ? ins.next : undefined;
      }
      case K['unlock-range']: {
        const o = ins.op;
        if (o.op !== 'unlock' || o.lock !== 'range') return ins.next;
        if (!this.rangeRelease(s, t, (info, lo, hi) => (info & L.RI_EXPLICIT) !== 0 && lo === o.start && hi === o.end)) {
          this.violation('unlock-not-held', `${this.tn(t)} releases range lock ${hex(o.start)}..${hex(o.end)}, which it does not hold`);
        }
        return ins.next;
      }
      case K['lock-ptl']: {
        const h = s[m.pt(mm, ins.region, L.PT_PTL)]!;
        if (h === t + 1) {
          this.violation('recursive-lock', `${this.tn(t)} takes ${this.ptName(m.ptIndex(mm, ins.region))} again: a spinlock it holds spins forever`);
          s[m.th(t, L.T_STATUS)] = STUCK;
          return undefined;
        }
        this.ptlTake(s, t, mm, ins.region);
        return ins.next;
      }
      case K['unlock-ptl']:
        if (s[m.pt(mm, ins.region, L.PT_PTL)] !== t + 1) this.violation('unlock-not-held', `${this.tn(t)} releases ${this.ptName(m.ptIndex(mm, ins.region))}, which it does not hold`);
        else this.ptlDrop(s, t, mm, ins.region);
        return ins.next;
      case K['lock-vma']: {
        const v = m.vmaAt(s, mm, addr);
        if (v < 0) return ins.next;
        if (this.holdsAnyPtl(s, t)) this.violation('lock-order', `${this.tn(t)} takes a VMA lock while holding a page-table lock`);
        const mine = this.ownVmaReads(s, t, v) > 0;
        if (ins.arg === 1) {
          this.checkSleep(s, t, 'vma_start_write()');
          const writeHeld = this.spec.design === 'range' ? this.holdsRange(s, t, addr, addr + PAGE_SIZE, true) : s[m.th(t, L.T_MMAP_W)] === 1;
          if (!writeHeld) this.violation('vma-needs-mmap-write', `vma_start_write() by ${this.tn(t)} without ${this.spec.design === 'range' ? 'a write range lock over it' : 'mmap_lock held for write'}`);
          if (mine) {
            this.violation('recursive-lock', `${this.tn(t)} write-locks a VMA it holds read-locked: vma_start_write() waits for itself`);
            s[m.th(t, L.T_STATUS)] = STUCK;
            return undefined;
          }
          s[m.vma(mm, v, L.V_WRITER)] = t + 1;
          return ins.next;
        }
        if (mine) this.violation('recursive-lock', `${this.tn(t)} read-locks a VMA it already holds: the second vma_start_read() fails while a writer waits`);
        s[m.vma(mm, v, L.V_READERS)]!++;
        s[m.vmaRead(t, v)]!++;
        return ins.next;
      }
      case K['unlock-vma']: {
        const v = m.vmaAt(s, mm, addr);
        if (v < 0 || s[m.vmaRead(t, v)] === 0) {
          this.violation('unlock-not-held', `${this.tn(t)} releases a VMA read lock on ${hex(addr)}, which it does not hold`);
          return ins.next;
        }
        this.vmaReadDrop(s, t, v);
        return ins.next;
      }
      case K['irq-off']:
        s[m.th(t, L.T_IRQ)] = 1;
        return ins.next;
      case K['irq-on']:
        s[m.th(t, L.T_IRQ)] = 0;
        this.rcuQuiesce(s, t);
        return ins.next;

      // ---- kernel accesses through references ----
      case K['kwrite']: {
        const o = ins.op;
        if (o.op !== 'kwrite') return ins.next;
        const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
        if (f >= 0) this.landWrite(s, t, f, mm, s[m.ref(t, o.ref, R_PAGE)]! - 1, m.valueIndex(o.value), false);
        return ins.next;
      }
      case K['kread']: {
        const o = ins.op;
        if (o.op !== 'kread') return ins.next;
        const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
        if (f >= 0) {
          const v = this.readFrame(s, t, f, 'kread');
          if (o.reg !== undefined) s[m.reg(t, o.reg)] = v;
        }
        return ins.next;
      }
      case K['put']: {
        const o = ins.op;
        if (o.op !== 'put') return ins.next;
        const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
        if (f >= 0) this.putRef(s, t, f, s[m.ref(t, o.ref, R_PIN)] === 1);
        s[m.ref(t, o.ref, R_FRAME)] = 0;
        s[m.ref(t, o.ref, R_PIN)] = 0;
        s[m.ref(t, o.ref, R_PAGE)] = 0;
        return ins.next;
      }
      case K['vma-write-lock']:
        return ins.next;
      default:
        throw new Error(`micro-step ${ins.kind} has no semantics`);
    }
  }

  private loadInto(s: State, t: number, ins: Instr, f: number): void {
    const v = this.readFrame(s, t, f, 'the load');
    const o = ins.op;
    if (o.op === 'load' && o.reg !== undefined) s[this.m.reg(t, o.reg)] = v;
  }

  private alloc(s: State): number {
    const f = this.m.allocFrame(s);
    if (f < 0) throw new Error('frame pool exhausted (internal limit)');
    return f;
  }

  private storeRef(s: State, t: number, ref: number | undefined, f: number, pin: boolean, p: number): void {
    if (ref === undefined) return; // an unnamed reference is never dropped
    const m = this.m;
    s[m.ref(t, ref, R_FRAME)] = f + 1;
    s[m.ref(t, ref, R_PIN)] = pin ? 1 : 0;
    s[m.ref(t, ref, R_PAGE)] = p + 1;
  }

  private gatherPush(s: State, t: number, f: number): void {
    for (let g = 0; g < this.L.nGather; g++) {
      const o = this.m.gather(t, g);
      if (s[o] === 0) {
        s[o] = f + 1;
        return;
      }
    }
    throw new Error('gather list full (internal limit)');
  }

  /** Is the page table this GUP-fast walker read still there? Reports a use-after-free if not. */
  private tableValid(s: State, t: number, mm: number, region: number, who = 'GUP-fast'): boolean {
    const m = this.m;
    const saved = s[m.loc(t, L_TABLE)]! - 1;
    const gen = s[m.pt(mm, region, L.PT_GEN)]!;
    if (saved === gen && s[m.pt(mm, region, L.PT_STATE)] === L.PT_PRESENT) return true;
    if (saved === gen - 1) {
      const old = s[m.pt(mm, region, L.PT_OLD)]!;
      if (old === OLD_PENDING) return true; // unhooked, not yet freed
      if (old === L.OLD_RCU && (s[m.pt(mm, region, L.PT_RCUMASK)]! & (1 << this.tCpu[t]!)) !== 0) return true;
    }
    this.race('use-after-free', `${who} by ${this.tn(t)} reads a PTE from the page table for ${hex(this.L.regions[region]! * 0x200000)}..${hex((this.L.regions[region]! + 1) * 0x200000)}, which was freed under it`);
    return false;
  }

  /** fork copies a PTE if it is present and its VMA has (or may have) anonymous pages. */
  private forkCopies(s: State, mm: number, p: number, pte: number): boolean {
    if ((pte & F) === 0) return false;
    const addr = this.L.pages[p]!;
    const v = this.m.vmaAt(s, mm, addr);
    if (v < 0) return false;
    const flags = s[this.m.vma(mm, v, L.V_FLAGS)]!;
    if ((flags & L.VF_FILE) === 0) return true;
    // copy_page_range skips a file VMA that never got an anon_vma
    const b = this.L.bounds;
    const vs = b[s[this.m.vma(mm, v, L.V_START)]!]!;
    const ve = b[s[this.m.vma(mm, v, L.V_END)]!]!;
    for (let q = 0; q < this.L.nPage; q++) {
      const qa = this.L.pages[q]!;
      if (qa < vs || qa >= ve) continue;
      const e = s[this.m.pte(mm, q)]!;
      if ((e & F) !== 0 && (this.frameFlags(s, (e & F) - 1) & (L.FR_CACHE | L.FR_ZERO)) === 0) return true;
    }
    return false;
  }

  /** do_wp_page()'s decision with the PTL held: reuse in place, or take a reference and copy. */
  private wpDecide(s: State, t: number, ins: Instr, vmaProt: number, vmaFlags: number): number {
    const m = this.m;
    const mm = this.tMm[t]!;
    const p = ins.page;
    const region = this.L.pageRegion[p]!;
    const pte = s[m.pte(mm, p)]!;
    const f = (pte & F) - 1;
    const unlock = (): void => {
      if (!ins.inheritPtl) this.ptlDrop(s, t, mm, region);
    };
    const copyUnderPtl = (ins.arg & 2) !== 0;
    const reuse = (): number => {
      const np = pte | L.PTE_DIRTY | (vmaProt === 2 ? L.PTE_W : 0);
      this.setPte(s, t, mm, p, region, np, 'wp_page_reuse()');
      if (f !== this.L.zeroFrame) s[m.fr(f, L.F_FLAGS)]! |= (this.frameFlags(s, f) & L.FR_CACHE) === 0 ? L.FR_EXCL : 0;
      unlock();
      this.faultWrote(s, t, ins, vmaProt);
      return ins.next;
    };
    const copy = (): number => {
      if (f !== this.L.zeroFrame) {
        this.getRef(s, f);
        s[m.loc(t, L_OLD)] = f + 1;
      }
      if (copyUnderPtl) return ins.jumps['copyPtl']!;
      unlock();
      return ins.jumps['copy']!;
    };
    if (f === this.L.zeroFrame) return copy();
    if (vmaFlags & L.VF_SHARED) return reuse(); // wp_page_shared
    const fl = this.frameFlags(s, f);
    if (fl & L.FR_CACHE) return copy();
    const refs = s[m.fr(f, L.F_REFS)]!;
    switch (this.spec.reuse) {
      case 'exclusive':
        if (fl & L.FR_EXCL || refs === 1) return reuse();
        return copy();
      case 'refcount':
        return refs === 1 && m.mapcount(s, f) === 1 ? reuse() : copy();
      case 'mapcount':
        return m.mapcount(s, f) === 1 ? reuse() : copy();
    }
  }

  private dropPtlAfterDowngrade(s: State, t: number, ins: Instr, region: number): void {
    this.ptlDropChecked(s, t, ins, this.tMm[t]!, region);
  }

  /** Drop a PTL, checking downgrade-needs-flush for write permission removed under it and not yet flushed. */
  private ptlDropChecked(s: State, t: number, ins: Instr, mm: number, region: number): void {
    const fo = this.m.loc(t, L_FLAGS);
    const running = (s[fo]! & LF_UNFLUSHED) !== 0 ? this.faultsCanRun(s, t, ins, region) : undefined;
    if (running !== undefined) {
      const o = ins.op;
      const diverted = o.op === 'wrprotect' && o.marker && (s[fo]! & LF_PENDING) !== 0;
      if (!diverted) {
        const why = o.op === 'wrprotect' && o.marker ? 'its uffd-wp marker is not bracketed by inc/dec_tlb_flush_pending' : 'no marker diverts concurrent faults';
        this.violation(
          'downgrade-needs-flush',
          `${o.op} by ${this.tn(t)} removes write permission and drops the page-table lock before the TLB flush while faults can run (${running}); ${why}, so a fault can see the read-only PTE while another CPU still writes through its TLB`,
        );
      }
    }
    if (ins.op.op !== 'fork') s[fo]! &= ~LF_UNFLUSHED;
    this.ptlDrop(s, t, mm, region);
  }

  // ---- deadlock analysis ---------------------------------------------------------------

  /** For a thread that cannot move: what it waits for and who holds it. */
  waitInfo(s: State, t: number): WaitInfo | undefined {
    const m = this.m;
    if (this.isDone(s, t)) return undefined;
    const st = s[m.th(t, L.T_STATUS)]!;
    const mm = this.tMm[t]!;
    const ins = this.instr(s, t);
    if (st === L.WAIT_UFFD) return { thread: t, what: 'userfaultfd (no unprotect resolves it)', holders: [] };
    if (st === STUCK) return { thread: t, what: 'a lock it already holds', holders: [t] };
    if (st === WAIT_VMA_WRITE && ins) {
      const holders: number[] = [];
      for (const v of this.vmaWriteTargets(s, mm, ins)) for (let u = 0; u < this.L.nThread; u++) if (u !== t && this.tMm[u] === mm && this.ownVmaReads(s, u, v) > 0) holders.push(u);
      return { thread: t, what: 'VMA readers to leave (vma_start_write)', holders: [...new Set(holders)].sort((a, b) => a - b) };
    }
    if (st === L.WAIT_RANGE) {
      const i = this.rangeWaitingSlot(s, t);
      const holders: number[] = [];
      const lo = s[m.rangeSlot(mm, i, L.RS_LO)]!;
      const hi = s[m.rangeSlot(mm, i, L.RS_HI)]!;
      const w = (s[m.rangeSlot(mm, i, L.RS_INFO)]! & L.RI_WRITE) !== 0;
      let queuedAhead = false;
      for (let j = 0; j < i; j++) {
        const info = s[m.rangeSlot(mm, j, L.RS_INFO)]!;
        if ((w || (info & L.RI_WRITE) !== 0) && s[m.rangeSlot(mm, j, L.RS_LO)]! < hi && lo < s[m.rangeSlot(mm, j, L.RS_HI)]!) {
          holders.push((info & L.RI_THREAD) - 1);
          if ((info & L.RI_HELD) === 0) queuedAhead = true;
        }
      }
      const pts = this.L.rangePoints;
      return { thread: t, what: `a ${w ? 'write' : 'read'} range lock on ${hex(pts[lo]!)}..${hex(pts[hi]!)}`, holders: [...new Set(holders)].sort((a, b) => a - b), queuedAhead };
    }
    if (st === L.WAIT_MMAP) {
      const holders: number[] = [];
      const w = s[m.mm(mm, L.M_WRITER)]!;
      if (w) holders.push(w - 1);
      for (let u = 0; u < this.L.nThread; u++) if (this.tMm[u] === mm && s[m.th(u, L.T_MMAP_R)]! > 0) holders.push(u);
      const q = m.mm(mm, L.M_QUEUE);
      let queuedAhead = false;
      for (let i = 0; i < this.L.nThread && s[q + i] !== 0; i++) {
        const e = s[q + i]!;
        const u = Math.abs(e) - 1;
        if (u === t) break;
        if (e < 0) {
          holders.push(u);
          queuedAhead = true;
        }
      }
      return { thread: t, what: 'mmap_lock', holders: [...new Set(holders)], queuedAhead };
    }
    const forker = this.spec.mms[mm]!.forkedBy;
    if (forker && (s[m.mm(mm, L.M_EXISTS)] === 0 || this.curStep(s, forker.thread) <= forker.step)) return { thread: t, what: 'its fork to return', holders: [forker.thread] };
    if (!ins) return undefined;
    switch (ins.code) {
      case K['ptl-lock']:
      case K['spf-ptl-lock']:
      case K['lock-ptl']: {
        const h = s[m.pt(mm, ins.region >= 0 ? ins.region : this.L.pageRegion[ins.page]!, L.PT_PTL)]!;
        return { thread: t, what: 'a page-table lock', holders: h ? [h - 1] : [] };
      }
      case K['fork-ptl']: {
        const hs = [s[m.pt(mm, ins.region, L.PT_PTL)]!, s[m.pt(this.forkChild(ins), ins.region, L.PT_PTL)]!].filter((h) => h).map((h) => h - 1);
        return { thread: t, what: 'a page-table lock', holders: hs };
      }
      case K['lock-vma']: {
        const v = m.vmaAt(s, mm, this.L.pages[ins.page]!);
        const holders: number[] = [];
        if (v >= 0) {
          if (ins.arg === 1) {
            for (let u = 0; u < this.L.nThread; u++) if (u !== t && this.tMm[u] === mm && this.ownVmaReads(s, u, v) > 0) holders.push(u);
          } else if (s[m.vma(mm, v, L.V_WRITER)]) holders.push(s[m.vma(mm, v, L.V_WRITER)]! - 1);
        }
        return { thread: t, what: ins.arg === 1 ? 'VMA readers to leave (vma_start_write)' : 'a write-locked VMA', holders };
      }
      default: {
        const irq: number[] = [];
        for (let u = 0; u < this.L.nThread; u++) if (u !== t && this.tMm[u] === mm && s[m.th(u, L.T_IRQ)] === 1) irq.push(u);
        return { thread: t, what: 'a TLB shootdown IPI that CPUs with IRQs off do not answer', holders: irq };
      }
    }
  }
}

// The machine state: one flat Int32Array per state, laid out by layout.ts. This module
// holds the accessors and the initial state; canonical.ts gives a state its canonical form.
import * as L from './layout';
import { PAGE_SIZE } from './scenario';

export type State = Int32Array;

// Op-local registers (offsets within a thread's locals).
export const L_ORIG = 0; // PTE snapshot
export const L_NEW = 1; // frame + 1: page allocated by this op
export const L_OLD = 2; // frame + 1: page this op holds a reference on (COW source, page cache)
export const L_COPY = 3; // 1 while a copy of L_OLD taken for this op's (mm, page) is not yet installed; 2 while a migration's copy of L_OLD is (step/migrate.ts)
export const L_DIRTY = 4; // store origin + 1 that landed on L_OLD after the copy
export const L_FLAGS = 5;
export const L_SEQ = 6; // GUP-fast: write_protect_seq sampled; spf: VMA sequence count, protection + 1 at SPEC_PROT_SHIFT
export const L_TABLE = 7; // GUP-fast: page-table generation + 1 read from the PMD
export const L_GRAB = 8; // GUP-fast: frame + 1 grabbed
export const L_AUX = 9;
export const L_VMA = 10; // spf, pervma: VMA slot + 1 this fault read-locked (pervma) or snapshotted (spf)

/** L_SEQ of a speculative fault: the sequence count below this bit, the VMA's protection + 1 above. */
export const SPEC_PROT_SHIFT = 24;

// Bits of L_FLAGS.
export const LF_CHANGED = 1; // PTEs changed: the op must flush
export const LF_NOWRITE = 2; // GUP: FOLL_WRITE dropped (Dirty COW)
export const LF_COW = 4; // GUP: FOLL_COW set after a COW fault
export const LF_UNFLUSHED = 8; // write permission removed in the current table, not yet flushed
export const LF_PENDING = 16; // this op raised tlb_flush_pending
export const LF_FASTFAIL = 32; // GUP-fast fell back
export const LF_EFAULT = 64; // GUP failed
export const LF_CLEARED = 128; // zap cleared PTEs (mmu_gather has something to flush)
export const LF_TABLES = 256; // zap freed page tables
export const LF_SEQODD = 512; // fork: write_protect_seq is odd because of this op
export const LF_SPEC = 1024; // spf: this fault runs speculatively (no mmap_lock; validated at each PTL)
export const LF_SPECIRQ = 2048; // spf: IRQs are off for the speculative walk or pte_map_lock (arm64 split steps)
export const LF_IRQSAVED = 4096; // GUP-fast: IRQs were already off when local_irq_save() ran
export const LF_MIGPTL = 8192; // migrate: migrate-ptl took the PTL that migrate-unmap drops

// Ref slot fields.
export const R_FRAME = 0; // frame + 1
export const R_PIN = 1; // 1 = FOLL_PIN; REF_PUT = dropped by put (the frame kept for a later use's report)
export const R_PAGE = 2; // page index + 1 it was taken at
export const REF_PUT = 2;

export class Machine {
  readonly L: L.Layout;
  readonly threadBase: Int32Array;
  readonly mmBase: Int32Array;
  readonly rangeBase: Int32Array; // per mm
  readonly vmaBase: Int32Array; // per mm
  readonly ptBase: Int32Array; // per mm
  readonly pteBase: Int32Array; // per mm
  readonly frameBase: Int32Array;
  readonly tlbBase: Int32Array; // per cpu
  readonly localsOff: number;
  readonly gatherOff: number;
  readonly regsOff: number;
  readonly refsOff: number;
  readonly vmaReadOff: number;
  /** The declared mm each mm descends from by fork (itself if declared): one family shares its shmem objects. */
  readonly mmRoot: Int32Array;
  /** Offsets of every field that holds frame + 1 in its low 16 bits, in canonical scan order. */
  readonly frameFields: Int32Array;
  readonly frameFieldsThreadStart: number;

  /**
   * Dead values (issue 11): stores keep only whether the value is 0, and loads leave registers
   * alone, so states that differ only in stored values merge. Sound only while no micro-step
   * branches on a value other than through `== 0` (step/stack.ts) and nothing reads a register
   * (`check final` does: Exec turns this off for scenarios with checks). A rule that reads a
   * value or a register must turn it off too, and be listed in test/engine/dead-values.test.ts.
   */
  readonly deadValues: boolean;
  private readonly nonZeroValue: number;

  constructor(layout: L.Layout, options: { readonly deadValues?: boolean } = {}) {
    this.L = layout;
    this.deadValues = options.deadValues ?? false;
    const nz = layout.values.findIndex((v) => v !== 0);
    this.nonZeroValue = nz;
    const o = layout.off;
    this.threadBase = new Int32Array(layout.nThread).map((_, t) => o.thread + t * o.threadStride);
    this.mmBase = new Int32Array(layout.nMm).map((_, m) => o.mm + m * o.mmSize);
    this.rangeBase = this.mmBase.map((b) => b + L.M_QUEUE + layout.nThread);
    this.vmaBase = this.rangeBase.map((b) => b + layout.nRangeSlots * L.RS_SIZE);
    this.ptBase = this.vmaBase.map((b) => b + layout.nVma * L.V_SIZE);
    this.pteBase = this.ptBase.map((b) => b + layout.nRegion * L.PT_SIZE);
    this.frameBase = new Int32Array(layout.nFrame).map((_, f) => o.frame + f * o.frameSize);
    const spec = layout.spec;
    const rootOf = (mi: number, depth: number): number => {
      const by = spec.mms[mi]!.forkedBy;
      return by && depth < spec.mms.length ? rootOf(spec.threads[by.thread]!.mm, depth + 1) : mi;
    };
    this.mmRoot = Int32Array.from(spec.mms.map((_, mi) => rootOf(mi, 0)));
    this.tlbBase = Int32Array.from(o.tlbRow);
    this.localsOff = L.T_LOCALS;
    this.gatherOff = L.T_LOCALS + layout.nLocals;
    this.regsOff = this.gatherOff + layout.nGather;
    this.refsOff = this.regsOff + layout.nRegs;
    this.vmaReadOff = this.refsOff + layout.nRefs * 3;
    const ff: number[] = [];
    for (let m = 0; m < layout.nMm; m++) for (let p = 0; p < layout.nPage; p++) ff.push(this.pteBase[m]! + p);
    for (let c = 0; c < layout.nCpu; c++) for (let p = 0; p < layout.nPage; p++) ff.push(this.tlbBase[c]! + p * o.tlbEntrySize);
    this.frameFieldsThreadStart = ff.length;
    for (let t = 0; t < layout.nThread; t++) {
      const b = this.threadBase[t]!;
      ff.push(b + this.localsOff + L_ORIG, b + this.localsOff + L_NEW, b + this.localsOff + L_OLD, b + this.localsOff + L_GRAB);
      for (let g = 0; g < layout.nGather; g++) ff.push(b + this.gatherOff + g);
      for (let r = 0; r < layout.nRefs; r++) ff.push(b + this.refsOff + r * 3 + R_FRAME);
    }
    this.frameFields = Int32Array.from(ff);
  }

  // ---- addressing --------------------------------------------------------------------

  th(t: number, field: number): number {
    return this.threadBase[t]! + field;
  }
  loc(t: number, local: number): number {
    return this.threadBase[t]! + this.localsOff + local;
  }
  pte(m: number, p: number): number {
    return this.pteBase[m]! + p;
  }
  pt(m: number, r: number, field: number): number {
    return this.ptBase[m]! + r * L.PT_SIZE + field;
  }
  vma(m: number, v: number, field: number): number {
    return this.vmaBase[m]! + v * L.V_SIZE + field;
  }
  rangeSlot(m: number, i: number, field: number): number {
    return this.rangeBase[m]! + i * L.RS_SIZE + field;
  }
  mm(m: number, field: number): number {
    return this.mmBase[m]! + field;
  }
  fr(f: number, field: number): number {
    return this.frameBase[f]! + field;
  }
  tlb(c: number, p: number): number {
    return this.tlbBase[c]! + p * this.L.off.tlbEntrySize;
  }
  reg(t: number, r: number): number {
    return this.threadBase[t]! + this.regsOff + r;
  }
  ref(t: number, r: number, field: number): number {
    return this.threadBase[t]! + this.refsOff + r * 3 + field;
  }
  /** Explicit read locks thread t holds on VMA slot v (only with `lock vma` steps). */
  vmaRead(t: number, v: number): number {
    return this.threadBase[t]! + this.vmaReadOff + v;
  }
  /** Whether thread t holds any explicit VMA read lock. */
  holdsVmaRead(s: State, t: number): boolean {
    for (let v = 0; v < this.L.nVmaReadFields; v++) if (s[this.vmaRead(t, v)] !== 0) return true;
    return false;
  }
  gather(t: number, g: number): number {
    return this.threadBase[t]! + this.gatherOff + g;
  }

  /** Global page-table index of (mm, region), for PTL bitmasks. */
  ptIndex(m: number, r: number): number {
    return m * this.L.nRegion + r;
  }

  valueIndex(v: number): number {
    const i = this.L.valueIndex.get(v) ?? -1;
    if (i < 0) throw new Error(`value ${v} not in the value table`);
    return i;
  }

  /**
   * The value index a store, a kernel write or an initial frame puts into a frame: the value's
   * own, or with dead values the index of 0 or of one representative non-zero value. The only
   * place values are abstracted.
   */
  storedValueIndex(v: number): number {
    if (!this.deadValues || v === 0 || this.nonZeroValue < 0) return this.valueIndex(v);
    return this.nonZeroValue;
  }

  /** Whether a load puts the value it read into its register (not with dead values: only `check final` reads registers). */
  get loadsKeepValues(): boolean {
    return !this.deadValues;
  }

  pageIndex(addr: number): number {
    return this.L.pageIndex.get(addr) ?? -1;
  }

  /** The VMA slot of mm m that is live and covers page p, or -1. */
  vmaAt(s: State, m: number, addr: number): number {
    const b = this.L.bounds;
    for (let v = 0; v < this.L.nVma; v++) {
      const o = this.vma(m, v, 0);
      if (s[o + L.V_STATE] === L.VMA_LIVE && b[s[o + L.V_START]!]! <= addr && addr < b[s[o + L.V_END]!]!) return v;
    }
    return -1;
  }

  // ---- initial state -----------------------------------------------------------------

  initial(): State {
    const Ly = this.L;
    const spec = Ly.spec;
    const s = new Int32Array(Ly.size);
    const boundIdx = (a: number): number => Ly.boundIndex.get(a) ?? -1;
    // frames
    spec.frames.forEach((f, i) => {
      s[this.fr(i, L.F_VALUE)] = this.storedValueIndex(f.value);
      // the page cache holds a reference, and so does the unmodelled mm mapping a `shared` frame
      s[this.fr(i, L.F_REFS)] = f.refs + (f.pageCache ? 1 : 0) + (f.shared ? 1 : 0);
      let flags = L.FR_LIVE;
      if (f.pageCache) flags |= L.FR_CACHE;
      if (f.readonly) flags |= L.FR_RDONLY;
      if (f.shared) flags |= L.FR_SHARED;
      s[this.fr(i, L.F_FLAGS)] = flags;
    });
    const z = Ly.zeroFrame;
    s[this.fr(z, L.F_VALUE)] = this.valueIndex(0);
    s[this.fr(z, L.F_FLAGS)] = L.FR_LIVE | L.FR_ZERO;
    // mms
    spec.mms.forEach((mm, m) => {
      s[this.mm(m, L.M_EXISTS)] = mm.forkedBy ? 0 : 1;
      mm.vmas.forEach((v, vi) => {
        s[this.vma(m, vi, L.V_STATE)] = L.VMA_LIVE;
        s[this.vma(m, vi, L.V_START)] = boundIdx(v.start);
        s[this.vma(m, vi, L.V_END)] = boundIdx(v.end);
        s[this.vma(m, vi, L.V_PROT)] = v.prot === 'none' ? 0 : v.prot === 'r' ? 1 : 2;
        // a private VMA that maps an anonymous page already has its anon_vma (shared ones never get one)
        const anon = !v.shared && mm.ptes.some((p) => p.addr >= v.start && p.addr < v.end && !spec.frames[p.frame]!.pageCache);
        s[this.vma(m, vi, L.V_FLAGS)] = (v.file ? L.VF_FILE : 0) | (v.shared ? L.VF_SHARED : 0) | (v.growsdown ? L.VF_GROWSDOWN : 0) | (v.uffd ? L.VF_UFFD : 0) | (anon ? L.VF_ANONVMA : 0);
      });
      for (const p of mm.ptes) {
        const pi = this.pageIndex(p.addr);
        s[this.pte(m, pi)] = (p.frame + 1) | (p.writable ? L.PTE_W | L.PTE_DIRTY : 0);
        s[this.fr(p.frame, L.F_REFS)]!++;
        s[this.pt(m, Ly.pageRegion[pi]!, L.PT_STATE)] = L.PT_PRESENT;
      }
    });
    // exclusivity and initial sharing
    spec.frames.forEach((f, i) => {
      let maps = 0;
      const mmsMapping = new Set<number>();
      spec.mms.forEach((mm, m) =>
        mm.ptes.forEach((p) => {
          if (p.frame === i) {
            maps++;
            mmsMapping.add(m);
          }
        }),
      );
      if (!f.pageCache && !f.shared && maps === 1) s[this.fr(i, L.F_FLAGS)]! |= L.FR_EXCL;
      if (mmsMapping.size > 1) s[this.fr(i, L.F_FLAGS)]! |= L.FR_INITSHARED;
    });
    // TLBs
    for (const t of spec.tlbs) {
      const pi = this.pageIndex(t.addr);
      s[this.tlb(t.cpu, pi)] = (t.frame + 1) | (t.writable ? L.PTE_W : 0);
    }
    // An entry that does not match its PTE is stale from an op that returned before the
    // scenario began: mark it with an "initial" tag.
    for (const t of spec.tlbs) {
      const pi = this.pageIndex(t.addr);
      const m = Ly.cpuMm[t.cpu]!;
      const pte = s[this.pte(m, pi)]!;
      const e = s[this.tlb(t.cpu, pi)]!;
      if ((pte & L.PTE_FRAME_MASK) !== (e & L.PTE_FRAME_MASK)) s[this.tlb(t.cpu, pi) + 2] = L.TAG_INITIAL_REMOVAL;
      else if ((e & L.PTE_W) !== 0 && (pte & L.PTE_W) === 0) s[this.tlb(t.cpu, pi) + 2] = L.TAG_INITIAL_WP;
    }
    // threads
    spec.threads.forEach((th, t) => {
      for (let r = 0; r < Ly.nRegs; r++) s[this.reg(t, r)] = this.valueIndex(0);
      void th;
    });
    return s;
  }

  // ---- frames ------------------------------------------------------------------------

  /** Allocate a fresh frame slot (value 0, refcount 1, exclusive anon). -1 if none is free. */
  allocFrame(s: State): number {
    for (let f = this.L.nFixedFrames; f < this.L.nFrame; f++) {
      const o = this.frameBase[f]!;
      if (s[o + L.F_FLAGS] === 0) {
        for (let k = 0; k < this.L.off.frameSize; k++) s[o + k] = 0;
        s[o + L.F_VALUE] = this.valueIndex(0);
        s[o + L.F_REFS] = 1;
        s[o + L.F_FLAGS] = L.FR_LIVE | L.FR_EXCL;
        return f;
      }
    }
    return -1;
  }

  /** Number of present PTEs mapping frame f, across existing mms, plus 1 if `shared`. */
  mapcount(s: State, f: number): number {
    let n = (s[this.fr(f, L.F_FLAGS)]! & L.FR_SHARED) !== 0 ? 1 : 0;
    const key = f + 1;
    for (let m = 0; m < this.L.nMm; m++) {
      if (s[this.mm(m, L.M_EXISTS)] === 0) continue;
      const b = this.pteBase[m]!;
      for (let p = 0; p < this.L.nPage; p++) if ((s[b + p]! & L.PTE_FRAME_MASK) === key) n++;
    }
    return n;
  }

  /**
   * The shmem page at page p of a shared anonymous VMA of mm m, or -1: a shmem object is shared
   * by the mms of one fork family (fork copies no PTE of a VMA without anon_vma, and the child
   * refaults the page from the object, kernel-paths §8.2). The model finds the page through the
   * family's PTEs; a page no mm maps any more is not kept (it is refilled with 0).
   */
  shmemFrame(s: State, m: number, p: number): number {
    const addr = this.L.pages[p]!;
    for (let o = 0; o < this.L.nMm; o++) {
      if (this.mmRoot[o] !== this.mmRoot[m] || s[this.mm(o, L.M_EXISTS)] === 0) continue;
      const f = (s[this.pte(o, p)]! & L.PTE_FRAME_MASK) - 1;
      if (f < 0 || f === this.L.zeroFrame) continue;
      const v = this.vmaAt(s, o, addr);
      if (v >= 0 && (s[this.vma(o, v, L.V_FLAGS)]! & (L.VF_FILE | L.VF_SHARED)) === L.VF_SHARED) return f;
    }
    return -1;
  }

  // ---- helpers for checks and docs ---------------------------------------------------

  frameName(f: number): string {
    if (f < this.L.spec.frames.length) return this.L.spec.frames[f]!.name;
    if (f === this.L.zeroFrame) return 'zero page';
    return `new#${f - this.L.nFixedFrames + 1}`;
  }

  pageAddr(p: number): number {
    return this.L.pages[p]!;
  }

  /** Value at address in mm m (for `check final`): the PTE's frame, else the page-cache or shmem page, else 0; undefined outside VMAs. */
  valueAt(s: State, m: number, addr: number): number | undefined {
    if (s[this.mm(m, L.M_EXISTS)] === 0) return undefined;
    const p = this.pageIndex(addr);
    const pte = p >= 0 ? s[this.pte(m, p)]! : 0;
    if ((pte & L.PTE_FRAME_MASK) !== 0) return this.L.values[s[this.fr((pte & L.PTE_FRAME_MASK) - 1, L.F_VALUE)]!];
    if ((pte & L.PTE_SWAP) !== 0) {
      // a swap entry (swap.ts): the page a running reclaim holds, or the value written out
      const field = (pte >>> L.PTE_SWAP_SHIFT) & ((1 << (31 - L.PTE_SWAP_SHIFT)) - 1);
      if ((pte & L.PTE_SWAPCACHE) === 0) return this.L.values[field];
      const f = s[this.loc(field, L_OLD)]! - 1;
      return f >= 0 ? this.L.values[s[this.fr(f, L.F_VALUE)]!] : undefined;
    }
    const v = this.vmaAt(s, m, addr);
    if (v < 0) return undefined;
    const flags = s[this.vma(m, v, L.V_FLAGS)]!;
    const cf = p < 0 ? -1 : (flags & L.VF_FILE) !== 0 ? this.L.cacheFrame[m]![p]! : (flags & L.VF_SHARED) !== 0 ? this.shmemFrame(s, m, p) : -1;
    return cf >= 0 ? this.L.values[s[this.fr(cf, L.F_VALUE)]!] : 0;
  }
}

export { PAGE_SIZE };

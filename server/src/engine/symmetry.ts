// Thread symmetry (issue 11): threads of one mm whose programs are equal (up to stored values
// when values are dead) and whose initial blocks (thread fields and the CPU's TLB row) are equal
// form a class; a state's canonical form sorts each class's blocks and renames the thread ids
// the state holds elsewhere, so states that differ only by a permutation of a class merge.
//
// A class is formed only where every reference to its members can be renamed (the list below);
// a scenario using a feature with thread references not renamed here forms no class:
//   members: every step a `store` or `load`; each on a CPU no other thread runs on;
//   the scenario: a design without VMA or range locks (classic), no `check final`, no fork,
//   reclaim, migrate or numa step.
// Renamed: the thread blocks (with the CPUs' TLB rows), store origins in every thread's
// L_DIRTY, the mm's mmap_lock writer and queue, each page table's PTL holder and its
// RCU mask (CPUs, or the munmap thread while OLD_PENDING), and the members' op tag bits in
// TLB entries and frames.
import type { ExecContext } from './context';
import { DESIGN_TRAITS } from './designs/traits';
import type { Instr } from './instr';
import * as L from './layout';
import { L_DIRTY, L_GRAB, L_NEW, L_OLD, L_ORIG, R_FRAME, type State } from './machine';

const ORIGIN_STRIDE = 4096; // rules/races.ts storeOrigin: thread * 4096 + step + 1

/** The classes of symmetric threads (each sorted, at least two members). */
export function symmetryClasses(cx: ExecContext, initial: State): number[][] {
  const spec = cx.spec;
  // VMA locks, VMA sequence counts and range locks hold thread ids this file does not rename
  const traits = DESIGN_TRAITS[spec.design];
  if (traits.faultVma || traits.rangeLocks || traits.vmaSequence || traits.explicitLocks.length > 0 || spec.checks.length > 0) return [];
  if (spec.threads.some((t) => t.steps.some((s) => s.op === 'fork' || s.op === 'reclaim' || s.op === 'migrate' || s.op === 'numa'))) return [];
  const cpuCount = new Map<number, number>();
  for (const t of spec.threads) cpuCount.set(t.cpu, (cpuCount.get(t.cpu) ?? 0) + 1);
  const stride = cx.L.off.threadStride;
  const classes = new Map<string, number[]>();
  spec.threads.forEach((th, t) => {
    if (th.steps.length === 0 || !th.steps.every((s) => s.op === 'store' || s.op === 'load')) return;
    if (cpuCount.get(th.cpu) !== 1 || spec.mms[th.mm]!.forkedBy) return;
    const block = Array.from(initial.subarray(cx.m.threadBase[t]!, cx.m.threadBase[t]! + stride));
    const key = JSON.stringify([th.mm, programKey(cx.programs[t]!.instrs, cx.m.deadValues), block]);
    const cls = classes.get(key);
    if (cls) cls.push(t);
    else classes.set(key, [t]);
  });
  return [...classes.values()].filter((c) => c.length > 1);
}

/** A program without its text (which names values) and, with dead values, without stored values. */
function programKey(instrs: readonly Instr[], deadValues: boolean): string {
  return JSON.stringify(
    instrs.map((i) => {
      const { text: _text, kernel: _kernel, op, ...rest } = i;
      const { value: _value, ...opRest } = op as typeof op & { value?: number };
      return { ...rest, op: deadValues ? opRest : op };
    }),
  );
}

/** What an offset inside a thread block holds (0: a plain field), for comparing blocks independently of names. */
const FRAME = 1; // frame + 1 in the low 16 bits: fresh frames compare equal
const ORIGIN = 2; // a store origin: compare the step only
const TAGS = 3; // a TLB entry's tag word: op tags name threads, compare the initial tags only

/**
 * Sorts the blocks of each class and renames thread references. `apply` returns the permutation
 * it applied (old thread -> new thread) or undefined when the state was already sorted.
 */
export class ThreadSymmetry {
  readonly classes: readonly (readonly number[])[];
  private readonly cx: ExecContext;
  private readonly kind: Uint8Array;
  private readonly perm: Int32Array;
  private readonly tagPerm: Int32Array;
  private readonly tmp: Int32Array;

  constructor(cx: ExecContext, classes: number[][]) {
    this.cx = cx;
    this.classes = classes;
    const Ly = cx.L;
    const m = cx.m;
    this.kind = new Uint8Array(Ly.off.threadStride);
    for (const off of [m.localsOff + L_ORIG, m.localsOff + L_NEW, m.localsOff + L_OLD, m.localsOff + L_GRAB]) this.kind[off] = FRAME;
    for (let g = 0; g < Ly.nGather; g++) this.kind[m.gatherOff + g] = FRAME;
    for (let r = 0; r < Ly.nRefs; r++) this.kind[m.refsOff + r * 3 + R_FRAME] = FRAME;
    for (let p = 0; p < Ly.nPage; p++) {
      const e = Ly.off.threadSize + p * Ly.off.tlbEntrySize;
      this.kind[e] = FRAME;
      for (let w = 0; w < Ly.tagWords; w++) this.kind[e + 2 + w] = TAGS;
    }
    this.kind[m.localsOff + L_DIRTY] = ORIGIN;
    this.perm = new Int32Array(Ly.nThread);
    this.tagPerm = new Int32Array(Ly.tagOps.length);
    this.tmp = new Int32Array(Ly.off.threadStride * Ly.nThread);
  }

  private cell(s: State, base: number, i: number): number {
    const v = s[base + i]!;
    const k = this.kind[i];
    if (k === FRAME) return (v & L.PTE_FRAME_MASK) > this.cx.L.nFixedFrames ? (v & ~L.PTE_FRAME_MASK) | L.PTE_FRAME_MASK : v;
    if (k === ORIGIN) return v === 0 ? 0 : ((v - 1) % ORIGIN_STRIDE) + 1;
    if (k === TAGS) return v & ~((1 << L.TAG_BITS_PER_WORD) - 1);
    return v;
  }

  private compare(s: State, a: number, b: number): number {
    const ba = this.cx.m.threadBase[a]!;
    const bb = this.cx.m.threadBase[b]!;
    for (let i = 0; i < this.kind.length; i++) {
      const d = this.cell(s, ba, i) - this.cell(s, bb, i);
      if (d !== 0) return d;
    }
    return 0;
  }

  apply(s: State): Int32Array | undefined {
    const perm = this.perm;
    let moved = false;
    for (let t = 0; t < perm.length; t++) perm[t] = t;
    for (const cls of this.classes) {
      // stable insertion sort of the members' blocks; perm[old] = new position
      const order = [...cls];
      for (let i = 1; i < order.length; i++) for (let j = i; j > 0 && this.compare(s, order[j - 1]!, order[j]!) > 0; j--) [order[j - 1], order[j]] = [order[j]!, order[j - 1]!];
      order.forEach((from, k) => {
        perm[from] = cls[k]!;
        if (from !== cls[k]) moved = true;
      });
    }
    if (!moved) return undefined;
    this.rename(s, perm);
    return perm;
  }

  /** Move every block to its new thread and rename the references the state holds elsewhere. */
  private rename(s: State, perm: Int32Array): void {
    const cx = this.cx;
    const Ly = cx.L;
    const m = cx.m;
    const stride = Ly.off.threadStride;
    const nThread = Ly.nThread;
    this.tmp.set(s.subarray(0, stride * nThread));
    for (let t = 0; t < nThread; t++) s.set(this.tmp.subarray(t * stride, (t + 1) * stride), m.threadBase[perm[t]!]!);
    const thread1 = (v: number): number => (v > 0 ? perm[v - 1]! + 1 : v);
    for (let t = 0; t < nThread; t++) {
      const o = m.loc(t, L_DIRTY);
      const v = s[o]!;
      if (v > 0) s[o] = perm[Math.floor((v - 1) / ORIGIN_STRIDE)]! * ORIGIN_STRIDE + ((v - 1) % ORIGIN_STRIDE) + 1;
    }
    const cpuPerm = (mask: number): number => {
      let out = 0;
      for (let c = 0; c < Ly.nCpu; c++) if (mask & (1 << c)) out |= 1 << (Ly.threadOnCpu[c]! >= 0 ? cx.tCpu[perm[Ly.threadOnCpu[c]!]!]! : c);
      return out;
    };
    for (let mm = 0; mm < Ly.nMm; mm++) {
      s[m.mm(mm, L.M_WRITER)] = thread1(s[m.mm(mm, L.M_WRITER)]!);
      for (let q = 0; q < nThread; q++) {
        const o = m.mm(mm, L.M_QUEUE + q);
        const v = s[o]!;
        s[o] = v < 0 ? -thread1(-v) : thread1(v);
      }
      for (let r = 0; r < Ly.nRegion; r++) {
        s[m.pt(mm, r, L.PT_PTL)] = thread1(s[m.pt(mm, r, L.PT_PTL)]!);
        const old = s[m.pt(mm, r, L.PT_OLD)];
        const o = m.pt(mm, r, L.PT_RCUMASK);
        if (old === L.OLD_PENDING) s[o] = thread1(s[o]!);
        else if (old === L.OLD_RCU) s[o] = cpuPerm(s[o]!);
      }
    }
    this.renameTags(s, perm);
  }

  private renameTags(s: State, perm: Int32Array): void {
    const Ly = this.cx.L;
    const tp = this.tagPerm;
    let any = false;
    Ly.tagOps.forEach((op, b) => {
      tp[b] = Ly.tagBit[perm[op.thread]!]![op.step]!;
      if (tp[b] !== b) any = true;
    });
    if (!any) return;
    const words = (o: number): void => {
      const old: number[] = [];
      for (let w = 0; w < Ly.tagWords; w++) {
        old.push(s[o + w]!);
        s[o + w] = s[o + w]! & ~((1 << L.TAG_BITS_PER_WORD) - 1);
      }
      for (let b = 0; b < tp.length; b++) {
        if ((old[Math.floor(b / L.TAG_BITS_PER_WORD)]! & (1 << b % L.TAG_BITS_PER_WORD)) === 0) continue;
        const to = tp[b]!;
        s[o + Math.floor(to / L.TAG_BITS_PER_WORD)]! |= 1 << to % L.TAG_BITS_PER_WORD;
      }
    };
    const m = this.cx.m;
    for (let c = 0; c < Ly.nCpu; c++) for (let p = 0; p < Ly.nPage; p++) words(m.tlb(c, p) + 2);
    for (let f = 0; f < Ly.nFrame; f++) words(m.fr(f, L.F_SHAREDBY));
  }
}

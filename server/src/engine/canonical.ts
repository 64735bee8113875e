// The canonical form of a state: fresh frames renumbered in order of first reference (PTEs,
// TLBs, thread locals, gathers, references) and unreferenced ones dropped, VMA slots sorted,
// and neighbouring range-lock slots that cannot conflict sorted, so that two states that
// differ only in such naming are one state.
import * as L from './layout';
import { L_VMA, type Machine, type State } from './machine';
import type { ThreadSymmetry } from './symmetry';

export class Canonicalizer {
  private readonly m: Machine;

  /** Thread symmetry (symmetry.ts), when the scenario has classes and it is asked for. */
  symmetry: ThreadSymmetry | undefined;
  /** The thread permutation the last `canonicalize` applied (old -> new), undefined if none. */
  lastPerm: Int32Array | undefined;

  constructor(m: Machine) {
    this.m = m;
  }

  private remap: Int32Array = new Int32Array(0);
  private scratch: Int32Array = new Int32Array(0);

  /**
   * Renumber fresh frames by first reference (PTEs, TLBs, thread locals, gathers, refs),
   * drop unreferenced fresh frames, and sort VMA slots. In place.
   */
  canonicalize(s: State): void {
    this.renumberFrames(s);
    this.canonicalizeVmas(s);
    if (this.m.L.nRangeSlots > 1) this.canonicalizeRanges(s);
    this.lastPerm = this.symmetry?.apply(s);
    // the blocks moved: fresh frames are numbered by first reference again (thread order)
    if (this.lastPerm) this.renumberFrames(s);
  }

  private renumberFrames(s: State): void {
    const Ly = this.m.L;
    const nFixed = Ly.nFixedFrames;
    const nFresh = Ly.nFrame - nFixed;
    if (this.remap.length !== Ly.nFrame) {
      this.remap = new Int32Array(Ly.nFrame);
      this.scratch = new Int32Array(nFresh * Ly.off.frameSize);
    }
    const remap = this.remap;
    remap.fill(-1);
    let next = nFixed;
    const ff = this.m.frameFields;
    for (let i = 0; i < ff.length; i++) {
      const v = s[ff[i]!]! & L.PTE_FRAME_MASK;
      if (v === 0) continue;
      const f = v - 1;
      if (f < nFixed || remap[f] !== -1) continue;
      remap[f] = next++;
    }
    let identity = true;
    for (let f = nFixed; f < Ly.nFrame; f++) {
      const want = remap[f] === -1 ? -1 : remap[f];
      if (want !== f && !(want === -1 && s[this.m.frameBase[f]! + L.F_FLAGS] === 0)) {
        identity = false;
        break;
      }
    }
    if (!identity) {
      for (let i = 0; i < ff.length; i++) {
        const o = ff[i]!;
        const v = s[o]!;
        const fv = v & L.PTE_FRAME_MASK;
        if (fv === 0) continue;
        const f = fv - 1;
        if (f < nFixed) continue;
        s[o] = (v & ~L.PTE_FRAME_MASK) | (remap[f]! + 1);
      }
      const fs = Ly.off.frameSize;
      const base = this.m.frameBase[nFixed]!;
      const sc = this.scratch;
      sc.fill(0);
      for (let f = nFixed; f < Ly.nFrame; f++) {
        const to = remap[f]!;
        if (to < 0) continue;
        const src = this.m.frameBase[f]!;
        const dst = (to - nFixed) * fs;
        for (let k = 0; k < fs; k++) sc[dst + k] = s[src + k]!;
      }
      s.set(sc, base);
    }
  }

  /**
   * Range-lock slots are a FIFO, but two neighbouring slots that do not conflict (disjoint, or
   * both reads) can trade places without changing any grant: sort such neighbours by thread.
   */
  private canonicalizeRanges(s: State): void {
    const Ly = this.m.L;
    for (let m = 0; m < Ly.nMm; m++) {
      const o = (i: number, f: number): number => this.m.rangeSlot(m, i, f);
      let n = 0;
      while (n < Ly.nRangeSlots && s[o(n, L.RS_INFO)] !== 0) n++;
      for (let i = 1; i < n; i++) {
        for (let j = i; j > 0; j--) {
          const a = j - 1;
          const ia = s[o(a, L.RS_INFO)]!;
          const ib = s[o(j, L.RS_INFO)]!;
          if ((ia & L.RI_THREAD) <= (ib & L.RI_THREAD)) break;
          const overlap = s[o(a, L.RS_LO)]! < s[o(j, L.RS_HI)]! && s[o(j, L.RS_LO)]! < s[o(a, L.RS_HI)]!;
          if (overlap && ((ia | ib) & L.RI_WRITE) !== 0) break;
          for (let k = 0; k < L.RS_SIZE; k++) {
            const t = s[o(a, k)]!;
            s[o(a, k)] = s[o(j, k)]!;
            s[o(j, k)] = t;
          }
        }
      }
    }
  }

  private canonicalizeVmas(s: State): void {
    const Ly = this.m.L;
    if (Ly.nVma < 2) return;
    for (let m = 0; m < Ly.nMm; m++) {
      // insertion sort slots by (free last, start, end); remap VMA read-lock bits of threads
      const order: number[] = [];
      for (let v = 0; v < Ly.nVma; v++) order.push(v);
      const key = (v: number): number => {
        const o = this.m.vma(m, v, 0);
        if (s[o + L.V_STATE] === L.VMA_FREE) return 1e9 + v;
        return s[o + L.V_START]! * 4096 + s[o + L.V_END]! * 4 + s[o + L.V_STATE]!;
      };
      const keys = order.map(key);
      let sorted = true;
      for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) sorted = false;
      if (sorted) continue;
      order.sort((a, b) => keys[a]! - keys[b]!);
      const copy = s.slice(this.m.vmaBase[m]!, this.m.vmaBase[m]! + Ly.nVma * L.V_SIZE);
      order.forEach((from, to) => {
        for (let k = 0; k < L.V_SIZE; k++) s[this.m.vma(m, to, k)] = copy[from * L.V_SIZE + k]!;
      });
      const newIndex = new Int32Array(Ly.nVma);
      order.forEach((from, to) => (newIndex[from] = to));
      for (let t = 0; t < Ly.nThread; t++) {
        if (Ly.spec.threads[t]!.mm !== m) continue;
        if (Ly.nLocals > L_VMA) {
          const lv = this.m.loc(t, L_VMA);
          if (s[lv]! > 0) s[lv] = newIndex[s[lv]! - 1]! + 1;
        }
        if (!this.m.holdsVmaRead(s, t)) continue;
        const counts = s.slice(this.m.vmaRead(t, 0), this.m.vmaRead(t, 0) + Ly.nVma);
        for (let v = 0; v < Ly.nVma; v++) s[this.m.vmaRead(t, newIndex[v]!)] = counts[v]!;
      }
    }
  }
}

// The visited-state store. A state vector is split into components (one per thread with its
// CPU's TLB row, one for everything shared); each component is interned in its own table,
// and a state is stored as the vector of its component ids (SPIN's COLLAPSE compression).
// States get dense ids in insertion order, which is BFS order; each records its parent and
// the thread that moved, so the shortest interleaving to any state can be rebuilt.
import type { Layout } from '../engine/layout';
import { VecTable } from './vec-table';

export class StateStore {
  private readonly comps: Int32Array[]; // per component: state offsets it gathers
  private readonly tables: VecTable[];
  private readonly states: VecTable;
  private readonly scratch: Int32Array;
  private readonly ids: Int32Array;
  private parents: Int32Array;
  private movers: Uint8Array;

  constructor(
    private readonly layout: Layout,
    threadCpu: readonly number[],
  ) {
    const o = layout.off;
    const tlbRow = layout.nPage * o.tlbEntrySize;
    const owned = new Uint8Array(layout.size);
    const comps: number[][] = [];
    for (let t = 0; t < layout.nThread; t++) {
      const c: number[] = [];
      for (let k = 0; k < o.threadSize; k++) c.push(o.thread + t * o.threadSize + k);
      const cpu = threadCpu[t]!;
      for (let k = 0; k < tlbRow; k++) c.push(o.tlb + cpu * tlbRow + k);
      for (const i of c) owned[i] = 1;
      comps.push(c);
    }
    const shared: number[] = [];
    for (let i = 0; i < layout.size; i++) if (!owned[i]) shared.push(i);
    comps.push(shared);
    this.comps = comps.map((c) => Int32Array.from(c));
    this.tables = this.comps.map((c) => new VecTable(c.length, 4096));
    this.states = new VecTable(this.comps.length, 1 << 14);
    this.scratch = new Int32Array(Math.max(1, ...this.comps.map((c) => c.length)));
    this.ids = new Int32Array(this.comps.length);
    this.parents = new Int32Array(1 << 14);
    this.movers = new Uint8Array(1 << 14);
  }

  get size(): number {
    return this.states.size;
  }

  /** Add a state; returns its id and whether it is new. */
  add(s: Int32Array, parent: number, mover: number): { id: number; added: boolean } {
    const comps = this.comps;
    const scratch = this.scratch;
    for (let c = 0; c < comps.length; c++) {
      const map = comps[c]!;
      for (let k = 0; k < map.length; k++) scratch[k] = s[map[k]!]!;
      this.ids[c] = this.tables[c]!.intern(scratch, 0).id;
    }
    const r = this.states.intern(this.ids, 0);
    if (r.added) {
      if (r.id >= this.parents.length) {
        const np = new Int32Array(this.parents.length * 2);
        np.set(this.parents);
        this.parents = np;
        const nm = new Uint8Array(this.movers.length * 2);
        nm.set(this.movers);
        this.movers = nm;
      }
      this.parents[r.id] = parent;
      this.movers[r.id] = mover;
    }
    return r;
  }

  /** Write state `id` into s. */
  read(id: number, s: Int32Array): void {
    const comps = this.comps;
    const scratch = this.scratch;
    for (let c = 0; c < comps.length; c++) {
      const cid = this.states.get(id, c);
      const map = comps[c]!;
      this.tables[c]!.read(cid, scratch, 0);
      for (let k = 0; k < map.length; k++) s[map[k]!] = scratch[k]!;
    }
  }

  parent(id: number): number {
    return this.parents[id]!;
  }

  mover(id: number): number {
    return this.movers[id]!;
  }

  /** The threads that moved on the path from the initial state to `id`. */
  path(id: number): number[] {
    const out: number[] = [];
    for (let x = id; x > 0; x = this.parents[x]!) out.push(this.movers[x]!);
    return out.reverse();
  }

  /** Bytes used per stored state: component tables, state table, parents and movers. */
  bytesPerState(): number {
    let b = this.states.bytes + this.size * 5;
    for (const t of this.tables) b += t.bytes;
    return this.size > 0 ? b / this.size : 0;
  }

  componentCounts(): number[] {
    return this.tables.map((t) => t.size);
  }

  get layoutSize(): number {
    return this.layout.size;
  }
}

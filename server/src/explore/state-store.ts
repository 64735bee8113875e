// The visited-state store. A state vector is split into components (one per thread with its
// CPU's TLB row, one for everything shared); each component is interned in its own table,
// and a state is stored as the vector of its component ids (SPIN's COLLAPSE compression).
// States get dense ids in insertion order, which is BFS order; each records its parent and
// the thread that moved, so the shortest interleaving to any state can be rebuilt.
import type { Layout } from '../engine/layout';
import { UNLIMITED, type MemoryGuard } from './memory';
import { StateTable } from './state-table';
import { VecTable } from './vec-table';

export class StateStore {
  private readonly ranges: readonly (readonly [number, number])[];
  private readonly tables: VecTable[];
  private readonly states: StateTable;
  private readonly ids: Int32Array;
  private parents: Int32Array;
  private movers: Uint8Array;
  private parentId = -1;
  private readonly parentIds: Int32Array;
  /** The buffer `readNext` last wrote, and the component ids it holds. */
  private nextBuf: Int32Array | undefined;
  private readonly nextIds: Int32Array;

  constructor(
    private readonly layout: Layout,
    private readonly guard: MemoryGuard = UNLIMITED(),
  ) {
    this.ranges = layout.off.components;
    this.tables = this.ranges.map(([a, b]) => new VecTable(b - a, 4096, true, guard));
    this.states = new StateTable(this.ranges.length, 1 << 14, guard);
    guard.grow(0, (1 << 14) * 5);
    this.ids = new Int32Array(this.ranges.length);
    this.parentIds = new Int32Array(this.ranges.length);
    this.nextIds = new Int32Array(this.ranges.length);
    this.parents = new Int32Array(1 << 14);
    this.movers = new Uint8Array(1 << 14);
  }

  get size(): number {
    return this.states.size;
  }

  /** Whether the last `add` stored a new state. */
  added = false;

  /**
   * Add state `s`, reached from stored state `from` (whose vector is `fromState`) by thread
   * `mover`; components equal to the parent's reuse its ids. Returns the id; `added` says
   * whether it is new.
   */
  add(s: Int32Array, from: number, fromState: Int32Array | undefined, mover: number): number {
    const ranges = this.ranges;
    if (from >= 0 && from !== this.parentId) {
      // the parent's component ids, decoded once for all its successors
      for (let c = 0; c < ranges.length; c++) this.parentIds[c] = this.states.get(from, c);
      this.parentId = from;
    }
    for (let c = 0; c < ranges.length; c++) {
      const [a, b] = ranges[c]!;
      if (fromState && from >= 0) {
        let same = true;
        for (let k = a; k < b; k++) {
          if (s[k] !== fromState[k]) {
            same = false;
            break;
          }
        }
        if (same) {
          this.ids[c] = this.parentIds[c]!;
          continue;
        }
      }
      this.ids[c] = this.tables[c]!.intern(s, a);
    }
    const id = this.states.intern(this.ids);
    const added = this.states.added;
    if (added) {
      if (id >= this.parents.length) {
        // grown by half: the slack of a doubling would be a third of the store's bytes
        const len = Math.floor(this.parents.length * 1.5);
        this.guard.grow(this.parents.byteLength + this.movers.byteLength, len * 5);
        const np = new Int32Array(len);
        np.set(this.parents);
        this.parents = np;
        const nm = new Uint8Array(len);
        nm.set(this.movers);
        this.movers = nm;
      }
      this.parents[id] = from;
      this.movers[id] = mover;
    }
    this.added = added;
    return id;
  }

  /**
   * Write state `id` into s, which must hold what the previous `readNext` wrote into it,
   * unchanged: only the components whose ids differ from that state's are decoded. The ids
   * are kept as the parent's for the `add`s of its successors.
   */
  readNext(id: number, s: Int32Array): void {
    const ranges = this.ranges;
    const ids = this.nextIds;
    const fresh = s !== this.nextBuf;
    this.nextBuf = s;
    for (let c = 0; c < ranges.length; c++) {
      const cid = this.states.get(id, c);
      this.parentIds[c] = cid;
      if (!fresh && ids[c] === cid) continue;
      ids[c] = cid;
      this.tables[c]!.read(cid, s, ranges[c]![0]);
    }
    this.parentId = id;
  }

  /** Write state `id` into s. */
  read(id: number, s: Int32Array): void {
    const ranges = this.ranges;
    for (let c = 0; c < ranges.length; c++) this.tables[c]!.read(this.states.get(id, c), s, ranges[c]![0]);
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

  /** Bytes held by the store's arrays: component tables, state table, parents and movers. */
  totalBytes(): number {
    let b = this.states.bytes + this.parents.byteLength + this.movers.byteLength;
    for (const t of this.tables) b += t.bytes;
    return b;
  }

  /** Bytes held per stored state. */
  bytesPerState(): number {
    return this.size > 0 ? this.totalBytes() / this.size : 0;
  }

  componentCounts(): number[] {
    return this.tables.map((t) => t.size);
  }

  get layoutSize(): number {
    return this.layout.size;
  }
}

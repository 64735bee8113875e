import { UNLIMITED, type MemoryGuard } from './memory';

// The table of stored states: each state is a vector of component ids, packed into bytes with
// a width per component that grows as its table grows (1 byte while a component has fewer
// than 256 distinct values, then 2, 3, 4). Ids are dense and in insertion order (BFS order).
// Open addressing over one Int32 a slot: the state id in the low bits and, above them, as many
// high bits of the state's hash as fit (a tag), so a probe reads a record only when the tags
// agree. Ids are below the capacity, so the id needs log2(capacity) bits and the tag gets the
// other 31 - log2(capacity). The tags keep probes cheap up to 70% load, where the table
// doubles; the records grow by half. Hashes are recomputed from the packed bytes on rehash.

export class StateTable {
  private widths: number[]; // bytes per component id
  private offsets: number[]; // byte offset of each component in a record
  private recordSize: number;
  private data: Uint8Array;
  private slots: Int32Array;
  private mask: number;
  private idBits: number; // log2(capacity): the bits of a slot that hold the id
  private n = 0;
  private readonly scratch: Uint8Array;
  /** Whether the last `intern` added a new state. */
  added = false;

  constructor(
    private readonly components: number,
    initialCapacity = 1 << 14,
    private readonly guard: MemoryGuard = UNLIMITED(),
  ) {
    this.widths = new Array<number>(components).fill(1);
    this.offsets = [];
    this.recordSize = 0;
    this.layoutRecords();
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    guard.grow(0, cap * 4 + initialCapacity * this.recordSize);
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.idBits = 31 - Math.clz32(cap);
    this.data = new Uint8Array(initialCapacity * this.recordSize);
    this.scratch = new Uint8Array(components * 4);
  }

  private layoutRecords(): void {
    let o = 0;
    this.offsets = this.widths.map((w) => {
      const at = o;
      o += w;
      return at;
    });
    this.recordSize = o;
  }

  get size(): number {
    return this.n;
  }

  get bytes(): number {
    return this.data.byteLength + this.slots.byteLength;
  }

  private static widthFor(id: number): number {
    return id < 0x100 ? 1 : id < 0x10000 ? 2 : id < 0x1000000 ? 3 : 4;
  }

  /** Re-encode every stored record with wider fields. */
  private widen(ids: Int32Array): void {
    const need = this.widths.map((w, c) => Math.max(w, StateTable.widthFor(ids[c]!)));
    if (need.every((w, c) => w === this.widths[c])) return;
    const old = { widths: this.widths, offsets: this.offsets, size: this.recordSize, data: this.data };
    this.widths = need;
    this.layoutRecords();
    const cap = Math.max(1, this.data.length / old.size);
    this.guard.grow(old.data.byteLength, Math.ceil(cap) * this.recordSize);
    const nd = new Uint8Array(Math.ceil(cap) * this.recordSize);
    const tmp = new Int32Array(this.components);
    for (let id = 0; id < this.n; id++) {
      for (let c = 0; c < this.components; c++) tmp[c] = StateTable.readField(old.data, id * old.size + old.offsets[c]!, old.widths[c]!);
      this.encode(tmp, nd, id * this.recordSize);
    }
    this.data = nd;
    // hashes are computed from the encoding: place every state again
    this.rehashAt(this.mask + 1);
  }

  private static readField(d: Uint8Array, at: number, w: number): number {
    let v = 0;
    for (let k = w - 1; k >= 0; k--) v = v * 256 + d[at + k]!;
    return v;
  }

  private encode(ids: Int32Array, d: Uint8Array, at: number): void {
    for (let c = 0; c < this.components; c++) {
      let v = ids[c]!;
      const o = at + this.offsets[c]!;
      for (let k = 0; k < this.widths[c]!; k++) {
        d[o + k] = v & 0xff;
        v >>>= 8;
      }
    }
  }

  private hash(d: Uint8Array, at: number): number {
    let h = 0x811c9dc5;
    for (let k = 0; k < this.recordSize; k++) h = Math.imul(h ^ d[at + k]!, 0x01000193);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    h ^= h >>> 12;
    h = Math.imul(h, 0x297a2d39);
    return h ^ (h >>> 15);
  }

  /** The id of the state with these component ids, adding it if new (then `added` is true). */
  intern(ids: Int32Array): number {
    for (let c = 0; c < this.components; c++) {
      if (ids[c]! >= 1 << (8 * this.widths[c]!) && this.widths[c]! < 4) {
        this.widen(ids);
        break;
      }
    }
    const rs = this.recordSize;
    const sc = this.scratch;
    this.encode(ids, sc, 0);
    const h = this.hash(sc, 0);
    const d = this.data;
    const idBits = this.idBits;
    const idMask = this.mask;
    const tag = h >>> (idBits + 1);
    let i = h & this.mask;
    for (;;) {
      const slot = this.slots[i]!;
      if (slot < 0) break;
      if (slot >>> idBits !== tag) {
        i = (i + 1) & this.mask;
        continue;
      }
      const id = slot & idMask;
      const base = id * rs;
      let eq = true;
      for (let k = 0; k < rs; k++) {
        if (d[base + k] !== sc[k]) {
          eq = false;
          break;
        }
      }
      if (eq) {
        this.added = false;
        return id;
      }
      i = (i + 1) & this.mask;
    }
    const id = this.n;
    if ((id + 1) * rs > this.data.length) {
      const grown = Math.max(Math.floor(this.data.length * 1.5), (id + 1) * rs);
      this.guard.grow(this.data.byteLength, grown);
      const nd = new Uint8Array(grown);
      nd.set(this.data);
      this.data = nd;
    }
    this.data.set(sc.subarray(0, rs), id * rs);
    this.n++;
    this.added = true;
    if (this.n * 10 > (this.mask + 1) * 7) this.rehash();
    else this.slots[i] = (tag << idBits) | id;
    return id;
  }

  private rehash(): void {
    this.rehashAt((this.mask + 1) * 2);
  }

  private rehashAt(cap: number): void {
    this.guard.grow(this.slots.byteLength, cap * 4);
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    const idBits = (this.idBits = 31 - Math.clz32(cap));
    const rs = this.recordSize;
    for (let id = 0; id < this.n; id++) {
      const h = this.hash(this.data, id * rs);
      let i = h & this.mask;
      while (this.slots[i]! >= 0) i = (i + 1) & this.mask;
      this.slots[i] = ((h >>> (idBits + 1)) << idBits) | id;
    }
  }

  /** Component id c of state `id`. */
  get(id: number, c: number): number {
    return StateTable.readField(this.data, id * this.recordSize + this.offsets[c]!, this.widths[c]!);
  }
}

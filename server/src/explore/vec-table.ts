// A hash set of fixed-length int vectors that assigns each distinct vector a dense id, in
// insertion order. Open addressing over typed arrays: no per-entry objects.

export class VecTable {
  private data: Int32Array;
  private hashes: Int32Array;
  private slots: Int32Array;
  private mask: number;
  private n = 0;

  constructor(
    readonly width: number,
    initialCapacity = 1024,
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.data = new Int32Array(Math.max(1, width) * initialCapacity);
    this.hashes = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.n;
  }

  /** Bytes held by this table's arrays. */
  get bytes(): number {
    return this.data.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  static hash(src: Int32Array, off: number, len: number): number {
    let h = 0x811c9dc5 ^ len;
    for (let i = 0; i < len; i++) {
      h = Math.imul(h ^ src[off + i]!, 0x01000193);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** The id of the vector src[off .. off+width), adding it if new. `added` tells which. */
  intern(src: Int32Array, off: number): { id: number; added: boolean } {
    const id = this.find(src, off);
    if (id >= 0) return { id, added: false };
    return { id: this.add(src, off), added: true };
  }

  /** Id of the vector or -1. */
  find(src: Int32Array, off: number, h = VecTable.hash(src, off, this.width)): number {
    const w = this.width;
    let i = h & this.mask;
    const data = this.data;
    for (;;) {
      const id = this.slots[i]!;
      if (id < 0) return -1;
      if (this.hashes[id] === h) {
        const base = id * w;
        let eq = true;
        for (let k = 0; k < w; k++) {
          if (data[base + k] !== src[off + k]) {
            eq = false;
            break;
          }
        }
        if (eq) return id;
      }
      i = (i + 1) & this.mask;
    }
  }

  private add(src: Int32Array, off: number): number {
    const w = this.width;
    const id = this.n;
    if ((id + 1) * w > this.data.length || id >= this.hashes.length) {
      const cap = Math.max(16, this.hashes.length * 2);
      const nd = new Int32Array(cap * Math.max(1, w));
      nd.set(this.data);
      this.data = nd;
      const nh = new Int32Array(cap);
      nh.set(this.hashes);
      this.hashes = nh;
    }
    const h = VecTable.hash(src, off, w);
    for (let k = 0; k < w; k++) this.data[id * w + k] = src[off + k]!;
    this.hashes[id] = h;
    this.n++;
    if (this.n * 2 > this.slots.length) this.rehash();
    else this.place(id, h);
    return id;
  }

  private place(id: number, h: number): void {
    let i = h & this.mask;
    while (this.slots[i]! >= 0) i = (i + 1) & this.mask;
    this.slots[i] = id;
  }

  private rehash(): void {
    const cap = this.slots.length * 2;
    this.slots = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    for (let id = 0; id < this.n; id++) this.place(id, this.hashes[id]!);
  }

  /** Copy vector `id` into dst at dstOff. */
  read(id: number, dst: Int32Array, dstOff: number): void {
    const w = this.width;
    const base = id * w;
    for (let k = 0; k < w; k++) dst[dstOff + k] = this.data[base + k]!;
  }

  get(id: number, k: number): number {
    return this.data[id * this.width + k]!;
  }
}

import { UNLIMITED, type MemoryGuard } from './memory';

// A hash set of int vectors of one maximum width that assigns each distinct vector a dense
// id, in insertion order. With `trim`, trailing zeros are not stored (a component's unused
// slots, e.g. free frame slots, cost nothing); without, vectors are stored at fixed width
// and need no offset table. Open addressing over typed arrays: no per-entry objects.

export class VecTable {
  private data: Int32Array;
  private starts: Int32Array; // entry id -> offset in data; starts[n] = end of data
  private hashes: Int32Array;
  private slots: Int32Array;
  private mask: number;
  private n = 0;

  constructor(
    readonly width: number,
    initialCapacity = 1024,
    private readonly trim = true,
    private readonly guard: MemoryGuard = UNLIMITED(),
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap <<= 1;
    guard.grow(0, 4 * (cap * 2 + Math.max(16, initialCapacity * 4) + (trim ? initialCapacity + 1 : 0) + initialCapacity));
    this.slots = new Int32Array(cap * 2).fill(-1);
    this.mask = cap - 1;
    this.data = new Int32Array(Math.max(16, initialCapacity * 4));
    this.starts = new Int32Array(trim ? initialCapacity + 1 : 0);
    this.hashes = new Int32Array(initialCapacity);
  }

  get size(): number {
    return this.n;
  }

  /** Bytes held by this table's arrays. */
  get bytes(): number {
    return this.data.byteLength + this.starts.byteLength + this.hashes.byteLength + this.slots.byteLength;
  }

  /** Length of src[off .. off+width) without its trailing zeros. */
  private effective(src: Int32Array, off: number): number {
    let len = this.width;
    if (!this.trim) return len;
    while (len > 0 && src[off + len - 1] === 0) len--;
    return len;
  }

  private static hash(src: Int32Array, off: number, len: number): number {
    let h = 0x811c9dc5 ^ len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ src[off + i]!, 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** Whether the last `intern` added a new vector. */
  added = false;

  /** The id of the vector src[off .. off+width), adding it if new (then `added` is true). */
  intern(src: Int32Array, off: number): number {
    const len = this.effective(src, off);
    const h = VecTable.hash(src, off, len);
    const data = this.data;
    const slots = this.slots;
    let i = h & this.mask;
    for (;;) {
      const id = slots[2 * i]!;
      if (id < 0) break;
      if (slots[2 * i + 1] === h) {
        const base = this.trim ? this.starts[id]! : id * this.width;
        if (!this.trim || this.starts[id + 1]! - base === len) {
          let eq = true;
          for (let k = 0; k < len; k++) {
            if (data[base + k] !== src[off + k]) {
              eq = false;
              break;
            }
          }
          if (eq) {
            this.added = false;
            return id;
          }
        }
      }
      i = (i + 1) & this.mask;
    }
    this.added = true;
    return this.add(src, off, len, h);
  }

  private add(src: Int32Array, off: number, len: number, h: number): number {
    const id = this.n;
    if (id + 1 >= this.hashes.length) {
      this.guard.grow(this.starts.byteLength + this.hashes.byteLength, 2 * (this.starts.byteLength + this.hashes.byteLength));
      if (this.trim) {
        const ns = new Int32Array(this.starts.length * 2);
        ns.set(this.starts);
        this.starts = ns;
      }
      const nh = new Int32Array(this.hashes.length * 2);
      nh.set(this.hashes);
      this.hashes = nh;
    }
    const base = this.trim ? this.starts[id]! : id * this.width;
    if (base + len > this.data.length) {
      const grown = Math.max(this.data.length * 2, base + len);
      this.guard.grow(this.data.byteLength, grown * 4);
      const nd = new Int32Array(grown);
      nd.set(this.data);
      this.data = nd;
    }
    for (let k = 0; k < len; k++) this.data[base + k] = src[off + k]!;
    if (this.trim) this.starts[id + 1] = base + len;
    this.hashes[id] = h;
    this.n++;
    if (this.n * 2 > this.mask + 1) this.rehash();
    else this.place(id, h);
    return id;
  }

  private place(id: number, h: number): void {
    let i = h & this.mask;
    while (this.slots[2 * i]! >= 0) i = (i + 1) & this.mask;
    this.slots[2 * i] = id;
    this.slots[2 * i + 1] = h;
  }

  private rehash(): void {
    const cap = (this.mask + 1) * 2;
    this.guard.grow(this.slots.byteLength, cap * 2 * 4);
    this.slots = new Int32Array(cap * 2).fill(-1);
    this.mask = cap - 1;
    for (let id = 0; id < this.n; id++) this.place(id, this.hashes[id]!);
  }

  /** Copy vector `id` into dst at dstOff (its trailing zeros included). */
  read(id: number, dst: Int32Array, dstOff: number): void {
    const base = this.trim ? this.starts[id]! : id * this.width;
    const len = this.trim ? this.starts[id + 1]! - base : this.width;
    const data = this.data;
    for (let k = 0; k < len; k++) dst[dstOff + k] = data[base + k]!;
    for (let k = len; k < this.width; k++) dst[dstOff + k] = 0;
  }

  /** Element k of vector `id`. */
  get(id: number, k: number): number {
    if (!this.trim) return this.data[id * this.width + k]!;
    const base = this.starts[id]!;
    return base + k < this.starts[id + 1]! ? this.data[base + k]! : 0;
  }
}

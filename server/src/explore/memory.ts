// The state store's memory budget: every typed array the store allocates is accounted here
// before it is allocated, so the store's off-heap memory (which no worker heap limit bounds)
// never exceeds the budget, the copy of a growing table included. Over the budget the search
// stops: incomplete, reason `memory-limit`.

export class MemoryLimitError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the state store would exceed its memory budget of ${Math.round(maxBytes / (1024 * 1024))} MB`);
  }
}

export class MemoryGuard {
  /** Bytes held by the store's arrays. */
  used = 0;

  constructor(readonly maxBytes: number = Infinity) {}

  /**
   * An array of `oldBytes` is about to be replaced by one of `newBytes` (0 old: a new array).
   * While both exist the store holds both: that peak must fit. Throws MemoryLimitError.
   */
  grow(oldBytes: number, newBytes: number): void {
    if (this.used + newBytes > this.maxBytes) throw new MemoryLimitError(this.maxBytes);
    this.used += newBytes - oldBytes;
  }
}

/** A guard that never refuses (tables used outside a budgeted search). */
export const UNLIMITED = (): MemoryGuard => new MemoryGuard();

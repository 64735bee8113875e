// Complete explorations by their key (analysis/exploration-key.ts: the lowered spec and the
// budget, no source position), so an edit that changes no scenario's meaning is answered at once.
// Least recently used first out, bounded by entries and by approximate bytes: the server runs
// for days. An incomplete result (cut short by a budget, a cancellation or an error) is never
// stored, so it is never shown again as if the search had finished.
import type { ExploreResult } from '../analysis/analyze';

export const CACHE_MAX_ENTRIES = 500;
export const CACHE_MAX_BYTES = 64 * 1024 * 1024;

export class ExplorationCache {
  /** In use order: a Map iterates in insertion order, and a hit is moved to the end. */
  private readonly entries = new Map<string, { readonly result: ExploreResult; readonly bytes: number }>();
  private total = 0;

  constructor(
    private readonly maxEntries = CACHE_MAX_ENTRIES,
    private readonly maxBytes = CACHE_MAX_BYTES,
  ) {}

  get(key: string): ExploreResult | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.result;
  }

  /** Stores a complete result; whether it was stored. */
  set(key: string, result: ExploreResult): boolean {
    if (!result.complete || result.error !== undefined) return false;
    // UTF-16 strings: about two bytes a character, for the key and the result's serialization
    const bytes = 2 * (key.length + JSON.stringify(result).length);
    if (bytes > this.maxBytes) return false;
    this.drop(key);
    this.entries.set(key, { result, bytes });
    this.total += bytes;
    for (const k of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.total <= this.maxBytes) break;
      this.drop(k);
    }
    return true;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.bytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }
}

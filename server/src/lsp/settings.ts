// The server's settings (`vmscen.*` in the client's configuration) and their defaults.
export interface Settings {
  readonly maxStates: number;
  readonly timeLimitMs: number;
  /** The state store's memory budget per exploration, in MB (its arrays live off the worker's heap). */
  readonly maxMemoryMb: number;
  readonly exploreWhileTyping: boolean;
  readonly debounceMs: number;
}

export const DEFAULT_SETTINGS: Settings = { maxStates: 200_000, timeLimitMs: 10_000, maxMemoryMb: 1024, exploreWhileTyping: true, debounceMs: 300 };

/** An exploration's budget from the settings. */
export function budgetOf(s: Settings): { maxStates: number; maxMs: number; maxBytes: number } {
  return { maxStates: s.maxStates, maxMs: s.timeLimitMs, maxBytes: s.maxMemoryMb * 1024 * 1024 };
}

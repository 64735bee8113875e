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

/** The shortest wait after an edit that changed a scenario's meaning. */
export const MIN_DEBOUNCE_MS = 50;

/**
 * How long to wait after an edit before exploring: about twice the document's last exploration
 * (a fast file is explored almost at once, a slow one waits for a pause in typing), at least
 * MIN_DEBOUNCE_MS and at most the `debounceMs` setting. (An edit that changes no scenario's
 * meaning waits for nothing: its explorations come from the cache.)
 */
export function debounceOf(s: Settings, lastExploreMs: number | undefined): number {
  return Math.min(s.debounceMs, Math.max(MIN_DEBOUNCE_MS, 2 * (lastExploreMs ?? 0)));
}

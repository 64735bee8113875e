// The server's settings (`vmscen.*` in the client's configuration) and their defaults.
export interface Settings {
  readonly maxStates: number;
  readonly timeLimitMs: number;
  readonly exploreWhileTyping: boolean;
  readonly debounceMs: number;
}

export const DEFAULT_SETTINGS: Settings = { maxStates: 200_000, timeLimitMs: 10_000, exploreWhileTyping: true, debounceMs: 300 };

// Exploration budgets. The clock and the cancellation check are passed in, never read
// directly, so exploration stays deterministic for a given budget of states.

export interface Budget {
  /** Stop after storing this many states. */
  readonly maxStates: number;
  /** Stop once `now()` passes this many ms after the start (needs `now`). */
  readonly maxMs?: number;
  readonly now?: () => number;
  /** Polled every few thousand states; true stops the search. */
  readonly cancelled?: () => boolean;
  /** The state store's memory budget in bytes (its typed arrays, off the JS heap). */
  readonly maxBytes?: number;
}

export type StopReason = 'state-limit' | 'time-limit' | 'memory-limit' | 'cancelled' | 'error';

export const DEFAULT_MAX_STATES = 2_000_000;

export class BudgetClock {
  private readonly start: number;

  constructor(private readonly budget: Budget) {
    this.start = budget.now ? budget.now() : 0;
  }

  elapsed(): number {
    return this.budget.now ? this.budget.now() - this.start : 0;
  }

  /** Why to stop now, if at all. */
  check(states: number): StopReason | undefined {
    if (states >= this.budget.maxStates) return 'state-limit';
    if (this.budget.cancelled?.()) return 'cancelled';
    if (this.budget.maxMs !== undefined && this.budget.now && this.elapsed() >= this.budget.maxMs) return 'time-limit';
    return undefined;
  }
}

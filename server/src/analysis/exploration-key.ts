// The key an exploration's result can be cached under: the lowered spec (indices and values,
// never a source position) and the effective budget, serialized with object keys sorted, so
// two specs with the same content have the same key whatever order their fields were built in.
// Equal keys explore alike: the engine is deterministic, and a complete result does not depend
// on the clock.
import type { ScenarioSpec } from '../engine/scenario';

export interface TaskBudget {
  readonly maxStates: number;
  readonly maxMs?: number;
  readonly maxBytes?: number;
  /** Whether the outcome table is collected: a different result. */
  readonly outcomes?: boolean;
}

export function explorationKey(spec: ScenarioSpec, budget: TaskBudget): string {
  return stableJson({ spec, budget: { maxStates: budget.maxStates, maxMs: budget.maxMs, maxBytes: budget.maxBytes, outcomes: budget.outcomes } });
}

/** JSON with object keys sorted (undefined fields left out, as JSON.stringify does). */
export function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const fields = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`);
  return `{${fields.join(',')}}`;
}

// What a micro-step reports: a lock-rule violation or a race, placed at a thread's step.
import type { RaceKind, ViolationCode } from './findings';

export interface Place {
  readonly thread: number;
  readonly step: number;
}

export type FindingEvent =
  | { readonly type: 'violation'; readonly code: ViolationCode; readonly place: Place; readonly message: string; readonly related: readonly Place[] }
  | { readonly type: 'race'; readonly code: RaceKind; readonly place: Place; readonly message: string; readonly related: readonly Place[] };

export type EventSink = (e: FindingEvent) => void;

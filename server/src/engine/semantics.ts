// The semantics table: one entry per micro-step kind (instr.ts lists the kinds), assembled from
// one file per concern under step/. An entry names the kernel function the step stands for and
// gives its mover class, its enabling condition, its effect, what it waits for and its
// footprint. The compiler rejects a kind without an entry or an entry without a field
// (SemanticsTable); a tidy test rejects a kind defined in two parts.
import { MICRO_KINDS, type MicroKind } from './instr';
import type { MicroSem } from './micro-sem';
import { CHANGE_PROTECTION } from './step/change-protection';
import { EXPLICIT } from './step/explicit';
import { FAULT } from './step/fault';
import { FORK } from './step/fork';
import { GUP } from './step/gup';
import { GUP_FAST } from './step/gup-fast';
import { KERNEL_ACCESS } from './step/kernel-access';
import { MREMAP } from './step/mremap';
import { OP_LOCK } from './step/op-lock';
import { SPECULATIVE_FAULT } from './step/speculative-fault';
import { TRUNCATE } from './step/truncate';
import { UNMAP } from './step/unmap';
import { USER_ACCESS } from './step/user-access';
import { VMA_LOCKED_FAULT } from './step/vma-locked-fault';
import { WP_PAGE } from './step/wp-page';
import { STACK } from './step/stack';
import { RECLAIM } from './step/reclaim';
import { NUMA } from './step/numa';
import { MIGRATE } from './step/migrate';

export type SemanticsTable = { readonly [K in MicroKind]: MicroSem<K> };

/** The parts, by the file that defines them (the tidy test checks they do not overlap). */
export const SEMANTICS_PARTS = {
  'step/user-access.ts': USER_ACCESS,
  'step/fault.ts': FAULT,
  'step/vma-locked-fault.ts': VMA_LOCKED_FAULT,
  'step/speculative-fault.ts': SPECULATIVE_FAULT,
  'step/wp-page.ts': WP_PAGE,
  'step/gup.ts': GUP,
  'step/gup-fast.ts': GUP_FAST,
  'step/op-lock.ts': OP_LOCK,
  'step/change-protection.ts': CHANGE_PROTECTION,
  'step/unmap.ts': UNMAP,
  'step/fork.ts': FORK,
  'step/explicit.ts': EXPLICIT,
  'step/kernel-access.ts': KERNEL_ACCESS,
  // stack growth (issue 10)
  'step/stack.ts': STACK,
  'step/reclaim.ts': RECLAIM,
  'step/numa.ts': NUMA,
  'step/migrate.ts': MIGRATE,
  // issue 10: mremap, truncate
  'step/mremap.ts': MREMAP,
  'step/truncate.ts': TRUNCATE,
} as const;

export const SEMANTICS: SemanticsTable = {
  ...USER_ACCESS,
  ...FAULT,
  ...VMA_LOCKED_FAULT,
  ...SPECULATIVE_FAULT,
  ...WP_PAGE,
  ...GUP,
  ...GUP_FAST,
  ...OP_LOCK,
  ...CHANGE_PROTECTION,
  ...UNMAP,
  ...FORK,
  ...EXPLICIT,
  ...KERNEL_ACCESS,
  // stack growth (issue 10)
  ...STACK,
  ...RECLAIM,
  ...NUMA,
  ...MIGRATE,
  ...MREMAP,
  ...TRUNCATE,
};

/** An entry with its instruction type erased: what the dispatcher calls through. */
export type AnySem = MicroSem<MicroKind>;

/** The table by kind code (instr.ts MICRO_CODES): Exec dispatches through it. */
export const SEM_BY_CODE: readonly AnySem[] = MICRO_KINDS.map((k) => SEMANTICS[k] as unknown as AnySem);

export function semanticsOf(kind: MicroKind): AnySem {
  return SEMANTICS[kind] as unknown as AnySem;
}

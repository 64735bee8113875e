// The shape of an entry of the semantics table (semantics.ts): one per micro-step kind, with
// the kernel function it stands for, how it moves under the reduction, when it can run, what
// it does, what it waits for when it cannot, and its footprint: what it reads and writes.
import type { ExecContext } from './context';
import type { InstrOf, MicroKind } from './instr';
import type { State } from './machine';

/**
 * Mover class for the reduction in Exec.transition(): R = an acquisition (a right mover), L = a
 * release (a left mover), N = anything else. Explicit lock steps stay N: they are what a user
 * models by hand, and each is shown as its own step.
 */
export type Mover = 'R' | 'L' | 'N';

/** What blocks a thread, for deadlock reports. */
export interface WaitInfo {
  readonly thread: number;
  readonly what: string;
  readonly holders: readonly number[];
  /** Some holders have only queued ahead of it for the lock (a fair lock), not taken it. */
  readonly queuedAhead?: boolean;
}

/**
 * The shared state a micro-step can touch. Thread-private state (its pc, op-local registers,
 * its own references and registers) is not listed; another thread's is (`thread-control`,
 * `fault-work`).
 */
export type Resource =
  | 'mmap-lock' // the mm's rwsem: holders, FIFO queue (and the woken threads' status)
  | 'range-lock' // the mm's range-lock slots (and the woken threads' status)
  | 'vma-lock' // per-VMA read/write locks (vma_start_read/write) and spf's vm_write_begin marks
  | 'vma-seq' // spf: the VMA sequence counts
  | 'vma' // the VMA tree: bounds, protection, flags, state
  | 'ptl' // page-table spinlocks (holder, and the record of nesting orders)
  | 'page-table' // page-table presence, generation, deferred freeing
  | 'pte' // page-table entries
  | 'tlb' // cached translations and their stale tags
  | 'frame' // a page's contents
  | 'page-refs' // a page's refcount, pincount, mapping flags (exclusive, freed, shared by fork)
  | 'flush-pending' // mm->tlb_flush_pending
  | 'wp-seq' // mm->write_protect_seq
  | 'irq' // whether a CPU has IRQs off (shootdown IPIs, RCU grace periods)
  | 'mm' // whether an mm exists (fork creates the child)
  | 'thread-control' // another thread's pc and status (has its op returned? is it waiting?)
  | 'fault-work' // another thread's fault in progress: the page it copied (lost-write detection)
  | 'gup-refs' // page references (GUP results) held by threads, their pins and where they were taken
  | 'flush-batched'; // reclaim: mm->tlb_flush_batched

/**
 * Which instances of a resource: the step's own page or table, the op's range (its VMAs), the
 * whole mm, the thread's own (its references) or its CPU's (TLB row, IRQs), every CPU of the
 * mm, fork's child mm, or any (any mm, or a frame reached through a PTE, a reference or a
 * register).
 */
export type Scope = 'page' | 'table' | 'range' | 'mm' | 'own' | 'cpu' | 'mm-cpus' | 'child' | 'any';

/** What each resource is, for hover and docs. */
export const RESOURCE_DOC: Readonly<Record<Resource, string>> = {
  'mmap-lock': "the mm's mmap_lock: holders and the FIFO of waiters",
  'range-lock': "the mm's range locks (locking range): held and queued ranges",
  'vma-lock': 'per-VMA read/write locks (locking pervma) and vm_write_begin marks (spf)',
  'vma-seq': "VMA sequence counts (locking spf)",
  vma: 'the VMA tree: bounds, protection, flags, state',
  ptl: 'page-table spinlocks, and the record of the orders they were nested in',
  'page-table': 'page-table presence, generation and deferred (RCU) freeing',
  pte: 'page-table entries',
  tlb: 'cached translations, with the ops that made them stale',
  frame: "a page's contents",
  'page-refs': "a page's refcount, pincount and flags (exclusive, freed, shared by a fork)",
  'flush-pending': 'mm->tlb_flush_pending',
  'wp-seq': 'mm->write_protect_seq',
  irq: 'whether a CPU has IRQs off',
  mm: 'whether an mm exists yet (fork creates the child)',
  'thread-control': "another thread's progress and status (has its op returned? is it waiting?)",
  'fault-work': "another thread's COW fault in progress: the page it copied and stores since",
  'gup-refs': 'page references and pins held by threads (GUP results)',
  'flush-batched': 'mm->tlb_flush_batched: reclaim deferred a TLB flush for the mm',
};

/** How each scope is read in hover and docs. */
export const SCOPE_DOC: Readonly<Record<Scope, string>> = {
  page: 'its page',
  table: 'its page table',
  range: "the op's range",
  mm: 'the mm',
  own: 'its own',
  cpu: 'its CPU',
  'mm-cpus': "the mm's CPUs",
  child: 'the child mm',
  any: 'any',
};

export interface Access {
  readonly resource: Resource;
  readonly scope: Scope;
}

/** What a micro-step (its enabling condition included) may read and may write. */
export interface Footprint {
  readonly reads: readonly Access[];
  readonly writes: readonly Access[];
}

/** Next pc (an index, END or SEGV), or undefined: the thread stays (queued or waiting). */
export type Next = number | undefined;

interface Base<K extends MicroKind> {
  /** The kernel function(s) the step stands for, as shown in traces and hover. */
  readonly kernel: string;
  /** One line: what the step does in the model. */
  readonly doc: string;
  /** Kernel source the step follows (docs/kernel-paths.md section, kernel-rules rule). */
  readonly source: string;
  readonly mover: Mover;
  readonly run: (cx: ExecContext, s: State, t: number, ins: InstrOf<K>) => Next;
  readonly footprint: Footprint;
}

/** A step that can block has both an enabling condition and what it waits for; others neither. */
type Blocking<K extends MicroKind> =
  | { readonly enabled?: undefined; readonly waitsFor?: undefined }
  | {
      readonly enabled: (cx: ExecContext, s: State, t: number, ins: InstrOf<K>) => boolean;
      readonly waitsFor: (cx: ExecContext, s: State, t: number, ins: InstrOf<K>) => WaitInfo;
    };

export type MicroSem<K extends MicroKind> = Base<K> & Blocking<K>;

/** A part of the table: the entries of one concern's kinds. */
export type SemanticsPart<Ks extends MicroKind> = { readonly [K in Ks]: MicroSem<K> };

/** An access written as text, checked by the compiler: 'pte:page', 'tlb:mm-cpus'. */
export type AccessText = `${Resource}:${Scope}`;

/** Footprint shorthand: `fp(['pte:page', 'tlb:mm-cpus'], ['pte:page'])`. */
export function fp(reads: readonly AccessText[], writes: readonly AccessText[]): Footprint {
  const parse = (list: readonly AccessText[]): Access[] =>
    list.map((x) => {
      const [resource, scope] = x.split(':') as [Resource, Scope];
      return { resource, scope };
    });
  return { reads: parse(reads), writes: parse(writes) };
}

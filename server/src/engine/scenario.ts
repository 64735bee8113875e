// The engine's input: a checked, name-resolved scenario as plain data. lang/lower.ts builds
// it from the AST; the engine never sees source text, only indices. `origin` fields are
// opaque to the engine and passed back in findings and traces so callers can map them to
// source positions.
import type { Arch, Design, Prot, ReuseRule } from './settings';

export const PAGE_SIZE = 0x1000;
export const PT_SPAN = 0x200000; // one page table per 2 MiB

export interface ScenarioSpec {
  readonly name: string;
  readonly design: Design;
  readonly arch: Arch;
  readonly rcuTableFree: boolean;
  readonly reuse: ReuseRule;
  /** Index 0 is `main`. Mms created by `fork -> MM` are listed with `forkedBy`. */
  readonly mms: readonly MmSpec[];
  readonly frames: readonly FrameSpec[];
  readonly tlbs: readonly TlbSpec[];
  readonly threads: readonly ThreadSpec[];
  readonly checks: readonly CheckSpec[];
  readonly limits: { readonly states?: number; readonly ms?: number };
}

export interface MmSpec {
  readonly name: string;
  /** Set for an mm that a `fork -> NAME` step creates: it does not exist before that step. */
  readonly forkedBy?: { readonly thread: number; readonly step: number };
  readonly vmas: readonly VmaSpec[];
  readonly ptes: readonly PteSpec[];
}

export interface VmaSpec {
  readonly start: number;
  readonly end: number;
  readonly prot: Prot;
  readonly file: boolean;
  readonly shared: boolean;
  readonly growsdown: boolean;
  readonly uffd: boolean;
  /** Page-cache frame per page (file VMAs), indices into `frames`; absent pages: none. */
  readonly cache: readonly (number | undefined)[];
}

export interface PteSpec {
  readonly addr: number;
  readonly frame: number;
  readonly writable: boolean;
}

export interface FrameSpec {
  readonly name: string;
  readonly value: number;
  /** Also mapped by an mm that is not modelled: mapcount > 1, never exclusive. */
  readonly shared: boolean;
  /** A page-cache page of a file the process may not write. */
  readonly readonly: boolean;
  /** Extra references that are never dropped. */
  readonly refs: number;
  /** A page-cache frame (named in a `cache` list), not an anonymous page. */
  readonly pageCache: boolean;
}

export interface TlbSpec {
  readonly cpu: number;
  readonly mm: number;
  readonly addr: number;
  readonly frame: number;
  readonly writable: boolean;
}

export interface ThreadSpec {
  readonly name: string;
  readonly cpu: number;
  readonly mm: number;
  readonly steps: readonly StepSpec[];
  /** Register names, indexed by the `reg` fields of its steps. */
  readonly registers: readonly string[];
  /** Reference names, indexed by the `ref` fields of its steps. */
  readonly refs: readonly string[];
}

export type LockMode = 'read' | 'write';

export type StepSpec = { readonly origin: number } & (
  | { readonly op: 'load'; readonly addr: number; readonly reg: number | undefined }
  | { readonly op: 'store'; readonly addr: number; readonly value: number }
  | {
      readonly op: 'fault' | 'cow';
      readonly write: boolean;
      readonly addr: number;
      readonly copy: 'unlocked' | 'ptl';
      readonly pending: 'ignore' | 'flush' | 'flush-any';
      /** stack growth (issue 10): expand_stack under mmap_lock read (before 6.5) or write (8d7071af8907). */
      readonly stack: StackGrowth;
    }
  | {
      readonly op: 'gup';
      readonly addr: number;
      readonly write: boolean;
      readonly force: boolean;
      readonly pin: boolean;
      readonly fast: boolean;
      readonly retry: 'keep-write' | 'drop-write';
      readonly seqcheck: boolean;
      readonly ref: number | undefined;
      /** stack growth (issue 10): find_extend_vma under read (before 6.5); none with `write` (gup_vma_lookup). */
      readonly stack: StackGrowth;
    }
  | { readonly op: 'kwrite'; readonly ref: number; readonly value: number }
  | { readonly op: 'kread'; readonly ref: number; readonly reg: number | undefined }
  | { readonly op: 'put'; readonly ref: number }
  | {
      readonly op: 'mprotect';
      readonly start: number;
      readonly end: number;
      readonly prot: Prot;
      readonly lock: LockMode;
      readonly flush: 'deferred' | 'ptl';
      readonly vmalock: boolean;
      /** batched=check: flush_tlb_batched_pending() under each PTL (3ea277194daa); false: before it. */
      readonly batched: boolean;
    }
  | {
      readonly op: 'wrprotect';
      readonly start: number;
      readonly end: number;
      readonly lock: LockMode;
      readonly flush: 'deferred' | 'ptl' | 'none';
      readonly pending: boolean;
      readonly marker: boolean;
      readonly vmalock: boolean;
    }
  | { readonly op: 'unprotect'; readonly start: number; readonly end: number; readonly lock: LockMode; readonly flush: 'deferred' | 'ptl' }
  | {
      readonly op: 'munmap';
      readonly start: number;
      readonly end: number;
      readonly downgrade: boolean;
      /** downgrade=check: no downgrade when the VMA above the range grows down (246c320a8cfe). */
      readonly downgradeCheck: boolean;
      readonly batched: boolean;
    }
  | { readonly op: 'madvise'; readonly start: number; readonly end: number; readonly nested: 'flush' | 'ignore'; readonly batched: boolean }
  | { readonly op: 'fork'; readonly child: number | undefined; readonly vmalock: boolean; readonly pinned: 'copy' | 'share'; readonly wpseq: boolean }
  | { readonly op: 'tlbi'; readonly start: number; readonly end: number; readonly all: boolean; readonly local: boolean }
  | { readonly op: 'lock'; readonly lock: 'mmap'; readonly mode: LockMode }
  | { readonly op: 'lock'; readonly lock: 'ptl'; readonly addr: number }
  | { readonly op: 'lock'; readonly lock: 'range'; readonly start: number; readonly end: number; readonly mode: LockMode }
  | { readonly op: 'lock'; readonly lock: 'vma'; readonly addr: number; readonly mode: LockMode }
  | { readonly op: 'unlock'; readonly lock: 'mmap' }
  | { readonly op: 'unlock'; readonly lock: 'ptl'; readonly addr: number }
  | { readonly op: 'unlock'; readonly lock: 'range'; readonly start: number; readonly end: number }
  | { readonly op: 'unlock'; readonly lock: 'vma'; readonly addr: number }
  | { readonly op: 'irq'; readonly on: boolean }
  // reclaim (shrink_folio_list -> try_to_unmap): the page mapped at `addr` in the thread's mm,
  // or the frame `frame` (index into `frames`); batch: should_defer_flush()
  | { readonly op: 'reclaim'; readonly addr: number | undefined; readonly frame: number | undefined; readonly batch: boolean }
  // numa, migrate (issue 10)
  | { readonly op: 'numa'; readonly start: number; readonly end: number; readonly migrate: boolean }
  /** `migrate ADDR` (addr) or `migrate FRAME` (frame, an index into `frames`). */
  | { readonly op: 'migrate'; readonly addr: number | undefined; readonly frame: number | undefined; readonly pending: 'check' | 'ignore' }
  // mremap and truncate (issue 10)
  | { readonly op: 'mremap'; readonly start: number; readonly end: number; readonly dest: number; readonly flush: 'ptl' | 'dirty' | 'deferred'; readonly batched: boolean }
  /** The page-cache frames truncated, indices into `frames`. */
  | { readonly op: 'truncate'; readonly frames: readonly number[] }
);

/** How stack growth locks (issue 10): `read` before 6.5, `write` since 8d7071af8907. */
export type StackGrowth = 'write' | 'read';

export type CheckSpec = { readonly origin: number; readonly cond: CondSpec };

export type CondSpec =
  | { readonly kind: 'or' | 'and'; readonly left: CondSpec; readonly right: CondSpec }
  | { readonly kind: 'cmp'; readonly op: '==' | '!=' | '<' | '<=' | '>' | '>='; readonly left: OperandSpec; readonly right: OperandSpec };

export type OperandSpec =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'mem'; readonly mm: number; readonly addr: number }
  | { readonly kind: 'reg'; readonly thread: number; readonly reg: number };

// Typed instructions: what expand.ts compiles each op into and the semantics table runs. An
// instruction is one micro-step with its operands decoded once, at expansion: the page and
// table it works on, named flags (a write fault, copy under the PTL, …) and named jumps for
// the kernel's branches. No option is read as a bit mask at run time.
import type { StepSpec } from './scenario';

export const END = -1; // jump target: the thread has finished its program
export const SEGV = -2; // jump target: the thread dies with SIGSEGV

/** Who runs a fault path: a user access, an explicit `fault`/`cow` step, or GUP. */
export type Ctx = 'user' | 'explicit' | 'gup';

type OpName = StepSpec['op'];

/**
 * The ops each micro-step kind belongs to: the one list of kinds (MicroKind is its keys), the
 * type of each kind's `op` operand, and a check that expand.ts emits no kind for another op.
 */
export const KIND_OPS = {
  // user accesses
  'user-store': ['store'],
  'user-load': ['load'],
  // the fault path (user accesses, explicit faults, GUP)
  'fault-enter': ['load', 'store', 'fault', 'cow'],
  'vma-read-try': ['load', 'store', 'fault', 'cow'],
  'spf-begin': ['load', 'store', 'fault', 'cow'],
  'spf-walk': ['load', 'store', 'fault', 'cow'],
  'spf-validate': ['load', 'store', 'fault', 'cow'],
  'spf-ptl-lock': ['load', 'store', 'fault', 'cow'],
  'pte-read': ['load', 'store', 'fault', 'cow', 'gup'],
  'ptl-lock': ['load', 'store', 'fault', 'cow', 'gup', 'mprotect', 'wrprotect', 'unprotect', 'munmap', 'madvise', 'numa'],
  'fill-pte': ['load', 'store', 'fault', 'cow', 'gup'],
  'cow-file-copy': ['load', 'store', 'fault', 'cow', 'gup'],
  'handle-pte': ['load', 'store', 'fault', 'cow', 'gup'],
  'wp-flush-pending': ['load', 'store', 'fault', 'cow', 'gup'],
  'cow-copy': ['load', 'store', 'fault', 'cow', 'gup'],
  'cow-install': ['load', 'store', 'fault', 'cow', 'gup'],
  'cow-put-old': ['load', 'store', 'fault', 'cow', 'gup'],
  'fault-exit': ['load', 'store', 'fault', 'cow'],
  'vma-read-unlock': ['load', 'store', 'fault', 'cow'],
  'spf-end': ['load', 'store', 'fault', 'cow'],
  'uffd-wait': ['load', 'store', 'fault', 'cow', 'gup'],
  // GUP
  'gup-enter': ['gup'],
  'gup-follow': ['gup'],
  'gup-exit': ['gup'],
  'gupf-begin': ['gup'],
  'gupf-pmd': ['gup'],
  'gupf-pte': ['gup'],
  'gupf-grab': ['gup'],
  'gupf-recheck': ['gup'],
  'gupf-end': ['gup'],
  // the locks ops take
  'mmap-lock': ['mprotect', 'wrprotect', 'unprotect', 'munmap', 'madvise', 'fork', 'numa', 'mremap'],
  'vma-write-lock': ['mprotect', 'wrprotect', 'munmap', 'fork', 'mremap'],
  'mmap-downgrade': ['munmap'],
  // change_protection: mprotect, userfaultfd write-protect
  'mprotect-fixup': ['mprotect'],
  'wp-begin': ['wrprotect', 'unprotect'],
  'modify-prot-start': ['mprotect', 'wrprotect', 'unprotect', 'numa'],
  'change-ptes': ['mprotect', 'wrprotect', 'unprotect', 'numa'],
  'flush-under-ptl': ['mprotect', 'wrprotect', 'unprotect'],
  'change-end': ['mprotect', 'wrprotect', 'unprotect', 'numa'],
  // unmapping: munmap, madvise(MADV_DONTNEED)
  'munmap-detach': ['munmap'],
  'gather-begin': ['munmap', 'madvise'],
  'zap-ptes': ['munmap', 'madvise'],
  'free-pgtables': ['munmap'],
  'tlb-finish': ['munmap', 'madvise'],
  'munmap-end': ['munmap'],
  'madvise-end': ['madvise'],
  // fork
  'fork-dup': ['fork'],
  'fork-ptl': ['fork'],
  'fork-test': ['fork'],
  'fork-share': ['fork'],
  'fork-copy': ['fork'],
  'fork-unlock-ptl': ['fork'],
  'fork-end': ['fork'],
  tlbi: ['tlbi'],
  // explicit steps and kernel accesses through references
  'lock-mmap': ['lock'],
  'unlock-mmap': ['unlock'],
  'lock-ptl': ['lock'],
  'unlock-ptl': ['unlock'],
  'lock-vma': ['lock'],
  'unlock-vma': ['unlock'],
  'lock-range': ['lock'],
  'unlock-range': ['unlock'],
  'irq-off': ['irq'],
  'irq-on': ['irq'],
  kwrite: ['kwrite'],
  kread: ['kread'],
  put: ['put'],
  // stack growth (issue 10): expand_stack() / lock_mm_and_find_vma()
  'stack-expand': ['load', 'store', 'fault', 'cow', 'gup'],
  'stack-unlock': ['load', 'store', 'fault', 'cow'],
  'stack-lock': ['load', 'store', 'fault', 'cow'],
  'stack-downgrade': ['load', 'store', 'fault', 'cow'],
  // reclaim: shrink_folio_list -> try_to_unmap -> try_to_unmap_one
  'reclaim-begin': ['reclaim'],
  'reclaim-unmap': ['reclaim'],
  'reclaim-flush': ['reclaim'],
  'reclaim-free': ['reclaim'],
  // numa, migrate (issue 10): the NUMA hinting scan, its fault (do_numa_page), page migration
  // and the fault that waits on a migration entry
  'numa-begin': ['numa'],
  'numa-page': ['load', 'store', 'fault', 'cow', 'gup'],
  'migration-wait': ['load', 'store', 'fault', 'cow', 'gup'],
  'migrate-isolate': ['migrate'],
  'migrate-ptl': ['migrate', 'load', 'store', 'fault', 'cow', 'gup'],
  'migrate-unmap': ['migrate', 'load', 'store', 'fault', 'cow', 'gup'],
  'migrate-copy': ['migrate', 'load', 'store', 'fault', 'cow', 'gup'],
  'migrate-remap': ['migrate', 'load', 'store', 'fault', 'cow', 'gup'],
  'migrate-end': ['migrate', 'load', 'store', 'fault', 'cow', 'gup'],
  // mremap: move_vma() / move_page_tables() / move_ptes() (issue 10)
  'mremap-copy-vma': ['mremap'],
  'mremap-lock-ptl': ['mremap'],
  'move-ptes': ['mremap'],
  'mremap-flush': ['mremap'],
  'mremap-unmap-old': ['mremap'],
  'mremap-end': ['mremap'],
  // truncate: truncate_pagecache() (issue 10)
  'truncate-isize': ['truncate'],
  'truncate-zap': ['truncate'],
  'truncate-flush': ['truncate'],
  'truncate-remove': ['truncate'],
} as const satisfies Record<string, readonly OpName[]>;

export type MicroKind = keyof typeof KIND_OPS;

/** The op a kind's instruction belongs to. */
export type OpOf<K extends MicroKind> = Extract<StepSpec, { readonly op: (typeof KIND_OPS)[K][number] }>;

type J<Names extends string> = { readonly [N in Names]: number };

/** The fault path's flags: decoded from the op's options. */
interface FaultFlags {
  /** A write fault (for GUP: FOLL_WRITE, unless a retry dropped it, see isWrite). */
  readonly write: boolean;
  /** copy=ptl: do_wp_page copies with the PTL held. */
  readonly copyUnderPtl: boolean;
  /** pending=flush: on a uffd-wp VMA, flush a pending TLB flush before deciding (6ce64428d620). */
  readonly flushPending: boolean;
  /** pending=flush-any: flush a pending TLB flush before do_wp_page on any VMA (Yu Zhao's proposal, never merged). */
  readonly flushPendingAny: boolean;
  /** GUP's unsharing fault: faultin_page() with FAULT_FLAG_UNSHARE after -EMLINK (5.19). */
  readonly unshare: boolean;
}

/** Each kind's own operands and named jumps (besides the common fields of InstrCommon). */
interface Operands {
  'user-store': { jumps: J<'fault'> };
  'user-load': { jumps: J<'fault'> };
  'fault-enter': FaultFlags & { jumps: J<'segv'> & { readonly grow?: number } };
  'vma-read-try': FaultFlags & { jumps: J<'fallback'> };
  'spf-begin': FaultFlags & { jumps: J<'fallback'> };
  'spf-walk': FaultFlags & { jumps: J<'fallback'> };
  'spf-validate': FaultFlags & { jumps: J<'fallback'> };
  'spf-ptl-lock': FaultFlags & { jumps: J<'fallback'> };
  /** `fallback` only on the speculative path; `numa` and `migration` only where a `numa` or `migrate` step can make such PTEs. */
  'pte-read': FaultFlags & { jumps: J<'anon' | 'fileCow' | 'present'> & { readonly fallback?: number; readonly numa?: number; readonly migration?: number } };
  'ptl-lock': { jumps: J<never> };
  'fill-pte': FaultFlags & { jumps: J<never> };
  'cow-file-copy': FaultFlags & { jumps: J<never> };
  'handle-pte': FaultFlags & { jumps: J<'uffd' | 'flush' | 'copy' | 'copyPtl'> };
  'wp-flush-pending': FaultFlags & { jumps: J<'uffd' | 'copy' | 'copyPtl'> };
  /** `ptlHeld`: this copy runs with the PTL held (copy=ptl), so it does not sleep. */
  'cow-copy': FaultFlags & { readonly ptlHeld: boolean; jumps: J<never> };
  'cow-install': FaultFlags & { jumps: J<never> };
  'cow-put-old': FaultFlags & { jumps: J<never> };
  'fault-exit': FaultFlags & { jumps: J<never> };
  'vma-read-unlock': FaultFlags & { jumps: J<never> };
  'spf-end': FaultFlags & { jumps: J<never> };
  'uffd-wait': FaultFlags & { jumps: J<never> };
  'gup-enter': { jumps: J<'efault'> & { readonly grow?: number } };
  /** `unshare`: a R/O pin must unshare first (the unsharing fault, expanded only for pins that may need it). */
  'gup-follow': { jumps: J<'fault'> & { readonly unshare?: number } };
  /** `efault`: the lookup failed; the reference slot is cleared. */
  'gup-exit': { readonly efault: boolean; jumps: J<never> };
  'gupf-begin': { jumps: J<'slow'> };
  'gupf-pmd': { jumps: J<'fail'> };
  'gupf-pte': { jumps: J<'fail'> };
  'gupf-grab': { jumps: J<'fail'> };
  'gupf-recheck': { jumps: J<'fail'> };
  /** `fellBack`: GUP-fast failed and goes to the slow path. */
  'gupf-end': { readonly fellBack: boolean; jumps: J<'slow'> };
  'mmap-lock': { readonly write: boolean; jumps: J<never> };
  'vma-write-lock': { jumps: J<never> };
  'mmap-downgrade': { jumps: J<never> };
  'mprotect-fixup': { jumps: J<'fail'> };
  'wp-begin': { jumps: J<'fail'> };
  'modify-prot-start': { jumps: J<never> };
  /** `keepPtl`: a flush under the PTL (flush=ptl) follows, so the PTL stays held. */
  'change-ptes': { readonly keepPtl: boolean; jumps: J<never> };
  'flush-under-ptl': { jumps: J<never> };
  'change-end': { jumps: J<never> };
  'munmap-detach': { jumps: J<never> };
  'gather-begin': { jumps: J<never> };
  'zap-ptes': { jumps: J<never> };
  'free-pgtables': { jumps: J<never> };
  'tlb-finish': { jumps: J<never> };
  'munmap-end': { jumps: J<never> };
  'madvise-end': { jumps: J<never> };
  'fork-dup': { jumps: J<never> };
  'fork-ptl': { jumps: J<never> };
  'fork-test': { jumps: J<'skip' | 'copy'> };
  'fork-share': { jumps: J<never> };
  'fork-copy': { jumps: J<never> };
  /** `lastTable`: the last page table fork copies (write_protect_seq ends here). */
  'fork-unlock-ptl': { readonly lastTable: boolean; jumps: J<never> };
  'fork-end': { jumps: J<never> };
  tlbi: { jumps: J<never> };
  'lock-mmap': { readonly write: boolean; jumps: J<never> };
  'unlock-mmap': { jumps: J<never> };
  'lock-ptl': { jumps: J<never> };
  'unlock-ptl': { jumps: J<never> };
  'lock-vma': { readonly write: boolean; jumps: J<never> };
  'unlock-vma': { jumps: J<never> };
  'lock-range': { readonly write: boolean; jumps: J<never> };
  'unlock-range': { jumps: J<never> };
  'irq-off': { jumps: J<never> };
  'irq-on': { jumps: J<never> };
  kwrite: { jumps: J<never> };
  kread: { jumps: J<never> };
  /** `keepRef`: the thread uses the reference again before retaking it; the slot keeps the frame, marked put (REF_PUT), for that use's report. */
  put: { readonly keepRef: boolean; jumps: J<never> };
  // stack growth (issue 10)
  'stack-expand': FaultFlags & { jumps: J<'segv'> };
  'stack-unlock': FaultFlags & { jumps: J<never> };
  'stack-lock': FaultFlags & { jumps: J<never> };
  'stack-downgrade': FaultFlags & { jumps: J<never> };
  // reclaim
  /** `skip`: the page cannot be reclaimed (not mapped, locked, pinned, ...): the op does nothing. */
  'reclaim-begin': { jumps: J<'skip'> };
  /** `again`: another page table still maps the page (the rmap walk goes on). */
  'reclaim-unmap': { jumps: J<'again'> };
  'reclaim-flush': { jumps: J<never> };
  'reclaim-free': { jumps: J<never> };
  // numa, migrate (issue 10)
  'numa-begin': { jumps: J<'fail'> };
  /** `migrate`: do_numa_page() migrates the page (numa migrate=on), else it restores the PTE. */
  'numa-page': FaultFlags & { jumps: J<never> & { readonly migrate?: number } };
  'migration-wait': FaultFlags & { jumps: J<never> };
  'migrate-isolate': { jumps: J<'fail'> };
  /** `skip`: the page is not mapped in this table of this mm. */
  'migrate-ptl': { jumps: J<'skip'> };
  'migrate-unmap': { jumps: J<never> };
  'migrate-copy': { jumps: J<never> };
  'migrate-remap': { jumps: J<never> };
  'migrate-end': { jumps: J<never> };
  // mremap (issue 10)
  /** `fail`: the source is not inside one live VMA (-EFAULT). */
  'mremap-copy-vma': { jumps: J<'fail'> };
  'mremap-lock-ptl': { jumps: J<never> };
  /** `region`: the old page table; the new ones are those whose PTLs the thread took for it. */
  'move-ptes': { jumps: J<never> };
  'mremap-flush': { jumps: J<never> };
  'mremap-unmap-old': { jumps: J<never> };
  /** `efault`: the -EFAULT exit (nothing moved). */
  'mremap-end': { readonly efault: boolean; jumps: J<never> };
  // truncate (issue 10): `mm` and `region` name the page table of another mm the rmap walk reaches
  'truncate-isize': { jumps: J<never> };
  'truncate-zap': { jumps: J<never> };
  'truncate-flush': { jumps: J<never> };
  'truncate-remove': { jumps: J<never> };
}

/** Fails to compile when a kind has no operands entry or an entry names no kind. */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const operandsCoverKinds: Exactly<keyof Operands, MicroKind> = true;
void operandsCoverKinds;

/** The fields every instruction has. */
export interface InstrCommon<K extends MicroKind> {
  readonly kind: K;
  /** Index of the kind in the semantics table (dispatch without a string compare). */
  readonly code: number;
  /** Index of the step (op) of the thread this micro-step belongs to. */
  readonly step: number;
  readonly op: OpOf<K>;
  readonly ctx: Ctx;
  /** Page index, or -1. */
  readonly page: number;
  /** Region (page table) index, or -1. */
  readonly region: number;
  /** The mm of `page`/`region` when it is not the thread's (the rmap walks of truncate and
   * migrate: truncate-zap, migrate-ptl, migrate-unmap, migrate-remap), else -1. */
  readonly mm: number;
  /** This op runs under a lock the thread already held: it neither takes nor releases it. */
  readonly inheritMmap: boolean;
  readonly inheritPtl: boolean;
  /** Where control goes next: an index, END or SEGV. */
  readonly next: number;
  /** Short human description for traces, e.g. "lock ptl 0x1000". */
  readonly text: string;
  /** The kernel function(s), when more specific than the semantics table's. */
  readonly kernel: string;
}

export type InstrOf<K extends MicroKind> = InstrCommon<K> & Operands[K];

/** One micro-step of a thread's program, discriminated by `kind`. */
export type Instr = { [K in MicroKind]: InstrOf<K> }[MicroKind];

/** The named flags of any kind, with the value a kind without the flag carries. */
export const FLAG_DEFAULTS = {
  write: false,
  copyUnderPtl: false,
  flushPending: false,
  flushPendingAny: false,
  unshare: false,
  ptlHeld: false,
  efault: false,
  fellBack: false,
  keepPtl: false,
  lastTable: false,
  keepRef: false,
} as const;

export type FlagName = keyof typeof FLAG_DEFAULTS;

/** The named flags a kind carries: the keys of its operands that are flags. */
export type FlagsOf<K extends MicroKind> = Pick<Operands[K], Extract<keyof Operands[K], FlagName>>;
/** The jump names of a kind. */
export type JumpsOf<K extends MicroKind> = Operands[K]['jumps'];

export interface ThreadProgram {
  readonly instrs: readonly Instr[];
  /** First micro-step of each step (op). */
  readonly stepStart: readonly number[];
  /** Each step's return point: the step after which it has returned to user space (return-point.ts). */
  readonly returnStep: readonly number[];
}

/** Every kind, in the order of their codes. */
export const MICRO_KINDS = Object.keys(KIND_OPS) as MicroKind[];
/** Kind -> code (the index into MICRO_KINDS and the semantics table's dispatch array). */
export const MICRO_CODES: Readonly<Record<MicroKind, number>> = Object.fromEntries(MICRO_KINDS.map((k, i) => [k, i])) as Record<MicroKind, number>;

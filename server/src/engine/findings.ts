// The finding codes of SPEC §7, declared once as data. Everything else (expect checking,
// hover, completion, docs/findings.md) reads these tables.

export interface FindingSpec {
  readonly code: string;
  readonly summary: string;
  /** The kernel rule (kernel-rules.md) and sources behind it. */
  readonly source: string;
}

export const VIOLATIONS = [
  {
    code: 'vma-needs-mmap-write',
    summary: 'a VMA is modified without mmap_lock held for write (pervma: also the VMA write lock)',
    source: 'R1, R19: mmap_assert_write_locked(), vma_start_write(); Documentation/mm/process_addrs.rst',
  },
  {
    code: 'walk-needs-mmap',
    summary: "a kernel page-table walk without mmap_lock or the design's substitute",
    source: 'R2, R5: mmap_assert_locked() in __get_user_pages; lock_vma_under_rcu(); process_addrs.rst',
  },
  {
    code: 'pte-needs-ptl',
    summary: 'a PTE is written without its page-table lock',
    source: 'R3: pte_offset_map_lock(); process_addrs.rst "Page table locking details"',
  },
  {
    code: 'downgrade-needs-flush',
    summary: 'write permission removed while faults can run, and the PTL dropped before the TLB flush, without a diverting marker (a uffd-wp bit set in a uffd-wp VMA) and a pending-flush bracket',
    source: 'R6, R7: Linus 21 Dec 2020 ("RW->RO is not" ok under the read lock); Andrea Arcangeli 22 Dec 2020; 6ce64428d620',
  },
  {
    code: 'free-before-flush',
    summary: 'a frame whose PTE was cleared is freed before the TLB flush',
    source: 'R12: mmu_gather (tlb_flush_mmu: flush, then free); 1cf35d47712d; CVE-2018-18281',
  },
  {
    code: 'lock-order',
    summary: 'locks taken against the order mmap_lock -> vma lock -> PTL, or two PTLs in opposite orders with no common lock held at both (exclusively at one) to serialize them',
    source: 'R16: mm/rmap.c lock ordering; process_addrs.rst "VMA lock ordering"; mm/mremap.c move_ptes() ("exclusive mmap_lock prevents deadlock"; GoodLock gate locks)',
  },
  {
    code: 'sleep-in-atomic',
    summary: 'a sleeping lock or sleeping op while a spinlock is held or IRQs are off',
    source: 'R17: might_sleep(); lockdep',
  },
  { code: 'unlock-not-held', summary: 'a lock released that the thread does not hold', source: 'lock hygiene (lockdep)' },
  { code: 'lock-held-at-exit', summary: 'a thread finished while still holding a lock', source: 'lock hygiene (lockdep)' },
  {
    code: 'recursive-lock',
    summary: 'a lock taken again by a thread that already holds it',
    source: 'R18: a recursive mmap_read_lock behind a queued writer deadlocks; process_addrs.rst',
  },
  {
    code: 'use-after-put',
    summary: 'a page reference used (kread, kwrite, put) after the thread dropped it with put, while references it does not own keep the frame allocated (a reference-counting bug; when the put was the last reference, use-after-free)',
    source: "folio_put() (include/linux/mm.h): \"Do not access the memory or the struct folio after calling folio_put() unless you can be sure that it wasn't the last reference\"",
  },
] as const satisfies readonly FindingSpec[];

export const RACES = [
  {
    code: 'lost-write',
    summary: "a user store landed on a frame and its value is gone (a COW copy taken before it was installed in the frame's place, or the frame was removed before the store, or munmap zapped it from a stack that grew into the range after munmap detached it)",
    source: 'R8 (wp_page_copy copies with no PTL), R7; the seed thread (6ce64428d620); R14; R13 (246c320a8cfe)',
  },
  {
    code: 'stale-tlb-write',
    summary: 'a store went through a writable TLB entry cached before an op removed write permission, after that op returned (inside explicit locks: at the outermost explicit unlock)',
    source: 'R6, R22, R23: the flush must complete before the op returns (mprotect, fork, clear_refs 912efa17e512)',
  },
  {
    code: 'cow-isolation',
    summary: 'a write landed on a private frame another mm can still reach, after the fork that shared it returned (inside explicit locks: at the outermost explicit unlock)',
    source: 'R9, R15: CVE-2020-29374 (17839856fd58), Linux 6.4 fork (fb49c455323f)',
  },
  {
    code: 'use-after-free',
    summary: 'a frame, VMA or page table was accessed after being freed',
    source: 'R11, R12, R13: GUP-fast vs table freeing; CVE-2018-18281; CVE-2021-20200',
  },
  {
    code: 'gup-incoherent',
    summary: 'a pinned frame is no longer the frame mapped at the pinned address',
    source: 'R9, R11: 70e806e4e645 (pin then fork), 57efa1fe5957 (GUP-fast vs fork)',
  },
  {
    code: 'write-to-readonly',
    summary: 'a write landed on a read-only page-cache frame',
    source: 'R10: Dirty COW, CVE-2016-5195 (19be0eaffa3a, 5535be309971)',
  },
  { code: 'deadlock', summary: 'a terminal state in which some thread waits forever', source: 'R16, R18; historic race #13' },
  { code: 'check-failed', summary: 'a `check final` condition is false in some terminal state', source: 'SPEC §8' },
] as const satisfies readonly FindingSpec[];

export type ViolationCode = (typeof VIOLATIONS)[number]['code'];
export type RaceKind = (typeof RACES)[number]['code'];

export const VIOLATION_CODES: readonly ViolationCode[] = VIOLATIONS.map((v) => v.code);
export const RACE_KINDS: readonly RaceKind[] = RACES.map((r) => r.code);

export function isViolationCode(s: string): s is ViolationCode {
  return (VIOLATION_CODES as readonly string[]).includes(s);
}

export function isRaceKind(s: string): s is RaceKind {
  return (RACE_KINDS as readonly string[]).includes(s);
}

export function findingSpec(code: string): FindingSpec | undefined {
  return [...VIOLATIONS, ...RACES].find((f) => f.code === code);
}

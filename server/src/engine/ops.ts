// The catalogue of steps a thread may run: their shapes (positional words, flags, options,
// `= VALUE`, `-> NAME`) and what each option value means. The parser's shape checks, hover,
// completion and docs/ all read this one table; the micro-step expansion of each op lives in
// micro-steps.ts and names the kernel functions.
import { DOWNGRADE_CHECK, STACK_OPTION } from './ops-stack';
import { BATCHED_OPTION, RECLAIM_OP } from './ops-reclaim';
import { NUMA_OPS } from './ops-numa';
import { MOVE_OPS } from './ops-move';

export type { FlagSpec, FormSpec, OpSpec, OptionSpec, OptionValueSpec, SlotSpec, TargetKind } from './ops-types';
import type { OpSpec, OptionSpec } from './ops-types';

const LOCK_OPTION = (dflt: 'read' | 'write'): OptionSpec => ({
  key: 'lock',
  doc: 'How the op holds mmap_lock (under `range`: a read or write range lock; under `pervma`: mmap_lock).',
  values: (dflt === 'write' ? ['write', 'read'] : ['read', 'write']).map((value) => ({
    value,
    doc:
      value === 'write'
        ? 'mmap_write_lock(): excludes every fault and GUP (Linus: "if you hold mmap_sem for writing, you\'re always safe").'
        : 'mmap_read_lock(): faults and GUP run concurrently (the read-lock optimisation of uffd-wp and NUMA hinting).',
  })),
});

const FLUSH_OPTION: OptionSpec = {
  key: 'flush',
  doc: 'When the TLB flush for the changed PTEs runs relative to the page-table lock.',
  values: [
    { value: 'deferred', doc: 'flush_tlb_range() after the PTL is dropped (change_protection_range in 5.10; tlb_finish_mmu later).' },
    { value: 'ptl', doc: 'flush while still holding the PTL (Peter Zijlstra\'s proposal; R7a, like ptep_clear_flush).' },
  ],
};

const VMALOCK_OPTION = (dflt: 'on' | 'off', what: string): OptionSpec => ({
  key: 'vmalock',
  doc: what,
  values: (dflt === 'on' ? ['on', 'off'] : ['off', 'on']).map((value) => ({
    value,
    doc:
      value === 'on'
        ? 'vma_start_write() on each VMA touched (pervma); vm_write_begin()/vm_write_end() around the change and its flush (spf).'
        : 'no VMA write lock and no VMA sequence bracket: VMA-locked or speculative faults are not excluded.',
  })),
});

const FAULT_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'copy',
    doc: 'Where wp_page_copy() copies the old page.',
    values: [
      { value: 'unlocked', doc: 'mainline: drop the PTL, allocate and copy, retake the PTL and re-check pte_same().' },
      { value: 'ptl', doc: 'copy while holding the PTL (Peter Zijlstra\'s suggestion in the 2021 thread).' },
    ],
  },
  {
    key: 'pending',
    doc: 'What do_wp_page() does when a TLB flush is pending on the mm.',
    values: [
      { value: 'ignore', doc: 'no check (5.10 before the fix).' },
      {
        value: 'flush',
        doc: 'the merged fix, 6ce64428d620 (5.11): with the PTL held, after the uffd-wp test and before reusing or copying, `if (userfaultfd_wp(vma) && mm_tlb_flush_pending(mm)) flush_tlb_page()`. Only in a VMA registered for uffd-wp (`uffd`): it does not cover a clear_refs-style write-protect of any other VMA.',
      },
      {
        value: 'flush-any',
        doc: 'a proposal, not a kernel: no kernel shipped it. Yu Zhao\'s suggestion in the 6ce64428d620 thread (LKML, 23 Dec 2020): handle_pte_fault() flushes this address on every CPU whenever mm_tlb_flush_pending(), in any VMA, before calling do_wp_page() (so before its uffd-wp test). It would cover clear_refs too.',
      },
    ],
  },
  // stack growth (issue 10): how a fault below a growsdown VMA expands it
  STACK_OPTION('fault'),
];

export const OPS: readonly OpSpec[] = [
  {
    name: 'load',
    group: 'access',
    summary: 'A user load through the CPU\'s TLB; a miss walks the page table with no lock; a missing or forbidding PTE enters the fault path.',
    forms: [{ slots: [{ kind: 'addr' }], synopsis: 'load ADDR [-> REG]' }],
    flags: [],
    options: [],
    assign: 'none',
    target: { kind: 'reg', required: false, doc: 'a thread-local register that receives the value, for `check final`' },
  },
  {
    name: 'store',
    group: 'access',
    summary: 'A user store through the CPU\'s TLB: a writable TLB entry is used without any lock or walk; otherwise walk, then fault and retry.',
    forms: [{ slots: [{ kind: 'addr' }], synopsis: 'store ADDR = VALUE' }],
    flags: [],
    options: [],
    assign: 'required',
  },
  {
    name: 'fault',
    group: 'kernel',
    summary: 'handle_mm_fault(): anonymous fill, read fault on a file page, COW copy or reuse.',
    forms: [{ slots: [{ kind: 'word', values: ['read', 'write'], role: 'access' }, { kind: 'addr' }], synopsis: 'fault read|write ADDR' }],
    flags: [],
    options: FAULT_OPTIONS,
    assign: 'none',
  },
  {
    name: 'cow',
    group: 'kernel',
    summary: 'Break COW now: a write fault that copies the frame into a new private frame mapped writable (or reuses it where the reuse rule allows).',
    forms: [{ slots: [{ kind: 'addr' }], synopsis: 'cow ADDR' }],
    flags: [],
    options: FAULT_OPTIONS,
    assign: 'none',
  },
  {
    name: 'gup',
    group: 'kernel',
    summary: 'get_user_pages(): follow the page, faulting as needed, and take a reference (or a FOLL_PIN pin).',
    forms: [{ slots: [{ kind: 'addr' }], synopsis: 'gup ADDR [write] [force] [pin] [fast] [-> REF]' }],
    flags: [
      { name: 'write', doc: 'FOLL_WRITE: the caller will write through the reference (a write fault breaks COW first).' },
      { name: 'force', doc: 'FOLL_FORCE: may write through a read-only private mapping (ptrace, /proc/pid/mem). Under `reuse exclusive` (6.0 can_follow_write_pte(), 5535be309971) a read-only PTE is followed only in a private VMA without write permission, on an exclusive anonymous page, with no uffd-wp bit; otherwise the write fault runs first (on a uffd-wp PTE: userfaultfd, the lookup waits for `unprotect`).' },
      { name: 'pin', doc: 'FOLL_PIN (pin_user_pages): a long-term DMA pin, counted with GUP_PIN_COUNTING_BIAS. Without `write`, under `reuse exclusive` (5.19+, a7f226604170) a read-only PTE of a possibly shared anonymous page is unshared first (an unshare fault, FAULT_FLAG_UNSHARE: an exclusive read-only copy), so the pin stays the page the process maps; GUP-fast falls back for it.' },
      { name: 'fast', doc: "GUP-fast: lockless walk with IRQs off, falling back to the slow path. IRQs are saved and restored (local_irq_save/restore): under the caller's `irq off` they stay off, and a fallback's mmap_read_lock then sleeps in atomic context." },
    ],
    options: [
      {
        key: 'retry',
        doc: 'What the slow path does after a COW fault on a FOLL_WRITE lookup.',
        values: [
          { value: 'keep-write', doc: 'retry still with FOLL_WRITE (since 19be0eaffa3a).' },
          { value: 'drop-write', doc: 'clear FOLL_WRITE and retry as a read lookup (before 2016: Dirty COW, CVE-2016-5195).' },
        ],
      },
      {
        key: 'seqcheck',
        doc: 'Whether GUP-fast with FOLL_PIN checks fork\'s mm->write_protect_seq.',
        values: [
          { value: 'on', doc: 'sample write_protect_seq before the walk and fail to the slow path if it is odd or changed (57efa1fe5957, 5.11+).' },
          { value: 'off', doc: 'no sequence check (before 5.11).' },
        ],
      },
      // stack growth (issue 10)
      STACK_OPTION('gup'),
    ],
    assign: 'none',
    target: { kind: 'ref', required: false, doc: 'names the page reference for later `put`, `kread`, `kwrite`' },
  },
  {
    name: 'kwrite',
    group: 'kernel',
    summary: 'The kernel writes the referenced frame directly (DMA, O_DIRECT): no TLB, no fault. After `put REF`: use-after-put, or use-after-free when the frame was freed.',
    forms: [{ slots: [{ kind: 'ref' }], synopsis: 'kwrite REF = VALUE' }],
    flags: [],
    options: [],
    assign: 'required',
  },
  {
    name: 'kread',
    group: 'kernel',
    summary: 'The kernel reads the referenced frame directly. After `put REF`: use-after-put, or use-after-free when the frame was freed.',
    forms: [{ slots: [{ kind: 'ref' }], synopsis: 'kread REF [-> REG]' }],
    flags: [],
    options: [],
    assign: 'none',
    target: { kind: 'reg', required: false, doc: 'a thread-local register that receives the value' },
  },
  {
    name: 'put',
    group: 'kernel',
    summary: 'put_page() / unpin_user_page(): drop the reference or pin (the frame is freed with its last reference). The reference is gone: a later `kread`, `kwrite` or `put` of it, before a `gup … -> REF` retakes it, is use-after-put (use-after-free when the frame was freed).',
    forms: [{ slots: [{ kind: 'ref' }], synopsis: 'put REF' }],
    flags: [],
    options: [],
    assign: 'none',
  },
  {
    name: 'mprotect',
    group: 'kernel',
    summary: 'do_mprotect_pkey(): change the VMA protection and, when reducing it, the PTEs (mprotect_fixup + change_protection); each PTE is none between ptep_modify_prot_start() and its commit, under the PTL, for GUP-fast and the hardware walk of other threads.',
    forms: [{ slots: [{ kind: 'range' }, { kind: 'prot' }], synopsis: 'mprotect RANGE none|r|rw' }],
    flags: [],
    options: [LOCK_OPTION('write'), FLUSH_OPTION, VMALOCK_OPTION('on', 'Whether the writer write-locks the VMAs it changes.'), BATCHED_OPTION],
    assign: 'none',
  },
  {
    name: 'wrprotect',
    group: 'kernel',
    summary: 'Write-protect PTEs only (UFFDIO_WRITEPROTECT, clear_refs soft-dirty): change_protection() without touching the VMA.',
    forms: [{ slots: [{ kind: 'range' }], synopsis: 'wrprotect RANGE' }],
    flags: [],
    options: [
      LOCK_OPTION('read'),
      {
        ...FLUSH_OPTION,
        values: [
          ...FLUSH_OPTION.values,
          { value: 'none', doc: 'no TLB flush at all (clear_refs soft-dirty after 0758cd830494, before 912efa17e512).' },
        ],
      },
      {
        key: 'pending',
        doc: 'Whether the walk is bracketed with inc_tlb_flush_pending()/dec_tlb_flush_pending().',
        values: [
          { value: 'on', doc: 'inc before the first PTE change, dec after the flush (change_protection_range in 5.10).' },
          { value: 'off', doc: 'no pending count: consumers cannot tell a flush is outstanding.' },
        ],
      },
      {
        key: 'marker',
        doc: 'Whether the write-protected PTE carries a marker that diverts write faults.',
        values: [
          {
            value: 'uffd',
            doc: 'UFFDIO_WRITEPROTECT: set the uffd-wp bit, so a write fault is handed to userfaultfd (the thread waits for `unprotect`), never to COW. Every VMA of the range must be registered for uffd-wp (`uffd`): otherwise mwriteprotect_range() returns -ENOENT and changes nothing (no write-protect, no marker, no pending flush).',
          },
          { value: 'none', doc: 'a plain read-only PTE (as left by a later unprotect, or by clear_refs, which needs no registration): write faults take the COW path.' },
        ],
      },
      VMALOCK_OPTION('off', 'Whether the write-protect excludes VMA-locked (pervma) and speculative (spf) faults.'),
    ],
    assign: 'none',
  },
  {
    name: 'unprotect',
    group: 'kernel',
    summary: 'UFFDIO_WRITEPROTECT without MODE_WP: clear the uffd-wp bit; the PTE stays read-only and the next write fault takes the normal path. On a range with a VMA not registered for uffd-wp it returns -ENOENT and changes nothing.',
    forms: [{ slots: [{ kind: 'range' }], synopsis: 'unprotect RANGE' }],
    flags: [],
    options: [LOCK_OPTION('read'), FLUSH_OPTION],
    assign: 'none',
  },
  {
    name: 'munmap',
    group: 'kernel',
    summary: '__do_munmap(): detach the VMAs, zap the PTEs, flush, then drop the mappings\' references and free page tables (mmu_gather). A dirty page-cache or shmem page forces the flush under the PTL.',
    forms: [{ slots: [{ kind: 'range' }], synopsis: 'munmap RANGE' }],
    flags: [],
    options: [
      {
        key: 'downgrade',
        doc: 'Whether the zap runs after mmap_write_downgrade() (dd2283f2605e, 4.20+).',
        values: [
          { value: 'on', doc: 'detach under the write lock, then downgrade and zap under the read lock, whatever the neighbours: dd2283f2605e (4.20) until 246c320a8cfe, and mainline again once stack growth needed the write lock (Matthew Wilcox, "mm: always downgrade mmap_lock if entering munmap"; vms_complete_munmap_vmas()).' },
          { value: 'off', doc: 'everything under the write lock.' },
          // stack growth (issue 10)
          DOWNGRADE_CHECK,
        ],
      },
      BATCHED_OPTION,
    ],
    assign: 'none',
  },
  {
    name: 'madvise',
    group: 'kernel',
    summary: 'madvise(MADV_DONTNEED): zap PTEs under mmap_lock read; flush, then drop the mappings\' references. A dirty page-cache or shmem page forces the flush under the PTL.',
    forms: [{ slots: [{ kind: 'word', values: ['dontneed'], role: 'advice' }, { kind: 'range' }], synopsis: 'madvise dontneed RANGE' }],
    flags: [],
    options: [
      {
        key: 'nested',
        doc: 'What tlb_finish_mmu() does when another thread also has a TLB flush pending on the mm (mm_tlb_flush_nested).',
        values: [
          { value: 'flush', doc: 'flush the whole range even if this zap cleared nothing itself (99baac21e458, 4.13+).' },
          { value: 'ignore', doc: 'flush only what this zap cleared: a concurrent zapper can return while a stale TLB entry is live (before 99baac21e458).' },
        ],
      },
      BATCHED_OPTION,
    ],
    assign: 'none',
  },
  {
    name: 'fork',
    group: 'kernel',
    summary: 'dup_mmap() under the parent\'s mmap_lock write: in each VMA with an anon_vma, write-protect the parent\'s private PTEs and share their frames with the child; flush the parent\'s TLBs once before unlocking. A VMA without anon_vma (shmem, a file VMA never written, an anonymous VMA with only the zero page) copies no PTE: the child refaults (copy_page_range).',
    forms: [{ slots: [], synopsis: 'fork [-> MM]' }],
    flags: [],
    options: [
      VMALOCK_OPTION('on', 'Whether dup_mmap() write-locks every parent VMA (fb49c455323f; `off` is Linux 6.4.0).'),
      {
        key: 'pinned',
        doc: 'What copy_present_pte() does with a possibly pinned anonymous page.',
        values: [
          { value: 'copy', doc: 'copy it for the child and leave the parent\'s PTE writable (70e806e4e645, 5.9+).' },
          { value: 'share', doc: 'share and write-protect it like any other page (before 5.9: the pin can end up on the wrong side of COW).' },
        ],
      },
      {
        key: 'wpseq',
        doc: 'Whether copy_page_range() brackets the write-protection with mm->write_protect_seq.',
        values: [
          { value: 'on', doc: 'raw_write_seqcount_begin/end around the copy (57efa1fe5957).' },
          { value: 'off', doc: 'no sequence count for GUP-fast to check.' },
        ],
      },
    ],
    assign: 'none',
    target: { kind: 'mm', required: false, doc: 'names the child address space, for threads `in` it and `check final MM:ADDR`' },
  },
  {
    name: 'tlbi',
    group: 'kernel',
    summary: 'Invalidate TLB entries on every CPU (flush_tlb_range / flush_tlb_mm), or only this CPU with `local`.',
    forms: [{ slots: [{ kind: 'range-or-all' }], synopsis: 'tlbi ADDR|RANGE|all [local]' }],
    flags: [{ name: 'local', doc: 'only this CPU\'s TLB (local_flush_tlb_*): no shootdown.' }],
    options: [],
    assign: 'none',
  },
  {
    name: 'lock',
    group: 'lock',
    summary: 'Take a lock by hand.',
    forms: [
      { slots: [{ kind: 'word', values: ['mmap'], role: 'lock' }, { kind: 'word', values: ['read', 'write'], role: 'mode' }], synopsis: 'lock mmap read|write' },
      { slots: [{ kind: 'word', values: ['ptl'], role: 'lock' }, { kind: 'addr' }], synopsis: 'lock ptl ADDR' },
      {
        slots: [{ kind: 'word', values: ['range'], role: 'lock' }, { kind: 'range' }, { kind: 'word', values: ['read', 'write'], role: 'mode' }],
        synopsis: 'lock range RANGE read|write',
      },
      { slots: [{ kind: 'word', values: ['vma'], role: 'lock' }, { kind: 'addr' }, { kind: 'word', values: ['read', 'write'], role: 'mode' }], synopsis: 'lock vma ADDR read|write' },
    ],
    flags: [],
    options: [],
    assign: 'none',
  },
  {
    name: 'unlock',
    group: 'lock',
    summary: 'Release a lock by hand.',
    forms: [
      { slots: [{ kind: 'word', values: ['mmap'], role: 'lock' }], synopsis: 'unlock mmap' },
      { slots: [{ kind: 'word', values: ['ptl'], role: 'lock' }, { kind: 'addr' }], synopsis: 'unlock ptl ADDR' },
      { slots: [{ kind: 'word', values: ['range'], role: 'lock' }, { kind: 'range' }], synopsis: 'unlock range RANGE' },
      { slots: [{ kind: 'word', values: ['vma'], role: 'lock' }, { kind: 'addr' }], synopsis: 'unlock vma ADDR' },
    ],
    flags: [],
    options: [],
    assign: 'none',
  },
  {
    name: 'irq',
    group: 'lock',
    summary: 'local_irq_disable() / local_irq_enable(): with IRQs off this CPU does not answer TLB-shootdown IPIs (x86) and holds off RCU grace periods.',
    forms: [{ slots: [{ kind: 'word', values: ['off', 'on'], role: 'state' }], synopsis: 'irq off|on' }],
    flags: [],
    options: [],
    assign: 'none',
  },
  // reclaim
  RECLAIM_OP,
  // numa, migrate (issue 10)
  ...NUMA_OPS,
  // mremap and truncate (issue 10): ops-move.ts
  ...MOVE_OPS,
];

export type OpName = (typeof OPS)[number]['name'];

const OPS_BY_NAME = new Map<string, OpSpec>(OPS.map((op) => [op.name, op]));

export function findOp(name: string): OpSpec | undefined {
  return OPS_BY_NAME.get(name);
}

export function optionDefault(op: OpSpec, key: string): string | undefined {
  return op.options.find((o) => o.key === key)?.values[0]?.value;
}

// Stack growth (issue 10; docs/kernel-paths.md §14): the `stack=` option of fault, cow and gup
// and munmap's `downgrade=check`, kept beside the op catalogue (ops.ts) that uses them.
import type { OptionSpec, OptionValueSpec } from './ops';

/** expand_stack() / expand_downwards() on an access below a growsdown VMA. */
export function STACK_OPTION(who: 'fault' | 'gup'): OptionSpec {
  return {
    key: 'stack',
    doc: 'How an access below a `growsdown` VMA (no VMA covers it, the next VMA above grows down, and no other accessible VMA ends within stack_guard_gap, 1 MiB, below it) grows the stack.',
    values: [
      {
        value: 'write',
        doc:
          who === 'fault'
            ? 'since 8d7071af8907 (6.5): lock_mm_and_find_vma() drops mmap_lock, takes it for write, looks the VMA up again, expands it (expand_stack_locked(); pervma: vma_start_write() on the stack VMA first) and downgrades to read.'
            : 'since 8d7071af8907 (6.5): GUP does not grow the stack (gup_vma_lookup()): the lookup fails with -EFAULT.',
      },
      {
        value: 'read',
        doc:
          who === 'fault'
            ? 'before 6.5: expand_stack() → expand_downwards() under mmap_lock held for read, serialised only against other stack expansions by anon_vma_lock_write() and mm->page_table_lock (CVE-2021-20200 with munmap downgrade=on).'
            : 'before 6.5: find_extend_vma() grows the stack under mmap_lock held for read, like a fault.',
      },
    ],
  };
}

/** munmap downgrade=check: detach_vmas_to_be_unmapped()'s test (246c320a8cfe). */
export const DOWNGRADE_CHECK: OptionValueSpec = {
  value: 'check',
  doc: 'downgrade unless the VMA above the range grows down (detach_vmas_to_be_unmapped(), 246c320a8cfe, the CVE-2021-20200 fix, until stack growth took the write lock): a stack that grows under the read lock cannot grow into the range being zapped.',
};

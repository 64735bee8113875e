// The scenario-level settings and their catalogue: locking designs, architectures, the COW
// reuse rule, VMA protections. The parser checks, completion and hover read it.
import type { OptionSpec } from './ops';

export const PROTS = ['none', 'r', 'rw'] as const;
export type Prot = (typeof PROTS)[number];

export const DESIGNS = [
  { value: 'classic', doc: 'mmap_lock: faults and GUP take it for read, VMA changes for write (Linux ~5.10).' },
  { value: 'spf', doc: 'speculative page faults: no mmap_lock; VMA sequence count validated under the PTL, else fall back (Dufour v11).' },
  { value: 'range', doc: 'range locks: faults take a read range on the page, VM changes a write range over what they touch (2017 RFC).' },
  { value: 'pervma', doc: 'per-VMA locks: faults try lock_vma_under_rcu(), else mmap_lock read; writers add vma_start_write() (Linux 6.4+).' },
] as const;
export type Design = (typeof DESIGNS)[number]['value'];

export const ARCHES = [
  { value: 'x86', doc: 'TLB shootdown by IPI, which waits for CPUs with IRQs off: GUP-fast\'s IRQs-off walk keeps page tables alive.' },
  { value: 'arm64', doc: 'broadcast TLBI without IPIs: page tables must be freed after an RCU grace period (rcu-table-free) for GUP-fast.' },
] as const;
export type Arch = (typeof ARCHES)[number]['value'];

export const ARCH_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'rcu-table-free',
    doc: 'MMU_GATHER_RCU_TABLE_FREE: page-table pages are freed through tlb_remove_table() after an RCU grace period.',
    values: [
      { value: 'on', doc: 'page tables outlive every IRQs-off (RCU-sched) walker that could still see them.' },
      { value: 'off', doc: 'page tables are freed right after the TLBI: a concurrent GUP-fast may walk a freed table.' },
    ],
  },
];

export const REUSE_RULES = [
  { value: 'exclusive', doc: '5.19+: a write fault reuses an anonymous frame only if it is PageAnonExclusive.' },
  { value: 'refcount', doc: '5.9-5.18 (09854ba94c6a): reuse only if page_count() == 1.' },
  { value: 'mapcount', doc: 'before 5.8: reuse if page_mapcount() == 1 (reuse_swap_page), whatever other references exist.' },
] as const;
export type ReuseRule = (typeof REUSE_RULES)[number]['value'];

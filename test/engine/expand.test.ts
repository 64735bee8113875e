// Each op's micro-step sequence against the kernel's order (docs/kernel-paths.md): a table of
// single-threaded runs, one per op and option, listing the micro-steps actually executed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exec } from '../../server/src/engine/exec';
import { SEMANTICS } from '../../server/src/engine/semantics';
import type { Instr, InstrOf } from '../../server/src/engine/instr';
import { microSteps, specOf } from '../helpers';

const ANON = `vma 0x1000..0x3000 rw anon private\nframe A = 1\n`;

/** Run a one-thread scenario to the end; the executed micro-step kinds. */
const solo = (body: string): string[] => microSteps(`scenario s {\n${body}\n}`);

const TABLE: { name: string; body: string; kinds: string[] }[] = [
  {
    name: 'store to a writable mapping hits the TLB or walks: no fault',
    body: `${ANON}map 0x1000 -> A rw\nthread t { store 0x1000 = 2 }`,
    kinds: ['user-store'],
  },
  {
    name: 'store to an unmapped anonymous page: do_anonymous_page allocates, fills under the PTL',
    body: `${ANON}thread t { store 0x1000 = 2 }`,
    kinds: ['user-store', 'fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit', 'user-store'],
  },
  {
    name: 'load of an unmapped anonymous page maps the zero page',
    body: `${ANON}thread t { load 0x1000 -> r }`,
    kinds: ['user-load', 'fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit', 'user-load'],
  },
  {
    name: 'write fault on a COW-shared page: decide under the PTL, copy unlocked, re-check and install under the PTL, then put the old page',
    body: `vma 0x1000..0x3000 rw anon private\nframe A = 1 shared\nmap 0x1000 -> A r\nthread t { fault write 0x1000 }`,
    kinds: ['fault-enter', 'pte-read', 'ptl-lock', 'handle-pte', 'cow-copy', 'ptl-lock', 'cow-install', 'cow-put-old', 'fault-exit'],
  },
  {
    name: 'copy=ptl copies with the PTL held',
    body: `vma 0x1000..0x3000 rw anon private\nframe A = 1 shared\nmap 0x1000 -> A r\nthread t { fault write 0x1000 copy=ptl }`,
    kinds: ['fault-enter', 'pte-read', 'ptl-lock', 'handle-pte', 'cow-copy', 'cow-install', 'cow-put-old', 'fault-exit'],
  },
  {
    name: 'write fault on an exclusive read-only page reuses it in place',
    body: `${ANON}map 0x1000 -> A r\nthread t { fault write 0x1000 }`,
    kinds: ['fault-enter', 'pte-read', 'ptl-lock', 'handle-pte', 'fault-exit'],
  },
  {
    name: 'read fault on a private file page maps the page-cache page',
    body: `vma 0x1000 r file private cache F\nframe F = 7\nthread t { fault read 0x1000 }`,
    kinds: ['fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit'],
  },
  {
    name: 'write fault on a private file page: do_cow_fault copies before taking the PTL',
    body: `vma 0x1000 rw file private cache F\nframe F = 7\nthread t { fault write 0x1000 }`,
    kinds: ['fault-enter', 'pte-read', 'cow-file-copy', 'ptl-lock', 'fill-pte', 'fault-exit'],
  },
  {
    name: 'a forbidden access ends in SIGSEGV after access_error()',
    body: `vma 0x1000 r anon private\nthread t { store 0x1000 = 1 }`,
    kinds: ['user-store', 'fault-enter'],
  },
  {
    name: 'gup on a mapped page: lock, follow under the PTL, unlock',
    body: `${ANON}map 0x1000 -> A rw\nthread t { gup 0x1000 -> r }`,
    kinds: ['gup-enter', 'ptl-lock', 'gup-follow', 'gup-exit'],
  },
  {
    name: 'gup write on a read-only shared page: COW fault, then follow again with FOLL_WRITE',
    body: `vma 0x1000..0x3000 rw anon private\nframe A = 1 shared\nmap 0x1000 -> A r\nthread t { gup 0x1000 write -> r }`,
    kinds: ['gup-enter', 'ptl-lock', 'gup-follow', 'pte-read', 'ptl-lock', 'handle-pte', 'cow-copy', 'ptl-lock', 'cow-install', 'cow-put-old', 'ptl-lock', 'gup-follow', 'gup-exit'],
  },
  {
    name: 'GUP-fast: IRQs off, PMD, PTE, grab, re-check, IRQs on',
    body: `${ANON}map 0x1000 -> A rw\nthread t { gup 0x1000 fast pin -> r }`,
    kinds: ['gupf-begin', 'gupf-pmd', 'gupf-pte', 'gupf-grab', 'gupf-recheck', 'gupf-end'],
  },
  {
    name: 'GUP-fast with no page table (pmd_none) falls back to the slow path after IRQs are on',
    body: `${ANON}thread t { gup 0x1000 fast -> r }`,
    kinds: ['gupf-begin', 'gupf-pmd', 'gupf-end', 'gup-enter', 'ptl-lock', 'gup-follow', 'pte-read', 'ptl-lock', 'fill-pte', 'ptl-lock', 'gup-follow', 'gup-exit'],
  },
  {
    name: 'GUP-fast on a none PTE in a present table falls back after reading the PTE',
    body: `${ANON}map 0x2000 -> A rw
thread t { gup 0x1000 fast -> r }`,
    kinds: ['gupf-begin', 'gupf-pmd', 'gupf-pte', 'gupf-end', 'gup-enter', 'ptl-lock', 'gup-follow', 'pte-read', 'ptl-lock', 'fill-pte', 'ptl-lock', 'gup-follow', 'gup-exit'],
  },
  {
    name: 'mprotect: write lock, VMA change + inc pending, PTEs under the PTL, then flush + dec + unlock',
    body: `${ANON}map 0x1000 -> A rw\nthread t { mprotect 0x1000 r }`,
    kinds: ['mmap-lock', 'mprotect-fixup', 'ptl-lock', 'change-ptes', 'change-end'],
  },
  {
    name: 'mprotect flush=ptl flushes before dropping the PTL',
    body: `${ANON}map 0x1000 -> A rw\nthread t { mprotect 0x1000 r flush=ptl }`,
    kinds: ['mmap-lock', 'mprotect-fixup', 'ptl-lock', 'change-ptes', 'flush-under-ptl', 'change-end'],
  },
  {
    name: 'wrprotect (UFFDIO_WRITEPROTECT): read lock, inc pending, PTEs under the PTL, deferred flush',
    body: `vma 0x1000..0x3000 rw anon private uffd\nframe A = 1\nmap 0x1000 -> A rw\nthread t { wrprotect 0x1000 }`,
    kinds: ['mmap-lock', 'wp-begin', 'ptl-lock', 'change-ptes', 'change-end'],
  },
  {
    name: 'munmap with downgrade: detach under the write lock, downgrade, gather, zap, free tables, flush then free, unlock',
    body: `${ANON}map 0x1000 -> A rw\nthread t { munmap 0x1000..0x3000 }`,
    kinds: ['mmap-lock', 'munmap-detach', 'mmap-downgrade', 'gather-begin', 'ptl-lock', 'zap-ptes', 'free-pgtables', 'tlb-finish', 'munmap-end'],
  },
  {
    name: 'munmap downgrade=off keeps the write lock',
    body: `${ANON}map 0x1000 -> A rw\nthread t { munmap 0x1000..0x3000 downgrade=off }`,
    kinds: ['mmap-lock', 'munmap-detach', 'gather-begin', 'ptl-lock', 'zap-ptes', 'free-pgtables', 'tlb-finish', 'munmap-end'],
  },
  {
    name: 'madvise dontneed: read lock, gather, zap, flush then free, unlock',
    body: `${ANON}map 0x1000 -> A rw\nthread t { madvise dontneed 0x1000 }`,
    kinds: ['mmap-lock', 'gather-begin', 'ptl-lock', 'zap-ptes', 'tlb-finish', 'madvise-end'],
  },
  {
    name: 'fork: parent write lock, dup, both PTLs, test pinned then share, unlock PTLs, one flush before unlock',
    body: `${ANON}map 0x1000 -> A rw\nthread t { fork -> c }`,
    kinds: ['mmap-lock', 'fork-dup', 'fork-ptl', 'fork-test', 'fork-share', 'fork-unlock-ptl', 'fork-end'],
  },
  {
    name: 'fork pinned=copy copies a pinned page for the child',
    body: `${ANON}map 0x1000 -> A rw\nthread t { gup 0x1000 pin -> p; fork -> c }`,
    kinds: ['gup-enter', 'ptl-lock', 'gup-follow', 'gup-exit', 'mmap-lock', 'fork-dup', 'fork-ptl', 'fork-test', 'fork-copy', 'fork-unlock-ptl', 'fork-end'],
  },
  {
    name: 'fork pinned=share has no pinned test',
    body: `${ANON}map 0x1000 -> A rw\nthread t { fork pinned=share -> c }`,
    kinds: ['mmap-lock', 'fork-dup', 'fork-ptl', 'fork-share', 'fork-unlock-ptl', 'fork-end'],
  },
  {
    name: 'an op under an explicitly held lock neither takes nor releases it',
    body: `${ANON}map 0x1000 -> A rw\nthread t { lock mmap write; mprotect 0x1000 r; unlock mmap }`,
    kinds: ['lock-mmap', 'mprotect-fixup', 'ptl-lock', 'change-ptes', 'change-end', 'unlock-mmap'],
  },
  {
    name: 'explicit steps: irq, tlbi, kernel accesses',
    body: `${ANON}map 0x1000 -> A rw\nthread t { irq off; irq on; tlbi all; gup 0x1000 -> r; kwrite r = 3; kread r -> v; put r }`,
    kinds: ['irq-off', 'irq-on', 'tlbi', 'gup-enter', 'ptl-lock', 'gup-follow', 'gup-exit', 'kwrite', 'kread', 'put'],
  },
];

for (const row of TABLE) {
  test(row.name, () => {
    assert.deepEqual(solo(row.body), row.kinds);
  });
}

test('every micro-step names its kernel function and its source', () => {
  for (const [kind, spec] of Object.entries(SEMANTICS)) {
    assert.ok(spec.kernel.length > 0, kind);
    assert.ok(spec.source.length > 0, kind);
  }
});

test('pending=flush puts a flush of all CPUs between do_wp_page entry and the reuse/copy decision', () => {
  const spec = specOf(`scenario s {\nvma 0x1000..0x3000 rw anon private uffd\nframe A = 1\nmap 0x1000 -> A r\nthread t { fault write 0x1000 pending=flush }\n}`);
  const exec = new Exec(spec);
  const prog = exec.programs[0]!.instrs;
  const entry = prog.find((i): i is InstrOf<'handle-pte'> => i.kind === 'handle-pte')!;
  const flush: Instr = prog[entry.jumps.flush]!;
  assert.equal(flush.kind, 'wp-flush-pending');
  assert.match(flush.kernel, /flush_tlb_page/);
  if (flush.kind === 'wp-flush-pending') assert.equal(prog[flush.jumps.copy]!.kind, 'cow-copy');
});

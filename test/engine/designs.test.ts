// The locking designs (SPEC §6; kernel-rules R19 pervma, R20 spf, R21 range): each design's fault
// path and writers as micro-step tables, and the lock semantics driven step by step — the
// fair range lock's overlap and queueing, the VMA read lock failing under a writer and falling
// back to mmap_lock, vma_start_write waiting for VMA readers, and SPF's sequence validation
// throwing away a copied page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exec } from '../../server/src/engine/exec';
import * as L from '../../server/src/engine/layout';
import type { State } from '../../server/src/engine/machine';
import { spawnSync } from 'node:child_process';
import { microSteps, specOf } from '../helpers';

const ANON = 'vma 0x1000..0x3000 rw anon private\nframe A = 1\n';

function load(design: string, body: string): { exec: Exec; s: State } {
  const exec = new Exec(specOf(`scenario s {\nlocking ${design}\n${body}\n}`));
  return { exec, s: exec.initial() };
}

/** Run a one-thread scenario to the end; the executed micro-step kinds. */
const solo = (design: string, body: string): string[] => microSteps(`scenario s {\nlocking ${design}\n${body}\n}`);

/** Run one micro-step of thread t and return its kind (fails if t cannot move). */
function step(exec: Exec, s: State, t: number): string {
  assert.ok(exec.enabled(s, t), `thread ${t} can move (next: ${exec.instr(s, t)?.kind})`);
  const kind = exec.instr(s, t)!.kind;
  exec.step(s, t);
  return kind;
}

function next(exec: Exec, s: State, t: number): string | undefined {
  return exec.instr(s, t)?.kind;
}

function status(exec: Exec, s: State, t: number): number {
  return s[exec.m.th(t, L.T_STATUS)]!;
}

/** Live fresh frames (copies and new anonymous pages) and the refcount of frame A. */
function frames(exec: Exec, s: State): { fresh: number; refsA: number } {
  let fresh = 0;
  for (let f = exec.L.nFixedFrames; f < exec.L.nFrame; f++) {
    const fl = s[exec.m.fr(f, L.F_FLAGS)]!;
    if (fl !== 0 && (fl & L.FR_FREED) === 0) fresh++;
  }
  return { fresh, refsA: s[exec.m.fr(0, L.F_REFS)]! };
}

const TABLE: { name: string; design: string; body: string; kinds: string[] }[] = [
  {
    name: 'pervma: a store fault on an anonymous VMA with an anon_vma runs under the VMA read lock (lock_vma_under_rcu ... vma_end_read)',
    design: 'pervma',
    body: `${ANON}map 0x2000 -> A rw\nthread t { store 0x1000 = 2 }`,
    kinds: ['user-store', 'vma-read-try', 'pte-read', 'ptl-lock', 'fill-pte', 'vma-read-unlock', 'user-store'],
  },
  {
    name: 'pervma: a first touch (the VMA has no anon_vma yet) falls back to mmap_lock',
    design: 'pervma',
    body: `${ANON}thread t { store 0x1000 = 2 }`,
    kinds: ['user-store', 'vma-read-try', 'fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit', 'user-store'],
  },
  {
    name: 'pervma: a userfaultfd VMA is refused and the fault falls back to mmap_lock',
    design: 'pervma',
    body: `vma 0x1000..0x3000 rw anon private uffd\nthread t { store 0x1000 = 2 }`,
    kinds: ['user-store', 'vma-read-try', 'fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit', 'user-store'],
  },
  {
    name: 'pervma: a file VMA is refused (6.4: anonymous VMAs only)',
    design: 'pervma',
    body: `vma 0x1000 r file private cache F\nframe F = 7\nthread t { fault read 0x1000 }`,
    kinds: ['vma-read-try', 'fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit'],
  },
  {
    name: 'pervma: a COW fault copies and installs under the VMA read lock',
    design: 'pervma',
    body: `vma 0x1000..0x3000 rw anon private\nframe A = 1 shared\nmap 0x1000 -> A r\nthread t { fault write 0x1000 }`,
    kinds: ['vma-read-try', 'pte-read', 'ptl-lock', 'handle-pte', 'cow-copy', 'ptl-lock', 'cow-install', 'cow-put-old', 'vma-read-unlock'],
  },
  {
    name: 'pervma: mprotect write-locks the VMAs after mmap_lock and before changing them',
    design: 'pervma',
    body: `${ANON}map 0x1000 -> A rw\nthread t { mprotect 0x1000 r }`,
    kinds: ['mmap-lock', 'vma-write-lock', 'mprotect-fixup', 'ptl-lock', 'change-ptes', 'change-end'],
  },
  {
    name: 'pervma: mprotect vmalock=off forgets vma_start_write',
    design: 'pervma',
    body: `${ANON}map 0x1000 -> A rw\nthread t { mprotect 0x1000 r vmalock=off }`,
    kinds: ['mmap-lock', 'mprotect-fixup', 'ptl-lock', 'change-ptes', 'change-end'],
  },
  {
    name: 'pervma: munmap write-locks the VMAs before detaching them',
    design: 'pervma',
    body: `${ANON}map 0x1000 -> A rw\nthread t { munmap 0x1000..0x3000 }`,
    kinds: ['mmap-lock', 'vma-write-lock', 'munmap-detach', 'mmap-downgrade', 'gather-begin', 'ptl-lock', 'zap-ptes', 'free-pgtables', 'tlb-finish', 'munmap-end'],
  },
  {
    name: 'pervma: fork write-locks every parent VMA (fb49c455323f); vmalock=off is Linux 6.4.0',
    design: 'pervma',
    body: `${ANON}map 0x1000 -> A rw\nthread t { fork -> c; fork vmalock=off -> d }`,
    kinds: [
      ...['mmap-lock', 'vma-write-lock', 'fork-dup', 'fork-ptl', 'fork-test', 'fork-share', 'fork-unlock-ptl', 'fork-end'],
      ...['mmap-lock', 'fork-dup', 'fork-ptl', 'fork-test', 'fork-share', 'fork-unlock-ptl', 'fork-end'],
    ],
  },
  {
    name: 'spf: a fault whose page table is not there yet falls back at the lockless walk',
    design: 'spf',
    body: `${ANON}thread t { store 0x1000 = 2 }`,
    kinds: ['user-store', 'spf-begin', 'pte-read', 'fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit', 'user-store'],
  },
  {
    name: 'spf: a speculative fault takes no mmap_lock and validates the sequence count when it takes the PTL',
    design: 'spf',
    body: `${ANON}map 0x2000 -> A rw\nthread t { store 0x1000 = 2 }`,
    kinds: ['user-store', 'spf-begin', 'pte-read', 'spf-ptl-lock', 'fill-pte', 'spf-end', 'user-store'],
  },
  {
    name: 'spf: a speculative COW validates at pte_spinlock and again at pte_map_lock before installing',
    design: 'spf',
    body: `vma 0x1000..0x3000 rw anon private\nframe A = 1 shared\nmap 0x1000 -> A r\nthread t { fault write 0x1000 }`,
    kinds: ['spf-begin', 'pte-read', 'spf-ptl-lock', 'handle-pte', 'cow-copy', 'spf-ptl-lock', 'cow-install', 'cow-put-old', 'spf-end'],
  },
  {
    name: 'spf on arm64 without RCU table freeing: the walk and pte_map_lock are split at the page-table read',
    design: 'spf',
    body: `arch arm64 rcu-table-free=off\n${ANON}map 0x2000 -> A rw\nthread t { store 0x1000 = 2 }`,
    kinds: ['user-store', 'spf-begin', 'spf-walk', 'pte-read', 'spf-validate', 'spf-ptl-lock', 'fill-pte', 'spf-end', 'user-store'],
  },
  {
    name: 'spf: userfaultfd VMAs are refused at once',
    design: 'spf',
    body: `vma 0x1000..0x3000 rw anon private uffd\nframe A = 1\nmap 0x1000 -> A r\nthread t { fault read 0x1000 }`,
    kinds: ['spf-begin', 'fault-enter', 'pte-read', 'ptl-lock', 'handle-pte', 'fault-exit'],
  },
  {
    name: 'spf: mprotect brackets with vm_write_begin (vm_write_end comes with the flush)',
    design: 'spf',
    body: `${ANON}map 0x1000 -> A rw\nthread t { mprotect 0x1000 r }`,
    kinds: ['mmap-lock', 'vma-write-lock', 'mprotect-fixup', 'ptl-lock', 'change-ptes', 'change-end'],
  },
  {
    name: 'spf: wrprotect is not bracketed unless vmalock=on (uffd-wp and clear_refs never were)',
    design: 'spf',
    body: `${ANON}map 0x1000 -> A rw\nthread t { wrprotect 0x1000 lock=write marker=none; wrprotect 0x1000 lock=write marker=none vmalock=on }`,
    kinds: ['mmap-lock', 'wp-begin', 'ptl-lock', 'change-ptes', 'change-end', 'mmap-lock', 'vma-write-lock', 'wp-begin', 'ptl-lock', 'change-ptes', 'change-end'],
  },
  {
    name: 'range: a fault takes a read range on its page instead of mmap_lock',
    design: 'range',
    body: `vma 0x1000..0x3000 rw anon private\nframe A = 1 shared\nmap 0x1000 -> A r\nthread t { fault write 0x1000 }`,
    kinds: ['fault-enter', 'pte-read', 'ptl-lock', 'handle-pte', 'cow-copy', 'ptl-lock', 'cow-install', 'cow-put-old', 'fault-exit'],
  },
  {
    name: 'range: munmap takes its range, downgrades it, and releases it after the flush',
    design: 'range',
    body: `${ANON}map 0x1000 -> A rw\nthread t { munmap 0x1000..0x3000 }`,
    kinds: ['mmap-lock', 'munmap-detach', 'mmap-downgrade', 'gather-begin', 'ptl-lock', 'zap-ptes', 'free-pgtables', 'tlb-finish', 'munmap-end'],
  },
];

for (const row of TABLE) {
  test(row.name, () => {
    assert.deepEqual(solo(row.design, row.body), row.kinds);
  });
}

test('the expansions name the design-specific kernel functions', () => {
  const fault = (design: string): string[] => load(design, `${ANON}thread t { fault write 0x1000 }`).exec.programs[0]!.instrs.map((i) => i.kernel);
  assert.match(fault('pervma')[0]!, /lock_vma_under_rcu/);
  assert.match(fault('spf')[0]!, /handle_speculative_fault/);
  assert.ok(fault('spf').some((k) => /pte_map_lock/.test(k)));
  assert.match(fault('range')[0]!, /range_read_lock/);
  const mp = (design: string): string[] => load(design, `${ANON}thread t { mprotect 0x1000 r }`).exec.programs[0]!.instrs.map((i) => i.kernel);
  assert.ok(mp('pervma').includes('vma_start_write()'));
  assert.ok(mp('spf').includes('vm_write_begin()'));
  assert.match(mp('spf').at(-1)!, /flush_tlb_range\(\).*vm_write_end\(\).*mmap_write_unlock\(\)/);
  assert.match(mp('range')[0]!, /range_write_lock/);
});

test('range: overlapping requests queue in arrival order; a read waits behind an earlier queued write; disjoint ranges run in parallel', () => {
  const { exec, s } = load(
    'range',
    `vma 0x1000..0x3000 rw anon private
thread a on cpu0 { lock range 0x1000..0x3000 read; unlock range 0x1000..0x3000 }
thread b on cpu1 { lock range 0x2000 write; unlock range 0x2000 }
thread c on cpu2 { lock range 0x2000 read; unlock range 0x2000 }
thread d on cpu3 { lock range 0x400000 write; unlock range 0x400000 }`,
  );
  assert.equal(step(exec, s, 0), 'lock-range'); // a: read 0x1000..0x3000, granted
  assert.equal(step(exec, s, 1), 'lock-range'); // b: write 0x2000 overlaps a: queued
  assert.equal(status(exec, s, 1), L.WAIT_RANGE);
  assert.equal(exec.enabled(s, 1), false);
  assert.equal(step(exec, s, 2), 'lock-range'); // c: read 0x2000 is compatible with a, but b's write came first
  assert.equal(status(exec, s, 2), L.WAIT_RANGE);
  assert.equal(step(exec, s, 3), 'lock-range'); // d: disjoint, granted while the others wait
  assert.equal(status(exec, s, 3), L.RUN);
  assert.equal(next(exec, s, 3), 'unlock-range');
  assert.equal(step(exec, s, 0), 'unlock-range'); // a leaves: b may go, c still waits behind b
  assert.equal(exec.enabled(s, 1), true);
  assert.equal(exec.enabled(s, 2), false);
  assert.equal(step(exec, s, 1), 'lock-range');
  assert.equal(next(exec, s, 1), 'unlock-range');
  assert.equal(exec.enabled(s, 2), false);
  assert.equal(step(exec, s, 1), 'unlock-range');
  assert.equal(exec.enabled(s, 2), true);
  assert.equal(step(exec, s, 2), 'lock-range');
  assert.equal(next(exec, s, 2), 'unlock-range');
});

test('range: an op locks its VMAs and their neighbours, so a fault on a neighbouring VMA waits for mprotect', () => {
  const { exec, s } = load(
    'range',
    `vma 0x1000..0x3000 rw anon private
vma 0x3000..0x5000 rw anon private
vma 0x400000..0x402000 rw anon private
thread mp on cpu0 { mprotect 0x1000 r }
thread near on cpu1 { fault read 0x3000 }
thread far on cpu2 { fault read 0x400000 }`,
  );
  assert.equal(step(exec, s, 0), 'mmap-lock'); // write range over 0x1000..0x5000 (VMA + its neighbour)
  assert.equal(step(exec, s, 1), 'fault-enter');
  assert.equal(status(exec, s, 1), L.WAIT_RANGE, 'the neighbour VMA is inside the write range');
  assert.equal(step(exec, s, 2), 'fault-enter');
  assert.equal(status(exec, s, 2), L.RUN, 'a VMA two away is not');
});

test('pervma: lock_vma_under_rcu fails on a write-locked VMA and the fault falls back to mmap_lock, which waits for the writer', () => {
  const { exec, s } = load(
    'pervma',
    `${ANON}map 0x1000 -> A rw
thread w on cpu0 { lock mmap write; lock vma 0x1000 write; unlock mmap }
thread f on cpu1 { fault read 0x2000 }`,
  );
  assert.equal(step(exec, s, 0), 'lock-mmap');
  assert.equal(step(exec, s, 0), 'lock-vma');
  assert.equal(step(exec, s, 1), 'vma-read-try');
  assert.equal(next(exec, s, 1), 'fault-enter', 'fell back to the mmap_lock path');
  assert.equal(step(exec, s, 1), 'fault-enter');
  assert.equal(status(exec, s, 1), L.WAIT_MMAP);
  assert.equal(step(exec, s, 0), 'unlock-mmap'); // ends the VMA write lock too (vma_end_write_all)
  assert.equal(s[exec.m.vma(0, 0, L.V_WRITER)], 0);
  assert.equal(step(exec, s, 1), 'fault-enter');
  assert.equal(next(exec, s, 1), 'pte-read');
});

test('pervma: vma_start_write waits for a VMA-locked fault to leave', () => {
  const { exec, s } = load(
    'pervma',
    `${ANON}map 0x1000 -> A rw
thread f on cpu0 { fault read 0x2000 }
thread mp on cpu1 { mprotect 0x1000..0x3000 r }`,
  );
  assert.equal(step(exec, s, 0), 'vma-read-try');
  assert.equal(next(exec, s, 0), 'pte-read', 'the VMA read lock was taken');
  assert.equal(step(exec, s, 1), 'mmap-lock');
  assert.equal(step(exec, s, 1), 'vma-write-lock');
  assert.equal(next(exec, s, 1), 'vma-write-lock', 'it marked the VMA and waits');
  assert.equal(s[exec.m.vma(0, 0, L.V_WRITER)], 2, 'new vma_start_read() attempts fail from now on');
  assert.equal(exec.enabled(s, 1), false, 'vma_start_write waits for the reader');
  assert.deepEqual(exec.waitInfo(s, 1)!.holders, [0]);
  while (next(exec, s, 0) !== undefined && exec.enabled(s, 0)) exec.step(s, 0);
  assert.equal(exec.enabled(s, 1), true);
  assert.equal(step(exec, s, 1), 'vma-write-lock');
  assert.equal(next(exec, s, 1), 'mprotect-fixup');
});

test('spf: a changed sequence count at pte_map_lock throws the copied page away and falls back to the classic fault', () => {
  const { exec, s } = load(
    'spf',
    `vma 0x1000..0x3000 rw anon private
frame A = 1 shared
map 0x1000 -> A r
thread f on cpu0 { fault write 0x1000 }
thread mp on cpu1 { mprotect 0x1000..0x3000 rw }`,
  );
  const before = frames(exec, s);
  for (const k of ['spf-begin', 'pte-read', 'spf-ptl-lock', 'handle-pte', 'cow-copy']) assert.equal(step(exec, s, 0), k);
  const copied = frames(exec, s);
  assert.equal(copied.fresh, before.fresh + 1, 'the copy is allocated');
  assert.equal(copied.refsA, before.refsA + 1, 'do_wp_page holds a reference on the old page');
  assert.equal(step(exec, s, 1), 'mmap-lock');
  assert.equal(step(exec, s, 1), 'vma-write-lock'); // vm_write_begin: the count goes odd
  assert.equal(next(exec, s, 0), 'spf-ptl-lock');
  step(exec, s, 0);
  assert.equal(next(exec, s, 0), 'fault-enter', 'validation failed: VM_FAULT_RETRY to the classic path');
  assert.deepEqual(frames(exec, s), before, 'the copy is freed and the reference dropped');
  assert.equal(s[exec.m.th(0, L.T_PTLS)], 0, 'the PTL is released');
  step(exec, s, 0);
  assert.equal(status(exec, s, 0), L.WAIT_MMAP, 'the classic fault waits for mprotect');
  while (next(exec, s, 1) !== undefined) step(exec, s, 1);
  while (next(exec, s, 0) !== undefined) step(exec, s, 0);
  const pte = s[exec.m.pte(0, 0)]!;
  assert.notEqual(pte & L.PTE_FRAME_MASK, 1, 'the classic fault installed a copy');
  assert.ok((pte & L.PTE_W) !== 0);
  assert.equal(frames(exec, s).fresh, before.fresh + 1, 'exactly one copy survives');
});

test('spf: a fault that snapshots an odd sequence count falls back at once', () => {
  const { exec, s } = load(
    'spf',
    `${ANON}map 0x1000 -> A rw
thread f on cpu0 { fault read 0x1000 }
thread mp on cpu1 { mprotect 0x1000..0x3000 r }`,
  );
  step(exec, s, 1);
  step(exec, s, 1); // vm_write_begin
  assert.equal(step(exec, s, 0), 'spf-begin');
  assert.equal(next(exec, s, 0), 'fault-enter');
});

test('lock range outside `locking range` is an error at the step', () => {
  assert.throws(() => specOf('scenario s {\nvma 0x1000 rw anon private\nthread t { lock range 0x1000 read; unlock range 0x1000 }\n}'), /range locks exist only under 'locking range'/);
});

test('regressions from review: contended VMA read lock, recursive VMA read lock, splits outside the range, faults under a PTL, shmem', () => {
  const r = spawnSync(process.execPath, ['bin/vmscen.js', 'check', '--brief', '--quiet', 'test/data/designs-regressions.vmscen'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok: 1 file, 5 scenarios; expectations: 8 met, 0 failed/m);
});

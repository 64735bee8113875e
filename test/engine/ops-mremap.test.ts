// mremap and truncate (issue 10; historic race #4, CVE-2018-18281): the micro-step order of
// each against the kernel (move_vma() / move_page_tables() / move_ptes() in mm/mremap.c, with
// the flush placement of each era; truncate_setsize() / truncate_pagecache() /
// unmap_mapping_range() / truncate_inode_pages_range()), a scenario that must show each rule's
// finding and a near twin that must not, under every design, and the language's checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFile } from '../../server/src/analysis/check-file';
import { completeAt } from '../../server/src/analysis/completion';
import { collectOccurrences } from '../../server/src/analysis/symbols';
import { findingCodes as codes, microSteps, scenario } from '../helpers';

const DESIGNS = ['classic', 'pervma', 'spf', 'range'] as const;

const MREMAP_PROLOGUE = ['mmap-lock', 'mremap-copy-vma', 'mremap-lock-ptl', 'mremap-lock-ptl', 'move-ptes'];

function one(design: string, step: string, decl = 'vma 0x1000..0x2000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw'): string[] {
  return microSteps(scenario(`locking ${design}\n${decl}\nthread t on cpu0 { ${step} }`));
}

// ---- the micro-step tables ------------------------------------------------------------------

test('mremap flush=ptl (eb66ae030829, mainline): lock, copy_vma, old then new PTL, move with the flush under them, unmap the old VMA, unlock', () => {
  assert.deepEqual(one('classic', 'mremap 0x1000 -> 0x400000'), [...MREMAP_PROLOGUE, 'mremap-unmap-old', 'mremap-end']);
});

test('mremap flush=dirty (5d1904204c99, 4.9-4.18) and flush=deferred (before 4.9): the flush of move_page_tables() after the PTLs', () => {
  assert.deepEqual(one('classic', 'mremap 0x1000 flush=dirty -> 0x400000'), [...MREMAP_PROLOGUE, 'mremap-flush', 'mremap-unmap-old', 'mremap-end']);
  assert.deepEqual(one('classic', 'mremap 0x1000 flush=deferred -> 0x400000'), [...MREMAP_PROLOGUE, 'mremap-flush', 'mremap-unmap-old', 'mremap-end']);
});

test('mremap within one page table takes its PTL once (new_ptl == old_ptl)', () => {
  assert.deepEqual(one('classic', 'mremap 0x1000 -> 0x5000'), ['mmap-lock', 'mremap-copy-vma', 'mremap-lock-ptl', 'move-ptes', 'mremap-unmap-old', 'mremap-end']);
});

test('mremap moves one extent per pair of old and new page tables (get_extent()), each PTE to its place', () => {
  const cross = (decl: string, step: string, cond: string): string => scenario(`${decl}\nframe A = 1\nframe B = 2\nthread m { ${step} }\ncheck final ${cond}`);
  const dest = cross('vma 0x1000..0x3000 rw anon private\nmap 0x1000 -> A rw\nmap 0x2000 -> B rw', 'mremap 0x1000..0x3000 -> 0x3ff000', '0x3ff000 == 1 && 0x400000 == 2');
  assert.deepEqual(microSteps(dest).filter((k) => k === 'mremap-lock-ptl' || k === 'move-ptes'), ['mremap-lock-ptl', 'mremap-lock-ptl', 'move-ptes', 'mremap-lock-ptl', 'mremap-lock-ptl', 'move-ptes']);
  assert.deepEqual(codes(dest), []);
  const src = cross('vma 0x1ff000..0x201000 rw anon private\nmap 0x1ff000 -> A rw\nmap 0x200000 -> B rw', 'mremap 0x1ff000..0x201000 -> 0x400000', '0x400000 == 1 && 0x401000 == 2');
  assert.deepEqual(codes(src), []);
  assert.deepEqual(codes(src.replace('0x401000 == 2', '0x401000 == 1')), ['check-failed']);
});

test('mremap under pervma and spf write-locks (brackets) the old VMA before copy_vma; under range the op lock is a range', () => {
  for (const d of ['pervma', 'spf']) assert.deepEqual(one(d, 'mremap 0x1000 -> 0x400000').slice(0, 3), ['mmap-lock', 'vma-write-lock', 'mremap-copy-vma'], d);
  assert.deepEqual(one('range', 'mremap 0x1000 -> 0x400000'), [...MREMAP_PROLOGUE, 'mremap-unmap-old', 'mremap-end']);
});

test('mremap of a range that is not one live VMA: -EFAULT, nothing moves', () => {
  assert.deepEqual(one('classic', 'munmap 0x1000; mremap 0x1000 -> 0x400000').slice(-3), ['mmap-lock', 'mremap-copy-vma', 'mremap-end']);
});

test('truncate: i_size_write, then per page table of each mapping mm a zap and a flush, then the page-cache removal', () => {
  const decl = 'vma 0x1000..0x2000 rw file shared cache A\nframe A = 1\nmap 0x1000 -> A rw\nmm other {\n vma 0x5000..0x6000 r file shared cache A\n map 0x5000 -> A r\n}';
  assert.deepEqual(one('classic', 'truncate A', decl), ['truncate-isize', 'truncate-zap', 'truncate-flush', 'truncate-zap', 'truncate-flush', 'truncate-remove']);
});

test('a fault on a truncated file page gets SIGBUS (filemap_fault(): index >= max_idx): it maps nothing', () => {
  const steps = one('classic', 'truncate A; load 0x1000', 'vma 0x1000..0x2000 rw file shared cache A\nframe A = 1');
  assert.deepEqual(steps.slice(-2), ['user-load', 'fault-enter']);
});

// ---- must / must-not pairs ------------------------------------------------------------------

const RACE = (design: string, flush: string, access: string, prot: 'r' | 'rw'): string =>
  scenario(`locking ${design}
vma 0x1000..0x2000 ${prot} file shared cache A
frame A = 1
map 0x1000 -> A ${prot}
tlb cpu1 0x1000 -> A ${prot}
thread mover on cpu0 { mremap 0x1000 flush=${flush} -> 0x400000 }
thread user on cpu1 { ${access} }
thread truncator on cpu2 { truncate A }`);

for (const d of DESIGNS) {
  test(`${d}: mremap flush=deferred lets truncate free the page under a stale entry (use-after-free, free-before-flush); flush=ptl does not`, () => {
    assert.deepEqual(codes(RACE(d, 'deferred', 'store 0x1000 = 2', 'rw')), ['free-before-flush', 'use-after-free']);
    assert.deepEqual(codes(RACE(d, 'ptl', 'store 0x1000 = 2', 'rw')), []);
  });
  test(`${d}: mremap flush=dirty flushes a dirty PTE under the PTLs (a writer is safe) but not a clean one (a reader reads the freed page)`, () => {
    assert.deepEqual(codes(RACE(d, 'dirty', 'store 0x1000 = 2', 'rw')), []);
    assert.deepEqual(codes(RACE(d, 'dirty', 'load 0x1000', 'r')), ['free-before-flush', 'use-after-free']);
    assert.deepEqual(codes(RACE(d, 'ptl', 'load 0x1000', 'r')), []);
  });
}

test('truncate alone (its twin is the mremap pair above): every mapping of the page, in every mm, is zapped and flushed before the page is freed', () => {
  const text = (truncate: string): string =>
    scenario(`vma 0x1000..0x2000 rw file shared cache A
frame A = 1
map 0x1000 -> A rw
tlb cpu0 0x1000 -> A rw
mm other {
  vma 0x5000..0x6000 r file shared cache A
  map 0x5000 -> A r
}
tlb cpu1 0x5000 -> A r
thread w on cpu0 { store 0x1000 = 2 }
thread r in other on cpu1 { load 0x5000 }
thread tr on cpu2 { ${truncate} }`);
  for (const d of DESIGNS) assert.deepEqual(codes(text('truncate A').replace('scenario s {', `scenario s {\nlocking ${d}`)), [], d);
});

test('two mremaps nesting the same two PTLs in opposite orders: no lock-order (mmap_lock for write is the gate), as ptl-nesting-mremap.vmscen', () => {
  const text = scenario(`vma 0x1000..0x2000 rw anon private
vma 0x201000..0x202000 rw anon private
frame A = 1
frame B = 2
map 0x1000 -> A rw
map 0x201000 -> B rw
thread up on cpu0 { mremap 0x1000 -> 0x203000 }
thread down on cpu1 { mremap 0x201000 -> 0x3000 }`);
  for (const d of DESIGNS) assert.deepEqual(codes(text.replace('scenario s {', `scenario s {\nlocking ${d}`)), [], d);
  // the same nesting by hand under the read lock is a lock-order (the twin)
  const byHand = scenario(`vma 0x1000..0x400000 rw anon private
thread up on cpu0 { lock mmap read; lock ptl 0x1000; lock ptl 0x200000; unlock ptl 0x200000; unlock ptl 0x1000; unlock mmap }
thread down on cpu1 { lock mmap read; lock ptl 0x200000; lock ptl 0x1000; unlock ptl 0x1000; unlock ptl 0x200000; unlock mmap }`);
  assert.ok(codes(byHand).includes('lock-order'));
});

test('mremap excludes faults on both ranges under every design: concurrent stores to the old and new addresses find no race', () => {
  for (const d of DESIGNS) {
    const text = scenario(`locking ${d}
vma 0x1000..0x3000 rw anon private
frame A = 1
map 0x1000 -> A rw
thread mover on cpu0 { mremap 0x1000..0x3000 -> 0x400000 }
thread w1 on cpu1 { store 0x1000 = 2 }
thread w2 on cpu2 { store 0x401000 = 3 }`);
    assert.deepEqual(codes(text), [], d);
  }
});

test('truncate zaps a private COW copy too (even_cows), and the next access gets SIGBUS: no finding', () => {
  const text = scenario(`vma 0x1000..0x2000 rw file private cache A
frame A = 1
thread w on cpu0 { store 0x1000 = 2; load 0x1000 }
thread tr on cpu1 { truncate A }`);
  for (const d of DESIGNS) assert.deepEqual(codes(text.replace('scenario s {', `scenario s {\nlocking ${d}`)), [], d);
});

// ---- the language -----------------------------------------------------------------------------

function errors(body: string): string[] {
  return checkFile(scenario(body))
    .diagnostics.filter((x) => x.severity === 'error')
    .map((x) => `${x.code}: ${x.message}`);
}

test('mremap needs `-> ADDR`, page aligned, into free space not overlapping the source', () => {
  const vmas = 'vma 0x1000..0x3000 rw anon private\nvma 0x10000..0x11000 rw anon private\n';
  assert.deepEqual(errors(`${vmas}thread t { mremap 0x1000 -> 0x400000 }`), []);
  assert.match(errors(`${vmas}thread t { mremap 0x1000 }`).join('\n'), /needs '-> ADDR'/);
  assert.match(errors(`${vmas}thread t { mremap 0x1000 -> x }`).join('\n'), /expected an address after '->'/);
  assert.match(errors(`${vmas}thread t { mremap 0x1000 -> 0x400800 }`).join('\n'), /^unaligned/);
  assert.match(errors(`${vmas}thread t { mremap 0x1000 -> 0x10000 }`).join('\n'), /^overlap: .*is not free/);
  assert.match(errors(`${vmas}thread t { mremap 0x1000..0x3000 -> 0x2000 }`).join('\n'), /^overlap: .*overlaps its source/);
  assert.match(errors(`${vmas}thread t { mremap 0x1000 -> 0x400000 }\nthread u { mremap 0x2000 -> 0x400000 }`).join('\n'), /another mremap's destination/);
  assert.match(errors(`${vmas}thread t { mremap 0x1000 flush=later -> 0x400000 }`).join('\n'), /valid values are ptl, dirty, deferred/);
});

test('truncate names page-cache frames', () => {
  const decl = 'vma 0x1000..0x2000 rw file shared cache A\nframe A = 1\nframe B = 2\n';
  assert.deepEqual(errors(`${decl}thread t { truncate A }`), []);
  assert.match(errors(`${decl}thread t { truncate }`).join('\n'), /missing a frame name/);
  assert.match(errors(`${decl}thread t { truncate C }`).join('\n'), /^unknown-name: unknown frame 'C'/);
  assert.match(errors(`${decl}thread t { truncate B }`).join('\n'), /not a page-cache page/);
});

test('completion offers mremap and truncate, flush values, and frame names after truncate', () => {
  const text = 'scenario s {\n  vma 0x1000..0x2000 rw file shared cache A\n  frame A = 1\n  thread t {\n    truncate \n    mremap 0x1000 flush=\n  }\n}\n';
  const file = checkFile(text);
  const labels = (line: number, col: number): string[] => completeAt(file, line, col).map((c) => c.label);
  assert.ok(labels(5, 5).includes('mremap') && labels(5, 5).includes('truncate'));
  assert.ok(labels(5, 14).includes('A'), labels(5, 14).join(' '));
  assert.deepEqual(labels(6, 25), ['flush=ptl', 'flush=dirty', 'flush=deferred']);
});

test('the frames truncate names are references to the frames (definition, references, rename)', () => {
  const text = 'scenario s {\n  vma 0x1000..0x2000 rw file shared cache A\n  frame A = 1\n  thread t { truncate A }\n}\n';
  const occ = collectOccurrences(checkFile(text)).filter((o) => o.kind === 'frame' && o.name === 'A');
  assert.equal(occ.length, 3, JSON.stringify(occ));
});

// reclaim (shrink_folio_list -> try_to_unmap -> try_to_unmap_one; docs/kernel-paths.md §15) and
// flush_tlb_batched_pending() in mprotect, munmap and madvise (3ea277194daa, `batched=`): the
// micro-step order per option, the rmap walk over every mm (after fork too), swap entries and
// do_swap_page(), and for each rule a scenario that must show the finding and a twin one option
// apart that must not, under every locking design.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exec } from '../../server/src/engine/exec';
import * as L from '../../server/src/engine/layout';
import { isSwap, isSwapCached } from '../../server/src/engine/swap';
import { checkFile } from '../../server/src/analysis/check-file';
import { findingCodes as codes, microSteps, scenario, specOf } from '../helpers';

const DESIGNS = ['classic', 'pervma', 'spf', 'range'] as const;
const ANON = 'vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\n';

/** Run one thread's steps alone: the micro-step kinds executed. */
const solo = (body: string): string[] => microSteps(scenario(body));

// ---- the micro-step table ------------------------------------------------------------------

const TABLE: { name: string; body: string; kinds: string[] }[] = [
  {
    name: 'batch=on: lock and isolate, unmap under the PTL (flush batched), try_to_unmap_flush, write out and free',
    body: `${ANON}thread k { reclaim 0x1000 }`,
    kinds: ['reclaim-begin', 'reclaim-unmap', 'reclaim-flush', 'reclaim-free'],
  },
  {
    name: 'batch=off: ptep_clear_flush under the PTL, no batched flush',
    body: `${ANON}thread k { reclaim 0x1000 batch=off }`,
    kinds: ['reclaim-begin', 'reclaim-unmap', 'reclaim-free'],
  },
  {
    name: 'reclaim FRAME: the same path, the frame named',
    body: `${ANON}thread k { reclaim A }`,
    kinds: ['reclaim-begin', 'reclaim-unmap', 'reclaim-flush', 'reclaim-free'],
  },
  {
    name: 'the rmap walk visits each page table that maps the page (two tables: two unmap steps)',
    body: `vma 0x1000..0x3000 rw anon private\nvma 0x400000..0x401000 rw anon private\nframe A = 1\nmap 0x1000 -> A r\nmap 0x400000 -> A r\nthread k { reclaim A }`,
    kinds: ['reclaim-begin', 'reclaim-unmap', 'reclaim-unmap', 'reclaim-flush', 'reclaim-free'],
  },
  {
    name: 'a page that is not mapped is kept: the op does nothing',
    body: `${ANON}thread k { reclaim 0x2000 }`,
    kinds: ['reclaim-begin'],
  },
  {
    name: 'a pinned page is kept (try_to_unmap_one refuses a possibly pinned page)',
    body: `${ANON}thread k { gup 0x1000 pin -> p; reclaim 0x1000 }`,
    kinds: ['gup-enter', 'ptl-lock', 'gup-follow', 'gup-exit', 'reclaim-begin'],
  },
  {
    name: 'a load after reclaim faults on the swap entry: do_swap_page reads the page in and maps it under the PTL',
    body: `${ANON}thread k { reclaim 0x1000; load 0x1000 -> r }`,
    kinds: ['reclaim-begin', 'reclaim-unmap', 'reclaim-flush', 'reclaim-free', 'user-load', 'fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit', 'user-load'],
  },
  {
    name: 'pervma (6.4): do_swap_page under the VMA lock returns VM_FAULT_RETRY, the fault retries under mmap_lock',
    body: `locking pervma\n${ANON}thread k { reclaim 0x1000; store 0x1000 = 2 }`,
    kinds: ['reclaim-begin', 'reclaim-unmap', 'reclaim-flush', 'reclaim-free', 'user-store', 'vma-read-try', 'pte-read', 'fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit', 'user-store'],
  },
  {
    name: 'mprotect over a swap entry: nothing to change, flush_tlb_batched_pending in change_pte_range',
    body: `${ANON}thread k { reclaim 0x1000; mprotect 0x1000 r }`,
    kinds: ['reclaim-begin', 'reclaim-unmap', 'reclaim-flush', 'reclaim-free', 'mmap-lock', 'mprotect-fixup', 'ptl-lock', 'change-ptes', 'change-end'],
  },
];

for (const row of TABLE) {
  test(`reclaim micro-steps: ${row.name}`, () => assert.deepEqual(solo(row.body), row.kinds));
}

// ---- state: swap entries, the batched flag, the rmap walk over every mm ---------------------

/** Run thread `t` until its pc leaves `kinds` or it can no longer move. */
function runWhile(exec: Exec, s: Int32Array, t: number, steps: number): void {
  for (let i = 0; i < steps && exec.enabled(s, t); i++) exec.step(s, t);
}

test('reclaim with batch=on leaves a swap entry and mm->tlb_flush_batched set; the value survives', () => {
  const spec = specOf(scenario(`${ANON}thread k { reclaim 0x1000 }`));
  const exec = new Exec(spec, { reduce: false });
  const s = exec.initial();
  runWhile(exec, s, 0, 2); // begin, unmap
  const pte = s[exec.m.pte(0, exec.m.pageIndex(0x1000))]!;
  assert.ok(isSwapCached(pte), 'a swap entry whose page is still under reclaim');
  assert.equal(s[exec.m.mm(0, L.M_BATCHED)], 1, 'tlb_flush_batched set');
  runWhile(exec, s, 0, 10);
  const after = s[exec.m.pte(0, exec.m.pageIndex(0x1000))]!;
  assert.ok(isSwap(after) && !isSwapCached(after), 'written out');
  assert.equal(exec.m.valueAt(s, 0, 0x1000), 1, 'the swap slot holds the value');
  assert.equal(s[exec.m.mm(0, L.M_BATCHED)], 1, 'only flush_tlb_batched_pending() clears the flag');
  assert.ok((s[exec.m.fr(0, L.F_FLAGS)]! & L.FR_FREED) !== 0, 'the page was freed');
});

test('flush_tlb_batched_pending() flushes the mm and clears tlb_flush_batched (batched=check), not with batched=ignore', () => {
  for (const [opt, flag] of [['', 0], [' batched=ignore', 1]] as const) {
    const spec = specOf(scenario(`${ANON}thread k { reclaim 0x1000; mprotect 0x1000 r${opt} }`));
    const exec = new Exec(spec, { reduce: false });
    const s = exec.initial();
    runWhile(exec, s, 0, 50);
    assert.equal(s[exec.m.mm(0, L.M_BATCHED)], flag, `mprotect${opt}`);
  }
});

test('the rmap walk covers every mm that maps the page: after fork both PTEs become swap entries', () => {
  const spec = specOf(scenario(`${ANON}thread p on cpu0 { fork -> child; reclaim A }\nthread c on cpu1 in child { }`));
  const exec = new Exec(spec, { reduce: false });
  const s = exec.initial();
  runWhile(exec, s, 0, 100);
  const p = exec.m.pageIndex(0x1000);
  assert.ok(isSwap(s[exec.m.pte(0, p)]!), 'parent');
  assert.ok(isSwap(s[exec.m.pte(1, p)]!), 'child');
  assert.equal(exec.m.valueAt(s, 1, 0x1000), 1);
});

test('a fault on a swap entry whose page is still under reclaim waits for the page lock (do_swap_page)', () => {
  const spec = specOf(scenario(`${ANON}thread k on cpu0 { reclaim 0x1000 }\nthread r on cpu1 { load 0x1000 -> v }`));
  const exec = new Exec(spec, { reduce: false });
  const s = exec.initial();
  runWhile(exec, s, 0, 2); // begin, unmap: the page is under reclaim
  runWhile(exec, s, 1, 10); // user-load misses, fault-enter; pte-read must wait
  assert.equal(exec.instr(s, 1)!.kind, 'pte-read');
  assert.equal(exec.enabled(s, 1), false);
  runWhile(exec, s, 0, 10);
  assert.equal(exec.enabled(s, 1), true);
});

test('reclaim FRAME names a declared frame: an unknown one is an error with a suggestion', () => {
  const f = checkFile(scenario(`${ANON}thread k { reclaim B }`));
  const e = f.diagnostics.find((d) => d.severity === 'error');
  assert.ok(e && /unknown frame 'B'/.test(e.message), JSON.stringify(f.diagnostics));
});

// ---- must / must-not pairs, every design ----------------------------------------------------

const RACE = (design: string, walker: string): string =>
  scenario(`locking ${design}
${ANON}tlb cpu2 0x1000 -> A rw
thread kswapd on cpu0 { reclaim 0x1000 }
thread w on cpu1 { ${walker} }
thread writer on cpu2 { store 0x1000 = 2 }`);

function pair(name: string, code: string, bad: string, good: string): void {
  test(`${name}: ${code} in the scenario, not in its twin`, () => {
    assert.ok(codes(bad).includes(code), `the scenario reports ${code}: ${codes(bad).join(' ')}`);
    assert.deepEqual(codes(good), [], `the twin is clean`);
  });
}

for (const d of DESIGNS) {
  pair(`${d}: reclaim's batched flush vs mprotect(PROT_READ) (3ea277194daa)`, 'stale-tlb-write', RACE(d, 'mprotect 0x1000 r batched=ignore'), RACE(d, 'mprotect 0x1000 r'));
  pair(`${d}: reclaim's batched flush vs munmap`, 'lost-write', RACE(d, 'munmap 0x1000 batched=ignore'), RACE(d, 'munmap 0x1000'));
  pair(`${d}: reclaim's batched flush vs MADV_DONTNEED`, 'lost-write', RACE(d, 'madvise dontneed 0x1000 batched=ignore'), RACE(d, 'madvise dontneed 0x1000'));
}

pair(
  'without batching (ptep_clear_flush under the PTL) there is no window',
  'stale-tlb-write',
  RACE('classic', 'mprotect 0x1000 r batched=ignore'),
  scenario(`${ANON}tlb cpu2 0x1000 -> A rw
thread kswapd on cpu0 { reclaim 0x1000 batch=off }
thread w on cpu1 { mprotect 0x1000 r batched=ignore }
thread writer on cpu2 { store 0x1000 = 2 }`),
);

pair(
  'mprotect that adds no restriction promises nothing over a swap entry',
  'stale-tlb-write',
  RACE('classic', 'mprotect 0x1000 r batched=ignore'),
  RACE('classic', 'mprotect 0x1000 rw batched=ignore'),
);

test('the swapped-out value is read back, after fork in both mms', () => {
  const text = scenario(`${ANON}thread p on cpu0 { fork -> child; reclaim A; store 0x1000 = 3 }
thread c on cpu1 in child { load 0x1000 -> r }
check final child:0x1000 == 1 && main:0x1000 == 3`);
  assert.deepEqual(codes(text), []);
});

// ---- a page reclaim cannot free is kept in the swap cache -----------------------------------

test('a page with another reference (GUP) is kept: mapped again, its value the process sees and the holder sees', () => {
  const text = scenario(`${ANON}thread k { gup 0x1000 write -> g; reclaim 0x1000; kwrite g = 7; load 0x1000 -> r }
check final k.r == 7`);
  assert.deepEqual(codes(text), []);
  const spec = specOf(text);
  const exec = new Exec(spec, { reduce: false });
  const s = exec.initial();
  for (let i = 0; i < 40 && exec.enabled(s, 0); i++) exec.step(s, 0);
  const pte = s[exec.m.pte(0, exec.m.pageIndex(0x1000))]!;
  assert.equal(pte & L.PTE_FRAME_MASK, 1, 'frame A mapped again');
  assert.ok((s[exec.m.fr(0, L.F_FLAGS)]! & L.FR_FREED) === 0, 'not freed');
});

test('a page pinned by GUP-fast after reclaim locked it: the walk stops and the page is kept, no gup-incoherent', () => {
  const text = scenario(`${ANON}thread k on cpu0 { reclaim 0x1000 }
thread p on cpu1 { gup 0x1000 write pin fast -> g; kwrite g = 7; load 0x1000 -> r }`);
  assert.deepEqual(codes(text), []);
});

pair(
  'reclaim sleeps: never with IRQs off (sleep-in-atomic), fine with them on',
  'sleep-in-atomic',
  scenario(`${ANON}thread k { irq off; reclaim 0x1000; irq on }`),
  scenario(`${ANON}thread k { reclaim 0x1000 }`),
);

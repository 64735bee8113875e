// The issue-10 ops together (they were written apart): mremap moves swap and migration
// entries and calls flush_tlb_batched_pending() (batched=check|ignore); reclaim and migration
// never both isolate one page; each combination explores clean where the kernel is safe, on
// every locking design.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exec } from '../../server/src/engine/exec';
import * as L from '../../server/src/engine/layout';
import { isSwap, isSwapCached } from '../../server/src/engine/swap';
import { findingCodes, scenario, specOf } from '../helpers';

const ANON = 'vma 0x1000..0x2000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\n';

function runWhile(exec: Exec, s: Int32Array, t: number, steps: number): void {
  for (let i = 0; i < steps && exec.enabled(s, t); i++) exec.step(s, t);
}

test('mremap moves a swap entry (a non-none PTE) to the new address, and flush_tlb_batched_pending() clears the flag with batched=check only', () => {
  for (const [opt, flag] of [['', 0], [' batched=ignore', 1]] as const) {
    const spec = specOf(scenario(`${ANON}tlb cpu1 0x1000 -> A rw\nthread k on cpu0 { reclaim 0x1000; mremap 0x1000${opt} -> 0x8000 }\nthread w on cpu1 { }`));
    const exec = new Exec(spec, { reduce: false });
    const s = exec.initial();
    runWhile(exec, s, 0, 2); // reclaim-begin, reclaim-unmap: a swap entry, flush batched
    assert.equal(s[exec.m.mm(0, L.M_BATCHED)], 1);
    runWhile(exec, s, 0, 60);
    assert.equal(s[exec.m.mm(0, L.M_BATCHED)], flag, `mremap${opt}`);
    const moved = s[exec.m.pte(0, exec.m.pageIndex(0x8000))]!;
    assert.ok(isSwap(moved) && !isSwapCached(moved), 'the written-out swap entry is at the new address');
    assert.equal(s[exec.m.pte(0, exec.m.pageIndex(0x1000))], 0, 'and none at the old one');
    assert.equal(exec.m.valueAt(s, 0, 0x8000), 1, 'the value is reachable at the new address');
  }
});

test('reclaim and migration of one page, racing a store: clean on every design (one of them isolates the page, the other backs off)', () => {
  for (const locking of ['classic', 'pervma', 'spf', 'range']) {
    const text = scenario(`locking ${locking}\n${ANON}tlb cpu2 0x1000 -> A rw\nthread r on cpu0 { reclaim 0x1000 }\nthread mg on cpu1 { migrate 0x1000 }\nthread w on cpu2 { store 0x1000 = 2; load 0x1000 -> v }\ncheck final w.v == 2`);
    assert.deepEqual(findingCodes(text), [], locking);
  }
});

test('mremap of a page under migration (in some interleavings it moves the migration entry): remove_migration_ptes() finds it at the new address; the store after mremap lands there; clean', () => {
  const text = scenario(`${ANON}thread mg on cpu0 { migrate 0x1000 }\nthread mv on cpu1 { mremap 0x1000 -> 0x8000; store 0x8000 = 3; load 0x8000 -> v }\ncheck final mv.v == 3`);
  assert.deepEqual(findingCodes(text), []);
});

test('truncate and reclaim of one page-cache page: clean', () => {
  const text = scenario(`vma 0x1000..0x2000 rw file shared cache C\nframe C = 1\nmap 0x1000 -> C rw\nthread r on cpu0 { reclaim C }\nthread tr on cpu1 { truncate C }\nthread u on cpu2 { load 0x1000 -> v }`);
  assert.deepEqual(findingCodes(text), []);
});

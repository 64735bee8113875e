// GUP fidelity (issue 9, items 1, 2 and 5): each kernel behaviour has a scenario that must show
// the finding and a near twin (one option or one line apart) that must not, in the style of
// finding-pairs.test.ts, plus checks of the machine where the difference is a step, not a finding.
//   1. a R/O FOLL_PIN of a possibly shared anonymous page unshares first (a7f226604170, 5.19);
//   2. FOLL_FORCE writes follow 6.0's can_follow_write_pte() (5535be309971);
//   5. GUP-fast saves and restores the caller's IRQ state (local_irq_save/restore).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exec } from '../../server/src/engine/exec';
import * as L from '../../server/src/engine/layout';
import { findingCodes as codes, microSteps, scenario, specOf } from '../helpers';



function pair(bad: string, good: string, code: string): void {
  assert.ok(codes(bad).includes(code), `the scenario reports ${code}`);
  assert.ok(!codes(good).includes(code), `the twin does not report ${code}`);
}

/** Run the threads (lowest enabled first) to the end, or until `stop` holds before a step. */
function runToEnd(text: string, stop?: (kind: string) => boolean): { exec: Exec; s: Int32Array } {
  const exec = new Exec(specOf(text));
  const s = exec.initial();
  for (let guard = 0; guard < 500; guard++) {
    const t = exec.spec.threads.findIndex((_, i) => exec.enabled(s, i));
    if (t < 0 || stop?.(exec.instr(s, t)!.kind)) break;
    exec.step(s, t);
  }
  return { exec, s };
}

// ---- 1. R/O pins unshare (reuse exclusive) -------------------------------------------------

/** fork shares A with the child (read-only); then the parent takes `gup` and writes. */
const AFTER_FORK = (reuse: string, gup: string): string =>
  scenario(`reuse ${reuse}
vma 0x1000 rw anon private
frame A = 1
map 0x1000 -> A rw
thread parent on cpu0 { fork -> child; ${gup}; store 0x1000 = 2; kread dma -> seen; put dma }
check final parent.seen == 2`);

test('R/O pin after fork: the shared page is pinned and COWed away under refcount (5.9-5.18), unshared first under exclusive (5.19+)', () => {
  pair(AFTER_FORK('refcount', 'gup 0x1000 pin -> dma'), AFTER_FORK('exclusive', 'gup 0x1000 pin -> dma'), 'gup-incoherent');
  pair(AFTER_FORK('refcount', 'gup 0x1000 pin -> dma'), AFTER_FORK('exclusive', 'gup 0x1000 pin -> dma'), 'check-failed');
});

test('GUP-fast makes the same test: a R/O pin of a shared anonymous page falls back and the slow path unshares', () => {
  pair(AFTER_FORK('refcount', 'gup 0x1000 pin fast -> dma'), AFTER_FORK('exclusive', 'gup 0x1000 pin fast -> dma'), 'gup-incoherent');
  const kinds = microSteps(AFTER_FORK('exclusive', 'gup 0x1000 pin fast -> dma'));
  const grab = kinds.indexOf('gupf-grab');
  assert.ok(grab >= 0 && kinds.indexOf('gup-enter') > grab, 'GUP-fast pinned, then fell back to the slow path');
});

test('only FOLL_PIN without FOLL_WRITE unshares: a FOLL_GET reference stays on the shared page', () => {
  pair(AFTER_FORK('exclusive', 'gup 0x1000 -> dma'), AFTER_FORK('exclusive', 'gup 0x1000 pin -> dma'), 'check-failed');
});

test('a write pin breaks COW by its write fault and needs no unsharing fault', () => {
  const text = AFTER_FORK('exclusive', 'gup 0x1000 write pin -> dma');
  assert.deepEqual(codes(text), []);
  const prog = new Exec(specOf(text)).programs[0]!.instrs;
  assert.ok(!prog.some((i) => i.text.startsWith('unshare fault')), 'no unsharing fault is expanded for a write pin');
  assert.ok(new Exec(specOf(AFTER_FORK('exclusive', 'gup 0x1000 pin -> dma'))).programs[0]!.instrs.some((i) => i.text.startsWith('unshare fault')));
  assert.ok(!new Exec(specOf(AFTER_FORK('refcount', 'gup 0x1000 pin -> dma'))).programs[0]!.instrs.some((i) => i.text.startsWith('unshare fault')), 'none before 5.19');
});

test('the unsharing copy stays read-only and keeps the uffd-wp bit (wp_page_copy() with FAULT_FLAG_UNSHARE)', () => {
  const { exec, s } = runToEnd(
    scenario(`vma 0x1000 rw anon private uffd
frame A = 1
map 0x1000 -> A rw
thread parent on cpu0 { fork -> child; wrprotect 0x1000; gup 0x1000 pin -> dma }`),
  );
  const pte = s[exec.m.pte(0, 0)]!;
  assert.notEqual((pte & L.PTE_FRAME_MASK) - 1, 0, 'the parent maps a copy, not A');
  assert.equal(pte & L.PTE_W, 0, 'read-only');
  assert.notEqual(pte & L.PTE_UFFD, 0, 'uffd-wp kept');
  const f = (pte & L.PTE_FRAME_MASK) - 1;
  assert.notEqual(s[exec.m.fr(f, L.F_FLAGS)]! & L.FR_EXCL, 0, 'the copy is exclusive');
  assert.equal(s[exec.m.fr(f, L.F_PINS)], 1, 'and pinned');
});

test('an unsharing fault on a page nobody else holds marks it exclusive in place (page_move_anon_rmap), no copy', () => {
  const { exec, s } = runToEnd(
    scenario(`vma 0x1000 rw anon private
frame A = 1
map 0x1000 -> A rw
thread parent on cpu0 { fork -> child }
thread kid on cpu1 in child { munmap 0x1000 }
thread pinner on cpu2 { gup 0x1000 pin -> dma }`),
  );
  const pte = s[exec.m.pte(0, 0)]!;
  assert.equal((pte & L.PTE_FRAME_MASK) - 1, 0, 'still A');
  assert.equal(pte & L.PTE_W, 0, 'still read-only');
  assert.notEqual(s[exec.m.fr(0, L.F_FLAGS)]! & L.FR_EXCL, 0, 'A is exclusive again');
  assert.equal(s[exec.m.fr(0, L.F_PINS)], 1);
});

// ---- 2. FOLL_FORCE writes (6.0 can_follow_write_pte) -----------------------------------------

/** A debugger write-protects (UFFDIO_WRITEPROTECT) and pokes; the monitor saves, then unprotects. */
const POKE = (prot: string, wp: string): string =>
  scenario(`vma 0x1000 ${prot} anon private uffd
frame A = 1
map 0x1000 -> A ${prot}
thread debugger on cpu0 { ${wp}; gup 0x1000 write force -> mem; kwrite mem = 2; put mem }
thread monitor on cpu1 { load 0x1000 -> saved; unprotect 0x1000 }
check final monitor.saved == 1`);

test('FOLL_FORCE write on a uffd-wp PTE of a read-only private mapping goes to the fault path and waits in userfaultfd', () => {
  pair(POKE('r', 'wrprotect 0x1000 marker=none'), POKE('r', 'wrprotect 0x1000'), 'check-failed');
});

test('FOLL_FORCE write on a writable mapping never follows a read-only PTE (VM_WRITE: take the write fault)', () => {
  pair(POKE('rw', 'wrprotect 0x1000 marker=none'), POKE('rw', 'wrprotect 0x1000'), 'check-failed');
});

/** Whether a forced write lookup needed the fault path (do_wp_page ran) on this mapping. */
function faulted(vma: string, frame: string, map: string): boolean {
  return microSteps(scenario(`vma 0x1000 ${vma}\n${frame}\nmap 0x1000 -> A ${map}\nthread t { gup 0x1000 write force -> r }`)).includes('handle-pte');
}

test('can_follow_write_pte(): a forced write follows a read-only PTE only in a private, non-writable VMA on an exclusive anonymous page', () => {
  assert.equal(faulted('r anon private', 'frame A = 1', 'r'), false, 'private, !VM_WRITE, exclusive: follow');
  assert.equal(faulted('rw anon private', 'frame A = 1', 'r'), true, 'VM_WRITE: fault');
  assert.equal(faulted('rw anon shared', 'frame A = 1', 'r'), true, 'shared: fault (wp_page_shared)');
  assert.equal(faulted('r anon private', 'frame A = 1 shared', 'r'), true, 'not exclusive: fault (copy)');
  assert.equal(faulted('r anon private uffd', 'frame A = 1', 'r'), false, 'registered, but no uffd-wp bit: follow');
});

test('before 6.0 (reuse refcount) FOLL_FORCE keeps the FOLL_COW rule: a read-only PTE is followed only after a COW fault', () => {
  const kinds = microSteps(scenario('reuse refcount\nvma 0x1000 r anon private\nframe A = 1\nmap 0x1000 -> A r\nthread t { gup 0x1000 write force -> r }'));
  assert.ok(kinds.includes('handle-pte'));
});

// ---- 5. GUP-fast restores the caller's IRQ state ---------------------------------------------

test("GUP-fast falling back under the caller's `irq off` keeps IRQs off: the slow path's mmap_read_lock sleeps in atomic context", () => {
  const t = (map: string): string => scenario(`vma 0x1000 rw anon private\nframe A = 1\n${map}\nthread t { irq off; gup 0x1000 fast -> r; irq on; put r }`);
  pair(t(''), t('map 0x1000 -> A rw'), 'sleep-in-atomic');
});

test('GUP-fast that succeeds under `irq off` returns with IRQs still off', () => {
  const t = (body: string): string => scenario(`vma 0x1000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\nthread t { ${body} }`);
  pair(t('irq off; gup 0x1000 fast -> r; lock mmap read; unlock mmap; irq on; put r'), t('irq off; gup 0x1000 fast -> r; irq on; lock mmap read; unlock mmap; put r'), 'sleep-in-atomic');
  const atPut = (kind: string): boolean => kind === 'put';
  const { exec, s } = runToEnd(t('irq off; gup 0x1000 fast -> r; put r'), atPut);
  assert.equal(s[exec.m.th(0, L.T_IRQ)], 1);
  const after = runToEnd(t('gup 0x1000 fast -> r; put r'), atPut);
  assert.equal(after.s[after.exec.m.th(0, L.T_IRQ)], 0, 'and turns them back on for a caller that had them on');
});

test('a PTL spin after GUP-fast under `irq off` deadlocks with a holder waiting for the shootdown IPI', () => {
  const t = (body: string): string =>
    scenario(`vma 0x1000 rw anon private
frame A = 1
map 0x1000 -> A rw
tlb cpu0 0x1000 -> A rw
thread t on cpu0 { ${body} }
thread z on cpu1 { lock ptl 0x1000; tlbi 0x1000; unlock ptl 0x1000 }`);
  pair(t('irq off; gup 0x1000 fast -> r; lock ptl 0x1000; unlock ptl 0x1000; irq on; put r'), t('irq off; gup 0x1000 fast -> r; irq on; lock ptl 0x1000; unlock ptl 0x1000; put r'), 'deadlock');
});

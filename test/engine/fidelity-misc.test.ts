// Issue 9, "smaller inaccuracies" (a)-(d): each kernel behaviour has a scenario that must show a
// finding and a near twin (one line or one word apart) that must not, in the style of
// finding-pairs.test.ts. The kernel source behind each is cited in docs/kernel-paths.md.
//   (a) pervma: lock_vma_under_rcu() fails on a VMA without an anon_vma (v6.4 mm/memory.c), so a
//       first-touch fault takes mmap_lock; anon_vma_prepare() and anon_vma_fork() give one.
//   (b) zap_pte_range() forces the flush under the PTL for any dirty !PageAnon page (shmem too).
//   (c) copy_page_range() copies no PTE of a VMA without anon_vma (shmem, a file VMA never
//       written, an anonymous VMA that only maps the zero page); the child refaults.
//   (d) change_pte_range(): ptep_modify_prot_start() clears the PTE under the PTL (x86, arm64),
//       and the hardware walk (and GUP-fast, a fault's snapshot) can see it none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findingCodes as codes, microSteps, scenario } from '../helpers';



function pair(name: string, code: string, bad: string, good: string): void {
  test(`${name}: ${code} in the scenario, not in its twin`, () => {
    assert.ok(codes(bad).includes(code), `the scenario reports ${code}: ${codes(bad).join(' ')}`);
    assert.ok(!codes(good).includes(code), `the twin does not report ${code}: ${codes(good).join(' ')}`);
  });
}

// ---- (a) pervma: a fault on a VMA without an anon_vma takes mmap_lock ----------------------

/**
 * `reader` holds a VMA read lock on 0x4000 and touches 0x1000 (another VMA); `writer` holds
 * mmap_lock for write and waits in vma_start_write() on 0x4000. If the fault on 0x1000 runs
 * VMA-locked it completes; if it needs mmap_lock, the two wait for each other.
 */
const FIRST_TOUCH = (setup: string, first = ''): string =>
  scenario(`locking pervma
vma 0x1000..0x3000 rw anon private
vma 0x4000..0x5000 rw anon private
${setup}
thread reader on cpu0 {
  ${first}
  lock vma 0x4000 read
  store 0x1000 = 1
  unlock vma 0x4000
}
thread writer on cpu1 {
  lock mmap write
  lock vma 0x4000 write
  unlock mmap
}`);

pair('(a) a first touch in a VMA without anon_vma falls back to mmap_lock', 'deadlock', FIRST_TOUCH(''), FIRST_TOUCH('frame A = 1\nmap 0x2000 -> A rw'));
// do_anonymous_page(): a write fault calls anon_vma_prepare(); a read fault maps the zero page
// and does not
pair('(a) a write fault gives the VMA its anon_vma, a read fault (zero page) does not', 'deadlock', FIRST_TOUCH('', 'load 0x2000 -> r'), FIRST_TOUCH('', 'store 0x2000 = 7'));

test('(a) the VMA-locked fault is tried and falls back on a first touch, and runs VMA-locked after it', () => {
  const one = (map: string): string[] => microSteps(scenario(`locking pervma\nvma 0x1000..0x3000 rw anon private\n${map}\nthread t { store 0x1000 = 1 }`));
  const cold = one('');
  assert.deepEqual(cold.slice(0, 2), ['user-store', 'vma-read-try']);
  assert.ok(cold.includes('fault-enter'), `first touch falls back to mmap_lock: ${cold.join(' ')}`);
  const warm = one('frame A = 1\nmap 0x2000 -> A rw');
  assert.ok(!warm.includes('fault-enter') && warm.includes('vma-read-unlock'), `VMA-locked fault: ${warm.join(' ')}`);
});

// anon_vma_fork(): the child's VMA has an anon_vma when the parent's has one
const CHILD_TOUCH = (parentMap: string): string =>
  scenario(`locking pervma
vma 0x1000..0x3000 rw anon private
vma 0x4000..0x5000 rw anon private
frame B = 2
map 0x4000 -> B rw
${parentMap}
thread parent on cpu0 { fork -> child }
thread reader on cpu1 in child {
  lock vma 0x4000 read
  store 0x1000 = 1
  unlock vma 0x4000
}
thread writer on cpu2 in child {
  lock mmap write
  lock vma 0x4000 write
  unlock mmap
}`);

pair('(a) fork gives the child an anon_vma where the parent has one', 'deadlock', CHILD_TOUCH(''), CHILD_TOUCH('frame A = 1\nmap 0x2000 -> A rw'));

// ---- (b) zap: a dirty shmem page forces the flush under the PTL -----------------------------

/**
 * The zap of a dirty non-anonymous page flushes before dropping the PTL; an x86 shootdown then
 * waits for a CPU that spins on that PTL with IRQs off. An anonymous page is flushed after the
 * PTL is dropped (tlb_finish_mmu), when the spinner has its lock and turns IRQs back on.
 */
const ZAP = (kind: string): string =>
  scenario(`vma 0x1000..0x3000 rw ${kind}
frame A = 1
map 0x1000 -> A rw
thread zapper on cpu0 { madvise dontneed 0x1000..0x3000 }
thread spinner on cpu1 {
  irq off
  lock ptl 0x1000
  unlock ptl 0x1000
  irq on
}`);

pair('(b) a dirty shmem page forces the flush under the PTL, an anonymous one does not', 'deadlock', ZAP('anon shared'), ZAP('anon private'));
pair('(b) munmap of a dirty shmem page too', 'deadlock', ZAP('anon shared').replace('madvise dontneed', 'munmap'), ZAP('anon private').replace('madvise dontneed', 'munmap'));

// ---- (c) fork copies no PTE of a VMA without anon_vma ----------------------------------------

/** A pinned page, fork sharing pinned pages (before 5.9), then a DMA write through the pin. */
const PIN_FORK = (sharing: string): string =>
  scenario(`vma 0x1000..0x2000 rw anon ${sharing}
frame A = 1
map 0x1000 -> A rw
thread parent on cpu0 {
  gup 0x1000 write pin -> dma
  fork pinned=share -> child
  kwrite dma = 2
  put dma
}`);

// private: the child maps the parent's page, and sees the write (cow-isolation); shmem: fork
// skips the VMA, and the write to shared memory is meant to be seen
pair('(c) fork shares a private page, but copies no PTE of a shmem VMA', 'cow-isolation', PIN_FORK('private'), PIN_FORK('shared'));

/** Both processes write after fork; at the end they see one page (shmem) or two (private). */
const BOTH_WRITE = (sharing: string): string =>
  scenario(`vma 0x1000..0x2000 rw anon ${sharing}
frame A = 1
map 0x1000 -> A rw
thread parent on cpu0 {
  fork -> child
  store 0x1000 = 2
}
thread kid on cpu1 in child {
  load 0x1000 -> r
  store 0x1000 = 3
}
check final 0x1000 == child:0x1000`);

pair('(c) the child refaults the shmem page, so both see one page', 'check-failed', BOTH_WRITE('private'), BOTH_WRITE('shared'));

test('(c) fork copies the PTEs of a VMA with an anon_vma only', () => {
  const fork = (vma: string, map: string): string[] => microSteps(scenario(`${vma}\n${map}\nthread p { fork -> c }`));
  const copied = (kinds: string[]): boolean => kinds.includes('fork-share');
  assert.ok(copied(fork('vma 0x1000..0x3000 rw anon private', 'frame A = 1\nmap 0x1000 -> A rw')), 'an anonymous page is shared with the child');
  assert.ok(!copied(fork('vma 0x1000..0x3000 rw anon shared', 'frame A = 1\nmap 0x1000 -> A rw')), 'a shmem VMA is refaulted');
  assert.ok(!copied(fork('vma 0x1000..0x3000 rw file private cache C D', 'frame C = 1\nframe D = 1\nmap 0x1000 -> C r')), 'a file VMA never written is refaulted');
  assert.ok(copied(fork('vma 0x1000..0x3000 rw file private cache C D', 'frame C = 1\nframe D = 1\nframe A = 1\nmap 0x1000 -> C r\nmap 0x2000 -> A rw')), 'a file VMA with a COWed page copies all its PTEs');
  // the zero page: a read fault gives no anon_vma, so the child refaults it
  const zero = microSteps(scenario('vma 0x1000..0x3000 rw anon private\nthread p { load 0x1000 -> r; fork -> c }'));
  assert.ok(zero.includes('fill-pte') && !copied(zero), `zero page only: ${zero.join(' ')}`);
});

// ---- (d) change_pte_range(): the transient none PTE --------------------------------------------

/**
 * A load with IRQs off on a page mprotect keeps readable: it hits no fault unless the hardware
 * walk sees the PTE cleared by ptep_modify_prot_start(); then it faults, takes mmap_lock with IRQs
 * off, and mprotect's x86 flush waits for the CPU that waits for mprotect's mmap_lock.
 */
const IRQ_OFF_LOAD = (addr: string): string =>
  scenario(`vma 0x1000..0x3000 rw anon private
frame A = 1
frame B = 2
map 0x1000 -> A rw
map 0x2000 -> B rw
thread mp on cpu0 { mprotect 0x1000 r }
thread reader on cpu1 {
  irq off
  load ${addr} -> r
  irq on
}`);

pair('(d) the walk sees the PTE mprotect is changing as none', 'sleep-in-atomic', IRQ_OFF_LOAD('0x1000'), IRQ_OFF_LOAD('0x2000'));
pair('(d) ... and the fault it takes deadlocks with the flush', 'deadlock', IRQ_OFF_LOAD('0x1000'), IRQ_OFF_LOAD('0x2000'));

test('(d) the start window is emitted only for a page another thread of the mm reads without the PTL while it may have IRQs off', () => {
  const mp = (other: string): string[] => microSteps(scenario(`vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\nthread mp { mprotect 0x1000 r }\n${other}`));
  assert.ok(mp('thread r { irq off; load 0x1000 -> x; irq on }').includes('modify-prot-start'));
  assert.ok(mp('thread g { irq off; gup 0x1000 fast -> x; irq on; put x }').includes('modify-prot-start'));
  // with IRQs on the detour changes nothing the interleavings without the window do not show
  assert.ok(!mp('thread r { load 0x1000 -> x }').includes('modify-prot-start'));
  assert.ok(!mp('thread g { gup 0x1000 -> x; put x }').includes('modify-prot-start'));
  assert.ok(!mp('thread r { irq off; load 0x2000 -> x; irq on }').includes('modify-prot-start'));
  assert.ok(!mp('').includes('modify-prot-start'));
});

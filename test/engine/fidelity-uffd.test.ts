// Issue 9, items 3, 4 and 6: verdicts that differed from the kernel. Each behaviour has a
// scenario that must show the finding and a near twin (one option or one line apart) that must
// not, in the style of finding-pairs.test.ts.
//  3. UFFDIO_WRITEPROTECT (`wrprotect marker=uffd`, `unprotect`) on a VMA not registered for
//     uffd-wp is -ENOENT: mwriteprotect_range() changes nothing (kernel-paths §7.1).
//  4. `fault … pending=flush` is exactly 6ce64428d620: it flushes only in uffd-wp VMAs
//     (kernel-paths §2.4); `pending=flush-any` is Yu Zhao's never-merged generic proposal.
//  6. An op run inside explicit locks returns at the thread's outermost explicit unlock
//     (clear_refs_write() after 912efa17e512, kernel-paths §7.4; engine/return-point.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFile } from '../../server/src/analysis/check-file';
import type { FindingEvent } from '../../server/src/engine/events';
import { Exec } from '../../server/src/engine/exec';
import * as L from '../../server/src/engine/layout';
import { returnSteps } from '../../server/src/engine/return-point';
import { findingCodes as codes, scenario, specOf } from '../helpers';



/** The seed race's shape: write-protect, a COW fault and a store through a stale entry. */
const SEED = (vma: string, wp: string, fault = 'fault write 0x1000'): string =>
  scenario(`reuse refcount
vma 0x1000..0x3000 rw anon private${vma}
frame A = 1 refs=1
map 0x1000 -> A rw
tlb cpu2 0x1000 -> A rw
thread wp on cpu0 { ${wp} }
thread faulter on cpu1 { ${fault} }
thread writer on cpu2 { store 0x1000 = 2 }`);

type Pick = (exec: Exec, s: Int32Array) => number;
const firstEnabled: Pick = (exec, s) => exec.spec.threads.findIndex((_, i) => exec.enabled(s, i));

/** Run the threads (by default first enabled first), with a hook before each micro-step; the texts run and the findings. */
function drive(text: string, before: (exec: Exec, s: Int32Array, kind: string) => void = () => undefined, pick: Pick = firstEnabled): { texts: string[]; events: FindingEvent[]; exec: Exec; s: Int32Array } {
  const exec = new Exec(specOf(text), { reduce: false });
  const events: FindingEvent[] = [];
  exec.setSink((e) => events.push(e));
  const s = exec.initial();
  const texts: string[] = [];
  for (let guard = 0; guard < 300; guard++) {
    const t = pick(exec, s);
    if (t < 0) break;
    const ins = exec.instr(s, t)!;
    before(exec, s, ins.kind);
    texts.push(ins.text);
    exec.step(s, t);
  }
  return { texts, events, exec, s };
}

// ---- 3. UFFDIO_WRITEPROTECT on a VMA not registered for uffd-wp ----------------------------

test('3: wrprotect marker=uffd on an unregistered VMA is -ENOENT: no lost write; the clear_refs twin (marker=none) loses it', () => {
  const bad = codes(SEED('', 'wrprotect 0x1000 lock=read marker=none'));
  assert.deepEqual(bad, ['downgrade-needs-flush', 'lost-write']);
  // before: write-protected anyway, a lost write, and the marker silenced downgrade-needs-flush
  assert.deepEqual(codes(SEED('', 'wrprotect 0x1000 lock=read marker=uffd')), []);
});

test('3: the same wrprotect marker=uffd on a registered VMA write-protects and marks (the fault goes to userfaultfd)', () => {
  const r = drive(SEED(' uffd', 'wrprotect 0x1000 lock=read marker=uffd'));
  assert.ok(r.texts.includes('write fault 0x1000: wait in userfaultfd'), r.texts.join('\n'));
  assert.ok(!r.texts.some((x) => x.includes('-ENOENT')));
});

test('3: -ENOENT changes nothing: the PTE stays writable and unmarked, no flush is pending, the trace says -ENOENT', () => {
  for (const step of ['wrprotect 0x1000 lock=read', 'wrprotect 0x1000 lock=write pending=on', 'unprotect 0x1000']) {
    const text = scenario(`vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\nthread t { ${step} }`);
    let maxPending = 0;
    const r = drive(text, (exec, s) => (maxPending = Math.max(maxPending, s[exec.m.mm(0, L.M_PENDING)]!)));
    assert.ok(r.texts.some((x) => /: -ENOENT, unlock mmap$/.test(x)), `${step}: ${r.texts.join(' | ')}`);
    const pte = r.s[r.exec.m.pte(0, 0)]!;
    assert.ok((pte & L.PTE_W) !== 0 && (pte & L.PTE_UFFD) === 0, `${step}: the PTE is unchanged`);
    assert.equal(maxPending, 0, `${step}: tlb_flush_pending never raised`);
    assert.deepEqual(r.events, []);
  }
});

test('3: a range over a registered and an unregistered VMA fails whole (the 5.10 rule); two registered VMAs do not', () => {
  const two = (second: string): string =>
    scenario(`vma 0x1000..0x2000 rw anon private uffd\nvma 0x2000..0x3000 rw anon private${second}\nframe A = 1\nframe B = 2\nmap 0x1000 -> A rw\nmap 0x2000 -> B rw\nthread t { wrprotect 0x1000..0x3000 lock=write }`);
  const mixed = drive(two(''));
  assert.ok(mixed.texts.some((x) => x.includes('-ENOENT')));
  assert.ok((mixed.s[mixed.exec.m.pte(0, 0)]! & L.PTE_W) !== 0, 'the registered VMA is not write-protected either');
  const both = drive(two(' uffd'));
  assert.ok(!both.texts.some((x) => x.includes('-ENOENT')));
  assert.equal(both.s[both.exec.m.pte(0, 0)]! & L.PTE_W, 0);
  assert.ok((both.s[both.exec.m.pte(0, 1)]! & L.PTE_UFFD) !== 0);
});

test('3: clear_refs (marker=none) needs no registration: it write-protects an unregistered VMA', () => {
  const r = drive(scenario('vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\nthread t { wrprotect 0x1000 lock=write marker=none }'));
  assert.ok(!r.texts.some((x) => x.includes('-ENOENT')));
  assert.equal(r.s[r.exec.m.pte(0, 0)]! & L.PTE_W, 0);
});

test('3 (detector): a marker set where the VMA is not uffd-wp registered does not silence downgrade-needs-flush; set in a registered VMA it does', () => {
  const text = SEED(' uffd', 'wrprotect 0x1000 lock=read pending=on marker=uffd');
  // as if the VMA lost its registration between the ioctl's check and the PTE change: the bit
  // is set, but do_wp_page() would not divert (userfaultfd_pte_wp() needs userfaultfd_wp(vma))
  const unregister = (exec: Exec, s: Int32Array, kind: string): void => {
    if (kind === 'change-ptes') for (let v = 0; v < exec.L.nVma; v++) s[exec.m.vma(0, v, L.V_FLAGS)]! &= ~L.VF_UFFD;
  };
  assert.ok(drive(text, unregister).events.some((e) => e.code === 'downgrade-needs-flush'));
  assert.ok(!drive(text).events.some((e) => e.code === 'downgrade-needs-flush'));
});

test('3: the checker warns on a UFFDIO_WRITEPROTECT step over an unregistered or forked VMA, not on a registered one or on clear_refs', () => {
  const warned = (vma: string, steps: string, extra = ''): string[] =>
    checkFile(scenario(`vma 0x1000..0x3000 rw anon private${vma}\n${extra}thread t { ${steps} }`))
      .diagnostics.filter((d) => d.code === 'uffd-unregistered')
      .map((d) => d.message);
  assert.equal(warned('', 'wrprotect 0x1000').length, 1);
  assert.match(warned('', 'wrprotect 0x1000')[0]!, /-ENOENT/);
  assert.equal(warned('', 'unprotect 0x1000').length, 1);
  assert.equal(warned(' uffd', 'wrprotect 0x1000; unprotect 0x1000').length, 0);
  assert.equal(warned('', 'wrprotect 0x1000 marker=none').length, 0);
  // a fork child's VMAs are not registered (dup_userfaultfd() clears VM_UFFD_WP)
  assert.equal(warned(' uffd', 'fork -> c', 'thread u in c { wrprotect 0x1000 }\n').length, 1);
});

// ---- 4. pending=flush is exactly 6ce64428d620; pending=flush-any is the generic proposal ---

const CLEAR_REFS = 'wrprotect 0x1000 lock=read flush=deferred marker=none';

test('4: pending=flush (6ce64428d620) does not repair a clear_refs-style write-protect of an unregistered VMA; on a uffd VMA it does', () => {
  assert.ok(codes(SEED('', CLEAR_REFS, 'fault write 0x1000 pending=flush')).includes('lost-write'));
  assert.ok(!codes(SEED(' uffd', CLEAR_REFS, 'fault write 0x1000 pending=flush')).includes('lost-write'));
});

test('4: pending=flush-any (never merged) flushes in any VMA: no lost write where pending=flush loses it', () => {
  assert.ok(!codes(SEED('', CLEAR_REFS, 'fault write 0x1000 pending=flush-any')).includes('lost-write'));
  assert.ok(codes(SEED('', CLEAR_REFS, 'fault write 0x1000 pending=flush')).includes('lost-write'));
});

/** The write-protect changes its PTEs, then the fault runs while its flush is still pending. */
const faultWhilePending: Pick = (exec, s) => {
  const wp = exec.instr(s, 0);
  if (wp && wp.kind !== 'change-end' && exec.enabled(s, 0)) return 0;
  return exec.enabled(s, 1) ? 1 : firstEnabled(exec, s);
};

test('4: pending=flush-any flushes before the uffd-wp test: the fault still goes to userfaultfd after its flush', () => {
  const r = drive(SEED(' uffd', 'wrprotect 0x1000 lock=read pending=on marker=uffd', 'fault write 0x1000 pending=flush-any'), undefined, faultWhilePending);
  const flush = r.texts.indexOf('write fault 0x1000: flush pending tlb');
  const wait = r.texts.indexOf('write fault 0x1000: wait in userfaultfd');
  assert.ok(flush >= 0 && wait > flush, r.texts.join('\n'));
  // 6ce64428d620's flush comes after the divert: a marked PTE never reaches it
  const merged = drive(SEED(' uffd', 'wrprotect 0x1000 lock=read pending=on marker=uffd', 'fault write 0x1000 pending=flush'), undefined, faultWhilePending);
  assert.ok(!merged.texts.includes('write fault 0x1000: flush pending tlb'));
  assert.ok(merged.texts.includes('write fault 0x1000: wait in userfaultfd'));
});

// ---- 6. the return point of a hand-written kernel path -------------------------------------

const BY_HAND = (body: string): string =>
  scenario(`vma 0x1000..0x3000 rw anon private
frame A = 1
map 0x1000 -> A rw
tlb cpu1 0x1000 -> A rw
thread clear_refs on cpu0 { ${body} }
thread writer on cpu1 { store 0x1000 = 2 }`);

test('6: stale-tlb-write: clear_refs by hand (912efa17e512: flush before mmap_write_unlock) is clean; the flush after the unlock is not', () => {
  assert.deepEqual(codes(BY_HAND('lock mmap write; wrprotect 0x1000 flush=none marker=none; tlbi all; unlock mmap')), []);
  assert.deepEqual(codes(BY_HAND('lock mmap write; wrprotect 0x1000 flush=none marker=none; unlock mmap; tlbi all')), ['stale-tlb-write']);
});

test('6: nested sections return at the outermost unlock, not at the inner one', () => {
  assert.deepEqual(codes(BY_HAND('lock mmap write; lock ptl 0x1000; unlock ptl 0x1000; wrprotect 0x1000 flush=none marker=none; tlbi all; unlock mmap')), []);
  assert.deepEqual(codes(BY_HAND('lock mmap write; lock ptl 0x1000; unlock ptl 0x1000; wrprotect 0x1000 flush=none marker=none; unlock mmap; tlbi all')), ['stale-tlb-write']);
});

const NESTED_ZAP = (z2: string): string =>
  scenario(`vma 0x1000..0x3000 rw anon private
frame A = 1
map 0x1000 -> A rw
tlb cpu2 0x1000 -> A rw
thread z1 on cpu0 { madvise dontneed 0x1000 }
thread z2 on cpu1 { ${z2} }
thread writer on cpu2 { store 0x1000 = 5 }`);

test('6: lost-write through a stale entry: a nested zap that flushes before its outermost unlock is clean; flushing after it is not', () => {
  assert.ok(!codes(NESTED_ZAP('lock mmap read; madvise dontneed 0x1000 nested=ignore; tlbi 0x1000; unlock mmap')).includes('lost-write'));
  assert.ok(codes(NESTED_ZAP('lock mmap read; madvise dontneed 0x1000 nested=ignore; unlock mmap; tlbi 0x1000')).includes('lost-write'));
});

const PIN_FORK = (tail: string): string =>
  scenario(`vma 0x1000..0x3000 rw anon private
frame A = 1
map 0x1000 -> A rw
thread p on cpu0 { gup 0x1000 write pin -> g; lock mmap write; fork pinned=share -> c; ${tail} }`);

test('6: cow-isolation asks whether the fork returned: a kernel write inside the hand-written section is not after it; after the unlock it is', () => {
  assert.ok(!codes(PIN_FORK('kwrite g = 5; unlock mmap')).includes('cow-isolation'));
  assert.ok(codes(PIN_FORK('unlock mmap; kwrite g = 5')).includes('cow-isolation'));
});

test('6: the return point is static: each step returns at itself, or at the end of its outermost explicit section', () => {
  const steps = (body: string): number[] => returnSteps(specOf(scenario(`vma 0x1000..0x3000 rw anon private\nthread t { ${body} }`)).threads[0]!.steps);
  // 0 lock, 1 wrprotect, 2 lock ptl, 3 tlbi, 4 unlock ptl, 5 unlock mmap, 6 store
  assert.deepEqual(steps('lock mmap write; wrprotect 0x1000; lock ptl 0x1000; tlbi all; unlock ptl 0x1000; unlock mmap; store 0x1000 = 1'), [0, 5, 5, 5, 5, 5, 6]);
  // recursive read locks: the section ends at the second unlock
  assert.deepEqual(steps('lock mmap read; lock mmap read; fault write 0x1000; unlock mmap; tlbi all; unlock mmap'), [0, 5, 5, 5, 5, 5]);
  // IRQs off; a section never closed returns when the thread ends
  assert.deepEqual(steps('irq off; tlbi all; irq on; tlbi all; lock mmap read; fault write 0x1000'), [0, 2, 2, 3, 4, 5]);
  // an unlock of a lock not held changes nothing
  assert.deepEqual(steps('unlock mmap; fault write 0x1000'), [0, 1]);
});

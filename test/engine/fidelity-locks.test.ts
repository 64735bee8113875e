// Issue 9, items 7, 8 and the `unlock vma` message: each behaviour has a scenario that must show
// the finding and a near twin (one line or one option apart) that must not.
// - lock-order under a gate lock: PTLs nested in opposite orders are a lock-order violation
//   only when no lock held at both acquisitions (exclusively at one of them) serializes them
//   (mm/mremap.c move_ptes(): "exclusive mmap_lock prevents deadlock").
// - a reference used after `put`: use-after-free when the frame was freed on that path,
//   use-after-put otherwise (folio_put(), include/linux/mm.h).
// - `unlock vma` of a write-locked VMA says so (a VMA write lock has no unlock of its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../server/src/analysis/analyze';
import { checkFile } from '../../server/src/analysis/check-file';
import { explore, type ExploreOptions } from '../../server/src/explore/explore';
import { findingCodes as codes, scenario, specOf } from '../helpers';


/** The messages of one finding code. */
function messages(text: string, code: string): string[] {
  const sc = analyze(text).scenarios[0]!;
  return [...sc.races, ...sc.violations].filter((f) => f.code === code).map((f) => f.message);
}


// ---- lock order under a gate lock ------------------------------------------------------------

/** Two threads nesting the PTLs of 0x1000 and 0x200000 in opposite orders, each inside `gateA` / `gateB` (lock and unlock lines, or empty). */
function abba(gateA: [string, string] | undefined, gateB: [string, string] | undefined, head = ''): string {
  const body = (first: string, second: string, g: [string, string] | undefined): string =>
    [g?.[0], `lock ptl ${first}`, `lock ptl ${second}`, `unlock ptl ${second}`, `unlock ptl ${first}`, g?.[1]].filter((x) => x).join('; ');
  return scenario(`${head}vma 0x1000..0x600000 rw anon private
thread a on cpu0 { ${body('0x1000', '0x200000', gateA)} }
thread b on cpu1 { ${body('0x200000', '0x1000', gateB)} }`);
}

const MMAP_W: [string, string] = ['lock mmap write', 'unlock mmap'];
const MMAP_R: [string, string] = ['lock mmap read', 'unlock mmap'];
const PTL_GATE: [string, string] = ['lock ptl 0x400000', 'unlock ptl 0x400000'];

test('lock-order: opposite PTL orders under mmap_lock held for write by both are serialized (move_ptes); under the read lock by both they deadlock', () => {
  assert.deepEqual(codes(abba(MMAP_W, MMAP_W)), []);
  assert.deepEqual(codes(abba(MMAP_R, MMAP_R)), ['deadlock', 'lock-order']);
});

test('lock-order: a write holder and a read holder of mmap_lock exclude each other, so their opposite orders are serialized too', () => {
  assert.deepEqual(codes(abba(MMAP_W, MMAP_R)), []);
  assert.deepEqual(codes(abba(MMAP_R, MMAP_W)), []);
});

test('lock-order: a gate held by one side only serializes nothing', () => {
  assert.deepEqual(codes(abba(MMAP_W, undefined)), ['deadlock', 'lock-order']);
  assert.deepEqual(codes(abba(undefined, MMAP_W)), ['deadlock', 'lock-order']);
});

test('lock-order: a third PTL held by both is a gate; held by one only, it is not', () => {
  assert.deepEqual(codes(abba(PTL_GATE, PTL_GATE)), []);
  assert.deepEqual(codes(abba(PTL_GATE, undefined)), ['deadlock', 'lock-order']);
});

test('lock-order (range): a write range reaching into both tables serializes any other range reaching into both; ranges inside one table do not', () => {
  const w: [string, string] = ['lock range 0x1ff000..0x201000 write', 'unlock range 0x1ff000..0x201000'];
  const r: [string, string] = ['lock range 0x100000..0x300000 read', 'unlock range 0x100000..0x300000'];
  const rr: [string, string] = ['lock range 0x1000..0x300000 read', 'unlock range 0x1000..0x300000'];
  const low: [string, string] = ['lock range 0x1000..0x2000 write', 'unlock range 0x1000..0x2000'];
  const high: [string, string] = ['lock range 0x200000..0x201000 write', 'unlock range 0x200000..0x201000'];
  assert.deepEqual(codes(abba(w, r, 'locking range\n')), []);
  assert.deepEqual(codes(abba(MMAP_W, MMAP_W, 'locking range\n')), []);
  assert.deepEqual(codes(abba(r, rr, 'locking range\n')), ['deadlock', 'lock-order']);
  assert.deepEqual(codes(abba(low, high, 'locking range\n')), ['deadlock', 'lock-order']);
});

test('lock-order: the record keeps the gate held every time, so one ungated nesting among gated ones is still reported', () => {
  const twice = (second: string): string =>
    scenario(`vma 0x1000..0x600000 rw anon private
thread a on cpu0 { lock mmap write; lock ptl 0x1000; lock ptl 0x200000; unlock ptl 0x200000; unlock ptl 0x1000; unlock mmap; ${second}lock ptl 0x1000; lock ptl 0x200000; unlock ptl 0x200000; unlock ptl 0x1000${second ? '; unlock mmap' : ''} }
thread b on cpu1 { lock mmap write; lock ptl 0x200000; lock ptl 0x1000; unlock ptl 0x1000; unlock ptl 0x200000; unlock mmap }`);
  assert.deepEqual(codes(twice('')), ['deadlock', 'lock-order']);
  assert.deepEqual(codes(twice('lock mmap write; ')), []);
});

test('lock-order: the fixed order mmap_lock -> PTL is not gated (taking mmap_lock under a PTL stays a violation)', () => {
  const text = scenario('vma 0x1000..0x3000 rw anon private\nthread t { lock mmap write; lock ptl 0x1000; unlock ptl 0x1000; unlock mmap; lock ptl 0x1000; lock mmap read; unlock mmap; unlock ptl 0x1000 }');
  assert.ok(codes(text).includes('lock-order'));
});

test('lock-order: the message names the gates of both acquisitions', () => {
  const [m] = messages(abba(MMAP_R, MMAP_R), 'lock-order');
  assert.match(m!, /under mmap_lock held for read, the reverse elsewhere under mmap_lock held for read, and no lock held at both \(exclusively at one\) serializes them/);
});

/** Findings as thread.step places, for comparing searches. */
function findingKeys(text: string, options: ExploreOptions): string[] {
  const res = explore(specOf(text), { maxStates: 60_000 }, options);
  assert.ok(res.complete);
  return [...new Set(res.findings.map((f) => `${f.type}:${f.code}@${f.place.thread}.${f.place.step}`))].sort();
}

test('lock-order under gates: lock-order exactly where a deadlock is reachable, and the reduced, unreduced and non-canonical searches agree', () => {
  const gates: (readonly [string, string] | undefined)[] = [undefined, MMAP_R, MMAP_W, PTL_GATE];
  for (const ga of gates) {
    for (const gb of gates) {
      for (const head of ['', 'locking range\n', 'locking pervma\n']) {
        const text = abba(ga as [string, string] | undefined, gb as [string, string] | undefined, head);
        const c = codes(text);
        assert.equal(c.includes('lock-order'), c.includes('deadlock'), text);
        const reduced = findingKeys(text, {});
        assert.deepEqual(findingKeys(text, { reduce: false }), reduced, text);
        assert.deepEqual(findingKeys(text, { reduce: false, canonical: false }), reduced, text);
      }
    }
  }
});

// ---- a reference used after put ----------------------------------------------------------------

const MAPPED = 'vma 0x1000..0x3000 rw anon private\nframe A = 1\nmap 0x1000 -> A rw\n';

test('use-after-put: kwrite or kread after put is a reference-counting bug while the mapping keeps the frame; before the put it is fine', () => {
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 write -> g; put g; kwrite g = 7 }`)), ['use-after-put']);
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 write -> g; kwrite g = 7; put g }`)), []);
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 -> g; put g; kread g -> v }`)), ['use-after-put']);
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 -> g; kread g -> v; put g }`)), []);
});

test('use-after-free: the put was the last reference on the path where munmap ran first; the twin writes before its put', () => {
  const unmap = 'thread u on cpu1 { munmap 0x1000 }';
  assert.deepEqual(codes(scenario(`${MAPPED}thread t on cpu0 { gup 0x1000 write -> g; put g; kwrite g = 7 }\n${unmap}`)), ['use-after-free', 'use-after-put']);
  assert.deepEqual(codes(scenario(`${MAPPED}thread t on cpu0 { gup 0x1000 write -> g; kwrite g = 7; put g }\n${unmap}`)), []);
  // a mapping dropped before the gup: the put frees the frame on every path
  assert.deepEqual(codes(scenario(`${MAPPED}thread t on cpu0 { madvise dontneed 0x1000; fault write 0x1000; gup 0x1000 write -> g; munmap 0x1000; put g; kread g -> v }`)), ['use-after-free']);
});

test('use-after-put: not when the thread still holds the page through another reference of its own, nor after retaking the reference', () => {
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 -> g; gup 0x1000 -> h; put g; kwrite g = 7; put h }`)), []);
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 -> g; gup 0x1000 -> h; put h; put g; kwrite g = 7 }`)), ['use-after-put']);
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 -> g; put g; gup 0x1000 -> g; kwrite g = 7; put g }`)), []);
});

test('use-after-put: a second put drops a reference the thread does not own; here the mapping\'s, so the mapped frame is freed under it', () => {
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 -> g; put g; put g; load 0x1000 -> r }`)), ['use-after-free', 'use-after-put']);
  assert.deepEqual(codes(scenario(`${MAPPED}thread t { gup 0x1000 -> g; put g; load 0x1000 -> r }`)), []);
});

test('use-after-put: a reference whose gup failed is empty, and using it stays a no-op', () => {
  assert.deepEqual(codes(scenario('vma 0x1000..0x3000 rw anon private\nthread t { gup 0x5000 -> g; put g; kwrite g = 7 }')), []);
});

test('use-after-put (static): the language checks warn where the use follows the put on every path, not after a gup retakes it', () => {
  const warn = (text: string): string[] => checkFile(text).diagnostics.filter((d) => d.code === 'use-after-put').map((d) => `${d.severity} ${d.span.line}:${d.span.col}`);
  assert.deepEqual(warn(scenario(`${MAPPED}thread t { gup 0x1000 -> g; put g; kwrite g = 7 }`)), ['warning 5:43']);
  assert.deepEqual(warn(scenario(`${MAPPED}thread t { gup 0x1000 -> g; put g; gup 0x1000 -> g; kwrite g = 7 }`)), []);
  assert.deepEqual(warn(scenario(`${MAPPED}thread t { gup 0x1000 -> g; kwrite g = 7; put g }`)), []);
});

// ---- unlock vma after a write lock ---------------------------------------------------------------

test('unlock vma: after a write lock the message says the VMA is write-locked (no VMA write unlock exists); without any lock it names the read lock', () => {
  const write = scenario('locking pervma\nvma 0x1000..0x3000 rw anon private\nthread t { lock mmap write; lock vma 0x1000 write; unlock vma 0x1000; unlock mmap }');
  const none = scenario('locking pervma\nvma 0x1000..0x3000 rw anon private\nthread t { lock mmap write; unlock vma 0x1000; unlock mmap }');
  const [mw] = messages(write, 'unlock-not-held');
  assert.match(mw!, /releases the VMA lock on 0x1000, which it holds for write/);
  assert.match(mw!, /mmap_write_unlock\(\)/);
  assert.doesNotMatch(mw!, /read lock on/);
  const [mn] = messages(none, 'unlock-not-held');
  assert.match(mn!, /releases a VMA read lock on 0x1000, which it does not hold/);
  // the read-locked twin releases cleanly
  assert.deepEqual(codes(scenario('locking pervma\nvma 0x1000..0x3000 rw anon private\nthread t { lock vma 0x1000 read; unlock vma 0x1000 }')), []);
});

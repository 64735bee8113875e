// Stack growth (issue 10): the micro-steps of an access below a growsdown VMA against the
// kernel's order (expand_stack() under the read lock before 6.5; lock_mm_and_find_vma()'s
// relock for write since 8d7071af8907; find_extend_vma() for GUP before 6.5, none after),
// munmap's downgrade=check (246c320a8cfe), and a must/must-not pair per rule on every design.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Exec } from '../../server/src/engine/exec';
import * as L from '../../server/src/engine/layout';
import { findingCodes, microSteps, scenario, specOf } from '../helpers';

const DESIGNS = ['classic', 'pervma', 'spf', 'range'] as const;

/** A stack at 0x2000..0x4000 with nothing below it. */
const STACK = 'vma 0x2000..0x4000 rw anon private growsdown\n';
/** The same stack with a mapping right below it (munmap's victim). */
const BELOW = 'vma 0x1000..0x2000 rw anon private\n' + STACK;

const solo = (body: string): string[] => microSteps(scenario(body));

const TABLE: { name: string; body: string; kinds: string[] }[] = [
  {
    name: 'stack=read: expand_stack() under the read lock, then the fault',
    body: `${STACK}thread t { fault write 0x1000 stack=read }`,
    kinds: ['fault-enter', 'stack-expand', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit'],
  },
  {
    name: 'stack=write (default): lock_mm_and_find_vma() drops the read lock, takes the write lock, expands, downgrades',
    body: `${STACK}thread t { fault write 0x1000 }`,
    kinds: ['fault-enter', 'stack-unlock', 'stack-lock', 'stack-expand', 'stack-downgrade', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit'],
  },
  {
    name: 'a user store below the stack takes the mainline path and retries',
    body: `${STACK}thread t { store 0x1000 = 3 }`,
    kinds: ['user-store', 'fault-enter', 'stack-unlock', 'stack-lock', 'stack-expand', 'stack-downgrade', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit', 'user-store'],
  },
  {
    name: 'an access inside the stack does not grow it',
    body: `${STACK}thread t { fault write 0x2000 }`,
    kinds: ['fault-enter', 'pte-read', 'ptl-lock', 'fill-pte', 'fault-exit'],
  },
  {
    name: 'below a VMA that does not grow down: SIGSEGV without a relock',
    body: `vma 0x2000..0x4000 rw anon private\nvma 0x8000 rw anon private growsdown\nthread t { fault write 0x1000 }`,
    kinds: ['fault-enter'],
  },
  {
    name: 'stack=write within stack_guard_gap of an accessible VMA: relocked, then -ENOMEM (SIGSEGV)',
    body: `vma 0x1000 rw anon private\nvma 0x4000..0x6000 rw anon private growsdown\nthread t { fault write 0x3000 }`,
    kinds: ['fault-enter', 'stack-unlock', 'stack-lock', 'stack-expand'],
  },
  {
    name: 'GUP stack=read: find_extend_vma() grows the stack, then follows',
    body: `${STACK}thread t { gup 0x1000 write stack=read -> g }`,
    kinds: ['gup-enter', 'stack-expand', 'ptl-lock', 'gup-follow', 'pte-read', 'ptl-lock', 'fill-pte', 'ptl-lock', 'gup-follow', 'gup-exit'],
  },
  {
    name: 'GUP stack=write (default): gup_vma_lookup() does not grow the stack: -EFAULT',
    body: `${STACK}thread t { gup 0x1000 write -> g }`,
    kinds: ['gup-enter', 'gup-exit'],
  },
  {
    name: 'munmap downgrade=check next to a stack keeps the write lock (the downgrade step does nothing)',
    body: `${BELOW}thread t { munmap 0x1000 downgrade=check }`,
    kinds: ['mmap-lock', 'munmap-detach', 'mmap-downgrade', 'gather-begin', 'free-pgtables', 'tlb-finish', 'munmap-end'],
  },
];

for (const row of TABLE) {
  test(`stack growth micro-steps: ${row.name}`, () => {
    assert.deepEqual(solo(row.body), row.kinds);
  });
}

/** Run one thread to its end; the state. */
function runSolo(body: string): { exec: Exec; s: Int32Array } {
  const spec = specOf(scenario(body));
  const exec = new Exec(spec);
  const s = exec.initial();
  for (let guard = 0; guard < 200 && exec.enabled(s, 0); guard++) exec.step(s, 0);
  return { exec, s };
}

test('stack growth moves the stack VMA down to the page and gives it an anon_vma', () => {
  const { exec, s } = runSolo(`${STACK}thread t { fault write 0x1000 }`);
  const cx = exec.cx;
  const v = cx.m.vmaAt(s, 0, 0x1000);
  assert.ok(v >= 0, 'a VMA covers 0x1000');
  assert.equal(cx.L.bounds[s[cx.m.vma(0, v, L.V_START)]!], 0x1000);
  assert.equal(cx.L.bounds[s[cx.m.vma(0, v, L.V_END)]!], 0x4000);
  assert.ok((s[cx.m.vma(0, v, L.V_FLAGS)]! & L.VF_GROWSDOWN) !== 0);
  assert.ok((s[cx.m.vma(0, v, L.V_FLAGS)]! & L.VF_ANONVMA) !== 0);
  // the write lock is downgraded and released at the end
  assert.equal(s[exec.m.mm(0, L.M_WRITER)], 0);
  assert.equal(s[exec.m.mm(0, L.M_READERS)], 0);
});

test('the stack does not grow past a guard gap: another stack below does not count, a PROT_NONE VMA does not either', () => {
  assert.deepEqual(solo(`vma 0x1000 rw anon private growsdown\nvma 0x4000..0x6000 rw anon private growsdown\nthread t { fault write 0x3000 stack=read }`).slice(-1), ['fault-exit']);
  assert.deepEqual(solo(`vma 0x1000 none anon private\nvma 0x4000..0x6000 rw anon private growsdown\nthread t { fault write 0x3000 stack=read }`).slice(-1), ['fault-exit']);
  assert.deepEqual(solo(`vma 0x1000 rw anon private\nvma 0x4000..0x6000 rw anon private growsdown\nthread t { fault write 0x3000 stack=read }`), ['fault-enter', 'stack-expand']);
});

test('a read-only stack grows, then the write access is refused (access_error after expand_stack)', () => {
  assert.deepEqual(solo(`vma 0x2000..0x4000 r anon private growsdown\nthread t { fault write 0x1000 stack=read }`), ['fault-enter', 'stack-expand']);
});

// ---- the race and its fixes, per design (the example holds the narrative) ------------------

const race = (design: string, munmap: string, grower: string): string =>
  scenario(`locking ${design}\n${BELOW}thread unmapper on cpu0 { ${munmap} }\nthread grower on cpu1 { ${grower} }`);

for (const d of DESIGNS) {
  test(`${d}: the stack grows under the read lock into munmap's downgraded range: lost-write`, () => {
    assert.deepEqual(findingCodes(race(d, 'munmap 0x1000 downgrade=on', 'fault write 0x1000 stack=read; store 0x1000 = 5')), ['lost-write']);
  });
  test(`${d}: 246c320a8cfe, no downgrade next to a growsdown VMA: clean`, () => {
    assert.deepEqual(findingCodes(race(d, 'munmap 0x1000 downgrade=check', 'fault write 0x1000 stack=read; store 0x1000 = 5')), []);
  });
  test(`${d}: 8d7071af8907, growth under the write lock: clean with munmap's downgrade`, () => {
    assert.deepEqual(findingCodes(race(d, 'munmap 0x1000', 'fault write 0x1000; store 0x1000 = 5')), []);
  });
  test(`${d}: nothing written to the grown page (a read fault maps the zero page): nothing lost`, () => {
    assert.deepEqual(findingCodes(race(d, 'munmap 0x1000 downgrade=on', 'fault read 0x1000 stack=read')), []);
  });
}

test('GUP grows the stack before 6.5 (find_extend_vma) and loses the data; since 8d7071af8907 it gets -EFAULT', () => {
  assert.deepEqual(findingCodes(race('classic', 'munmap 0x1000 downgrade=on', 'gup 0x1000 write stack=read -> R; kwrite R = 5; put R')), ['lost-write']);
  assert.deepEqual(findingCodes(race('classic', 'munmap 0x1000 downgrade=on', 'gup 0x1000 write -> R; kwrite R = 5; put R')), []);
});

test('downgrade=check downgrades when the VMA above the range does not grow down', () => {
  const body = `vma 0x1000..0x2000 rw anon private\nvma 0x2000..0x4000 rw anon private\nthread t { munmap 0x1000 downgrade=check; lock mmap read; unlock mmap }`;
  // a second thread's read lock proves the downgrade: it gets in before munmap ends
  const two = scenario(`vma 0x1000..0x2000 rw anon private\nvma 0x2000..0x4000 rw anon private\nthread u on cpu0 { munmap 0x1000 downgrade=check }\nthread r on cpu1 { fault write 0x2000 }`);
  assert.deepEqual(findingCodes(scenario(body)), []);
  assert.deepEqual(findingCodes(two), []);
});

test('growth under an explicitly held read lock with stack=write is vma-needs-mmap-write (expand_stack_locked asserts the write lock)', () => {
  assert.deepEqual(findingCodes(scenario(`${STACK}thread t { lock mmap read; fault write 0x1000; unlock mmap }`)), ['vma-needs-mmap-write']);
  assert.deepEqual(findingCodes(scenario(`${STACK}thread t { lock mmap read; fault write 0x1000 stack=read; unlock mmap }`)), []);
  assert.deepEqual(findingCodes(scenario(`${STACK}thread t { lock mmap write; fault write 0x1000; unlock mmap }`)), []);
});

test('pervma 6.5+: vma_start_write() on the stack waits for the stack VMA\'s readers', () => {
  const spec = specOf(scenario(`locking pervma\n${STACK}thread r on cpu0 { lock vma 0x3000 read; unlock vma 0x3000 }\nthread g on cpu1 { fault write 0x1000 }`));
  const exec = new Exec(spec);
  const s = exec.initial();
  exec.step(s, 0); // r: lock vma read
  for (let guard = 0; guard < 20 && exec.enabled(s, 1); guard++) exec.step(s, 1);
  assert.equal(exec.instr(s, 1)!.kind, 'stack-expand', 'the grower waits in expand_downwards() for the reader');
  assert.deepEqual(exec.waitInfo(s, 1)?.holders, [0]);
  exec.step(s, 0); // r: unlock vma
  assert.ok(exec.enabled(s, 1));
  // under stack=read (6.4) nothing waits: expansion took no VMA lock
  const spec4 = specOf(scenario(`locking pervma\n${STACK}thread r on cpu0 { lock vma 0x3000 read; unlock vma 0x3000 }\nthread g on cpu1 { fault write 0x1000 stack=read }`));
  const e4 = new Exec(spec4);
  const s4 = e4.initial();
  e4.step(s4, 0);
  for (let guard = 0; guard < 20 && e4.enabled(s4, 1); guard++) e4.step(s4, 1);
  assert.ok(e4.isDone(s4, 1), 'the 6.4 grower finishes while the VMA is read-locked');
});

// ---- the language: completion and hover read the catalogue ------------------------------------

test('completion offers stack= on fault and gup and downgrade=check on munmap; hover explains them', async () => {
  const { checkFile } = await import('../../server/src/analysis/check-file');
  const { completeAt } = await import('../../server/src/analysis/completion');
  const { hoverAt } = await import('../../server/src/analysis/hover');
  const text = scenario(`${BELOW}thread t { fault write 0x1000 stack=read }\nthread u { munmap 0x1000 downgrade=check }\nthread g { gup 0x1000  }`);
  const file = checkFile(text);
  const lines = text.split('\n');
  const at = (needle: string, extra = 0): { line: number; col: number } => {
    const i = lines.findIndex((l) => l.includes(needle));
    return { line: i + 1, col: lines[i]!.indexOf(needle) + 1 + extra };
  };
  const gupEnd = at('gup 0x1000 ', 'gup 0x1000 '.length);
  assert.ok(completeAt(file, gupEnd.line, gupEnd.col).some((c) => c.label === 'stack='), 'stack= offered after gup ADDR');
  const val = at('stack=', 'stack='.length);
  assert.deepEqual(completeAt(file, val.line, val.col).map((c) => c.label).sort(), ['stack=read', 'stack=write']);
  const dv = at('downgrade=', 'downgrade='.length);
  assert.ok(completeAt(file, dv.line, dv.col).some((c) => c.label === 'downgrade=check'));
  const h = hoverAt(file, at('check').line, at('check').col);
  assert.match(h?.markdown ?? '', /246c320a8cfe/);
  const hs = hoverAt(file, at('stack=read').line, at('stack=read').col + 7);
  assert.match(hs?.markdown ?? '', /expand_stack|before 6\.5/);
});

// ---- the reduction stays sound where a stack grows under the read lock -----------------------

test('reduced, unreduced and non-canonical searches agree on the stack-growth scenarios of every design', async () => {
  const { explore } = await import('../../server/src/explore/explore');
  const keys = (text: string, options: { reduce?: boolean; canonical?: boolean }): string[] => {
    const res = explore(specOf(text), { maxStates: 60_000 }, options);
    assert.ok(res.complete);
    return [...new Set(res.findings.map((f) => `${f.type}:${f.code}@${f.place.thread}.${f.place.step}`))].sort();
  };
  const texts: string[] = [];
  for (const d of DESIGNS) {
    texts.push(race(d, 'munmap 0x1000 downgrade=on', 'fault write 0x1000 stack=read; store 0x1000 = 5'));
    texts.push(race(d, 'munmap 0x1000', 'store 0x1000 = 5; load 0x1000 -> r'));
    texts.push(race(d, 'munmap 0x1000 downgrade=check', 'gup 0x1000 write stack=read -> g; kwrite g = 5'));
    texts.push(race(d, 'lock mmap read; fault write 0x1000; unlock mmap', 'fault write 0x1000 stack=read'));
  }
  for (const text of texts) {
    const reduced = keys(text, {});
    assert.deepEqual(keys(text, { reduce: false }), reduced, text);
    assert.deepEqual(keys(text, { reduce: false, canonical: false }), reduced, text);
  }
});

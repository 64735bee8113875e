// Semantic checks, one mistake at a time: each test feeds checkFile a scenario with exactly one
// mistake and asserts that exactly one error comes out, at the mistake's line:col (marked ‸ in
// the test's text), with a message that says what is valid. (The golden fixtures in test/data/parse/err show the same
// checks in bulk; these pin the positions and messages one by one.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFile } from '../../server/src/analysis/check-file';

/** Lines joined with '\n' and a final newline. */
const src = (...lines: string[]): string => `${lines.join('\n')}\n`;

/** The usual scene: a VMA over 0x1000..0x3000 in mm main, frame A mapped at 0x1000. */
const scene = (...body: string[]): string =>
  src('scenario s {', '  vma 0x1000..0x3000 rw anon private', '  frame A = 1', '  map 0x1000 -> A rw', ...body.map((l) => `  ${l}`), '}');

/** Marks where the error must be, in a test's text; removed before checking. */
const MARK = '‸';

interface Expected {
  code: string;
  /** Every pattern must match the message. */
  says: RegExp[];
}

/** The text without its mark, and the 1-based line:col of the mark. */
function unmark(marked: string): { text: string; at: string } {
  const i = marked.indexOf(MARK);
  assert.ok(i >= 0 && marked.indexOf(MARK, i + 1) < 0, `the test text must hold one ${MARK}`);
  const before = marked.slice(0, i).split('\n');
  return { text: marked.slice(0, i) + marked.slice(i + 1), at: `${before.length}:${before[before.length - 1]!.length + 1}` };
}

/** Exactly one error, at the mark, with `code`, whose message matches every pattern. */
function expectOne(marked: string, want: Expected): void {
  const { text, at } = unmark(marked);
  const errors = checkFile(text).diagnostics.filter((d) => d.severity === 'error');
  const shown = errors.map((d) => `${d.span.line}:${d.span.col} [${d.code}] ${d.message}`);
  assert.equal(errors.length, 1, `expected one error, got:\n${shown.join('\n')}\nin:\n${text}`);
  const d = errors[0]!;
  assert.equal(`${d.span.line}:${d.span.col}`, at, `position of: ${shown[0]}`);
  assert.equal(d.code, want.code, `code of: ${shown[0]}`);
  for (const re of want.says) assert.match(d.message, re);
}

function expectClean(text: string): void {
  const errors = checkFile(text).diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    errors.map((d) => `${d.span.line}:${d.span.col} ${d.message}`),
    [],
  );
}

test('the scene itself is clean', () => {
  expectClean(scene('thread t { load 0x1000 }'));
});

// ---- unknown declarations and ops ------------------------------------------------------

test('unknown declaration: suggestion and the list of declarations', () => {
  expectOne(scene('‸lockng classic', 'thread t { load 0x1000 }'), {
    code: 'syntax',
    says: [/unknown declaration 'lockng'/, /did you mean 'locking'\?/, /Expected one of: locking, arch, mm, vma, frame, map, reuse, tlb, thread, expect, check final, limit/],
  });
  expectOne(scene('‸frobnicate 0x1000', 'thread t { load 0x1000 }'), { code: 'syntax', says: [/unknown declaration 'frobnicate'\. Expected one of: locking,/] });
});

test('a known declaration with a mistake is reported where the mistake is, with its shape', () => {
  expectOne(scene('map 0x2000 ‸A r', 'thread t { load 0x1000 }'), { code: 'syntax', says: [/expected '->' but found 'A'/, /'map ADDR -> FRAME PROT'/] });
  expectOne(scene('vma ‸garbage', 'thread t { load 0x1000 }'), { code: 'syntax', says: [/expected a number but found 'garbage'/, /'vma RANGE PROT KIND SHARING/] });
  expectOne(scene('limit states‸', 'thread t { load 0x1000 }'), { code: 'syntax', says: [/expected a number but found the end of the line in 'limit states\|ms N'/] });
  expectOne(scene('expect‸', 'thread t { load 0x1000 }'), { code: 'syntax', says: [/expected a name but found the end of the line in 'expect VERDICT'/] });
});

test('unknown op: suggestion and the list of steps', () => {
  expectOne(scene('thread t {', '  load 0x1000', '  ‸wrprotekt 0x1000', '}'), {
    code: 'unknown-op',
    says: [/unknown step 'wrprotekt'/, /did you mean 'wrprotect'\?/, /Steps: load, store, fault, cow, gup, kwrite, kread, put, mprotect, wrprotect, unprotect, munmap, madvise, fork, tlbi, lock, unlock, irq/],
  });
  expectOne(scene('thread t { ‸frobnicate 0x1000 }'), { code: 'unknown-op', says: [/unknown step 'frobnicate'\. Steps: load, store,/] });
  // two letters swapped count as one typo
  expectOne(scene('thread t { ‸laod 0x1000 }'), { code: 'unknown-op', says: [/unknown step 'laod'; did you mean 'load'\?/] });
});

test('a declaration keyword inside a thread is a misplaced declaration, not a missing brace', () => {
  expectOne(scene('thread t {', '  load 0x1000', '  ‸frame B = 2', '  store 0x1000 = 1', '}'), {
    code: 'misplaced',
    says: [/'frame' is a declaration, not a step: move it out of thread 't'/],
  });
});

test('a declaration other than vma, map, frame and tlb inside an mm block', () => {
  expectOne(scene('mm m {', '  vma 0x1000 rw anon private', '  ‸expect clean', '}', 'thread t { load 0x1000 }'), {
    code: 'misplaced',
    says: [/'expect' is not allowed inside an mm block: only vma, map, frame and tlb/],
  });
});

// ---- options ---------------------------------------------------------------------------

test('unknown option key of a step: suggestion and the valid options', () => {
  expectOne(scene('thread t { fault write 0x1000 ‸pendin=flush }'), {
    code: 'option',
    says: [/unknown option 'pendin' for 'fault'/, /did you mean 'pending'\?/, /Valid options: copy=unlocked\|ptl, pending=ignore\|flush/],
  });
  expectOne(scene('thread t { munmap 0x1000 ‸lock=write }'), { code: 'option', says: [/unknown option 'lock' for 'munmap'\. Valid options: downgrade=on\|off\|check/] });
  expectOne(scene('thread t { load 0x1000 ‸fast=on }'), { code: 'option', says: [/'load' takes no options/] });
});

test('unknown option value of a step: the valid values', () => {
  expectOne(scene('thread t { wrprotect 0x1000 marker=‸uffd-wp }'), { code: 'option', says: [/invalid value 'uffd-wp' for marker: valid values are uffd, none/] });
  expectOne(scene('thread t { gup 0x1000 retry=‸never }'), { code: 'option', says: [/invalid value 'never' for retry: valid values are keep-write, drop-write/] });
  expectOne(scene('thread t { fork pinned=‸pin }'), { code: 'option', says: [/invalid value 'pin' for pinned: valid values are copy, share/] });
});

test('an option key without its value says which values it takes', () => {
  expectOne(scene('thread t { munmap 0x1000 ‸downgrade }'), { code: 'option', says: [/option 'downgrade' needs a value: downgrade=on\|off\|check/] });
});

test('an option written without a value after = is one syntax error, not two', () => {
  expectOne(scene('thread t { fault write 0x1000 copy= ‸}'), { code: 'syntax', says: [/expected one of a name, a number but found '}'/] });
});

test('options after -> NAME: they go before it', () => {
  expectOne(scene('thread t { gup 0x1000 -> r ‸pin }'), { code: 'syntax', says: [/'pin' after '-> r': options and flags go before '->'/] });
});

test('unknown flag of a step: suggestion and the flags', () => {
  expectOne(scene('thread t { tlbi all ‸global }'), { code: 'shape', says: [/unexpected 'global' in 'tlbi ADDR\|RANGE\|all \[local\]'/, /did you mean 'local'\?/, /Flags: local/] });
});

test('unknown settings: the valid designs, architectures, reuse rules, limits', () => {
  expectOne(scene('locking ‸classik', 'thread t { load 0x1000 }'), { code: 'option', says: [/unknown locking design 'classik'; did you mean 'classic'\? Valid: classic, spf, range, pervma/] });
  expectOne(scene('arch ‸x68', 'thread t { load 0x1000 }'), { code: 'option', says: [/unknown architecture 'x68'; did you mean 'x86'\? Valid: x86, arm64/] });
  expectOne(scene('arch arm64 rcu-table-free=‸maybe', 'thread t { load 0x1000 }'), { code: 'option', says: [/invalid value for rcu-table-free: valid values are on, off/] });
  expectOne(scene('arch arm64 ‸rcu=off', 'thread t { load 0x1000 }'), { code: 'option', says: [/unknown option 'rcu' for arch; valid: rcu-table-free=on\|off/] });
  expectOne(scene('reuse ‸sometimes', 'thread t { load 0x1000 }'), { code: 'option', says: [/unknown reuse rule 'sometimes'\. Valid: exclusive, refcount, mapcount/] });
  expectOne(scene('limit ‸steps 10', 'thread t { load 0x1000 }'), { code: 'option', says: [/unknown limit 'steps': limit states N \| limit ms N/] });
  expectOne(scene('limit states ‸0', 'thread t { load 0x1000 }'), { code: 'option', says: [/limit states must be at least 1/] });
});

test('unknown frame flags and options', () => {
  expectOne(scene('frame B = 2 ‸pinned', 'thread t { load 0x1000 }'), { code: 'shape', says: [/unknown frame flag 'pinned'\. Valid: shared, readonly, refs=N/] });
  expectOne(scene('frame B = 2 ‸colour=red', 'thread t { load 0x1000 }'), { code: 'option', says: [/unknown frame option 'colour'; valid: refs=N/] });
  expectOne(scene('frame B = 2 refs=‸2000', 'thread t { load 0x1000 }'), { code: 'option', says: [/refs= takes a number of extra references from 0 to 1000/] });
});

test('unknown VMA words: suggestion and the VMA shape', () => {
  expectOne(src('scenario s {', '  vma 0x1000 rw anon ‸privat', '  thread t { load 0x1000 }', '}'), {
    code: 'shape',
    says: [/unexpected 'privat' in vma; did you mean 'private'\?/, /vma RANGE none\|r\|rw anon\|file private\|shared/],
  });
});

// ---- addresses and ranges ----------------------------------------------------------------

test('unaligned addresses: the aligned neighbours', () => {
  expectOne(scene('thread t { load ‸0x1010 }'), { code: 'unaligned', says: [/address 0x1010 is not page aligned \(4 KiB pages\): did you mean 0x1000 or 0x2000\?/] });
  expectOne(scene('map ‸0x2800 -> A r', 'thread t { load 0x1000 }'), { code: 'unaligned', says: [/address 0x2800 is not page aligned/] });
  expectOne(src('scenario s {', '  vma 0x1000..‸0x2800 rw anon private', '  thread t { load 0x1000 }', '}'), { code: 'unaligned', says: [/range end 0x2800 is not page aligned/, /0x2000 or 0x3000/] });
  expectOne(scene('thread t { lock ptl ‸4097 }'), { code: 'unaligned', says: [/address 4097 is not page aligned .* did you mean 0x1000 or 0x2000\?/] });
  expectOne(scene('thread t { load 0x1000 }', 'check final ‸0x1004 == 1'), {
    code: 'unaligned',
    says: [/address 0x1004 is not page aligned/, /a number on the left of a comparison is an address in mm main: write main:ADDR, or put the integer on the right/],
  });
});

test('addresses outside the user address space', () => {
  expectOne(scene('thread t { load ‸0x800000000000 }'), { code: 'address-range', says: [/address 0x800000000000 is outside the user address space \(below 0x7ffffffff000\)/] });
});

test('empty ranges: the end must be above the start', () => {
  expectOne(src('scenario s {', '  vma ‸0x3000..0x3000 rw anon private', '  thread t { load 0x3000 }', '}'), {
    code: 'empty-range',
    says: [/empty range 0x3000\.\.0x3000: the end must be above the start \(ranges are \[START, END\)\)/],
  });
  expectOne(scene('thread t { mprotect ‸0x2000..0x1000 r }'), { code: 'empty-range', says: [/empty range 0x2000\.\.0x1000/] });
});

test('malformed and huge numbers', () => {
  expectOne(scene('thread t { store 0x1000 = ‸99999999999999999999 }'), { code: 'syntax', says: [/number '99999999999999999999' is too large \(at most 2\^53 - 1\)/] });
  expectOne(scene('thread t { store 0x1000 = ‸0xffffffffffffffffffff }'), { code: 'syntax', says: [/too large/] });
  expectOne(scene('thread t { load ‸0x12g4 }'), { code: 'syntax', says: [/malformed number '0x12g4': write a decimal number or 0x followed by hex digits/] });
});

// ---- address spaces ----------------------------------------------------------------------

test('overlapping VMAs: the other VMA and its line', () => {
  expectOne(scene('‸vma 0x2000..0x4000 r anon private', 'thread t { load 0x1000 }'), {
    code: 'overlap',
    says: [/this VMA 0x2000\.\.0x4000 overlaps the VMA 0x1000\.\.0x3000 on line 2 \(mm main\)/],
  });
  // VMAs of different mms may overlap
  expectClean(scene('mm m { vma 0x1000..0x3000 rw anon private }', 'thread t { load 0x1000 }'));
});

test('map outside every VMA', () => {
  expectOne(scene('map ‸0x5000 -> A r', 'thread t { load 0x1000 }'), { code: 'map-outside-vma', says: [/map 0x5000 is outside every VMA of mm main: declare a vma covering it first/] });
  expectOne(scene('mm m {', '  vma 0x8000 rw anon private', '  map ‸0x1000 -> A r', '}', 'thread t { load 0x1000 }'), {
    code: 'map-outside-vma',
    says: [/outside every VMA of mm m/],
  });
});

test('a shared frame mapped writable in a private VMA: map it r', () => {
  expectOne(scene('frame S = 2 shared', 'map 0x2000 -> S ‸rw', 'thread t { load 0x1000 }'), {
    code: 'shared-writable',
    says: [/frame 'S' is shared with another mm, so its private mapping must be read-only \(COW\): map it r/],
  });
  expectClean(scene('frame S = 2 shared', 'map 0x2000 -> S r', 'thread t { load 0x1000 }'));
});

test('a map may not allow more than its VMA, nor write a read-only page-cache page', () => {
  expectOne(src('scenario s {', '  vma 0x1000 r anon private', '  frame A = 1', '  map 0x1000 -> A ‸rw', '  thread t { load 0x1000 }', '}'), {
    code: 'prot',
    says: [/a writable PTE in a VMA with protection 'r'/],
  });
  expectOne(scene('map 0x2000 -> A ‸none', 'thread t { load 0x1000 }'), { code: 'prot', says: [/expected the PTE's protection r or rw, found 'none'/] });
});

test('unknown frame: suggestion and how to declare it', () => {
  expectOne(scene('map 0x2000 -> ‸B r', 'thread t { load 0x1000 }'), { code: 'unknown-name', says: [/unknown frame 'B'; did you mean 'A'\? Declare it with 'frame B = VALUE'/] });
});

test('file VMAs and their page-cache frames', () => {
  expectOne(src('scenario s {', '  frame F = 1', '  vma 0x1000..0x3000 r file private ‸cache F', '  thread t { load 0x1000 }', '}'), {
    code: 'shape',
    says: [/'cache' lists 1 frame for a VMA of 2 pages: give one frame per page/],
  });
  expectOne(src('scenario s {', '  ‸vma 0x1000 r file private', '  thread t { load 0x1000 }', '}'), { code: 'shape', says: [/a file VMA needs its page-cache frames: add 'cache F1 F2 …'/] });
});

// ---- CPUs --------------------------------------------------------------------------------

test('a CPU used by two threads: which thread has it', () => {
  expectOne(scene('thread a on cpu1 { load 0x1000 }', 'thread b on ‸cpu1 { load 0x1000 }'), {
    code: 'cpu',
    says: [/cpu1 is already used by thread 'a': one thread per CPU/],
  });
  // a thread without `on` takes the next unused CPU, never one named later
  expectClean(scene('thread a { load 0x1000 }', 'thread b on cpu0 { load 0x1000 }'));
});

test('a bad CPU name: the valid ones', () => {
  expectOne(scene('thread a on ‸cpu64 { load 0x1000 }'), { code: 'cpu', says: [/expected a CPU name cpu0 … cpu63, found 'cpu64'/] });
  expectOne(scene('tlb ‸gpu1 0x1000 -> A rw', 'thread t { load 0x1000 }'), { code: 'cpu', says: [/expected a CPU name cpu0 … cpu63, found 'gpu1'/] });
});

// ---- duplicates ------------------------------------------------------------------------

test('duplicate names of every kind: the line of the first', () => {
  expectOne(src('scenario s { thread t { load 0x1000 } }', 'scenario ‸s { thread t { load 0x1000 } }'), { code: 'duplicate', says: [/scenario 's' is already declared on line 1/] });
  expectOne(scene('thread t { load 0x1000 }', 'thread ‸t { load 0x2000 }'), { code: 'duplicate', says: [/thread 't' is already declared on line 5/] });
  expectOne(scene('frame ‸A = 2', 'thread t { load 0x1000 }'), { code: 'duplicate', says: [/frame 'A' is already declared on line 3/] });
  expectOne(scene('mm m { vma 0x1000 rw anon private }', 'mm ‸m { vma 0x2000 rw anon private }', 'thread t { load 0x1000 }'), { code: 'duplicate', says: [/mm 'm' is already declared on line 5/] });
  expectOne(scene('mm ‸main { vma 0x8000 rw anon private }', 'thread t { load 0x1000 }'), { code: 'duplicate', says: [/'main' is the default address space; declare its VMAs outside any mm block/] });
  expectOne(scene('mm m { vma 0x1000 rw anon private }', 'thread t { fork -> ‸m }'), { code: 'duplicate', says: [/mm 'm' is already declared: a fork creates a new mm/] });
  expectOne(scene('thread t { fork -> kid }', 'thread u { fork -> ‸kid }'), { code: 'duplicate', says: [/mm 'kid' is already created by another fork/] });
  expectOne(scene('map ‸0x1000 -> A r', 'thread t { load 0x1000 }'), { code: 'duplicate', says: [/0x1000 is already mapped on line 4/] });
  expectOne(scene('tlb cpu0 0x1000 -> A rw', '‸tlb cpu0 0x1000 -> A r', 'thread t on cpu0 { load 0x1000 }'), { code: 'duplicate', says: [/cpu0 already caches 0x1000 on line 5/] });
});

test('settings declared twice: the line of the first', () => {
  for (const [first, second] of [
    ['locking classic', 'locking spf'],
    ['arch x86', 'arch arm64'],
    ['reuse exclusive', 'reuse refcount'],
    ['limit states 10', 'limit states 20'],
    ['limit ms 10', 'limit ms 20'],
  ] as const) {
    const what = second.split(' ').slice(0, second.startsWith('limit') ? 2 : 1).join(' ');
    expectOne(scene(first, `‸${second}`, 'thread t { load 0x1000 }'), { code: 'duplicate', says: [new RegExp(`'${what}' is already declared on line 5`)] });
  }
});

test('words, flags and options given twice', () => {
  expectOne(src('scenario s {', '  vma 0x1000 rw anon ‸file private', '  thread t { load 0x1000 }', '}'), { code: 'duplicate', says: [/the VMA's kind \(anon\/file\) is given twice/] });
  expectOne(scene('thread t { gup 0x1000 pin ‸pin }'), { code: 'duplicate', says: [/flag 'pin' is given twice/] });
  expectOne(scene('thread t { fault write 0x1000 copy=ptl ‸copy=ptl }'), { code: 'duplicate', says: [/option 'copy' is given twice/] });
});

// ---- references, registers, threads and mms ----------------------------------------------

test('put, kwrite and kread of a reference never taken: how to take it', () => {
  expectOne(scene('thread t { put ‸r }'), { code: 'unknown-name', says: [/reference 'r' is never taken before this step in thread 't'\. Take it with 'gup ADDR -> r'/] });
  expectOne(scene('thread t { kwrite ‸r = 1 }'), { code: 'unknown-name', says: [/reference 'r' is never taken/, /'gup ADDR -> r'/] });
  expectOne(scene('thread t { kread ‸r -> v }'), { code: 'unknown-name', says: [/reference 'r' is never taken/] });
  // taken only later, or by another thread, is not taken
  expectOne(scene('thread t {', '  put ‸r', '  gup 0x1000 -> r', '}'), { code: 'unknown-name', says: [/reference 'r' is never taken before this step/] });
  expectOne(scene('thread t { gup 0x1000 -> r }', 'thread u { put ‸r }'), { code: 'unknown-name', says: [/in thread 'u'/] });
  expectOne(scene('thread t { gup 0x1000 -> ref; put ‸rf }'), { code: 'unknown-name', says: [/reference 'rf' is never taken .*; did you mean 'ref'\?/] });
  expectClean(scene('thread t { gup 0x1000 -> r; kwrite r = 1; kread r -> v; put r }'));
});

test('a step missing a piece says the whole shape', () => {
  expectOne(scene('thread t { put‸ }'), { code: 'shape', says: [/'put' is missing a reference name: put REF/] });
  expectOne(scene('thread t { store 0x1000‸ }'), { code: 'shape', says: [/'store' needs a value: store ADDR = VALUE/] });
  expectOne(scene('thread t { lock mmap‸ }'), { code: 'shape', says: [/'lock' is missing mode \(read\|write\): lock mmap read\|write/] });
  expectOne(scene('thread t { lock‸ }'), { code: 'shape', says: [/expected lock mmap read\|write \| lock ptl ADDR \| lock range RANGE read\|write \| lock vma ADDR read\|write/] });
});

test('check naming an unknown register: the registers the thread has, and how to name one', () => {
  expectOne(scene('thread r { load 0x1000 -> seen }', 'check final r.‸sen == 1'), {
    code: 'unknown-name',
    says: [/thread 'r' has no register 'sen' \(it has seen\): registers are named by 'load ADDR -> REG' or 'kread REF -> REG'/],
  });
  expectOne(scene('thread w { store 0x1000 = 1 }', 'check final w.‸x == 1'), { code: 'unknown-name', says: [/thread 'w' has no register 'x': registers are named by/] });
});

test('check naming an unknown thread: suggestion and the threads', () => {
  expectOne(scene('thread reader { load 0x1000 -> v }', 'check final ‸raeder.v == 1'), {
    code: 'unknown-name',
    says: [/unknown thread 'raeder'; did you mean 'reader'\? Threads: reader/],
  });
  expectOne(scene('thread reader { load 0x1000 -> v }', 'check final (reader.v == 1 || ‸ghost.v == 1)'), { code: 'unknown-name', says: [/unknown thread 'ghost'\. Threads: reader/] });
});

test('check naming an unknown mm: the known mms', () => {
  expectOne(scene('thread p { fork -> child }', 'check final ‸chlid:0x1000 == 1'), { code: 'unknown-name', says: [/unknown mm 'chlid'; did you mean 'child'\? Known mms: main, child/] });
  expectClean(scene('thread p { fork -> child }', 'check final child:0x1000 == 1'));
});

test('a thread in an unknown mm: how to declare or create it', () => {
  expectOne(scene('thread t in ‸chld { load 0x1000 }', 'thread p { fork -> child }'), {
    code: 'unknown-name',
    says: [/unknown mm 'chld'; did you mean 'child'\? Known mms: main, child\. Declare it with 'mm chld \{ … \}' or create it with 'fork -> chld'/],
  });
});

test('unknown expectations: the valid kinds and codes', () => {
  expectOne(scene('thread t { load 0x1000 }', 'expect race ‸lost-writ'), { code: 'expect', says: [/unknown race kind 'lost-writ'; did you mean 'lost-write'\? Valid: lost-write, stale-tlb-write,/] });
  expectOne(scene('thread t { load 0x1000 }', 'expect violation ‸pte-ptl'), { code: 'expect', says: [/unknown violation code 'pte-ptl'/, /Valid: vma-needs-mmap-write,/] });
  expectOne(scene('thread t { load 0x1000 }', 'expect ‸cleen'), { code: 'expect', says: [/unknown expectation 'cleen'; did you mean 'clean'\?: expect race KIND \| no race \[KIND\] \|/] });
});

// ---- missing braces, truncation ------------------------------------------------------------

test('a missing } of a thread is reported at its {, and the next thread survives', () => {
  const text = scene('thread t ‸{', '  load 0x1000', 'thread u { store 0x1000 = 1 }', 'expect no race');
  expectOne(text, { code: 'syntax', says: [/the '\{' of thread 't' is never closed: expected '\}'/] });
  const file = checkFile(unmark(text).text);
  assert.deepEqual(
    file.scenarios[0]!.model.threads.map((t) => t.name),
    ['t', 'u'],
  );
  assert.equal(file.scenarios[0]!.model.expectations.length, 1);
});

test('a missing } of an mm block is reported at its {', () => {
  expectOne(scene('mm m ‸{', '  vma 0x1000 rw anon private', 'thread t in m { load 0x1000 }'), { code: 'syntax', says: [/the '\{' of mm 'm' is never closed/] });
});

test('a missing } of a scenario is reported at its {, and the next scenario survives', () => {
  const text = src('scenario a ‸{', '  thread t { load 0x1000 }', '', 'scenario b {', '  thread t { load 0x1000 }', '}');
  expectOne(text, { code: 'syntax', says: [/the '\{' of scenario 'a' is never closed: expected '\}'/] });
  assert.deepEqual(
    checkFile(unmark(text).text).scenarios.map((s) => s.model.name),
    ['a', 'b'],
  );
});

test('a truncated file: the unclosed blocks, and nothing about what the cut removed', () => {
  const text = 'scenario s {\n  vma 0x1000 rw anon private\n  thread t {\n    store 0x1000 =';
  const errors = checkFile(text).diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    errors.map((d) => `${d.span.line}:${d.span.col} ${d.message}`),
    [
      "1:12 the '{' of scenario 's' is never closed: expected '}'",
      "3:12 the '{' of thread 't' is never closed: expected '}'",
      '4:19 expected one of a number, a name but found the end of the file',
    ],
  );
});

test('one mistake on a line is one error: the rest of the line is skipped, not misread', () => {
  expectOne(scene('thread t {', '  gup 0x1000 -> r ‸-> s', '  load 0x1000', '}'), { code: 'syntax', says: [/expected one of the end of the line, ';' but found '->'/] });
  expectOne(scene('thread t { load 0x1000 }', 'check final 0x1000 == 1 ‸== 2'), { code: 'syntax', says: [/found '=='/] });
  expectOne(scene('vma 0x4000 rw anon private ‸(junk', 'thread t { load 0x1000 }'), { code: 'syntax', says: [/expected one of the end of the line, ';' but found '\('/] });
  expectOne(scene('thread t { mprotect 0x1000 ‸( }'), { code: 'syntax', says: [/found '\('/] });
});

test('a lone carriage return is blank space, so positions on the next line stay right', () => {
  expectOne('scenario s {\r\n  thread t {\r load ‸0x1010 }\r\n}\r\n', { code: 'unaligned', says: [/0x1010/] });
});

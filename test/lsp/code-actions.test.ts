// Quick fixes, on the analysis layer: each edit applied to the text gives the fixed scenario.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../server/src/analysis/analyze';
import { checkFile } from '../../server/src/analysis/check-file';
import { codeActions, type TextEdit } from '../../server/src/analysis/code-actions';
import { LineIndex } from '../../server/src/lang/span';

function apply(text: string, edits: readonly TextEdit[]): string {
  const lines = new LineIndex(text);
  const offs = edits.map((e) => ({ from: lines.lineStart(e.line) + e.col - 1, to: lines.lineStart(e.endLine) + e.endCol - 1, text: e.newText })).sort((a, b) => b.from - a.from);
  let out = text;
  for (const o of offs) out = out.slice(0, o.from) + o.text + out.slice(o.to);
  return out;
}

function fixesFor(text: string, code: string): { title: string; fixed: string }[] {
  const file = checkFile(text);
  const a = analyze(text);
  const f = a.scenarios.flatMap((s) => [...s.races, ...s.violations]).find((x) => x.code === code);
  assert.ok(f, `the scenario reports ${code}`);
  return codeActions(file, [{ line: f.line, col: f.col, endLine: f.endLine, endCol: f.endCol, code, message: f.message }]).map((x) => ({ title: x.title, fixed: apply(text, x.edits) }));
}

const SEED = `scenario s {
  reuse refcount
  vma 0x1000..0x3000 rw anon private uffd
  frame A = 1 refs=1
  map 0x1000 -> A rw
  tlb cpu2 0x1000 -> A rw
  thread wp on cpu0 { wrprotect 0x1000 marker=none }
  thread faulter on cpu1 { fault write 0x1000 }
  thread writer on cpu2 { store 0x1000 = 2 }
}
`;

test('downgrade-needs-flush: lock=write added to a step that had no lock option, and the race is gone', () => {
  const f = fixesFor(SEED, 'downgrade-needs-flush').find((x) => x.title.startsWith('Take mmap_lock for write'))!;
  assert.match(f.fixed, /wrprotect 0x1000 marker=none lock=write \}/);
  const after = analyze(f.fixed).scenarios[0]!;
  assert.deepEqual([...after.races, ...after.violations].map((x) => x.code), []);
});

test('under pervma and spf the fix is to write-lock or bracket the VMAs (vmalock=on), which removes the race', () => {
  for (const [design, title] of [
    ['pervma', /vma_start_write/],
    ['spf', /vm_write_begin/],
  ] as const) {
    const text = SEED.replace('reuse refcount', `locking ${design}\n  reuse refcount`).replace(' uffd\n', '\n').replace('wrprotect 0x1000 marker=none', 'wrprotect 0x1000 lock=write marker=none');
    const fixes = fixesFor(text, 'downgrade-needs-flush');
    const f = fixes.find((x) => title.test(x.title))!;
    assert.ok(f, fixes.map((x) => x.title).join('; '));
    assert.match(f.fixed, /wrprotect 0x1000 lock=write marker=none vmalock=on \}/);
    const after = analyze(f.fixed).scenarios[0]!;
    assert.deepEqual([...after.races, ...after.violations].map((x) => x.code), [], design);
  }
  const fork = `scenario s {\n  locking pervma\n  reuse refcount\n  vma 0x1000..0x3000 rw anon private\n  frame A = 1\n  map 0x1000 -> A rw\n  tlb cpu2 0x1000 -> A rw\n  thread p on cpu0 { fork vmalock=off -> c }\n  thread f on cpu1 { fault write 0x1000 }\n  thread w on cpu2 { store 0x1000 = 2 }\n}\n`;
  const g = fixesFor(fork, 'downgrade-needs-flush')[0]!;
  assert.match(g.fixed, /fork vmalock=on -> c/);
  assert.deepEqual(analyze(g.fixed).scenarios[0]!.races, []);
});

test('lost-write: pending=flush added to the explicit faults removes the race', () => {
  const f = fixesFor(SEED, 'lost-write').find((x) => x.title.includes('pending=flush'))!;
  assert.match(f.fixed, /fault write 0x1000 pending=flush \}/);
  assert.deepEqual(analyze(f.fixed).scenarios[0]!.races.map((x) => x.code), []);
});

test('lost-write outside a uffd-wp VMA: 6ce64428d620 would not flush there, so only pending=flush-any (a proposal) is offered', () => {
  const text = SEED.replace(' uffd\n', '\n');
  const fixes = fixesFor(text, 'lost-write');
  assert.ok(!fixes.some((x) => x.title.includes('6ce64428d620')), fixes.map((x) => x.title).join('; '));
  const f = fixes.find((x) => x.title.includes('pending=flush-any'))!;
  assert.match(f.title, /no kernel shipped/);
  assert.match(f.fixed, /fault write 0x1000 pending=flush-any \}/);
  assert.deepEqual(analyze(f.fixed).scenarios[0]!.races.map((x) => x.code), []);
  // the merged fix there would change nothing
  assert.ok(analyze(f.fixed.replace('pending=flush-any', 'pending=flush')).scenarios[0]!.races.some((x) => x.code === 'lost-write'));
});

test('lock-held-at-exit: the missing unlock is added at the end of the thread, one-line or multi-line', () => {
  const multi = 'scenario s {\n  thread t on cpu0 {\n    lock mmap read\n  }\n}\n';
  const f = fixesFor(multi, 'lock-held-at-exit')[0]!;
  assert.equal(f.fixed, 'scenario s {\n  thread t on cpu0 {\n    lock mmap read\n    unlock mmap\n  }\n}\n');
  assert.deepEqual(analyze(f.fixed).scenarios[0]!.violations, []);
  const one = 'scenario s {\n  thread t on cpu0 { lock mmap read }\n}\n';
  const g = fixesFor(one, 'lock-held-at-exit')[0]!;
  assert.equal(g.fixed, 'scenario s {\n  thread t on cpu0 { lock mmap read; unlock mmap }\n}\n');
  assert.deepEqual(analyze(g.fixed).scenarios[0]!.violations, []);
});

test('unlock-not-held: the unlock is removed', () => {
  const text = 'scenario s {\n  thread t on cpu0 {\n    unlock mmap\n  }\n}\n';
  const f = fixesFor(text, 'unlock-not-held')[0]!;
  assert.deepEqual(analyze(f.fixed).scenarios[0]!.violations, []);
});

// Hostile files (issue 14, item 6): a file of garbage gives a bounded number of diagnostics (a
// per-file cap with a final "N more" note, and per scenario a cap on the syntax errors that
// only cascade), and errors past the cap still keep their scenario from being explored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkFile, isExplorable, MAX_DIAGNOSTICS } from '../../server/src/analysis/check-file';
import { MAX_SYNTAX_ERRORS_PER_SCENARIO } from '../../server/src/lang/parse-file';

function garbage(bytes: number, seed = 1): string {
  const words = ['scenario', '{', '}', 'vma', 'map', 'thread', 'store', '0x1000', '->', '=', 'x', ';', '\n', 'lock', 'rw', 'anon', '..', '(', ')', 'expect', 'race', '#', '"'];
  let s = seed;
  const rnd = (): number => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const out: string[] = [];
  let len = 0;
  while (len < bytes) {
    const w = words[Math.floor(rnd() * words.length)]!;
    out.push(w);
    len += w.length + 1;
  }
  return out.join(' ');
}

test('400 KB of random tokens: at most the cap, then one note that says how many more', () => {
  const f = checkFile(garbage(400_000));
  assert.ok(f.diagnostics.length <= MAX_DIAGNOSTICS + 1, `${f.diagnostics.length} diagnostics`);
  const last = f.diagnostics[f.diagnostics.length - 1]!;
  assert.equal(last.code, 'too-many');
  assert.match(last.message, /^\d+ more errors? and warnings in this file not shown \(the first 1000 are\)/);
  // within one scenario, syntax errors stop cascading after the cap
  for (const sc of f.parse.ast.scenarios) {
    const inside = f.diagnostics.filter((d) => d.code === 'syntax' && d.span.start >= sc.span.start && d.span.start <= sc.span.end);
    assert.ok(inside.length <= MAX_SYNTAX_ERRORS_PER_SCENARIO + 1, `${inside.length} syntax errors in one scenario`);
  }
});

test('a scenario whose only error is past the cap is still not explored', () => {
  const noisy = ['scenario noisy {', ...Array.from({ length: 1200 }, (_, i) => `  frame F${i} = 1 bogus`), '  thread t { store 0x1000 = 1 }', '}'];
  const late = ['scenario late {', '  vma 0x1000..0x2000 rw anon private', '  thread t { stor 0x1000 = 1 }', '}'];
  const ok = ['scenario fine {', '  vma 0x1000..0x2000 rw anon private', '  thread t { store 0x1000 = 1 }', '}'];
  const f = checkFile([...noisy, ...late, ...ok, ''].join('\n'));
  assert.equal(f.diagnostics.length, MAX_DIAGNOSTICS + 1);
  const byName = new Map(f.scenarios.map((s) => [s.model.name, s]));
  assert.equal(isExplorable(f, byName.get('late')!), false, 'its error is not shown, but it counts');
  assert.equal(isExplorable(f, byName.get('fine')!), true);
});

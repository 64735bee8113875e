// Parse and check scale with the file (issue 14, item 5): for each kind of declaration or step,
// parsing 4n of them and checking them each take about 4 times as long as n, well under the 16 times of a quadratic one (a check
// that scanned everything declared before made a 680 KB file block the editor ~1 s a
// keystroke). Parsing and checking are timed apart, so a quadratic check cannot hide behind a
// linear parse. The ratio of two times is asserted, never a time; each is the fastest of several runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkScenario } from '../../server/src/lang/checks';
import { parseFile } from '../../server/src/lang/parse-file';

const a = (i: number): string => `0x${(0x1000 * (2 * i + 1)).toString(16)}`;
const vma = (i: number): string => `  vma ${a(i)}..0x${(0x1000 * (2 * i + 2)).toString(16)} rw anon private`;

const KINDS: Record<string, (n: number) => string[]> = {
  vmas: (n) => Array.from({ length: n }, (_, i) => vma(i)),
  'frames and maps': (n) => [...Array.from({ length: n }, (_, i) => vma(i)), ...Array.from({ length: n }, (_, i) => `  frame F${i} = ${i}`), ...Array.from({ length: n }, (_, i) => `  map ${a(i)} -> F${i} rw`)],
  // each TLB line agrees with its PTE (a stale one would add a warning a line: the test would time allocation)
  'tlb lines': (n) => [...Array.from({ length: n }, (_, i) => vma(i)), '  frame F = 1', ...Array.from({ length: n }, (_, i) => `  map ${a(i)} -> F r`), ...Array.from({ length: n }, (_, i) => `  tlb cpu${i % 500} ${a(i)} -> F r`)],
  threads: (n) => [vma(0), ...Array.from({ length: n }, (_, i) => `  thread t${i} { store ${a(0)} = ${i} }`)],
  'steps and uffd ranges': (n) => [...Array.from({ length: n }, (_, i) => `${vma(i)} uffd`), `  thread t { ${Array.from({ length: n }, (_, i) => `wrprotect ${a(i)}`).join('; ')} }`],
};

/** The fastest of three runs of parsing a text, and of nine of checking it (checks are quick: more runs, less noise). */
function fastest(text: string): { parse: number; check: number } {
  let parse = Infinity;
  let check = Infinity;
  let parsed = parseFile(text);
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    parsed = parseFile(text);
    parse = Math.min(parse, performance.now() - t0);
  }
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    for (const ast of parsed.ast.scenarios) checkScenario(ast, text);
    check = Math.min(check, performance.now() - t0);
  }
  return { parse, check };
}

for (const [kind, lines] of Object.entries(KINDS)) {
  test(`parsing and checking 4n ${kind} take about 4 times as long as n, not 16`, { timeout: 120_000 }, () => {
    const file = (n: number): string => ['scenario big {', ...lines(n), '}', ''].join('\n');
    const n = 6000;
    fastest(file(n / 4)); // warm up
    const small = fastest(file(n));
    const large = fastest(file(4 * n));
    for (const phase of ['parse', 'check'] as const) {
      const ratio = large[phase] / small[phase];
      assert.ok(ratio < 16, `${kind}, ${phase}: n=${n} ${small[phase].toFixed(1)} ms, 4n ${large[phase].toFixed(1)} ms: ratio ${ratio.toFixed(1)} (a quadratic check gives 16 or more)`);
    }
  });
}

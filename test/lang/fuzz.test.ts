// Property tests of the front end on hostile input: checkFile never throws, every diagnostic
// lies inside the text with a line:col that agrees with its offset, and lowering never throws
// for a scenario the analysis would explore. Inputs: mutations of real scenarios (the golden
// fixtures and the examples), random bytes decoded as UTF-8 and as Latin-1, random text with
// lone surrogates, huge numbers, deep nesting, and one 1 MB file.
//
// The seed is random on each run; a failure prints it (with the shrunk input) for replay:
//   FC_SEED=<seed> node scripts/run-tests.mjs fuzz
// FUZZ_SCALE=N multiplies the number of generated inputs, for a longer hunt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { checkFile, isExplorable } from '../../server/src/analysis/check-file';
import { lowerScenario } from '../../server/src/lang/lower';
import { parseFile } from '../../server/src/lang/parse-file';

const SEED = process.env['FC_SEED'] === undefined ? undefined : Number(process.env['FC_SEED']);
const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1) || 1;
const params = (numRuns: number): fc.Parameters<unknown> => ({ numRuns: Math.round(numRuns * SCALE), ...(SEED === undefined ? {} : { seed: SEED }) });

/** Inputs checked by this file, to show the total in the output. */
let checked = 0;

// ---- the property ----------------------------------------------------------------------

/**
 * Independent line:col of offsets (1-based; only '\n' ends a line; the column counts UTF-16
 * code units), from a sorted list of line starts.
 */
function positions(text: string): (offset: number) => { line: number; col: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  };
}

function checkInvariants(text: string): void {
  checked++;
  const file = checkFile(text); // must not throw
  const positionOf = positions(text);
  for (const d of file.diagnostics) {
    const { span } = d;
    const where = `${d.severity} [${d.code}] ${d.message} at ${JSON.stringify(span)}`;
    assert.ok(span.line >= 1 && span.col >= 1, `line and col are 1-based: ${where}`);
    assert.ok(Number.isInteger(span.start) && Number.isInteger(span.end), `integer offsets: ${where}`);
    assert.ok(span.start >= 0 && span.start <= span.end && span.end <= text.length, `span inside the text (length ${text.length}): ${where}`);
    assert.deepEqual({ line: span.line, col: span.col }, positionOf(span.start), `line:col agrees with start: ${where}`);
    assert.deepEqual({ line: span.endLine, col: span.endCol }, positionOf(span.end), `endLine:endCol agrees with end: ${where}`);
    assert.ok(d.message.length > 0, `a message: ${where}`);
  }
  for (const s of file.scenarios) {
    if (isExplorable(file, s)) assert.doesNotThrow(() => lowerScenario(s.model), `lowering explorable scenario '${s.model.name}'`);
  }
}

// ---- seeds -------------------------------------------------------------------------------

function readSeeds(): string[] {
  const dirs = [join('test', 'data', 'parse', 'ok'), join('test', 'data', 'parse', 'err'), 'examples'];
  const out: string[] = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(join(process.cwd(), dir));
    } catch {
      continue;
    }
    for (const n of names.sort()) if (n.endsWith('.vmscen')) out.push(readFileSync(join(process.cwd(), dir, n), 'utf8'));
  }
  return out;
}

const SEEDS = readSeeds();

/**
 * Rough tokens of a text, whitespace and comments included, so that joining them gives the
 * text back: words, numbers, multi-character operators, runs of blanks, single characters.
 */
function roughTokens(text: string): string[] {
  return text.match(/\/\/[^\n]*|\/\*|\*\/|[A-Za-z_][A-Za-z0-9_-]*|[0-9][0-9A-Za-z_]*|\.\.|->|==|!=|<=|>=|&&|\|\||[ \t]+|\r?\n|[\s\S]/g) ?? [];
}

const SEED_TOKENS = SEEDS.map(roughTokens);
const POOL = [...new Set(SEED_TOKENS.flat())];
const HUGE = ['0xffffffffffffffffffff', '99999999999999999999', '9007199254740993', '0x7ffffffff000', '0x800000000000', '0x', '0x1000..', '1e9', '0xFFFFF000'];
const STRANGE = ['\u0000', '\uFEFF', '\u00a0', '\r', '\t', '\v', '\f', '\u2028', 'é', '😀', '\ud800', '\udfff', '$', '"', "'", '\\', '/*', '*/', '//', '{', '}', '(', ')', ';', '\n'];

type Mutation =
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'duplicate'; at: number; len: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'replace'; at: number; with: number }
  | { kind: 'insert-token'; at: number; with: number }
  | { kind: 'insert-char'; at: number; ch: string }
  | { kind: 'huge'; at: number; which: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({ kind: fc.constant('insert-token' as const), at: fc.nat(), with: fc.nat() }),
  fc.record({
    kind: fc.constant('insert-char' as const),
    at: fc.nat(),
    ch: fc.oneof(fc.constantFrom(...STRANGE), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }), fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 2 })),
  }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), which: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function mutate(tokens: readonly string[], mutations: readonly Mutation[]): string {
  let t = [...tokens];
  for (const m of mutations) {
    const n = Math.max(t.length, 1);
    switch (m.kind) {
      case 'delete':
        t.splice(m.at % n, m.len);
        break;
      case 'duplicate': {
        const i = m.at % n;
        t.splice(i, 0, ...t.slice(i, i + m.len));
        break;
      }
      case 'swap': {
        const a = m.a % n;
        const b = m.b % n;
        if (a < t.length && b < t.length) [t[a], t[b]] = [t[b]!, t[a]!];
        break;
      }
      case 'replace':
        if (t.length) t[m.at % n] = POOL[m.with % POOL.length]!;
        break;
      case 'insert-token':
        t.splice(m.at % (t.length + 1), 0, POOL[m.with % POOL.length]!);
        break;
      case 'insert-char': {
        const i = m.at % n;
        const tok = t[i] ?? '';
        const j = tok.length ? m.at % (tok.length + 1) : 0;
        t[i] = tok.slice(0, j) + m.ch + tok.slice(j);
        break;
      }
      case 'huge': {
        // replace a number (or, failing that, any token) by a huge or malformed one
        const nums = t.map((x, i) => (/^[0-9]/.test(x) ? i : -1)).filter((i) => i >= 0);
        const i = nums.length ? nums[m.at % nums.length]! : m.at % n;
        t[i] = HUGE[m.which % HUGE.length]!;
        break;
      }
      case 'truncate': {
        // cut at a character, not only at a token boundary
        const text = t.join('');
        t = [text.slice(0, m.at % (text.length + 1))];
        break;
      }
    }
  }
  return t.join('');
}

// ---- the tests ---------------------------------------------------------------------------

test('the seeds themselves satisfy the invariants', () => {
  assert.ok(SEEDS.length >= 10, `expected the golden fixtures as seeds, found ${SEEDS.length}`);
  for (const s of SEEDS) checkInvariants(s);
});

test('mutated scenarios: deleted, duplicated, swapped, replaced and inserted tokens, inserted characters, huge numbers, truncation', () => {
  fc.assert(
    fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 6 }), (seed, mutations) => {
      checkInvariants(mutate(SEED_TOKENS[seed % SEED_TOKENS.length]!, mutations));
    }),
    params(4000),
  );
});

test('mutated single scenarios (small inputs shrink to readable counterexamples)', () => {
  const scenarios = SEEDS.flatMap((s) => s.split(/(?=^scenario )/m)).filter((s) => s.startsWith('scenario'));
  const tokens = scenarios.map(roughTokens);
  fc.assert(
    fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, mutations) => {
      checkInvariants(mutate(tokens[seed % tokens.length]!, mutations));
    }),
    params(4000),
  );
});

/** A scenario's tree without positions, to compare trees across texts. */
function shape(s: unknown): string {
  return JSON.stringify(s, (key, value: unknown) => (key === 'span' || key.endsWith('Span') || key === 'cacheKeyword' ? undefined : value));
}

test('recovery is local: a mistake inside one scenario leaves the trees of the others as they were', () => {
  // files of several scenarios, each starting a line; the mutated region is one scenario's
  // text from `scenario` to its last non-blank character
  const files = SEEDS.filter((s) => !s.includes('/*') && (s.match(/^scenario /gm) ?? []).length >= 2);
  assert.ok(files.length >= 3, `multi-scenario seeds: ${files.length}`);
  const originals = files.map((f) => parseFile(f).ast.scenarios.map(shape));
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (fileIdx, scenIdx, mutations) => {
      const text = files[fileIdx % files.length]!;
      const starts = [...text.matchAll(/^scenario /gm)].map((m) => m.index);
      const k = scenIdx % starts.length;
      const from = starts[k]!;
      const to = from + text.slice(from, starts[k + 1] ?? text.length).trimEnd().length;
      const region = mutate(roughTokens(text.slice(from, to)), mutations);
      // a new scenario head or comment bracket would legitimately change the split
      fc.pre(!/scenario|\/\*|\*\//.test(region.slice(8)) && region.startsWith('scenario '));
      checked++;
      const after = parseFile(text.slice(0, from) + region + text.slice(to)).ast.scenarios.map(shape);
      const before = originals[fileIdx % files.length]!;
      assert.deepEqual(after.slice(0, k), before.slice(0, k), 'the scenarios before the mutated one');
      const rest = before.length - k - 1;
      assert.deepEqual(rest === 0 ? [] : after.slice(-rest), before.slice(k + 1), 'the scenarios after the mutated one');
    }),
    params(1500),
  );
});

test('random bytes decoded as UTF-8 (invalid sequences become U+FFFD) and as Latin-1', () => {
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, asUtf8) => {
      checkInvariants(asUtf8 ? utf8.decode(bytes) : Buffer.from(bytes).toString('latin1'));
    }),
    params(2000),
  );
});

test('random bytes spliced into a real scenario', () => {
  const utf8 = new TextDecoder('utf-8', { fatal: false });
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 40 }), (seed, at, bytes) => {
      const s = SEEDS[seed % SEEDS.length]!;
      const i = at % (s.length + 1);
      checkInvariants(s.slice(0, i) + utf8.decode(bytes) + s.slice(i));
    }),
    params(500),
  );
});

test('random strings of the language alphabet, lone surrogates included', () => {
  const alphabet = fc.constantFrom(...POOL, ...STRANGE, ...HUGE, 'scenario x {', 'thread t {', '}', '\n');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 20 }), (parts, noise) => {
      checkInvariants(parts.join(' ') + noise);
    }),
    params(1000),
  );
});

test('deep nesting: thousands of braces and parentheses', () => {
  const bodies = (n: number): string[] => [
    '{'.repeat(n),
    '}'.repeat(n),
    '('.repeat(n),
    `scenario a {\n${'{'.repeat(n)}\n}\n`,
    `scenario a {\n  check final ${'('.repeat(n)}0x1000 == 1${')'.repeat(n)}\n  thread t { load 0x1000 }\n}\n`,
    `scenario a {\n  check final ${'('.repeat(n)}\n  thread t { load 0x1000 }\n}\n`,
    `scenario a {\n  check final ${Array.from({ length: n }, () => 'main:0x1000 == 1').join(' && ')}\n  thread t { load 0x1000 }\n}\n`,
    `scenario a {\n${'mm m { '.repeat(n)}${'}'.repeat(n)}\n}\n`,
    `scenario a {\n${'mm m {\n'.repeat(n)}${'}\n'.repeat(n)}}\n`,
    `scenario a {\n${'thread t { '.repeat(n)}${'}'.repeat(n)}\n}\n`,
    `scenario a {\n${'foo { '.repeat(n)}${'}'.repeat(n)}\n}\n`,
    `scenario a {\n${'thread t {\n'.repeat(n)}`,
    'scenario a {\n'.repeat(n),
  ];
  for (const n of [10, 150, 2000, 20000]) for (const text of bodies(n)) checkInvariants(text);
  // an intact scenario after a pathological one keeps its tree
  const file = checkFile(`scenario deep {\n${'mm m { '.repeat(20000)}\n}\nscenario fine {\n  thread t { irq off }\n}\n`);
  assert.deepEqual(
    file.scenarios.map((s) => s.model.name),
    ['fine'],
  );
});

test('no state leaks between parses: the one shared parser gives the same answer after any other input', () => {
  const render = (text: string): string => JSON.stringify(checkFile(text).diagnostics) + shape(parseFile(text).ast.scenarios);
  const fresh = new Map(SEEDS.map((s) => [s, render(s)]));
  // a stack overflow inside the parser is the likeliest to leave state behind
  render(`scenario deep {\n${'mm m { '.repeat(20000)}\n}\n`);
  for (const s of SEEDS) assert.equal(render(s), fresh.get(s));
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (a, b, mutations) => {
      checked++;
      const seed = SEEDS[a % SEEDS.length]!;
      render(mutate(SEED_TOKENS[b % SEED_TOKENS.length]!, mutations));
      assert.equal(render(seed), fresh.get(seed));
    }),
    params(300),
  );
});

test('huge numbers in every number position', () => {
  const base = readFileSync(join(process.cwd(), 'test', 'data', 'parse', 'ok', 'steps.vmscen'), 'utf8');
  for (const huge of HUGE) {
    const tokens = roughTokens(base);
    for (let i = 0; i < tokens.length; i++) if (/^[0-9]/.test(tokens[i]!)) checkInvariants([...tokens.slice(0, i), huge, ...tokens.slice(i + 1)].join(''));
  }
});

test('a 1 MB file', () => {
  // seeds with an unterminated comment would turn the rest of the file into a comment
  const unit = SEEDS.filter((s) => !/\/\*(?![\s\S]*\*\/)/.test(s)).join('\n');
  let text = '';
  while (text.length < 1_000_000) text += `${unit}\n// ${text.length}\n`;
  text = text.slice(0, 1_000_000);
  const t0 = Date.now();
  checkInvariants(text);
  const ms = Date.now() - t0;
  assert.ok(ms < 15_000, `checkFile on 1 MB took ${ms} ms`);
});

test('at least 10,000 inputs were checked', () => {
  assert.ok(checked >= 10_000, `only ${checked} inputs`);
  console.log(`# fuzz: ${checked} inputs checked`);
});

// Tidy tests of the engine's layout (ARCHITECTURE.md, engine/): the semantics table has exactly
// one entry per micro-step kind, each defined in one file of engine/step/; only the files of
// engine/designs/ ask which locking design runs; every engine file is small enough to read in
// one sitting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MICRO_KINDS } from '../../server/src/engine/instr';
import { SEM_BY_CODE, SEMANTICS, SEMANTICS_PARTS } from '../../server/src/engine/semantics';

const ENGINE = 'server/src/engine';
const MAX_LINES = 400;

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('every micro-step kind has exactly one semantics entry, defined in one file of engine/step/', () => {
  const owner = new Map<string, string>();
  for (const [file, part] of Object.entries(SEMANTICS_PARTS)) {
    assert.ok(fs.existsSync(path.join(ENGINE, file)), `${file} exists`);
    for (const kind of Object.keys(part)) {
      assert.equal(owner.get(kind), undefined, `${kind} is defined in ${owner.get(kind)} and ${file}`);
      owner.set(kind, file);
    }
  }
  assert.deepEqual([...owner.keys()].sort(), [...MICRO_KINDS].sort(), 'the parts define exactly the kinds of instr.ts');
  assert.deepEqual(Object.keys(SEMANTICS).sort(), [...MICRO_KINDS].sort());
  // the dispatch array follows the kind codes
  MICRO_KINDS.forEach((k, code) => assert.equal(SEM_BY_CODE[code], SEMANTICS[k], k));
  // each part is registered: no file of engine/step/ defines kinds the table does not list
  const parts = new Set(Object.keys(SEMANTICS_PARTS).map((f) => path.join(ENGINE, f)));
  for (const f of tsFiles(path.join(ENGINE, 'step'))) {
    if (/SemanticsPart</.test(fs.readFileSync(f, 'utf8'))) assert.ok(parts.has(f), `${f} defines a part that semantics.ts does not list`);
  }
});

test('only engine/designs/ asks which locking design runs', () => {
  const names = '(classic|pervma|spf|range)';
  const ask = new RegExp(`design\\s*[!=]==?\\s*'${names}'|'${names}'\\s*[!=]==?\\s*[\\w.]*design\\b|switch\\s*\\([^)]*\\bdesign\\)`);
  const offenders: string[] = [];
  for (const f of tsFiles('server/src')) {
    if (f.startsWith(path.join(ENGINE, 'designs') + path.sep)) continue;
    fs.readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (ask.test(line)) offenders.push(`${f}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(offenders, [], 'ask the LockingDesign (or its traits) instead');
});

test(`no engine file is over ${MAX_LINES} lines`, () => {
  const long = tsFiles(ENGINE)
    .map((f) => ({ f, n: fs.readFileSync(f, 'utf8').split('\n').length }))
    .filter((x) => x.n > MAX_LINES)
    .map((x) => `${x.f}: ${x.n} lines`);
  assert.deepEqual(long, []);
});

// Runs the real `vscode-tmgrammar-test` CLI on the TextMate grammar: the hand-written
// fixtures in test/grammar/*.test.vmscen, a deliberately wrong fixture (so a broken harness
// cannot pass silently), and a fixture generated from the op catalogue and the findings
// tables (so a new op, flag, option or finding code cannot go unhighlighted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { OPS } from '../../server/src/engine/ops';
import { ARCH_OPTIONS, ARCHES, DESIGNS, PROTS, REUSE_RULES } from '../../server/src/engine/settings';
import { RACES, VIOLATIONS } from '../../server/src/engine/findings';
import { DECLARATION_KEYWORDS } from '../../server/src/lang/tokens';

const GRAMMAR = 'syntaxes/vmscen.tmLanguage.json';
const HEADER = (what: string): string => `// SYNTAX TEST "source.vmscen" "${what}"`;

/** The CLI's entry script, from its package.json `bin`, run with this node (no shell, no .cmd shim). */
function cliScript(): string {
  const pkgDir = resolve(process.cwd(), 'node_modules', 'vscode-tmgrammar-test');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return join(pkgDir, pkg.bin['vscode-tmgrammar-test']!);
}

/** The tool expands globs itself (glob v7), which wants forward slashes. */
const globPath = (p: string): string => p.split(sep).join('/');

function runTool(...testcases: string[]): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [cliScript(), '--grammar', GRAMMAR, ...testcases], {
    cwd: process.cwd(),
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.error, undefined, `could not run vscode-tmgrammar-test: ${r.error}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function withTempFixture<T>(name: string, text: string, body: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'vmscen-grammar-'));
  try {
    const file = join(dir, name);
    writeFileSync(file, text);
    return body(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the grammar passes every fixture in test/grammar', () => {
  const { status, output } = runTool('test/grammar/*.test.vmscen');
  assert.equal(status, 0, output);
  for (const fixture of ['comments', 'declarations', 'steps', 'expectations']) {
    assert.match(output, new RegExp(`${fixture}\\.test\\.vmscen run successfuly`), output);
  }
});

test('a wrong assertion makes the tool fail (the harness can fail)', () => {
  const text = [HEADER('deliberately wrong: a comment is not a keyword'), '  // just a comment', '//^^ keyword.other.declaration.vmscen', ''].join('\n');
  withTempFixture('wrong.test.vmscen', text, (file) => {
    const { status, output } = runTool(globPath(file));
    assert.notEqual(status, 0, output);
    assert.notEqual(status, null, output);
    assert.match(output, /missing required scopes: keyword\.other\.declaration\.vmscen/, output);
    assert.match(output, /comment\.line\.double-slash\.vmscen/, output);
  });
});

/** Builds a fixture: each source line is followed by `^^^` assertions on the words it names. */
class FixtureBuilder {
  private readonly lines: string[];

  constructor(what: string) {
    this.lines = [HEADER(what)];
  }

  /**
   * Adds `line` (indented by two spaces or more) and asserts `scope` on each `[word, scope]`,
   * found left to right.
   */
  line(line: string, ...expect: readonly (readonly [string, string])[]): void {
    this.lines.push(line);
    let from = 0;
    for (const [word, scope] of expect) {
      const col = line.indexOf(word, from);
      assert.ok(col >= 2, `fixture bug: '${word}' not found after column 2 in '${line}'`);
      this.lines.push(`//${' '.repeat(col - 2)}${'^'.repeat(word.length)} ${scope}`);
      from = col + word.length;
    }
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

test('the grammar highlights every op, flag, option, design, arch, rule, prot and finding code', () => {
  const OP = 'keyword.control.op.vmscen';
  const FLAG = 'constant.language.flag.vmscen';
  const KEY = 'variable.parameter.option.vmscen';
  const VALUE = 'constant.language.option-value.vmscen';
  const f = new FixtureBuilder('generated from ops.ts, findings.ts and tokens.ts');
  f.line('scenario catalogue {');
  for (const kw of DECLARATION_KEYWORDS) f.line(`  ${kw}`, [kw, 'keyword.other.declaration.vmscen']);
  for (const d of DESIGNS) f.line(`  locking ${d.value}`, [d.value, 'support.constant.design.vmscen']);
  for (const a of ARCHES) {
    for (const o of ARCH_OPTIONS) {
      for (const v of o.values) f.line(`  arch ${a.value} ${o.key}=${v.value}`, [a.value, 'support.constant.arch.vmscen'], [o.key, KEY], [v.value, VALUE]);
    }
  }
  for (const r of REUSE_RULES) f.line(`  reuse ${r.value}`, [r.value, 'support.constant.reuse.vmscen']);
  for (const p of PROTS) {
    f.line(`  vma 0x1000 ${p} anon private`, [p, 'constant.language.prot.vmscen']);
    f.line(`  map 0x1000 -> A ${p}`, [p, 'constant.language.prot.vmscen']);
  }
  for (const r of RACES) f.line(`  expect race ${r.code}`, ['race', 'constant.language.verdict.vmscen'], [r.code, 'support.constant.race.vmscen']);
  for (const v of VIOLATIONS) f.line(`  expect violation ${v.code}`, ['violation', 'constant.language.verdict.vmscen'], [v.code, 'support.constant.violation.vmscen']);
  f.line('  thread t on cpu0 {');
  for (const op of OPS) {
    f.line(`    ${op.name} 0x1000`, [op.name, OP]);
    for (const form of op.forms) {
      for (const slot of form.slots) {
        if (slot.kind === 'word') for (const w of slot.values) f.line(`    ${op.name} ${w}`, [op.name, OP], [w, FLAG]);
        if (slot.kind === 'range-or-all') f.line(`    ${op.name} all`, [op.name, OP], ['all', FLAG]);
        if (slot.kind === 'prot') for (const p of PROTS) f.line(`    ${op.name} 0x1000 ${p}`, [op.name, OP], [p, 'constant.language.prot.vmscen']);
      }
    }
    for (const flag of op.flags) f.line(`    ${op.name} 0x1000 ${flag.name}`, [op.name, OP], [flag.name, FLAG]);
    for (const o of op.options) {
      for (const v of o.values) f.line(`    ${op.name} 0x1000 ${o.key}=${v.value}`, [op.name, OP], [o.key, KEY], [v.value, VALUE]);
    }
    if (op.target) f.line(`    ${op.name} 0x1000 -> ${op.name}`, [op.name, OP], ['->', 'keyword.operator.arrow.vmscen'], [op.name, 'variable.other.vmscen']);
  }
  f.line('  }');
  f.line('}');
  withTempFixture('catalogue.test.vmscen', f.text(), (file) => {
    const { status, output } = runTool(globPath(file));
    assert.equal(status, 0, output);
  });
});

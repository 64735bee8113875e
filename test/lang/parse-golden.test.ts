// Golden parser tests as data: every test/data/parse/{ok,err}/NAME.vmscen has NAME.ast.json
// beside it, holding the diagnostics of checkFile (`line:col severity [code] message`) and a
// readable dump of the AST (each node with its `line:col`, no offsets). `ok` fixtures must have
// no error; `err` fixtures at least one. Refresh the goldens after a deliberate change with
//   UPDATE_GOLDEN=1 node scripts/run-tests.mjs parse-golden
// and read the diff before committing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFile, type CheckedFile } from '../../server/src/analysis/check-file';
import { OPS } from '../../server/src/engine/ops';
import { ARCHES, DESIGNS, REUSE_RULES } from '../../server/src/engine/settings';
import { RACE_KINDS, VIOLATION_CODES } from '../../server/src/engine/findings';
import type * as A from '../../server/src/lang/ast';
import type { Span } from '../../server/src/lang/span';

const ROOT = join(process.cwd(), 'test', 'data', 'parse');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

function fixtures(kind: 'ok' | 'err'): string[] {
  return readdirSync(join(ROOT, kind))
    .filter((f) => f.endsWith('.vmscen'))
    .sort()
    .map((f) => join(ROOT, kind, f));
}

// ---- the dump ------------------------------------------------------------------------

const at = (s: Span): string => `${s.line}:${s.col}`;
const int = (l: A.IntLit | undefined): string | undefined => (l === undefined ? undefined : l.value === undefined ? `${l.text} (invalid)` : l.text);
const name = (n: A.Name | undefined): string | undefined => n?.text;
const range = (r: A.RangeExpr | undefined): string | undefined => (r === undefined ? undefined : r.end ? `${int(r.start)}..${int(r.end)}` : int(r.start));
const option = (o: A.OptionNode): string => `${o.key.text}=${o.value === undefined ? '' : 'value' in o.value ? int(o.value) : o.value.text}`;

function stepArg(a: A.StepArg): string {
  switch (a.kind) {
    case 'int':
      return int(a.lit)!;
    case 'range':
      return range(a.range)!;
    case 'word':
      return a.name.text;
    case 'option':
      return option(a.option);
  }
}

/** A step on one line: `L:C op args… [= VALUE] [-> NAME]`. */
function step(s: A.StepNode): string {
  const parts = [at(s.span), s.op.text, ...s.args.map(stepArg)];
  if (s.assign) parts.push('=', 'value' in s.assign ? int(s.assign)! : s.assign.text);
  else if (s.assignSpan) parts.push('=');
  if (s.target) parts.push('->', 'value' in s.target ? int(s.target)! : s.target.text);
  return parts.join(' ');
}

function operand(o: A.OperandNode): string {
  switch (o.kind) {
    case 'int':
      return int(o.lit)!;
    case 'mem':
      return `${o.mm.text}:${int(o.addr)}`;
    case 'reg':
      return `${o.thread.text}.${o.reg.text}`;
  }
}

/** A condition fully parenthesized, so the tree's shape shows. */
function cond(c: A.CondNode): string {
  if (c.kind === 'cmp') return `${operand(c.left)} ${c.op} ${operand(c.right)}`;
  return `(${cond(c.left)}) ${c.kind === 'and' ? '&&' : '||'} (${cond(c.right)})`;
}

/** Drops undefined fields so the dump shows only what the parser found. */
function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function decl(d: A.DeclNode): Record<string, unknown> {
  const head = { kind: d.kind, at: at(d.span) };
  switch (d.kind) {
    case 'locking':
      return compact({ ...head, design: name(d.design) });
    case 'arch':
      return compact({ ...head, arch: name(d.arch), words: d.words.map((w) => w.text), options: d.options.map(option) });
    case 'mm':
      return compact({ ...head, name: name(d.name), items: d.items.map(decl) });
    case 'vma':
      return compact({ ...head, range: range(d.range), words: d.words.map((w) => w.text), cache: d.cache?.map((w) => w.text) });
    case 'frame':
      return compact({ ...head, name: name(d.name), value: int(d.value), words: d.words.map((w) => w.text), options: d.options.map(option) });
    case 'map':
      return compact({ ...head, addr: int(d.addr), frame: name(d.frame), prot: name(d.prot) });
    case 'reuse':
      return compact({ ...head, rule: name(d.rule) });
    case 'tlb':
      return compact({ ...head, cpu: name(d.cpu), addr: int(d.addr), frame: name(d.frame), prot: name(d.prot) });
    case 'thread':
      return compact({ ...head, name: name(d.name), cpu: name(d.cpu), mm: name(d.mm), steps: d.steps.map(step) });
    case 'expect':
      return { ...head, words: d.words.map((w) => w.text).join(' ') };
    case 'check':
      return compact({ ...head, cond: d.cond ? cond(d.cond) : undefined });
    case 'limit':
      return compact({ ...head, what: name(d.what), value: int(d.value) });
    case 'unknown':
      return head;
  }
}

function renderGolden(file: CheckedFile): string {
  const doc = {
    diagnostics: file.diagnostics.map((d) => `${at(d.span)} ${d.severity} [${d.code}] ${d.message}`),
    scenarios: file.parse.ast.scenarios.map((s) => compact({ at: at(s.span), name: name(s.name), items: s.items.map(decl) })),
  };
  return `${pretty(doc, '')}\n`;
}

/** JSON, with any value that fits on one short line kept on one line. */
function pretty(v: unknown, indent: string): string {
  const flat = JSON.stringify(v);
  if (flat.length + indent.length <= 110 || v === null || typeof v !== 'object') return flat;
  const inner = `${indent}  `;
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + pretty(x, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, inner)}`);
  return `{\n${entries.join(',\n')}\n${indent}}`;
}

// ---- the tests -----------------------------------------------------------------------

for (const kind of ['ok', 'err'] as const) {
  for (const path of fixtures(kind)) {
    const label = `${kind}/${path.slice(path.lastIndexOf('/') + 1)}`;
    test(`golden ${label}`, () => {
      const text = readFileSync(path, 'utf8');
      const file = checkFile(text);
      const errors = file.diagnostics.filter((d) => d.severity === 'error');
      if (kind === 'ok') assert.deepEqual(errors.map((d) => `${at(d.span)} ${d.message}`), [], `${label} must have no error`);
      else assert.ok(errors.length > 0, `${label} must have at least one error`);
      const golden = path.replace(/\.vmscen$/, '.ast.json');
      const actual = renderGolden(file);
      if (UPDATE) {
        writeFileSync(golden, actual);
        return;
      }
      assert.ok(existsSync(golden), `${golden} is missing: run UPDATE_GOLDEN=1 node scripts/run-tests.mjs parse-golden`);
      assert.equal(actual, readFileSync(golden, 'utf8'), `${label} differs from its golden (UPDATE_GOLDEN=1 to refresh after a deliberate change)`);
    });
  }
}

test('every golden has its fixture', () => {
  for (const kind of ['ok', 'err']) {
    for (const f of readdirSync(join(ROOT, kind)).filter((x) => x.endsWith('.ast.json'))) {
      assert.ok(existsSync(join(ROOT, kind, f.replace(/\.ast\.json$/, '.vmscen'))), `stale golden ${kind}/${f}: its fixture is gone`);
    }
  }
});

// ---- coverage: the ok fixtures use the whole language ------------------------------------

test('the ok fixtures use every construct of the language', () => {
  const seen = new Set<string>();
  const texts: string[] = [];
  for (const path of fixtures('ok')) {
    const text = readFileSync(path, 'utf8');
    texts.push(text);
    const file = checkFile(text);
    for (const s of file.scenarios) {
      const visit = (items: readonly A.DeclNode[], inMm: boolean): void => {
        for (const d of items) {
          seen.add(`decl ${d.kind}`);
          if (d.kind === 'mm') visit(d.items, true);
          if (d.kind === 'locking' && d.design) seen.add(`locking ${d.design.text}`);
          if (d.kind === 'reuse' && d.rule) seen.add(`reuse ${d.rule.text}`);
          if (d.kind === 'arch' && d.arch) seen.add(`arch ${d.arch.text}`);
          if (d.kind === 'arch') for (const o of d.options) seen.add(`arch ${option(o)}`);
          if (d.kind === 'vma') for (const w of d.words) seen.add(`vma ${w.text}`);
          if (d.kind === 'vma' && d.cache) seen.add(`vma cache ${d.cache.length > 1 ? 'several' : 'one'}`);
          if (d.kind === 'frame') for (const w of [...d.words.map((x) => x.text), ...d.options.map((o) => o.key.text)]) seen.add(`frame ${w}`);
          if (d.kind === 'frame' && d.words.length + d.options.length >= 3) seen.add('frame all flags');
          if (d.kind === 'map') seen.add(`map ${d.prot?.text} ${inMm ? 'in mm' : 'in main'}`);
          if (d.kind === 'tlb') seen.add(`tlb ${d.prot?.text}`);
          if (d.kind === 'limit' && d.what) seen.add(`limit ${d.what.text}`);
          if (d.kind === 'thread') seen.add(`thread${d.cpu ? ' on' : ''}${d.mm ? ' in' : ''}`);
          if (d.kind === 'thread' && d.cpu && d.mm) seen.add(`thread ${d.cpu.span.start < d.mm.span.start ? 'on-in' : 'in-on'}`);
        }
      };
      visit(s.ast.items, false);
      for (const e of s.model.expectations) seen.add(`expect ${e.kind}${e.code ? ' CODE' : ''}`);
      for (const e of s.model.expectations) if (e.code) seen.add(`expect code ${e.code}`);
      for (const t of s.model.threads) {
        for (const st of t.steps) {
          seen.add(`op ${st.form.synopsis}`);
          for (const f of st.flags) seen.add(`op ${st.op.name} flag ${f}`);
          if (st.op.flags.length > 1 && st.flags.size === st.op.flags.length) seen.add(`op ${st.op.name} all flags`);
          for (const [k, o] of st.written) seen.add(`op ${st.op.name} ${k}=${o.value?.text}`);
          if (st.target || st.targetAddr !== undefined) seen.add(`op ${st.op.name} -> NAME`);
          else if (st.op.target) seen.add(`op ${st.op.name} without -> NAME`);
          for (const sl of st.slots) if (sl.kind === 'all') seen.add(`op ${st.op.name} all`);
          for (const a of st.node.args) seen.add(`op ${st.op.name} arg ${a.kind}`);
        }
      }
    }
  }
  const all = texts.join('\n');
  const want: string[] = [
    ...['locking', 'arch', 'mm', 'vma', 'frame', 'map', 'reuse', 'tlb', 'thread', 'expect', 'check', 'limit'].map((k) => `decl ${k}`),
    ...DESIGNS.map((d) => `locking ${d.value}`),
    ...REUSE_RULES.map((r) => `reuse ${r.value}`),
    ...ARCHES.map((a) => `arch ${a.value}`),
    'arch rcu-table-free=on',
    'arch rcu-table-free=off',
    ...['none', 'r', 'rw', 'anon', 'file', 'private', 'shared', 'growsdown', 'uffd'].map((w) => `vma ${w}`),
    'vma cache one',
    'vma cache several',
    'frame shared',
    'frame readonly',
    'frame refs',
    'frame all flags',
    'map r in main',
    'map rw in main',
    'map r in mm',
    'map rw in mm',
    'tlb r',
    'tlb rw',
    'limit states',
    'limit ms',
    'thread',
    'thread on',
    'thread in',
    'thread on-in',
    'thread in-on',
    ...['race CODE', 'no-race', 'no-race CODE', 'violation CODE', 'no-violation', 'no-violation CODE', 'deadlock', 'no-deadlock', 'clean'].map((k) => `expect ${k}`),
    ...[...RACE_KINDS, ...VIOLATION_CODES].map((c) => `expect code ${c}`),
  ];
  for (const op of OPS) {
    for (const f of op.forms) want.push(`op ${f.synopsis}`);
    for (const f of op.flags) want.push(`op ${op.name} flag ${f.name}`);
    if (op.flags.length > 1) want.push(`op ${op.name} all flags`);
    for (const o of op.options) for (const v of o.values) want.push(`op ${op.name} ${o.key}=${v.value}`);
    if (op.target) want.push(`op ${op.name} -> NAME`, ...(op.target.required ? [] : [`op ${op.name} without -> NAME`]));
    if (op.forms.some((f) => f.slots.some((s) => s.kind === 'range' || s.kind === 'range-or-all'))) want.push(`op ${op.name} arg range`, `op ${op.name} arg int`);
    if (op.forms.some((f) => f.slots.some((s) => s.kind === 'range-or-all'))) want.push(`op ${op.name} all`, `op ${op.name} flag local`);
  }
  const missing = want.filter((w) => !seen.has(w));
  assert.deepEqual(missing, [], 'constructs no ok fixture uses (add them to test/data/parse/ok/)');
  // Lexical forms and check-condition syntax, read from the text.
  const syntax: [string, RegExp][] = [
    ['line comment', /\/\/ /],
    ['block comment over lines', /\/\*[^*]*\n[^*]*\*\//],
    ['one-line block with ;', /\{[^\n}]*;[^\n}]*\}/],
    ['hex number', /0x[0-9a-f]+/],
    ['decimal number', /= \d+\b/],
    ['&&', /check final .*&&/],
    ['||', /check final .*\|\|/],
    ['parentheses', /check final .*\(/],
    ['MM:ADDR', /check final .*\w:0x/],
    ['THREAD.REG', /check final .*\w\.\w/],
    ...['==', '!=', '<', '<=', '>', '>='].map((op): [string, RegExp] => [op, new RegExp(`check final .* ${op.replace(/[|]/g, '\\$&')} `)]),
  ];
  assert.deepEqual(
    syntax.filter(([, re]) => !re.test(all)).map(([n]) => n),
    [],
    'syntax no ok fixture uses',
  );
});

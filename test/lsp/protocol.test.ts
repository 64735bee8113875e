// The real language server process over stdio, driven by a JSON-RPC client: diagnostics (with
// the interleaving as related information), hover, completion, definition, references, rename,
// cancellation by a newer edit, and a worker that crashes or hangs being replaced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { CheckRequest, CompareDesignsRequest, TraceRequest } from '../../server/src/protocol';
import { LspClient } from './lsp-client';

const SEED = fs.readFileSync('examples/uffd-wp.vmscen', 'utf8');
const URI = 'file:///virtual/seed.vmscen';

/**
 * The text with its scenarios renamed (a name is part of the lowered spec): a spec of its own,
 * which the server's cache of complete explorations has never seen, so the worker explores it
 * (and meets the test's fault marker, a comment, which changes no spec).
 */
const own = (text: string, tag: string): string => text.replace(/^scenario (\w+)/gm, `scenario $1_${tag}`);

let c: LspClient;
before(async () => {
  c = new LspClient({ VMSCEN_TEST_WORKER_FAULTS: '1' });
  await c.initialize({ debounceMs: 50, timeLimitMs: 5_000 });
  await c.open(URI, SEED);
});
after(async () => {
  await c.close();
});

test('diagnostics: races and violations at their steps, with every step of the interleaving as related information', async () => {
  const ds = await c.waitFor(URI, (d) => d.some((x) => x.code === 'lost-write'));
  const race = ds.find((d) => d.code === 'lost-write' && d.range.start.line === 28)!;
  assert.ok(race, 'the lost write is reported at the store (line 29)');
  assert.equal(race.severity, 3, 'an expected race is information');
  assert.ok(race.codeDescription?.href.includes('findings.md#lost-write'));
  const related = race.relatedInformation!.filter((r) => /^\d+\. /.test(r.message));
  assert.equal(related.length, 12, 'one related location per micro-step of the interleaving');
  assert.ok(race.relatedInformation!.some((r) => r.message === 'involved: faulter'), 'and the COW install that loses the store');
  assert.match(related[0]!.message, /^1\. wp: wrprotect 0x1000: lock mmap read — mmap_read_lock\(\)/);
  assert.equal(related[0]!.location.range.start.line, 22);
  const met = ds.filter((d) => d.code === 'met');
  assert.ok(met.length >= 5);
});

test('a race no expect covers is an error; a failed expectation is an error at its line', async () => {
  const uri = 'file:///virtual/uncovered.vmscen';
  const text = SEED.replace(/^\s*expect race lost-write\n/m, '');
  await c.open(uri, text);
  const ds = await c.waitFor(uri, (d) => d.some((x) => x.code === 'lost-write' && x.severity === 1));
  assert.ok(ds.some((d) => d.code === 'lost-write' && d.severity === 1));
  const text2 = SEED.replace('expect race lost-write', 'expect no race');
  await c.replace(uri, text2, 2);
  const ds2 = await c.waitFor(uri, (d, p) => p.version === 2 && d.some((x) => x.code === 'failed'));
  const failed = ds2.find((d) => d.code === 'failed')!;
  assert.equal(failed.severity, 1);
  assert.equal(failed.range.start.line, 31);
});

test('syntax errors are published at once, at their place, and exploration still runs for intact scenarios', async () => {
  const uri = 'file:///virtual/broken.vmscen';
  const text = SEED.replace('fault write 0x1000\n', 'fault wrte 0x1000\n');
  await c.open(uri, text);
  const first = c.history(uri)[0] ?? { diagnostics: await c.waitFor(uri, () => true) };
  const err = first.diagnostics.find((d) => d.severity === 1)!;
  assert.ok(err, 'the first publication already has the syntax error');
  assert.equal(err.range.start.line, 25);
  assert.match(String(err.message), /read\|write/);
  // the other scenarios of the file are explored
  await c.waitFor(uri, (d) => d.some((x) => x.code === 'met' && x.range.start.line > 40));
});

test('hover on an op shows its micro-steps with kernel functions; on an option, its values', async () => {
  const h = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: 25, character: 5 } })) as { contents: { value: string } };
  assert.match(h.contents.value, /\*\*fault\*\*/);
  assert.match(h.contents.value, /wp_page_copy\(\): anon_vma_prepare\(\); alloc_page_vma\(\); cow_user_page\(\)/);
  assert.match(h.contents.value, /\*\*Micro-steps\*\* \(locking classic\)/);
  // each micro-step's footprint, from its semantics entry
  assert.match(h.contents.value, /\*\*Footprints\*\*/);
  assert.match(h.contents.value, /- `cow-install`: reads [^\n]*pte \(its page\)[^\n]*; writes [^\n]*tlb \(the mm's CPUs\)/);
  const key = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: 22, character: 22 } })) as { contents: { value: string } };
  assert.match(key.contents.value, /^\*\*lock\*\*/);
  assert.match(key.contents.value, /`write`: mmap_write_lock\(\)/);
  const value = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: 22, character: 27 } })) as { contents: { value: string } };
  assert.match(value.contents.value, /^\*\*lock=read\*\* — mmap_read_lock\(\)/);
  assert.match(value.contents.value, /violation downgrade-needs-flush/, 'and the finding at that step, with its rule');
  // under another design, the same op hovers with that design's path
  const uri = 'file:///virtual/hover-pervma.vmscen';
  await c.open(uri, 'scenario s {\n  locking pervma\n  vma 0x1000..0x3000 rw anon private\n  thread t { fault write 0x1000 }\n}\n');
  const pv = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 3, character: 14 } })) as { contents: { value: string } };
  assert.match(pv.contents.value, /\*\*Micro-steps\*\* \(locking pervma\)/);
  assert.match(pv.contents.value, /lock_vma_under_rcu\(\)/);
  assert.match(pv.contents.value, /vma_end_read\(\)/);
});

test('completion: ops at the start of a step, option values after key=', async () => {
  const ops = (await c.conn.sendRequest('textDocument/completion', { textDocument: { uri: URI }, position: { line: 25, character: 4 } })) as { label: string }[];
  for (const op of ['fault', 'store', 'wrprotect', 'gup', 'fork']) assert.ok(ops.some((i) => i.label === op), op);
  const uri = 'file:///virtual/complete.vmscen';
  await c.open(uri, 'scenario s {\n  thread t { wrprotect 0x1000 flush= }\n}\n');
  const vals = (await c.conn.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 1, character: 36 } })) as { label: string }[];
  assert.deepEqual(vals.map((v) => v.label).sort(), ['flush=deferred', 'flush=none', 'flush=ptl']);
});

test('definition, references and rename of a frame', async () => {
  // `A` in `map 0x1000 -> A rw` (line 19) is declared by `frame A = 1` (line 18)
  const def = (await c.conn.sendRequest('textDocument/definition', { textDocument: { uri: URI }, position: { line: 18, character: 16 } })) as { range: { start: { line: number } } };
  assert.equal(def.range.start.line, 17);
  const refs = (await c.conn.sendRequest('textDocument/references', { textDocument: { uri: URI }, position: { line: 17, character: 8 }, context: { includeDeclaration: true } })) as unknown[];
  assert.equal(refs.length, 3, 'frame, map and tlb of this scenario (other scenarios have their own A)');
  const edit = (await c.conn.sendRequest('textDocument/rename', { textDocument: { uri: URI }, position: { line: 17, character: 8 }, newName: 'Anon' })) as { changes: Record<string, { newText: string }[]> };
  assert.equal(edit.changes[URI]!.length, 3);
  assert.ok(edit.changes[URI]!.every((e) => e.newText === 'Anon'));
});

test('a newer edit cancels the exploration of the older version: its result is never shown', async () => {
  const uri = 'file:///virtual/cancel.vmscen';
  const hang = `// vmscen-test: hang\n${own(SEED, 'cancel1')}`;
  await c.open(uri, hang, 1);
  await new Promise((r) => setTimeout(r, 300)); // the hanging exploration of version 1 is running
  await c.replace(uri, own(SEED, 'cancel2'), 2);
  const ds = await c.waitFor(uri, (d, p) => p.version === 2 && d.some((x) => x.code === 'lost-write'));
  assert.ok(ds.length > 0);
  assert.ok(c.history(uri).every((p) => p.version === 2 || !p.diagnostics.some((d) => d.code === 'lost-write')), 'no exploration result for version 1');
});

test('a worker that crashes is replaced, and the user sees an error diagnostic, not a dead server', async () => {
  const uri = 'file:///virtual/crash.vmscen';
  await c.open(uri, `// vmscen-test: crash\n${own(SEED, 'crash1')}`, 1);
  const ds = await c.waitFor(uri, (d) => d.some((x) => x.code === 'explore'));
  assert.match(String(ds.find((x) => x.code === "explore")!.message), /exploration failed: the exploration worker exited/);
  await c.replace(uri, own(SEED, 'crash2'), 2);
  await c.waitFor(uri, (d, p) => p.version === 2 && d.some((x) => x.code === 'lost-write'));
});

test('a worker that hangs past its deadline is killed and replaced', async () => {
  const uri = 'file:///virtual/hang.vmscen';
  await c.open(uri, `// vmscen-test: hang\n${own(SEED, 'hang1')}`, 1);
  const ds = await c.waitFor(uri, (d) => d.some((x) => x.code === 'explore'), 30_000);
  assert.match(String(ds.find((x) => x.code === "explore")!.message), /did not answer within \d+ s and was restarted/);
  await c.replace(uri, own(SEED, 'hang2'), 2);
  await c.waitFor(uri, (d, p) => p.version === 2 && d.some((x) => x.code === 'lost-write'));
});

test('vmscen/check explores one scenario on request; vmscen/trace returns the interleaving with the machine at each step', async () => {
  const r = await c.conn.sendRequest(CheckRequest, { uri: URI, scenario: 'fix_write_lock' });
  assert.equal(r.scenarios.length, 1);
  assert.equal(r.scenarios[0]!.verdict, 'ok');
  const t = await c.conn.sendRequest(TraceRequest, { uri: URI, scenario: 'uffd_wp_vs_cow' });
  assert.ok(!('error' in t));
  if ('error' in t) return;
  assert.equal(t.finding.code, 'lost-write');
  assert.equal(t.steps.length, 12);
  assert.deepEqual(t.threads.map((x) => x.name), ['wp', 'faulter', 'writer']);
  const last = t.steps[t.steps.length - 1]!;
  // the install of the copy: what it reads and writes
  assert.match(last.footprint, /^reads .*pte \(its page\).*; writes .*pte \(its page\)/);
  const ptes = last.machine.sections.find((s) => s.title === 'PTEs')!;
  assert.ok(ptes.rows.some((r2) => r2.cells[2] === 'new#1'), 'the copy is mapped after the install');
  assert.match(t.text, /^race lost-write/);
  assert.match(t.text, /CPU0 \(wp\)\s+CPU1 \(faulter\)\s+CPU2 \(writer\)/);
});

test('document symbols (scenarios -> threads), folding ranges and semantic tokens', async () => {
  const syms = (await c.conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: URI } })) as { name: string; children: { name: string }[] }[];
  assert.deepEqual(syms.map((s) => s.name), ['uffd_wp_vs_cow', 'uffd_wp_unprotect_vs_cow', 'fix_pending_flush_in_fault', 'fix_write_lock', 'fix_flush_under_ptl']);
  assert.deepEqual(syms[0]!.children.filter((ch) => ['wp', 'faulter', 'writer'].includes(ch.name)).map((ch) => ch.name), ['wp', 'faulter', 'writer']);
  const folds = (await c.conn.sendRequest('textDocument/foldingRange', { textDocument: { uri: URI } })) as { startLine: number; endLine: number }[];
  assert.ok(folds.some((f) => f.startLine === 12 && f.endLine === 33), 'the first scenario folds');
  assert.ok(folds.some((f) => f.startLine === 21 && f.endLine === 23), 'its first thread folds');
  const toks = (await c.conn.sendRequest('textDocument/semanticTokens/full', { textDocument: { uri: URI } })) as { data: number[] };
  assert.ok(toks.data.length > 100 && toks.data.length % 5 === 0);
});

test('formatting re-indents by brace depth and leaves a formatted file alone', async () => {
  const uri = 'file:///virtual/format.vmscen';
  await c.open(uri, 'scenario s {\nvma 0x1000 rw anon private\n      thread t {\nstore 0x1000 = 1\n}\n}\n');
  const edits = (await c.conn.sendRequest('textDocument/formatting', { textDocument: { uri }, options: { tabSize: 2, insertSpaces: true } })) as { newText: string }[];
  assert.equal(edits[0]!.newText, 'scenario s {\n  vma 0x1000 rw anon private\n  thread t {\n    store 0x1000 = 1\n  }\n}\n');
  const again = (await c.conn.sendRequest('textDocument/formatting', { textDocument: { uri: URI }, options: { tabSize: 2, insertSpaces: true } })) as unknown[];
  assert.deepEqual(again, [], 'the examples are already formatted');
});

test('quick fixes: take mmap_lock for write on downgrade-needs-flush; the suggested name on a typo', async () => {
  const ds = await c.waitFor(URI, (d) => d.some((x) => x.code === 'downgrade-needs-flush'));
  const d = ds.find((x) => x.code === 'downgrade-needs-flush')!;
  const actions = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: URI }, range: d.range, context: { diagnostics: [d] } })) as { title: string; edit: { changes: Record<string, { newText: string }[]> } }[];
  const fix = actions.find((a) => a.title.startsWith('Take mmap_lock for write'))!;
  assert.deepEqual(fix.edit.changes[URI]!.map((e) => e.newText), ['lock=write']);
  assert.ok(actions.some((a) => a.title.startsWith('Flush the TLB before dropping the PTL')));
  const uri = 'file:///virtual/typo.vmscen';
  await c.open(uri, 'scenario s {\n  thread t { stor 0x1000 = 1 }\n}\n');
  const ds2 = await c.waitFor(uri, (x) => x.some((y) => y.code === 'unknown-op'));
  const typo = ds2.find((x) => x.code === 'unknown-op')!;
  const a2 = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: typo.range, context: { diagnostics: [typo] } })) as { title: string; edit: { changes: Record<string, { newText: string }[]> } }[];
  assert.equal(a2[0]!.title, "Change to 'store'");
});

test('Compare designs: each scenario under all four designs, with each finding\'s shortest interleaving, and a design\'s trace on request', async () => {
  const uri = 'file:///virtual/fork.vmscen';
  await c.open(uri, fs.readFileSync('examples/fork-pervma-6.4.vmscen', 'utf8'));
  const table = await c.conn.sendRequest(CompareDesignsRequest, { uri, scenario: 'fork_without_vma_write_lock' });
  assert.deepEqual(table.designs, ['classic', 'spf', 'range', 'pervma']);
  assert.equal(table.rows.length, 1);
  const cells = table.rows[0]!.cells;
  assert.deepEqual(
    cells.map((x) => x.verdict),
    ['clean', 'lost-write, downgrade-needs-flush', 'clean', 'lost-write, downgrade-needs-flush'],
  );
  const pervma = cells[3]!;
  assert.ok(pervma.complete && pervma.states > 0);
  const lost = pervma.findings.find((f) => f.code === 'lost-write')!;
  assert.ok(lost.trace.some((t) => /lock vma read/.test(t)), lost.trace.join('\n'));
  const view = await c.conn.sendRequest(TraceRequest, { uri, scenario: 'fork_without_vma_write_lock', design: 'pervma', finding: pervma.findings.indexOf(lost) });
  assert.ok(!('error' in view), JSON.stringify(view));
  if ('error' in view) return;
  assert.equal(view.design, 'pervma');
  assert.equal(view.finding.code, 'lost-write');
  assert.equal(view.steps.length, lost.trace.length);
});

test('code lenses: Check, Show interleaving and Debug scenario (with findings), Outcomes and Compare designs above each scenario', async () => {
  await c.waitFor(URI, (d) => d.some((x) => x.code === 'lost-write'));
  const lenses = (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as { range: { start: { line: number } }; command: { title: string; command: string; arguments: unknown[] } }[];
  const first = lenses.filter((l) => l.range.start.line === 12).map((l) => l.command.title);
  assert.deepEqual(first, ['▶ Check', 'Show interleaving (2 findings)', 'Debug scenario', 'Outcomes', 'Compare designs']);
  const debug = lenses.find((l) => l.range.start.line === 12 && l.command.title === 'Debug scenario')!;
  assert.equal(debug.command.command, 'vmscen.debugScenario');
  assert.deepEqual(debug.command.arguments, [{ uri: URI, scenario: 'uffd_wp_vs_cow' }]);
  const clean = lenses.filter((l) => l.range.start.line === 72).map((l) => l.command.title);
  assert.deepEqual(clean, ['▶ Check', 'Outcomes', 'Compare designs']);
});

// Verified quick fixes over the real protocol: the code action for a finding runs the fix
// search in the worker pool; each fix offered is titled "(verified)", the first is preferred,
// and applying it removes the diagnostic. An edit during the search drops its result.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckRequest } from '../../server/src/protocol';
import { LspClient } from './lsp-client';

const URI = 'file:///virtual/seed-fix.vmscen';
// the seed race, with no expect line: the lost write is an error diagnostic
const SEED = `scenario seed {
  reuse refcount
  vma 0x1000..0x3000 rw anon private uffd
  frame A = 1 refs=1
  map 0x1000 -> A rw
  tlb cpu2 0x1000 -> A rw
  thread wp on cpu0 { wrprotect 0x1000 lock=read marker=none }
  thread faulter on cpu1 { fault write 0x1000 }
  thread writer on cpu2 { store 0x1000 = 2 }
}
`;

interface Action {
  title: string;
  isPreferred?: boolean;
  edit: { changes: Record<string, { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]> };
}

function applyEdits(text: string, edits: Action['edit']['changes'][string]): string {
  const lines = text.split('\n');
  const offset = (p: { line: number; character: number }): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  let out = text;
  for (const e of [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start))) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}

let c: LspClient;
before(async () => {
  c = new LspClient();
  await c.initialize({ debounceMs: 50, timeLimitMs: 10_000 });
  await c.open(URI, SEED);
});
after(async () => {
  await c.close();
});

test('the seed race: a verified, preferred quick fix whose edit removes the lost-write diagnostic', async () => {
  const ds = await c.waitFor(URI, (d) => d.some((x) => x.code === 'lost-write'));
  const race = ds.find((x) => x.code === 'lost-write')!;
  const actions = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: URI }, range: race.range, context: { diagnostics: [race] } })) as Action[];
  const verified = actions.filter((a) => a.title.endsWith('(verified)'));
  assert.ok(verified.length >= 1 && verified.length <= 3, actions.map((a) => a.title).join('\n'));
  assert.equal(verified[0]!.isPreferred, true);
  assert.match(verified[0]!.title, /pending=flush.*6ce64428d620/);
  assert.ok(verified.slice(1).every((a) => !a.isPreferred));
  const fixed = applyEdits(SEED, verified[0]!.edit.changes[URI]!);
  assert.match(fixed, /fault write 0x1000 pending=flush/);
  await c.replace(URI, fixed, 2);
  const r = await c.conn.sendRequest(CheckRequest, { uri: URI });
  assert.equal(r.version, 2);
  assert.ok(r.scenarios[0]!.complete);
  assert.deepEqual(r.scenarios[0]!.races, []);
  const after = await c.waitFor(URI, (d, p) => p.version === 2 && d.some((x) => x.code === 'downgrade-needs-flush'));
  assert.ok(!after.some((x) => x.code === 'lost-write'), after.map((x) => x.code).join(', '));
});

test('every verified fix offered for the downgrade violation removes it when applied', async () => {
  await c.replace(URI, SEED, 3);
  const ds = await c.waitFor(URI, (d, p) => p.version === 3 && d.some((x) => x.code === 'downgrade-needs-flush'));
  const v = ds.find((x) => x.code === 'downgrade-needs-flush')!;
  const actions = (await c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: URI }, range: v.range, context: { diagnostics: [v] } })) as Action[];
  const verified = actions.filter((a) => a.title.endsWith('(verified)'));
  assert.ok(verified.some((a) => a.title.startsWith('Take mmap_lock for write')), actions.map((a) => a.title).join('\n'));
  let version = 4;
  for (const a of verified) {
    await c.replace(URI, applyEdits(SEED, a.edit.changes[URI]!), version);
    const r = await c.conn.sendRequest(CheckRequest, { uri: URI });
    const sc = r.scenarios[0]!;
    assert.equal(r.version, version);
    assert.ok(sc.complete, a.title);
    assert.ok(!sc.violations.includes('downgrade-needs-flush') && !sc.races.includes('deadlock'), `${a.title}: ${[...sc.races, ...sc.violations].join(', ')}`);
    version++;
  }
});

test('an edit while the search runs: the stale fixes are not offered', async () => {
  await c.replace(URI, SEED, 20);
  const ds = await c.waitFor(URI, (d, p) => p.version === 20 && d.some((x) => x.code === 'lost-write'));
  const race = ds.find((x) => x.code === 'lost-write')!;
  const pending = c.conn.sendRequest('textDocument/codeAction', { textDocument: { uri: URI }, range: race.range, context: { diagnostics: [race] } }) as Promise<Action[]>;
  await c.replace(URI, SEED.replace('= 2', '= 3'), 21);
  const actions = await pending;
  assert.ok(!actions.some((a) => a.title.endsWith('(verified)')), actions.map((a) => a.title).join('\n'));
});

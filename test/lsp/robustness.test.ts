// Thousands of random edits (inserts, deletes, pastes of example fragments) sent to the real
// server as incremental changes: it never dies, the final diagnostics equal those of a fresh
// open of the final text, and its memory stays flat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { LspClient } from './lsp-client';

const EDITS = Number(process.env.VMSCEN_EDITS ?? 2000);
const FRAGMENTS = fs
  .readdirSync('examples')
  .filter((f) => f.endsWith('.vmscen'))
  .flatMap((f) => fs.readFileSync(`examples/${f}`, 'utf8').split('\n'))
  .filter((l) => l.trim().length > 0);

type Edit = { kind: 'insert' | 'delete' | 'paste'; at: number; len: number; text: string };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), len: fc.constant(0), text: fc.array(fc.constantFrom(...'abcdefgtlr0x123 {}=->.;\n/*'.split('')), { maxLength: 6 }).map((cs) => cs.join('')) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }), text: fc.constant('') }),
  fc.record({ kind: fc.constant('paste' as const), at: fc.nat(), len: fc.constant(0), text: fc.constantFrom(...FRAGMENTS).map((l) => `${l}\n`) }),
);

function shape(ds: { range: unknown; severity?: number; code?: unknown; message: unknown }[]): string[] {
  return ds.map((d) => JSON.stringify([d.range, d.severity, d.code, d.message])).sort();
}

test(`${EDITS} random edits: no crash, final diagnostics equal a fresh open, memory flat`, { timeout: 600_000 }, async () => {
  const c = new LspClient();
  await c.initialize({ debounceMs: 20, maxStates: 20_000, timeLimitMs: 2_000 });
  const uri = 'file:///virtual/edited.vmscen';
  let doc = TextDocument.create(uri, 'vmscen', 1, fs.readFileSync('examples/uffd-wp.vmscen', 'utf8'));
  await c.open(uri, doc.getText(), 1);
  const edits = fc.sample(editArb, { numRuns: EDITS, seed: 42 });
  let version = 1;
  let rssMid = 0;
  for (const [i, e] of edits.entries()) {
    const len = doc.getText().length;
    const at = len === 0 ? 0 : e.at % (len + 1);
    const end = Math.min(len, at + e.len);
    const range = { start: doc.positionAt(at), end: doc.positionAt(end) };
    version++;
    doc = TextDocument.update(doc, [{ range, text: e.text }], version);
    await c.edit(uri, version, range, e.text);
    if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5)); // let some explorations start
    if (i === Math.floor(EDITS / 2)) {
      await c.waitFor(uri, (_d, p) => p.version === version);
      rssMid = c.serverRssMb();
    }
    assert.equal(c.proc.exitCode, null, 'the server is alive');
  }
  // settle: the final version is parsed, then its exploration (if any) is published
  await c.waitFor(uri, (_d, p) => p.version === version, 120_000);
  const quiet = async (u: string): Promise<void> => {
    let n = -1;
    while (n !== c.history(u).length) {
      n = c.history(u).length;
      await new Promise((r) => setTimeout(r, 1_500));
    }
  };
  await quiet(uri);
  const last = c.history(uri).filter((p) => p.version === version);
  const final = last[last.length - 1]!.diagnostics;
  assert.ok(c.history(uri).every((p) => p.version === undefined || p.version <= version));
  const fresh = 'file:///virtual/fresh.vmscen';
  await c.open(fresh, doc.getText(), 1);
  await c.waitFor(fresh, () => true);
  await quiet(fresh);
  const freshHist = c.history(fresh);
  const freshFinal = freshHist[freshHist.length - 1]!.diagnostics;
  assert.deepEqual(shape(final), shape(freshFinal));
  const rssEnd = c.serverRssMb();
  assert.ok(rssEnd - rssMid < 100, `server memory grew ${Math.round(rssEnd - rssMid)} MB over the second half of the edits (${Math.round(rssMid)} -> ${Math.round(rssEnd)} MB)`);
  await c.close();
});

// A load test of the real server (issue 14): a dozen documents edited fast in turn, one of them
// an exploding scenario that hits its budget on every version, for a short while. The server
// stays alive, every document's final diagnostics equal those of a fresh open of its final
// text, and the server's memory levels off (the second half of the edits adds less than the first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { familyScenario } from '../bench/family';
import { exampleFiles } from '../helpers';
import { LspClient } from './lsp-client';

const ROUNDS = Number(process.env.VMSCEN_LOAD_ROUNDS ?? 60);

function shape(ds: { range: unknown; severity?: number; code?: unknown; message: unknown }[]): string[] {
  return ds.map((d) => JSON.stringify([d.range, d.severity, d.code, d.message])).sort();
}

test(`${ROUNDS} rounds of edits over a dozen documents, one exploding: alive, final diagnostics equal a fresh open, memory levels off`, { timeout: 600_000 }, async () => {
  const c = new LspClient();
  try {
    await c.initialize({ debounceMs: 30, maxStates: 50_000, timeLimitMs: 60_000 });
    const texts = [...exampleFiles().slice(0, 11).map((f) => fs.readFileSync(f, 'utf8')), familyScenario(6, 'flush')];
    const docs = texts.map((t, i) => TextDocument.create(`file:///virtual/load-${i}.vmscen`, 'vmscen', 1, t));
    for (const d of docs) await c.open(d.uri, d.getText(), 1);
    const edits = fc.sample(fc.record({ doc: fc.nat({ max: docs.length - 1 }), at: fc.nat(), del: fc.nat({ max: 6 }), text: fc.constantFrom('', ' ', '\n', '//x\n', 'x', '0x1000', '{', '}') }), { numRuns: ROUNDS * docs.length, seed: 7 });
    const rssStart = c.serverRssMb();
    let rssMid = 0;
    const hoverMs: number[] = [];
    for (const [i, e] of edits.entries()) {
      const d = docs[e.doc]!;
      const len = d.getText().length;
      const at = e.at % (len + 1);
      const range = { start: d.positionAt(at), end: d.positionAt(Math.min(len, at + e.del)) };
      const version = d.version + 1;
      docs[e.doc] = TextDocument.update(d, [{ range, text: e.text }], version);
      await c.edit(d.uri, version, range, e.text);
      // about 50 edits a second, with pauses that let explorations start and be cancelled
      if (i % 10 === 9) {
        // a hover while explorations run: reported (not asserted: wall-clock)
        const t0 = performance.now();
        await c.conn.sendRequest('textDocument/hover', { textDocument: { uri: docs[e.doc]!.uri }, position: docs[e.doc]!.positionAt(at) });
        hoverMs.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 200));
      }
      if (i === Math.floor(edits.length / 2)) rssMid = c.serverRssMb();
      if (process.env.VMSCEN_LOAD_TRACE && i % 60 === 0) console.log(`rss@${i}: ${Math.round(c.serverRssMb())}`);
      assert.equal(c.proc.exitCode, null, 'the server is alive');
    }
    // memory levels off: the second half of the edits adds less than the first half did (plus
    // GC noise), and little in absolute terms
    const rssEdits = c.serverRssMb();
    const firstHalf = rssMid - rssStart;
    const secondHalf = rssEdits - rssMid;
    assert.ok(secondHalf < Math.max(firstHalf, 0) + 10 && secondHalf < 100, `server memory grew ${Math.round(firstHalf)} MB over the first half of the edits and ${Math.round(secondHalf)} MB over the second (${Math.round(rssStart)} -> ${Math.round(rssMid)} -> ${Math.round(rssEdits)} MB)`);
    // settle, then compare each document with a fresh open of its final text. A document has
    // settled when its final version is published and its exploration (announced by a status
    // notification as soon as it is scheduled, before it queues for a worker) has ended; one that
    // has nothing to explore gets no status within a few seconds of its publication.
    const settled = (uri: string, version: number): boolean => {
      if (!c.history(uri).some((p) => p.version === version)) return false;
      const mine = c.statuses.filter((x) => x.uri === uri && x.version === version);
      if (mine.length) return mine[mine.length - 1]!.state !== 'exploring';
      return Date.now() - (c.lastPublishedAt.get(uri) ?? Date.now()) > 3_000;
    };
    const settle = async (pairs: [string, number][]): Promise<void> => {
      const deadline = Date.now() + Number(process.env.VMSCEN_LOAD_SETTLE_MS ?? 300_000);
      while (!pairs.every(([u, v]) => settled(u, v))) {
        const late = pairs.filter(([u, v]) => !settled(u, v));
        assert.ok(Date.now() < deadline, `documents did not settle: ${late.map(([u, v]) => `${u} v${v}: published ${JSON.stringify(c.history(u).map((p) => p.version).slice(-3))}, status ${JSON.stringify(c.statuses.filter((x) => x.uri === u).slice(-3))}`).join('; ')}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // the last publication follows the final status
      await new Promise((r) => setTimeout(r, 500));
    };
    await settle(docs.map((d) => [d.uri, d.version]));
    for (const [i, d] of docs.entries()) {
      const hist = c.history(d.uri).filter((p) => p.version === d.version);
      assert.ok(hist.length > 0, `${d.uri} got diagnostics for its final version`);
      const fresh = `file:///virtual/fresh-${i}.vmscen`;
      await c.open(fresh, d.getText(), 1);
    }
    await settle(docs.map((_, i) => [`file:///virtual/fresh-${i}.vmscen`, 1]));
    for (const [i, d] of docs.entries()) {
      const hist = c.history(d.uri).filter((p) => p.version === d.version);
      const fresh = c.history(`file:///virtual/fresh-${i}.vmscen`);
      assert.deepEqual(shape(hist[hist.length - 1]!.diagnostics), shape(fresh[fresh.length - 1]!.diagnostics), d.uri);
    }
    console.log(`load: ${edits.length} edits over ${docs.length} documents; server memory ${Math.round(rssStart)} MB after opening, ${Math.round(rssMid)} MB at half, ${Math.round(rssEdits)} MB after the edits, ${Math.round(c.serverRssMb())} MB after the fresh opens; hover during the edits: median ${Math.round(hoverMs.sort((a, b) => a - b)[hoverMs.length >> 1]!)} ms, max ${Math.round(hoverMs[hoverMs.length - 1]!)} ms over ${hoverMs.length}`);
  } finally {
    await c.close();
  }
});

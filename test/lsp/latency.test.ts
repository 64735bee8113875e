// Editor latency (issue 11, item 6), through the real server over stdio: an edit that changes no
// scenario's meaning is answered from the cache of complete explorations (the status says
// "cached", no exploration starts) with positions from the current text; an edit that changes a
// scenario re-explores it (and only it); a running exploration is cancelled through the
// worker's shared flag and the same worker explores the next version; an incomplete exploration
// is never served from the cache. Times are never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Diagnostic } from 'vscode-languageserver-protocol/node';
import { familyScenario } from '../bench/family';
import { LspClient } from './lsp-client';

const DIRTY_COW = fs.readFileSync('examples/dirty-cow.vmscen', 'utf8');
const explored = (ds: Diagnostic[]): boolean => ds.some((d) => d.code === 'met' || d.code === 'failed' || d.code === 'inconclusive');
/** Diagnostics as comparable strings, `shift` lines down (ranges, related locations and the 1-based lines messages cite). */
const shape = (ds: Diagnostic[], shift = 0): string[] =>
  ds
    .map((d) => {
      const message = String(d.message).replace(/\bline (\d+)/g, (_m: string, n: string) => `line ${Number(n) + shift}`);
      return JSON.stringify([d.range.start.line + shift, d.range.start.character, d.range.end.line + shift, d.range.end.character, d.code, message, d.relatedInformation?.map((r) => [r.location.range.start.line + shift, r.message])]);
    })
    .sort();

/** The statuses of one version of a document. */
function statusesOf(c: LspClient, uri: string, version: number): { state: string; cached?: number; text: string }[] {
  return c.statuses.filter((s) => s.uri === uri && s.version === version);
}

async function doneStatus(c: LspClient, uri: string, version: number): Promise<{ state: string; cached?: number; text: string }> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const done = statusesOf(c, uri, version).find((s) => s.state !== 'exploring');
    if (done) return done;
    assert.ok(Date.now() < deadline, `no final status for ${uri} v${version}: ${JSON.stringify(c.statuses.slice(-3))}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a comment edit re-publishes the same races at once from the cache, at the new positions; a semantic edit re-explores only its scenario', { timeout: 120_000 }, async () => {
  const c = new LspClient();
  try {
    await c.initialize({});
    const uri = 'file:///virtual/latency-cache.vmscen';
    await c.open(uri, DIRTY_COW, 1);
    const first = await c.waitFor(uri, (ds, p) => p.version === 1 && explored(ds));
    assert.ok(first.some((d) => d.code === 'write-to-readonly'), 'the race is published');
    const s1 = await doneStatus(c, uri, 1);
    assert.ok(!s1.cached, 'the first exploration is not from the cache');

    // a new comment line at the top: every position moves down one line, no spec changes
    await c.replace(uri, `// a comment typed above everything\n${DIRTY_COW}`, 2);
    const second = await c.waitFor(uri, (_ds, p) => p.version === 2);
    assert.ok(explored(second), 'the first publication of the edit already has the exploration');
    assert.deepEqual(shape(second), shape(first, 1), 'the same diagnostics, one line down (positions from the current parse)');
    const s2 = await doneStatus(c, uri, 2);
    assert.equal(s2.cached, 2, 'both scenarios are served from the cache');
    assert.match(s2.text, /· cached$/);
    assert.ok(!statusesOf(c, uri, 2).some((s) => s.state === 'exploring'), 'no exploration started for the comment edit');

    // a semantic edit in the first scenario: it is explored again, the second comes from the cache
    const changed = `// a comment typed above everything\n${DIRTY_COW.replace('kwrite page = 666\n', 'kwrite page = 667\n')}`;
    assert.notEqual(changed, `// a comment typed above everything\n${DIRTY_COW}`);
    await c.replace(uri, changed, 3);
    await c.waitFor(uri, (ds, p) => p.version === 3 && explored(ds));
    const s3 = await doneStatus(c, uri, 3);
    assert.ok(statusesOf(c, uri, 3).some((s) => s.state === 'exploring'), 'the semantic edit is explored');
    assert.equal(s3.cached, 1, 'the unchanged scenario comes from the cache');
    assert.match(s3.text, /· 1 cached$/);

    // the same text in a second document: no exploration at all
    const other = 'file:///virtual/latency-cache-2.vmscen';
    await c.open(other, changed, 1);
    const again = await c.waitFor(other, (_ds, p) => p.version === 1);
    assert.ok(explored(again));
    assert.equal((await doneStatus(c, other, 1)).cached, 2);
  } finally {
    await c.close();
  }
});

test('an incomplete exploration is never served from the cache: the next edit explores again', { timeout: 120_000 }, async () => {
  const c = new LspClient();
  try {
    await c.initialize({ maxStates: 20 });
    const uri = 'file:///virtual/latency-incomplete.vmscen';
    await c.open(uri, DIRTY_COW, 1);
    const first = await c.waitFor(uri, (ds, p) => p.version === 1 && explored(ds));
    assert.ok(first.some((d) => d.code === 'incomplete'), 'the budget cuts the search short');
    await doneStatus(c, uri, 1);
    await c.replace(uri, `// a comment\n${DIRTY_COW}`, 2);
    const second = await c.waitFor(uri, (ds, p) => p.version === 2 && explored(ds));
    assert.ok(second.some((d) => d.code === 'incomplete'), 'still incomplete, never clean');
    const s2 = await doneStatus(c, uri, 2);
    assert.ok(statusesOf(c, uri, 2).some((s) => s.state === 'exploring'), 'explored again');
    assert.ok(!s2.cached, 'nothing came from the cache');
  } finally {
    await c.close();
  }
});

test('an edit cancels a long exploration through the shared flag: the same worker explores the next version, none is terminated', { timeout: 120_000 }, async () => {
  const c = new LspClient();
  try {
    await c.initialize({ maxStates: 50_000_000, timeLimitMs: 60_000 });
    const uri = 'file:///virtual/latency-cancel.vmscen';
    await c.open(uri, familyScenario(7, 'flush'), 1);
    // let the search run a while
    const deadline = Date.now() + 30_000;
    while (!statusesOf(c, uri, 1).some((s) => s.state === 'exploring')) {
      assert.ok(Date.now() < deadline, 'the exploration started');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 1_000));
    assert.ok(!statusesOf(c, uri, 1).some((s) => s.state !== 'exploring'), 'the exploration is still running when the edit comes');
    await c.replace(uri, DIRTY_COW, 2);
    const ds = await c.waitFor(uri, (d, p) => p.version === 2 && explored(d));
    assert.ok(ds.some((d) => d.code === 'write-to-readonly'));
    assert.ok(!c.history(uri).some((p) => p.version === 1 && explored(p.diagnostics)), 'the cancelled exploration published nothing');
    const started = c.logs.filter((l) => /exploration worker \d+ started/.test(l));
    assert.equal(started.length, 1, `one worker started: ${JSON.stringify(c.logs)}`);
    assert.ok(!c.logs.some((l) => /terminated|ended/.test(l)), `no worker was terminated: ${JSON.stringify(c.logs)}`);
  } finally {
    await c.close();
  }
});

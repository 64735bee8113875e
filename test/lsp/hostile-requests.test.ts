// The language server against hostile requests (issue 14, items 1, 3 and 4): it reads no file
// the client has not opened unless it is a regular .vmscen file inside a declared workspace
// folder (a device, a FIFO or a secret elsewhere is a clear error reply, and the server stays
// responsive); a request cancelled before it is dispatched never runs and is answered with
// RequestCancelled (-32800); a queued job whose request is cancelled leaves the queue; and
// as-you-type exploration is never queued behind background jobs (traces, comparisons).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CancellationTokenSource, InitializedNotification, InitializeRequest, ResponseError } from 'vscode-languageserver-protocol/node';
import { CheckRequest, CompareDesignsRequest, TestItemsRequest, TraceRequest } from '../../server/src/protocol';
import { LspClient } from './lsp-client';

const SEED = fs.readFileSync('examples/uffd-wp.vmscen', 'utf8');
const WORKSPACE = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-ws-'));
const OUTSIDE = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-outside-'));

let c: LspClient;
before(async () => {
  fs.writeFileSync(path.join(WORKSPACE, 'seed.vmscen'), SEED);
  fs.writeFileSync(path.join(OUTSIDE, 'secret.vmscen'), 'SECRET_KEY=hunter2\n');
  execFileSync('mkfifo', [path.join(WORKSPACE, 'pipe.vmscen')]);
  c = new LspClient({ VMSCEN_TEST_WORKER_FAULTS: '1' });
  await c.conn.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: [{ uri: pathToFileURL(WORKSPACE).toString(), name: 'ws' }],
    capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } } },
    initializationOptions: { settings: { debounceMs: 20, timeLimitMs: 4_000 } },
  });
  await c.conn.sendNotification(InitializedNotification.type, {});
});
after(async () => {
  await c.close();
});

async function rejection(p: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ResponseError, String(e));
    return e;
  }
  assert.fail('the request should have been refused');
}

test('paths the server must not read: a device, a FIFO, a file outside the workspace, a non-.vmscen file; a workspace file is read', { timeout: 60_000 }, async () => {
  const refused = [
    ['file:///dev/zero', /not a \.vmscen file/],
    [pathToFileURL(path.join(WORKSPACE, 'pipe.vmscen')).toString(), /not a regular file/],
    [pathToFileURL(path.join(OUTSIDE, 'secret.vmscen')).toString(), /outside the workspace folders/],
    ['file:///proc/self/environ', /not a \.vmscen file/],
    ['untitled:Untitled-1', /only file: URIs/],
  ] as const;
  for (const [uri, why] of refused) {
    for (const send of [() => c.conn.sendRequest(CheckRequest, { uri }), () => c.conn.sendRequest(CompareDesignsRequest, { uri }), () => c.conn.sendRequest(TestItemsRequest, { uri })]) {
      const e = await rejection(send());
      assert.equal(e.code, -32602, `${uri}: InvalidParams`);
      assert.match(e.message, why);
      assert.doesNotMatch(e.message, /hunter2/);
    }
    const t = await c.conn.sendRequest(TraceRequest, { uri, scenario: 'x' });
    assert.ok('error' in t && why.test(t.error), JSON.stringify(t));
  }
  // the server still answers, and reads a regular .vmscen file of the workspace
  const ok = await c.conn.sendRequest(CheckRequest, { uri: pathToFileURL(path.join(WORKSPACE, 'seed.vmscen')).toString(), scenario: 'fix_write_lock' });
  assert.equal(ok.scenarios[0]!.verdict, 'ok');
  const items = await c.conn.sendRequest(TestItemsRequest, { uri: pathToFileURL(path.join(WORKSPACE, 'seed.vmscen')).toString() });
  assert.ok(items.scenarios.some((s) => s.name === 'fix_write_lock'));
  // no diagnostics ever quoted a refused file
  assert.ok(!c.history(pathToFileURL(path.join(OUTSIDE, 'secret.vmscen')).toString()).length);
});

test('a text sent in a request is refused over the size limit', { timeout: 60_000 }, async () => {
  const params = { uri: 'file:///virtual/huge.vmscen', text: 'x'.repeat(17 * 1024 * 1024) };
  for (const send of [() => c.conn.sendRequest(CheckRequest, params), () => c.conn.sendRequest(TestItemsRequest, params)]) {
    const e = await rejection(send());
    assert.equal(e.code, -32602);
    assert.match(e.message, /over the \d+-byte limit/);
  }
});

test('requests cancelled at once are answered with RequestCancelled and never run', { timeout: 60_000 }, async () => {
  const uri = 'file:///virtual/cancel.vmscen';
  await c.open(uri, SEED);
  const replies = await Promise.all(
    Array.from({ length: 20 }, async () => {
      const source = new CancellationTokenSource();
      const p = c.conn.sendRequest(CompareDesignsRequest, { uri }, source.token);
      source.cancel();
      try {
        await p;
        return 'answered';
      } catch (e) {
        return e instanceof ResponseError ? e.code : String(e);
      }
    }),
  );
  assert.deepEqual(new Set(replies), new Set([-32800]));
});

test('as-you-type exploration is not queued behind background jobs, and a cancelled queued job leaves the queue', { timeout: 60_000 }, async () => {
  // two comparisons that never end (the worker hangs until its deadline): background jobs
  const hang = 'file:///virtual/hang.vmscen';
  await c.open(hang, `${SEED}\n// vmscen-test: hang\n`);
  const sources = [new CancellationTokenSource(), new CancellationTokenSource()];
  const compares = sources.map((s) => c.conn.sendRequest(CompareDesignsRequest, { uri: hang }, s.token).catch((e: unknown) => (e instanceof ResponseError ? e.code : String(e))));
  await new Promise((r) => setTimeout(r, 300));
  // a small document typed now is explored at once
  const small = 'file:///virtual/small.vmscen';
  let comparesDone = false;
  void Promise.all(compares).then(() => (comparesDone = true));
  await c.open(small, SEED);
  await c.waitFor(small, (d) => d.some((x) => x.code === 'lost-write'));
  assert.equal(comparesDone, false, 'the diagnostics came while both comparisons were still running or queued');
  for (const s of sources) s.cancel();
  assert.deepEqual(await Promise.all(compares), [-32800, -32800]);
});

test('positions that are not two whole numbers from 0 are InvalidParams, never a match of the first symbol', { timeout: 60_000 }, async () => {
  const uri = 'file:///virtual/positions.vmscen';
  await c.open(uri, SEED);
  for (const position of [{}, { line: 'a', character: 0 }, { line: -1, character: 0 }, { line: 1.5, character: 2 }, null]) {
    for (const [method, extra] of [
      ['textDocument/rename', { newName: 'renamed' }],
      ['textDocument/hover', {}],
      ['textDocument/definition', {}],
      ['textDocument/completion', {}],
    ] as const) {
      const e = await rejection(c.conn.sendRequest(method, { textDocument: { uri }, position, ...extra }));
      assert.equal(e.code, -32602, `${method} ${JSON.stringify(position)}`);
    }
  }
  // a valid position still works
  const h = (await c.conn.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 25, character: 5 } })) as { contents: { value: string } } | null;
  assert.ok(h && /Micro-steps/.test(h.contents.value));
});

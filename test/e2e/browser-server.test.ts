// The web extension's language server (dist/browser-server.js) in a real browser: Debian's
// chromium driven by playwright-core loads a page from a tiny HTTP server on localhost, starts the
// bundle in a dedicated Worker and speaks LSP JSON-RPC to it over postMessage, as the browser
// LanguageClient does in vscode.dev. The seed race's diagnostics must be the CLI's findings, the
// exploration must run in a nested worker, and an edit during a long exploration must terminate
// that worker and publish the new version's result.
// Skipped when chromium is missing unless VMSCEN_E2E=1 (CI), where a missing chromium fails the test.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page, type Worker as PageWorker } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const BUNDLE = 'dist/browser-server.js';
const required = process.env.VMSCEN_E2E === '1';
const skip = !fs.existsSync(CHROMIUM) && !required ? 'chromium is not installed (apt-get install chromium)' : false;
const SEED = 'examples/uffd-wp.vmscen';

interface Message {
  readonly id?: number;
  readonly method?: string;
  readonly params?: { readonly uri?: string; readonly version?: number; readonly state?: string; readonly diagnostics?: { code?: string; range: { start: { line: number } }; data?: { finding?: boolean } }[] };
  readonly result?: { readonly capabilities?: Record<string, unknown> };
}

/** The page's side: the server worker, every message it sent, and null answers to its requests (code-lens refresh). */
declare global {
  interface Window {
    server: Worker;
    received: Message[];
  }
}

let http_: http.Server | undefined;
let browser: Browser | undefined;
let page: Page;
/** Nested workers the page started (the server's exploration workers), and those that ended. */
const nested: PageWorker[] = [];
const closed = new Set<PageWorker>();

async function send(msg: Record<string, unknown>): Promise<void> {
  await page.evaluate((m) => window.server.postMessage({ jsonrpc: '2.0', ...m }), msg);
}

/** The first message the server sent that `pred` (run in the page, on each message) accepts. */
async function waitFor(pred: string, timeout = 60_000): Promise<Message> {
  const h = await page.waitForFunction(`window.received.find((m) => ${pred})`, undefined, { timeout });
  return (await h.jsonValue()) as Message;
}

/** A scenario whose search runs for minutes: eight threads that store, unmap and store again. */
function longScenario(): string {
  const threads = Array.from({ length: 8 }, (_, i) => `  thread t${i} on cpu${i} { store 0x${(i + 1).toString(16)}000 = 1\n    munmap 0x${(i + 1).toString(16)}000\n    store 0x${(i + 1).toString(16)}000 = 2 }`);
  return `scenario long {\n  vma 0x1000..0x20000 rw anon private\n${threads.join('\n')}\n}\n`;
}

before(async () => {
  if (skip) return;
  assert.ok(fs.existsSync(CHROMIUM), `VMSCEN_E2E=1 needs ${CHROMIUM}`);
  assert.ok(fs.existsSync(BUNDLE), `${BUNDLE} is built (npm run build)`);
  http_ = http.createServer((req, res) => {
    if (req.url === '/browser-server.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(fs.readFileSync(BUNDLE));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><title>vmscen browser server</title>');
  });
  await new Promise<void>((resolve) => http_!.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage();
  page.on('worker', (w) => {
    if (w.url().endsWith('/browser-server.js')) return;
    nested.push(w);
    w.on('close', () => closed.add(w));
  });
  await page.goto(`http://127.0.0.1:${(http_.address() as AddressInfo).port}/`);
  await page.evaluate(() => {
    window.received = [];
    window.server = new Worker('/browser-server.js');
    window.server.onmessage = (e: MessageEvent<Message>) => {
      window.received.push(e.data);
      if (e.data.id !== undefined && e.data.method) window.server.postMessage({ jsonrpc: '2.0', id: e.data.id, result: null });
    };
  });
  // a long budget, so the long scenario is still exploring when it is edited
  await send({ id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {}, initializationOptions: { settings: { debounceMs: 0, maxStates: 50_000_000, timeLimitMs: 600_000, maxMemoryMb: 2048 } } } });
  const init = await waitFor('m.id === 1 && m.result');
  assert.ok(init.result?.capabilities?.hoverProvider, 'the server answers initialize with its capabilities');
  await send({ method: 'initialized', params: {} });
});

after(async () => {
  await browser?.close();
  http_?.close();
});

test('the seed race: the browser server publishes the findings the CLI reports, explored in a nested worker', { skip }, async () => {
  const uri = 'file:///seed/uffd-wp.vmscen';
  await send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'vmscen', version: 1, text: fs.readFileSync(SEED, 'utf8') } } });
  await waitFor(`m.method === 'vmscen/status' && m.params.uri === '${uri}' && m.params.state === 'done'`);
  const published = await page.evaluate((u) => window.received.filter((m) => m.method === 'textDocument/publishDiagnostics' && m.params?.uri === u), uri);
  const last = published.at(-1)!;
  const got = last.params!.diagnostics!.filter((d) => d.data?.finding).map((d) => `${d.range.start.line + 1}:${d.code}`);
  const cli = spawnSync(process.execPath, ['bin/vmscen.js', 'check', SEED, '--json'], { encoding: 'utf8' });
  const report = JSON.parse(cli.stdout) as { files: { scenarios: { races: { kind: string; line: number }[]; violations: { code: string; line: number }[] }[] }[] };
  const want = report.files[0]!.scenarios.flatMap((s) => [...s.races.map((r) => `${r.line}:${r.kind}`), ...s.violations.map((v) => `${v.line}:${v.code}`)]);
  assert.ok(want.some((w) => w.endsWith(':lost-write')), 'the CLI reports the lost write');
  assert.deepEqual([...new Set(got)].sort(), [...new Set(want)].sort(), 'the same findings at the same lines as the CLI');
  assert.ok(nested.length >= 1, 'the exploration ran in a worker nested in the server');
});

test('an edit during a long exploration terminates its worker and publishes the new version', { skip }, async () => {
  const uri = 'file:///seed/long.vmscen';
  await send({ method: 'textDocument/didOpen', params: { textDocument: { uri, languageId: 'vmscen', version: 1, text: longScenario() } } });
  await waitFor(`m.method === 'vmscen/status' && m.params.uri === '${uri}' && m.params.version === 1 && m.params.state === 'exploring'`);
  const before = new Set(closed);
  await send({ method: 'textDocument/didChange', params: { textDocument: { uri, version: 2 }, contentChanges: [{ text: fs.readFileSync(SEED, 'utf8') }] } });
  const done = await waitFor(`m.method === 'vmscen/status' && m.params.uri === '${uri}' && m.params.version === 2 && m.params.state === 'done'`);
  assert.ok(done.params, 'version 2 was explored');
  const diags = await page.evaluate((u) => window.received.filter((m) => m.method === 'textDocument/publishDiagnostics' && m.params?.uri === u && m.params.version === 2).at(-1)!, uri);
  assert.ok(diags.params!.diagnostics!.some((d) => d.code === 'lost-write'), 'the new version\'s race');
  // the long search of version 1 was stopped by terminating its worker, not left to run (the
  // browser reports a worker's end asynchronously: wait for it a while)
  for (let i = 0; i < 100 && [...closed].every((w) => before.has(w)); i++) await new Promise((r) => setTimeout(r, 100));
  assert.ok([...closed].some((w) => !before.has(w)), `the worker exploring version 1 was terminated (${nested.length} nested workers, ${closed.size} closed)`);
  const v1 = await page.evaluate((u) => window.received.filter((m) => m.method === 'vmscen/status' && m.params?.uri === u && m.params.version === 1).map((m) => m.params!.state), uri);
  assert.ok(!v1.includes('done'), 'version 1 never reported a result');
});

// The web extension in a real VS Code: code-server 4.100.3 with the packaged .vsix, told by
// `remote.extensionKind` to run vmscen in the browser's web worker extension host, as vscode.dev
// and github.dev do. The browser client (dist/browser-client.js) starts the language server in a
// web worker (dist/browser-server.js); the race must show as a squiggle and in the Problems
// panel, and no Node language server may run. Needs scripts/e2e/install-code-server.sh and
// `apt-get install chromium`; skipped when they are missing unless VMSCEN_E2E=1 (CI).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { available, CHROMIUM, CODE_SERVER, openFile, skip, startCodeServer, type CodeServer } from './code-server';

const OUT = path.resolve('test-output/e2e');

let cs: CodeServer | undefined;
let vsix: string;

before(async () => {
  if (skip) return;
  assert.ok(available, `VMSCEN_E2E=1 needs ${CODE_SERVER} and ${CHROMIUM}`);
  // the bundles `npm test` built, packaged apart from vscode.test.ts's vmscen.vsix
  vsix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-web-')), 'vmscen.vsix');
  const pkg = spawnSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'package', '--no-dependencies', '--baseContentUrl', 'https://example.invalid/vmscen/blob/main', '--baseImagesUrl', 'https://example.invalid/vmscen/raw/main', '-o', vsix], { encoding: 'utf8' });
  assert.equal(pkg.status, 0, pkg.stdout + pkg.stderr);
  cs = await startCodeServer(vsix, {
    'unexpected-race.vmscen': fs.readFileSync('test/data/cli/unexpected-race.vmscen', 'utf8'),
    '.vscode/settings.json': JSON.stringify({ 'vmscen.debounceMs': 100, 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false }),
  }, { 'remote.extensionKind': { 'vmscen.vmscen': ['web'] } });
});

after(async () => {
  await cs?.stop();
  if (vsix) fs.rmSync(path.dirname(vsix), { recursive: true, force: true });
});

test('in the web worker extension host: the race squiggle and its Problems entry, from the server in a web worker', { skip }, async () => {
  const page = cs!.page;
  await openFile(page, 'unexpected-race.vmscen');
  await page.waitForSelector('.monaco-editor .squiggly-error', { timeout: 60_000 });
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel .monaco-tl-row').filter({ hasText: 'lost-write' }).first().waitFor({ timeout: 30_000 });
  assert.match(await page.locator('.markers-panel').innerText(), /race lost-write: the store to 0x1000 by writer/);
  fs.mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: path.join(OUT, 'web-1-race-squiggle-and-problems.png') });
  // the diagnostics came from the browser server: no Node language server of this run exists
  const ps = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
  const node = ps.split('\n').filter((l) => l.includes(path.join(cs!.run, 'ext')) && l.includes('dist/server.js'));
  assert.deepEqual(node, [], 'no dist/server.js process');
});

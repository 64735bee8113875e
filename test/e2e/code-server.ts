// Starting a real VS Code for the end-to-end tests: code-server 4.100.3 (VS Code 1.100.3) with a
// packaged .vsix installed, opened on a workspace in Debian's chromium driven by playwright-core.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CODE_SERVER = path.join(process.env.VMSCEN_CODE_SERVER_DIR ?? path.join(os.homedir(), '.cache/vmscen-e2e/code-server-4.100.3'), 'node_modules/.bin/code-server');
export const CHROMIUM = '/usr/bin/chromium';
export const available = fs.existsSync(CODE_SERVER) && fs.existsSync(CHROMIUM);
/** Skipped when the tools are missing, unless VMSCEN_E2E=1 (CI), where missing tools fail the test. */
export const skip = !available && process.env.VMSCEN_E2E !== '1' ? 'code-server or chromium is not installed (scripts/e2e/install-code-server.sh, apt-get install chromium)' : false;

export interface CodeServer {
  readonly page: Page;
  /** The run's folder: user data, extensions, logs and the workspace (`ws/`). */
  readonly run: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * code-server on a fresh workspace holding `files` (name → text), with `vsix` installed and
 * `userSettings` in the user's settings.json, opened in chromium at the workbench.
 */
export async function startCodeServer(vsix: string, files: Record<string, string>, userSettings: Record<string, unknown>): Promise<CodeServer> {
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-cs-'));
  const workspace = path.join(run, 'ws');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
    fs.writeFileSync(path.join(workspace, name), text);
  }
  fs.mkdirSync(path.join(run, 'ud', 'User'), { recursive: true });
  fs.writeFileSync(path.join(run, 'ud', 'User', 'settings.json'), JSON.stringify(userSettings));
  const port = await freePort();
  fs.writeFileSync(path.join(run, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const common = ['--config', path.join(run, 'config.yaml'), '--user-data-dir', path.join(run, 'ud'), '--extensions-dir', path.join(run, 'ext')];
  const inst = spawnSync(CODE_SERVER, [...common, '--install-extension', path.resolve(vsix)], { encoding: 'utf8' });
  assert.equal(inst.status, 0, inst.stdout + inst.stderr);
  const server: ChildProcess = spawn(CODE_SERVER, [...common, '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', '--ignore-last-opened', workspace], {
    detached: true,
    stdio: ['ignore', fs.openSync(path.join(run, 'cs.log'), 'w'), fs.openSync(path.join(run, 'cs.err'), 'w')],
  });
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok).catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return {
    page,
    run,
    stop: async () => {
      await browser.close().catch(() => undefined);
      if (server.pid) {
        try {
          process.kill(-server.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      fs.rmSync(run, { recursive: true, force: true });
    },
  };
}

/** Open a workspace file by clicking it in the Explorer (quick open's file search may still be indexing). */
export async function openFile(page: Page, name: string): Promise<void> {
  if (!(await page.locator('.explorer-folders-view').isVisible())) await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
  const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: name }).first();
  await row.waitFor({ timeout: 30_000 });
  await row.click();
  await page.waitForSelector(`.tab.active:has-text("${name}")`, { timeout: 20_000 });
}

// The CLI outside VS Code (issue 13, item 4): `npm pack` makes a package whose `vmscen` command
// works after `npm install -g ./vmscen-*.tgz` into a clean prefix, offline (the bundles carry
// their dependencies): --version, check of the examples it ships, and the language server
// answering `initialize` over stdio.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('npm pack, npm install -g into a clean prefix, then vmscen check and vmscen lsp work from there', { timeout: 300_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-pack-'));
  const packed = spawnSync(npm, ['pack', '--pack-destination', tmp, '--json'], { encoding: 'utf8' });
  assert.equal(packed.status, 0, packed.stderr);
  const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info[0]!.files.map((f) => f.path);
  for (const f of ['bin/vmscen.js', 'dist/cli.js', 'dist/server.js', 'dist/explore-worker.js', 'LICENSE', 'README.md']) assert.ok(files.includes(f), `the package ships ${f}`);
  assert.ok(!files.some((f) => f.startsWith('server/src/') || f.startsWith('test/') || f.endsWith('.map')), 'no sources, tests or source maps');
  const prefix = path.join(tmp, 'prefix');
  const installed = spawnSync(npm, ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, path.join(tmp, info[0]!.filename)], { encoding: 'utf8', cwd: tmp });
  assert.equal(installed.status, 0, installed.stderr);
  const bin = path.join(prefix, 'bin', 'vmscen');
  const clean = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-clean-'));
  const run = (...args: string[]) => spawnSync(bin, args, { encoding: 'utf8', cwd: clean });
  assert.match(run('--version').stdout, /^vmscen \d+\.\d+\.\d+/);
  const shipped = path.join(prefix, 'lib', 'node_modules', 'vmscen', 'examples');
  fs.copyFileSync(path.join(shipped, 'dirty-cow.vmscen'), path.join(clean, 'dirty-cow.vmscen'));
  const checked = run('check', '--quiet', 'dirty-cow.vmscen');
  assert.equal(checked.status, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /^ok: 1 file, 2 scenarios; expectations: 2 met/m);
  // the language server answers initialize
  const lsp = spawn(bin, ['lsp'], { cwd: clean, stdio: ['pipe', 'pipe', 'pipe'] });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
  lsp.stdin.write(`Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const reply = await new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`no initialize reply: ${out}`)), 30_000);
    lsp.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('"capabilities"')) {
        clearTimeout(t);
        resolve(out);
      }
    });
  });
  assert.match(reply, /"textDocumentSync"/);
  lsp.stdin.end();
  await new Promise((r) => lsp.on('exit', r));
});

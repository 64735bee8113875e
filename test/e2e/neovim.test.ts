// An independent real LSP client: headless Neovim (Debian's neovim) attaches `vmscen lsp`
// over stdio and reads the diagnostics of the examples. Skipped when nvim is not installed,
// unless VMSCEN_E2E=1 (CI), where a missing nvim fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const hasNvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;
const required = process.env.VMSCEN_E2E === '1';

function nvimDiagnostics(file: string, waitFor: string): { status: number | null; lines: string[]; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-nvim-'));
  const out = path.join(dir, 'diags.txt');
  const r = spawnSync('timeout', ['60', 'nvim', '--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', 'luafile test/e2e/nvim-lsp-check.lua'], {
    encoding: 'utf8',
    env: { ...process.env, LSP_CMD: `${process.execPath} bin/vmscen.js lsp`, LSP_FILE: file, LSP_OUT: out, LSP_WAIT_FOR: waitFor, XDG_CACHE_HOME: dir, XDG_STATE_HOME: dir },
  });
  const lines = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: r.status, lines, stderr: r.stderr };
}

test('neovim reads the race, the violation and the met expectations of the seed example', { skip: !hasNvim && !required ? 'nvim is not installed' : false }, () => {
  assert.ok(hasNvim, 'VMSCEN_E2E=1 needs nvim (apt-get install neovim)');
  const r = nvimDiagnostics('examples/uffd-wp.vmscen', ':lost%-write:');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.lines.some((l) => l.startsWith('29:5:3:lost-write:race lost-write (expected)')), r.lines.join('\n'));
  assert.ok(r.lines.some((l) => l.startsWith('23:5:3:downgrade-needs-flush:')), r.lines.join('\n'));
  assert.ok(r.lines.some((l) => /^32:3:3:met:expect race lost-write: met/.test(l)), r.lines.join('\n'));
});

test('neovim reads a syntax error at its place', { skip: !hasNvim && !required ? 'nvim is not installed' : false }, () => {
  assert.ok(hasNvim, 'VMSCEN_E2E=1 needs nvim (apt-get install neovim)');
  const r = nvimDiagnostics('test/data/cli/syntax-error.vmscen', 'unknown step');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.lines.some((l) => l.startsWith("3:14:1:unknown-op:unknown step 'stor'; did you mean 'store'?")), r.lines.join('\n'));
});

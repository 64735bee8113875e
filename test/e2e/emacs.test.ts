// A third real LSP client: Emacs with eglot (Debian's emacs-nox and elpa-eglot), in batch mode,
// connects `vmscen lsp` over stdio and reads the diagnostics of an example, as
// docs/editors.md sets it up. Skipped when emacs or eglot is missing, unless VMSCEN_E2E=1 (CI),
// where that fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const hasEmacs = spawnSync('emacs', ['--version'], { encoding: 'utf8' }).status === 0 && fs.existsSync('/usr/share/emacs/site-lisp/elpa');
const required = process.env.VMSCEN_E2E === '1';
const skip = !hasEmacs && !required ? 'emacs with eglot is not installed' : false;

function eglotDiagnostics(file: string, waitFor: string): { status: number | null; lines: string[]; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-emacs-'));
  const out = path.join(dir, 'diags.txt');
  const r = spawnSync('timeout', ['90', 'emacs', '--batch', '-Q', '-l', 'test/e2e/emacs-eglot-check.el'], {
    encoding: 'utf8',
    env: { ...process.env, HOME: dir, LSP_CMD: `${process.execPath} ${path.resolve('bin/vmscen.js')} lsp`, LSP_FILE: file, LSP_OUT: out, LSP_WAIT_FOR: waitFor, LSP_TIMEOUT_MS: '60000' },
  });
  const lines = fs.existsSync(out) ? fs.readFileSync(out, 'utf8').split('\n').filter(Boolean) : [];
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: r.status, lines, output: r.stdout + r.stderr };
}

test('emacs (eglot) reads the race, the violation and the met expectations of the seed example', { skip }, () => {
  assert.ok(hasEmacs, 'VMSCEN_E2E=1 needs emacs and eglot (apt-get install emacs-nox elpa-eglot)');
  const r = eglotDiagnostics('examples/uffd-wp.vmscen', ':lost-write:');
  assert.equal(r.status, 0, r.output);
  assert.ok(r.lines.some((l) => l.startsWith('29:5:3:lost-write:race lost-write (expected)')), r.lines.join('\n'));
  assert.ok(r.lines.some((l) => l.startsWith('23:5:3:downgrade-needs-flush:')), r.lines.join('\n'));
  assert.ok(r.lines.some((l) => /^32:3:3:met:expect race lost-write: met/.test(l)), r.lines.join('\n'));
});

test('emacs (eglot) reads a syntax error at its place', { skip }, () => {
  assert.ok(hasEmacs, 'VMSCEN_E2E=1 needs emacs and eglot (apt-get install emacs-nox elpa-eglot)');
  const r = eglotDiagnostics('test/data/cli/syntax-error.vmscen', 'unknown step');
  assert.equal(r.status, 0, r.output);
  assert.ok(r.lines.some((l) => l.startsWith("3:14:1:unknown-op:unknown step 'stor'; did you mean 'store'?")), r.lines.join('\n'));
});

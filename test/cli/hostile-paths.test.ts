// The CLI and hostile paths and outputs (issue 14 items 1, 10, 11): devices and FIFOs are
// refused unread (no hang, no memory blow-up), one unreadable file does not stop the others,
// symbolic links are followed once (a link loop ends), `--` ends the options, a newline in a
// file name cannot break the `file:line:col` format, an empty file is reported, a reader that
// goes away ends the output quietly and a full disk is one line on stderr with exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = ['bin/vmscen.js', 'check'];

function vmscen(args: string[], opts: { timeout?: number } = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: opts.timeout ?? 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const LINE = /^(.+):(\d+):(\d+): (error|warning|info): \[([a-z-]+)\] (.+)$/;

test('a device named on the command line is refused at once, with exit 2 and no stack trace', () => {
  const r = vmscen(['/dev/zero'], { timeout: 10_000 });
  assert.equal(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stdout, /^\/dev\/zero:1:1: error: \[read\] cannot read: a device, not a \.vmscen file: refused$/m);
  assert.doesNotMatch(r.stderr, /at .*\.js/);
});

test('a FIFO is refused without waiting for a writer', { skip: process.platform === 'win32' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-fifo-'));
  const fifo = path.join(dir, 'pipe.vmscen');
  execFileSync('mkfifo', [fifo]);
  const r = vmscen([fifo], { timeout: 10_000 });
  assert.equal(r.status, 2, `no hang: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /a FIFO, not a \.vmscen file: refused/);
});

test('a folder with a dangling link, a link loop, a linked file, an empty file and a newline in a name: every readable file is checked', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-walk-'));
  fs.copyFileSync('examples/uffd-wp.vmscen', path.join(dir, 'a.vmscen'));
  fs.symlinkSync(path.join(dir, 'a.vmscen'), path.join(dir, 'linked.vmscen'));
  fs.symlinkSync(path.join(dir, 'missing-target'), path.join(dir, 'dangling.vmscen'));
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.symlinkSync(dir, path.join(dir, 'sub', 'loop'));
  fs.writeFileSync(path.join(dir, 'empty.vmscen'), '');
  fs.copyFileSync('examples/dirty-cow.vmscen', path.join(dir, 'sub', 'new\nline.vmscen'));
  const r = vmscen(['--brief', dir]);
  assert.equal(r.status, 2, 'an unreadable file is exit 2, after the rest is checked');
  const lines = r.stdout.split('\n').filter((l) => LINE.test(l));
  // every line is one `file:line:col` line: the newline in the name is escaped
  for (const l of r.stdout.split('\n').filter((x) => x.includes(': error: ') || x.includes(': warning: ') || x.includes(': info: '))) assert.match(l, LINE, l);
  assert.ok(lines.some((l) => l.includes('new\\nline.vmscen:')), 'the escaped name');
  assert.match(r.stdout, /dangling\.vmscen:1:1: error: \[read\] cannot read: no such file/);
  assert.match(r.stdout, /empty\.vmscen:1:1: warning: \[empty\] no scenarios in this file/);
  assert.match(r.stdout, /^FAILED: 5 files, \d+ scenarios;.*; 1 file unreadable$/m);
  assert.ok(lines.some((l) => l.startsWith(path.join(dir, 'linked.vmscen'))), 'a linked file is followed');
  const j = JSON.parse(vmscen(['--json', dir]).stdout) as { files: { path: string; readError?: string; warnings: { code: string }[] }[]; summary: { unreadable: number; ok: boolean } };
  assert.equal(j.summary.unreadable, 1);
  assert.equal(j.summary.ok, false);
  assert.match(j.files.find((f) => f.path.endsWith('dangling.vmscen'))!.readError!, /no such file/);
  assert.deepEqual(j.files.find((f) => f.path.endsWith('empty.vmscen'))!.warnings.map((w) => w.code), ['empty']);
  assert.ok(j.files.some((f) => f.path.endsWith('new\nline.vmscen')), 'JSON keeps the real name');
});

test('`--` ends the options: a file whose name starts with a dash', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-dash-'));
  fs.copyFileSync('test/data/cli/clean.vmscen', path.join(dir, '-x.vmscen'));
  const r = spawnSync(process.execPath, [path.resolve('bin/vmscen.js'), 'check', '--', '-x.vmscen'], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok: 1 file, 1 scenario;/m);
  assert.equal(vmscen(['-x.vmscen']).status, 2, 'without `--` it is an unknown option');
});

test('a reader that goes away (| head) ends the output quietly; a full disk is one line and exit 2', () => {
  const piped = spawnSync('sh', ['-c', `"${process.execPath}" bin/vmscen.js check examples | head -c 10; exit "\${PIPESTATUS:-0}"`], { encoding: 'utf8' });
  assert.equal(piped.stdout.length, 10);
  assert.doesNotMatch(piped.stderr, /Error|EPIPE|at /, piped.stderr);
  if (fs.existsSync('/dev/full')) {
    const full = spawnSync('sh', ['-c', `"${process.execPath}" bin/vmscen.js check test/data/cli/clean.vmscen > /dev/full`], { encoding: 'utf8' });
    assert.equal(full.status, 2);
    assert.equal(full.stderr.trim().split('\n').length, 1, full.stderr);
    assert.match(full.stderr, /^vmscen: cannot write the output: .*no space left on device/i);
  }
});

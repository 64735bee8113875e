// The CLI as a process: exit codes 0/1/2, the text line format and the JSON document shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function vmscen(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/vmscen.js', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const D = 'test/data/cli';
const LINE = /^(\S+):(\d+):(\d+): (error|warning|info): \[([a-z-]+)\] (.+)$/;

test('exit 0 when every expectation holds', () => {
  const r = vmscen('check', `${D}/clean.vmscen`);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok: 1 file, 1 scenario;/m);
});

test('exit 1 on a race no expect covers, reported at the store with its interleaving', () => {
  const r = vmscen('check', `${D}/unexpected-race.vmscen`);
  assert.equal(r.status, 1);
  const race = r.stdout.split('\n').find((l) => l.includes('[lost-write]'));
  assert.ok(race, r.stdout);
  const m = LINE.exec(race)!;
  assert.equal(m[2], '10'); // the store's line
  assert.equal(m[4], 'error');
  assert.match(r.stdout, /interleaving \(\d+ steps\):\n\s+1\s+wp\s+line 8\s+wrprotect 0x1000: lock mmap read\s+mmap_read_lock\(\)/);
});

test('exit 1 on a syntax or semantic error, at the exact place', () => {
  const r = vmscen('check', `${D}/syntax-error.vmscen`);
  assert.equal(r.status, 1);
  const line = r.stdout.split('\n').find((l) => l.includes('unknown step'))!;
  const m = LINE.exec(line)!;
  assert.deepEqual([m[2], m[3], m[4]], ['3', '14', 'error']);
  assert.match(m[6], /did you mean 'store'\?/);
});

test('every output line but the interleavings and the summary has the file:line:col: severity: [code] form', () => {
  const r = vmscen('check', D);
  for (const l of r.stdout.trim().split('\n')) {
    if (l.startsWith(' ') || /^(ok|FAILED): /.test(l)) continue;
    assert.match(l, LINE);
  }
});

test('exit 2 for usage errors and unreadable paths, with a one-line reason', () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-empty-'));
  const cases: string[][] = [[], ['check'], ['check', '--frobnicate', D], ['check', 'no/such/file.vmscen'], ['check', empty], ['check', '--max-states', 'lots', D], ['check', '--designs', 'tea', D], ['launch']];
  for (const args of cases) {
    const r = vmscen(...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    if (args.length > 0) assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line: ${r.stderr}`);
  }
});

test('--json prints one document in the SPEC shape', () => {
  const r = vmscen('check', '--json', `${D}/unexpected-race.vmscen`, `${D}/syntax-error.vmscen`);
  assert.equal(r.status, 1);
  const doc = JSON.parse(r.stdout) as {
    files: {
      path: string;
      errors: { line: number; col: number; message: string }[];
      scenarios: {
        name: string;
        line: number;
        locking: string;
        complete: boolean;
        stats: { states: number; transitions: number; ms: number };
        races: { kind: string; line: number; thread: string; message: string; trace: { thread: string; line: number; step: string }[] }[];
        violations: { code: string; line: number; thread: string; message: string; trace: unknown[] }[];
        expectations: { line: number; text: string; status: string }[];
      }[];
    }[];
  };
  assert.equal(doc.files.length, 2);
  const [racy, broken] = doc.files;
  assert.equal(racy!.path, `${D}/unexpected-race.vmscen`);
  const sc = racy!.scenarios[0]!;
  assert.equal(sc.name, 'racy');
  assert.equal(sc.line, 2);
  assert.equal(sc.locking, 'classic');
  assert.equal(sc.complete, true);
  assert.ok(sc.stats.states > 0 && sc.stats.transitions > 0 && typeof sc.stats.ms === 'number');
  const race = sc.races.find((x) => x.kind === 'lost-write')!;
  assert.equal(race.line, 10);
  assert.equal(race.thread, 'writer');
  assert.ok(race.trace.length > 0 && race.trace.every((t) => typeof t.thread === 'string' && t.line > 0 && t.step.length > 0));
  assert.equal(sc.violations[0]!.code, 'downgrade-needs-flush');
  assert.deepEqual(sc.expectations.map((e) => [e.line, e.text, e.status]), [[11, 'expect violation downgrade-needs-flush', 'met']]);
  assert.equal(broken!.errors[0]!.line, 3);
  assert.equal(broken!.scenarios[0]!.complete, false);
});

test('--designs runs each scenario per design and ends with a design x findings table', () => {
  const r = vmscen('check', '--designs', 'classic', `${D}/clean.vmscen`);
  assert.equal(r.status, 0, r.stdout);
  assert.match(r.stdout, /design x findings:\nscenario\s+\| classic/);
  assert.match(r.stdout, /clean\.vmscen:safe \| clean/);
});

test('--designs all: one JSON entry per (scenario, design), the other designs compared but not judged; the table shows where Linux 6.4 broke fork', () => {
  const r = vmscen('check', '--designs', 'all', '--json', 'examples/fork-pervma-6.4.vmscen');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  type Entry = { name: string; locking: string; compared?: boolean; complete: boolean; races: { kind: string; trace: unknown[] }[]; violations: { code: string }[]; expectations: { status: string }[] };
  const j = JSON.parse(r.stdout) as { files: { scenarios: Entry[] }[]; summary: { scenarios: number; ok: boolean; failed: number } };
  const entries = j.files[0]!.scenarios;
  assert.equal(entries.length, 16, '4 scenarios x 4 designs');
  assert.equal(j.summary.ok, true);
  assert.equal(j.summary.failed, 0);
  const verdict = (name: string, design: string): string => {
    const e = entries.find((x) => x.name === name && x.locking === design)!;
    assert.ok(e.complete, `${name} under ${design} is complete`);
    return [...e.races.map((x) => x.kind), ...e.violations.map((x) => x.code)].join(',') || 'clean';
  };
  assert.deepEqual(
    ['classic', 'spf', 'range', 'pervma'].map((d) => verdict('fork_without_vma_write_lock', d)),
    ['clean', 'lost-write,downgrade-needs-flush', 'clean', 'lost-write,downgrade-needs-flush'],
  );
  assert.deepEqual(['classic', 'spf', 'range', 'pervma'].map((d) => verdict('fork_with_vma_write_lock', d)), ['clean', 'clean', 'clean', 'clean']);
  const own = entries.find((x) => x.name === 'fork_without_vma_write_lock' && x.locking === 'pervma')!;
  assert.equal(own.compared, undefined);
  assert.ok(own.expectations.length > 0 && own.expectations.every((e) => e.status === 'met'));
  assert.ok(own.races[0]!.trace.length > 0, 'each finding carries its shortest interleaving');
  const other = entries.find((x) => x.name === 'fork_without_vma_write_lock' && x.locking === 'classic')!;
  assert.equal(other.compared, true);
  assert.deepEqual(other.expectations, []);
  const text = vmscen('check', '--designs', 'all', '--brief', 'examples/fork-pervma-6.4.vmscen').stdout;
  assert.match(text, /fork_without_vma_write_lock \| clean\s+\| lost-write, downgrade-needs-flush \| clean\s+\| lost-write, downgrade-needs-flush/);
  assert.match(text, /info: \[lost-write\] race \(under spf\)/);
});

test('--max-states cuts exploration short: incomplete, never clean, and exit 1 even if what was found was expected', () => {
  const r = vmscen('check', '--max-states', '5', `${D}/unexpected-race.vmscen`);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /warning: \[incomplete\]/);
  assert.match(r.stdout, /^FAILED: 1 file, 1 scenario \(1 incomplete\);/m);
  const j = JSON.parse(vmscen('check', '--json', '--max-states', '1', `${D}/clean.vmscen`).stdout) as { files: { scenarios: { complete: boolean; expectations: { status: string }[] }[] }[] };
  const sc = j.files[0]!.scenarios[0]!;
  assert.equal(sc.complete, false);
  assert.ok(sc.expectations.every((e) => e.status !== 'met'));
});

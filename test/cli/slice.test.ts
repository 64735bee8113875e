// The CLI as a process: text output shows each interleaving's slice (the steps the finding
// depends on) by default or with --slice, every step with --full; --json marks each step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function vmscen(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/vmscen.js', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const FILE = 'test/data/cli/slice-deadlock.vmscen';

/** The interleaving printed under the deadlock: its header and its rows' step numbers and threads. */
function deadlockTrace(stdout: string): { header: string; rows: string[] } {
  const lines = stdout.split('\n');
  const at = lines.findIndex((l) => l.includes('[deadlock]'));
  assert.ok(at >= 0, stdout);
  const rows: string[] = [];
  for (let i = at + 2; i < lines.length && /^\s+\d+\s/.test(lines[i]!); i++) rows.push(lines[i]!.trim().split(/\s+/).slice(0, 2).join(' '));
  return { header: lines[at + 1]!.trim(), rows };
}

test('text output shows the slice by default and with --slice: the thread taking an unrelated lock is left out', () => {
  for (const args of [[], ['--slice']]) {
    const r = vmscen('check', FILE, ...args);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const t = deadlockTrace(r.stdout);
    assert.equal(t.header, 'interleaving (3 of 5 steps: its slice, the steps the finding depends on; --full shows all):');
    assert.deepEqual(t.rows, ['1 a', '2 b', '3 b']);
  }
});

test('--full shows every step; an interleaving that is all slice reads as before', () => {
  const r = vmscen('check', FILE, '--full');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const t = deadlockTrace(r.stdout);
  assert.equal(t.header, 'interleaving (5 steps):');
  assert.deepEqual(t.rows, ['1 a', '2 b', '3 b', '4 c', '5 c']);
  // the lock-order violation's two steps are both in its slice: the same either way
  const sliced = vmscen('check', FILE).stdout;
  const part = (s: string): string => s.slice(s.indexOf('[lock-order]'), s.indexOf('[sleep-in-atomic]'));
  assert.equal(part(sliced), part(r.stdout));
  assert.match(part(r.stdout), /interleaving \(2 steps\):/);
});

test('--slice and --full together are a usage error', () => {
  const r = vmscen('check', FILE, '--slice', '--full');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--slice and --full/);
});

test('--json marks every step of every interleaving with inSlice', () => {
  const r = vmscen('check', FILE, '--json');
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { files: { scenarios: { races: { kind: string; trace: { thread: string; inSlice: boolean }[] }[]; violations: { trace: { inSlice: boolean }[] }[] }[] }[] };
  const sc = doc.files[0]!.scenarios[0]!;
  const deadlock = sc.races.find((x) => x.kind === 'deadlock')!;
  assert.deepEqual(deadlock.trace.map((s) => [s.thread, s.inSlice]), [['a', true], ['b', true], ['b', true], ['c', false], ['c', false]]);
  for (const v of sc.violations) assert.ok(v.trace.every((s) => s.inSlice === true));
});

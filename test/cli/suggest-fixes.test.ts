// `vmscen check --suggest-fixes` as a process: the text lines of verified fixes, the --json
// member with every candidate tried and why it failed, nothing for a clean file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function vmscen(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/vmscen.js', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const RACY = 'test/data/cli/unexpected-race.vmscen';

interface JsonTried {
  title: string;
  kind: string;
  size: number;
  verdict: string;
  reason: string;
  edits: { line: number; newText: string }[];
  commits: string[];
}
interface JsonFinding {
  type: string;
  code: string;
  thread: string;
  complete: boolean;
  fixes: number[];
  tried: JsonTried[];
}

test('--suggest-fixes prints verified fixes after the findings, the merged fix first, with the edited line', () => {
  const r = vmscen('check', '--suggest-fixes', '--brief', RACY);
  assert.equal(r.status, 1, r.stderr); // the unexpected race still fails the check
  const lines = r.stdout.split('\n');
  const head = lines.findIndex((l) => /^test\/data\/cli\/unexpected-race\.vmscen:10:27: info: \[fix\] scenario racy \(classic\): race lost-write by writer: \d verified fix/.test(l));
  assert.ok(head >= 0, r.stdout);
  assert.match(lines[head + 1]!, /^ {4}1\. .*pending=flush.*\[kernel: 6ce64428d620\]$/);
  assert.match(lines[head + 2]!, /line 9: thread faulter on cpu1 \{ fault write 0x1000 pending=flush \}/);
  assert.ok(lines.some((l) => /^ {4}\d\. wrprotect lock=read→write/.test(l)), r.stdout);
});

test('--suggest-fixes --json: every candidate tried, its verdict and reason; fixes index the tried list', () => {
  const r = vmscen('check', '--suggest-fixes', '--json', RACY);
  assert.equal(r.status, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { files: { fixes: { scenario: string; budget: { states: number; used: number }; findings: JsonFinding[] }[] }[] };
  const sc = doc.files[0]!.fixes[0]!;
  assert.equal(sc.scenario, 'racy');
  assert.ok(sc.budget.used > 0 && sc.budget.used <= sc.budget.states);
  const race = sc.findings.find((f) => f.code === 'lost-write')!;
  assert.equal(race.type, 'race');
  assert.equal(race.complete, true);
  assert.ok(race.fixes.length >= 1 && race.fixes.length <= 3);
  for (const i of race.fixes) assert.equal(race.tried[i]!.verdict, 'fix');
  const failed = race.tried.filter((t) => t.verdict !== 'fix');
  assert.ok(failed.length > 0, 'some candidates fail');
  for (const t of failed) assert.ok(['keeps-finding', 'new-finding', 'deadlock', 'stuck', 'incomplete', 'invalid'].includes(t.verdict) && t.reason.length > 0, JSON.stringify(t));
  const keeps = race.tried.find((t) => t.verdict === 'keeps-finding');
  assert.ok(keeps, 'a candidate that leaves the race');
  assert.match(keeps.reason, /lost-write by writer is still found/);
  const first = race.tried[race.fixes[0]!]!;
  assert.deepEqual(first.edits.map((e) => [e.line, e.newText]), [[9, ' pending=flush']]);
  assert.deepEqual(first.commits, ['6ce64428d620']);
});

test('--suggest-fixes on a clean file suggests nothing', () => {
  const text = vmscen('check', '--suggest-fixes', 'test/data/cli/clean.vmscen');
  assert.equal(text.status, 0, text.stdout + text.stderr);
  assert.doesNotMatch(text.stdout, /\[fix\]/);
  const json = vmscen('check', '--suggest-fixes', '--json', 'test/data/cli/clean.vmscen');
  const doc = JSON.parse(json.stdout) as { files: { fixes: unknown[] }[] };
  assert.deepEqual(doc.files[0]!.fixes, []);
});

test('--suggest-fixes with --sarif is a usage error', () => {
  const r = vmscen('check', '--suggest-fixes', '--sarif', RACY);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--suggest-fixes/);
});

// The `vmscen` task (issue 13, item 2): the task's command line, run as the real CLI, prints
// exactly the lines the `$vmscen` problem matcher of package.json reads, and the matcher's
// groups give back each problem's file, place, severity, code and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkArgs, taskName } from '../../client/src/task-args';

interface Matcher {
  name: string;
  fileLocation: string[];
  pattern: { regexp: string; file: number; line: number; column: number; severity: number; code: number; message: number };
}
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { contributes: { problemMatchers: Matcher[]; taskDefinitions: { type: string }[] } };
const matcher = pkg.contributes.problemMatchers.find((m) => m.name === 'vmscen')!;

test('a task definition becomes check --quiet --brief, its options, then its paths after --; format options are dropped', () => {
  assert.deepEqual(checkArgs({ type: 'vmscen' }), ['check', '--quiet', '--brief', '--', '.']);
  assert.deepEqual(checkArgs({ type: 'vmscen', paths: ['examples', '-odd.vmscen'], args: ['--designs', 'all', '--json', '--sarif'] }), ['check', '--quiet', '--brief', '--designs', 'all', '--', 'examples', '-odd.vmscen']);
  assert.equal(taskName({ type: 'vmscen', paths: ['a', 'b'] }), 'check a b');
  assert.ok(pkg.contributes.taskDefinitions.some((d) => d.type === 'vmscen'));
});

test('the $vmscen problem matcher reads every line the task prints but the summary, with the right fields', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmscen-task-'));
  fs.mkdirSync(path.join(dir, 'sub dir'));
  fs.copyFileSync('test/data/cli/unexpected-race.vmscen', path.join(dir, 'sub dir', 'racy.vmscen'));
  fs.copyFileSync('test/data/cli/syntax-error.vmscen', path.join(dir, 'bad.vmscen'));
  fs.copyFileSync('examples/dirty-cow.vmscen', path.join(dir, 'dirty-cow.vmscen'));
  const cli = path.resolve('bin/vmscen.js');
  const r = spawnSync(process.execPath, [cli, ...checkArgs({ type: 'vmscen' })], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const re = new RegExp(matcher.pattern.regexp);
  const problems = lines.slice(0, -1).map((l) => {
    const m = re.exec(l);
    assert.ok(m, `the matcher reads: ${l}`);
    const p = matcher.pattern;
    return { file: m[p.file]!, line: Number(m[p.line]), col: Number(m[p.column]), severity: m[p.severity]!, code: m[p.code]!, message: m[p.message]! };
  });
  assert.match(lines[lines.length - 1]!, /^FAILED: 3 files/);
  assert.equal(re.test(lines[lines.length - 1]!), false, 'the summary is not a problem');
  // the same problems, read from --json (--quiet leaves out expected findings: they are not problems)
  const json = JSON.parse(spawnSync(process.execPath, [cli, 'check', '--json', '.'], { cwd: dir, encoding: 'utf8' }).stdout) as { files: { path: string; errors: { line: number; col: number; code: string }[]; scenarios: { races: { kind: string; line: number; col: number; expected: boolean }[] }[] }[] };
  for (const f of json.files) {
    for (const e of f.errors) assert.ok(problems.some((p) => p.file === f.path && p.line === e.line && p.col === e.col && p.code === e.code && p.severity === 'error'), `${f.path}:${e.line} ${e.code}`);
    for (const sc of f.scenarios) for (const x of sc.races.filter((y) => !y.expected)) assert.ok(problems.some((p) => p.file === f.path && p.line === x.line && p.col === x.col && p.code === x.kind), `${f.path}:${x.line} ${x.kind}`);
  }
  assert.ok(problems.some((p) => p.file === path.join('sub dir', 'racy.vmscen') && p.code === 'lost-write' && p.severity === 'error'));
  // relative paths: the matcher's fileLocation resolves them against the workspace folder
  assert.deepEqual(matcher.fileLocation, ['autoDetect', '${workspaceFolder}']);
  assert.ok(problems.every((p) => !path.isAbsolute(p.file) && fs.existsSync(path.join(dir, p.file))));
});

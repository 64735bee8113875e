// The examples are the regression suite: `vmscen check examples` exits 0 (every expect line
// holds, nothing unexpected), and each file's output matches its .expected file.
// UPDATE_GOLDEN=1 refreshes the .expected files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { exampleFiles } from './helpers';

const CLI = ['bin/vmscen.js', 'check'];

test('vmscen check examples exits 0', () => {
  const r = spawnSync(process.execPath, [...CLI, 'examples', '--brief', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok: \d+ files, \d+ scenarios; expectations: \d+ met, 0 failed, 0 inconclusive; 0 unexpected findings; 0 errors$/m);
});

for (const file of exampleFiles()) {
  test(`${file} starts with a comment and carries expect lines`, () => {
    const text = fs.readFileSync(file, 'utf8');
    assert.match(text, /^\/\//, 'starts with a comment naming the race');
    const scenarios = text.match(/^scenario /gm)?.length ?? 0;
    const expects = text.match(/^\s*expect /gm)?.length ?? 0;
    assert.ok(scenarios > 0 && expects >= scenarios, 'every scenario has expect lines');
  });

  test(`${file} output matches its .expected`, () => {
    const r = spawnSync(process.execPath, [...CLI, file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const golden = file.replace(/\.vmscen$/, '.expected');
    if (process.env.UPDATE_GOLDEN === '1' || !fs.existsSync(golden)) fs.writeFileSync(golden, r.stdout);
    assert.equal(r.stdout, fs.readFileSync(golden, 'utf8'));
  });
}

// Same input, same output: the --json document of every example is identical across runs
// except stats.ms.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { analyze } from '../../server/src/analysis/analyze';
import { toJsonFile } from '../../server/src/cli/format-json';
import { exampleFiles } from '../helpers';

function stripMs(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (k, v) => (k === 'ms' ? 0 : v)));
}

test('analysis of every example is deterministic', () => {
  for (const file of exampleFiles()) {
    const text = fs.readFileSync(file, 'utf8');
    const a = stripMs(toJsonFile(file, analyze(text)));
    const b = stripMs(toJsonFile(file, analyze(text)));
    assert.deepEqual(a, b, file);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFile } from '../../server/src/lang/parse-file';

test('parses an empty scenario', () => {
  const r = parseFile('scenario a {\n}\n');
  assert.equal(r.diagnostics.length, 0);
  assert.equal(r.ast.scenarios.length, 1);
});

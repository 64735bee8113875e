// The debug session's path helpers (client/src/debug/paths.ts) agree with Node's path and url
// modules on the paths a launch configuration carries, so the session needs neither and runs
// in the web extension too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { baseName, fileUriToPath, normalizePath, pathToFileUri } from '../../client/src/debug/paths';

const PATHS = ['/home/u/k/seed race.vmscen', '/a//b/./c.vmscen', '/a/b/../c/d.vmscen', '/x/ü%#?.vmscen', '/'];

test('file URIs round-trip as Node does', () => {
  for (const p of PATHS) {
    assert.equal(pathToFileUri(p), pathToFileURL(p).href, p);
    assert.equal(fileUriToPath(pathToFileURL(p).href), fileURLToPath(pathToFileURL(p).href), p);
  }
  assert.equal(fileUriToPath('file:///c%3A/w/a.vmscen'), 'c:/w/a.vmscen');
});

test('base names and normalized paths as Node computes them', () => {
  for (const p of PATHS) {
    assert.equal(baseName(p), path.basename(p) || '', p);
    assert.equal(normalizePath(p), path.normalize(p).replace(/\/$/, '') || '/', p);
  }
  assert.equal(normalizePath('C:\\w\\.\\a.vmscen'), 'C:/w/a.vmscen');
});

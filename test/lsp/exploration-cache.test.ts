// The server's cache of complete explorations (lsp/exploration-cache.ts) and its keys
// (analysis/exploration-key.ts), on real lowered examples and real results: a comment or
// whitespace edit keeps every key, a change of meaning or budget changes only the key it
// touches; incomplete results are never stored; the cache stays within its bounds, least
// recently used out first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { planFile, runTask, type ExplorationTask } from '../../server/src/analysis/analyze';
import { checkFile } from '../../server/src/analysis/check-file';
import { ExplorationCache } from '../../server/src/lsp/exploration-cache';

const DIRTY_COW = fs.readFileSync('examples/dirty-cow.vmscen', 'utf8');

function tasks(text: string, maxStates = 200_000): ExplorationTask[] {
  return planFile(checkFile(text), { maxStates }).flatMap((p) => ('task' in p ? [p.task] : []));
}

test('keys: comments, blank lines and spacing change none; an option changes its scenario only; the budget changes all', () => {
  const base = tasks(DIRTY_COW).map((t) => t.key);
  assert.equal(base.length, 2);
  assert.notEqual(base[0], base[1]);
  const reformatted = `// a new first line\n\n${DIRTY_COW.replace('madvise dontneed 0x1000', 'madvise   dontneed   0x1000  ')}`;
  assert.deepEqual(tasks(reformatted).map((t) => t.key), base);
  const edited = tasks(DIRTY_COW.replace('retry=drop-write', 'retry=keep-write')).map((t) => t.key);
  assert.notEqual(edited[0], base[0]);
  assert.equal(edited[1], base[1]);
  assert.ok(tasks(DIRTY_COW, 1_000).every((t, i) => t.key !== base[i]));
});

test('a complete result is stored and served; an incomplete one never is', () => {
  const cache = new ExplorationCache();
  const [complete] = tasks(DIRTY_COW);
  const r = runTask(complete!);
  assert.ok(r.complete);
  assert.equal(cache.set(complete!.key, r), true);
  assert.equal(cache.get(complete!.key), r);
  const [cut] = tasks(DIRTY_COW, 10);
  const partial = runTask(cut!);
  assert.equal(partial.complete, false);
  assert.equal(cache.set(cut!.key, partial), false);
  assert.equal(cache.get(cut!.key), undefined);
  assert.equal(cache.size, 1);
});

test('bounded by entries (least recently used out first) and by bytes', () => {
  const all = fs.readdirSync('examples').filter((f) => f.endsWith('.vmscen')).slice(0, 4).flatMap((f) => tasks(fs.readFileSync(`examples/${f}`, 'utf8')));
  const results = all.map((t) => [t.key, runTask(t)] as const).filter(([, r]) => r.complete);
  assert.ok(results.length >= 4);
  const [a, b, c] = results;
  const byEntries = new ExplorationCache(2, 1 << 30);
  byEntries.set(...a!);
  byEntries.set(...b!);
  byEntries.get(a![0]); // a is now the most recently used
  byEntries.set(...c!);
  assert.equal(byEntries.size, 2);
  assert.ok(byEntries.get(a![0]), 'the recently used entry stays');
  assert.equal(byEntries.get(b![0]), undefined, 'the least recently used entry went');
  // a byte budget of about two entries
  const budget = 2 * 2 * Math.max(...results.map(([k, r]) => k.length + JSON.stringify(r).length));
  const byBytes = new ExplorationCache(1000, budget);
  for (const [k, r] of results) byBytes.set(k, r);
  assert.ok(byBytes.bytes <= budget, `${byBytes.bytes} <= ${budget}`);
  assert.ok(byBytes.size >= 1 && byBytes.size < results.length);
  assert.ok(byBytes.get(results[results.length - 1]![0]), 'the newest entry is kept');
});

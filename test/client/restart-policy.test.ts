// The client's restart policy (issue 14, item 13): a server that dies is restarted at most four
// times in three minutes; after that it stays stopped until the user restarts it, which starts
// the count again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RESTARTS, RestartPolicy, WINDOW_MS } from '../../client/src/restart-policy';

test('restarts are bounded within the window, counted again after it and after a manual restart', () => {
  const p = new RestartPolicy();
  for (let i = 1; i <= MAX_RESTARTS; i++) assert.deepEqual(p.closed(i * 1000), { restart: true, attempt: i });
  assert.deepEqual(p.closed(10_000), { restart: false });
  // once the first crashes leave the window, restarting is allowed again
  assert.deepEqual(p.closed(WINDOW_MS + 1500), { restart: true, attempt: MAX_RESTARTS });
  p.reset();
  assert.deepEqual(p.closed(WINDOW_MS + 2000), { restart: true, attempt: 1 });
});

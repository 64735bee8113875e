// The interleaving view's keys (issue 14, item 12): a result older than the newest request is
// never shown (a slow Compare for one file cannot replace a newer view), and a click in a
// table or a trace goes to the document it was computed from, refused once that document has
// changed (it used to ask for traces against whatever file the panel showed last).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickTarget, PanelKeys } from '../../client/src/panel-keys';

test('only the newest request of the panel is shown', () => {
  const keys = new PanelKeys();
  const compareA = keys.begin();
  const traceB = keys.begin();
  assert.equal(keys.current(compareA), false, 'the older Compare finishing late is dropped');
  assert.equal(keys.current(traceB), true);
});

test("a click goes to the table's own document, and is refused once that document changed", () => {
  const a = { uri: 'file:///ws/a.vmscen', version: 7 };
  assert.deepEqual(clickTarget(a, 7), { uri: 'file:///ws/a.vmscen' });
  assert.ok('stale' in clickTarget(a, 8));
  // closed since (the editor has no version): the document is read as it is on disk
  assert.deepEqual(clickTarget(a, undefined), { uri: 'file:///ws/a.vmscen' });
  // computed from a document the editor had not opened
  assert.deepEqual(clickTarget({ uri: 'file:///ws/b.vmscen', version: null }, 3), { uri: 'file:///ws/b.vmscen' });
});

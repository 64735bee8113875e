// The Outcomes code lens and the vmscen/outcomes request it leads to, over the real server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Commands, OutcomesRequest, type OutcomesParams } from '../../server/src/protocol';
import { LspClient } from './lsp-client';

const URI = 'file:///virtual/message-passing.vmscen';
const TEXT = fs.readFileSync('examples/message-passing.vmscen', 'utf8');

let c: LspClient;
before(async () => {
  c = new LspClient();
  await c.initialize({ debounceMs: 50, timeLimitMs: 5_000 });
  await c.open(URI, TEXT);
});
after(async () => {
  await c.close();
});

type Lens = { range: { start: { line: number } }; command: { title: string; command: string; arguments: OutcomesParams[] } };

test('an Outcomes lens above every scenario; its command and arguments ask for that scenario\'s table', async () => {
  const lenses = (await c.conn.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } })) as Lens[];
  const outcomes = lenses.filter((l) => l.command.title === 'Outcomes');
  // the three scenario heads (lines 11, 33 and 55, 0-based 10, 32, 54)
  assert.deepEqual(outcomes.map((l) => l.range.start.line), [10, 32, 54]);
  for (const l of outcomes) assert.equal(l.command.command, Commands.showOutcomes);
  assert.deepEqual(outcomes.map((l) => l.command.arguments[0]!.scenario), ['message_passing', 'message_passing_data_late', 'store_buffering']);

  // what the client command sends: the lens's own arguments
  const r = await c.conn.sendRequest(OutcomesRequest, outcomes[1]!.command.arguments[0]!);
  assert.ok(!('error' in r), JSON.stringify(r));
  if ('error' in r) return;
  assert.equal(r.scenario, 'message_passing_data_late');
  assert.equal(r.design, 'classic');
  // MP (hand-derived in test/cli/outcomes.test.ts): (0,0) (0,1) (1,1), one terminal state each
  assert.deepEqual(r.outcomes.columns, ['reader.flag', 'reader.data']);
  assert.deepEqual(r.outcomes.outcomes.map((o) => [o.values, o.count, o.checks]), [
    [[0, 0], 1, [false]],
    [[0, 1], 1, [true]],
    [[1, 1], 1, [true]],
  ]);
  assert.equal(r.outcomes.checks[0]!.verdict, 'sometimes');
  // the interleaving of each outcome points at the steps' lines (1-based, the analysis' terms)
  assert.deepEqual(r.outcomes.outcomes[0]!.trace.map((t) => t.line), [45, 46, 41, 42]);
  // and the strings the webview draws
  assert.deepEqual(r.table.head, ['reader.flag', 'reader.data', 'states', 'check']);
  assert.deepEqual(r.table.rows.map((row) => row.cells), [
    ['0', '0', '1', 'fails'],
    ['0', '1', '1', 'holds'],
    ['1', '1', '1', 'holds'],
  ]);
  assert.deepEqual(r.table.verdicts, ['check final reader.data == 1: Sometimes (holds in 2 of 3 terminal states)']);
});

test('under another design, and for a scenario that does not exist', async () => {
  const r = await c.conn.sendRequest(OutcomesRequest, { uri: URI, scenario: 'store_buffering', design: 'pervma' });
  assert.ok(!('error' in r), JSON.stringify(r));
  if ('error' in r) return;
  assert.equal(r.design, 'pervma');
  assert.deepEqual(r.outcomes.checks.map((x) => x.verdict), ['always', 'always', 'never']);
  const missing = await c.conn.sendRequest(OutcomesRequest, { uri: URI, scenario: 'no_such_scenario' });
  assert.deepEqual(missing, { error: "no scenario 'no_such_scenario'" });
});

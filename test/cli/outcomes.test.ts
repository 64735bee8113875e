// `vmscen check --outcomes` as a process: the outcome tables of gallery scenarios against sets
// derived by hand (in the comments), in the --json document and in the text output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

function vmscen(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/vmscen.js', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonOutcomes {
  columns: string[];
  outcomes: { values: (number | null)[]; states: number; checks: boolean[]; trace: { thread: string; line: number; step: string }[] }[];
  terminal: number;
  deadlocked: number;
  complete: boolean;
  checks: { line: number; text: string; verdict: string; holds: number; fails: number }[];
}
interface JsonScenario {
  name: string;
  outcomes?: JsonOutcomes;
}

function tables(file: string, ...extra: string[]): Map<string, JsonOutcomes> {
  const r = vmscen('check', '--json', '--outcomes', ...extra, file);
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { files: { scenarios: JsonScenario[] }[] };
  return new Map(doc.files[0]!.scenarios.map((s) => [s.name, s.outcomes!]));
}

/** The outcome set as sorted strings `v1,v2,…`, and each check's verdict. */
function shape(o: JsonOutcomes): { columns: string[]; values: string[]; verdicts: string[] } {
  return { columns: o.columns, values: o.outcomes.map((r) => r.values.join(',')).sort(), verdicts: o.checks.map((c) => c.verdict) };
}

test('message passing and store buffering: the interleavings give exactly the SC outcomes', () => {
  const t = tables('examples/message-passing.vmscen');
  // MP: writer stores data then flag; reader loads flag then data. Of the six interleavings of
  // two two-step threads, the reader's loads both before the stores give (0,0); a load of the
  // flag before its store and of the data after the data's store gives (0,1); both loads after
  // both stores (1,1). (1,0) would need the flag's store before the data's: impossible.
  // Memory and TLBs end the same in all of them, so each outcome is one terminal state.
  const mp = t.get('message_passing')!;
  assert.deepEqual(shape(mp), { columns: ['reader.flag', 'reader.data'], values: ['0,0', '0,1', '1,1'], verdicts: ['always'] });
  assert.deepEqual(mp.outcomes.map((r) => r.states), [1, 1, 1]);
  assert.equal(mp.terminal, 3);
  assert.equal(mp.deadlocked, 0);
  assert.ok(mp.complete);
  // the same outcomes; `reader.data == 1` holds in two of three: Sometimes
  const late = t.get('message_passing_data_late')!;
  assert.deepEqual(shape(late), { columns: ['reader.flag', 'reader.data'], values: ['0,0', '0,1', '1,1'], verdicts: ['sometimes'] });
  assert.deepEqual({ holds: late.checks[0]!.holds, fails: late.checks[0]!.fails }, { holds: 2, fails: 1 });
  assert.deepEqual(late.outcomes.find((r) => r.values.join() === '0,0')!.checks, [false]);
  // SB: whichever thread loads last has seen the other's store, so not both registers are 0;
  // both stores have landed at the end: x = y = 1.
  const sb = t.get('store_buffering')!;
  assert.deepEqual(shape(sb), { columns: ['a.r', 'b.r', '0x1000', '0x2000'], values: ['0,1,1,1', '1,0,1,1', '1,1,1,1'], verdicts: ['always', 'always', 'never'] });
});

test('each outcome comes with a shortest interleaving that reaches it', () => {
  const mp = tables('examples/message-passing.vmscen').get('message_passing')!;
  // every outcome of MP takes all four accesses
  for (const r of mp.outcomes) assert.equal(r.trace.length, 4, JSON.stringify(r));
  // (0,0): both loads run before either store
  const none = mp.outcomes.find((r) => r.values.join() === '0,0')!;
  assert.deepEqual(none.trace.map((s) => s.thread), ['reader', 'reader', 'writer', 'writer']);
});

test('gallery scenarios: hand-derived outcome sets and verdicts', () => {
  // shmem: fork copies no PTE, so both mms share the page. After the fork the parent stores 2
  // and the kid loads r then stores 3: r = 2 when the parent's store came first (then 3 lands
  // last); r = 1 otherwise, and the page ends 3 or 2 by which store came last.
  const shmem = tables('examples/shmem-fork-zap.vmscen');
  assert.deepEqual(shape(shmem.get('shmem_is_one_page_after_fork')!), { columns: ['kid.r', '0x1000', 'child:0x1000'], values: ['1,2,2', '1,3,3', '2,3,3'], verdicts: ['always'] });
  // private: the stores COW, so the kid always reads the original 1 and each mm keeps its own
  assert.deepEqual(shape(shmem.get('private_is_two_pages_after_fork')!), { columns: ['kid.r', '0x1000', 'child:0x1000'], values: ['1,2,3'], verdicts: ['never'] });
  // uffd-wp: the monitor saves the page before the forced write can land (1), unless no uffd-wp
  // marker stops the write, when it may save the debugger's 2 as well
  const uffd = tables('examples/foll-force-uffd-wp.vmscen');
  assert.deepEqual(shape(uffd.get('force_write_waits_for_uffd_wp')!), { columns: ['monitor.saved'], values: ['1'], verdicts: ['always'] });
  assert.deepEqual(shape(uffd.get('force_write_no_marker')!), { columns: ['monitor.saved'], values: ['1', '2'], verdicts: ['sometimes'] });
  // CVE-2020-29374: under the mapcount reuse rule the parent's store can land in the page the
  // child's GUP holds (seen = 2); under the refcount rule it never does
  const cve = tables('examples/cve-2020-29374.vmscen');
  assert.deepEqual(shape(cve.get('gup_after_fork_mapcount_rule')!), { columns: ['reader.seen'], values: ['1', '2'], verdicts: ['sometimes'] });
  assert.deepEqual(shape(cve.get('gup_after_fork_refcount_rule')!), { columns: ['reader.seen'], values: ['1'], verdicts: ['always'] });
});

test('deadlocked terminal states are counted apart and are in no outcome', () => {
  const t = tables('examples/pervma-first-touch.vmscen').get('zero_page_gives_no_anon_vma')!;
  assert.ok(t.deadlocked > 0, JSON.stringify(t));
  assert.equal(
    t.outcomes.reduce((n, r) => n + r.states, 0),
    t.terminal,
  );
});

test('a search cut short never claims Always or Never', () => {
  const t = tables('examples/message-passing.vmscen', '--max-states', '6');
  for (const [name, o] of t) {
    assert.equal(o.complete, false, name);
    for (const c of o.checks) assert.ok(c.verdict === 'unknown' || (c.verdict === 'sometimes' && c.holds > 0 && c.fails > 0), `${name}: ${JSON.stringify(c)}`);
  }
  const text = vmscen('check', '--outcomes', '--max-states', '6', 'examples/message-passing.vmscen').stdout;
  assert.match(text, /note: exploration incomplete/);
  assert.doesNotMatch(text, /: (Always|Never) \(/);
});

test('the text table: a header line, aligned rows, the verdicts, an interleaving per outcome; --brief leaves those out', () => {
  const r = vmscen('check', '--outcomes', 'examples/message-passing.vmscen');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^examples\/message-passing\.vmscen:11:1: info: \[outcomes\] message_passing \(classic\): 3 outcomes over 3 terminal states$/m);
  assert.match(r.stdout, /^ {4}reader\.flag {2}reader\.data {2}states {2}check\n {4}0 {12}0 {12}1 {7}holds\n {4}0 {12}1 {12}1 {7}holds\n {4}1 {12}1 {12}1 {7}holds$/m);
  assert.match(r.stdout, /^ {4}check final reader\.data == 1: Sometimes \(holds in 2 of 3 terminal states\)$/m);
  assert.match(r.stdout, /^ {4}check final a\.r == 0 && b\.r == 0: Never \(holds in 0 of 3 terminal states\)$/m);
  assert.match(r.stdout, /^ {4}outcome 1 \(reader\.flag=0, reader\.data=0\):\n {6}interleaving \(4 steps\):/m);
  const brief = vmscen('check', '--outcomes', '--brief', 'examples/message-passing.vmscen').stdout;
  assert.match(brief, /\[outcomes\] message_passing /);
  assert.doesNotMatch(brief, /interleaving/);
  // without the flag, no tables and no outcomes in JSON
  assert.doesNotMatch(vmscen('check', 'examples/message-passing.vmscen').stdout, /\[outcomes\]/);
  assert.doesNotMatch(vmscen('check', '--json', 'examples/message-passing.vmscen').stdout, /"outcomes"/);
});

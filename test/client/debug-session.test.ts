// The scenario debugger over DAP (issue 12, item 4): a test client sends what VS Code sends
// (initialize, launch, setBreakpoints, configurationDone, threads, stackTrace, scopes,
// variables, next, stepBack, continue, reverseContinue, exceptionInfo, disconnect) to the
// adapter's core, whose interleaving comes from the real language server (vmscen/trace over
// stdio). Expected places and machines are read from the same server answer, and the adapter
// is checked to follow them step by step.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DapBreakpoint, DapScope, DapStackFrame, DapVariable } from '../../client/src/debug/dap';
import { findingToDebug, launchConfig } from '../../client/src/debug/debug-target';
import { CheckRequest, TraceRequest, type TraceView } from '../../server/src/protocol';
import { LspClient } from '../lsp/lsp-client';
import { DapClient } from './dap-client';

const FILE = path.resolve('examples/uffd-wp.vmscen');
const URI = pathToFileURL(FILE).href;
const SCENARIO = 'uffd_wp_vs_cow';

let lsp: LspClient;
let view: TraceView;
let dap: DapClient;

before(async () => {
  lsp = new LspClient();
  await lsp.initialize({ debounceMs: 50 });
  await lsp.open(URI, fs.readFileSync(FILE, 'utf8'));
  const v = await lsp.conn.sendRequest(TraceRequest, { uri: URI, scenario: SCENARIO, finding: 0 });
  assert.ok(!('error' in v), JSON.stringify(v));
  view = v as TraceView;
  dap = new DapClient({ trace: (p) => lsp.conn.sendRequest(TraceRequest, p) });
});
after(async () => {
  await lsp.close();
});

/** The adapter's stop after `action`: the stopped event's body. */
async function stopAfter(action: () => Promise<unknown>): Promise<{ reason: string; threadId: number; hitBreakpointIds?: number[]; text?: string }> {
  const from = dap.mark();
  await action();
  return (await dap.event('stopped', from)).body as { reason: string; threadId: number; hitBreakpointIds?: number[]; text?: string };
}

async function topFrame(threadId: number): Promise<DapStackFrame> {
  const { stackFrames } = await dap.body<{ stackFrames: DapStackFrame[] }>('stackTrace', { threadId });
  assert.equal(stackFrames.length, 1);
  return stackFrames[0]!;
}

async function scope(threadId: number, name: string): Promise<DapVariable[]> {
  const { scopes } = await dap.body<{ scopes: DapScope[] }>('scopes', { frameId: threadId });
  const s = scopes.find((x) => x.name.startsWith(name));
  assert.ok(s, `scope ${name} in ${scopes.map((x) => x.name).join(', ')}`);
  return (await dap.body<{ variables: DapVariable[] }>('variables', { variablesReference: s.variablesReference })).variables;
}

async function children(v: DapVariable | undefined): Promise<DapVariable[]> {
  assert.ok(v && v.variablesReference > 0, `${v?.name} has children`);
  return (await dap.body<{ variables: DapVariable[] }>('variables', { variablesReference: v.variablesReference })).variables;
}

/** The Frames section as the Variables view shows it: row name → value. */
async function framesShown(threadId: number): Promise<Map<string, string>> {
  const machine = await scope(threadId, 'Machine');
  return new Map((await children(machine.find((v) => v.name === 'Frames'))).map((v) => [v.name, v.value]));
}

/** The line of a step text in the file (1-based), e.g. the store. */
const lineOf = (re: RegExp): number => fs.readFileSync(FILE, 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;

let storeBreakpoint: DapBreakpoint;

test('initialize answers the capabilities (step back) and launch stops on entry at the first micro-step', async () => {
  const caps = await dap.body<{ supportsStepBack: boolean; supportsConfigurationDoneRequest: boolean }>('initialize', { adapterID: 'vmscen', linesStartAt1: true, columnsStartAt1: true });
  assert.equal(caps.supportsStepBack, true);
  assert.equal(caps.supportsConfigurationDoneRequest, true);
  await dap.event('initialized');
  const from = dap.mark();
  const launched = dap.request('launch', { file: FILE, scenario: SCENARIO, finding: 0 });
  // VS Code sends the breakpoints and configurationDone while launch is in flight
  const store = lineOf(/^\s*store 0x1000 = 2/);
  const bps = await dap.body<{ breakpoints: DapBreakpoint[] }>('setBreakpoints', { source: { path: FILE }, breakpoints: [{ line: store }, { line: 1 }] });
  assert.equal(bps.breakpoints.length, 2);
  storeBreakpoint = bps.breakpoints[0]!;
  await dap.body('configurationDone');
  const r = await launched;
  assert.ok(r.success, r.message);
  const stop = (await dap.event('stopped', from)).body as { reason: string; threadId: number };
  assert.equal(stop.reason, 'entry');
  assert.equal(stop.threadId, view.steps[0]!.thread + 1, 'the thread of the first micro-step is focused');
  // line 1 (a comment) runs no micro-step: the breakpoint becomes unverified once the interleaving is loaded
  const changed = (await dap.event('breakpoint', from)).body as { breakpoint: DapBreakpoint };
  assert.equal(changed.breakpoint.line, 1);
  assert.equal(changed.breakpoint.verified, false);
  const console = (await dap.event('output', from)).body as { output: string };
  assert.match(console.output, /race lost-write/);
});

test('threads are the scenario\'s threads; each one\'s top frame is its next micro-step at its op\'s line', async () => {
  const { threads } = await dap.body<{ threads: { id: number; name: string }[] }>('threads');
  assert.deepEqual(threads.map((t) => t.name), view.threads.map((t) => `${t.name} (cpu${t.cpu})`));
  for (const t of threads) {
    const first = view.steps.find((s) => s.thread === t.id - 1)!;
    const f = await topFrame(t.id);
    assert.equal(f.line, first.line);
    assert.equal(f.name, `${first.text} — ${first.kernel}`);
    assert.equal(f.source.path, FILE);
  }
  assert.equal((await topFrame(1)).line, lineOf(/^\s*wrprotect 0x1000/));
});

test('the Variables view holds the machine: locks, VMAs, PTEs, TLBs, frames, threads; nothing changed at entry', async () => {
  const t = view.steps[0]!.thread + 1;
  const machine = await scope(t, 'Machine');
  const names = machine.map((v) => v.name);
  for (const s of ['Locks held', 'Address spaces', 'VMAs', 'PTEs', 'TLBs', 'Frames', 'Threads']) assert.ok(names.includes(s), `${s} in ${names.join(', ')}`);
  // each row and cell is the server's snapshot: the stale-able TLB line of CPU 2
  const tlbs = await children(machine.find((v) => v.name === 'TLBs'));
  const tlbRows = view.initial.sections.find((s) => s.title === 'TLBs')!.rows;
  assert.equal(tlbs.length, tlbRows.length);
  assert.ok(tlbs.some((v) => v.name.startsWith('cpu2') && /frame: A/.test(v.value)), JSON.stringify(tlbs));
  const cells = await children(tlbs[0]);
  assert.deepEqual(cells.map((c) => c.value), tlbRows[0]!.cells.map((c) => c || '-'));
  assert.deepEqual(await scope(t, 'Changed since the last stop'), []);
  const thread = await scope(t, `Thread ${view.threads[t - 1]!.name}`);
  assert.ok(thread.some((v) => v.name === 'locks held'), JSON.stringify(thread));
});

test('Step Over runs one micro-step; the changes since the last stop and the machine follow the replay; Step Back undoes it', async () => {
  // step to just after the first micro-step that changes the frames (the copy of the page)
  const framesOf = (i: number) => JSON.stringify((i === 0 ? view.initial : view.steps[i - 1]!.machine).sections.find((s) => s.title === 'Frames')!.rows);
  const k = view.steps.findIndex((_, i) => framesOf(i + 1) !== framesOf(i));
  assert.ok(k >= 0, 'some micro-step changes a frame');
  for (let i = 0; i < k; i++) {
    const stop = await stopAfter(() => dap.body('next', { threadId: 1 }));
    assert.equal(stop.reason, 'step');
    assert.equal(stop.threadId, view.steps[i + 1]!.thread + 1);
  }
  const beforeFrames = await framesShown(view.steps[k]!.thread + 1);
  const ranThread = view.steps[k]!.thread + 1;
  const stop = await stopAfter(() => dap.body('next', { threadId: ranThread }));
  assert.equal(stop.threadId, view.steps[k + 1]!.thread + 1);
  const afterFrames = await framesShown(stop.threadId);
  assert.notDeepEqual([...afterFrames], [...beforeFrames], 'the Frames section shows the change');
  const changes = await scope(stop.threadId, 'Changed since the last stop');
  assert.ok(changes.some((c) => c.name.startsWith('Frames: ')), JSON.stringify(changes));
  // the thread that ran now shows its next micro-step (or where it stopped)
  const next = view.steps.findIndex((s, j) => j > k && s.thread === ranThread - 1);
  if (next >= 0) assert.equal((await topFrame(ranThread)).line, view.steps[next]!.line);
  // Step Back: the machine of the stop before
  const back = await stopAfter(() => dap.body('stepBack', { threadId: stop.threadId }));
  assert.equal(back.threadId, ranThread);
  assert.deepEqual([...(await framesShown(ranThread))], [...beforeFrames]);
  assert.equal((await topFrame(ranThread)).line, view.steps[k]!.line);
});

test('Continue stops at a breakpoint when its op\'s thread runs, then at the finding; Reverse Continue goes back', async () => {
  const store = view.steps.findIndex((s) => s.line === storeBreakpoint.line);
  assert.ok(store > 0, 'the store runs in the interleaving');
  const hit = await stopAfter(() => dap.body('continue', { threadId: 1 }));
  const pos = view.steps.findIndex((s, j) => s.line === storeBreakpoint.line && j > 0);
  assert.equal(hit.reason, 'breakpoint');
  assert.deepEqual(hit.hitBreakpointIds, [storeBreakpoint.id]);
  assert.equal(hit.threadId, view.steps[pos]!.thread + 1);
  assert.equal((await topFrame(hit.threadId)).line, storeBreakpoint.line);
  // on to the end of the interleaving (the store runs once): the finding, as an exception
  const end = await stopAfter(() => dap.body('continue', { threadId: 1 }));
  assert.equal(end.reason, 'exception');
  assert.equal(end.text, view.finding.message);
  const info = await dap.body<{ exceptionId: string; description: string }>('exceptionInfo', { threadId: end.threadId });
  assert.equal(info.exceptionId, 'lost-write');
  const interleaving = await scope(end.threadId, 'Interleaving');
  assert.equal(interleaving.find((v) => v.name === 'position')!.value, `${view.steps.length} of ${view.steps.length} micro-steps`);
  // back to the breakpoint, then to the start
  const again = await stopAfter(() => dap.body('reverseContinue', { threadId: 1 }));
  assert.equal(again.reason, 'breakpoint');
  assert.equal((await topFrame(again.threadId)).line, storeBreakpoint.line);
  const start = await stopAfter(() => dap.body('reverseContinue', { threadId: 1 }));
  assert.equal(start.reason, 'entry');
  assert.equal(start.threadId, view.steps[0]!.thread + 1);
});

test('the debug console evaluates a section or a row of the machine', async () => {
  const r = await dap.body<{ result: string; variablesReference: number }>('evaluate', { expression: 'frames', context: 'repl' });
  assert.match(r.result, /rows?$/);
  assert.ok(r.variablesReference > 0);
  const bad = await dap.request('evaluate', { expression: 'nonsense', context: 'repl' });
  assert.equal(bad.success, false);
  assert.match(bad.message!, /not a section/);
});

test('bad requests are answered with errors, never a crash', async () => {
  const stale = await dap.request('variables', { variablesReference: 999_999 });
  assert.equal(stale.success, false);
  assert.equal((await dap.request('stackTrace', { threadId: 99 })).success, false);
  assert.equal((await dap.request('goto', { threadId: 1, targetId: 1 })).success, false);
  const other = new DapClient({ trace: (p) => lsp.conn.sendRequest(TraceRequest, p) });
  await other.body('initialize', {});
  assert.match((await other.request('launch', {})).message!, /needs 'file'/);
  const unknown = other.request('launch', { file: FILE, scenario: 'no_such_scenario' });
  await other.body('configurationDone');
  const r = await unknown;
  assert.equal(r.success, false);
  assert.match(r.message!, /no scenario 'no_such_scenario'/);
  assert.equal((await other.request('threads')).success, true, 'no threads before a launch, not an error');
});

test('disconnect ends the session', async () => {
  const from = dap.mark();
  await dap.body('disconnect', {});
  await dap.event('terminated', from);
});

test('the Test Explorer\'s Debug profile debugs the finding an expect line is judged by, else the first unexpected one', async () => {
  const text = fs.readFileSync(FILE, 'utf8');
  const checked = await lsp.conn.sendRequest(CheckRequest, { uri: URI, scenario: SCENARIO });
  const s = checked.scenarios.find((x) => x.name === SCENARIO)!;
  const judged = s.expectationResults!.find((e) => e.text === 'expect violation downgrade-needs-flush')!;
  const i = findingToDebug(s, judged.text)!;
  assert.equal(s.findings![i]!.code, 'downgrade-needs-flush');
  const v = await lsp.conn.sendRequest(TraceRequest, { uri: URI, scenario: SCENARIO, finding: i });
  assert.ok(!('error' in v) && v.finding.code === 'downgrade-needs-flush', 'vmscen/trace takes the same index');
  // with its expect line gone, the race is unexpected: the scenario's Debug run steps through it
  const uncovered = pathToFileURL(path.resolve('test-output/uncovered.vmscen')).href;
  const r = await lsp.conn.sendRequest(CheckRequest, { uri: uncovered, text: text.replace(/^\s*expect race lost-write\n/m, ''), publish: false });
  const u = r.scenarios.find((x) => x.name === SCENARIO)!;
  assert.equal(u.findings![findingToDebug(u)!]!.code, 'lost-write');
  assert.equal(u.findings![findingToDebug(u)!]!.expected, false);
  // a clean scenario has nothing to debug
  const clean = (await lsp.conn.sendRequest(CheckRequest, { uri: URI })).scenarios.find((x) => x.verdict === 'ok' && !(x.findings ?? []).length);
  assert.ok(clean, 'the example has a clean scenario');
  assert.equal(findingToDebug(clean), undefined);
  assert.deepEqual(launchConfig('/w/a.vmscen', 'file:///w/a.vmscen', 'x', 1), { type: 'vmscen', request: 'launch', name: 'Debug x (finding 2)', file: '/w/a.vmscen', uri: 'file:///w/a.vmscen', scenario: 'x', finding: 1 });
});

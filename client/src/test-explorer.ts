// The Test Explorer: every .vmscen file of the workspace is a suite, each scenario a test, each
// `expect` line a child. Files are found with findFiles and followed with a file watcher; their
// items come from the server's fast parse (vmscen/testItems: an unopened file's text is read here
// through the workspace file system, bounded, and sent). A run sends vmscen/check per file (or per
// scenario), cancelled with the run; failures carry the server's messages, at the expect line or
// the finding, with the interleaving's steps as the stack trace. Continuous runs re-run a file's
// tests when it changes. The Debug profile runs the tests, then steps through the finding of the
// first one that has one in the scenario debugger (the finding its `expect` line is judged by,
// else the first no `expect` covers).
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { CheckRequest, TestItemsRequest, type ScenarioSummary } from '../../server/src/protocol';
import { debugScenario } from './debug/debugger';
import { findingToDebug } from './debug/debug-target';
import { expectationIds, fileId, fileTree, planRun, scenarioId, scenarioOutcome, type OutcomeMessage, type TestTarget } from './test-results';

/** The largest file read for the server (it refuses larger texts). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const GLOB = '**/*.vmscen';
const EXCLUDE = '**/node_modules/**';

type LspRange = NonNullable<ScenarioSummary['range']>;

function toRange(r: LspRange): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export class TestExplorer implements vscode.Disposable {
  private readonly controller: vscode.TestController;
  private readonly disposables: vscode.Disposable[] = [];
  /** What each item stands for. */
  private readonly targets = new WeakMap<vscode.TestItem, TestTarget>();
  /** Continuous runs in progress, each with what it covers. */
  private readonly continuous = new Set<{ readonly request: vscode.TestRunRequest; readonly token: vscode.CancellationToken; readonly reruns: Map<string, vscode.CancellationTokenSource> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** The last check of each scenario (by scenario id), for the Debug profile. */
  private readonly answers = new Map<string, ScenarioSummary>();

  constructor(private readonly client: BaseLanguageClient) {
    this.controller = vscode.tests.createTestController('vmscen', 'vmscen scenarios');
    this.disposables.push(this.controller);
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
      else await this.refresh(item.uri!);
    };
    this.controller.refreshHandler = async () => this.discover();
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => this.runHandler(request, token), true, undefined, true);
    this.controller.createRunProfile('Debug', vscode.TestRunProfileKind.Debug, (request, token) => this.debugHandler(request, token), true);

    const watcher = vscode.workspace.createFileSystemWatcher(GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => this.changed(uri)),
      watcher.onDidChange((uri) => this.changed(uri)),
      watcher.onDidDelete((uri) => this.controller.items.delete(fileId(uri.toString()))),
      vscode.workspace.onDidOpenTextDocument((d) => this.opened(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.opened(e.document) && this.changed(e.document.uri)),
      // a removed folder's files leave the tree; an added folder is searched like the first discovery
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        const gone: string[] = [];
        this.controller.items.forEach((item) => {
          if (item.uri && !vscode.workspace.getWorkspaceFolder(item.uri)) gone.push(item.id);
        });
        for (const id of gone) this.controller.items.delete(id);
        if (e.added.length) void this.discover();
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.opened(d);
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }

  /** Every .vmscen file of the workspace, with its scenarios. */
  private async discover(): Promise<void> {
    const files = await vscode.workspace.findFiles(GLOB, EXCLUDE);
    for (const f of files) this.fileItem(f);
    for (const f of files) await this.refresh(f).catch(() => undefined);
  }

  private fileItem(uri: vscode.Uri): vscode.TestItem {
    const id = fileId(uri.toString());
    const existing = this.controller.items.get(id);
    if (existing) return existing;
    const item = this.controller.createTestItem(id, vscode.workspace.asRelativePath(uri, false), uri);
    item.canResolveChildren = true;
    this.targets.set(item, { uri: uri.toString() });
    this.controller.items.add(item);
    return item;
  }

  /** A workspace .vmscen document opened in an editor: its items now (for the gutter); whether it is one. */
  private opened(d: vscode.TextDocument): boolean {
    if (d.languageId !== 'vmscen' || !vscode.workspace.getWorkspaceFolder(d.uri)) return false;
    if (!this.controller.items.get(fileId(d.uri.toString()))?.children.size) void this.refresh(d.uri).catch(() => undefined);
    return true;
  }

  /** A file changed (on disk or in an editor): its items again, and its tests in continuous runs, debounced. */
  private changed(uri: vscode.Uri): void {
    const key = uri.toString();
    const prev = this.timers.get(key);
    if (prev) clearTimeout(prev);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.refresh(uri)
          .then(() => this.rerunContinuous(uri))
          .catch(() => undefined);
      }, 300),
    );
  }

  /** The text to send for a file the editor has not opened (the server has open documents' own). */
  private async textOf(uri: vscode.Uri): Promise<string | undefined> {
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString() && d.languageId === 'vmscen')) return undefined;
    const st = await vscode.workspace.fs.stat(uri);
    if (st.size > MAX_FILE_BYTES) throw new Error(`${st.size} bytes, over the ${MAX_FILE_BYTES}-byte limit`);
    return new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(uri));
  }

  /** A file's scenarios and expect lines, from the server's fast parse. */
  private async refresh(uri: vscode.Uri, token?: vscode.CancellationToken): Promise<vscode.TestItem> {
    const file = this.fileItem(uri);
    const text = await this.textOf(uri);
    const r = await this.client.sendRequest(TestItemsRequest, { uri: uri.toString(), ...(text !== undefined ? { text } : {}) }, token);
    // the items already there are updated, not replaced, so a run in progress keeps them
    const children = fileTree(uri.toString(), r.scenarios).map((s) => {
      const sc = this.item(file, s.id, s.scenario.name, uri, s.scenario.range, s.scenario.name);
      sc.children.replace(s.expectations.map((e) => this.item(sc, e.id, e.text, uri, e.range, s.scenario.name)));
      return sc;
    });
    file.children.replace(children);
    file.canResolveChildren = false;
    file.error = r.errors ? `${r.errors} error${r.errors === 1 ? '' : 's'}: scenarios with errors are not explored` : undefined;
    return file;
  }

  /** The child `id` of `parent`: the one there, or a new one. */
  private item(parent: vscode.TestItem, id: string, label: string, uri: vscode.Uri, range: LspRange, scenario: string): vscode.TestItem {
    const item = parent.children.get(id) ?? this.controller.createTestItem(id, label, uri);
    item.range = toRange(range);
    this.targets.set(item, { uri: uri.toString(), scenario });
    return item;
  }

  private runHandler(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> | void {
    if (request.continuous) {
      const entry = { request, token, reruns: new Map<string, vscode.CancellationTokenSource>() };
      this.continuous.add(entry);
      token.onCancellationRequested(() => this.continuous.delete(entry));
      return;
    }
    return this.run(request, token);
  }

  /** Run the tests, then debug the finding of the first one that has one. */
  private async debugHandler(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    await this.run(request, token);
    if (token.isCancellationRequested) return;
    const items: vscode.TestItem[] = request.include ? [...request.include] : [];
    if (!request.include) this.controller.items.forEach((i) => items.push(i));
    // a file stands for its scenarios
    const candidates = items.flatMap((i) => {
      if (this.targets.get(i)?.scenario !== undefined) return [i];
      const children: vscode.TestItem[] = [];
      i.children.forEach((c) => children.push(c));
      return children;
    });
    for (const item of candidates) {
      const t = this.targets.get(item);
      if (!t?.scenario) continue;
      const s = this.answers.get(scenarioId(t.uri, t.scenario));
      const finding = s && findingToDebug(s, item.label === t.scenario ? undefined : item.label);
      if (finding === undefined) continue;
      await debugScenario({ uri: t.uri, scenario: t.scenario, finding });
      return;
    }
    void vscode.window.showInformationMessage('vmscen: nothing to debug: no finding in the tests run');
  }

  /** The files a continuous run covers and `uri` is one of: run that file's part of it, stopping its previous re-run. */
  private rerunContinuous(uri: vscode.Uri): void {
    const file = this.controller.items.get(fileId(uri.toString()));
    if (!file) return;
    for (const entry of this.continuous) {
      const { request, token } = entry;
      if (token.isCancellationRequested) continue;
      const include = request.include ? request.include.filter((i) => i.uri?.toString() === uri.toString()) : [file];
      if (include.length === 0) continue;
      const key = uri.toString();
      entry.reruns.get(key)?.cancel();
      const cts = new vscode.CancellationTokenSource();
      entry.reruns.set(key, cts);
      const stop = token.onCancellationRequested(() => cts.cancel());
      void this.run(new vscode.TestRunRequest(include, request.exclude, request.profile, true), cts.token).finally(() => {
        stop.dispose();
        if (entry.reruns.get(key) === cts) entry.reruns.delete(key);
        cts.dispose();
      });
    }
  }

  /** Whether `item` is excluded by the request, itself or through an ancestor. */
  private excluded(item: vscode.TestItem, request: vscode.TestRunRequest): boolean {
    for (let i: vscode.TestItem | undefined = item; i; i = i.parent) if (request.exclude?.includes(i)) return true;
    return false;
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    try {
      if (!request.include && this.controller.items.size === 0) await this.discover();
      const roots: vscode.TestItem[] = request.include ? [...request.include] : [];
      if (!request.include) this.controller.items.forEach((i) => roots.push(i));
      const targets = roots.filter((i) => !this.excluded(i, request)).map((i) => this.targets.get(i)).filter((t): t is TestTarget => t !== undefined);
      for (const step of planRun(targets)) {
        if (token.isCancellationRequested) break;
        await this.runFile(run, request, vscode.Uri.parse(step.uri), step.scenarios, token);
      }
    } finally {
      run.end();
    }
  }

  private async runFile(run: vscode.TestRun, request: vscode.TestRunRequest, uri: vscode.Uri, scenarios: 'all' | readonly string[], token: vscode.CancellationToken): Promise<void> {
    let file: vscode.TestItem;
    try {
      file = await this.refresh(uri, token);
    } catch (e) {
      const item = this.controller.items.get(fileId(uri.toString()));
      if (item && !token.isCancellationRequested) run.errored(item, new vscode.TestMessage(`could not read ${uri.fsPath}: ${(e as Error).message}`));
      return;
    }
    const items: vscode.TestItem[] = [];
    file.children.forEach((sc) => {
      if ((scenarios === 'all' || scenarios.includes(sc.label)) && !this.excluded(sc, request)) items.push(sc);
    });
    for (const sc of items) {
      run.started(sc);
      sc.children.forEach((ex) => run.started(ex));
    }
    let text: string | undefined;
    const answers: ScenarioSummary[] = [];
    try {
      text = await this.textOf(uri);
      const one = scenarios !== 'all' && items.length === 1 && file.children.size > 1;
      // an unopened file's results go to the Test Explorer only, not to the Problems panel
      const r = await this.client.sendRequest(CheckRequest, { uri: uri.toString(), ...(one ? { scenario: items[0]!.label } : {}), ...(text !== undefined ? { text, publish: false } : {}) }, token);
      answers.push(...r.scenarios);
    } catch (e) {
      for (const sc of items) {
        if (token.isCancellationRequested) run.skipped(sc);
        else run.errored(sc, new vscode.TestMessage(`vmscen: ${(e as Error).message}`));
      }
      return;
    }
    for (const sc of items) {
      const s = answers.find((a) => a.name === sc.label);
      if (!s) {
        run.skipped(sc);
        continue;
      }
      this.answers.set(scenarioId(uri.toString(), s.name), s);
      const o = scenarioOutcome(s);
      const msgs = o.messages.map((m) => this.message(uri, m));
      this.report(run, sc, o.status, msgs, o.durationMs);
      // each expect line's item by its id, so an edit during the run cannot shift results to other lines
      const ids = expectationIds(uri.toString(), s.name, (s.expectationResults ?? []).map((e) => e.text));
      o.expectations.forEach((eo, i) => {
        const ex = sc.children.get(ids[i]!);
        if (ex && !this.excluded(ex, request)) this.report(run, ex, eo.status, eo.messages.map((m) => this.message(uri, m)));
      });
    }
  }

  private report(run: vscode.TestRun, item: vscode.TestItem, status: string, messages: vscode.TestMessage[], ms?: number): void {
    if (status === 'passed') run.passed(item, ms);
    else if (status === 'failed') run.failed(item, messages, ms);
    else if (status === 'errored') run.errored(item, messages, ms);
    else run.skipped(item);
  }

  /** A failure message at its place, with the interleaving as its stack trace (numbered, the first step first). */
  private message(uri: vscode.Uri, m: OutcomeMessage): vscode.TestMessage {
    const msg = new vscode.TestMessage(m.text);
    if (m.range) msg.location = new vscode.Location(uri, toRange(m.range));
    if (m.steps.length) msg.stackTrace = m.steps.map((s) => new vscode.TestMessageStackFrame(s.label, uri, toRange(s.range).start));
    return msg;
  }
}

export function registerTestExplorer(context: vscode.ExtensionContext, client: BaseLanguageClient): void {
  context.subscriptions.push(new TestExplorer(client));
}

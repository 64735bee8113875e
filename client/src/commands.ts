// The commands: check the scenario at the cursor, the file or the workspace; show an
// interleaving; show a scenario's outcomes; compare designs; stop; open an example. Long explorations show progress with
// a cancel button that cancels the server request (and so terminates its worker).
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { CheckRequest, Commands, CompareDesignsRequest, OutcomesRequest, StopRequest, TraceRequest, type CheckResult, type ScenarioSummary } from '../../server/src/protocol';
import { restarts } from './client-options';
import { sourceOf, TracePanel } from './trace-panel';

/** A URI's last path segment (any scheme: file, vscode-vfs, …). */
function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

export interface ScenarioArgs {
  readonly uri: string;
  readonly scenario?: string;
  readonly finding?: number;
}

/** The scenario the cursor is in: the nearest `scenario NAME {` at or above it. */
export function scenarioAtCursor(): ScenarioArgs | undefined {
  const ed = vscode.window.activeTextEditor;
  if (!ed || ed.document.languageId !== 'vmscen') return undefined;
  for (let l = ed.selection.active.line; l >= 0; l--) {
    const m = /^\s*scenario\s+([A-Za-z_][A-Za-z0-9_]*)/.exec(ed.document.lineAt(l).text);
    if (m) return { uri: ed.document.uri.toString(), scenario: m[1]! };
  }
  return { uri: ed.document.uri.toString() };
}

function describe(s: ScenarioSummary): string {
  const findings = [...s.races, ...s.violations];
  return `${s.name} (${s.locking}): ${s.verdict}${findings.length ? ` — ${[...new Set(findings)].join(', ')}` : ''}; ${s.expectationsMet}/${s.expectations} expectations met; ${s.states.toLocaleString('en-US')} states${s.complete ? '' : ' (incomplete)'}`;
}

async function withProgress<T>(title: string, run: (token: vscode.CancellationToken) => Thenable<T>): Promise<T | undefined> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (_p, token) => {
    try {
      return await run(token);
    } catch (e) {
      if (token.isCancellationRequested) return undefined;
      throw e;
    }
  });
}

/** The largest file Check Workspace sends (the server refuses larger texts). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export function registerCommands(context: vscode.ExtensionContext, client: BaseLanguageClient, output: vscode.OutputChannel): void {
  const reg = (id: string, fn: (...args: never[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  };
  const report = (r: CheckResult | undefined): void => {
    if (!r) return;
    for (const s of r.scenarios) output.appendLine(`${vscode.Uri.parse(r.uri).fsPath}:${s.line}: ${describe(s)}`);
    const bad = r.scenarios.filter((s) => s.verdict !== 'ok');
    const msg = r.scenarios.length === 1 ? describe(r.scenarios[0]!) : `${r.scenarios.length} scenarios: ${r.scenarios.length - bad.length} ok${bad.length ? `, ${bad.length} with findings or failures` : ''}`;
    if (r.errors) void vscode.window.showErrorMessage(`vmscen: ${r.errors} error${r.errors === 1 ? '' : 's'} in ${baseName(vscode.Uri.parse(r.uri))}: fix them to explore`);
    else if (bad.length) void vscode.window.showWarningMessage(`vmscen: ${msg}`, 'Show interleaving').then((a) => a && vscode.commands.executeCommand(Commands.showInterleaving, { uri: r.uri, scenario: bad[0]!.name }));
    else void vscode.window.showInformationMessage(`vmscen: ${msg}`);
  };

  reg(Commands.checkScenario, async (args?: ScenarioArgs) => {
    const a = args ?? scenarioAtCursor();
    if (!a) return void vscode.window.showWarningMessage('vmscen: open a .vmscen file first');
    const r = await withProgress(`vmscen: checking ${a.scenario ?? 'the file'}…`, (token) => client.sendRequest(CheckRequest, { uri: a.uri, ...(a.scenario ? { scenario: a.scenario } : {}) }, token));
    report(r);
  });

  reg(Commands.checkFile, async () => {
    const a = scenarioAtCursor();
    if (!a) return void vscode.window.showWarningMessage('vmscen: open a .vmscen file first');
    report(await withProgress('vmscen: checking the file…', (token) => client.sendRequest(CheckRequest, { uri: a.uri }, token)));
  });

  reg(Commands.checkWorkspace, async () => {
    const files = await vscode.workspace.findFiles('**/*.vmscen', '**/node_modules/**');
    if (files.length === 0) return void vscode.window.showInformationMessage('vmscen: no .vmscen file in the workspace');
    let ok = 0;
    let bad = 0;
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'vmscen: checking the workspace', cancellable: true }, async (progress, token) => {
      for (const [i, f] of files.entries()) {
        if (token.isCancellationRequested) break;
        progress.report({ message: `${baseName(f)} (${i + 1}/${files.length})`, increment: 100 / files.length });
        try {
          // read through the workspace file system (virtual workspaces too); the server reads nothing itself
          const st = await vscode.workspace.fs.stat(f);
          if (st.size > MAX_FILE_BYTES) throw new Error(`${st.size} bytes, over the ${MAX_FILE_BYTES}-byte limit: skipped`);
          const text = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(f));
          const r = await client.sendRequest(CheckRequest, { uri: f.toString(), text }, token);
          for (const s of r.scenarios) {
            output.appendLine(`${f.fsPath}:${s.line}: ${describe(s)}`);
            if (s.verdict === 'ok') ok++;
            else bad++;
          }
          if (r.errors) bad++;
        } catch (e) {
          if (!token.isCancellationRequested) output.appendLine(`${f.fsPath}: ${(e as Error).message}`);
        }
      }
    });
    output.show(true);
    void vscode.window.showInformationMessage(`vmscen: ${files.length} files: ${ok} scenarios ok, ${bad} with findings, failures or errors (details in the vmscen output)`);
  });

  reg(Commands.showInterleaving, async (args?: ScenarioArgs) => {
    const a = args ?? scenarioAtCursor();
    if (!a?.scenario) return void vscode.window.showWarningMessage('vmscen: put the cursor in a scenario to show its interleaving');
    const panel = TracePanel.show(context, client);
    const generation = panel.begin();
    const source = sourceOf(a.uri);
    panel.post({ type: 'loading', message: `exploring ${a.scenario}…` }, generation);
    const view = await withProgress(`vmscen: building the interleaving of ${a.scenario}…`, (token) => client.sendRequest(TraceRequest, { uri: a.uri, scenario: a.scenario!, ...(a.finding !== undefined ? { finding: a.finding } : {}) }, token));
    if (!view) return;
    if ('error' in view) panel.post({ type: 'error', message: view.error }, generation);
    else panel.post({ type: 'show', view, source }, generation);
  });

  reg(Commands.showOutcomes, async (args?: ScenarioArgs) => {
    const a = args ?? scenarioAtCursor();
    if (!a?.scenario) return void vscode.window.showWarningMessage('vmscen: put the cursor in a scenario to show its outcomes');
    const panel = TracePanel.show(context, client);
    const generation = panel.begin();
    const source = sourceOf(a.uri);
    panel.post({ type: 'loading', message: `exploring ${a.scenario} for its outcomes…` }, generation);
    const result = await withProgress(`vmscen: collecting the outcomes of ${a.scenario}…`, (token) => client.sendRequest(OutcomesRequest, { uri: a.uri, scenario: a.scenario! }, token));
    if (!result) return;
    if ('error' in result) panel.post({ type: 'error', message: result.error }, generation);
    else panel.post({ type: 'outcomes', result, source }, generation);
  });

  reg(Commands.compareDesigns, async (args?: ScenarioArgs) => {
    const a = args ?? scenarioAtCursor();
    if (!a) return void vscode.window.showWarningMessage('vmscen: open a .vmscen file first');
    const panel = TracePanel.show(context, client);
    const generation = panel.begin();
    const source = sourceOf(a.uri);
    panel.post({ type: 'loading', message: 'running every locking design…' }, generation);
    const table = await withProgress('vmscen: comparing locking designs…', (token) => client.sendRequest(CompareDesignsRequest, { uri: a.uri, ...(a.scenario ? { scenario: a.scenario } : {}) }, token));
    if (!table) return;
    panel.post({ type: 'compare', title: a.scenario ? `Designs: ${a.scenario}` : 'Designs', table, source }, generation);
    for (const row of table.rows) output.appendLine(`${row.scenario}: ${row.cells.map((c) => `${c.design}: ${c.verdict}`).join(' | ')}`);
  });

  reg(Commands.stop, async () => {
    const r = await client.sendRequest(StopRequest, {});
    void vscode.window.showInformationMessage(`vmscen: stopped ${r.stopped} exploration${r.stopped === 1 ? '' : 's'}`);
  });

  reg(Commands.restartServer, async () => {
    restarts.reset();
    // stop and start: what the Node client's restart() does, on either platform's client
    if (client.isRunning()) await client.stop();
    await client.start();
    void vscode.window.showInformationMessage('vmscen: the language server was restarted');
  });

  reg(Commands.openExample, async () => {
    const dir = vscode.Uri.joinPath(context.extensionUri, 'examples');
    let entries: [string, vscode.FileType][] = [];
    try {
      entries = await vscode.workspace.fs.readDirectory(dir);
    } catch {
      return void vscode.window.showErrorMessage('vmscen: the examples are not installed with this extension');
    }
    const picks = entries.filter(([n]) => n.endsWith('.vmscen')).map(([n]) => ({ label: n.replace(/\.vmscen$/, ''), file: n }));
    const pick = await vscode.window.showQuickPick(picks, { placeHolder: 'Open an example scenario (a historic mm race)' });
    if (pick) await vscode.window.showTextDocument(vscode.Uri.joinPath(dir, pick.file));
  });
}

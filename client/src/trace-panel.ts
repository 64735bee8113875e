// The interleaving view's host: one webview panel, a strict content security policy, no
// remote resources. It forwards what the server computed and turns the view's messages into
// editor actions (jump to a line, copy text).
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { TraceRequest, type HostToWebview, type ViewSource, type WebviewToHost } from '../../server/src/protocol';
import { clickTarget, PanelKeys } from './panel-keys';

/** The view's source: a document and the version the editor has of it now. */
export function sourceOf(uri: string): ViewSource {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
  return { uri, version: doc ? doc.version : null };
}

export class TracePanel {
  private static current: TracePanel | undefined;
  private readonly pending: HostToWebview[] = [];
  private ready = false;
  /** Requests started for this panel: a result older than the newest is dropped. */
  private readonly keys = new PanelKeys();

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly client: BaseLanguageClient,
  ) {
    panel.webview.html = this.html();
    panel.onDidDispose(() => {
      if (TracePanel.current === this) TracePanel.current = undefined;
    });
    panel.webview.onDidReceiveMessage((m: WebviewToHost) => void this.receive(m));
  }

  static show(context: vscode.ExtensionContext, client: BaseLanguageClient): TracePanel {
    if (TracePanel.current) {
      TracePanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      return TracePanel.current;
    }
    const panel = vscode.window.createWebviewPanel('vmscen.interleaving', 'vmscen: interleaving', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')],
    });
    TracePanel.current = new TracePanel(panel, context, client);
    return TracePanel.current;
  }

  /** Start a request whose results the panel shows; pass its generation to post(). */
  begin(): number {
    return this.keys.begin();
  }

  /** Show a message; one that answers a request older than the newest is dropped. */
  post(m: HostToWebview, generation?: number): void {
    if (generation !== undefined && !this.keys.current(generation)) return;
    if (m.type === 'show') this.panel.title = `vmscen: ${m.view.scenario} — ${m.view.finding.code}${m.view.design === 'classic' ? '' : ` (${m.view.design})`}`;
    else if (m.type === 'compare') this.panel.title = `vmscen: ${m.title}`;
    else if (m.type === 'outcomes') this.panel.title = `vmscen: outcomes of ${m.result.scenario}`;
    if (this.ready) void this.panel.webview.postMessage(m);
    else this.pending.push(m);
  }

  private async receive(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        for (const p of this.pending.splice(0)) void this.panel.webview.postMessage(p);
        return;
      case 'reveal': {
        const target = clickTarget(m.source, sourceOf(m.source.uri).version);
        if ('stale' in target) return void vscode.window.showWarningMessage(`vmscen: ${target.stale}`);
        const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(target.uri));
        const pos = new vscode.Position(Math.max(0, m.line - 1), Math.max(0, m.col - 1));
        await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos), preserveFocus: false });
        return;
      }
      case 'copy':
        await vscode.env.clipboard.writeText(m.text);
        void vscode.window.showInformationMessage('vmscen: interleaving copied as text');
        return;
      case 'trace': {
        // the table's own document and version, never whatever the panel shows by now
        const target = clickTarget(m.source, sourceOf(m.source.uri).version);
        if ('stale' in target) return this.post({ type: 'error', message: target.stale });
        const generation = this.begin();
        const source = sourceOf(target.uri);
        this.post({ type: 'loading', message: `exploring ${m.scenario} under ${m.design}…` }, generation);
        const view = await this.client.sendRequest(TraceRequest, { uri: target.uri, scenario: m.scenario, design: m.design, finding: m.finding });
        this.post('error' in view ? { type: 'error', message: view.error } : { type: 'show', view, source }, generation);
        return;
      }
    }
  }

  private html(): string {
    // Web Crypto: in the desktop extension host (Node) and in the browser's alike
    const nonce = btoa(String.fromCharCode(...globalThis.crypto.getRandomValues(new Uint8Array(16))));
    const script = this.panel.webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'webview.js'));
    const csp = [`default-src 'none'`, `img-src ${this.panel.webview.cspSource}`, `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>vmscen interleaving</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<div id="app"><p class="muted">Waiting for an interleaving…</p></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

const STYLE = `
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 12px; }
.muted { color: var(--vscode-descriptionForeground); }
header h2 { margin: 8px 0 2px; font-size: 1.15em; }
header .msg { margin: 0 0 8px; }
.race { color: var(--vscode-errorForeground); }
.violation { color: var(--vscode-editorWarning-foreground); }
button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 10px; cursor: pointer; margin-right: 6px; }
button:hover { background: var(--vscode-button-hoverBackground); }
.layout { display: flex; gap: 12px; align-items: flex-start; }
.trace { flex: 3; overflow: auto; max-height: calc(100vh - 130px); min-width: 0; }
.machine { flex: 2; overflow: auto; max-height: calc(100vh - 130px); position: sticky; top: 0; min-width: 0; }
@media (max-width: 1100px) { .layout { flex-direction: column; } .trace, .machine { max-height: none; width: 100%; } }
table { border-collapse: collapse; width: 100%; }
th, td { padding: 2px 6px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--vscode-editorWidget-border, #8883); }
th { position: sticky; top: 0; background: var(--vscode-editor-background); }
table.grid { table-layout: fixed; }
table.grid th:first-child, table.grid td.num { width: 2.5em; }
table.grid td.cell { font-family: var(--vscode-editor-font-family); white-space: normal; overflow-wrap: anywhere; border-left: 4px solid transparent; }
table.grid td.cell.held { border-left-color: var(--vscode-charts-orange, #d18616); }
table.grid td.cell.irq { border-left-color: var(--vscode-charts-red, #e51400); }
table.grid td.cell.mmap-w { border-left-color: var(--vscode-charts-purple, #8a4fff); }
table.grid td.cell.mmap-r { border-left-color: var(--vscode-charts-blue, #1a85ff); }
.kernel { display: block; color: var(--vscode-descriptionForeground); font-size: 0.85em; }
tr.step { cursor: pointer; }
tr.step:hover { background: var(--vscode-list-hoverBackground); }
tr.step.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
tr.step.last td.num { color: var(--vscode-errorForeground); font-weight: bold; }
#app.slice-only tr.step.outside { opacity: 0.4; }
td.num { color: var(--vscode-descriptionForeground); text-align: right; }
td.changed { background: var(--vscode-diffEditor-insertedTextBackground, #9bb95533); font-weight: bold; }
.machine h3 { margin: 10px 0 2px; font-size: 1em; }
.legend span { display: inline-block; margin-right: 10px; padding-left: 6px; border-left: 4px solid; }
.legend .mmap-r { border-color: var(--vscode-charts-blue, #1a85ff); }
.legend .mmap-w { border-color: var(--vscode-charts-purple, #8a4fff); }
.legend .held { border-color: var(--vscode-charts-orange, #d18616); }
.legend .irq { border-color: var(--vscode-charts-red, #e51400); }
`;

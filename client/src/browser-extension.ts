// The web extension (package.json `browser`: vscode.dev, github.dev): the language server runs
// in a web worker (dist/browser-server.js) and speaks LSP over postMessage; explorations run in
// workers nested in it. The features are the desktop's (features.ts) but the `vmscen` task,
// which needs Node to run the CLI.
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/browser';
import { clientOptions } from './client-options';
import { registerFeatures } from './features';

let stop: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverMain = vscode.Uri.joinPath(context.extensionUri, 'dist', 'browser-server.js');
  // a fresh worker on every start, so a restart does not reuse a terminated one
  const client = new LanguageClient('vmscen', 'vmscen', async () => new Worker(serverMain.toString(true)), clientOptions());
  await client.start();
  stop = () => client.stop();
  registerFeatures(context, client, {});
}

export async function deactivate(): Promise<void> {
  await stop?.();
}

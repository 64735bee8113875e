// The web extension (package.json `browser`: vscode.dev, github.dev): the language server runs
// in a web worker (dist/browser-server.js) and speaks LSP over postMessage; explorations run in
// workers nested in it. The features are the desktop's (features.ts) but the `vmscen` task,
// which needs Node to run the CLI.
import * as vscode from 'vscode';
import { BrowserMessageReader, BrowserMessageWriter, LanguageClient, type MessageTransports } from 'vscode-languageclient/browser';
import { clientOptions } from './client-options';
import { registerFeatures } from './features';

let stop: (() => Promise<void>) | undefined;

/**
 * The server's web worker. The workbench starts a worker from an extension's URL when it can
 * (vscode.dev, github.dev); for an extension installed on a remote (code-server, Codespaces) it
 * refuses ("Creating workers from remote extensions is currently not supported"), so the bundle
 * is then read through the workspace file system and started from a Blob URL.
 */
async function startServer(serverMain: vscode.Uri): Promise<Worker> {
  try {
    return new Worker(serverMain.toString(true));
  } catch {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(serverMain));
    return new Worker(URL.createObjectURL(new Blob([text], { type: 'text/javascript' })), { name: 'vmscen language server' });
  }
}

/** The running server's worker: ended when the client stops or starts another. */
let server: Worker | undefined;

/**
 * A fresh server worker on every start (a restart must not reuse a terminated one), as message
 * transports: the client's own `instanceof Worker` test fails on a worker the workbench's
 * patched `Worker` made.
 */
async function transports(serverMain: vscode.Uri): Promise<MessageTransports> {
  server?.terminate();
  server = await startServer(serverMain);
  return { reader: new BrowserMessageReader(server), writer: new BrowserMessageWriter(server) };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverMain = vscode.Uri.joinPath(context.extensionUri, 'dist', 'browser-server.js');
  const client = new LanguageClient('vmscen', 'vmscen', () => transports(serverMain), clientOptions());
  await client.start();
  stop = async () => {
    await client.stop();
    server?.terminate();
  };
  registerFeatures(context, client, {});
}

export async function deactivate(): Promise<void> {
  await stop?.();
}

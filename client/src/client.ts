// The LanguageClient of the desktop extension: the server runs as a Node module over IPC
// (dist/server.js). The browser extension's client is in browser-extension.ts.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { LanguageClient, TransportKind, type ServerOptions } from 'vscode-languageclient/node';
import { clientOptions } from './client-options';

export async function startClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  // a larger young generation: parse+check on every keystroke allocates many short-lived objects
  const execArgv = ['--max-semi-space-size=64'];
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...execArgv, '--nolazy', '--inspect=6019'] } },
  };
  const client = new LanguageClient('vmscen', 'vmscen', serverOptions, clientOptions());
  await client.start();
  return client;
}

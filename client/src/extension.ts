// The VS Code extension: starts the language server, registers the commands, the status bar
// item and the interleaving view. It holds no semantics: everything comes from the server.
import * as vscode from 'vscode';
import { startClient } from './client';
import { registerCommands } from './commands';
import { registerDebugger } from './debug/debugger';
import { StatusBar } from './status-bar';
import { registerTasks } from './tasks';
import { registerTestExplorer } from './test-explorer';

let stop: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('vmscen');
  context.subscriptions.push(output);
  const client = await startClient(context);
  stop = () => client.stop();
  const status = new StatusBar(client);
  context.subscriptions.push(status);
  registerCommands(context, client, output);
  registerTasks(context);
  registerDebugger(context, client);
  registerTestExplorer(context, client);
}

export async function deactivate(): Promise<void> {
  await stop?.();
}

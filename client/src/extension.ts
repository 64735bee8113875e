// The desktop VS Code extension (package.json `main`): starts the language server as a Node
// process and registers the features (features.ts). It holds no semantics: everything comes
// from the server. The browser extension is browser-extension.ts.
import type * as vscode from 'vscode';
import { startClient } from './client';
import { registerFeatures } from './features';
import { registerTasks } from './tasks';

let stop: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const client = await startClient(context);
  stop = () => client.stop();
  registerFeatures(context, client, { registerNodeFeatures: registerTasks });
}

export async function deactivate(): Promise<void> {
  await stop?.();
}

// The LanguageClient: the server runs as a Node module over IPC (dist/server.js).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { MAX_RESTARTS, RestartPolicy } from './restart-policy';

/** Automatic restarts of the server; the Restart Server command resets it. */
export const restarts = new RestartPolicy();

export function settings(): Record<string, unknown> {
  const c = vscode.workspace.getConfiguration('vmscen');
  return {
    maxStates: c.get<number>('maxStates'),
    timeLimitMs: c.get<number>('timeLimitMs'),
    maxMemoryMb: c.get<number>('maxMemoryMb'),
    exploreWhileTyping: c.get<boolean>('exploreWhileTyping'),
    debounceMs: c.get<number>('debounceMs'),
  };
}

export async function startClient(context: vscode.ExtensionContext): Promise<LanguageClient> {
  const module = context.asAbsolutePath(path.join('dist', 'server.js'));
  // a larger young generation: parse+check on every keystroke allocates many short-lived objects
  const execArgv = ['--max-semi-space-size=64'];
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv } },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...execArgv, '--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'vmscen' }],
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        const r = restarts.closed(Date.now());
        if (r.restart) {
          void vscode.window.showWarningMessage(`vmscen: the language server stopped; restarting it (${r.attempt} of ${MAX_RESTARTS})`);
          return { action: CloseAction.Restart, handled: true };
        }
        void vscode.window.showErrorMessage(`vmscen: the language server stopped ${MAX_RESTARTS + 1} times in a few minutes and is not restarted; run "vmscen: Restart Server" (details in the vmscen output)`);
        return { action: CloseAction.DoNotRestart, handled: true };
      },
    },
    synchronize: { configurationSection: 'vmscen' },
    initializationOptions: { settings: settings() },
  };
  const client = new LanguageClient('vmscen', 'vmscen', serverOptions, clientOptions);
  await client.start();
  return client;
}

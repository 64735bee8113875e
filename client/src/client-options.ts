// What the Node and the browser LanguageClient share: the document selector, the settings sent
// at start, the error handler with its bounded restarts.
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, type LanguageClientOptions } from 'vscode-languageclient';
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

export function clientOptions(): LanguageClientOptions {
  return {
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
}

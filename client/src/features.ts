// The extension's features on a started LanguageClient, whichever platform runs it: the status
// bar item, the commands, the scenario debugger, the Test Explorer, and (desktop only) the
// `vmscen` task, which runs the bundled CLI on the editor's Node.
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { registerCommands } from './commands';
import { registerDebugger } from './debug/debugger';
import { StatusBar } from './status-bar';
import { registerTestExplorer } from './test-explorer';

export interface Platform {
  /** Registers what needs Node (the task provider); absent in the browser. */
  readonly registerNodeFeatures?: (context: vscode.ExtensionContext) => void;
}

export function registerFeatures(context: vscode.ExtensionContext, client: BaseLanguageClient, platform: Platform): void {
  const output = vscode.window.createOutputChannel('vmscen');
  context.subscriptions.push(output, new StatusBar(client));
  registerCommands(context, client, output);
  platform.registerNodeFeatures?.(context);
  registerDebugger(context, client);
  registerTestExplorer(context, client);
}

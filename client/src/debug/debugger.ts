// The `vmscen` debugger in VS Code: an inline debug adapter (DebugAdapterInlineImplementation)
// whose core, ScenarioDebugSession, asks the language server for the replay (vmscen/trace), so
// there is no second engine; a configuration provider that debugs the scenario at the cursor
// when there is no launch.json; and the "Debug scenario" command the code lens runs.
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { Commands, TraceRequest } from '../../../server/src/protocol';
import { scenarioAtCursor, type ScenarioArgs } from '../commands';
import type { DapMessage } from './dap';
import { launchConfig } from './debug-target';
import { ScenarioDebugSession } from './session';

export const DEBUG_TYPE = 'vmscen';

class InlineAdapter implements vscode.DebugAdapter {
  private readonly sent = new vscode.EventEmitter<vscode.DebugProtocolMessage>();
  readonly onDidSendMessage = this.sent.event;
  private readonly session: ScenarioDebugSession;

  constructor(client: BaseLanguageClient) {
    this.session = new ScenarioDebugSession({ trace: (p) => client.sendRequest(TraceRequest, p) }, (m) => this.sent.fire(m));
  }

  handleMessage(message: vscode.DebugProtocolMessage): void {
    // VS Code hands over DAP messages as opaque objects: they are the protocol's requests
    this.session.handleMessage(message as DapMessage);
  }

  dispose(): void {
    this.sent.dispose();
  }
}

/** The URI the editor knows a file by (an open document's own, else a file URI). */
function uriOf(file: string): string {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  return (open?.uri ?? vscode.Uri.file(file)).toString();
}

/** Start a debug session on a finding of a scenario. */
export async function debugScenario(a: ScenarioArgs & { readonly scenario: string }): Promise<boolean> {
  const uri = vscode.Uri.parse(a.uri);
  return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), launchConfig(uri.fsPath, a.uri, a.scenario, a.finding ?? 0));
}

export function registerDebugger(context: vscode.ExtensionContext, client: BaseLanguageClient): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new InlineAdapter(client)),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, {
      resolveDebugConfiguration(_folder, config) {
        // F5 without a launch.json: the scenario at the cursor
        if (config.type || config.request || config.name) return config;
        const a = scenarioAtCursor();
        if (!a?.scenario) {
          void vscode.window.showWarningMessage('vmscen: put the cursor in a scenario with a finding to debug it');
          return undefined;
        }
        return launchConfig(vscode.Uri.parse(a.uri).fsPath, a.uri, a.scenario);
      },
      resolveDebugConfigurationWithSubstitutedVariables(_folder, config) {
        return typeof config.file === 'string' && !config.uri ? { ...config, uri: uriOf(config.file) } : config;
      },
    }),
    vscode.commands.registerCommand(Commands.debugScenario, async (args?: ScenarioArgs) => {
      const a = args ?? scenarioAtCursor();
      if (!a?.scenario) return void vscode.window.showWarningMessage('vmscen: put the cursor in a scenario with a finding to debug it');
      await debugScenario({ ...a, scenario: a.scenario });
    }),
  );
}

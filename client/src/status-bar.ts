// A status bar item with the result of the last exploration of the active file.
import * as vscode from 'vscode';
import type { BaseLanguageClient } from 'vscode-languageclient';
import { Commands, StatusNotification, type StatusParams } from '../../server/src/protocol';

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly last = new Map<string, StatusParams>();
  private readonly subs: vscode.Disposable[] = [];

  constructor(client: BaseLanguageClient) {
    this.item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'vmscen';
    this.subs.push(client.onNotification(StatusNotification, (p) => {
      this.last.set(p.uri, p);
      this.render();
    }));
    this.subs.push(vscode.window.onDidChangeActiveTextEditor(() => this.render()));
    this.render();
  }

  private render(): void {
    const ed = vscode.window.activeTextEditor;
    if (!ed || ed.document.languageId !== 'vmscen') {
      this.item.hide();
      return;
    }
    const p = this.last.get(ed.document.uri.toString());
    if (!p) {
      this.item.text = '$(beaker) vmscen';
      this.item.tooltip = 'vmscen: not explored yet';
    } else if (p.state === 'exploring') {
      this.item.text = '$(sync~spin) vmscen: exploring…';
      this.item.tooltip = 'Click to stop the exploration';
      this.item.command = Commands.stop;
    } else {
      this.item.text = `${p.state === 'error' ? '$(error)' : p.text.includes('findings') || p.text.includes('failed') ? '$(warning)' : '$(check)'} vmscen: ${p.text}`;
      this.item.tooltip = 'vmscen: the last exploration of this file. Click to check it again.';
      this.item.command = Commands.checkFile;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
    for (const s of this.subs) s.dispose();
  }
}

// The workspace folders the client declares (initialize, then workspace/didChangeWorkspaceFolders):
// the only places the server reads files the editor has not opened (workspace-files.ts).
import type { Connection } from 'vscode-languageserver';
import type { Documents } from '../documents';
import type { Lifecycle } from './lifecycle';

/** The folder handlers: `initialize` takes the client's folders, `initialized` follows their changes. */
export function workspaceFolders(c: Connection, docs: Documents): Lifecycle {
  let current: string[] = [];
  let notifications = false;
  return {
    initialize: (p) => {
      notifications = !!p.capabilities.workspace?.workspaceFolders;
      current = p.workspaceFolders?.map((f) => f.uri) ?? (p.rootUri ? [p.rootUri] : []);
      docs.files.setFolders(current);
    },
    initialized: () => {
      if (!notifications) return;
      c.workspace.onDidChangeWorkspaceFolders((e) => {
        const removed = new Set(e.removed.map((f) => f.uri));
        current = [...current.filter((u) => !removed.has(u)), ...e.added.map((f) => f.uri)];
        docs.files.setFolders(current);
      });
    },
  };
}

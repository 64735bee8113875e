// The `vmscen` task provider: `vmscen check` as a VS Code task whose output the `$vmscen`
// problem matcher turns into Problems. It runs the CLI bundled with the extension, on the
// editor's own Node (ELECTRON_RUN_AS_NODE), in the workspace folder. Folders that are not on
// disk (virtual workspaces) get no task: the CLI reads files from disk.
import * as vscode from 'vscode';
import { checkArgs, taskName, type VmscenTaskDefinition } from './task-args';

export function registerTasks(context: vscode.ExtensionContext): void {
  const cli = context.asAbsolutePath('bin/vmscen.js');
  const make = (def: VmscenTaskDefinition, folder: vscode.WorkspaceFolder): vscode.Task => {
    const exec = new vscode.ProcessExecution(process.execPath, [cli, ...checkArgs(def)], { cwd: folder.uri.fsPath, env: { ELECTRON_RUN_AS_NODE: '1' } });
    const task = new vscode.Task(def, folder, taskName(def), 'vmscen', exec, ['$vmscen']);
    task.group = vscode.TaskGroup.Test;
    return task;
  };
  const onDisk = (): vscode.WorkspaceFolder[] => (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
  context.subscriptions.push(
    vscode.tasks.registerTaskProvider('vmscen', {
      provideTasks: () => onDisk().map((f) => make({ type: 'vmscen' }, f)),
      resolveTask: (task) => {
        const folder = typeof task.scope === 'object' ? task.scope : onDisk()[0];
        if (!folder || folder.uri.scheme !== 'file') return undefined;
        return make(task.definition as VmscenTaskDefinition, folder);
      },
    }),
  );
}

// The language server's entry point (dist/server.js). The transport comes from argv:
// `--node-ipc` when VS Code starts it, `--stdio` for other editors (`vmscen lsp`).
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { VmscenServer } from './server';

const connection = createConnection(ProposedFeatures.all);
new VmscenServer(connection).listen();
connection.listen();

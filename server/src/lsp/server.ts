// The language server's wiring: the worker pool and the documents store, one registration per
// feature (features/), and the capabilities they answer to. The documents (documents.ts)
// parse and check on every change and explore in workers; each feature reads them.
import * as path from 'node:path';
import { TextDocumentSyncKind, type Connection, type InitializeResult } from 'vscode-languageserver/node';
import { TOKEN_MODIFIERS, TOKEN_TYPES } from '../analysis/semantic-tokens';
import { Documents } from './documents';
import { registerCodeActions } from './features/code-actions';
import { registerCodeLens } from './features/code-lens';
import { registerCompletion } from './features/completion';
import { registerConfiguration } from './features/configuration';
import { registerHover } from './features/hover';
import { registerNavigation } from './features/navigation';
import { registerOutline } from './features/outline';
import { registerRequests } from './features/requests';
import { registerSemanticTokens } from './features/semantic-tokens';
import { workspaceFolders } from './features/workspace-folders';
import { WORKER_LIMITS, WorkerPool } from './worker-pool';

const CAPABILITIES: InitializeResult = {
  capabilities: {
    textDocumentSync: TextDocumentSyncKind.Incremental,
    hoverProvider: true,
    completionProvider: { triggerCharacters: ['=', ' ', '.', '>'] },
    definitionProvider: true,
    referencesProvider: true,
    renameProvider: { prepareProvider: true },
    documentSymbolProvider: true,
    foldingRangeProvider: true,
    documentFormattingProvider: true,
    codeActionProvider: { codeActionKinds: ['quickfix'] },
    codeLensProvider: { resolveProvider: false },
    semanticTokensProvider: { legend: { tokenTypes: [...TOKEN_TYPES], tokenModifiers: [...TOKEN_MODIFIERS] }, full: true },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  },
  serverInfo: { name: 'vmscen', version: '0.1.0' },
};

const FEATURES = [registerHover, registerCompletion, registerNavigation, registerOutline, registerSemanticTokens, registerCodeActions, registerCodeLens, registerRequests];

export class VmscenServer {
  readonly pool: WorkerPool;
  readonly documents: Documents;

  constructor(private readonly connection: Connection) {
    // the pool's worker starts and terminations go to the client's log (the Output panel in VS Code)
    this.pool = new WorkerPool(path.join(__dirname, 'explore-worker.js'), 2, WORKER_LIMITS, (m) => connection.console.log(m));
    this.documents = new Documents(connection, this.pool);
  }

  listen(): void {
    const c = this.connection;
    const lifecycles = [registerConfiguration(c, this.documents), workspaceFolders(c, this.documents)];
    c.onInitialize((p) => {
      for (const l of lifecycles) l.initialize(p);
      return CAPABILITIES;
    });
    c.onInitialized(() => {
      for (const l of lifecycles) l.initialized();
    });
    for (const register of FEATURES) register(c, this.documents);
    c.onShutdown(() => this.pool.dispose());
    this.documents.listen();
  }
}

// The language server's entry point (dist/server.js). The transport comes from argv:
// `--node-ipc` when VS Code starts it, `--stdio` for other editors (`vmscen lsp`), where the
// stream is read by a strict reader (stdio-reader.ts): a frame that is not JSON is answered
// with Parse error, a stream that cannot be framed ends the server with a message.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createConnection, ProposedFeatures, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';
import { VmscenServer } from './server';
import { StdioReader } from './stdio-reader';
import { setFindingsDoc } from './to-proto';
import { WORKER_LIMITS, WorkerPool } from './worker-pool';
import { WorkspaceFiles } from './workspace-files';

function stdioConnection(): Connection {
  const writer = new StreamMessageWriter(process.stdout);
  const reader = new StdioReader(process.stdin, {
    parseError: (detail) => void writer.write({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${detail}` } } as Parameters<typeof writer.write>[0]),
    skipped: (detail) => process.stderr.write(`vmscen lsp: ${detail}\n`),
    fatal: (detail) => {
      process.stderr.write(`vmscen lsp: the input is not the LSP base protocol (${detail}); exiting\n`);
      process.exit(1);
    },
  }, Number(process.env.VMSCEN_LSP_PARTIAL_TIMEOUT_MS) || 30_000);
  // the client went away (stdin ended or closed): nothing can reach the server any more
  reader.onClose(() => process.exit(0));
  const connection = createConnection(ProposedFeatures.all, reader, writer);
  // stdout is the protocol: anything written to the console goes to the client's log instead
  const log = (write: (m: string) => void) => (...args: unknown[]): void => write(args.map(String).join(' '));
  console.log = log((m) => connection.console.log(m));
  console.info = log((m) => connection.console.info(m));
  console.warn = log((m) => connection.console.warn(m));
  console.error = log((m) => connection.console.error(m));
  return connection;
}

const connection = process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all);
setFindingsDoc(pathToFileURL(path.join(__dirname, '..', 'docs', 'findings.md')).href);
// the pool's worker starts and terminations go to the client's log (the Output panel in VS Code)
const pool = new WorkerPool(path.join(__dirname, 'explore-worker.js'), 2, WORKER_LIMITS, (m) => connection.console.log(m));
new VmscenServer(connection, pool, new WorkspaceFiles()).listen();
connection.listen();

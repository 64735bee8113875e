// The language server's entry point (dist/server.js). The transport comes from argv:
// `--node-ipc` when VS Code starts it, `--stdio` for other editors (`vmscen lsp`), where the
// stream is read by a strict reader (stdio-reader.ts): a frame that is not JSON is answered
// with Parse error, a stream that cannot be framed ends the server with a message.
import { createConnection, ProposedFeatures, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';
import { VmscenServer } from './server';
import { StdioReader } from './stdio-reader';

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
  return createConnection(ProposedFeatures.all, reader, writer);
}

const connection = process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all);
new VmscenServer(connection).listen();
connection.listen();

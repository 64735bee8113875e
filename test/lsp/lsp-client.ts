// A real LSP client for the protocol tests: spawns `vmscen lsp` (stdio) and speaks JSON-RPC
// with vscode-languageserver-protocol.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { StatusNotification, type StatusParams } from '../../server/src/protocol';

export class LspClient {
  readonly proc: ChildProcess;
  readonly conn: ProtocolConnection;
  private readonly published: PublishDiagnosticsParams[] = [];
  private readonly waiters: (() => void)[] = [];
  /** Every vmscen/status notification, with when it arrived (Date.now()). */
  readonly statuses: (StatusParams & { at: number })[] = [];
  /** Every window/logMessage's text (the server logs its exploration workers' starts and terminations). */
  readonly logs: string[] = [];
  /** When the last diagnostics for each uri arrived (Date.now()). */
  readonly lastPublishedAt = new Map<string, number>();
  stderr = '';

  constructor(env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(process.execPath, ['bin/vmscen.js', 'lsp'], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      this.lastPublishedAt.set(p.uri, Date.now());
      for (const w of this.waiters.splice(0)) w();
    });
    this.conn.onNotification(StatusNotification.method, (p: StatusParams) => {
      this.statuses.push({ ...p, at: Date.now() });
    });
    this.conn.onNotification(LogMessageNotification.type, (p) => {
      this.logs.push(p.message);
    });
    this.conn.listen();
  }

  async initialize(settings: Record<string, unknown> = {}): Promise<void> {
    await this.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } } },
      initializationOptions: { settings },
    });
    await this.conn.sendNotification(InitializedNotification.type, {});
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    await this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'vmscen', version, text } });
  }

  async replace(uri: string, text: string, version: number): Promise<void> {
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async edit(uri: string, version: number, range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string): Promise<void> {
    await this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range, text }] });
  }

  /** All diagnostics published so far for a uri. */
  history(uri: string): PublishDiagnosticsParams[] {
    return this.published.filter((p) => p.uri === uri);
  }

  /** Wait until a publication for `uri` satisfies `pred` (checks earlier ones first). */
  async waitFor(uri: string, pred: (d: Diagnostic[], p: PublishDiagnosticsParams) => boolean, timeoutMs = 20_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      const hist = this.history(uri);
      for (; seen < hist.length; seen++) if (pred(hist[seen]!.diagnostics, hist[seen]!)) return hist[seen]!.diagnostics;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for diagnostics of ${uri}; last: ${JSON.stringify(hist[hist.length - 1]?.diagnostics.map((d) => d.message))}\n${this.stderr}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The language server's own process: `vmscen lsp` (bin/vmscen.js) runs it as its child. */
  serverPid(): number {
    const wrapper = this.proc.pid!;
    const children = fs.readFileSync(`/proc/${wrapper}/task/${wrapper}/children`, 'utf8').trim().split(/\s+/).filter((x) => x);
    return children.length ? Number(children[0]) : wrapper;
  }

  /** Resident memory of the server process, in MB. */
  serverRssMb(): number {
    const status = fs.readFileSync(`/proc/${this.serverPid()}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  }

  /** Shut the server down politely, each step bounded (a server that is gone never answers), then kill it and let go of its pipes. */
  async close(): Promise<void> {
    const bounded = (p: Promise<unknown>, ms: number): Promise<unknown> => Promise.race([p.catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);
    await bounded(this.conn.sendRequest('shutdown'), 1000);
    await bounded(this.conn.sendNotification('exit'), 500);
    this.conn.dispose();
    this.proc.kill();
    for (const s of [this.proc.stdin, this.proc.stdout, this.proc.stderr]) s?.destroy();
  }
}

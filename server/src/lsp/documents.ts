// The open documents: what every feature reads. Parsing and checking run at once on every
// change (they are fast); exploration runs in worker threads, debounced, keyed by (uri,
// version) and cancelled by the next edit, so a result for an old version is never shown and
// typing never waits for a search.
import { ErrorCodes, ResponseError, TextDocuments, type CancellationToken, type Connection, type Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { toErrorView, type FileAnalysis, type FindingView } from '../analysis/analyze';
import { checkFile, type CheckedFile } from '../analysis/check-file';
import { StatusNotification, type CheckResult } from '../protocol';
import { throwIfCancelled } from './cancel';
import type { JobResult } from './jobs';
import { budgetOf, DEFAULT_SETTINGS, type Settings } from './settings';
import { fileDiagnostics, fileStartRange, summaryText, toCheckResult } from './to-proto';
import { JobCancelled, type ExploreRunner, type JobHandle } from './explore-runner';
import type { FileSource, ReadResult } from './file-source';

export interface DocState {
  /** Parse + check of the current version. */
  checked: CheckedFile;
  version: number;
  /** The exploration of `exploredVersion` (only shown when it is the current version). */
  explored: FileAnalysis | undefined;
  exploredVersion: number;
  timer: NodeJS.Timeout | undefined;
  job: JobHandle | undefined;
  /** An exploration failure to show until the next successful one. */
  failure: string | undefined;
}

/** The exploration of the document's current version, if there is one. */
export function currentExploration(d: Readonly<DocState>): FileAnalysis | undefined {
  return d.exploredVersion === d.version ? d.explored : undefined;
}

export function currentFindings(d: Readonly<DocState>): FindingView[] {
  return currentExploration(d)?.scenarios.flatMap((s) => [...s.races, ...s.violations]) ?? [];
}

export class Documents {
  /** The text of the open documents, as the client syncs it. */
  readonly texts = new TextDocuments(TextDocument);
  settings: Settings = DEFAULT_SETTINGS;
  private readonly docs = new Map<string, DocState>();

  constructor(
    private readonly connection: Connection,
    readonly pool: ExploreRunner,
    /** The workspace folders, and the files in them the server may read itself. */
    readonly files: FileSource,
  ) {}

  /** Follows opening, changing and closing; call after every handler is registered. */
  listen(): void {
    this.texts.onDidChangeContent((e) => this.changed(e.document));
    this.texts.onDidClose((e) => this.closed(e.document.uri));
    this.texts.listen(this.connection);
  }

  get(uri: string): Readonly<DocState> | undefined {
    return this.docs.get(uri);
  }

  /** An open document's text, else the workspace file's (workspace-files.ts says which it may read). */
  async textOf(uri: string): Promise<ReadResult> {
    const open = this.texts.get(uri);
    if (open) return { text: open.getText() };
    return this.files.read(uri);
  }

  /** vmscen/check on an open document: explore now, whatever the settings say; a cancel stops this check's own job. */
  async checkNow(uri: string, open: TextDocument, scenario: string | undefined, token: CancellationToken): Promise<CheckResult> {
    if (!this.docs.has(uri)) this.changed(open);
    const d = this.docs.get(uri);
    if (!d) throw new ResponseError(ErrorCodes.InternalError, `${uri} could not be checked (see its diagnostics)`);
    if (d.timer) clearTimeout(d.timer);
    d.timer = undefined;
    const version = d.version;
    const analysis = await this.explore(uri, version, scenario, (h) => token.onCancellationRequested(() => h.cancel()));
    throwIfCancelled(token);
    if (!analysis) return { uri, version, scenarios: [], errors: d.checked.diagnostics.filter((x) => x.severity === 'error').length };
    return toCheckResult(uri, version, analysis);
  }

  /** vmscen/stop: cancels the pending and running explorations of one document (or all); returns how many jobs it stopped. */
  stop(only: string | undefined): number {
    let stopped = 0;
    for (const [uri, d] of this.docs) {
      if (only && only !== uri) continue;
      if (this.cancel(d)) stopped++;
    }
    return stopped;
  }

  /** Cancels a document's debounce timer and its job; whether there was a job. */
  private cancel(d: DocState): boolean {
    if (d.timer) clearTimeout(d.timer);
    d.timer = undefined;
    if (!d.job) return false;
    d.job.cancel();
    d.job = undefined;
    return true;
  }

  private changed(doc: TextDocument): void {
    const prev = this.docs.get(doc.uri);
    let checked: CheckedFile;
    try {
      checked = checkFile(doc.getText());
    } catch (e) {
      // never a dead server: report the failure where the user looks, and let nothing that ran
      // for an older version publish over it
      if (prev) {
        this.cancel(prev);
        prev.version = doc.version;
      }
      this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [{ range: fileStartRange(), severity: 1, source: 'vmscen', message: `internal error while checking: ${(e as Error).message}` }] });
      return;
    }
    const d: DocState = prev ?? { checked, version: doc.version, explored: undefined, exploredVersion: -1, timer: undefined, job: undefined, failure: undefined };
    d.checked = checked;
    d.version = doc.version;
    this.docs.set(doc.uri, d);
    // a newer version cancels whatever ran for an older one
    this.cancel(d);
    this.publish(doc.uri, d);
    if (this.settings.exploreWhileTyping) {
      d.timer = setTimeout(() => {
        d.timer = undefined;
        void this.explore(doc.uri, d.version).catch(() => undefined);
      }, this.settings.debounceMs);
    }
  }

  private closed(uri: string): void {
    const d = this.docs.get(uri);
    if (d?.timer) clearTimeout(d.timer);
    d?.job?.cancel();
    this.docs.delete(uri);
    this.connection.sendDiagnostics({ uri, diagnostics: [] });
  }

  private publish(uri: string, d: DocState): void {
    const diagnostics: Diagnostic[] = fileDiagnostics(uri, d.checked.diagnostics.map(toErrorView), currentExploration(d));
    if (d.failure) diagnostics.push({ range: fileStartRange(), severity: 1, code: 'explore', source: 'vmscen', message: d.failure });
    this.connection.sendDiagnostics({ uri, version: d.version, diagnostics });
  }

  /** Explore the current version of a document in a worker; publishes when it is still current. */
  private async explore(uri: string, version: number, only?: string, onJob?: (h: JobHandle) => void): Promise<FileAnalysis | undefined> {
    const d = this.docs.get(uri);
    if (!d || d.version !== version) return undefined;
    const text = d.checked.text;
    if (d.checked.scenarios.length === 0) return undefined;
    d.job?.cancel();
    this.status(uri, version, 'exploring', 'exploring…', 0);
    const h = this.pool.run({ kind: 'analyze', text, options: { ...budgetOf(this.settings), ...(only ? { only: [only] } : {}) } }, this.settings.timeLimitMs + 5_000);
    d.job = h;
    onJob?.(h);
    let r: JobResult;
    try {
      r = await h.promise;
    } catch (e) {
      if (d.job === h) d.job = undefined;
      if (e instanceof JobCancelled) {
        // stopped (not superseded by an edit, whose exploration reports for itself): say so
        if (d.version === version) this.status(uri, version, 'done', 'exploration stopped', 0);
        return undefined;
      }
      if (d.version === version) {
        d.failure = `exploration failed: ${(e as Error).message.split('\n')[0]}`;
        this.publish(uri, d);
        this.status(uri, version, 'error', 'exploration failed', 0);
      }
      return undefined;
    }
    if (d.job === h) d.job = undefined;
    if (r.kind !== 'analyze' || d.version !== version) return undefined; // a result for an old version is never shown
    d.failure = undefined;
    if (only && d.exploredVersion === version && d.explored) {
      // merge one scenario into the document's results
      const rest = d.explored.scenarios.filter((s) => s.name !== only);
      d.explored = { errors: r.analysis.errors, scenarios: [...rest, ...r.analysis.scenarios].sort((a, b) => a.line - b.line) };
    } else d.explored = only ? { errors: r.analysis.errors, scenarios: r.analysis.scenarios } : r.analysis;
    d.exploredVersion = version;
    this.publish(uri, d);
    this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    const states = r.analysis.scenarios.reduce((n, s) => n + s.stats.states, 0);
    this.status(uri, version, 'done', summaryText(r.analysis), states);
    return r.analysis;
  }

  private status(uri: string, version: number, state: 'exploring' | 'done' | 'error', text: string, states: number): void {
    void this.connection.sendNotification(StatusNotification, { uri, version, state, text, states });
  }
}

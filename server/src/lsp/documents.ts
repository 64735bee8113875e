// The open documents: what every feature reads. Parsing, checking and lowering run at once on
// every change (they are fast); a scenario whose lowered spec has a complete exploration in the
// cache is not explored again, so an edit that changes no scenario's meaning publishes its races
// at once. The others are explored in worker threads, after a debounce that adapts to how long
// the document's last exploration took, keyed by (uri, version) and cancelled by the next edit,
// so a result for an old version is never shown and typing never waits for a search.
import { ErrorCodes, ResponseError, TextDocuments, type CancellationToken, type Connection, type Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analysisOf, planFile, toErrorView, type ExplorationTask, type ExploreResult, type FileAnalysis, type FindingView, type PlannedScenario } from '../analysis/analyze';
import { checkFile, type CheckedFile } from '../analysis/check-file';
import { StatusNotification, type CheckResult } from '../protocol';
import { throwIfCancelled } from './cancel';
import type { JobResult } from './jobs';
import { ExplorationCache } from './exploration-cache';
import { budgetOf, debounceOf, DEFAULT_SETTINGS, type Settings } from './settings';
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
  /** How long the document's last exploration in a worker took (the debounce adapts to it). */
  lastExploreMs: number | undefined;
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
  /** Complete explorations by lowered spec and budget, shared by every document. */
  readonly cache = new ExplorationCache();

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
    const d: DocState = prev ?? { checked, version: doc.version, explored: undefined, exploredVersion: -1, timer: undefined, job: undefined, failure: undefined, lastExploreMs: undefined };
    d.checked = checked;
    d.version = doc.version;
    this.docs.set(doc.uri, d);
    // a newer version cancels whatever ran for an older one
    this.cancel(d);
    // no scenario's meaning changed (every exploration is cached): the races at once, no debounce
    if (this.fromCache(doc.uri, d)) return;
    this.publish(doc.uri, d);
    if (this.settings.exploreWhileTyping) {
      d.timer = setTimeout(() => {
        d.timer = undefined;
        void this.explore(doc.uri, d.version).catch(() => undefined);
      }, debounceOf(this.settings, d.lastExploreMs));
    }
  }

  /** The current version's tasks, split into those the cache answers and those to explore (each key once). */
  private plan(d: DocState, only: string | undefined): { plan: PlannedScenario[]; known: Map<string, ExploreResult>; missing: ExplorationTask[]; cached: number } {
    const plan = planFile(d.checked, { ...budgetOf(this.settings), ...(only ? { only: [only] } : {}) });
    const known = new Map<string, ExploreResult>();
    const missing = new Map<string, ExplorationTask>();
    for (const p of plan) {
      if (!('task' in p) || known.has(p.task.key) || missing.has(p.task.key)) continue;
      const hit = this.cache.get(p.task.key);
      if (hit) known.set(p.task.key, hit);
      else missing.set(p.task.key, p.task);
    }
    const cached = plan.filter((p) => 'task' in p && known.has(p.task.key)).length;
    return { plan, known, missing: [...missing.values()], cached };
  }

  /** Publishes the current version's exploration when the cache holds every scenario's; whether it did. */
  private fromCache(uri: string, d: DocState): boolean {
    if (d.checked.scenarios.length === 0) return false;
    const { plan, known, missing, cached } = this.plan(d, undefined);
    // with exploreWhileTyping off, a file with nothing cached waits for a Check
    if (missing.length > 0 || (!this.settings.exploreWhileTyping && cached === 0)) return false;
    // published while the change is handled: the client asks for code lenses after it anyway
    this.show(uri, d, d.version, undefined, analysisOf(d.checked, plan, (t) => known.get(t.key)!), cached, false);
    return true;
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

  /** Explore the current version of a document (what the cache does not hold) in a worker; publishes when it is still current. */
  private async explore(uri: string, version: number, only?: string, onJob?: (h: JobHandle) => void): Promise<FileAnalysis | undefined> {
    const d = this.docs.get(uri);
    if (!d || d.version !== version) return undefined;
    if (d.checked.scenarios.length === 0) return undefined;
    d.job?.cancel();
    d.job = undefined;
    const { plan, known, missing, cached } = this.plan(d, only);
    if (missing.length > 0) {
      this.status(uri, version, 'exploring', 'exploring…', 0);
      const h = this.pool.run({ kind: 'explore', tasks: missing, text: d.checked.text }, this.settings.timeLimitMs + 5_000);
      d.job = h;
      onJob?.(h);
      const started = Date.now();
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
      d.lastExploreMs = Date.now() - started;
      if (r.kind !== 'explore') return undefined;
      // complete results serve later versions too (the cache keeps only those), whatever this version's fate
      r.results.forEach((res, i) => {
        known.set(missing[i]!.key, res);
        this.cache.set(missing[i]!.key, res);
      });
      if (d.version !== version) return undefined; // a result for an old version is never shown
    }
    const analysis = analysisOf(d.checked, plan, (t) => known.get(t.key)!);
    this.show(uri, d, version, only, analysis, cached, true);
    return analysis;
  }

  /** Publishes a version's exploration (one scenario's, merged into the document's, with `only`) and its status. */
  private show(uri: string, d: DocState, version: number, only: string | undefined, analysis: FileAnalysis, cached: number, refreshLenses: boolean): void {
    d.failure = undefined;
    if (only && d.exploredVersion === version && d.explored) {
      // merge one scenario into the document's results
      const rest = d.explored.scenarios.filter((s) => s.name !== only);
      d.explored = { errors: analysis.errors, scenarios: [...rest, ...analysis.scenarios].sort((a, b) => a.line - b.line) };
    } else d.explored = analysis;
    d.exploredVersion = version;
    this.publish(uri, d);
    if (refreshLenses) this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
    const states = analysis.scenarios.reduce((n, s) => n + s.stats.states, 0);
    const explored = analysis.scenarios.filter((s) => s.explored).length;
    const note = cached === 0 ? '' : cached === explored ? ' · cached' : ` · ${cached} cached`;
    this.status(uri, version, 'done', `${summaryText(analysis)}${note}`, states, cached);
  }

  private status(uri: string, version: number, state: 'exploring' | 'done' | 'error', text: string, states: number, cached?: number): void {
    void this.connection.sendNotification(StatusNotification, { uri, version, state, text, states, ...(cached !== undefined ? { cached } : {}) });
  }
}

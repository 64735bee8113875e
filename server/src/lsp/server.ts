// The language server: documents in, diagnostics and editor features out. Parsing and
// checking run at once on every change (they are fast); exploration runs in worker threads,
// debounced, keyed by (uri, version) and cancelled by the next edit, so a result for an old
// version is never shown and typing never waits for a search.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeLens,
  CompletionItemKind,
  InsertTextFormat,
  SemanticTokensBuilder,
  TextDocumentSyncKind,
  TextDocuments,
  type CompletionItem,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FileAnalysis, FindingView } from '../analysis/analyze';
import { checkFile, type CheckedFile } from '../analysis/check-file';
import { codeActions, type DiagnosticRef } from '../analysis/code-actions';
import { completeAt, type CompletionKind } from '../analysis/completion';
import { hoverAt } from '../analysis/hover';
import { foldingRanges, format, outline } from '../analysis/outline';
import { semanticTokens, TOKEN_MODIFIERS, TOKEN_TYPES } from '../analysis/semantic-tokens';
import { collectOccurrences, definitionOf, occurrenceAt, sameSymbol } from '../analysis/symbols';
import { CheckRequest, Commands, CompareDesignsRequest, StatusNotification, StopRequest, TraceRequest, type CheckResult, type ScenarioSummary } from '../protocol';
import type { JobResult } from './jobs';
import { fileDiagnostics, toProtoAction, toProtoFold, toProtoRange, toProtoSymbol } from './to-proto';
import { JobCancelled, WorkerPool, type JobHandle } from './worker-pool';

export interface Settings {
  readonly maxStates: number;
  readonly timeLimitMs: number;
  readonly exploreWhileTyping: boolean;
  readonly debounceMs: number;
}

export const DEFAULT_SETTINGS: Settings = { maxStates: 200_000, timeLimitMs: 10_000, exploreWhileTyping: true, debounceMs: 300 };

interface DocState {
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

const COMPLETION_KINDS: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  op: CompletionItemKind.Function,
  option: CompletionItemKind.Property,
  value: CompletionItemKind.EnumMember,
  name: CompletionItemKind.Variable,
  code: CompletionItemKind.Constant,
  snippet: CompletionItemKind.Snippet,
};

export class VmscenServer {
  readonly documents = new TextDocuments(TextDocument);
  private readonly docs = new Map<string, DocState>();
  private settings: Settings = DEFAULT_SETTINGS;
  readonly pool: WorkerPool;
  private configurationPull = false;

  constructor(private readonly connection: Connection) {
    this.pool = new WorkerPool(path.join(__dirname, 'explore-worker.js'));
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((p) => this.initialize(p));
    c.onInitialized(() => {
      void this.pullSettings();
    });
    c.onDidChangeConfiguration((p) => {
      const inline = (p.settings as { vmscen?: Partial<Settings> } | undefined)?.vmscen;
      if (inline) this.applySettings(inline);
      else void this.pullSettings();
    });
    this.documents.onDidChangeContent((e) => this.changed(e.document));
    this.documents.onDidClose((e) => this.closed(e.document.uri));
    c.onHover((p) => {
      const d = this.doc(p.textDocument.uri);
      if (!d) return null;
      const h = hoverAt(d.checked, p.position.line + 1, p.position.character + 1, this.currentFindings(d));
      return h ? { contents: { kind: 'markdown', value: h.markdown }, range: toProtoRange(h.span) } : null;
    });
    c.onCompletion((p) => {
      const d = this.doc(p.textDocument.uri);
      if (!d) return [];
      return completeAt(d.checked, p.position.line + 1, p.position.character + 1).map(
        (i): CompletionItem => ({
          label: i.label,
          kind: COMPLETION_KINDS[i.kind],
          ...(i.detail ? { detail: i.detail } : {}),
          ...(i.documentation ? { documentation: i.documentation } : {}),
          ...(i.snippet ? { insertText: i.snippet, insertTextFormat: InsertTextFormat.Snippet } : {}),
        }),
      );
    });
    c.onDefinition((p) => {
      const d = this.doc(p.textDocument.uri);
      if (!d) return null;
      const occ = collectOccurrences(d.checked);
      const o = occurrenceAt(occ, p.position.line + 1, p.position.character + 1);
      const def = o && definitionOf(occ, o);
      return def ? { uri: p.textDocument.uri, range: toProtoRange(def.span) } : null;
    });
    c.onReferences((p) => {
      const d = this.doc(p.textDocument.uri);
      if (!d) return [];
      const occ = collectOccurrences(d.checked);
      const o = occurrenceAt(occ, p.position.line + 1, p.position.character + 1);
      if (!o) return [];
      return sameSymbol(occ, o)
        .filter((x) => p.context.includeDeclaration || !x.definition)
        .map((x) => ({ uri: p.textDocument.uri, range: toProtoRange(x.span) }));
    });
    c.onPrepareRename((p) => {
      const d = this.doc(p.textDocument.uri);
      if (!d) return null;
      const o = occurrenceAt(collectOccurrences(d.checked), p.position.line + 1, p.position.character + 1);
      return o ? { range: toProtoRange(o.span), placeholder: o.name } : null;
    });
    c.onRenameRequest((p) => {
      const d = this.doc(p.textDocument.uri);
      if (!d) return null;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.newName)) throw new Error(`'${p.newName}' is not a name: use letters, digits and _ (not starting with a digit)`);
      const occ = collectOccurrences(d.checked);
      const o = occurrenceAt(occ, p.position.line + 1, p.position.character + 1);
      if (!o) return null;
      return { changes: { [p.textDocument.uri]: sameSymbol(occ, o).map((x) => ({ range: toProtoRange(x.span), newText: p.newName })) } };
    });
    c.onDocumentSymbol((p) => {
      const d = this.doc(p.textDocument.uri);
      return d ? outline(d.checked).map(toProtoSymbol) : [];
    });
    c.onFoldingRanges((p) => {
      const d = this.doc(p.textDocument.uri);
      return d ? foldingRanges(d.checked).map(toProtoFold) : [];
    });
    c.languages.semanticTokens.on((p) => {
      const d = this.doc(p.textDocument.uri);
      const b = new SemanticTokensBuilder();
      if (d) for (const t of semanticTokens(d.checked)) b.push(t.line - 1, t.col - 1, t.length, TOKEN_TYPES.indexOf(t.type), t.declaration ? 1 : 0);
      return b.build();
    });
    c.onDocumentFormatting((p) => {
      const doc = this.documents.get(p.textDocument.uri);
      if (!doc) return [];
      const text = doc.getText();
      const formatted = format(text, p.options.insertSpaces ? ' '.repeat(p.options.tabSize) : '\t');
      if (formatted === text) return [];
      return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: formatted }];
    });
    c.onCodeAction((p) => {
      const d = this.doc(p.textDocument.uri);
      if (!d) return [];
      const refs: DiagnosticRef[] = p.context.diagnostics.map((x) => ({
        line: x.range.start.line + 1,
        col: x.range.start.character + 1,
        endLine: x.range.end.line + 1,
        endCol: x.range.end.character + 1,
        code: String(x.code ?? ''),
        message: typeof x.message === 'string' ? x.message : x.message.value,
      }));
      return codeActions(d.checked, refs).map((a) => toProtoAction(p.textDocument.uri, a, p.context.diagnostics));
    });
    c.onCodeLens((p) => {
      const d = this.doc(p.textDocument.uri);
      if (!d) return [];
      const lenses: CodeLens[] = [];
      const explored = d.exploredVersion === d.version ? d.explored : undefined;
      for (const sc of d.checked.scenarios) {
        if (!sc.ast.name) continue;
        const range = toProtoRange(sc.ast.headSpan);
        const args = { uri: p.textDocument.uri, scenario: sc.ast.name.text };
        lenses.push(CodeLens.create(range, undefined));
        lenses[lenses.length - 1]!.command = { title: '▶ Check', command: Commands.checkScenario, arguments: [args] };
        const result = explored?.scenarios.find((x) => x.name === sc.ast.name!.text);
        const n = result ? result.races.length + result.violations.length : 0;
        if (n > 0) lenses.push({ range, command: { title: `Show interleaving (${n} finding${n === 1 ? '' : 's'})`, command: Commands.showInterleaving, arguments: [args] } });
        lenses.push({ range, command: { title: 'Compare designs', command: Commands.compareDesigns, arguments: [args] } });
      }
      return lenses;
    });
    c.onRequest(CheckRequest, async (p, token) => this.check(p.uri, p.text, p.scenario, token));
    c.onRequest(TraceRequest, async (p, token) => {
      const text = this.textOf(p.uri);
      if (text === undefined) return { error: `cannot read ${p.uri}` };
      const h = this.pool.run({ kind: 'trace', text, request: { scenario: p.scenario, ...(p.design ? { design: p.design } : {}), ...(p.finding !== undefined ? { finding: p.finding } : {}), maxStates: this.settings.maxStates } }, this.settings.timeLimitMs + 10_000);
      token.onCancellationRequested(() => h.cancel());
      try {
        const r = await h.promise;
        return r.kind === 'trace' ? r.view : { error: 'unexpected answer' };
      } catch (e) {
        return { error: e instanceof JobCancelled ? 'cancelled' : (e as Error).message };
      }
    });
    c.onRequest(CompareDesignsRequest, async (p, token) => {
      const text = this.textOf(p.uri);
      if (text === undefined) throw new Error(`cannot read ${p.uri}`);
      const h = this.pool.run({ kind: 'compare', text, ...(p.scenario ? { scenario: p.scenario } : {}), maxStates: this.settings.maxStates, maxMs: this.settings.timeLimitMs }, 4 * this.settings.timeLimitMs + 10_000);
      token.onCancellationRequested(() => h.cancel());
      const r = await h.promise;
      if (r.kind !== 'compare') throw new Error('unexpected answer');
      return r.table;
    });
    c.onRequest(StopRequest, (p) => {
      let stopped = 0;
      for (const [uri, d] of this.docs) {
        if (p.uri && p.uri !== uri) continue;
        if (d.timer) clearTimeout(d.timer);
        d.timer = undefined;
        if (d.job) {
          d.job.cancel();
          d.job = undefined;
          stopped++;
        }
      }
      return { stopped };
    });
    c.onShutdown(() => this.pool.dispose());
    this.documents.listen(c);
  }

  private initialize(p: InitializeParams): InitializeResult {
    this.configurationPull = !!p.capabilities.workspace?.configuration;
    const init = (p.initializationOptions as { settings?: Partial<Settings> } | undefined)?.settings;
    if (init) this.applySettings(init);
    return {
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
      },
      serverInfo: { name: 'vmscen', version: '0.1.0' },
    };
  }

  private async pullSettings(): Promise<void> {
    if (!this.configurationPull) return;
    try {
      const s = (await this.connection.workspace.getConfiguration('vmscen')) as Partial<Settings> | null;
      if (s) this.applySettings(s);
    } catch {
      // a client without the configuration request keeps the defaults
    }
  }

  private applySettings(s: Partial<Settings>): void {
    const num = (v: unknown, d: number, min: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : d);
    this.settings = {
      maxStates: num(s.maxStates, this.settings.maxStates, 1),
      timeLimitMs: num(s.timeLimitMs, this.settings.timeLimitMs, 1),
      exploreWhileTyping: typeof s.exploreWhileTyping === 'boolean' ? s.exploreWhileTyping : this.settings.exploreWhileTyping,
      debounceMs: num(s.debounceMs, this.settings.debounceMs, 0),
    };
  }

  private doc(uri: string): DocState | undefined {
    return this.docs.get(uri);
  }

  private textOf(uri: string): string | undefined {
    const open = this.documents.get(uri);
    if (open) return open.getText();
    try {
      return fs.readFileSync(fileURLToPath(uri), 'utf8');
    } catch {
      return undefined;
    }
  }

  private currentFindings(d: DocState): FindingView[] {
    if (d.exploredVersion !== d.version || !d.explored) return [];
    return d.explored.scenarios.flatMap((s) => [...s.races, ...s.violations]);
  }

  private changed(doc: TextDocument): void {
    const prev = this.docs.get(doc.uri);
    let checked: CheckedFile;
    try {
      checked = checkFile(doc.getText());
    } catch (e) {
      // never a dead server: report the failure where the user looks
      this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, severity: 1, source: 'vmscen', message: `internal error while checking: ${(e as Error).message}` }] });
      return;
    }
    const d: DocState = prev ?? { checked, version: doc.version, explored: undefined, exploredVersion: -1, timer: undefined, job: undefined, failure: undefined };
    d.checked = checked;
    d.version = doc.version;
    this.docs.set(doc.uri, d);
    // a newer version cancels whatever ran for an older one
    if (d.timer) clearTimeout(d.timer);
    d.timer = undefined;
    if (d.job) {
      d.job.cancel();
      d.job = undefined;
    }
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
    const explored = d.exploredVersion === d.version ? d.explored : undefined;
    const diagnostics: Diagnostic[] = fileDiagnostics(uri, d.checked.diagnostics.map((x) => ({ line: x.span.line, col: x.span.col, endLine: x.span.endLine, endCol: x.span.endCol, severity: x.severity, code: x.code, message: x.message })), explored);
    if (d.failure) diagnostics.push({ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, severity: 1, code: 'explore', source: 'vmscen', message: d.failure });
    this.connection.sendDiagnostics({ uri, version: d.version, diagnostics });
  }

  /** Explore the current version of a document in a worker; publishes when it is still current. */
  private async explore(uri: string, version: number, only?: string): Promise<FileAnalysis | undefined> {
    const d = this.docs.get(uri);
    if (!d || d.version !== version) return undefined;
    const text = d.checked.text;
    if (d.checked.scenarios.length === 0) return undefined;
    d.job?.cancel();
    this.status(uri, version, 'exploring', 'exploring…', 0);
    const h = this.pool.run({ kind: 'analyze', text, options: { maxStates: this.settings.maxStates, maxMs: this.settings.timeLimitMs, ...(only ? { only: [only] } : {}) } }, this.settings.timeLimitMs + 5_000);
    d.job = h;
    let r: JobResult;
    try {
      r = await h.promise;
    } catch (e) {
      if (d.job === h) d.job = undefined;
      if (e instanceof JobCancelled) return undefined;
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

  /** vmscen/check: explore now, whatever the settings say. */
  private async check(uri: string, text: string | undefined, scenario: string | undefined, token: { onCancellationRequested(cb: () => void): unknown }): Promise<CheckResult> {
    const open = this.documents.get(uri);
    if (!open) {
      // a file the editor has not opened: analyse it once, publish, forget
      const t = text ?? this.textOf(uri);
      if (t === undefined) throw new Error(`cannot read ${uri}`);
      const h = this.pool.run({ kind: 'analyze', text: t, options: { maxStates: this.settings.maxStates, maxMs: this.settings.timeLimitMs, ...(scenario ? { only: [scenario] } : {}) } }, this.settings.timeLimitMs + 5_000);
      token.onCancellationRequested(() => h.cancel());
      const r = await h.promise;
      if (r.kind !== 'analyze') throw new Error('unexpected answer');
      this.connection.sendDiagnostics({ uri, diagnostics: fileDiagnostics(uri, r.analysis.errors, r.analysis) });
      return toCheckResult(uri, null, r.analysis);
    }
    const d = this.docs.get(uri) ?? (this.changed(open), this.docs.get(uri)!);
    if (d.timer) clearTimeout(d.timer);
    d.timer = undefined;
    token.onCancellationRequested(() => d.job?.cancel());
    const analysis = await this.explore(uri, d.version, scenario);
    if (!analysis) return { uri, version: d.version, scenarios: [], errors: d.checked.diagnostics.filter((x) => x.severity === 'error').length };
    return toCheckResult(uri, d.version, analysis);
  }
}

function verdictOf(s: FileAnalysis['scenarios'][number]): string {
  if (!s.explored) return s.error ? 'error' : 'not explored';
  if (s.error) return 'error';
  if (!s.complete) return 'incomplete';
  if (s.expectations.some((e) => e.status === 'failed')) return 'failed';
  if ([...s.races, ...s.violations].some((f) => !f.expected)) return 'findings';
  return 'ok';
}

export function toCheckResult(uri: string, version: number | null, a: FileAnalysis): CheckResult {
  const scenarios: ScenarioSummary[] = a.scenarios.map((s) => ({
    name: s.name,
    line: s.line,
    locking: s.locking,
    complete: s.complete,
    states: s.stats.states,
    transitions: s.stats.transitions,
    ms: s.stats.ms,
    races: s.races.map((f) => f.code),
    violations: s.violations.map((f) => f.code),
    expectationsMet: s.expectations.filter((e) => e.status === 'met').length,
    expectations: s.expectations.length,
    verdict: verdictOf(s),
  }));
  return { uri, version, scenarios, errors: a.errors.filter((e) => e.severity === 'error').length };
}

function summaryText(a: FileAnalysis): string {
  const counts = new Map<string, number>();
  for (const s of a.scenarios) {
    const v = verdictOf(s);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const states = a.scenarios.reduce((n, s) => n + s.stats.states, 0);
  const parts = [...counts.entries()].map(([v, n]) => `${n} ${v}`);
  return `${a.scenarios.length} scenario${a.scenarios.length === 1 ? '' : 's'}: ${parts.join(', ') || 'none'} · ${states.toLocaleString('en-US')} states`;
}

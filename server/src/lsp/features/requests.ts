// The `vmscen/*` requests: test items (a file's scenarios and expect lines, parsed and
// checked on the main loop, never explored), check (explore now), trace (one finding's interleaving),
// outcomes (one scenario's outcome table), compare
// designs (each scenario under every design) and stop (cancel explorations). A request for a
// document the editor has not opened reads it through the workspace-files rules; a request
// cancelled before or while it runs is answered with RequestCancelled.
import { ErrorCodes, ResponseError, type Connection } from 'vscode-languageserver';
import { checkFile } from '../../analysis/check-file';
import { outcomeTableModel } from '../../analysis/outcomes-view';
import { testScenarios } from '../../analysis/test-items';
import { CheckRequest, CompareDesignsRequest, OutcomesRequest, StopRequest, TestItemsRequest, TraceRequest } from '../../protocol';
import { jobError, throwIfCancelled } from '../cancel';
import type { Documents } from '../documents';
import { fileDiagnostics, toCheckResult, toTestItemsResult } from '../to-proto';
import { budgetOf } from '../settings';
import { checkTextSize } from '../file-source';

/** The text of a request's document, or an InvalidParams error that says why it cannot be read. */
async function requestText(docs: Documents, uri: string, given?: string): Promise<string> {
  if (given !== undefined) {
    const tooLarge = checkTextSize(given);
    if (tooLarge) throw new ResponseError(ErrorCodes.InvalidParams, tooLarge);
    return given;
  }
  const r = await docs.textOf(uri);
  if ('error' in r) throw new ResponseError(ErrorCodes.InvalidParams, r.error);
  return r.text;
}

export function registerRequests(c: Connection, docs: Documents): void {
  c.onRequest(CheckRequest, async (p, token) => {
    throwIfCancelled(token);
    const open = docs.texts.get(p.uri);
    if (open) return docs.checkNow(p.uri, open, p.scenario, token);
    // a file the editor has not opened: analyse it once, publish (unless asked not to), forget
    const t = await requestText(docs, p.uri, p.text);
    throwIfCancelled(token);
    const h = docs.pool.run({ kind: 'analyze', text: t, options: { ...budgetOf(docs.settings), ...(p.scenario ? { only: [p.scenario] } : {}) } }, docs.settings.timeLimitMs + 5_000, 'background');
    token.onCancellationRequested(() => h.cancel());
    try {
      const r = await h.promise;
      if (r.kind !== 'analyze') throw new Error('unexpected answer');
      if (p.publish !== false) c.sendDiagnostics({ uri: p.uri, diagnostics: fileDiagnostics(p.uri, r.analysis.errors, r.analysis) });
      return toCheckResult(p.uri, null, r.analysis);
    } catch (e) {
      throw jobError(e, token);
    }
  });
  c.onRequest(TestItemsRequest, async (p, token) => {
    throwIfCancelled(token);
    // the open document's current check when the client sends no text
    const open = p.text === undefined ? docs.get(p.uri) : undefined;
    const checked = open && docs.texts.get(p.uri) ? open.checked : checkFile(await requestText(docs, p.uri, p.text));
    throwIfCancelled(token);
    return toTestItemsResult(p.uri, testScenarios(checked), checked.diagnostics.filter((d) => d.severity === 'error').length);
  });
  c.onRequest(TraceRequest, async (p, token) => {
    throwIfCancelled(token);
    let text: string;
    try {
      text = await requestText(docs, p.uri);
    } catch (e) {
      return { error: (e as Error).message };
    }
    throwIfCancelled(token);
    const h = docs.pool.run({ kind: 'trace', text, request: { scenario: p.scenario, ...(p.design ? { design: p.design } : {}), ...(p.finding !== undefined ? { finding: p.finding } : {}), maxStates: docs.settings.maxStates, maxBytes: budgetOf(docs.settings).maxBytes } }, docs.settings.timeLimitMs + 10_000, 'background');
    token.onCancellationRequested(() => h.cancel());
    try {
      const r = await h.promise;
      return r.kind === 'trace' ? r.view : { error: 'unexpected answer' };
    } catch (e) {
      const err = jobError(e, token);
      if (err instanceof ResponseError) throw err;
      return { error: err.message };
    }
  });
  c.onRequest(OutcomesRequest, async (p, token) => {
    throwIfCancelled(token);
    const text = await requestText(docs, p.uri);
    throwIfCancelled(token);
    const options = { ...budgetOf(docs.settings), only: [p.scenario], outcomes: true, ...(p.design ? { designs: [p.design] } : {}) };
    const h = docs.pool.run({ kind: 'analyze', text, options }, docs.settings.timeLimitMs + 10_000, 'background');
    token.onCancellationRequested(() => h.cancel());
    try {
      const r = await h.promise;
      if (r.kind !== 'analyze') throw new Error('unexpected answer');
      const sc = r.analysis.scenarios[0];
      if (!sc) return { error: `no scenario '${p.scenario}'` };
      if (!sc.outcomes) return { error: sc.error ?? `scenario '${p.scenario}' has errors: fix them first` };
      return { scenario: sc.name, design: sc.locking, outcomes: sc.outcomes, table: outcomeTableModel(sc.outcomes) };
    } catch (e) {
      throw jobError(e, token);
    }
  });
  c.onRequest(CompareDesignsRequest, async (p, token) => {
    throwIfCancelled(token);
    const text = await requestText(docs, p.uri);
    throwIfCancelled(token);
    const h = docs.pool.run({ kind: 'compare', text, ...(p.scenario ? { scenario: p.scenario } : {}), ...budgetOf(docs.settings) }, 4 * docs.settings.timeLimitMs + 10_000, 'background');
    token.onCancellationRequested(() => h.cancel());
    try {
      const r = await h.promise;
      if (r.kind !== 'compare') throw new Error('unexpected answer');
      return r.table;
    } catch (e) {
      throw jobError(e, token);
    }
  });
  c.onRequest(StopRequest, (p) => ({ stopped: docs.stop(p.uri) }));
}

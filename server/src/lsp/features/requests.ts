// The `vmscen/*` requests: check (explore now), trace (one finding's interleaving), compare
// designs (each scenario under every design) and stop (cancel explorations).
import type { Connection } from 'vscode-languageserver/node';
import { CheckRequest, CompareDesignsRequest, StopRequest, TraceRequest } from '../../protocol';
import type { Documents } from '../documents';
import { fileDiagnostics, toCheckResult } from '../to-proto';
import { JobCancelled } from '../worker-pool';

export function registerRequests(c: Connection, docs: Documents): void {
  c.onRequest(CheckRequest, async (p, token) => {
    const open = docs.texts.get(p.uri);
    if (open) return docs.checkNow(p.uri, open, p.scenario, token);
    // a file the editor has not opened: analyse it once, publish, forget
    const t = p.text ?? docs.textOf(p.uri);
    if (t === undefined) throw new Error(`cannot read ${p.uri}`);
    const h = docs.pool.run({ kind: 'analyze', text: t, options: { maxStates: docs.settings.maxStates, maxMs: docs.settings.timeLimitMs, ...(p.scenario ? { only: [p.scenario] } : {}) } }, docs.settings.timeLimitMs + 5_000);
    token.onCancellationRequested(() => h.cancel());
    const r = await h.promise;
    if (r.kind !== 'analyze') throw new Error('unexpected answer');
    c.sendDiagnostics({ uri: p.uri, diagnostics: fileDiagnostics(p.uri, r.analysis.errors, r.analysis) });
    return toCheckResult(p.uri, null, r.analysis);
  });
  c.onRequest(TraceRequest, async (p, token) => {
    const text = docs.textOf(p.uri);
    if (text === undefined) return { error: `cannot read ${p.uri}` };
    const h = docs.pool.run({ kind: 'trace', text, request: { scenario: p.scenario, ...(p.design ? { design: p.design } : {}), ...(p.finding !== undefined ? { finding: p.finding } : {}), maxStates: docs.settings.maxStates } }, docs.settings.timeLimitMs + 10_000);
    token.onCancellationRequested(() => h.cancel());
    try {
      const r = await h.promise;
      return r.kind === 'trace' ? r.view : { error: 'unexpected answer' };
    } catch (e) {
      return { error: e instanceof JobCancelled ? 'cancelled' : (e as Error).message };
    }
  });
  c.onRequest(CompareDesignsRequest, async (p, token) => {
    const text = docs.textOf(p.uri);
    if (text === undefined) throw new Error(`cannot read ${p.uri}`);
    const h = docs.pool.run({ kind: 'compare', text, ...(p.scenario ? { scenario: p.scenario } : {}), maxStates: docs.settings.maxStates, maxMs: docs.settings.timeLimitMs }, 4 * docs.settings.timeLimitMs + 10_000);
    token.onCancellationRequested(() => h.cancel());
    const r = await h.promise;
    if (r.kind !== 'compare') throw new Error('unexpected answer');
    return r.table;
  });
  c.onRequest(StopRequest, (p) => ({ stopped: docs.stop(p.uri) }));
}

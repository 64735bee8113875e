// Quick fixes for the diagnostics the client sends back. A finding's fixes come from the
// verified fix search (analysis/fix-search.ts), run on demand in the worker pool: each is
// explored before it is offered, titled "… (verified)", the first one preferred. The search
// is cancelled with the request and by an edit (its result is dropped if the document changed).
// When it is cut short with no fix, today's hand-written quick fixes are offered unverified.
// Other diagnostics (a typo's "did you mean") keep their mechanical fixes.
import type { CancellationToken, CodeAction, Connection, Diagnostic } from 'vscode-languageserver';
import { codeActions } from '../../analysis/code-actions';
import type { Documents } from '../documents';
import { fromProtoDiagnostic } from '../from-proto';
import type { VerifiedFix } from '../jobs';
import { budgetOf } from '../settings';
import { toProtoAction } from '../to-proto';

function isFinding(d: Diagnostic): boolean {
  const data = d.data as { finding?: unknown } | undefined;
  return typeof data === 'object' && data !== null && data.finding === true;
}

async function searchFixes(docs: Documents, text: string, d: Diagnostic, token: CancellationToken): Promise<{ fixes: readonly VerifiedFix[]; complete: boolean }> {
  const ref = fromProtoDiagnostic(d);
  const budget = budgetOf(docs.settings);
  const h = docs.pool.run({ kind: 'fixes', text, finding: { line: ref.line, col: ref.col, code: ref.code }, ...budget }, 2 * budget.maxMs + 5_000);
  const sub = token.onCancellationRequested(() => h.cancel());
  try {
    const r = await h.promise;
    return r.kind === 'fixes' ? r : { fixes: [], complete: false };
  } catch {
    // cancelled, or the worker failed: nothing verified
    return { fixes: [], complete: false };
  } finally {
    sub.dispose();
  }
}

export function registerCodeActions(c: Connection, docs: Documents): void {
  c.onCodeAction(async (p, token) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return [];
    const version = d.version;
    const text = d.checked.text;
    const out: CodeAction[] = [];
    const plain = p.context.diagnostics.filter((x) => !isFinding(x));
    out.push(...codeActions(d.checked, plain.map(fromProtoDiagnostic)).map((a) => toProtoAction(p.textDocument.uri, a, p.context.diagnostics)));
    for (const f of p.context.diagnostics.filter(isFinding)) {
      const res = await searchFixes(docs, text, f, token);
      // an edit while the search ran: its edits are for an older text
      if (token.isCancellationRequested || docs.get(p.textDocument.uri)?.version !== version) return [];
      const code = typeof f.code === 'string' ? f.code : String(f.code ?? '');
      res.fixes.forEach((x, i) => out.push(toProtoAction(p.textDocument.uri, { title: `${x.title} (verified)`, edits: x.edits, fixes: code, preferred: i === 0 }, [f])));
      if (res.fixes.length === 0 && !res.complete) {
        out.push(...codeActions(d.checked, [fromProtoDiagnostic(f)]).map((a) => toProtoAction(p.textDocument.uri, { ...a, preferred: false }, [f])));
      }
    }
    return out;
  });
}

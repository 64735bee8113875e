// Quick fixes for the diagnostics the client sends back.
import type { Connection } from 'vscode-languageserver';
import { codeActions } from '../../analysis/code-actions';
import type { Documents } from '../documents';
import { fromProtoDiagnostic } from '../from-proto';
import { toProtoAction } from '../to-proto';

export function registerCodeActions(c: Connection, docs: Documents): void {
  c.onCodeAction((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return [];
    const refs = p.context.diagnostics.map(fromProtoDiagnostic);
    return codeActions(d.checked, refs).map((a) => toProtoAction(p.textDocument.uri, a, p.context.diagnostics));
  });
}

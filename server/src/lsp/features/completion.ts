// Completion: keywords, ops, options and their values, names, snippets.
import type { Connection } from 'vscode-languageserver';
import { completeAt } from '../../analysis/completion';
import type { Documents } from '../documents';
import { fromProtoPosition } from '../from-proto';
import { toProtoCompletion } from '../to-proto';

export function registerCompletion(c: Connection, docs: Documents): void {
  c.onCompletion((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return [];
    const { line, col } = fromProtoPosition(p.position);
    return completeAt(d.checked, line, col).map(toProtoCompletion);
  });
}

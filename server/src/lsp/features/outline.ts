// The document's shape: symbols (scenarios → threads), folding ranges and formatting.
import type { Connection } from 'vscode-languageserver';
import { foldingRanges, format, outline } from '../../analysis/outline';
import type { Documents } from '../documents';
import { fromProtoIndent } from '../from-proto';
import { toProtoFold, toProtoSymbol } from '../to-proto';

export function registerOutline(c: Connection, docs: Documents): void {
  c.onDocumentSymbol((p) => {
    const d = docs.get(p.textDocument.uri);
    return d ? outline(d.checked).map(toProtoSymbol) : [];
  });
  c.onFoldingRanges((p) => {
    const d = docs.get(p.textDocument.uri);
    return d ? foldingRanges(d.checked).map(toProtoFold) : [];
  });
  c.onDocumentFormatting((p) => {
    const doc = docs.texts.get(p.textDocument.uri);
    if (!doc) return [];
    const text = doc.getText();
    const formatted = format(text, fromProtoIndent(p.options));
    if (formatted === text) return [];
    return [{ range: { start: { line: 0, character: 0 }, end: doc.positionAt(text.length) }, newText: formatted }];
  });
}

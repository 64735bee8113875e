// Go to definition, find references and rename, over the names of one file.
import type { Connection, Position } from 'vscode-languageserver';
import { collectOccurrences, definitionOf, occurrenceAt, sameSymbol, type Occurrence } from '../../analysis/symbols';
import type { DocState, Documents } from '../documents';
import { fromProtoPosition } from '../from-proto';
import { toProtoLocation, toProtoRange } from '../to-proto';

/** Every occurrence of a name in the document, and the one at the position. */
function occurrencesAt(d: Readonly<DocState>, position: Position): { occ: Occurrence[]; o: Occurrence | undefined } {
  const occ = collectOccurrences(d.checked);
  const { line, col } = fromProtoPosition(position);
  return { occ, o: occurrenceAt(occ, line, col) };
}

export function registerNavigation(c: Connection, docs: Documents): void {
  c.onDefinition((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return null;
    const { occ, o } = occurrencesAt(d, p.position);
    const def = o && definitionOf(occ, o);
    return def ? toProtoLocation(p.textDocument.uri, def.span) : null;
  });
  c.onReferences((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return [];
    const { occ, o } = occurrencesAt(d, p.position);
    if (!o) return [];
    return sameSymbol(occ, o)
      .filter((x) => p.context.includeDeclaration || !x.definition)
      .map((x) => toProtoLocation(p.textDocument.uri, x.span));
  });
  c.onPrepareRename((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return null;
    const { o } = occurrencesAt(d, p.position);
    return o ? { range: toProtoRange(o.span), placeholder: o.name } : null;
  });
  c.onRenameRequest((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return null;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.newName)) throw new Error(`'${p.newName}' is not a name: use letters, digits and _ (not starting with a digit)`);
    const { occ, o } = occurrencesAt(d, p.position);
    if (!o) return null;
    return { changes: { [p.textDocument.uri]: sameSymbol(occ, o).map((x) => ({ range: toProtoRange(x.span), newText: p.newName })) } };
  });
}

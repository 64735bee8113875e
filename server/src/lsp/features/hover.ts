// Hover: an op's micro-steps with their kernel functions, an option's values, a finding.
import type { Connection } from 'vscode-languageserver';
import { hoverAt } from '../../analysis/hover';
import { currentFindings, type Documents } from '../documents';
import { fromProtoPosition } from '../from-proto';
import { toProtoHover } from '../to-proto';

export function registerHover(c: Connection, docs: Documents): void {
  c.onHover((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return null;
    const { line, col } = fromProtoPosition(p.position);
    const h = hoverAt(d.checked, line, col, currentFindings(d));
    return h ? toProtoHover(h) : null;
  });
}

// Semantic tokens: names by what they declare or refer to, ops as functions.
import type { Connection } from 'vscode-languageserver';
import { semanticTokens } from '../../analysis/semantic-tokens';
import type { Documents } from '../documents';
import { toProtoSemanticTokens } from '../to-proto';

export function registerSemanticTokens(c: Connection, docs: Documents): void {
  c.languages.semanticTokens.on((p) => {
    const d = docs.get(p.textDocument.uri);
    return toProtoSemanticTokens(d ? semanticTokens(d.checked) : []);
  });
}

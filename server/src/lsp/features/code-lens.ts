// Code lenses above each named scenario: Check, Show interleaving and Debug scenario (when the
// current exploration found something), Outcomes and Compare designs, each a client command.
import type { CodeLens, Connection } from 'vscode-languageserver';
import { Commands } from '../../protocol';
import { currentExploration, type Documents } from '../documents';
import { toProtoRange } from '../to-proto';

export function registerCodeLens(c: Connection, docs: Documents): void {
  c.onCodeLens((p) => {
    const d = docs.get(p.textDocument.uri);
    if (!d) return [];
    const lenses: CodeLens[] = [];
    const explored = currentExploration(d);
    for (const sc of d.checked.scenarios) {
      if (!sc.ast.name) continue;
      const range = toProtoRange(sc.ast.headSpan);
      const args = { uri: p.textDocument.uri, scenario: sc.ast.name.text };
      lenses.push({ range, command: { title: '▶ Check', command: Commands.checkScenario, arguments: [args] } });
      const result = explored?.scenarios.find((x) => x.name === sc.ast.name!.text);
      const n = result ? result.races.length + result.violations.length : 0;
      if (n > 0) {
        lenses.push({ range, command: { title: `Show interleaving (${n} finding${n === 1 ? '' : 's'})`, command: Commands.showInterleaving, arguments: [args] } });
        lenses.push({ range, command: { title: 'Debug scenario', command: Commands.debugScenario, arguments: [args] } });
      }
      lenses.push({ range, command: { title: 'Outcomes', command: Commands.showOutcomes, arguments: [args] } });
      lenses.push({ range, command: { title: 'Compare designs', command: Commands.compareDesigns, arguments: [args] } });
    }
    return lenses;
  });
}

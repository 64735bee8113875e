// Which finding a "Debug" run of the Test Explorer steps through, from the server's check of
// the scenario (no vscode): the finding an `expect` line is judged by, else the first finding no
// `expect` covers, else the first finding. Indexes are the server's (races first), the same
// vmscen/trace takes.
import type { ScenarioSummary } from '../../../server/src/protocol';

export function findingToDebug(s: ScenarioSummary, expectation?: string): number | undefined {
  const findings = s.findings ?? [];
  if (expectation !== undefined) {
    const e = s.expectationResults?.find((x) => x.text === expectation);
    if (e?.finding !== undefined) return e.finding;
  }
  const unexpected = findings.findIndex((f) => !f.expected);
  if (unexpected >= 0) return unexpected;
  return findings.length ? 0 : undefined;
}

/** The launch configuration of a debug session on one finding of a scenario. */
export interface ScenarioLaunch {
  readonly type: 'vmscen';
  readonly request: 'launch';
  readonly name: string;
  readonly file: string;
  readonly uri: string;
  readonly scenario: string;
  readonly finding: number;
}

export function launchConfig(file: string, uri: string, scenario: string, finding = 0): ScenarioLaunch {
  return { type: 'vmscen', request: 'launch', name: `Debug ${scenario}${finding ? ` (finding ${finding + 1})` : ''}`, file, uri, scenario, finding };
}

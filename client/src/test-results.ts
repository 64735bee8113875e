// The Test Explorer's plain logic, no vscode: the ids of a file's test items (a file, its
// scenarios, their `expect` lines), which vmscen/check requests a run needs, and how a check's
// answer becomes each item's outcome and failure messages. Every verdict, message and place
// comes from the server; this only arranges them.
import { interleavingNote, type ExpectationSummary, type FindingSummary, type ScenarioSummary, type TestScenario } from '../../server/src/protocol';

type Range = ScenarioSummary['range'] & object;

export function fileId(uri: string): string {
  return uri;
}

export function scenarioId(uri: string, scenario: string): string {
  return `${uri}#${scenario}`;
}

/** The ids of a scenario's `expect` lines, by their text (the n-th repeat of a text gets `~n`), so they survive edits above them. */
export function expectationIds(uri: string, scenario: string, texts: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return texts.map((t) => {
    const n = seen.get(t) ?? 0;
    seen.set(t, n + 1);
    return `${scenarioId(uri, scenario)}/${t}${n ? `~${n}` : ''}`;
  });
}

/** What a test item stands for. */
export type TestTarget = { readonly uri: string; readonly scenario?: string };

/** The checks a run needs: per file, the whole file (`all`) or the named scenarios, in the order first asked. */
export function planRun(targets: readonly TestTarget[]): { readonly uri: string; readonly scenarios: 'all' | readonly string[] }[] {
  const plan = new Map<string, 'all' | Set<string>>();
  for (const t of targets) {
    const cur = plan.get(t.uri);
    if (t.scenario === undefined) plan.set(t.uri, 'all');
    else if (cur === undefined) plan.set(t.uri, new Set([t.scenario]));
    else if (cur !== 'all') cur.add(t.scenario);
  }
  return [...plan].map(([uri, s]) => ({ uri, scenarios: s === 'all' ? 'all' : [...s] }));
}

/** One step of an interleaving, as a stack frame of a failure message. */
export interface StepFrame {
  readonly label: string;
  readonly range: Range;
}

export interface OutcomeMessage {
  readonly text: string;
  readonly range?: Range;
  /** The interleaving, first step first. */
  readonly steps: readonly StepFrame[];
}

export type Status = 'passed' | 'failed' | 'errored' | 'skipped';

export interface Outcome {
  readonly status: Status;
  readonly messages: readonly OutcomeMessage[];
}

export interface ScenarioOutcome extends Outcome {
  readonly durationMs: number;
  /** One per `expect` line, in the order of `expectationResults`. */
  readonly expectations: readonly Outcome[];
}

/** The slice's steps (those the finding depends on), numbered by their place in the interleaving. */
export function stepFrames(f: FindingSummary): StepFrame[] {
  return f.steps.flatMap((s, i) => (s.inSlice ? [{ label: `${i + 1}. ${s.thread}: ${s.step} — ${s.kernel}`, range: s.range }] : []));
}

function findingMessage(f: FindingSummary, prefix = ''): OutcomeMessage {
  return { text: `${prefix}${f.type} ${f.code}${f.thread ? ` (${f.thread})` : ''}: ${f.message}${interleavingNote(f.steps.length, f.steps.filter((s) => s.inSlice).length)}`, range: f.range, steps: stepFrames(f) };
}

function expectationMessage(e: ExpectationSummary, findings: readonly FindingSummary[]): OutcomeMessage {
  const f = e.finding !== undefined ? findings[e.finding] : undefined;
  return { text: `${e.text}: ${e.status} — ${e.message}${f ? `\n${f.type} ${f.code}: ${f.message}` : ''}`, range: e.range, steps: f ? stepFrames(f) : [] };
}

function expectationOutcome(e: ExpectationSummary, findings: readonly FindingSummary[]): Outcome {
  if (e.status === 'met') return { status: 'passed', messages: [] };
  return { status: e.status === 'failed' ? 'failed' : 'errored', messages: [expectationMessage(e, findings)] };
}

/** A scenario's outcome from its vmscen/check summary: the server's verdict, its failed expectations and unexpected findings as messages. */
export function scenarioOutcome(s: ScenarioSummary): ScenarioOutcome {
  const findings = s.findings ?? [];
  const results = s.expectationResults ?? [];
  const expectations = results.map((e) => expectationOutcome(e, findings));
  const head = s.range ? { range: s.range } : {};
  switch (s.verdict) {
    case 'ok':
      return { status: 'passed', messages: [], durationMs: s.ms, expectations };
    case 'failed':
    case 'findings': {
      const messages = [...results.filter((e) => e.status === 'failed').map((e) => expectationMessage(e, findings)), ...findings.filter((f) => !f.expected).map((f) => findingMessage(f, 'unexpected '))];
      return { status: 'failed', messages, durationMs: s.ms, expectations };
    }
    case 'incomplete':
      return { status: 'errored', messages: [{ text: `${s.name}: ${s.error ?? 'exploration incomplete'}`, ...head, steps: [] }], durationMs: s.ms, expectations };
    default: {
      // error, not explored: no expectation was judged
      const skipped = results.map((): Outcome => ({ status: 'skipped', messages: [] }));
      return { status: 'errored', messages: [{ text: `${s.name}: ${s.error ?? s.verdict}`, ...head, steps: [] }], durationMs: s.ms, expectations: skipped };
    }
  }
}

/** The children a file's test items should have, with their ids: what vmscen/testItems answered. */
export function fileTree(uri: string, scenarios: readonly TestScenario[]): { id: string; scenario: TestScenario; expectations: { id: string; text: string; range: Range }[] }[] {
  return scenarios.map((s) => {
    const ids = expectationIds(uri, s.name, s.expectations.map((e) => e.text));
    return { id: scenarioId(uri, s.name), scenario: s, expectations: s.expectations.map((e, i) => ({ id: ids[i]!, text: e.text, range: e.range })) };
  });
}

// The --sarif document of `vmscen check`: SARIF 2.1.0 (OASIS), for code-scanning UIs such as
// GitHub's. One run; rules from the findings table (SPEC §7) plus the checker's own codes; each
// result at the step that causes it; a race's interleaving as a codeFlow with one threadFlow per
// thread, ordered across threads by executionOrder. Levels follow the text output: what fails
// the check is `error` or `warning`, information (expected findings, met expectations) is
// `kind: "pass"` (left out with --quiet).
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FileAnalysis, FindingView, Position, ScenarioAnalysis } from '../analysis/views';
import { RACES, VIOLATIONS } from '../engine/findings';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

type Level = 'error' | 'warning' | 'note' | 'none';
type Kind = 'fail' | 'pass' | 'informational';

interface Rule {
  readonly id: string;
  readonly name?: string;
  readonly shortDescription: { text: string };
  readonly fullDescription: { text: string };
  readonly help: { text: string; markdown: string };
  readonly defaultConfiguration: { level: Level };
  readonly properties: { tags: string[] };
}

/** Codes the checker itself reports (not SPEC §7 findings), with what they mean. */
const CHECKER_RULES: readonly { id: string; level: Level; tag: string; text: string }[] = [
  { id: 'failed', level: 'error', tag: 'expectation', text: 'an `expect` line does not hold: the finding it names is not reachable, or one it rules out is' },
  { id: 'inconclusive', level: 'warning', tag: 'expectation', text: 'an `expect` line could not be judged (the exploration was cut short)' },
  { id: 'met', level: 'none', tag: 'expectation', text: 'an `expect` line holds' },
  { id: 'incomplete', level: 'warning', tag: 'exploration', text: 'an exploration stopped at its budget (states, time or memory): nothing it did not reach is proven absent' },
  { id: 'explore', level: 'error', tag: 'exploration', text: 'an exploration failed' },
  { id: 'read', level: 'error', tag: 'input', text: 'a file could not be read (not a regular file, too large, or unreadable)' },
  { id: 'empty', level: 'warning', tag: 'input', text: 'a file holds no scenarios' },
];

function pascal(code: string): string {
  return code.replace(/(^|-)([a-z0-9])/g, (_, _d: string, c: string) => c.toUpperCase());
}

/** The first clause of a summary, for the one-line description. */
function shortText(summary: string): string {
  const cut = summary.search(/ \(|; /);
  const first = cut > 20 ? summary.slice(0, cut) : summary;
  return first.length > 140 ? `${first.slice(0, first.lastIndexOf(' ', 137))}...` : first;
}

function rule(id: string, summary: string, source: string | undefined, level: Level, tags: string[]): Rule {
  const sourceLine = source ? `\n\nKernel rules and sources: ${source}` : '';
  // a name only where it says more than the id (SARIF 3.49.7: a name identical to the id is omitted)
  const name = pascal(id);
  return {
    id,
    ...(name.toLowerCase() !== id.toLowerCase() ? { name } : {}),
    shortDescription: { text: shortText(summary) },
    fullDescription: { text: summary },
    help: { text: `${summary}${sourceLine}`, markdown: `**${id}**: ${summary}${source ? `\n\n*Kernel rules and sources:* ${source}` : ''}` },
    defaultConfiguration: { level },
    properties: { tags: ['vmscen', ...tags] },
  };
}

/** The rules table: every SPEC §7 finding and every checker code, then any other code seen. */
class Rules {
  readonly list: Rule[] = [];
  private readonly index = new Map<string, number>();

  constructor() {
    for (const r of RACES) this.add(rule(r.code, r.summary, r.source, 'error', ['race']));
    for (const v of VIOLATIONS) this.add(rule(v.code, v.summary, v.source, 'warning', ['lock-rule']));
    for (const c of CHECKER_RULES) this.add(rule(c.id, c.text, undefined, c.level, [c.tag]));
  }

  private add(r: Rule): void {
    this.index.set(r.id, this.list.length);
    this.list.push(r);
  }

  /** The index of a code's rule; a language check's code gets a rule the first time it is seen. */
  of(code: string): number {
    const i = this.index.get(code);
    if (i !== undefined) return i;
    this.add(rule(code, `language check '${code}': the scenario text is malformed or inconsistent (SPEC §4-§6)`, undefined, 'error', ['language']));
    return this.list.length - 1;
  }
}

export interface SarifInput {
  /** The path as given on the command line (resolved against the working directory). */
  readonly file: string;
  readonly fa: FileAnalysis;
  readonly readError?: string;
}

export interface SarifOptions {
  /** Leave out information: expected findings, met expectations, findings under compared designs. */
  readonly quiet: boolean;
  readonly toolVersion: string;
  /** The directory result paths are relative to (SRCROOT); the working directory. */
  readonly root: string;
  readonly exitCode: number;
}

function levelOfSeverity(s: string): Level {
  return s === 'error' ? 'error' : s === 'warning' ? 'warning' : 'note';
}

export function toSarif(inputs: readonly SarifInput[], o: SarifOptions): Record<string, unknown> {
  const rules = new Rules();
  const artifacts: Record<string, unknown>[] = [];
  const results: Record<string, unknown>[] = [];
  const rootUri = pathToFileURL(o.root.endsWith(path.sep) ? o.root : o.root + path.sep).href;
  for (const input of inputs) {
    const abs = path.resolve(o.root, input.file);
    const rel = path.relative(o.root, abs);
    // inside the root: a relative URI against SRCROOT (what code scanning needs); else absolute
    const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    const uri = inside ? rel.split(path.sep).map(encodeURIComponent).join('/') : pathToFileURL(abs).href;
    const artifactIndex = artifacts.length;
    artifacts.push({ location: { uri, ...(inside ? { uriBaseId: 'SRCROOT' } : {}) }, sourceLanguage: 'vmscen' });
    const file = new FileResults(input.file, uri, inside, artifactIndex, rules, o.quiet);
    if (input.readError) {
      file.add('read', 'error', 'fail', `cannot read: ${input.readError}`, { line: 1, col: 1, endLine: 1, endCol: 1 });
    }
    for (const e of input.fa.errors) {
      if (e.severity === 'info' && o.quiet) continue;
      file.add(e.code, levelOfSeverity(e.severity), e.severity === 'info' ? 'informational' : 'fail', e.message, e);
    }
    for (const sc of input.fa.scenarios) file.scenario(sc);
    results.push(...file.results);
  }
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'vmscen',
            fullName: 'vmscen — Linux mm locking scenario checker',
            version: o.toolVersion,
            semanticVersion: o.toolVersion,
            rules: rules.list,
          },
        },
        // the checker ran to the end; what it found is in the results and the exit code
        invocations: [{ executionSuccessful: true, exitCode: o.exitCode }],
        originalUriBaseIds: { SRCROOT: { uri: rootUri } },
        artifacts,
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

/** The results of one file. */
class FileResults {
  readonly results: Record<string, unknown>[] = [];

  constructor(
    private readonly file: string,
    private readonly uri: string,
    private readonly inside: boolean,
    private readonly artifactIndex: number,
    private readonly rules: Rules,
    private readonly quiet: boolean,
  ) {}

  location(p: Position, message?: string): Record<string, unknown> {
    const region: Record<string, number> = { startLine: p.line, startColumn: p.col };
    if (p.endLine > p.line || (p.endLine === p.line && p.endCol > p.col)) {
      region['endLine'] = p.endLine;
      region['endColumn'] = p.endCol;
    }
    return {
      physicalLocation: { artifactLocation: { uri: this.uri, ...(this.inside ? { uriBaseId: 'SRCROOT' } : {}), index: this.artifactIndex }, region },
      ...(message ? { message: { text: message } } : {}),
    };
  }

  add(code: string, level: Level, kind: Kind, message: string, at: Position, extra: Record<string, unknown> = {}, where: Record<string, unknown> = {}): void {
    const ruleIndex = this.rules.of(code);
    this.results.push({
      ruleId: code,
      ruleIndex,
      ...(kind === 'fail' ? { level } : { kind, level: kind === 'pass' ? 'none' : 'note' }),
      message: { text: message },
      locations: [{ ...this.location(at), ...where }],
      ...extra,
    });
  }

  scenario(sc: ScenarioAnalysis): void {
    const logical = { logicalLocations: [{ name: sc.name, fullyQualifiedName: `${sc.name} (${sc.locking})`, kind: 'module' }] };
    const props = (x: Record<string, unknown>): Record<string, unknown> => ({ properties: { scenario: sc.name, locking: sc.locking, ...(sc.compared ? { compared: true } : {}), ...x } });
    if (sc.error) this.add('explore', 'error', 'fail', `scenario ${sc.name} (${sc.locking}): exploration failed: ${sc.error}`, sc, props({}), logical);
    if (!sc.explored) return;
    if (!sc.complete && !sc.error && !sc.compared) {
      this.add('incomplete', 'warning', 'fail', `scenario ${sc.name} (${sc.locking}): exploration stopped (${sc.reason}) after ${sc.stats.states} states; nothing unreached is proven absent`, sc, props({ states: sc.stats.states }), logical);
    }
    for (const f of [...sc.races, ...sc.violations]) {
      const info = f.expected || sc.compared;
      if (info && this.quiet) continue;
      const level: Level = f.type === 'race' ? 'error' : 'warning';
      const kind: Kind = f.expected ? 'pass' : sc.compared ? 'informational' : 'fail';
      const what = `${f.type} ${f.code}${f.expected ? ' (expected)' : sc.compared ? ` (under ${sc.locking})` : ''}: ${f.message}`;
      this.add(f.code, level, kind, what, f, {
        ...this.flow(f),
        partialFingerprints: { 'vmscenFinding/v1': fingerprint([this.file, sc.name, sc.locking, f.code, f.thread, String(f.line)]) },
        ...props({ type: f.type, thread: f.thread, expected: f.expected, steps: f.trace.length }),
      }, logical);
    }
    for (const e of sc.expectations) {
      if (sc.compared) continue;
      if (e.status === 'met' && this.quiet) continue;
      this.add(e.status, e.status === 'failed' ? 'error' : 'warning', e.status === 'met' ? 'pass' : 'fail', `${e.text}: ${e.message}`, e, props({}), logical);
    }
  }

  /** The interleaving as a codeFlow (one threadFlow per thread) and the related steps. */
  private flow(f: FindingView): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (f.related.length) {
      out['relatedLocations'] = f.related.map((r, i) => ({ id: i + 1, ...this.location(r, `${r.thread}: involved step`) }));
    }
    if (f.trace.length === 0) return out;
    const threads = [...new Set(f.trace.map((t) => t.thread))];
    const threadFlows = threads.map((th) => ({
      id: th,
      message: { text: `thread ${th}` },
      locations: f.trace.flatMap((t, i) =>
        t.thread !== th
          ? []
          : [
              {
                location: this.location({ line: t.line, col: t.col, endLine: t.line, endCol: t.col }, `${i + 1}. ${t.step} — ${t.kernel}`),
                executionOrder: i + 1,
                importance: i === f.trace.length - 1 ? 'essential' : 'important',
              },
            ],
      ),
    }));
    out['codeFlows'] = [{ message: { text: `${f.code}: shortest interleaving, ${f.trace.length} step${f.trace.length === 1 ? '' : 's'}` }, threadFlows }];
    return out;
  }
}

function fingerprint(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

// The engine's fingerprint: what a restructuring of the engine must not change. For every
// example (under all four designs) and for 200 generated scenarios per design: the `--json`
// document without timings (verdicts, messages, traces, state and transition counts), the
// unreduced search's counts and findings, the machine snapshot after every micro-step of every
// finding's interleaving, and the micro-step expansion of every step (hover's rows).
// `test/engine/fingerprint.test.ts` compares the tree against test/data/fingerprint.json;
// `node --import tsx scripts/fingerprint.ts --write` records it, `--full FILE` writes every
// entry's whole text for diffing two trees.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import fc from 'fast-check';
import { analyze } from '../../server/src/analysis/analyze';
import { checkFile, isExplorable } from '../../server/src/analysis/check-file';
import { expansionOf } from '../../server/src/analysis/expansion';
import { toJsonFile } from '../../server/src/cli/format-json';
import { Exec } from '../../server/src/engine/exec';
import type { Design } from '../../server/src/engine/settings';
import type { ScenarioSpec } from '../../server/src/engine/scenario';
import { explore } from '../../server/src/explore/explore';
import { snapshot } from '../../server/src/explore/snapshot';
import { lowerScenario } from '../../server/src/lang/lower';
import { scenarioArbFor, type GenDesign } from './frozen-gen';
import { exampleFiles } from '../helpers';

export const DESIGNS: readonly GenDesign[] = ['classic', 'pervma', 'spf', 'range'];
export const GENERATED_PER_DESIGN = 200;
const GEN_SEED = 20261203;
const GEN_MAX_STATES = 60_000;

export interface FingerprintEntry {
  readonly id: string;
  /** Reduced search: states and transitions per scenario (and design), summed over the file. */
  readonly states: number;
  readonly transitions: number;
  /** Finding codes, for a readable diff. */
  readonly findings: readonly string[];
  readonly sha256: string;
}

export interface Fingerprint {
  readonly entries: readonly FingerprintEntry[];
}

/** The `--json` document without timings. */
function jsonWithoutTimings(path: string, text: string, designs: readonly Design[] | undefined, maxStates?: number): Record<string, unknown> {
  const fa = analyze(text, { ...(designs ? { designs } : {}), ...(maxStates ? { maxStates } : {}) });
  const doc = toJsonFile(path, fa) as { scenarios: { stats: { ms?: number } }[] };
  for (const sc of doc.scenarios) delete sc.stats.ms;
  return doc as unknown as Record<string, unknown>;
}

/** Every finding's interleaving replayed micro-step by micro-step with the machine after each. */
function traceSnapshots(spec: ScenarioSpec, maxStates: number): unknown {
  const res = explore(spec, { maxStates });
  if (res.error) return { error: res.error };
  return res.findings.map((f) => {
    const exec = new Exec(spec, { reduce: false });
    const s = exec.initial();
    const shots: unknown[] = [snapshot(exec, s)];
    for (const st of f.trace) {
      exec.step(s, st.thread);
      shots.push(snapshot(exec, s));
    }
    return { code: f.code, place: f.place, path: f.path, shots };
  });
}

/** The search without the reduction: counts and findings. */
function unreduced(spec: ScenarioSpec, maxStates: number): unknown {
  const res = explore(spec, { maxStates }, { reduce: false });
  return {
    error: res.error,
    complete: res.complete,
    states: res.stats.states,
    transitions: res.stats.transitions,
    findings: res.findings.map((f) => ({ code: f.code, place: f.place, message: f.message, related: f.related, path: f.path })),
  };
}

function expansions(spec: ScenarioSpec): unknown {
  try {
    // the rows as hover shows them (their presentation fields only: a new field is not a semantic change)
    return spec.threads.map((th, t) => th.steps.map((_, i) => expansionOf(spec, t, i).map((r) => ({ n: r.n, text: r.text, kernel: r.kernel, flow: r.flow }))));
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function specsWithDesigns(text: string, designs: readonly Design[]): ScenarioSpec[] {
  const file = checkFile(text);
  const out: ScenarioSpec[] = [];
  for (const sc of file.scenarios) {
    if (!isExplorable(file, sc)) continue;
    let spec: ScenarioSpec;
    try {
      spec = lowerScenario(sc.model);
    } catch {
      continue;
    }
    for (const d of designs) out.push({ ...spec, design: d });
  }
  return out;
}

function entry(id: string, whole: unknown): FingerprintEntry {
  const json = JSON.stringify(whole);
  const doc = (whole as { json: { scenarios: { stats: { states: number; transitions: number }; races: { kind: string }[]; violations: { code: string }[] }[] } }).json;
  let states = 0;
  let transitions = 0;
  const findings: string[] = [];
  for (const sc of doc.scenarios) {
    states += sc.stats.states;
    transitions += sc.stats.transitions;
    for (const r of sc.races) findings.push(r.kind);
    for (const v of sc.violations) findings.push(v.code);
  }
  return { id, states, transitions, findings, sha256: createHash('sha256').update(json).digest('hex') };
}

export function generatedScenarios(design: GenDesign): string[] {
  return fc.sample(scenarioArbFor(design), { numRuns: GENERATED_PER_DESIGN, seed: GEN_SEED });
}

/** Compute the fingerprint; `onEntry` receives each entry's whole data (for --full). */
export function computeFingerprint(onEntry?: (id: string, whole: unknown) => void): Fingerprint {
  const entries: FingerprintEntry[] = [];
  const add = (id: string, whole: unknown): void => {
    onEntry?.(id, whole);
    entries.push(entry(id, whole));
  };
  for (const file of exampleFiles()) {
    const text = fs.readFileSync(file, 'utf8');
    const specs = specsWithDesigns(text, DESIGNS);
    add(file, {
      json: jsonWithoutTimings(file, text, DESIGNS),
      traces: specs.map((s) => ({ name: s.name, design: s.design, traces: traceSnapshots(s, 500_000) })),
      expansions: specs.map((s) => ({ name: s.name, design: s.design, rows: expansions(s) })),
    });
  }
  for (const design of DESIGNS) {
    generatedScenarios(design).forEach((text, i) => {
      const specs = specsWithDesigns(text, [design]);
      add(`generated/${design}/${i}`, {
        text,
        json: jsonWithoutTimings(`gen-${design}-${i}.vmscen`, text, undefined, GEN_MAX_STATES),
        unreduced: specs.map((s) => unreduced(s, GEN_MAX_STATES)),
        traces: specs.map((s) => traceSnapshots(s, GEN_MAX_STATES)),
        expansions: specs.map(expansions),
      });
    });
  }
  return { entries };
}

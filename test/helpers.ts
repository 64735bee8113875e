// Shared test helpers: load and lower scenarios from text, list the examples.
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { analyze } from '../server/src/analysis/analyze';
import { checkFile, isExplorable } from '../server/src/analysis/check-file';
import { Exec } from '../server/src/engine/exec';
import type { ScenarioSpec } from '../server/src/engine/scenario';
import { lowerScenario } from '../server/src/lang/lower';

export const ROOT = process.cwd();

export function exampleFiles(): string[] {
  return fs
    .readdirSync(path.join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.vmscen'))
    .sort()
    .map((f) => path.join('examples', f));
}

/** Lower every explorable scenario of a text; throws if a scenario has errors. */
export function specsOf(text: string): ScenarioSpec[] {
  const file = checkFile(text);
  const errors = file.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) throw new Error(`scenario has errors: ${errors.map((e) => `${e.span.line}:${e.span.col} ${e.message}`).join('; ')}`);
  return file.scenarios.filter((s) => isExplorable(file, s)).map((s) => lowerScenario(s.model));
}

export function specOf(text: string): ScenarioSpec {
  const specs = specsOf(text);
  if (specs.length !== 1) throw new Error(`expected one scenario, got ${specs.length}`);
  return specs[0]!;
}

/** Run a scenario's threads to the end, first enabled thread first; the micro-step kinds run. */
export function microSteps(text: string): string[] {
  const spec = specOf(text);
  const exec = new Exec(spec);
  const s = exec.initial();
  const kinds: string[] = [];
  for (let guard = 0; guard < 500; guard++) {
    const t = spec.threads.findIndex((_, i) => exec.enabled(s, i));
    if (t < 0) break;
    kinds.push(exec.instr(s, t)!.kind);
    exec.step(s, t);
  }
  return kinds;
}

/** A scenario named `s` around some declaration and thread lines. */
export function scenario(lines: string): string {
  return `scenario s {\n${lines}\n}\n`;
}

/** The finding codes of one scenario of a text (no errors, explored completely), sorted. */
export function findingCodes(text: string, name?: string): string[] {
  const fa = analyze(text, name ? { only: [name] } : {});
  assert.equal(fa.errors.filter((e) => e.severity === 'error').length, 0, JSON.stringify(fa.errors));
  const sc = fa.scenarios[0]!;
  assert.ok(sc.complete, 'explored completely');
  return [...new Set([...sc.races, ...sc.violations].map((f) => f.code))].sort();
}

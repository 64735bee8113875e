// Tidy tests: layers import only downwards; no file of server/src imports itself through
// others; ARCHITECTURE.md has a code-map heading for every folder of server/src; the generated
// docs are up to date with the engine's tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderFindingsDoc, renderMicroStepsDoc } from '../../scripts/gen-docs';

const SRC = 'server/src';

/** Which layers each layer may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  engine: [],
  lang: ['engine'],
  explore: ['engine'],
  analysis: ['lang', 'explore', 'engine'],
  cli: ['analysis', 'engine'],
  lsp: ['analysis', 'engine', 'protocol.ts'],
};

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(full));
    else if (e.name.endsWith('.ts')) out.push(full);
  }
  return out;
}

/** What a file imports: `import … from`, `export … from`, `import '…'`, `import('…')` (types too) and `require`. */
function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const statements = /(?:^|\n)\s*(?:import|export)(?:[^'"]*?from)?\s*['"]([^'"]+)['"]|(?:require|import)\(['"]([^'"]+)['"]\)/g;
  return [...text.matchAll(statements)].map((m) => m[1] ?? m[2]!);
}

/**
 * What a file imports at run time: `import … from` and `export … from` that bring in a value, and
 * `import '…'`. Type-only imports (`import type`, or braces of `type` names only) are erased by
 * the compiler, so they cannot make a module initialize before its dependencies.
 */
function runtimeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const statements = /(?:^|\n)\s*(?:import|export)\s+(type\s+)?([^'"]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  const out: string[] = [];
  for (const m of text.matchAll(statements)) {
    if (m[4]) {
      out.push(m[4]);
      continue;
    }
    if (m[1]) continue;
    const clause = m[2]!.trim();
    const braces = /^\{([^}]*)\}$/.exec(clause);
    if (braces && braces[1]!.split(',').map((x) => x.trim()).filter((x) => x).every((x) => x.startsWith('type '))) continue;
    out.push(m[3]!);
  }
  return out;
}

/** The file a relative import names: `x.ts`, or `x/index.ts` for a folder; undefined for a package or another kind of file. */
function resolveImport(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.join(path.dirname(file), spec);
  return [base, `${base}.ts`, path.join(base, 'index.ts')].find((f) => f.endsWith('.ts') && fs.existsSync(f) && fs.statSync(f).isFile());
}

/**
 * Run-time import cycles among `files`, each as the path that closes it (first file repeated at the end):
 * the back edges of a depth-first search, so none when there is none and at least one when there is.
 */
function importCycles(files: readonly string[]): string[][] {
  const edges = new Map(files.map((f) => [f, runtimeImports(f).flatMap((spec) => resolveImport(f, spec) ?? [])]));
  const cycles: string[][] = [];
  const visited = new Set<string>();
  const trail: string[] = []; // the depth-first path from the root: an edge back into it closes a cycle
  const visit = (f: string): void => {
    visited.add(f);
    trail.push(f);
    for (const g of edges.get(f) ?? []) {
      if (trail.includes(g)) cycles.push([...trail.slice(trail.indexOf(g)), g]);
      else if (!visited.has(g)) visit(g);
    }
    trail.pop();
  };
  for (const f of [...files].sort()) if (!visited.has(f)) visit(f);
  return cycles;
}

test('server layers import only downwards', () => {
  for (const layer of fs.readdirSync(SRC).filter((d) => fs.statSync(path.join(SRC, d)).isDirectory())) {
    const allowed = ALLOWED[layer];
    assert.ok(allowed, `layer ${layer} is listed in the tidy test`);
    for (const file of tsFiles(path.join(SRC, layer))) {
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) {
          // packages: only lsp/ may use LSP packages
          if (/^vscode-language/.test(spec)) assert.equal(layer, 'lsp', `${file} imports ${spec}`);
          continue;
        }
        const target = path.relative(SRC, path.resolve(path.dirname(file), spec));
        const top = target.split(path.sep)[0]!;
        if (top === layer) continue;
        assert.ok(allowed.includes(top) || allowed.includes(`${top}.ts`), `${file} imports ${spec}: ${layer} may not import ${top}`);
      }
    }
  }
});

test('no import cycles among the files of server/src (at run time: type-only imports are erased)', () => {
  const cycles = importCycles(tsFiles(SRC)).map((c) => c.map((f) => path.relative(SRC, f)).join(' → '));
  assert.deepEqual(cycles, [], 'cut each cycle, e.g. by moving the shared types into a file of their own');
});

test('client/ imports nothing from server/ but protocol.ts', () => {
  if (!fs.existsSync('client/src')) return;
  for (const file of tsFiles('client')) {
    for (const spec of imports(file)) {
      if (!spec.startsWith('.')) continue;
      const target = path.relative('.', path.resolve(path.dirname(file), spec));
      if (target.startsWith('server')) assert.equal(target.replace(/\.ts$/, ''), 'server/src/protocol', `${file} imports ${spec}`);
    }
  }
});

test('ARCHITECTURE.md has a code-map heading for every folder of server/src', () => {
  const arch = fs.readFileSync('ARCHITECTURE.md', 'utf8');
  for (const d of fs.readdirSync(SRC).filter((x) => fs.statSync(path.join(SRC, x)).isDirectory())) {
    assert.ok(arch.includes(`### \`server/src/${d}/\``), `ARCHITECTURE.md describes server/src/${d}/`);
  }
});

test('docs/findings.md and docs/micro-steps.md are generated from the engine tables (npm run docs)', () => {
  assert.equal(fs.readFileSync('docs/findings.md', 'utf8'), renderFindingsDoc());
  assert.equal(fs.readFileSync('docs/micro-steps.md', 'utf8'), renderMicroStepsDoc());
});

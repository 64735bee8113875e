// The web extension's bundles (dist/browser-client.js, dist/browser-server.js with its explore
// worker) hold no Node module: vscode.dev and github.dev run them in web workers, where a
// `require("fs")` or an `import "node:…"` is an error at load. Checked twice: in esbuild's
// metafiles (every source file bundled and every import it makes; the only external is the
// editor's `vscode`) and in the bundles' text (no `require` of a Node built-in left in).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
}

const BUNDLES = [
  { js: 'dist/browser-server.js', externals: [] as string[], entries: ['server/src/lsp/browser-main.ts', 'server/src/lsp/browser-explore-worker.ts'] },
  { js: 'dist/browser-client.js', externals: ['vscode'], entries: ['client/src/browser-extension.ts'] },
];
const NODE_BUILTIN = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/** The Node halves of the LSP packages (their browser halves live in lib/browser, their shared code in lib/common). */
const NODE_HALVES = /node_modules\/vscode-(languageserver|languageclient|jsonrpc|languageserver-protocol)\/lib\/node\//;
/** The Node-only modules of our own sources: the Node entries and what only they use. */
const NODE_ONLY = ['server/src/lsp/main.ts', 'server/src/lsp/worker-pool.ts', 'server/src/lsp/workspace-files.ts', 'server/src/lsp/explore-worker.ts', 'server/src/lsp/stdio-reader.ts', 'client/src/extension.ts', 'client/src/client.ts', 'client/src/tasks.ts'];

function meta(js: string): Metafile {
  const file = js.replace(/\.js$/, '.meta.json');
  assert.ok(fs.existsSync(file), `${file} exists (npm run build writes it)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Metafile;
}

for (const b of BUNDLES) {
  test(`${b.js}: no Node module among its sources or imports`, () => {
    const m = meta(b.js);
    const inputs = Object.keys(m.inputs);
    for (const e of b.entries) assert.ok(inputs.includes(e), `${e} is bundled`);
    for (const [file, { imports }] of Object.entries(m.inputs)) {
      assert.doesNotMatch(file, NODE_HALVES, `${file}: the Node half of an LSP package`);
      assert.ok(!NODE_ONLY.includes(file), `${file} is Node-only`);
      for (const i of imports) {
        assert.ok(!NODE_BUILTIN.has(i.path), `${file} imports ${i.path}`);
        // a relative import left external is one of type names only (`import { type X }`): erased
        if (i.external && !i.path.startsWith('.')) assert.ok(b.externals.includes(i.path), `${file} leaves ${i.path} to be loaded at run time`);
      }
    }
  });

  test(`${b.js}: no require of a Node built-in in its text`, () => {
    const text = fs.readFileSync(b.js, 'utf8');
    // a bare require, not a guarded `freeModule.require('util')` (lodash, through chevrotain) that
    // only runs where a CommonJS `module` exists
    const required = [...text.matchAll(/(?<![.\w$])require\(\s*["']([^"']+)["']\s*\)|\bfrom\s*["'](node:[^"']+)["']|\bimport\(\s*["'](node:[^"']+)["']\s*\)/g)].map((x) => x[1] ?? x[2] ?? x[3]!);
    assert.deepEqual(required.filter((r) => NODE_BUILTIN.has(r) || r.startsWith('node:')), []);
    assert.deepEqual([...new Set(required)].filter((r) => !b.externals.includes(r)), [], 'nothing required but the externals');
  });
}

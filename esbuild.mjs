// Bundles the extension client, the language server (with its explore worker), the CLI and
// the webview. Nothing built is committed: `npm ci` runs this through `prepare`.
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const common = { bundle: true, sourcemap: true, logLevel: 'warning', target: 'node20' };
const builds = [
  { ...common, entryPoints: ['server/src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs' },
  { ...common, entryPoints: ['test/bench/bench.ts'], outfile: 'dist/bench.js', platform: 'node', format: 'cjs' },
];
const optional = [
  { entry: 'server/src/lsp/main.ts', outfile: 'dist/server.js', platform: 'node', format: 'cjs' },
  { entry: 'server/src/lsp/explore-worker.ts', outfile: 'dist/explore-worker.js', platform: 'node', format: 'cjs' },
  { entry: 'client/src/extension.ts', outfile: 'dist/client.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  { entry: 'client/webview/main.ts', outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];
import { existsSync } from 'node:fs';
for (const o of optional) {
  if (!existsSync(o.entry)) continue;
  builds.push({ ...common, entryPoints: [o.entry], outfile: o.outfile, platform: o.platform, format: o.format,
    external: o.external ?? [], ...(o.target ? { target: o.target } : {}) });
}
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}

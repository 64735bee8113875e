// Bundles the extension client, the language server (with its explore worker), the CLI and
// the webview; and the web extension: its client and its server (a web worker, with the
// browser explore worker built into it as text). Nothing built is committed: `npm ci` runs
// this through `prepare`. The browser bundles' metafiles (dist/*.meta.json) are what
// test/tidy/browser.test.ts reads to check that no Node module got into them.
import * as esbuild from 'esbuild';
import { writeFileSync } from 'node:fs';

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

// The web extension. The server's explore worker runs in a web worker nested in the server's,
// started from a Blob of its text: one file to load, whatever origin the editor serves it from.
const web = { ...common, platform: 'browser', target: 'es2022', metafile: true };
const exploreWorker = await esbuild.build({ ...web, entryPoints: ['server/src/lsp/browser-explore-worker.ts'], format: 'iife', sourcemap: false, write: false, outfile: 'dist/browser-explore-worker.js' });
const webBuilds = [
  { ...web, entryPoints: ['server/src/lsp/browser-main.ts'], outfile: 'dist/browser-server.js', format: 'iife',
    define: { VMSCEN_EXPLORE_WORKER_SOURCE: JSON.stringify(exploreWorker.outputFiles[0].text) } },
  { ...web, entryPoints: ['client/src/browser-extension.ts'], outfile: 'dist/browser-client.js', format: 'cjs', external: ['vscode'] },
];
/** Each browser bundle's metafile next to it, the explore worker's merged into the server's. */
function writeMeta(b, meta) {
  const merged = b.outfile === 'dist/browser-server.js' ? { inputs: { ...exploreWorker.metafile.inputs, ...meta.inputs }, outputs: { ...exploreWorker.metafile.outputs, ...meta.outputs } } : meta;
  writeFileSync(b.outfile.replace(/\.js$/, '.meta.json'), JSON.stringify(merged));
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
  for (const b of webBuilds) await (await esbuild.context({ ...b, plugins: [{ name: 'meta', setup: (p) => p.onEnd((r) => r.metafile && writeMeta(b, r.metafile)) }] })).watch();
} else {
  await Promise.all([...builds.map((b) => esbuild.build(b)), ...webBuilds.map(async (b) => writeMeta(b, (await esbuild.build(b)).metafile))]);
}

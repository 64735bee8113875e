// The extension's manifest is marketplace-ready (issue 13, item 4): an icon (a 128x128 PNG), a
// CHANGELOG, a walkthrough whose buttons run commands the extension contributes and whose media
// exist, capabilities declared, and vsce packaging every file the manifest refers to and none
// of the sources or tests (`vsce ls`, the list `vsce package` uses).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { DESIGNS } from '../../server/src/engine/settings';
import { Commands } from '../../server/src/protocol';

interface Step {
  id: string;
  description: string;
  media: { markdown?: string; image?: string };
  completionEvents?: string[];
}
const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as {
  icon: string;
  main: string;
  browser: string;
  capabilities: { untrustedWorkspaces: { supported: boolean | string }; virtualWorkspaces: boolean | object };
  activationEvents: string[];
  contributes: {
    commands: { command: string }[];
    walkthroughs: { id: string; steps: Step[] }[];
    breakpoints: { language: string }[];
    debuggers: { type: string; languages: string[]; configurationAttributes: { launch: { required: string[]; properties: Record<string, { enum?: string[] }> } }; initialConfigurations: { type: string; request: string }[] }[];
  };
};

test('the icon is a 128x128 PNG and the CHANGELOG has an Unreleased section', () => {
  const png = fs.readFileSync(pkg.icon);
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
  assert.match(fs.readFileSync('CHANGELOG.md', 'utf8'), /^## \[Unreleased\]/m);
});

test('the walkthrough: every button and completion event names a contributed command, every medium exists', () => {
  const commands = new Set(pkg.contributes.commands.map((c) => c.command));
  const w = pkg.contributes.walkthroughs[0]!;
  assert.ok(w.steps.length >= 4);
  for (const s of w.steps) {
    for (const m of s.description.matchAll(/\(command:([\w.]+)\)/g)) assert.ok(commands.has(m[1]!), `${s.id}: ${m[1]} is a command`);
    for (const e of s.completionEvents ?? []) if (e.startsWith('onCommand:')) assert.ok(commands.has(e.slice(10)), `${s.id}: ${e}`);
    const media = s.media.markdown ?? s.media.image!;
    assert.ok(fs.existsSync(media), `${s.id}: ${media} exists`);
  }
  assert.ok(pkg.capabilities.untrustedWorkspaces.supported);
  assert.ok(pkg.capabilities.virtualWorkspaces);
});

test('vsce packages the manifest, bundles, grammar, examples, icon, CHANGELOG and walkthrough media, and no sources', () => {
  const r = spawnSync(process.execPath, ['node_modules/@vscode/vsce/vsce', 'ls', '--no-dependencies'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const files = r.stdout.split('\n').filter(Boolean);
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', pkg.icon, 'dist/client.js', 'dist/server.js', 'dist/explore-worker.js', 'dist/webview.js', 'dist/browser-client.js', 'dist/browser-server.js', 'syntaxes/vmscen.tmLanguage.json', 'examples/uffd-wp.vmscen']) assert.ok(files.includes(f), `packaged: ${f}`);
  for (const s of pkg.contributes.walkthroughs[0]!.steps) assert.ok(files.includes(s.media.markdown ?? s.media.image!), `packaged: ${s.id}'s media`);
  assert.ok(!files.some((f) => /^(server|client|test|scripts)\//.test(f) || f.endsWith('.map') || f.endsWith('.ts')), files.join('\n'));
});

test('a web extension too: `browser` names the browser client bundle, `main` the Node one', () => {
  assert.equal(pkg.main, './dist/client.js');
  assert.equal(pkg.browser, './dist/browser-client.js');
  // the browser client starts the server from this bundle (client/src/browser-extension.ts)
  assert.match(fs.readFileSync('client/src/browser-extension.ts', 'utf8'), /joinPath\(context\.extensionUri, 'dist', 'browser-server\.js'\)/);
});

test('the debugger: a vmscen launch type (file, scenario, finding, design) for vmscen files, breakpoints there, and every command the server and client name is contributed', () => {
  const commands = new Set(pkg.contributes.commands.map((c) => c.command));
  for (const c of Object.values(Commands)) assert.ok(commands.has(c), `${c} is contributed`);
  const dbg = pkg.contributes.debuggers.find((d) => d.type === 'vmscen');
  assert.ok(dbg, 'a vmscen debugger');
  assert.deepEqual(dbg.languages, ['vmscen']);
  const launch = dbg.configurationAttributes.launch;
  assert.deepEqual(launch.required, ['file', 'scenario']);
  for (const k of ['file', 'scenario', 'finding', 'design', 'stopOnEntry']) assert.ok(launch.properties[k], `launch.${k}`);
  assert.deepEqual(launch.properties['design']!.enum, DESIGNS.map((d) => d.value));
  assert.ok(dbg.initialConfigurations.every((c) => c.type === 'vmscen' && c.request === 'launch'));
  assert.ok(pkg.contributes.breakpoints.some((b) => b.language === 'vmscen'));
  assert.ok(pkg.activationEvents.includes('onDebugResolve:vmscen'));
});

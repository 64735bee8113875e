#!/usr/bin/env node
// The `vmscen` command: `vmscen check …` runs the bundled CLI, `vmscen lsp` the language
// server on stdin/stdout (both built by `npm ci` / `npm run build`).
'use strict';
const path = require('path');
const fs = require('fs');
const dist = path.join(__dirname, '..', 'dist');
const args = process.argv.slice(2);
const entry = path.join(dist, args[0] === 'lsp' ? 'server.js' : 'cli.js');
if (!fs.existsSync(entry)) {
  process.stderr.write(`vmscen: ${path.relative(process.cwd(), entry)} is missing; run \`npm run build\` (or \`npm ci\`) first\n`);
  process.exit(2);
}
if (args[0] === 'lsp') {
  // The server runs with a larger young generation (parse+check on every keystroke allocates
  // many short-lived objects), which needs a node flag: start it as a child on our stdio.
  const serverArgs = ['--max-semi-space-size=64', entry, ...(args.includes('--stdio') ? [] : ['--stdio']), ...args.slice(1)];
  const child = require('child_process').spawn(process.execPath, serverArgs, { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code === null ? (signal ? 1 : 0) : code));
} else {
  const code = require(entry).main(args);
  if (code >= 0) process.exitCode = code;
}

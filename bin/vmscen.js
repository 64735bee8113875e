#!/usr/bin/env node
// The `vmscen` command: runs the bundled CLI (built by `npm ci` / `npm run build`).
'use strict';
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('vmscen: dist/cli.js is missing; run `npm run build` (or `npm ci`) first\n');
  process.exit(2);
}
const code = require(cli).main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;

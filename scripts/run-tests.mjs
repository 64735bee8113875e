// Runs every test/**/*.test.ts with node's test runner (Node 20 has no --test globs).
// Usage: node scripts/run-tests.mjs [substring-filter...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (name.endsWith('.test.ts') && (filters.length === 0 || filters.some((f) => full.includes(f)))) files.push(full);
  }
};
walk('test');
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// a test that hangs fails after 10 minutes rather than holding CI to its limit, and a test file
// whose tests have all finished exits even if something still holds its event loop (CI once
// waited 8 minutes on a finished LSP test file whose process had only stdout and stderr left)
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-timeout=600000', '--test-force-exit', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);

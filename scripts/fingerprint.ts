// Records or prints the engine's fingerprint (test/fingerprint/fingerprint.ts).
//   node --import tsx scripts/fingerprint.ts --write        refresh test/data/fingerprint.json
//   node --import tsx scripts/fingerprint.ts --full FILE    every entry's whole data, one JSON line each
import * as fs from 'node:fs';
import { computeFingerprint } from '../test/fingerprint/fingerprint';

const args = process.argv.slice(2);
const fullAt = args.indexOf('--full');
const fullFile = fullAt >= 0 ? args[fullAt + 1] : undefined;
const out = fullFile ? fs.openSync(fullFile, 'w') : undefined;
const t0 = Date.now();
const fp = computeFingerprint(out === undefined ? undefined : (id, whole) => fs.writeSync(out, JSON.stringify({ id, whole }) + '\n'));
if (out !== undefined) fs.closeSync(out);
const text = JSON.stringify(fp, null, 1) + '\n';
if (args.includes('--write')) fs.writeFileSync('test/data/fingerprint.json', text);
else if (!fullFile) process.stdout.write(text);
console.error(`${fp.entries.length} entries, ${fp.entries.reduce((a, e) => a + e.states, 0)} states, ${Date.now() - t0} ms`);

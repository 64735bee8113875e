import * as fs from 'node:fs';
import { computeFingerprint, type Fingerprint } from '/work/wt10-numa/test/fingerprint/fingerprint';
const now = computeFingerprint();
const rec = JSON.parse(fs.readFileSync('test/data/fingerprint.json', 'utf8')) as Fingerprint;
const before = new Map(rec.entries.map((e) => [e.id, e]));
for (const e of now.entries) {
  const b = before.get(e.id);
  if (!b) console.log('NEW', e.id, e.findings.join(' '));
  else if (b.sha256 !== e.sha256) console.log('CHANGED', e.id, b.states, e.states, b.findings.join(' '), '->', e.findings.join(' '));
}
console.log('done', now.entries.length, rec.entries.length);

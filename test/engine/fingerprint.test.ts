// The engine's fingerprint (test/fingerprint/fingerprint.ts) is unchanged: every verdict,
// message, trace, state and transition count, unreduced search, per-step machine snapshot and
// micro-step expansion of the examples (under all four designs) and of 800 generated
// scenarios. A restructuring of the engine must keep it; a change meant to alter semantics
// refreshes it with UPDATE_GOLDEN=1 (or `node --import tsx scripts/fingerprint.ts --write`)
// and says why in its commit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { computeFingerprint, type Fingerprint } from '../fingerprint/fingerprint';

const FILE = 'test/data/fingerprint.json';

test('the engine fingerprint is unchanged (examples under every design, 200 generated scenarios per design)', () => {
  const now = computeFingerprint();
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(FILE, JSON.stringify(now, null, 1) + '\n');
  const recorded = JSON.parse(fs.readFileSync(FILE, 'utf8')) as Fingerprint;
  assert.equal(now.entries.length, recorded.entries.length, 'number of entries');
  const before = new Map(recorded.entries.map((e) => [e.id, e]));
  const changed: string[] = [];
  for (const e of now.entries) {
    const b = before.get(e.id);
    if (!b) changed.push(`${e.id}: new entry`);
    else if (b.sha256 !== e.sha256) {
      changed.push(`${e.id}: states ${b.states} -> ${e.states}, transitions ${b.transitions} -> ${e.transitions}, findings [${b.findings.join(' ')}] -> [${e.findings.join(' ')}]`);
    }
  }
  assert.deepEqual(changed, [], `${changed.length} entries differ (diff two trees with scripts/fingerprint.ts --full):\n${changed.slice(0, 20).join('\n')}`);
});

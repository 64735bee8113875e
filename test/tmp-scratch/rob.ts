import * as fs from 'node:fs';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { planFile } from '../../server/src/analysis/analyze';
import { checkFile } from '../../server/src/analysis/check-file';
const FRAGMENTS = fs.readdirSync('examples').filter((f) => f.endsWith('.vmscen')).flatMap((f) => fs.readFileSync(`examples/${f}`, 'utf8').split('\n')).filter((l) => l.trim().length > 0);
const editArb = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), len: fc.constant(0), text: fc.array(fc.constantFrom(...'abcdefgtlr0x123 {}=->.;\n/*'.split('')), { maxLength: 6 }).map((cs) => cs.join('')) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 12 }), text: fc.constant('') }),
  fc.record({ kind: fc.constant('paste' as const), at: fc.nat(), len: fc.constant(0), text: fc.constantFrom(...FRAGMENTS).map((l) => `${l}\n`) }),
);
let doc = TextDocument.create('u', 'vmscen', 1, fs.readFileSync('examples/uffd-wp.vmscen', 'utf8'));
const edits = fc.sample(editArb, { numRuns: 1001, seed: 42 });
let v = 1, tc = 0, tp = 0, worst = 0;
for (const e of edits) {
  const len = doc.getText().length;
  const at = len === 0 ? 0 : e.at % (len + 1);
  const range = { start: doc.positionAt(at), end: doc.positionAt(Math.min(len, at + e.len)) };
  doc = TextDocument.update(doc, [{ range, text: e.text }], ++v);
  let t0 = performance.now();
  const c = checkFile(doc.getText());
  tc += performance.now() - t0;
  t0 = performance.now();
  const p = planFile(c, { maxStates: 20000 });
  const dt = performance.now() - t0;
  tp += dt;
  if (dt > worst) { worst = dt; console.log('v', v, 'plan ms', dt.toFixed(1), 'tasks', p.filter((x) => 'task' in x).length, 'keylen', p.map((x) => ('task' in x ? x.task.key.length : 0)).join(',')); }
}
console.log('check total', tc.toFixed(0), 'plan total', tp.toFixed(0));

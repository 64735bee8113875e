import * as fs from 'node:fs';
import { checkFile, isExplorable } from '../server/src/analysis/check-file';
import { lowerScenario } from '../server/src/lang/lower';
import { explore } from '../server/src/explore/explore';
const text = fs.readFileSync(process.argv[2]!, 'utf8');
const r = checkFile(text);
for (const d of r.diagnostics) console.log(`${d.span.line}:${d.span.col} ${d.severity} [${d.code}] ${d.message}`);
for (const s of r.scenarios) {
  if (!isExplorable(r, s)) continue;
  const spec = lowerScenario(s.model);
  const t0 = Date.now();
  const res = explore(spec, { maxStates: Number(process.env.MAX ?? 2e6), now: () => Date.now() });
  console.log(`== ${spec.name}: complete=${res.complete} ${res.reason ?? ''} ${res.error ?? ''} states=${res.stats.states} trans=${res.stats.transitions} term=${res.stats.terminal} depth=${res.stats.maxDepth} ${Date.now() - t0}ms B/state=${res.stats.bytesPerState.toFixed(1)}`);
  for (const f of res.findings) {
    console.log(`  ${f.type} ${f.code} @ ${f.place.thread >= 0 ? spec.threads[f.place.thread]!.name : 'check'}#${f.place.step}: ${f.message}`);
    if (process.env.TRACE) for (const st of f.trace) console.log(`      ${spec.threads[st.thread]!.name.padEnd(8)} ${st.text.padEnd(50)} ${st.kernel}`);
  }
}

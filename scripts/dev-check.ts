import * as fs from 'node:fs';
import { checkFile } from '../server/src/analysis/check-file';
import { lowerScenario } from '../server/src/lang/lower';
const text = fs.readFileSync(process.argv[2]!, 'utf8');
const r = checkFile(text);
for (const d of r.diagnostics) console.log(`${d.span.line}:${d.span.col} ${d.severity} [${d.code}] ${d.message}`);
for (const s of r.scenarios) if (!s.diagnostics.some(d=>d.severity==='error')) console.log(JSON.stringify(lowerScenario(s.model)).slice(0, 1500));

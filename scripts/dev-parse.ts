import * as fs from 'node:fs';
import { parseFile } from '../server/src/lang/parse-file';
const text = fs.readFileSync(process.argv[2], 'utf8');
const r = parseFile(text);
console.log(JSON.stringify(r.ast, (k, v) => (k === 'span' || k==='headSpan' ? undefined : v), 1).slice(0, 3000));
for (const d of r.diagnostics) console.log(`${d.span.line}:${d.span.col}-${d.span.endLine}:${d.span.endCol} ${d.severity} ${d.message}`);

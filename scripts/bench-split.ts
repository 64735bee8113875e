// Where parse+check time goes on the bench's 1,000-line file: lexing, parsing (to AST), checks.
import { checkFile } from '../server/src/analysis/check-file';
import { parseFile } from '../server/src/lang/parse-file';
import { vmscenLexer } from '../server/src/lang/tokens';
import { thousandLines } from '../test/bench/family';

const text = thousandLines();
const time = (f: () => void, n = 100): number => {
  for (let i = 0; i < 20; i++) f();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[n >> 1]!;
};
console.log('lex       ', time(() => vmscenLexer.tokenize(text)).toFixed(2), 'ms');
console.log('parseFile ', time(() => parseFile(text)).toFixed(2), 'ms');
console.log('checkFile ', time(() => checkFile(text)).toFixed(2), 'ms');
if (process.argv.includes('--loop')) for (let i = 0; i < 400; i++) parseFile(text);

import * as fs from 'node:fs';
import { vmscenLexer } from '../server/src/lang/tokens';
import { vmscenParser } from '../server/src/lang/parser';
const text = fs.readFileSync(process.argv[2], 'utf8');
const lx = vmscenLexer.tokenize(text);
vmscenParser.input = lx.tokens;
vmscenParser.scenario();
for (const e of vmscenParser.errors) console.log(e.name, JSON.stringify(e.message), e.token.image, e.token.startLine, e.context.ruleStack.join('>'));

// `expect` lines (SPEC §8): which findings a scenario expects, judged in analysis/ after
// exploration. Here only their form and the race kinds and violation codes they name.
import { RACE_KINDS, VIOLATION_CODES } from '../../engine/findings';
import type * as A from '../ast';
import { didYouMean } from '../did-you-mean';
import type { Span } from '../span';
import { diagnostic } from './codes';
import type { CheckContext } from './context';
import type { ExpectKind } from './model';

export function checkExpect(cx: CheckContext, d: A.ExpectDecl): void {
  if (d.words.length === 0) return; // a bare `expect`: a syntax error, already reported
  const words = d.words.map((w) => w.text);
  const text = cx.text.slice(d.span.start, d.span.end);
  const bad = (message: string, span: Span = d.span): void => {
    cx.out.push(diagnostic('expect', span, message));
  };
  const form = 'expect race KIND | no race [KIND] | violation CODE | no violation [CODE] | deadlock | no deadlock | clean';
  const [w0, w1, w2, ...rest] = words;
  const extra = rest.length > 0 ? d.words[3] : undefined;
  if (extra) return bad(`unexpected '${extra.text}': ${form}`, extra.span);
  const push = (kind: ExpectKind, code?: string): void => {
    cx.model.expectations.push({ kind, code, text, span: d.span });
  };
  const codeOf = (w: A.Name | undefined, kind: 'race' | 'violation'): string | undefined | null => {
    if (!w) return undefined;
    const valid: readonly string[] = kind === 'race' ? RACE_KINDS : VIOLATION_CODES;
    if (valid.includes(w.text)) return w.text;
    bad(didYouMean(`unknown ${kind === 'race' ? 'race kind' : 'violation code'} '${w.text}'`, w.text, valid, `Valid: ${valid.join(', ')}`), w.span);
    return null;
  };
  if (w0 === 'no') {
    if (w1 === 'race' || w1 === 'violation') {
      const c = codeOf(d.words[2], w1);
      if (c === null) return;
      return push(w1 === 'race' ? 'no-race' : 'no-violation', c);
    }
    if (w1 === 'deadlock' && !w2) return push('no-deadlock');
    return bad(`expected 'race', 'violation' or 'deadlock' after 'no': ${form}`, d.words[1]?.span ?? d.span);
  }
  if (w0 === 'race' || w0 === 'violation') {
    if (!d.words[1]) return bad(`'expect ${w0}' needs a ${w0 === 'race' ? 'race kind' : 'violation code'}: ${form}`);
    if (w2) return bad(`unexpected '${w2}': ${form}`, d.words[2]!.span);
    const c = codeOf(d.words[1], w0);
    if (c === null || c === undefined) return;
    return push(w0, c);
  }
  if ((w0 === 'deadlock' || w0 === 'clean') && !w1) return push(w0);
  const unknown = w0 ? didYouMean(`unknown expectation '${words.join(' ')}'`, w0, ['race', 'violation', 'deadlock', 'clean', 'no']) : 'unknown expectation';
  bad(`${unknown}: ${form}`, d.words[0]?.span ?? d.span);
}

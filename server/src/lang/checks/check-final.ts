// `check final` lines: a condition on the final state, resolved to the engine's CondSpec
// (addresses in named mms, registers of named threads).
import type { CondSpec, OperandSpec } from '../../engine/scenario';
import type * as A from '../ast';
import { didYouMean } from '../did-you-mean';
import { checkAddress } from './addresses';
import { diagnostic } from './codes';
import type { CheckContext } from './context';

export function checkFinal(cx: CheckContext, d: A.CheckDecl): void {
  if (!d.cond) return;
  const before = cx.out.length;
  const cond = condSpec(cx, d.cond);
  if (cond && cx.out.length === before) cx.model.checks.push({ cond, text: cx.text.slice(d.cond.span.start, d.cond.span.end), span: d.span });
}

function condSpec(cx: CheckContext, c: A.CondNode): CondSpec | undefined {
  if (c.kind === 'cmp') {
    const left = operandSpec(cx, c.left, 'left');
    const right = operandSpec(cx, c.right, 'right');
    return left && right ? { kind: 'cmp', op: c.op, left, right } : undefined;
  }
  const left = condSpec(cx, c.left);
  const right = condSpec(cx, c.right);
  return left && right ? { kind: c.kind, left, right } : undefined;
}

function operandSpec(cx: CheckContext, o: A.OperandNode, side: 'left' | 'right'): OperandSpec | undefined {
  switch (o.kind) {
    case 'int': {
      if (side === 'right') return o.lit.value === undefined ? undefined : { kind: 'int', value: o.lit.value };
      const addr = checkAddress(o.lit, cx.out, 'address', ' (a number on the left of a comparison is an address in mm main: write main:ADDR, or put the integer on the right)');
      return addr === undefined ? undefined : { kind: 'mem', mm: 0, addr };
    }
    case 'mem': {
      const mm = cx.lookup.mmIndex(o.mm.text);
      if (mm === undefined) {
        const known = cx.model.mms.map((m) => m.name);
        cx.out.push(diagnostic('unknown-name', o.mm.span, didYouMean(`unknown mm '${o.mm.text}'`, o.mm.text, known, `Known mms: ${known.join(', ')}`)));
        return undefined;
      }
      const addr = checkAddress(o.addr, cx.out);
      return addr === undefined ? undefined : { kind: 'mem', mm, addr };
    }
    case 'reg': {
      const t = cx.lookup.threadIndex(o.thread.text) ?? -1;
      if (t < 0) {
        const known = cx.model.threads.map((x) => x.name);
        const more = `Threads: ${known.length ? known.join(', ') : 'none'}`;
        cx.out.push(diagnostic('unknown-name', o.thread.span, didYouMean(`unknown thread '${o.thread.text}'`, o.thread.text, known, more)));
        return undefined;
      }
      const thread = cx.model.threads[t]!;
      const reg = thread.registers.indexOf(o.reg.text);
      if (reg < 0) {
        const has = thread.registers.length ? ` (it has ${thread.registers.join(', ')})` : '';
        cx.out.push(diagnostic('unknown-name', o.reg.span, `thread '${thread.name}' has no register '${o.reg.text}'${has}: registers are named by 'load ADDR -> REG' or 'kread REF -> REG'`));
        return undefined;
      }
      return { kind: 'reg', thread: t, reg };
    }
  }
}

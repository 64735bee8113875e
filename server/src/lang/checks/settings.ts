// Settings lines: `locking`, `arch`, `reuse` and `limit`, each at most once per scenario.
import { ARCH_OPTIONS, ARCHES, DESIGNS, REUSE_RULES } from '../../engine/settings';
import type * as A from '../ast';
import { didYouMean } from '../did-you-mean';
import type { Span } from '../span';
import { diagnostic } from './codes';
import type { CheckContext } from './context';

function once(cx: CheckContext, key: string, span: Span, what: string): boolean {
  const prev = cx.seen.get(key);
  if (prev) {
    cx.out.push(diagnostic('duplicate', span, `${what} is already declared on line ${prev.line}`));
    return false;
  }
  cx.seen.set(key, span);
  return true;
}

function choose<T extends string>(cx: CheckContext, name: A.Name | undefined, values: readonly { value: T }[], what: string): T | undefined {
  if (!name) return undefined;
  const v = values.find((x) => x.value === name.text);
  if (v) return v.value;
  const valid = values.map((x) => x.value);
  cx.out.push(diagnostic('option', name.span, didYouMean(`unknown ${what} '${name.text}'`, name.text, valid, `Valid: ${valid.join(', ')}`)));
  return undefined;
}

export function checkSetting(cx: CheckContext, d: A.DeclNode): void {
  switch (d.kind) {
    case 'locking': {
      if (!once(cx, 'locking', d.span, "'locking'")) return;
      const v = choose(cx, d.design, DESIGNS, 'locking design');
      if (v) cx.model.design = v;
      return;
    }
    case 'reuse': {
      if (!once(cx, 'reuse', d.span, "'reuse'")) return;
      const v = choose(cx, d.rule, REUSE_RULES, 'reuse rule');
      if (v) cx.model.reuse = v;
      return;
    }
    case 'arch': {
      if (!once(cx, 'arch', d.span, "'arch'")) return;
      const v = choose(cx, d.arch, ARCHES, 'architecture');
      if (v) cx.model.arch = v;
      for (const w of d.words) cx.out.push(diagnostic('shape', w.span, `unexpected '${w.text}': arch x86|arm64 [rcu-table-free=on|off]`));
      for (const o of d.options) {
        const spec = ARCH_OPTIONS.find((s) => s.key === o.key.text);
        if (!spec) {
          cx.out.push(diagnostic('option', o.key.span, `unknown option '${o.key.text}' for arch; valid: rcu-table-free=on|off`));
          continue;
        }
        if (!o.value) continue; // `key=` with no value: a syntax error, already reported
        const val = o.value.text;
        if (val !== 'on' && val !== 'off') {
          cx.out.push(diagnostic('option', o.value.span, `invalid value for rcu-table-free: valid values are on, off`));
          continue;
        }
        cx.model.rcuTableFree = val === 'on';
      }
      return;
    }
    default:
      return;
  }
}

export function checkLimit(cx: CheckContext, d: A.LimitDecl): void {
  if (!d.what || !d.value) return;
  const what = d.what.text;
  if (what !== 'states' && what !== 'ms') {
    cx.out.push(diagnostic('option', d.what.span, `unknown limit '${what}': limit states N | limit ms N`));
    return;
  }
  if (!once(cx, `limit ${what}`, d.span, `'limit ${what}'`)) return;
  const v = d.value.value;
  if (v === undefined) return;
  if (v < 1) {
    cx.out.push(diagnostic('option', d.value.span, `limit ${what} must be at least 1`));
    return;
  }
  cx.model.limits[what] = v;
}

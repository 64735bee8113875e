// Checks a step against its op's shapes in the catalogue (engine/ops.ts): positional words,
// addresses and ranges, flags, options (defaults filled in), `= VALUE` and `-> NAME`.
import { findOp, OPS, type FormSpec, type OpSpec, type SlotSpec } from '../../engine/ops';
import { PROTS, type Prot } from '../../engine/settings';
import type * as A from '../ast';
import type { LangDiagnostic } from '../diagnostic';
import { didYouMean } from '../did-you-mean';
import type { Span } from '../span';
import { checkAddress, checkRange } from './addresses';
import { diagnostic } from './codes';

export type SlotValue =
  | { readonly kind: 'word'; readonly text: string; readonly span: Span }
  | { readonly kind: 'addr'; readonly addr: number; readonly span: Span }
  | { readonly kind: 'range'; readonly start: number; readonly end: number; readonly span: Span }
  | { readonly kind: 'all'; readonly span: Span }
  | { readonly kind: 'prot'; readonly prot: Prot; readonly span: Span }
  | { readonly kind: 'ref'; readonly name: A.Name }
  | { readonly kind: 'frame'; readonly name: A.Name }
  | { readonly kind: 'frames'; readonly names: readonly A.Name[] };

export interface ShapedStep {
  readonly op: OpSpec;
  readonly node: A.StepNode;
  readonly form: FormSpec;
  readonly slots: readonly SlotValue[];
  readonly flags: ReadonlySet<string>;
  /** Every option of the op, defaults filled in. */
  readonly options: ReadonlyMap<string, string>;
  /** Options written in the source, with their spans. */
  readonly written: ReadonlyMap<string, A.OptionNode>;
  readonly assign: number | undefined;
  readonly target: A.Name | undefined;
  /** `-> ADDR` of an op whose target is an address (mremap), checked for alignment. */
  readonly targetAddr?: number;
}

const OP_NAMES = OPS.map((o) => o.name);

export function shapeStep(node: A.StepNode, out: LangDiagnostic[]): ShapedStep | undefined {
  const op = findOp(node.op.text);
  if (!op) {
    out.push(diagnostic('unknown-op', node.op.span, didYouMean(`unknown step '${node.op.text}'`, node.op.text, OP_NAMES, `Steps: ${OP_NAMES.join(', ')}`)));
    return undefined;
  }
  const before = out.length;
  /** Set where a syntax error (already reported) leaves the step without a piece it needs. */
  let incomplete = false;
  /** A piece missing at the end of the step: not reported again when a syntax error cut the line short. */
  const missing = (message: string): void => {
    if (node.damaged) incomplete = true;
    else out.push(diagnostic('shape', endOf(node), message));
  };
  let args = [...node.args];
  let assignNode = node.assign;
  let assignWritten = node.assignSpan !== undefined;
  // `kwrite r = 5` lexes like the option `r=5`: read it as a reference and a value (`kwrite r =`
  // at the end of a truncated file as a reference and a missing value).
  if (op.assign === 'required' && !assignNode) {
    const last = args[args.length - 1];
    if (last?.kind === 'option') {
      args = [...args.slice(0, -1), { kind: 'word', name: last.option.key, span: last.option.key.span }];
      assignNode = last.option.value;
      assignWritten = true;
    }
  }
  const positional = args.filter((a) => a.kind !== 'option');
  const optionArgs = args.filter((a): a is Extract<A.StepArg, { kind: 'option' }> => a.kind === 'option');

  const form = chooseForm(op, positional, node, out);
  if (!form) return undefined;
  const slots: SlotValue[] = [];
  let i = 0;
  for (const slot of form.slots) {
    const arg = positional[i];
    if (!arg) {
      missing(`'${op.name}' is missing ${slotName(slot)}: ${form.synopsis}`);
      break;
    }
    if (slot.kind === 'frames') {
      // every remaining positional word is a frame name
      const names: A.Name[] = [];
      for (; i < positional.length; i++) {
        const a = positional[i]!;
        if (a.kind === 'word') names.push(a.name);
        else out.push(diagnostic('shape', a.span, `expected a frame name here: ${form.synopsis}`));
      }
      slots.push({ kind: 'frames', names });
      continue;
    }
    const v = readSlot(slot, arg, op, form, out);
    i++;
    if (v) slots.push(v);
  }
  const flags = new Set<string>();
  for (; i < positional.length; i++) {
    const arg = positional[i]!;
    if (arg.kind === 'word') {
      const flag = op.flags.find((f) => f.name === arg.name.text);
      if (flag) {
        if (flags.has(flag.name)) out.push(diagnostic('duplicate', arg.span, `flag '${flag.name}' is given twice`));
        flags.add(flag.name);
        continue;
      }
      const option = op.options.find((o) => o.key === arg.name.text);
      if (option) {
        out.push(diagnostic('option', arg.span, `option '${option.key}' needs a value: ${option.key}=${option.values.map((v) => v.value).join('|')}`));
        continue;
      }
      if (findOp(arg.name.text)) {
        out.push(diagnostic('shape', arg.span, `'${arg.name.text}' starts a new step: put it on its own line or separate the steps with ';'`));
        break;
      }
      const valid = op.flags.map((f) => f.name);
      const candidates = [...valid, ...op.options.map((o) => o.key)];
      const more = valid.length ? `Flags: ${valid.join(', ')}` : '';
      out.push(diagnostic('shape', arg.span, didYouMean(`unexpected '${arg.name.text}' in '${form.synopsis}'`, arg.name.text, candidates, more)));
    } else {
      out.push(diagnostic('shape', arg.span, `unexpected extra argument: ${form.synopsis}`));
    }
  }

  const options = new Map<string, string>();
  const written = new Map<string, A.OptionNode>();
  for (const o of op.options) options.set(o.key, o.values[0]!.value);
  for (const a of optionArgs) {
    const key = a.option.key.text;
    const spec = op.options.find((o) => o.key === key);
    if (!spec) {
      const keys = op.options.map((o) => o.key);
      const valid = op.options.map((o) => `${o.key}=${o.values.map((v) => v.value).join('|')}`).join(', ');
      out.push(diagnostic('option', a.option.key.span, keys.length ? didYouMean(`unknown option '${key}' for '${op.name}'`, key, keys, `Valid options: ${valid}`) : `'${op.name}' takes no options`));
      continue;
    }
    if (written.has(key)) out.push(diagnostic('duplicate', a.option.key.span, `option '${key}' is given twice`));
    if (!a.option.value) {
      incomplete = true; // `key=` with no value: a syntax error, already reported
      continue;
    }
    const value = a.option.value.text;
    const valid = spec.values.map((v) => v.value);
    if (!valid.includes(value)) {
      out.push(diagnostic('option', a.option.value.span, `invalid value '${value}' for ${key}: valid values are ${valid.join(', ')}`));
      continue;
    }
    options.set(key, value);
    written.set(key, a.option);
  }

  let assign: number | undefined;
  if (op.assign === 'required') {
    if (!assignNode) {
      // `store ADDR =` with nothing after '=' is a syntax error, already reported
      if (assignWritten) incomplete = true;
      else missing(`'${op.name}' needs a value: ${form.synopsis}`);
    } else if ('value' in assignNode) {
      assign = assignNode.value;
    } else out.push(diagnostic('shape', assignNode.span, `expected a number after '=', found '${assignNode.text}'`));
  } else if (assignNode || node.assignSpan) {
    out.push(diagnostic('shape', node.assignSpan ?? assignNode!.span, `'${op.name}' takes no '= VALUE': ${form.synopsis}`));
  }

  let target: A.Name | undefined;
  let targetAddr: number | undefined;
  if (node.target) {
    if (!op.target) out.push(diagnostic('shape', node.target.span, `'${op.name}' takes no '-> NAME': ${form.synopsis}`));
    else if (op.target.kind === 'addr') {
      if ('value' in node.target) targetAddr = checkAddress(node.target, out, 'destination address');
      else out.push(diagnostic('shape', node.target.span, `expected an address after '->', found '${node.target.text}': ${form.synopsis}`));
    } else if ('value' in node.target) out.push(diagnostic('shape', node.target.span, `expected a name after '->', found the number ${node.target.text}`));
    else target = node.target;
  } else if (op.target?.required) {
    missing(`'${op.name}' needs '-> ${op.target.kind === 'addr' ? 'ADDR' : 'NAME'}' (${op.target.doc})`);
  }
  if (out.length > before || incomplete) return undefined;
  return { op, node, form, slots, flags, options, written, assign, target, ...(targetAddr !== undefined ? { targetAddr } : {}) };
}

function chooseForm(op: OpSpec, positional: A.StepArg[], node: A.StepNode, out: LangDiagnostic[]): FormSpec | undefined {
  if (op.forms.length === 1) return op.forms[0];
  const first = positional[0];
  const head = first?.kind === 'word' ? first.name.text : undefined;
  const match = op.forms.find((f) => {
    const s = f.slots[0];
    return s?.kind === 'word' && head !== undefined && s.values.includes(head);
  });
  if (match) return match;
  // forms told apart by what their first argument is (migrate ADDR | FRAME)
  const byKind = first && !op.forms.some((f) => f.slots[0]?.kind === 'word') ? op.forms.find((f) => argFits(f.slots[0], first)) : undefined;
  if (byKind) return byKind;
  if (!first && node.damaged) return undefined; // cut short by a syntax error, already reported
  const synopses = op.forms.map((f) => f.synopsis).join(' | ');
  out.push(diagnostic('shape', first?.span ?? endOf(node), `expected ${synopses}`));
  return undefined;
}

/** Whether an argument has the kind of value a slot takes. */
function argFits(slot: SlotSpec | undefined, arg: A.StepArg): boolean {
  if (!slot) return false;
  if (slot.kind === 'addr' || slot.kind === 'range') return arg.kind === 'int' || arg.kind === 'range';
  if (slot.kind === 'frame' || slot.kind === 'ref') return arg.kind === 'word';
  return false;
}

function slotName(slot: SlotSpec): string {
  switch (slot.kind) {
    case 'word':
      return `${slot.role} (${slot.values.join('|')})`;
    case 'addr':
      return 'an address';
    case 'range':
      return 'a range';
    case 'range-or-all':
      return 'an address, a range or all';
    case 'prot':
      return 'a protection (none|r|rw)';
    case 'ref':
      return 'a reference name';
    case 'frame':
      return 'a frame name';
    case 'frames':
      return 'a frame name';
  }
}

function readSlot(slot: SlotSpec, arg: A.StepArg, op: OpSpec, form: FormSpec, out: LangDiagnostic[]): SlotValue | undefined {
  switch (slot.kind) {
    case 'word':
      if (arg.kind === 'word' && slot.values.includes(arg.name.text)) return { kind: 'word', text: arg.name.text, span: arg.span };
      out.push(diagnostic('shape', arg.span, `expected ${slotName(slot)} here: ${form.synopsis}`));
      return undefined;
    case 'addr':
      if (arg.kind === 'int') {
        const addr = checkAddress(arg.lit, out);
        return addr === undefined ? undefined : { kind: 'addr', addr, span: arg.span };
      }
      out.push(diagnostic('shape', arg.span, `'${op.name}' takes a single page address here, not ${arg.kind === 'range' ? 'a range' : `'${describeArg(arg)}'`}: ${form.synopsis}`));
      return undefined;
    case 'range':
    case 'range-or-all': {
      if (slot.kind === 'range-or-all' && arg.kind === 'word' && arg.name.text === 'all') return { kind: 'all', span: arg.span };
      if (arg.kind === 'int' || arg.kind === 'range') {
        const r = checkRange(arg.kind === 'range' ? arg.range : { start: arg.lit, end: undefined, span: arg.span }, out);
        return r ? { kind: 'range', start: r.start, end: r.end, span: arg.span } : undefined;
      }
      out.push(diagnostic('shape', arg.span, `expected ${slotName(slot)} here: ${form.synopsis}`));
      return undefined;
    }
    case 'prot':
      if (arg.kind === 'word' && (PROTS as readonly string[]).includes(arg.name.text)) return { kind: 'prot', prot: arg.name.text as Prot, span: arg.span };
      out.push(diagnostic('shape', arg.span, `expected a protection (none, r or rw) here: ${form.synopsis}`));
      return undefined;
    case 'ref':
      if (arg.kind === 'word') return { kind: 'ref', name: arg.name };
      out.push(diagnostic('shape', arg.span, `expected a reference name (from 'gup … -> REF') here: ${form.synopsis}`));
      return undefined;
    case 'frame':
      if (arg.kind === 'word') return { kind: 'frame', name: arg.name };
      out.push(diagnostic('shape', arg.span, `expected a frame name here: ${form.synopsis}`));
      return undefined;
    case 'frames':
      return undefined; // read by shapeStep's slot loop
  }
}

function describeArg(arg: A.StepArg): string {
  switch (arg.kind) {
    case 'int':
      return arg.lit.text;
    case 'range':
      return `${arg.range.start.text}..${arg.range.end?.text ?? ''}`;
    case 'word':
      return arg.name.text;
    case 'option':
      return `${arg.option.key.text}=${arg.option.value?.text ?? ''}`;
  }
}

function endOf(node: A.StepNode): Span {
  const s = node.span;
  return { start: s.end, end: s.end, line: s.endLine, col: s.endCol, endLine: s.endLine, endCol: s.endCol };
}


// Checks a step against its op's shapes in the catalogue (engine/ops.ts): positional words,
// addresses and ranges, flags, options (defaults filled in), `= VALUE` and `-> NAME`.
import { findOp, OPS, PROTS, type FormSpec, type OpSpec, type Prot, type SlotSpec } from '../engine/ops';
import { checkAddress, checkRange, err } from './addresses';
import type * as A from './ast';
import { suggest } from './cst-to-ast';
import type { LangDiagnostic } from './diagnostic';
import type { Span } from './span';

export type SlotValue =
  | { readonly kind: 'word'; readonly text: string; readonly span: Span }
  | { readonly kind: 'addr'; readonly addr: number; readonly span: Span }
  | { readonly kind: 'range'; readonly start: number; readonly end: number; readonly span: Span }
  | { readonly kind: 'all'; readonly span: Span }
  | { readonly kind: 'prot'; readonly prot: Prot; readonly span: Span }
  | { readonly kind: 'ref'; readonly name: A.Name };

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
}

const OP_NAMES = OPS.map((o) => o.name);

export function shapeStep(node: A.StepNode, out: LangDiagnostic[]): ShapedStep | undefined {
  const op = findOp(node.op.text);
  if (!op) {
    const hint = suggest(node.op.text, OP_NAMES);
    out.push(err(node.op.span, `unknown step '${node.op.text}'${hint ? `; did you mean '${hint}'?` : '.'} Steps: ${OP_NAMES.join(', ')}`, 'unknown-op'));
    return undefined;
  }
  const before = out.length;
  /** Set where a syntax error (already reported) leaves the step without a piece it needs. */
  let incomplete = false;
  /** A piece missing at the end of the step: not reported again when a syntax error cut the line short. */
  const missing = (message: string): void => {
    if (node.damaged) incomplete = true;
    else out.push(err(endOf(node), message, 'shape'));
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
        if (flags.has(flag.name)) out.push(err(arg.span, `flag '${flag.name}' is given twice`, 'duplicate'));
        flags.add(flag.name);
        continue;
      }
      const option = op.options.find((o) => o.key === arg.name.text);
      if (option) {
        out.push(err(arg.span, `option '${option.key}' needs a value: ${option.key}=${option.values.map((v) => v.value).join('|')}`, 'option'));
        continue;
      }
      if (findOp(arg.name.text)) {
        out.push(err(arg.span, `'${arg.name.text}' starts a new step: put it on its own line or separate the steps with ';'`, 'shape'));
        break;
      }
      const valid = op.flags.map((f) => f.name);
      const hint = suggest(arg.name.text, [...valid, ...op.options.map((o) => o.key)]);
      out.push(
        err(
          arg.span,
          `unexpected '${arg.name.text}' in '${form.synopsis}'${hint ? `; did you mean '${hint}'?` : valid.length ? '.' : ''}${valid.length ? ` Flags: ${valid.join(', ')}` : ''}`,
          'shape',
        ),
      );
    } else {
      out.push(err(arg.span, `unexpected extra argument: ${form.synopsis}`, 'shape'));
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
      const hint = suggest(key, keys);
      out.push(
        err(
          a.option.key.span,
          keys.length
            ? `unknown option '${key}' for '${op.name}'${hint ? `; did you mean '${hint}'?` : '.'} Valid options: ${op.options.map((o) => `${o.key}=${o.values.map((v) => v.value).join('|')}`).join(', ')}`
            : `'${op.name}' takes no options`,
          'option',
        ),
      );
      continue;
    }
    if (written.has(key)) out.push(err(a.option.key.span, `option '${key}' is given twice`, 'duplicate'));
    if (!a.option.value) {
      incomplete = true; // `key=` with no value: a syntax error, already reported
      continue;
    }
    const value = a.option.value.text;
    const valid = spec.values.map((v) => v.value);
    if (!valid.includes(value)) {
      out.push(err(a.option.value.span, `invalid value '${value}' for ${key}: valid values are ${valid.join(', ')}`, 'option'));
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
    } else out.push(err(assignNode.span, `expected a number after '=', found '${assignNode.text}'`, 'shape'));
  } else if (assignNode || node.assignSpan) {
    out.push(err(node.assignSpan ?? assignNode!.span, `'${op.name}' takes no '= VALUE': ${form.synopsis}`, 'shape'));
  }

  let target: A.Name | undefined;
  if (node.target) {
    if (!op.target) out.push(err(node.target.span, `'${op.name}' takes no '-> NAME': ${form.synopsis}`, 'shape'));
    else if ('value' in node.target) out.push(err(node.target.span, `expected a name after '->', found the number ${node.target.text}`, 'shape'));
    else target = node.target;
  } else if (op.target?.required) {
    missing(`'${op.name}' needs '-> NAME' (${op.target.doc})`);
  }
  if (out.length > before || incomplete) return undefined;
  return { op, node, form, slots, flags, options, written, assign, target };
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
  if (!first && node.damaged) return undefined; // cut short by a syntax error, already reported
  const synopses = op.forms.map((f) => f.synopsis).join(' | ');
  out.push(err(first?.span ?? endOf(node), `expected ${synopses}`, 'shape'));
  return undefined;
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
  }
}

function readSlot(slot: SlotSpec, arg: A.StepArg, op: OpSpec, form: FormSpec, out: LangDiagnostic[]): SlotValue | undefined {
  switch (slot.kind) {
    case 'word':
      if (arg.kind === 'word' && slot.values.includes(arg.name.text)) return { kind: 'word', text: arg.name.text, span: arg.span };
      out.push(err(arg.span, `expected ${slotName(slot)} here: ${form.synopsis}`, 'shape'));
      return undefined;
    case 'addr':
      if (arg.kind === 'int') {
        const addr = checkAddress(arg.lit, out);
        return addr === undefined ? undefined : { kind: 'addr', addr, span: arg.span };
      }
      out.push(err(arg.span, `'${op.name}' takes a single page address here, not ${arg.kind === 'range' ? 'a range' : `'${describeArg(arg)}'`}: ${form.synopsis}`, 'shape'));
      return undefined;
    case 'range':
    case 'range-or-all': {
      if (slot.kind === 'range-or-all' && arg.kind === 'word' && arg.name.text === 'all') return { kind: 'all', span: arg.span };
      if (arg.kind === 'int' || arg.kind === 'range') {
        const r = checkRange(arg.kind === 'range' ? arg.range : { start: arg.lit, end: undefined, span: arg.span }, out);
        return r ? { kind: 'range', start: r.start, end: r.end, span: arg.span } : undefined;
      }
      out.push(err(arg.span, `expected ${slotName(slot)} here: ${form.synopsis}`, 'shape'));
      return undefined;
    }
    case 'prot':
      if (arg.kind === 'word' && (PROTS as readonly string[]).includes(arg.name.text)) return { kind: 'prot', prot: arg.name.text as Prot, span: arg.span };
      out.push(err(arg.span, `expected a protection (none, r or rw) here: ${form.synopsis}`, 'shape'));
      return undefined;
    case 'ref':
      if (arg.kind === 'word') return { kind: 'ref', name: arg.name };
      out.push(err(arg.span, `expected a reference name (from 'gup … -> REF') here: ${form.synopsis}`, 'shape'));
      return undefined;
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


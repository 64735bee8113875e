// `check final COND` evaluated on a terminal state.
import type { Exec } from '../engine/exec';
import type { CondSpec, OperandSpec } from '../engine/scenario';

export function evalCond(c: CondSpec, exec: Exec, s: Int32Array): { ok: boolean; detail: string } {
  switch (c.kind) {
    case 'and': {
      const l = evalCond(c.left, exec, s);
      if (!l.ok) return l;
      return evalCond(c.right, exec, s);
    }
    case 'or': {
      const l = evalCond(c.left, exec, s);
      if (l.ok) return l;
      const r = evalCond(c.right, exec, s);
      return r.ok ? r : { ok: false, detail: `${l.detail} and ${r.detail}` };
    }
    case 'cmp': {
      const a = operand(c.left, exec, s);
      const b = operand(c.right, exec, s);
      if (a.value === undefined || b.value === undefined) return { ok: false, detail: `${a.value === undefined ? a.name : b.name} is not mapped` };
      const ok = compare(c.op, a.value, b.value);
      const shown = (x: { value: number | undefined; name: string }): string => (x.name === String(x.value) ? x.name : `${x.name} (${x.value})`);
      return { ok, detail: `${shown(a)} ${c.op} ${shown(b)} is false` };
    }
  }
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function operand(o: OperandSpec, exec: Exec, s: Int32Array): { value: number | undefined; name: string } {
  switch (o.kind) {
    case 'int':
      return { value: o.value, name: String(o.value) };
    case 'mem': {
      const mm = exec.spec.mms[o.mm]!.name;
      return { value: exec.m.valueAt(s, o.mm, o.addr), name: `${o.mm === 0 ? '' : `${mm}:`}0x${o.addr.toString(16)}` };
    }
    case 'reg': {
      const th = exec.spec.threads[o.thread]!;
      return { value: exec.L.values[s[exec.m.reg(o.thread, o.reg)]!], name: `${th.name}.${th.registers[o.reg]}` };
    }
  }
}

// Completion: keywords, ops, option keys and values, flags, declared names, expect kinds and
// codes, and snippets, chosen by a lexical look at the text before the cursor (so it works
// while the line is half typed and does not parse).
import { RACES, VIOLATIONS } from '../engine/findings';
import { findOp, OPS } from '../engine/ops';
import { ARCHES, DESIGNS, REUSE_RULES } from '../engine/settings';
import type { CheckedFile } from './check-file';
import { collectOccurrences } from './symbols';

export type CompletionKind = 'keyword' | 'op' | 'option' | 'value' | 'name' | 'code' | 'snippet';

export interface CompletionItem {
  readonly label: string;
  readonly kind: CompletionKind;
  readonly detail?: string;
  readonly documentation?: string;
  /** Snippet text in LSP snippet syntax, when the item is a snippet. */
  readonly snippet?: string;
}

const DECLARATIONS: { label: string; detail: string; snippet: string }[] = [
  { label: 'locking', detail: 'locking classic|spf|range|pervma', snippet: 'locking ${1|classic,spf,range,pervma|}' },
  { label: 'arch', detail: 'arch x86|arm64 [rcu-table-free=on|off]', snippet: 'arch ${1|x86,arm64|}' },
  { label: 'reuse', detail: 'reuse exclusive|refcount|mapcount', snippet: 'reuse ${1|exclusive,refcount,mapcount|}' },
  { label: 'vma', detail: 'vma RANGE PROT KIND SHARING [growsdown] [uffd]', snippet: 'vma ${1:0x1000..0x3000} ${2|rw,r,none|} ${3|anon,file|} ${4|private,shared|}' },
  { label: 'frame', detail: 'frame NAME = VALUE [shared] [readonly] [refs=N]', snippet: 'frame ${1:A} = ${2:1}' },
  { label: 'map', detail: 'map ADDR -> FRAME PROT', snippet: 'map ${1:0x1000} -> ${2:A} ${3|rw,r|}' },
  { label: 'tlb', detail: 'tlb cpuN ADDR -> FRAME PROT', snippet: 'tlb cpu${1:0} ${2:0x1000} -> ${3:A} ${4|rw,r|}' },
  { label: 'mm', detail: 'mm NAME { … }', snippet: 'mm ${1:child} {\n\t$0\n}' },
  { label: 'thread', detail: 'thread NAME [on cpuN] [in MM] { STEP* }', snippet: 'thread ${1:t} on cpu${2:0} {\n\t$0\n}' },
  { label: 'expect', detail: 'expect race KIND | no race | violation CODE | no violation | deadlock | clean', snippet: 'expect ${1|race,no race,violation,no violation,deadlock,no deadlock,clean|}' },
  { label: 'check final', detail: 'check final COND', snippet: 'check final ${1:0x1000} == ${2:1}' },
  { label: 'limit', detail: 'limit states N | limit ms N', snippet: 'limit ${1|states,ms|} ${2:100000}' },
];

const SCENARIO_SNIPPET: CompletionItem = {
  label: 'scenario',
  kind: 'snippet',
  detail: 'a scenario skeleton',
  snippet: 'scenario ${1:name} {\n\tvma 0x1000..0x3000 rw anon private\n\tframe A = 1\n\tmap 0x1000 -> A rw\n\n\tthread ${2:t0} on cpu0 {\n\t\t$0\n\t}\n\n\texpect clean\n}',
};

/** The block the cursor is in: a thread, an mm, a scenario, or the top level. */
function enclosingBlock(prefix: string): { kind: 'top' | 'scenario' | 'mm' | 'thread'; head: string } {
  const stack: { kind: 'top' | 'scenario' | 'mm' | 'thread'; head: string }[] = [];
  const text = prefix.replace(/\/\*[\s\S]*?(\*\/|$)/g, (m) => m.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
  let headStart = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') {
      const head = text.slice(headStart, i).split(/[\n;}]/).pop()!.trim();
      const word = head.split(/\s+/)[0] ?? '';
      stack.push({ kind: word === 'scenario' ? 'scenario' : word === 'mm' ? 'mm' : word === 'thread' ? 'thread' : 'scenario', head });
      headStart = i + 1;
    } else if (ch === '}') {
      stack.pop();
      headStart = i + 1;
    } else if (ch === '\n' || ch === ';') headStart = i + 1;
  }
  return stack[stack.length - 1] ?? { kind: 'top', head: '' };
}

/** Completions at a 1-based (line, col). */
export function completeAt(file: CheckedFile, line: number, col: number): CompletionItem[] {
  const lineStart = file.parse.lines.lineStart(line);
  const offset = Math.min(file.text.length, lineStart + col - 1);
  const prefix = file.text.slice(0, offset);
  const linePrefix = file.text.slice(lineStart, offset);
  // the statement being typed: after the last `;` or `{` on the line
  const stmt = linePrefix.split(/[;{]/).pop()!.replace(/^\s+/, '');
  const words = stmt.split(/\s+/);
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  const block = enclosingBlock(prefix);
  const occ = collectOccurrences(file);
  const names = (kind: string): string[] => [...new Set(occ.filter((o) => o.kind === kind).map((o) => o.name))];
  const items = (labels: readonly string[], kind: CompletionKind, detail?: (l: string) => string | undefined): CompletionItem[] =>
    labels.map((label) => ({ label, kind, ...(detail?.(label) ? { detail: detail(label) } : {}) }));

  if (block.kind === 'top') return before.length === 0 ? [SCENARIO_SNIPPET, { label: 'scenario', kind: 'keyword' }] : [];

  if (block.kind === 'thread') {
    if (before.length === 0) {
      return OPS.map((op) => ({ label: op.name, kind: 'op' as const, detail: op.forms.map((f) => f.synopsis).join(' | '), documentation: op.summary }));
    }
    const op = findOp(before[0]!);
    if (!op) return [];
    if (current.includes('=')) {
      const key = current.slice(0, current.indexOf('='));
      const spec = op.options.find((o) => o.key === key);
      return spec ? spec.values.map((v) => ({ label: `${key}=${v.value}`, kind: 'value' as const, documentation: v.doc })) : [];
    }
    if (before[before.length - 1] === '->') {
      const kind = op.target?.kind;
      return kind === 'mm' ? items(names('mm'), 'name') : kind === 'ref' ? items(names('ref'), 'name') : kind === 'reg' ? items(names('reg'), 'name') : [];
    }
    const out: CompletionItem[] = [];
    // positional words of the op's forms at this position
    for (const form of op.forms) {
      const slot = form.slots[before.length - 1];
      if (slot?.kind === 'word') out.push(...slot.values.map((v) => ({ label: v, kind: 'keyword' as const, detail: slot.role })));
      if (slot?.kind === 'prot') out.push(...items(['none', 'r', 'rw'], 'keyword'));
      if (slot?.kind === 'ref') out.push(...items(names('ref'), 'name'));
      if (slot?.kind === 'frame') out.push(...items(names('frame'), 'name')); // reclaim FRAME, migrate FRAME
      if (slot?.kind === 'range-or-all') out.push({ label: 'all', kind: 'keyword' });
      // truncate FRAME [FRAME …] (issue 10): frame names from the slot on
      if (form.slots.some((x, i) => x.kind === 'frames' && i <= before.length - 1)) out.push(...items(names('frame'), 'name'));
    }
    out.push(...op.flags.filter((f) => !before.includes(f.name)).map((f) => ({ label: f.name, kind: 'keyword' as const, documentation: f.doc })));
    out.push(...op.options.filter((o) => !before.some((w) => w.startsWith(`${o.key}=`))).map((o) => ({ label: `${o.key}=`, kind: 'option' as const, detail: o.values.map((v) => v.value).join('|'), documentation: o.doc })));
    return out;
  }

  // scenario or mm body: declarations
  if (before.length === 0) {
    const decls = block.kind === 'mm' ? DECLARATIONS.filter((d) => ['vma', 'frame', 'map', 'tlb'].includes(d.label)) : DECLARATIONS;
    return decls.map((d) => ({ label: d.label, kind: 'snippet' as const, detail: d.detail, snippet: d.snippet }));
  }
  const head = before[0]!;
  switch (head) {
    case 'locking':
      return before.length === 1 ? DESIGNS.map((d) => ({ label: d.value, kind: 'value' as const, documentation: d.doc })) : [];
    case 'reuse':
      return before.length === 1 ? REUSE_RULES.map((d) => ({ label: d.value, kind: 'value' as const, documentation: d.doc })) : [];
    case 'arch':
      return before.length === 1 ? ARCHES.map((d) => ({ label: d.value, kind: 'value' as const, documentation: d.doc })) : [{ label: 'rcu-table-free=on', kind: 'option' }, { label: 'rcu-table-free=off', kind: 'option' }];
    case 'expect': {
      const rest = before.slice(1);
      const race = RACES.map((r) => ({ label: r.code, kind: 'code' as const, documentation: r.summary }));
      const viol = VIOLATIONS.map((v) => ({ label: v.code, kind: 'code' as const, documentation: v.summary }));
      if (rest.length === 0) return items(['race', 'violation', 'deadlock', 'clean', 'no'], 'keyword');
      if (rest.length === 1 && rest[0] === 'no') return items(['race', 'violation', 'deadlock'], 'keyword');
      const last = rest[rest.length - 1];
      if (last === 'race') return race;
      if (last === 'violation') return viol;
      return [];
    }
    case 'map':
    case 'tlb':
      return before[before.length - 1] === '->' ? items(names('frame'), 'name') : before.length >= 4 ? items(['rw', 'r'], 'keyword') : [];
    case 'vma':
      return [...items(['rw', 'r', 'none', 'anon', 'file', 'private', 'shared', 'growsdown', 'uffd', 'cache'], 'keyword'), ...(before.includes('cache') ? items(names('frame'), 'name') : [])];
    case 'frame':
      return before.length >= 3 ? [...items(['shared', 'readonly'], 'keyword'), { label: 'refs=', kind: 'option' }] : [];
    case 'thread': {
      const last = before[before.length - 1];
      if (last === 'in') return items(['main', ...names('mm')], 'name');
      if (last === 'on') return Array.from({ length: 8 }, (_, i) => ({ label: `cpu${i}`, kind: 'name' as const }));
      return items(['on', 'in'], 'keyword');
    }
    case 'check': {
      if (before.length === 1) return items(['final'], 'keyword');
      if (current.includes('.')) {
        const t = current.slice(0, current.indexOf('.'));
        return [...new Set(occ.filter((o) => o.kind === 'reg' && o.scope.endsWith(`/${t}`)).map((o) => o.name))].map((r) => ({ label: `${t}.${r}`, kind: 'name' as const }));
      }
      return [...items(names('thread').map((t) => `${t}.`), 'name'), ...items(names('mm').map((m) => `${m}:`), 'name')];
    }
    case 'limit':
      return before.length === 1 ? items(['states', 'ms'], 'keyword') : [];
    default:
      return [];
  }
}

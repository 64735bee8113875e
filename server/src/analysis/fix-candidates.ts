// The candidates of the verified fix search (fix-search.ts), as text edits of the design
// under test, in the order they are tried and reported:
//   1. one op option changed to another value the catalogue declares for it, or a declared
//      kernel setting of the scenario (`reuse RULE`, `arch … rcu-table-free=`) changed;
//   2. two option changes (on different op/option pairs);
//   3. an explicit `lock mmap write` … `unlock mmap` around one thread's ops.
// Today's hand-written quick fixes (code-actions.ts) for the finding's diagnostic join the
// search as its first candidates of their size (their number of edits). Within a size, a
// change whose value the catalogue documents as a shipped kernel commit comes first, then a
// change with no commit named, then a proposal no kernel shipped, and last a value documented
// as what kernels did *before* a fix (reverting a fix rarely fixes anything); ties keep source
// order.
// Only steps the finding's interleaving runs are changed: a step it never reaches leaves that
// interleaving, and so the finding, in place.
import { findOp, type OptionSpec } from '../engine/ops';
import { ARCH_OPTIONS, REUSE_RULES } from '../engine/settings';
import type * as A from '../lang/ast';
import type { CheckedFile } from './check-file';
import { codeActions, type TextEdit } from './code-actions';
import type { FindingView } from './views';

/** One option of one step changed. */
export interface OptionChange {
  readonly thread: string;
  readonly op: string;
  readonly line: number;
  readonly key: string;
  readonly from: string;
  readonly to: string;
  /** The kernel commit the catalogue names for the new value, when it names one it shipped. */
  readonly commit?: string;
}

export type CandidateKind = 'quick-fix' | 'option' | 'options' | 'lock';

export interface FixCandidate {
  readonly kind: CandidateKind;
  readonly title: string;
  /** Option changes, lock insertions and hand-written edits count one each. */
  readonly size: number;
  /** 0: a shipped commit names it; 1: no commit named; 2: a proposal no kernel shipped; 3: a pre-fix behaviour. */
  readonly rank: number;
  readonly changes: readonly OptionChange[];
  readonly commits: readonly string[];
  readonly edits: readonly TextEdit[];
}

const COMMIT = /\b([0-9a-f]{12})\b/;

/**
 * The commit a value's documentation says introduced it: the first 12-digit hash not after
 * "before"/"until" (which name what the value predates). A proposal names none.
 */
export function shippedCommit(doc: string): string | undefined {
  if (isProposal(doc)) return undefined;
  let rest = doc;
  for (let m = COMMIT.exec(rest); m; m = COMMIT.exec(rest)) {
    const before = rest.slice(Math.max(0, m.index - 12), m.index);
    if (!/(before|until|after)\s+$/.test(before)) return m[1];
    rest = rest.slice(m.index + m[0].length);
  }
  return undefined;
}

function isProposal(doc: string): boolean {
  return /proposal|suggestion|no kernel shipped/i.test(doc);
}

/** 0: a shipped commit; 1: no commit named; 2: a proposal; 3: what kernels did before a fix. */
export function valueRank(doc: string): number {
  if (shippedCommit(doc)) return 0;
  if (isProposal(doc)) return 2;
  return /\bbefore (the fix|[0-9a-f]{12}|\d)/i.test(doc) ? 3 : 1;
}

function optionValue(st: A.StepNode, opt: OptionSpec): { value: string; span?: A.StepArg['span'] } {
  const given = st.args.find((a) => a.kind === 'option' && a.option.key.text === opt.key);
  if (given && given.kind === 'option') return { value: given.option.value?.text ?? '', span: given.span };
  return { value: opt.values[0]?.value ?? '' };
}

/** Where to insert ` key=value`: after the last argument (before `= VALUE` or `-> NAME`). */
function optionEdit(st: A.StepNode, key: string, value: string, given: A.StepArg['span'] | undefined): TextEdit {
  if (given) return { line: given.line, col: given.col, endLine: given.endLine, endCol: given.endCol, newText: `${key}=${value}` };
  const last = st.args[st.args.length - 1]?.span ?? st.op.span;
  return { line: last.endLine, col: last.endCol, endLine: last.endLine, endCol: last.endCol, newText: ` ${key}=${value}` };
}

interface Single extends FixCandidate {
  readonly stepKey: string;
}

function describe(c: OptionChange): string {
  return `${c.op} ${c.key}=${c.from}→${c.to} (${c.thread}, line ${c.line}${c.commit ? `, ${c.commit}` : ''})`;
}

/** The steps the finding's interleaving runs (and the steps it names as related). */
function stepsInTrace(thread: A.ThreadDecl, f: FindingView): A.StepNode[] {
  const name = thread.name?.text ?? '';
  const at = new Set<string>();
  for (const t of f.trace) if (t.thread === name) at.add(`${t.line}:${t.col}`);
  for (const r of f.related) if (r.thread === name) at.add(`${r.line}:${r.col}`);
  if (f.thread === name) at.add(`${f.line}:${f.col}`);
  return thread.steps.filter((s) => at.has(`${s.span.line}:${s.span.col}`));
}

function threadsOf(sc: A.ScenarioNode): A.ThreadDecl[] {
  return sc.items.filter((d): d is A.ThreadDecl => d.kind === 'thread');
}

export function singleChanges(sc: A.ScenarioNode, f: FindingView): Single[] {
  const out: Single[] = [];
  for (const th of threadsOf(sc)) {
    for (const st of stepsInTrace(th, f)) {
      const op = findOp(st.op.text);
      if (!op) continue;
      for (const opt of op.options) {
        const cur = optionValue(st, opt);
        for (const v of opt.values) {
          if (v.value === cur.value) continue;
          const commit = shippedCommit(v.doc);
          const change: OptionChange = { thread: th.name?.text ?? '', op: op.name, line: st.span.line, key: opt.key, from: cur.value, to: v.value, ...(commit ? { commit } : {}) };
          out.push({
            kind: 'option',
            title: describe(change),
            size: 1,
            rank: valueRank(v.doc),
            changes: [change],
            commits: commit ? [commit] : [],
            edits: [optionEdit(st, opt.key, v.value, cur.span)],
            stepKey: `${st.span.start}:${opt.key}`,
          });
        }
      }
    }
  }
  return stableSortByRank([...out, ...settingChanges(sc)]);
}

/** The scenario's `reuse` rule and its arch's options, changed to each other declared value. */
function settingChanges(sc: A.ScenarioNode): Single[] {
  const out: Single[] = [];
  const add = (span: A.Name['span'], key: string, from: string, to: string, doc: string, text: string, line: number): void => {
    const commit = shippedCommit(doc);
    const change: OptionChange = { thread: '', op: 'setting', line, key, from, to, ...(commit ? { commit } : {}) };
    out.push({
      kind: 'option',
      title: `setting ${key} ${from}→${to} (line ${line}${commit ? `, ${commit}` : ''})`,
      size: 1,
      rank: valueRank(doc),
      changes: [change],
      commits: commit ? [commit] : [],
      edits: [{ line: span.line, col: span.col, endLine: span.endLine, endCol: span.endCol, newText: text }],
      stepKey: `setting:${key}`,
    });
  };
  for (const d of sc.items) {
    if (d.kind === 'reuse' && d.rule) {
      for (const r of REUSE_RULES) if (r.value !== d.rule.text) add(d.rule.span, 'reuse', d.rule.text, r.value, r.doc, r.value, d.span.line);
    }
    if (d.kind === 'arch' && d.arch) {
      for (const opt of ARCH_OPTIONS) {
        const given = d.options.find((o) => o.key.text === opt.key);
        const cur = given?.value?.text ?? (opt.values[opt.values.length - 1]?.value ?? '');
        for (const v of opt.values) {
          if (v.value === cur) continue;
          if (given) add(given.span, opt.key, cur, v.value, v.doc, `${opt.key}=${v.value}`, d.span.line);
          else add({ ...d.arch.span, col: d.arch.span.endCol, line: d.arch.span.endLine }, opt.key, cur, v.value, v.doc, ` ${opt.key}=${v.value}`, d.span.line);
        }
      }
    }
  }
  return out;
}

function stableSortByRank<T extends FixCandidate>(cs: T[]): T[] {
  return cs.map((c, i) => ({ c, i })).sort((a, b) => a.c.rank - b.c.rank || a.i - b.i).map((x) => x.c);
}

/** Pairs of single changes on different step options, best-ranked first. */
export function pairChanges(singles: readonly Single[]): FixCandidate[] {
  const out: { c: FixCandidate; key: number }[] = [];
  for (let i = 0; i < singles.length; i++) {
    for (let j = i + 1; j < singles.length; j++) {
      const a = singles[i]!;
      const b = singles[j]!;
      if (a.stepKey === b.stepKey) continue;
      out.push({
        c: {
          kind: 'options',
          title: `${a.title} + ${b.title}`,
          size: 2,
          rank: Math.max(a.rank, b.rank),
          changes: [...a.changes, ...b.changes],
          commits: [...a.commits, ...b.commits],
          edits: [...a.edits, ...b.edits],
        },
        key: i + j,
      });
    }
  }
  return out.sort((x, y) => x.c.rank - y.c.rank || x.key - y.key).map((x) => x.c);
}

/** `lock mmap write` before a thread's first op and `unlock mmap` after its last, on their lines. */
export function lockInsertions(sc: A.ScenarioNode, f: FindingView): FixCandidate[] {
  const out: FixCandidate[] = [];
  for (const th of threadsOf(sc)) {
    if (stepsInTrace(th, f).length === 0 || th.steps.length === 0) continue;
    if (th.steps.some((s) => s.op.text === 'lock' || s.op.text === 'unlock')) continue;
    const first = th.steps[0]!.span;
    const last = th.steps[th.steps.length - 1]!.span;
    const name = th.name?.text ?? '';
    out.push({
      kind: 'lock',
      title: `lock mmap write around ${name}'s ops (lines ${first.line}-${last.endLine})`,
      size: 3,
      rank: 1,
      changes: [],
      commits: [],
      edits: [
        { line: first.line, col: first.col, endLine: first.line, endCol: first.col, newText: 'lock mmap write; ' },
        { line: last.endLine, col: last.endCol, endLine: last.endLine, endCol: last.endCol, newText: '; unlock mmap' },
      ],
    });
  }
  return out;
}

/** Today's quick fixes for the finding's diagnostic (not the "did you mean" ones: no finding has those). */
export function quickFixCandidates(file: CheckedFile, f: FindingView): FixCandidate[] {
  return codeActions(file, [{ line: f.line, col: f.col, endLine: f.endLine, endCol: f.endCol, code: f.code, message: f.message }])
    .filter((a) => a.fixes === f.code && a.edits.length > 0)
    .map((a) => ({ kind: 'quick-fix' as const, title: a.title, size: a.edits.length, rank: 0, changes: [], commits: COMMIT.test(a.title) ? [COMMIT.exec(a.title)![1]!] : [], edits: a.edits }));
}

/** Apply non-overlapping edits (1-based lines and columns of `file`'s text). */
export function applyEdits(file: CheckedFile, edits: readonly TextEdit[]): string {
  const at = (line: number, col: number): number => file.parse.lines.lineStart(line) + col - 1;
  const sorted = edits.map((e) => ({ s: at(e.line, e.col), e: at(e.endLine, e.endCol), t: e.newText })).sort((a, b) => b.s - a.s || b.e - a.e);
  let text = file.text;
  for (const x of sorted) text = text.slice(0, x.s) + x.t + text.slice(x.e);
  return text;
}

/**
 * Every candidate for a finding, in the order tried: by size, quick fixes first within a
 * size, then by rank and source order. Pairs are made of the single changes `pairable` keeps
 * (the search passes those that checked and are not a pre-fix value, rank 3: reverting a fix
 * and changing something else is not a smaller fix of anything).
 */
export function candidatesFor(file: CheckedFile, sc: A.ScenarioNode, f: FindingView): { maxSize: number; ordered: (size: number, pairable: (c: FixCandidate) => boolean) => FixCandidate[] } {
  const singles = singleChanges(sc, f);
  const quick = quickFixCandidates(file, f);
  return {
    maxSize: Math.max(3, ...quick.map((c) => c.size)),
    ordered: (size, pairable) => {
      const q = quick.filter((c) => c.size === size);
      if (size === 1) return [...q, ...singles];
      if (size === 2) return [...q, ...pairChanges(singles.filter((c) => c.rank < 3 && pairable(c)))];
      if (size === 3) return [...q, ...lockInsertions(sc, f)];
      return q;
    },
  };
}

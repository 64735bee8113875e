// Threads: CPUs (explicit ones first, then the next unused), steps checked against their op's
// shapes, the references and registers they name, the mms they run in and fork.
import { DESIGN_TRAITS } from '../../engine/designs/traits';
import { findOp } from '../../engine/ops';
import { type Design } from '../../engine/settings';
import type * as A from '../ast';
import { didYouMean } from '../did-you-mean';
import type { Span } from '../span';
import { diagnostic } from './codes';
import type { CheckContext } from './context';
import { frameIndex } from './frames';
import type { ModelThread } from './model';
import { shapeStep, type ShapedStep } from './step-shapes';

export function checkThreads(cx: CheckContext, decls: A.ThreadDecl[]): void {
  const usedCpus = new Map<number, string>();
  // explicit CPUs first, so default CPUs ("the next unused") avoid them
  const explicit = new Map<A.ThreadDecl, number>();
  for (const d of decls) {
    if (!d.cpu) continue;
    const c = cpuNumber(cx, d.cpu);
    if (c === undefined) continue;
    const other = usedCpus.get(c);
    if (other !== undefined) {
      cx.out.push(diagnostic('cpu', d.cpu.span, `cpu${c} is already used by thread '${other}': one thread per CPU`));
      continue;
    }
    usedCpus.set(c, d.name?.text ?? '?');
    explicit.set(d, c);
  }
  let next = 0;
  const names = new Map<string, Span>();
  for (const d of decls) {
    if (!d.name) continue;
    const prev = names.get(d.name.text);
    if (prev) {
      cx.out.push(diagnostic('duplicate', d.name.span, `thread '${d.name.text}' is already declared on line ${prev.line}`));
      continue;
    }
    names.set(d.name.text, d.name.span);
    let cpu = explicit.get(d);
    if (cpu === undefined) {
      while (usedCpus.has(next)) next++;
      cpu = next;
      usedCpus.set(cpu, d.name.text);
    }
    const thread: ModelThread = {
      name: d.name.text,
      span: d.span,
      nameSpan: d.name.span,
      cpu,
      mm: 0,
      mmName: d.mm,
      steps: [],
      registers: [],
      registerSpans: [],
      refs: [],
      refSpans: [],
    };
    const tIdx = cx.lookup.addThread(thread);
    const putAt = new Map<string, Span>();
    for (const s of d.steps) {
      const shaped = shapeStep(s, cx.out);
      if (!shaped) {
        declareTargetOfBrokenStep(cx, s, thread);
        continue;
      }
      stepNames(cx, shaped, thread, tIdx);
      useAfterPut(cx, shaped, thread, putAt);
      const first = shaped.slots[0];
      // `lock range` and `lock vma` exist only where the design has those locks
      const word = (shaped.op.name === 'lock' || shaped.op.name === 'unlock') && first?.kind === 'word' ? first : undefined;
      const designLock = word ? DESIGN_LOCKS.find((x) => x.lock === word.text) : undefined;
      if (word && designLock && !DESIGN_TRAITS[cx.model.design].explicitLocks.includes(designLock.lock)) {
        cx.out.push(diagnostic('design', word.span, designLock.message(cx.model.design)));
        continue;
      }
      thread.steps.push(shaped);
    }
  }
}

/** The explicit locks only some designs have, and what to say when a scenario's design lacks one. */
const DESIGN_LOCKS: readonly { readonly lock: 'range' | 'vma'; readonly message: (d: Design) => string }[] = [
  { lock: 'range', message: (d) => `range locks exist only under 'locking range' (this scenario is 'locking ${d}'): use 'lock mmap read|write' here, or switch the design` },
  { lock: 'vma', message: (d) => `VMA locks exist only under 'locking pervma' (Linux 6.4+; this scenario is 'locking ${d}'): add 'locking pervma'` },
];

/** A step with errors still names its reference or register, so later uses do not cascade. */
function declareTargetOfBrokenStep(cx: CheckContext, s: A.StepNode, t: ModelThread): void {
  const kind = findOp(s.op.text)?.target?.kind;
  if (!s.target || 'value' in s.target) return;
  if (kind === 'ref' && !t.refs.includes(s.target.text)) {
    t.refs.push(s.target.text);
    t.refSpans.push(s.target.span);
  } else if (kind === 'reg' && !t.registers.includes(s.target.text)) {
    t.registers.push(s.target.text);
    t.registerSpans.push(s.target.span);
  }
}

/**
 * A reference used (kread, kwrite, put) after a `put` of it with no `gup … -> REF` between: the
 * use follows put_page() on every path (the engine reports use-after-put or use-after-free).
 * `putAt`: the thread's references dropped so far, with the span of their put.
 */
function useAfterPut(cx: CheckContext, s: ShapedStep, t: ModelThread, putAt: Map<string, Span>): void {
  if (s.op.target?.kind === 'ref' && s.target) putAt.delete(s.target.text);
  for (const slot of s.slots) {
    if (slot.kind !== 'ref') continue;
    const put = putAt.get(slot.name.text);
    if (put) cx.out.push(diagnostic('use-after-put', slot.name.span, `'${slot.name.text}' was dropped by the put on line ${put.line}: this ${s.op.name} uses the page after put_page() (take it again with 'gup ADDR -> ${slot.name.text}')`));
    if (s.op.name === 'put' && t.refs.includes(slot.name.text)) putAt.set(slot.name.text, s.node.span);
  }
}

/** References, registers and forked mms named by a step. */
function stepNames(cx: CheckContext, s: ShapedStep, t: ModelThread, tIdx: number): void {
  for (const slot of s.slots) if (slot.kind === 'frame') frameIndex(cx, slot.name); // reclaim FRAME, migrate FRAME
  for (const slot of s.slots) {
    if (slot.kind !== 'ref') continue;
    if (!t.refs.includes(slot.name.text)) {
      const head = `reference '${slot.name.text}' is never taken before this step in thread '${t.name}'`;
      cx.out.push(diagnostic('unknown-name', slot.name.span, didYouMean(head, slot.name.text, t.refs, `Take it with 'gup ADDR -> ${slot.name.text}'`)));
    }
  }
  if (!s.target || !s.op.target) return;
  const name = s.target;
  switch (s.op.target.kind) {
    case 'ref':
      if (!t.refs.includes(name.text)) {
        t.refs.push(name.text);
        t.refSpans.push(name.span);
      }
      return;
    case 'reg':
      if (!t.registers.includes(name.text)) {
        t.registers.push(name.text);
        t.registerSpans.push(name.span);
      }
      return;
    case 'mm': {
      const prevIndex = cx.lookup.mmIndex(name.text);
      const prev = prevIndex === undefined ? undefined : cx.model.mms[prevIndex];
      if (prev) {
        cx.out.push(diagnostic('duplicate', name.span, prev.forkedBy ? `mm '${name.text}' is already created by another fork` : `mm '${name.text}' is already declared: a fork creates a new mm`));
        return;
      }
      cx.lookup.addMm({ name: name.text, span: name.span, forkedBy: { thread: tIdx, step: t.steps.length }, vmas: [], ptes: [] });
      return;
    }
  }
}

/** The mm of each `thread … in MM`: checked after every thread, since a later thread's fork may create it. */
export function checkThreadMms(cx: CheckContext): void {
  for (const t of cx.model.threads) {
    if (!t.mmName) continue;
    const name = t.mmName.text;
    const i = cx.lookup.mmIndex(name);
    if (i === undefined) {
      const known = cx.model.mms.map((m) => m.name);
      const more = `Known mms: ${known.join(', ')}. Declare it with 'mm ${name} { … }' or create it with 'fork -> ${name}'`;
      cx.out.push(diagnostic('unknown-name', t.mmName.span, didYouMean(`unknown mm '${name}'`, name, known, more)));
      continue;
    }
    t.mm = i;
    const forker = cx.model.mms[i]!.forkedBy;
    if (forker && cx.model.threads[forker.thread] === t) {
      cx.out.push(diagnostic('unknown-name', t.mmName.span, `thread '${t.name}' cannot run in the mm its own fork creates`));
    }
  }
}

/** The number of a CPU name `cpuN` (threads' `on cpuN` and `tlb cpuN` lines). */
export function cpuNumber(cx: CheckContext, n: A.Name): number | undefined {
  const m = /^cpu([0-9]{1,3})$/.exec(n.text);
  if (!m || Number(m[1]) > 63) {
    cx.out.push(diagnostic('cpu', n.span, `expected a CPU name cpu0 … cpu63, found '${n.text}'`));
    return undefined;
  }
  return Number(m[1]);
}

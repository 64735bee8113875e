// Quick fixes where the fix is mechanical: apply a "did you mean" suggestion, take mmap_lock
// for write, write-lock or bracket the VMAs (pervma, spf), flush under the PTL, add pending=flush to the faults in uffd-wp VMAs
// (6ce64428d620) or the never-merged pending=flush-any to the others, add a missing unlock,
// remove an unlock of a lock not held.
import type * as A from '../lang/ast';
import type { Span } from '../lang/span';
import type { CheckedFile } from './check-file';
import { within } from './hover';

export interface TextEdit {
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  readonly newText: string;
}

export interface CodeAction {
  readonly title: string;
  readonly edits: readonly TextEdit[];
  /** The diagnostic code this fixes. */
  readonly fixes: string;
  readonly preferred: boolean;
}

/** A diagnostic as the editor reports it back: position, code and message. */
export interface DiagnosticRef {
  readonly line: number;
  readonly col: number;
  readonly endLine: number;
  readonly endCol: number;
  readonly code: string;
  readonly message: string;
}

function replace(s: Span, newText: string): TextEdit {
  return { line: s.line, col: s.col, endLine: s.endLine, endCol: s.endCol, newText };
}

function insertAt(line: number, col: number, text: string): TextEdit {
  return { line, col, endLine: line, endCol: col, newText: text };
}

function stepAt(file: CheckedFile, line: number, col: number): { step: A.StepNode; thread: A.ThreadDecl; scenario: A.ScenarioNode } | undefined {
  for (const sc of file.parse.ast.scenarios) {
    for (const d of sc.items) {
      if (d.kind !== 'thread') continue;
      for (const st of d.steps) if (within(st.span, line, col)) return { step: st, thread: d, scenario: sc };
    }
  }
  return undefined;
}

/** Where to insert ` key=value` into a step: after its last argument, before `= VALUE` or `-> NAME`. */
function optionInsertPoint(st: A.StepNode): { line: number; col: number } {
  const last = st.args[st.args.length - 1]?.span ?? st.op.span;
  return { line: last.endLine, col: last.endCol };
}

function setOption(st: A.StepNode, key: string, value: string): TextEdit {
  const existing = st.args.find((a) => a.kind === 'option' && a.option.key.text === key);
  if (existing && existing.kind === 'option') return replace(existing.span, `${key}=${value}`);
  const at = optionInsertPoint(st);
  return insertAt(at.line, at.col, ` ${key}=${value}`);
}

function lineIndent(file: CheckedFile, line: number): string {
  const start = file.parse.lines.lineStart(line);
  return /^[ \t]*/.exec(file.text.slice(start))![0];
}

/** Whether a `fault`/`cow` step's address lies in a VMA of its thread's mm registered for uffd-wp (as declared). */
function faultInUffdVma(file: CheckedFile, scenario: A.ScenarioNode, st: A.StepNode): boolean {
  const model = file.scenarios.find((c) => c.ast === scenario)?.model;
  const thread = model?.threads.find((t) => t.steps.some((x) => x.node === st));
  const shaped = thread?.steps.find((x) => x.node === st);
  const addr = shaped?.slots.find((x) => x.kind === 'addr');
  if (!model || !thread || !addr || addr.kind !== 'addr') return false;
  return (model.mms[thread.mm]?.vmas ?? []).some((v) => v.uffd && v.start <= addr.addr && addr.addr < v.end);
}

export function codeActions(file: CheckedFile, diagnostics: readonly DiagnosticRef[]): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    const span: Span = { start: 0, end: 0, line: d.line, col: d.col, endLine: d.endLine, endCol: d.endCol };
    const suggestion = /did you mean '([^']+)'\?/.exec(d.message);
    if (suggestion) out.push({ title: `Change to '${suggestion[1]}'`, edits: [replace(span, suggestion[1]!)], fixes: d.code, preferred: true });
    const at = stepAt(file, d.line, d.col);
    if (!at) continue;
    const { step, thread, scenario } = at;
    switch (d.code) {
      case 'downgrade-needs-flush':
      case 'vma-needs-mmap-write':
        // under pervma / spf the write lock is not enough: the VMAs must be write-locked or bracketed
        if (/vma_start_write|vm_write_begin/.test(d.message) && ['wrprotect', 'mprotect', 'fork'].includes(step.op.text)) {
          const what = /vm_write_begin/.test(d.message) ? 'Bracket the VMAs with vm_write_begin/end (vmalock=on)' : 'Write-lock the VMAs with vma_start_write (vmalock=on)';
          out.push({ title: what, edits: [setOption(step, 'vmalock', 'on')], fixes: d.code, preferred: true });
          break;
        }
        if (['wrprotect', 'mprotect', 'unprotect'].includes(step.op.text)) {
          out.push({ title: "Take mmap_lock for write (lock=write): Linus's rule", edits: [setOption(step, 'lock', 'write')], fixes: d.code, preferred: true });
          if (d.code === 'downgrade-needs-flush') out.push({ title: 'Flush the TLB before dropping the PTL (flush=ptl)', edits: [setOption(step, 'flush', 'ptl')], fixes: d.code, preferred: false });
        }
        break;
      case 'lost-write': {
        // 6ce64428d620 flushes only in VMAs registered for uffd-wp; elsewhere only the
        // never-merged generic proposal (pending=flush-any) would
        const merged: TextEdit[] = [];
        const proposal: TextEdit[] = [];
        for (const dd of scenario.items) {
          if (dd.kind !== 'thread') continue;
          for (const st of dd.steps) {
            if ((st.op.text !== 'fault' && st.op.text !== 'cow') || st.args.some((a) => a.kind === 'option' && a.option.key.text === 'pending')) continue;
            if (faultInUffdVma(file, scenario, st)) merged.push(setOption(st, 'pending', 'flush'));
            else proposal.push(setOption(st, 'pending', 'flush-any'));
          }
        }
        if (merged.length) out.push({ title: 'Flush a pending TLB flush before COW in uffd-wp VMAs (pending=flush, 6ce64428d620)', edits: merged, fixes: d.code, preferred: false });
        if (proposal.length) out.push({ title: 'Flush a pending TLB flush before COW in any VMA (pending=flush-any: a proposal no kernel shipped)', edits: proposal, fixes: d.code, preferred: false });
        break;
      }
      case 'lock-held-at-exit': {
        const close = thread.span;
        const lockWord = step.args[0]?.kind === 'word' ? step.args[0].name.text : 'mmap';
        const arg = step.args[1];
        const unlock = lockWord === 'mmap' ? 'unlock mmap' : `unlock ${lockWord} ${arg && arg.kind !== 'option' ? file.text.slice(arg.span.start, arg.span.end) : ''}`.trimEnd();
        const beforeBrace = file.text.slice(file.parse.lines.lineStart(close.endLine), close.end - 1);
        if (close.endLine > close.line && beforeBrace.trim() === '') {
          // a multi-line block: a new line before the closing brace
          const stepIndent = lineIndent(file, step.span.line);
          const closeIndent = lineIndent(file, close.endLine);
          out.push({ title: `Add the missing '${unlock}'`, edits: [insertAt(close.endLine, close.endCol - 1, `${stepIndent.slice(closeIndent.length)}${unlock}\n${closeIndent}`)], fixes: d.code, preferred: true });
        } else {
          const lastStep = thread.steps[thread.steps.length - 1]!.span;
          out.push({ title: `Add the missing '${unlock}'`, edits: [insertAt(lastStep.endLine, lastStep.endCol, `; ${unlock}`)], fixes: d.code, preferred: true });
        }
        break;
      }
      case 'unlock-not-held':
        out.push({ title: 'Remove this unlock', edits: [replace(step.span, '')], fixes: d.code, preferred: true });
        break;
      default:
        break;
    }
  }
  return out;
}

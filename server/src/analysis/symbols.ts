// Names and where they occur: definitions and references of frames, threads, mms, page
// references and registers, for go-to-definition, find references, rename, document symbols
// and completion. Built from the AST alone, so it works on files with errors too.
import type * as A from '../lang/ast';
import type { Span } from '../lang/span';
import { OPS } from '../engine/ops';
import type { CheckedFile } from './check-file';

export type SymbolKind = 'scenario' | 'frame' | 'thread' | 'mm' | 'ref' | 'reg';

export interface Occurrence {
  readonly kind: SymbolKind;
  readonly name: string;
  /** Scenario index; for refs and registers also the thread's name. */
  readonly scope: string;
  readonly span: Span;
  readonly definition: boolean;
}

/** Steps whose positional word names a page reference. */
const REF_USERS = new Set(['put', 'kwrite', 'kread']);
/** Ops whose positional words are frame names (a `frame` or `frames` slot in a form). */
const FRAME_USERS = new Set(OPS.filter((o) => o.forms.some((f) => f.slots.some((x) => x.kind === 'frame' || x.kind === 'frames'))).map((o) => o.name));
/** Steps whose `-> NAME` defines a register, a reference or an mm. */
const TARGET_KIND: Record<string, SymbolKind> = { load: 'reg', kread: 'reg', gup: 'ref', fork: 'mm' };

export function collectOccurrences(file: CheckedFile): Occurrence[] {
  const out: Occurrence[] = [];
  file.parse.ast.scenarios.forEach((sc, si) => {
    const scope = String(si);
    if (sc.name) out.push({ kind: 'scenario', name: sc.name.text, scope: '', span: sc.name.span, definition: true });
    const add = (kind: SymbolKind, n: A.Name | undefined, definition: boolean, sub = scope): void => {
      if (n) out.push({ kind, name: n.text, scope: sub, span: n.span, definition });
    };
    const visit = (items: readonly A.DeclNode[]): void => {
      for (const d of items) {
        switch (d.kind) {
          case 'mm':
            add('mm', d.name, true);
            visit(d.items);
            break;
          case 'frame':
            add('frame', d.name, true);
            break;
          case 'map':
          case 'tlb':
            add('frame', d.frame, false);
            break;
          case 'vma':
            for (const f of d.cache ?? []) add('frame', f, false);
            break;
          case 'thread': {
            add('thread', d.name, true);
            add('mm', d.mm, false);
            const tscope = `${scope}/${d.name?.text ?? ''}`;
            const seenRefs = new Set<string>();
            const seenRegs = new Set<string>();
            for (const st of d.steps) {
              const op = st.op.text;
              // reclaim FRAME, migrate FRAME, truncate FRAME…: their words are frame names
              if (FRAME_USERS.has(op)) for (const a of st.args) if (a.kind === 'word') add('frame', a.name, false);
              if (REF_USERS.has(op)) {
                const w = st.args.find((a) => a.kind === 'word');
                if (w?.kind === 'word') add('ref', w.name, false, tscope);
                // `kwrite r = 5` may lex as the option r=5
                const o = st.args.find((a) => a.kind === 'option');
                if (!w && op === 'kwrite' && o?.kind === 'option') add('ref', o.option.key, false, tscope);
              }
              const tk = TARGET_KIND[op];
              if (tk && st.target && !('value' in st.target)) {
                if (tk === 'mm') add('mm', st.target, true);
                else if (tk === 'ref') {
                  add('ref', st.target, !seenRefs.has(st.target.text), tscope);
                  seenRefs.add(st.target.text);
                } else {
                  add('reg', st.target, !seenRegs.has(st.target.text), tscope);
                  seenRegs.add(st.target.text);
                }
              }
            }
            break;
          }
          case 'check':
            if (d.cond) visitCond(d.cond);
            break;
          default:
            break;
        }
      }
    };
    const visitCond = (c: A.CondNode): void => {
      if (c.kind !== 'cmp') {
        visitCond(c.left);
        visitCond(c.right);
        return;
      }
      for (const o of [c.left, c.right]) {
        if (o.kind === 'mem') add('mm', o.mm, false);
        else if (o.kind === 'reg') {
          add('thread', o.thread, false);
          add('reg', o.reg, false, `${scope}/${o.thread.text}`);
        }
      }
    };
    visit(sc.items);
  });
  return out;
}

function contains(s: Span, line: number, col: number): boolean {
  if (line < s.line || line > s.endLine) return false;
  if (line === s.line && col < s.col) return false;
  if (line === s.endLine && col > s.endCol) return false;
  return true;
}

/** The occurrence at a 1-based position (the end of a name counts, for a cursor right after it). */
export function occurrenceAt(occ: readonly Occurrence[], line: number, col: number): Occurrence | undefined {
  return occ.find((o) => contains(o.span, line, col));
}

/** Every occurrence of the same symbol (same kind, name and scope). `main` is implicit. */
export function sameSymbol(occ: readonly Occurrence[], o: Occurrence): Occurrence[] {
  return occ.filter((x) => x.kind === o.kind && x.name === o.name && x.scope === o.scope);
}

export function definitionOf(occ: readonly Occurrence[], o: Occurrence): Occurrence | undefined {
  return sameSymbol(occ, o).find((x) => x.definition);
}

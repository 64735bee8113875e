// Semantic tokens: what each word *is* in this file (an op, a thread's name, a frame, a
// register…), which a TextMate grammar cannot know. One token per line segment, sorted.
import type { CheckedFile } from './check-file';
import { collectOccurrences, type SymbolKind } from './symbols';

export const TOKEN_TYPES = ['keyword', 'function', 'type', 'namespace', 'variable', 'parameter', 'property', 'enumMember', 'number', 'comment', 'operator'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
export const TOKEN_MODIFIERS = ['declaration'] as const;

export interface SemanticToken {
  /** 1-based line and column, length in characters (never spanning lines). */
  readonly line: number;
  readonly col: number;
  readonly length: number;
  readonly type: TokenType;
  readonly declaration: boolean;
}

const KIND_TYPE: Record<SymbolKind, TokenType> = { scenario: 'type', thread: 'function', mm: 'namespace', frame: 'variable', ref: 'parameter', reg: 'property' };

const DECL = /^(scenario|locking|arch|mm|vma|frame|map|reuse|tlb|thread|expect|check|final|limit|on|in|cache)$/;

export function semanticTokens(file: CheckedFile): SemanticToken[] {
  const byStart = new Map<number, SemanticToken>();
  const put = (t: SemanticToken & { offset: number }): void => {
    if (!byStart.has(t.offset)) byStart.set(t.offset, { line: t.line, col: t.col, length: t.length, type: t.type, declaration: t.declaration });
  };
  // names first: they win over keyword-looking words used as names
  for (const o of collectOccurrences(file)) {
    if (o.span.line !== o.span.endLine) continue;
    put({ offset: o.span.start, line: o.span.line, col: o.span.col, length: o.span.end - o.span.start, type: KIND_TYPE[o.kind], declaration: o.definition });
  }
  // ops
  for (const sc of file.parse.ast.scenarios) {
    for (const d of sc.items) {
      if (d.kind !== 'thread') continue;
      for (const st of d.steps) put({ offset: st.op.span.start, line: st.op.span.line, col: st.op.span.col, length: st.op.span.end - st.op.span.start, type: 'function', declaration: false });
    }
  }
  // comments, split per line
  const lines = file.parse.lines;
  for (const c of file.parse.comments) {
    for (let l = c.line; l <= c.endLine; l++) {
      const ls = lines.lineStart(l);
      const from = l === c.line ? c.start : ls;
      const lineEnd = l < lines.lineCount ? lines.lineStart(l + 1) - 1 : file.text.length;
      const to = l === c.endLine ? c.end : lineEnd;
      if (to > from) put({ offset: from, line: l, col: from - ls + 1, length: to - from, type: 'comment', declaration: false });
    }
  }
  // remaining words and numbers, lexically (outside comments)
  const inComment = (off: number): boolean => file.parse.comments.some((c) => off >= c.start && off < c.end);
  const re = /0[xX][0-9a-fA-F]+|[0-9]+|[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*|->|\.\.|==|!=|<=|>=|&&|\|\|/g;
  for (let m = re.exec(file.text); m; m = re.exec(file.text)) {
    const off = m.index;
    if (byStart.has(off) || inComment(off)) continue;
    const w = m[0];
    const pos = lines.position(off);
    const type: TokenType = /^[0-9]/.test(w) ? 'number' : /^[-=!<>&|.]/.test(w) ? 'operator' : DECL.test(w) ? 'keyword' : file.text[off + w.length] === '=' && file.text[off + w.length + 1] !== '=' ? 'property' : 'enumMember';
    put({ offset: off, line: pos.line, col: pos.col, length: w.length, type, declaration: false });
  }
  return [...byStart.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t);
}

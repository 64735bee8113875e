// Document structure for the editor: the outline (scenarios -> threads, mms, frames),
// folding ranges, and a formatter that re-indents by brace depth without touching tokens.
import type { Span } from '../lang/span';
import type { CheckedFile } from './check-file';

export interface OutlineNode {
  readonly name: string;
  readonly kind: 'scenario' | 'thread' | 'mm' | 'frame' | 'expect';
  readonly detail: string;
  readonly span: Span;
  readonly selection: Span;
  readonly children: readonly OutlineNode[];
}

export function outline(file: CheckedFile): OutlineNode[] {
  return file.parse.ast.scenarios.map((sc) => {
    const children: OutlineNode[] = [];
    for (const d of sc.items) {
      if (d.kind === 'thread' && d.name) {
        children.push({ name: d.name.text, kind: 'thread', detail: `${d.cpu?.text ?? ''}${d.mm ? ` in ${d.mm.text}` : ''} · ${d.steps.length} step${d.steps.length === 1 ? '' : 's'}`, span: d.span, selection: d.name.span, children: [] });
      } else if (d.kind === 'mm' && d.name) {
        children.push({ name: d.name.text, kind: 'mm', detail: 'address space', span: d.span, selection: d.name.span, children: [] });
      } else if (d.kind === 'frame' && d.name) {
        children.push({ name: d.name.text, kind: 'frame', detail: `= ${d.value?.text ?? '?'}`, span: d.span, selection: d.name.span, children: [] });
      }
    }
    const design = sc.items.find((d) => d.kind === 'locking');
    return {
      name: sc.name?.text ?? '(unnamed)',
      kind: 'scenario' as const,
      detail: design && design.kind === 'locking' ? (design.design?.text ?? '') : 'classic',
      span: sc.span,
      selection: sc.name?.span ?? sc.headSpan,
      children,
    };
  });
}

export interface Fold {
  /** 1-based first and last lines. */
  readonly start: number;
  readonly end: number;
  readonly kind: 'region' | 'comment';
}

export function foldingRanges(file: CheckedFile): Fold[] {
  const out: Fold[] = [];
  const add = (s: Span, kind: Fold['kind']): void => {
    if (s.endLine > s.line) out.push({ start: s.line, end: s.endLine, kind });
  };
  for (const sc of file.parse.ast.scenarios) {
    add(sc.span, 'region');
    for (const d of sc.items) if (d.kind === 'thread' || d.kind === 'mm') add(d.span, 'region');
  }
  for (const c of file.parse.comments) add(c, 'comment');
  // `// #region` … `// #endregion` markers
  const lines = file.text.split('\n');
  const open: number[] = [];
  lines.forEach((l, i) => {
    if (/^\s*\/\/\s*#region\b/.test(l)) open.push(i + 1);
    else if (/^\s*\/\/\s*#endregion\b/.test(l) && open.length) out.push({ start: open.pop()!, end: i + 1, kind: 'region' });
  });
  return out;
}

/**
 * Re-indent every line by brace depth (two spaces a level), trim trailing blanks and keep at
 * most one empty line in a row. Tokens, comments and line breaks are left alone, so a file that
 * does not parse is formatted just as safely.
 */
export function format(text: string, indent = '  '): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let depth = 0;
  let inBlockComment = false;
  let blank = 0;
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, '');
    const body = line.trim();
    if (body === '') {
      if (++blank <= 1) out.push('');
      continue;
    }
    blank = 0;
    if (inBlockComment) {
      out.push(line);
    } else {
      // a line that starts by closing a block sits at the block's own depth
      const lead = /^}+/.exec(body)?.[0].length ?? 0;
      out.push(indent.repeat(Math.max(0, depth - lead)) + body);
    }
    // update depth and block-comment state from the line's code
    let i = 0;
    while (i < body.length) {
      if (inBlockComment) {
        const end = body.indexOf('*/', i);
        if (end < 0) break;
        inBlockComment = false;
        i = end + 2;
        continue;
      }
      if (body.startsWith('//', i)) break;
      if (body.startsWith('/*', i)) {
        inBlockComment = true;
        i += 2;
        continue;
      }
      if (body[i] === '{') depth++;
      else if (body[i] === '}') depth = Math.max(0, depth - 1);
      i++;
    }
  }
  while (out.length > 1 && out[out.length - 1] === '' && out[out.length - 2] === '') out.pop();
  return out.join('\n');
}

// CST -> AST. The CST may be partial (error recovery), so every child is treated as
// optional: a missing piece becomes `undefined` in the AST, never an exception.
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast';
import type { LangDiagnostic } from './diagnostic';
import { didYouMean } from './did-you-mean';
import { joinSpans, type Span } from './span';

export class CstToAst {
  readonly diagnostics: LangDiagnostic[] = [];

  /**
   * @param cutShort whether a syntax error lies between the start of a node and the end of
   *   its last line (so a declaration or step may lack pieces the error already explains)
   */
  constructor(
    private readonly fallbackSpan: Span,
    private readonly cutShort: (span: Span) => boolean = () => false,
  ) {}

  scenario(node: CstNode): A.ScenarioNode {
    const kw = this.tok(node, 'Kw_scenario');
    const name = this.name(this.tok(node, 'name'));
    const body = this.sub(node, 'body');
    const items = body ? this.body(body) : [];
    const span = this.nodeSpan(node);
    const headSpan = name ? joinSpans(this.tokSpan(kw) ?? name.span, name.span) : (this.tokSpan(kw) ?? span);
    this.checkClosed(node, `scenario '${name?.text ?? '?'}'`);
    return { kind: 'scenario', name, items, span, headSpan };
  }

  private body(node: CstNode): A.DeclNode[] {
    const out: A.DeclNode[] = [];
    for (const d of this.subs(node, 'declaration')) {
      let inner = this.firstSub(d);
      if (inner?.name === 'keywordDecl') inner = this.firstSub(inner);
      if (!inner) continue;
      const decl = this.declaration(inner);
      if (decl) out.push(decl);
    }
    return out;
  }

  private declaration(node: CstNode): A.DeclNode | undefined {
    const span = this.nodeSpan(node);
    switch (node.name) {
      case 'lockingDecl':
        return { kind: 'locking', design: this.name(this.tok(node, 'design')), span };
      case 'archDecl': {
        const { words, options } = this.wordsAndOptions(this.subs(node, 'wordOrOption'));
        return { kind: 'arch', arch: this.name(this.tok(node, 'arch')), words, options, span };
      }
      case 'mmDecl': {
        const body = this.sub(node, 'body');
        this.checkClosed(node, `mm '${this.tok(node, 'name')?.image ?? '?'}'`);
        return { kind: 'mm', name: this.name(this.tok(node, 'name')), items: body ? this.body(body) : [], span };
      }
      case 'vmaDecl': {
        const range = this.range(this.sub(node, 'rangeExpr'));
        const words = this.toks(node, 'word').map((t) => this.name(t)!).filter(Boolean);
        const cacheTok = this.tok(node, 'Kw_cache');
        const cache = cacheTok ? this.toks(node, 'cacheFrame').map((t) => this.name(t)!).filter(Boolean) : undefined;
        return { kind: 'vma', range, words, cache, cacheKeyword: this.tokSpan(cacheTok), span, ...(this.cutShort(span) ? { damaged: true } : {}) };
      }
      case 'frameDecl': {
        const { words, options } = this.wordsAndOptions(this.subs(node, 'wordOrOption'));
        return { kind: 'frame', name: this.name(this.tok(node, 'name')), value: this.int(this.tok(node, 'value')), words, options, span };
      }
      case 'mapDecl':
        return {
          kind: 'map',
          addr: this.int(this.tok(node, 'addr')),
          frame: this.name(this.tok(node, 'frame')),
          prot: this.name(this.tok(node, 'prot')),
          span,
        };
      case 'reuseDecl':
        return { kind: 'reuse', rule: this.name(this.tok(node, 'rule')), span };
      case 'tlbDecl':
        return {
          kind: 'tlb',
          cpu: this.name(this.tok(node, 'cpu')),
          addr: this.int(this.tok(node, 'addr')),
          frame: this.name(this.tok(node, 'frame')),
          prot: this.name(this.tok(node, 'prot')),
          span,
        };
      case 'threadDecl':
        return this.thread(node, span);
      case 'expectDecl':
        return { kind: 'expect', words: this.toks(node, 'word').map((t) => this.name(t)!).filter(Boolean), span };
      case 'checkDecl': {
        const e = this.sub(node, 'orExpr');
        return { kind: 'check', cond: e ? this.cond(e) : undefined, span };
      }
      case 'limitDecl':
        return { kind: 'limit', what: this.name(this.tok(node, 'what')), value: this.int(this.tok(node, 'value')), span };
      case 'unknownDecl': {
        const first = this.toks(node, 'junk')[0];
        const word = first?.image ?? '';
        this.diagnostics.push({
          span: this.tokSpan(first) ?? span,
          severity: 'error',
          code: 'syntax',
          message: didYouMean(`unknown declaration '${word}'`, word, DECLARATIONS, `Expected one of: ${DECLARATIONS.join(', ')}`),
        });
        return { kind: 'unknown', span };
      }
      default:
        return undefined;
    }
  }

  private thread(node: CstNode, span: Span): A.ThreadDecl {
    this.checkClosed(node, `thread '${this.tok(node, 'name')?.image ?? '?'}'`);
    const threadName = this.tok(node, 'name')?.image ?? '?';
    for (const d of this.subs(node, 'keywordDecl')) {
      const inner = this.firstSub(d);
      const kw = inner ? this.firstTok(inner) : undefined;
      if (!kw) continue;
      this.diagnostics.push({
        span: this.tokSpan(kw)!,
        severity: 'error',
        code: 'misplaced',
        message: `'${kw.image}' is a declaration, not a step: move it out of thread '${threadName}' (a thread holds only steps)`,
      });
    }
    const steps: A.StepNode[] = [];
    for (const s of this.subs(node, 'step')) {
      const step = this.step(s);
      if (step) steps.push(step);
    }
    return {
      kind: 'thread',
      name: this.name(this.tok(node, 'name')),
      cpu: this.name(this.tok(node, 'cpu')),
      mm: this.name(this.tok(node, 'mm')),
      steps,
      span,
    };
  }

  private step(node: CstNode): A.StepNode | undefined {
    const op = this.name(this.tok(node, 'op'));
    if (!op) return undefined;
    const args: A.StepArg[] = [];
    for (const a of this.subs(node, 'stepArg')) {
      const r = this.sub(a, 'rangeExpr');
      if (r) {
        const range = this.range(r);
        if (!range) continue;
        if (range.end) args.push({ kind: 'range', range, span: range.span });
        else args.push({ kind: 'int', lit: range.start, span: range.span });
        continue;
      }
      const w = this.sub(a, 'wordOrOption');
      if (w) {
        const arg = this.wordOrOption(w);
        if (arg) args.push(arg);
      }
    }
    const eq = this.tok(node, 'assignEq');
    const assignNum = this.tok(node, 'assignNum');
    const assignWord = this.tok(node, 'assignWord');
    const assign = assignNum ? this.int(assignNum) : assignWord ? this.name(assignWord) : undefined;
    const targetTok = this.tok(node, 'target');
    const targetNum = this.tok(node, 'targetNum');
    const target = targetTok ? this.name(targetTok) : targetNum ? this.int(targetNum) : undefined;
    const eqSpan = this.tokSpan(eq);
    const span = this.nodeSpan(node);
    return {
      kind: 'step',
      op,
      args,
      assign,
      assignSpan: eqSpan && assign ? joinSpans(eqSpan, assign.span) : eqSpan,
      target,
      span,
      ...(this.cutShort(span) ? { damaged: true } : {}),
    };
  }

  private wordOrOption(node: CstNode): A.StepArg | undefined {
    const key = this.name(this.tok(node, 'key'));
    if (!key) return undefined;
    const eq = this.tok(node, 'Eq');
    if (!eq) return { kind: 'word', name: key, span: key.span };
    const v = this.tok(node, 'value');
    const value = v ? (v.tokenType.name === 'Number' ? this.int(v) : this.name(v)) : undefined;
    const span = value ? joinSpans(key.span, value.span) : joinSpans(key.span, this.tokSpan(eq) ?? key.span);
    return { kind: 'option', option: { key, value, span }, span };
  }

  private wordsAndOptions(nodes: CstNode[]): { words: A.Name[]; options: A.OptionNode[] } {
    const words: A.Name[] = [];
    const options: A.OptionNode[] = [];
    for (const n of nodes) {
      const a = this.wordOrOption(n);
      if (a?.kind === 'word') words.push(a.name);
      else if (a?.kind === 'option') options.push(a.option);
    }
    return { words, options };
  }

  private range(node: CstNode | undefined): A.RangeExpr | undefined {
    if (!node) return undefined;
    const start = this.int(this.tok(node, 'start'));
    if (!start) return undefined;
    const end = this.int(this.tok(node, 'end'));
    return { start, end, span: end ? joinSpans(start.span, end.span) : start.span };
  }

  private cond(node: CstNode): A.CondNode | undefined {
    const kind = node.name === 'orExpr' ? 'or' : 'and';
    const parts = this.subs(node, 'operand')
      .map((n) => (n.name === 'primaryCond' ? this.primary(n) : this.cond(n)))
      .filter((c): c is A.CondNode => c !== undefined);
    if (parts.length === 0) return undefined;
    return balanced(kind, parts, 0, parts.length);
  }

  private primary(node: CstNode): A.CondNode | undefined {
    const inner = this.sub(node, 'orExpr');
    if (inner) return this.cond(inner);
    const cmp = this.sub(node, 'comparison');
    if (!cmp) return undefined;
    const left = this.operand(this.sub(cmp, 'left'));
    const right = this.operand(this.sub(cmp, 'right'));
    const opTok = this.tok(cmp, 'op');
    if (!left || !right || !opTok || !this.real(opTok)) return undefined;
    return { kind: 'cmp', op: opTok.image as A.CmpOp, left, right, span: joinSpans(left.span, right.span) };
  }

  private operand(node: CstNode | undefined): A.OperandNode | undefined {
    if (!node) return undefined;
    const intTok = this.tok(node, 'int');
    if (intTok) {
      const lit = this.int(intTok);
      return lit ? { kind: 'int', lit, span: lit.span } : undefined;
    }
    const head = this.name(this.tok(node, 'head'));
    if (!head) return undefined;
    const addr = this.int(this.tok(node, 'addr'));
    if (addr) return { kind: 'mem', mm: head, addr, span: joinSpans(head.span, addr.span) };
    const reg = this.name(this.tok(node, 'reg'));
    if (reg) return { kind: 'reg', thread: head, reg, span: joinSpans(head.span, reg.span) };
    return undefined;
  }

  /** A block whose closing brace recovery had to assume: report at its opening brace. */
  private checkClosed(node: CstNode, what: string): void {
    const open = this.tok(node, 'open');
    if (!open) return;
    const close = this.sub(node, 'close');
    if (close && this.tok(close, 'RBrace')) return;
    this.diagnostics.push({ span: this.tokSpan(open)!, severity: 'error', code: 'syntax', message: `the '{' of ${what} is never closed: expected '}'` });
  }

  // ---- helpers -------------------------------------------------------------------------

  private real(t: IToken | undefined): t is IToken {
    return t !== undefined && !t.isInsertedInRecovery && Number.isFinite(t.startOffset);
  }

  private tok(node: CstNode, label: string): IToken | undefined {
    const c = node.children[label];
    const t = c?.[0];
    return t && 'image' in t && this.real(t) ? t : undefined;
  }

  private toks(node: CstNode, label: string): IToken[] {
    return (node.children[label] ?? []).filter((t): t is IToken => 'image' in t && this.real(t));
  }

  private sub(node: CstNode, label: string): CstNode | undefined {
    const c = node.children[label]?.[0];
    return c && 'children' in c ? c : undefined;
  }

  private subs(node: CstNode, label: string): CstNode[] {
    return (node.children[label] ?? []).filter((c): c is CstNode => 'children' in c);
  }

  /** The first real token of a node (its keyword, for a declaration). */
  private firstTok(node: CstNode): IToken | undefined {
    return this.bounds(node)[0];
  }

  private firstSub(node: CstNode): CstNode | undefined {
    for (const k of Object.keys(node.children)) {
      const c = node.children[k]?.[0];
      if (c && 'children' in c) return c;
    }
    return undefined;
  }

  tokSpan(t: IToken | undefined): Span | undefined {
    if (!this.real(t)) return undefined;
    if (t.image.endsWith('\n')) {
      // Chevrotain ends a line break on its own line; our end is the start of the next one
      const line = t.startLine ?? 1;
      return { start: t.startOffset, end: t.startOffset + t.image.length, line, col: t.startColumn ?? 1, endLine: (t.endLine ?? line) + 1, endCol: 1 };
    }
    return {
      start: t.startOffset,
      end: (t.endOffset ?? t.startOffset) + 1,
      line: t.startLine ?? 1,
      col: t.startColumn ?? 1,
      endLine: t.endLine ?? t.startLine ?? 1,
      endCol: (t.endColumn ?? t.startColumn ?? 0) + 1,
    };
  }

  /** First and last real tokens under a node (line breaks excluded), memoized: each node is visited once. */
  private readonly boundsMemo = new Map<CstNode, [IToken | undefined, IToken | undefined]>();

  private bounds(node: CstNode): [IToken | undefined, IToken | undefined] {
    const memo = this.boundsMemo.get(node);
    if (memo) return memo;
    let first: IToken | undefined;
    let last: IToken | undefined;
    const children = node.children;
    for (const k in children) {
      const list = children[k]!;
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        let a: IToken | undefined;
        let b: IToken | undefined;
        if ('image' in e) {
          // line breaks (before a '{' on its own line) are not part of a node's text
          if (!this.real(e) || e.image === '\n') continue;
          a = e;
          b = e;
        } else {
          const r = this.bounds(e);
          a = r[0];
          b = r[1];
        }
        if (a && (!first || a.startOffset < first.startOffset)) first = a;
        if (b && (!last || b.startOffset > last.startOffset)) last = b;
      }
    }
    const r: [IToken | undefined, IToken | undefined] = [first, last];
    this.boundsMemo.set(node, r);
    return r;
  }

  private nodeSpan(node: CstNode): Span {
    const [first, last] = this.bounds(node);
    const a = this.tokSpan(first);
    const b = this.tokSpan(last);
    return a && b ? joinSpans(a, b) : this.fallbackSpan;
  }

  private name(t: IToken | undefined): A.Name | undefined {
    const span = this.tokSpan(t);
    return span && t ? { text: t.image, span } : undefined;
  }

  private int(t: IToken | undefined): A.IntLit | undefined {
    const span = this.tokSpan(t);
    if (!span || !t) return undefined;
    const value = parseIntLiteral(t.image);
    if (value === 'malformed') {
      this.diagnostics.push({ span, severity: 'error', code: 'syntax', message: `malformed number '${t.image}': write a decimal number or 0x followed by hex digits` });
      return { text: t.image, value: undefined, span };
    }
    if (value === 'too-large') {
      this.diagnostics.push({ span, severity: 'error', code: 'syntax', message: `number '${t.image}' is too large (at most 2^53 - 1)` });
      return { text: t.image, value: undefined, span };
    }
    return { text: t.image, value, span };
  }
}

/**
 * `a && b && c && …` as a balanced tree (the operators are associative and conditions have no
 * side effects), so a long chain cannot overflow the stack of the recursive passes over it.
 */
function balanced(kind: 'or' | 'and', parts: A.CondNode[], from: number, to: number): A.CondNode {
  if (to - from === 1) return parts[from]!;
  const mid = (from + to) >> 1;
  const left = balanced(kind, parts, from, mid);
  const right = balanced(kind, parts, mid, to);
  return { kind, left, right, span: joinSpans(left.span, right.span) };
}

const DECLARATIONS = ['locking', 'arch', 'mm', 'vma', 'frame', 'map', 'reuse', 'tlb', 'thread', 'expect', 'check final', 'limit'];

export function parseIntLiteral(text: string): number | 'malformed' | 'too-large' {
  let big: bigint;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) big = BigInt(text);
  else if (/^[0-9]+$/.test(text)) big = BigInt(text);
  else return 'malformed';
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return 'too-large';
  return Number(big);
}

// The syntax tree of a .vmscen file. Every node carries its source span. Built by
// cst-to-ast.ts from a possibly partial CST: fields that recovery could not fill are absent
// (undefined), never invented.
import type { Span } from './span';

export interface Name {
  readonly text: string;
  readonly span: Span;
}

/** An integer literal; `value` is undefined when the literal is malformed or too large. */
export interface IntLit {
  readonly text: string;
  readonly value: number | undefined;
  readonly span: Span;
}

/** `START..END`, or a single address `A` meaning `A..A+0x1000`. */
export interface RangeExpr {
  readonly start: IntLit;
  readonly end: IntLit | undefined;
  readonly span: Span;
}

/** `key=value` */
export interface OptionNode {
  readonly key: Name;
  readonly value: Name | IntLit | undefined;
  readonly span: Span;
}

export interface FileNode {
  readonly scenarios: ScenarioNode[];
  readonly span: Span;
}

export interface ScenarioNode {
  readonly kind: 'scenario';
  readonly name: Name | undefined;
  readonly items: DeclNode[];
  readonly span: Span;
  /** Span of the `scenario NAME` head, for diagnostics about the whole scenario. */
  readonly headSpan: Span;
}

export type DeclNode =
  | LockingDecl
  | ArchDecl
  | MmDecl
  | VmaDecl
  | FrameDecl
  | MapDecl
  | ReuseDecl
  | TlbDecl
  | ThreadDecl
  | ExpectDecl
  | CheckDecl
  | LimitDecl
  | UnknownDecl;

export interface LockingDecl {
  readonly kind: 'locking';
  readonly design: Name | undefined;
  readonly span: Span;
}

export interface ArchDecl {
  readonly kind: 'arch';
  readonly arch: Name | undefined;
  readonly options: OptionNode[];
  readonly words: Name[];
  readonly span: Span;
}

export interface MmDecl {
  readonly kind: 'mm';
  readonly name: Name | undefined;
  readonly items: DeclNode[];
  readonly span: Span;
}

export interface VmaDecl {
  readonly kind: 'vma';
  readonly range: RangeExpr | undefined;
  /** PROT KIND SHARING and flags, in source order (checked in checks.ts). */
  readonly words: Name[];
  /** Frames named after `cache`. */
  readonly cache: Name[] | undefined;
  readonly cacheKeyword: Span | undefined;
  readonly span: Span;
  /** A syntax error (already reported) cut this line short: missing words are not reported again. */
  readonly damaged?: boolean;
}

export interface FrameDecl {
  readonly kind: 'frame';
  readonly name: Name | undefined;
  readonly value: IntLit | undefined;
  readonly words: Name[];
  readonly options: OptionNode[];
  readonly span: Span;
}

export interface MapDecl {
  readonly kind: 'map';
  readonly addr: IntLit | undefined;
  readonly frame: Name | undefined;
  readonly prot: Name | undefined;
  readonly span: Span;
}

export interface ReuseDecl {
  readonly kind: 'reuse';
  readonly rule: Name | undefined;
  readonly span: Span;
}

export interface TlbDecl {
  readonly kind: 'tlb';
  readonly cpu: Name | undefined;
  readonly addr: IntLit | undefined;
  readonly frame: Name | undefined;
  readonly prot: Name | undefined;
  readonly span: Span;
}

export interface ThreadDecl {
  readonly kind: 'thread';
  readonly name: Name | undefined;
  readonly cpu: Name | undefined;
  readonly mm: Name | undefined;
  readonly steps: StepNode[];
  readonly span: Span;
}

export interface ExpectDecl {
  readonly kind: 'expect';
  /** The words after `expect`, e.g. [race, lost-write] or [no, violation]. */
  readonly words: Name[];
  readonly span: Span;
}

export interface CheckDecl {
  readonly kind: 'check';
  readonly cond: CondNode | undefined;
  readonly span: Span;
}

export interface LimitDecl {
  readonly kind: 'limit';
  readonly what: Name | undefined;
  readonly value: IntLit | undefined;
  readonly span: Span;
}

/** A line the parser could not recognise as a declaration (already reported). */
export interface UnknownDecl {
  readonly kind: 'unknown';
  readonly span: Span;
}

/** An argument of a step, before its shape is checked against the op catalogue. */
export type StepArg =
  | { readonly kind: 'int'; readonly lit: IntLit; readonly span: Span }
  | { readonly kind: 'range'; readonly range: RangeExpr; readonly span: Span }
  | { readonly kind: 'word'; readonly name: Name; readonly span: Span }
  | { readonly kind: 'option'; readonly option: OptionNode; readonly span: Span };

export interface StepNode {
  readonly kind: 'step';
  readonly op: Name;
  readonly args: StepArg[];
  /** `= VALUE` */
  readonly assign: IntLit | Name | undefined;
  readonly assignSpan: Span | undefined;
  /** `-> NAME` */
  readonly target: Name | IntLit | undefined;
  readonly span: Span;
  /** A syntax error (already reported) cut this line short: missing pieces are not reported again. */
  readonly damaged?: boolean;
}

export type CondNode =
  | { readonly kind: 'or' | 'and'; readonly left: CondNode; readonly right: CondNode; readonly span: Span }
  | { readonly kind: 'cmp'; readonly op: CmpOp; readonly left: OperandNode; readonly right: OperandNode; readonly span: Span };

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type OperandNode =
  /** A bare number: on the left of a comparison an address (mm main), on the right an integer. */
  | { readonly kind: 'int'; readonly lit: IntLit; readonly span: Span }
  /** `MM:ADDR` */
  | { readonly kind: 'mem'; readonly mm: Name; readonly addr: IntLit; readonly span: Span }
  /** `THREAD.REG` */
  | { readonly kind: 'reg'; readonly thread: Name; readonly reg: Name; readonly span: Span };

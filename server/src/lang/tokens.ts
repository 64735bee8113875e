// The lexer. Keywords are not reserved: each keyword token is also in the `Word` category,
// so a rule that wants a name accepts it. Newlines are tokens: steps and declarations end
// at a newline or `;`.
import { createToken, Lexer, type TokenType } from 'chevrotain';

export const Word = createToken({ name: 'Word', pattern: Lexer.NA });
/** Any token that may appear inside a line (everything but separators, braces and EOF). */
export const Inline = createToken({ name: 'Inline', pattern: Lexer.NA });
/**
 * An inline token that cannot start a known declaration (every Inline token but the
 * declaration keywords): the first token of an unknown declaration. A line that starts with
 * a declaration keyword is always parsed by that declaration's rule, so a mistake in it is
 * reported where it is, with the declaration's shape, not as an unknown declaration.
 */
export const NotDeclStart = createToken({ name: 'NotDeclStart', pattern: Lexer.NA });

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*/,
  categories: [Word, Inline, NotDeclStart],
});

function keyword(text: string, startsDeclaration = true): TokenType {
  return createToken({
    name: `Kw_${text}`,
    pattern: new RegExp(text),
    longer_alt: Identifier,
    categories: startsDeclaration ? [Word, Inline] : [Word, Inline, NotDeclStart],
    label: `'${text}'`,
  });
}

export const Scenario = keyword('scenario');
export const Locking = keyword('locking');
export const Arch = keyword('arch');
export const Mm = keyword('mm');
export const Vma = keyword('vma');
export const Frame = keyword('frame');
export const Map = keyword('map');
export const Reuse = keyword('reuse');
export const Tlb = keyword('tlb');
export const Thread = keyword('thread');
export const Expect = keyword('expect');
export const Check = keyword('check');
export const Limit = keyword('limit');
export const On = keyword('on', false);
export const In = keyword('in', false);
export const Final = keyword('final', false);
export const Cache = keyword('cache', false);

/** Keywords that start a declaration: a step can never start with one. */
export const DECLARATION_KEYWORDS = ['scenario', 'locking', 'arch', 'mm', 'vma', 'frame', 'map', 'reuse', 'tlb', 'thread', 'expect', 'check', 'limit'];

/** Digits followed by letters and digits; checked as decimal or hex when converted. */
export const NumberLit = createToken({ name: 'Number', pattern: /[0-9][0-9A-Za-z_]*/, categories: [Inline, NotDeclStart], label: 'number' });

export const Newline = createToken({ name: 'Newline', pattern: /\n/, line_breaks: true, label: 'end of line' });
export const Semi = createToken({ name: 'Semi', pattern: /;/, label: "';'" });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/, label: "'{'" });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/, label: "'}'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, categories: [Inline, NotDeclStart], label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, categories: [Inline, NotDeclStart], label: "')'" });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./, categories: [Inline, NotDeclStart], label: "'..'" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, categories: [Inline, NotDeclStart], label: "'.'" });
export const Arrow = createToken({ name: 'Arrow', pattern: /->/, categories: [Inline, NotDeclStart], label: "'->'" });
export const CmpOpTok = createToken({ name: 'CmpOp', pattern: Lexer.NA, categories: [Inline, NotDeclStart], label: 'comparison' });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: [CmpOpTok, Inline, NotDeclStart], label: "'=='" });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: [CmpOpTok, Inline, NotDeclStart], label: "'!='" });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/, categories: [CmpOpTok, Inline, NotDeclStart], label: "'<='" });
export const GtEq = createToken({ name: 'GtEq', pattern: />=/, categories: [CmpOpTok, Inline, NotDeclStart], label: "'>='" });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: [CmpOpTok, Inline, NotDeclStart], label: "'<'" });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: [CmpOpTok, Inline, NotDeclStart], label: "'>'" });
export const AndAnd = createToken({ name: 'AndAnd', pattern: /&&/, categories: [Inline, NotDeclStart], label: "'&&'" });
export const OrOr = createToken({ name: 'OrOr', pattern: /\|\|/, categories: [Inline, NotDeclStart], label: "'||'" });
export const Eq = createToken({ name: 'Eq', pattern: /=/, categories: [Inline, NotDeclStart], label: "'='" });
export const Colon = createToken({ name: 'Colon', pattern: /:/, categories: [Inline, NotDeclStart], label: "':'" });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\f\v\u00a0\ufeff]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[\s\S]*?\*\//,
  line_breaks: true,
  group: 'comments',
});
/** An unterminated block comment runs to the end of the file; reported, then skipped. */
export const UnterminatedComment = createToken({
  name: 'UnterminatedComment',
  pattern: /\/\*[\s\S]*/,
  line_breaks: true,
  group: 'comments',
});

export const DECLARATION_KEYWORD_TOKENS: readonly TokenType[] = [Scenario, Locking, Arch, Mm, Vma, Frame, Map, Reuse, Tlb, Thread, Expect, Check, Limit];

const KEYWORDS = [Scenario, Locking, Arch, Mm, Vma, Frame, Map, Reuse, Tlb, Thread, Expect, Check, Limit, On, In, Final, Cache];

export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  UnterminatedComment,
  Newline,
  Semi,
  LBrace,
  RBrace,
  LParen,
  RParen,
  DotDot,
  Dot,
  Arrow,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  AndAnd,
  OrOr,
  Eq,
  Colon,
  NumberLit,
  ...KEYWORDS,
  Identifier,
  Word,
  Inline,
  NotDeclStart,
  CmpOpTok,
];

// Only '\n' ends a line, as in LineIndex (span.ts): a lone '\r' is blank space, so token
// positions and offsets agree on every line:col.
export const vmscenLexer = new Lexer(ALL_TOKENS, { ensureOptimizations: true, positionTracking: 'full', lineTerminatorsPattern: /\n/g, lineTerminatorCharacters: ['\n'] });

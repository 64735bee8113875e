// The Chevrotain grammar of one scenario (SPEC §2-§4, §8). parse-file.ts splits a file into
// scenarios first, so a broken scenario never costs its neighbours their trees. One parser
// instance is built once and reused: `parser.setTokens(tokens)` sets its input.
//
// Declarations have their own rules. Steps share one generic rule (an op word, arguments,
// `= VALUE`, `-> NAME`); their shapes are checked against the op catalogue in
// step-shapes.ts, which gives better messages than a grammar error could and lets a new op
// be added without touching the grammar.
import { CstParser, EMPTY_ALT, EOF, tokenMatcher, type CstNode, type IToken, type TokenType } from 'chevrotain';
import * as T from './tokens';

class VmscenParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, { recoveryEnabled: true, maxLookahead: 3 });
    this.performSelfAnalysis();
  }

  /**
   * Chevrotain's re-sync recovery (after single-token insertion and deletion have failed)
   * resumes at the first token that may follow any rule on the stack. Here that is nearly
   * any token, since a declaration may follow a declaration and the terminator may be empty:
   * a stray `->` in a step resumed at the scenario level, closed the thread early and turned
   * its remaining steps into unknown declarations. Resume only at a line or block boundary
   * (a token outside the Inline category: newline, `;`, a brace, the end), so a mistake
   * costs the rest of its line and nothing more. Overrides an internal method of Chevrotain
   * 11's Recoverable trait (same contract: return a token type from the follow stack).
   */
  findReSyncTokenType(): TokenType {
    const internals = this as unknown as { flattenFollowSet(): TokenType[] };
    const follows = internals.flattenFollowSet();
    for (let k = 1; ; k++) {
      const tok = this.LA(k);
      if (tok.tokenType === EOF) return EOF; // EOF is always in the follow stack
      if (tokenMatcher(tok, T.Inline)) continue;
      const match = follows.find((f) => tokenMatcher(tok, f));
      if (match) return match;
    }
  }

  /** Brace bookkeeping of the current input, for `missingClose`. */
  private braces: { index: Map<IToken, number>; openBefore: Int32Array; closableAfter: Int32Array } | undefined;

  /** Set the tokens of one scenario to parse (instead of assigning `input`). */
  setTokens(tokens: IToken[]): void {
    this.input = tokens;
    const n = tokens.length;
    const index = new Map<IToken, number>();
    const openBefore = new Int32Array(n + 1);
    const closableAfter = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      index.set(tokens[i]!, i);
      openBefore[i + 1] = openBefore[i]! + braceDelta(tokens[i]!);
    }
    // closableAfter[i]: how many blocks open before token i the braces from token i on close
    // (minus the lowest running depth of tokens[i..])
    for (let i = n - 1; i >= 0; i--) closableAfter[i] = Math.max(0, closableAfter[i + 1]! - braceDelta(tokens[i]!));
    this.braces = { index, openBefore, closableAfter };
  }

  public scenario = this.RULE('scenario', () => {
    this.CONSUME(T.Scenario);
    this.CONSUME(T.Word, { LABEL: 'name' });
    this.MANY(() => this.CONSUME(T.Newline));
    this.CONSUME(T.LBrace, { LABEL: 'open' });
    this.SUBRULE(this.body);
    this.SUBRULE(this.close);
  });

  /**
   * A closing brace, or nothing where one is clearly missing (see `missingClose`):
   * cst-to-ast reports the unclosed '{'.
   */
  private close = this.RULE('close', this.closeRule('scenario'));
  private mmClose = this.RULE('mmClose', this.closeRule('mm'));
  private threadClose = this.RULE('threadClose', this.closeRule('thread'));

  private closeRule(block: Block): () => void {
    return () => {
      this.OR([
        { ALT: () => this.CONSUME(T.RBrace) },
        { GATE: () => this.missingClose(block), ALT: EMPTY_ALT() },
      ]);
    };
  }

  /**
   * Whether the innermost block ends here without its '}': at the end of the input, or at a
   * declaration keyword starting a line inside a nested block (a thread or an mm) that the
   * block does not hold, when the braces in the rest of the scenario cannot close every open
   * block. When they can, the line is a declaration misplaced inside the block (reported by
   * cst-to-ast and checks), not a missing '}'. Whether a scenario itself is unclosed is
   * decided by parse-file.ts, which ends it where the next scenario starts.
   */
  private missingClose(block: Block): boolean {
    const next = this.LA(1);
    if (next.tokenType === EOF) return true;
    if (block === 'scenario' || this.LA(0).tokenType !== T.Newline || !T.DECLARATION_KEYWORD_TOKENS.includes(next.tokenType)) return false;
    if (block === 'mm' && MM_KEYWORDS.includes(next.tokenType)) return false;
    const i = this.braces?.index.get(next);
    if (i === undefined || !this.braces) return true;
    const open = this.braces.openBefore[i]!;
    return open >= 2 && this.braces.closableAfter[i]! < open;
  }

  /** Declarations, each ended by a newline, `;` or the closing brace. */
  private body = this.RULE('body', this.bodyRule('scenario'));
  private mmBody = this.RULE('mmBody', this.bodyRule('mm'));

  private bodyRule(block: Block): () => void {
    return () => {
      this.MANY({
        GATE: () => !this.missingClose(block),
        DEF: () => {
          this.OR([
            { ALT: () => this.CONSUME(T.Newline) },
            { ALT: () => this.CONSUME(T.Semi) },
            {
              ALT: () => {
                this.SUBRULE(this.declaration);
                this.SUBRULE(this.terminator);
              },
            },
          ]);
        },
      });
    };
  }

  private terminator = this.RULE('terminator', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Newline) },
      { ALT: () => this.CONSUME(T.Semi) },
      {
        // before a '}', at the end, or where a newline has already ended the line
        GATE: () => this.LA(1).tokenType === T.RBrace || this.LA(1).tokenType === EOF || this.LA(0).tokenType === T.Newline,
        ALT: EMPTY_ALT(),
      },
    ]);
  });

  /** A known declaration (CST: declaration > keywordDecl > xxxDecl) or an unknown line. */
  private declaration = this.RULE('declaration', () => {
    this.OR([{ ALT: () => this.SUBRULE(this.keywordDecl) }, { ALT: () => this.SUBRULE(this.unknownDecl) }]);
  });

  /** A declaration, chosen by its keyword (LL(1): an unknown line never starts with one). */
  private keywordDecl = this.RULE('keywordDecl', () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.lockingDecl) },
        { ALT: () => this.SUBRULE(this.archDecl) },
        { ALT: () => this.SUBRULE(this.mmDecl) },
        { ALT: () => this.SUBRULE(this.vmaDecl) },
        { ALT: () => this.SUBRULE(this.frameDecl) },
        { ALT: () => this.SUBRULE(this.mapDecl) },
        { ALT: () => this.SUBRULE(this.reuseDecl) },
        { ALT: () => this.SUBRULE(this.tlbDecl) },
        { ALT: () => this.SUBRULE(this.threadDecl) },
        { ALT: () => this.SUBRULE(this.expectDecl) },
        { ALT: () => this.SUBRULE(this.checkDecl) },
        { ALT: () => this.SUBRULE(this.limitDecl) },
      ],
    });
  });

  private lockingDecl = this.RULE('lockingDecl', () => {
    this.CONSUME(T.Locking);
    this.CONSUME(T.Word, { LABEL: 'design' });
  });

  private archDecl = this.RULE('archDecl', () => {
    this.CONSUME(T.Arch);
    this.CONSUME(T.Word, { LABEL: 'arch' });
    this.MANY(() => this.SUBRULE(this.wordOrOption));
  });

  private mmDecl = this.RULE('mmDecl', () => {
    this.CONSUME(T.Mm);
    this.CONSUME(T.Word, { LABEL: 'name' });
    this.MANY(() => this.CONSUME(T.Newline));
    this.CONSUME(T.LBrace, { LABEL: 'open' });
    this.SUBRULE(this.mmBody, { LABEL: 'body' });
    this.SUBRULE(this.mmClose, { LABEL: 'close' });
  });

  private vmaDecl = this.RULE('vmaDecl', () => {
    this.CONSUME(T.Vma);
    this.SUBRULE(this.rangeExpr);
    this.MANY(() => this.CONSUME(T.Identifier, { LABEL: 'word' }));
    this.OPTION(() => {
      this.CONSUME(T.Cache);
      this.MANY2(() => this.CONSUME2(T.Word, { LABEL: 'cacheFrame' }));
    });
  });

  private frameDecl = this.RULE('frameDecl', () => {
    this.CONSUME(T.Frame);
    this.CONSUME(T.Word, { LABEL: 'name' });
    this.CONSUME(T.Eq);
    this.CONSUME(T.NumberLit, { LABEL: 'value' });
    this.MANY(() => this.SUBRULE(this.wordOrOption));
  });

  private mapDecl = this.RULE('mapDecl', () => {
    this.CONSUME(T.Map);
    this.CONSUME(T.NumberLit, { LABEL: 'addr' });
    this.CONSUME(T.Arrow);
    this.CONSUME(T.Word, { LABEL: 'frame' });
    this.CONSUME2(T.Word, { LABEL: 'prot' });
  });

  private reuseDecl = this.RULE('reuseDecl', () => {
    this.CONSUME(T.Reuse);
    this.CONSUME(T.Word, { LABEL: 'rule' });
  });

  private tlbDecl = this.RULE('tlbDecl', () => {
    this.CONSUME(T.Tlb);
    this.CONSUME(T.Word, { LABEL: 'cpu' });
    this.CONSUME(T.NumberLit, { LABEL: 'addr' });
    this.CONSUME(T.Arrow);
    this.CONSUME2(T.Word, { LABEL: 'frame' });
    this.CONSUME3(T.Word, { LABEL: 'prot' });
  });

  private threadDecl = this.RULE('threadDecl', () => {
    this.CONSUME(T.Thread);
    this.CONSUME(T.Word, { LABEL: 'name' });
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.On);
            this.CONSUME2(T.Word, { LABEL: 'cpu' });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.In);
            this.CONSUME3(T.Word, { LABEL: 'mm' });
          },
        },
      ]);
    });
    this.MANY3(() => this.CONSUME2(T.Newline));
    this.CONSUME(T.LBrace, { LABEL: 'open' });
    this.MANY2({
      GATE: () => !this.missingClose('thread'),
      DEF: () => {
        this.OR2([
          { ALT: () => this.CONSUME(T.Newline) },
          { ALT: () => this.CONSUME(T.Semi) },
          {
            ALT: () => {
              this.SUBRULE(this.step);
              this.SUBRULE(this.terminator);
            },
          },
          {
            // a declaration keyword cannot start a step: a misplaced declaration is parsed
            // whole (and reported by cst-to-ast) so the rest of the thread survives
            ALT: () => {
              this.SUBRULE(this.keywordDecl);
              this.SUBRULE2(this.terminator);
            },
          },
        ]);
      },
    });
    this.SUBRULE(this.threadClose, { LABEL: 'close' });
  });

  /** A step starts with a plain identifier: never a declaration keyword, so a missing `}` is caught. */
  private step = this.RULE('step', () => {
    this.CONSUME(T.Identifier, { LABEL: 'op' });
    this.MANY(() => this.SUBRULE(this.stepArg));
    this.OPTION(() => {
      this.CONSUME(T.Eq, { LABEL: 'assignEq' });
      this.OR([
        { ALT: () => this.CONSUME(T.NumberLit, { LABEL: 'assignNum' }) },
        { ALT: () => this.CONSUME(T.Word, { LABEL: 'assignWord' }) },
      ]);
    });
    this.OPTION2(() => {
      this.CONSUME(T.Arrow);
      this.OR2([
        { ALT: () => this.CONSUME2(T.Word, { LABEL: 'target' }) },
        { ALT: () => this.CONSUME2(T.NumberLit, { LABEL: 'targetNum' }) },
      ]);
    });
  });

  private stepArg = this.RULE('stepArg', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.rangeExpr) },
      { ALT: () => this.SUBRULE(this.wordOrOption) },
    ]);
  });

  /** `WORD` or `WORD=VALUE` */
  private wordOrOption = this.RULE('wordOrOption', () => {
    this.CONSUME(T.Word, { LABEL: 'key' });
    this.OPTION(() => {
      this.CONSUME(T.Eq);
      this.OR([
        { ALT: () => this.CONSUME2(T.Word, { LABEL: 'value' }) },
        { ALT: () => this.CONSUME(T.NumberLit, { LABEL: 'value' }) },
      ]);
    });
  });

  /** `START..END` or a single address. */
  private rangeExpr = this.RULE('rangeExpr', () => {
    this.CONSUME(T.NumberLit, { LABEL: 'start' });
    this.OPTION(() => {
      this.CONSUME(T.DotDot);
      this.CONSUME2(T.NumberLit, { LABEL: 'end' });
    });
  });

  private expectDecl = this.RULE('expectDecl', () => {
    this.CONSUME(T.Expect);
    this.AT_LEAST_ONE(() => this.CONSUME(T.Word, { LABEL: 'word' }));
  });

  private checkDecl = this.RULE('checkDecl', () => {
    this.CONSUME(T.Check);
    this.CONSUME(T.Final);
    this.SUBRULE(this.orExpr);
  });

  private orExpr = this.RULE('orExpr', () => {
    this.SUBRULE(this.andExpr, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.OrOr);
      this.SUBRULE2(this.andExpr, { LABEL: 'operand' });
    });
  });

  private andExpr = this.RULE('andExpr', () => {
    this.SUBRULE(this.primaryCond, { LABEL: 'operand' });
    this.MANY(() => {
      this.CONSUME(T.AndAnd);
      this.SUBRULE2(this.primaryCond, { LABEL: 'operand' });
    });
  });

  private primaryCond = this.RULE('primaryCond', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.orExpr);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  private comparison = this.RULE('comparison', () => {
    this.SUBRULE(this.operand, { LABEL: 'left' });
    this.CONSUME(T.CmpOpTok, { LABEL: 'op' });
    this.SUBRULE2(this.operand, { LABEL: 'right' });
  });

  private operand = this.RULE('operand', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLit, { LABEL: 'int' }) },
      {
        ALT: () => {
          this.CONSUME(T.Word, { LABEL: 'head' });
          this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.Colon);
                this.CONSUME2(T.NumberLit, { LABEL: 'addr' });
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Dot);
                this.CONSUME2(T.Word, { LABEL: 'reg' });
              },
            },
          ]);
        },
      },
    ]);
  });

  private limitDecl = this.RULE('limitDecl', () => {
    this.CONSUME(T.Limit);
    this.CONSUME(T.Word, { LABEL: 'what' });
    this.CONSUME(T.NumberLit, { LABEL: 'value' });
  });

  /** Anything else up to the end of the line: reported as an unknown declaration. */
  private unknownDecl = this.RULE('unknownDecl', () => {
    this.CONSUME(T.NotDeclStart, { LABEL: 'junk' });
    this.MANY(() => this.CONSUME2(T.Inline, { LABEL: 'junk' }));
    // a stray block: skip it whole, nested blocks included, so its braces do not end the scenario
    this.OPTION(() => this.SUBRULE(this.junkBlock));
  });

  private junkBlock = this.RULE('junkBlock', () => {
    this.CONSUME(T.LBrace, { LABEL: 'junkOpen' });
    this.MANY(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Inline, { LABEL: 'junk' }) },
        { ALT: () => this.CONSUME(T.Newline) },
        { ALT: () => this.CONSUME(T.Semi) },
        { ALT: () => this.SUBRULE(this.junkBlock) },
      ]),
    );
    this.CONSUME(T.RBrace, { LABEL: 'junkClose' });
  });
}

type Block = 'scenario' | 'mm' | 'thread';

/** The declarations an mm block holds (checks.ts reports any other one inside it). */
const MM_KEYWORDS: readonly TokenType[] = [T.Vma, T.Map, T.Frame, T.Tlb];

function braceDelta(t: IToken): number {
  return t.tokenType === T.LBrace ? 1 : t.tokenType === T.RBrace ? -1 : 0;
}

export const vmscenParser = new VmscenParser();

export type { CstNode, IToken, TokenType };

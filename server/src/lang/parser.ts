// The Chevrotain grammar of one scenario (SPEC §2-§4, §8). parse-file.ts splits a file into
// scenarios first, so a broken scenario never costs its neighbours their trees. One parser
// instance is built once and reused by assigning `parser.input`.
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

  public scenario = this.RULE('scenario', () => {
    this.CONSUME(T.Scenario);
    this.CONSUME(T.Word, { LABEL: 'name' });
    this.MANY(() => this.CONSUME(T.Newline));
    this.CONSUME(T.LBrace, { LABEL: 'open' });
    this.SUBRULE(this.body);
    this.SUBRULE(this.close);
  });

  /**
   * A closing brace, or nothing where one is clearly missing (the end of the input, or a
   * declaration keyword at the start of a line): cst-to-ast reports the unclosed '{'.
   */
  private close = this.RULE('close', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.RBrace) },
      { GATE: () => this.missingClose(), ALT: EMPTY_ALT() },
    ]);
  });

  private missingClose(): boolean {
    const next = this.LA(1).tokenType;
    if (next.name === 'EOF') return true;
    return this.LA(0).tokenType === T.Newline && T.DECLARATION_KEYWORD_TOKENS.includes(next);
  }

  /** Declarations, each ended by a newline, `;` or the closing brace. */
  private body = this.RULE('body', () => {
    this.MANY(() => {
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
    });
  });

  private terminator = this.RULE('terminator', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Newline) },
      { ALT: () => this.CONSUME(T.Semi) },
      { GATE: () => this.LA(1).tokenType === T.RBrace || this.missingClose(), ALT: EMPTY_ALT() },
    ]);
  });

  private declaration = this.RULE('declaration', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
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
        { ALT: () => this.SUBRULE(this.unknownDecl) },
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
    this.SUBRULE(this.body);
    this.SUBRULE(this.close);
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
    this.MANY2(() => {
      this.OR2([
        { ALT: () => this.CONSUME(T.Newline) },
        { ALT: () => this.CONSUME(T.Semi) },
        {
          ALT: () => {
            this.SUBRULE(this.step);
            this.SUBRULE(this.terminator);
          },
        },
      ]);
    });
    this.SUBRULE(this.close);
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
    this.OPTION(() => {
      // a stray block: skip it whole so its braces do not end the scenario
      this.CONSUME(T.LBrace, { LABEL: 'junkOpen' });
      this.MANY2(() => this.OR([{ ALT: () => this.CONSUME3(T.Inline, { LABEL: 'junk' }) }, { ALT: () => this.CONSUME(T.Newline) }, { ALT: () => this.CONSUME(T.Semi) }]));
      this.CONSUME(T.RBrace, { LABEL: 'junkClose' });
    });
  });
}

export const vmscenParser = new VmscenParser();

export type { CstNode, IToken, TokenType };

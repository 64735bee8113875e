// Semantic checks of one scenario: names resolved, duplicates, alignment, overlapping VMAs,
// maps outside VMAs, CPUs, options, references and registers. Produces diagnostics at exact
// spans and a resolved model that lower.ts turns into the engine's ScenarioSpec.
import type * as A from '../ast';
import type { Span } from '../span';
import { checkMap, checkOverlaps, checkVma, declsWithMm } from './address-spaces';
import { checkFinal } from './check-final';
import { diagnostic } from './codes';
import type { CheckContext } from './context';
import { checkExpect } from './expectations';
import { checkFrame } from './frames';
import { ModelLookup } from './lookup';
import type { CheckedScenario, ScenarioModel } from './model';
import { checkMoves } from './move';
import { checkLimit, checkSetting } from './settings';
import { checkThreadMms, checkThreads } from './threads';
import { checkTlb } from './tlbs';
import { checkUffdRanges } from './uffd';

export type { CheckedScenario, Expectation, ExpectKind, ModelCheck, ModelFrame, ModelMm, ModelThread, ModelVma, ScenarioModel } from './model';

export function checkScenario(ast: A.ScenarioNode, text: string): CheckedScenario {
  const model: ScenarioModel = {
    name: ast.name?.text ?? '',
    nameSpan: ast.name?.span ?? ast.headSpan,
    design: 'classic',
    arch: 'x86',
    rcuTableFree: true,
    reuse: 'exclusive',
    mms: [{ name: 'main', span: undefined, forkedBy: undefined, vmas: [], ptes: [] }],
    frames: [],
    tlbs: [],
    threads: [],
    expectations: [],
    checks: [],
    limits: {},
  };
  const cx: CheckContext = { text, model, out: [], seen: new Map<string, Span>(), lookup: new ModelLookup(model) };
  const items = ast.items;
  // Pass 1: settings, mms, frames (frames may be declared anywhere, also after use).
  for (const d of items) checkSetting(cx, d);
  const mmDecls = declsWithMm(cx, items);
  for (const { decl } of mmDecls) if (decl.kind === 'frame') checkFrame(cx, decl);
  // Pass 2: VMAs, then maps (which need VMAs), then threads (which need mms), then the rest.
  for (const { decl, mm } of mmDecls) if (decl.kind === 'vma' && mm >= 0) checkVma(cx, decl, mm);
  checkOverlaps(cx);
  for (const { decl, mm } of mmDecls) if (decl.kind === 'map' && mm >= 0) checkMap(cx, decl, mm);
  checkThreads(cx, items.filter((d): d is A.ThreadDecl => d.kind === 'thread'));
  checkThreadMms(cx);
  checkUffdRanges(cx);
  checkMoves(cx);
  for (const { decl } of mmDecls) if (decl.kind === 'tlb') checkTlb(cx, decl);
  for (const d of items) {
    if (d.kind === 'expect') checkExpect(cx, d);
    else if (d.kind === 'check') checkFinal(cx, d);
    else if (d.kind === 'limit') checkLimit(cx, d);
  }
  // (a scenario without a name has a syntax error, already reported, that says more)
  if (cx.model.threads.length === 0 && ast.name && !cx.out.some((d) => d.severity === 'error')) {
    cx.out.push(diagnostic('empty', ast.headSpan, `scenario '${cx.model.name}' has no threads: there is nothing to explore`));
  }
  return { ast, model: cx.model, diagnostics: cx.out };
}

// The resolved model of one scenario, built by the checks (names resolved to indices, defaults
// filled in); lower.ts turns it into the engine's ScenarioSpec.
import type { Arch, Design, ReuseRule } from '../../engine/settings';
import type { CondSpec, VmaSpec } from '../../engine/scenario';
import type * as A from '../ast';
import type { LangDiagnostic } from '../diagnostic';
import type { Span } from '../span';
import type { ShapedStep } from './step-shapes';

/** The engine's VMA, with the line that declared it. */
export interface ModelVma extends VmaSpec {
  readonly span: Span;
}

export interface ModelMm {
  readonly name: string;
  readonly span: Span | undefined;
  forkedBy: { thread: number; step: number } | undefined;
  readonly vmas: ModelVma[];
  readonly ptes: { addr: number; frame: number; writable: boolean; span: Span }[];
}

export interface ModelFrame {
  readonly name: string;
  readonly span: Span | undefined;
  readonly value: number;
  readonly shared: boolean;
  readonly readonly: boolean;
  readonly refs: number;
  pageCache: boolean;
}

export interface ModelThread {
  readonly name: string;
  readonly span: Span;
  readonly nameSpan: Span | undefined;
  readonly cpu: number;
  mm: number;
  readonly mmName: A.Name | undefined;
  readonly steps: ShapedStep[];
  readonly registers: string[];
  readonly registerSpans: Span[];
  readonly refs: string[];
  readonly refSpans: Span[];
}

export type ExpectKind = 'race' | 'no-race' | 'violation' | 'no-violation' | 'deadlock' | 'no-deadlock' | 'clean';

export interface Expectation {
  readonly kind: ExpectKind;
  /** The race kind or violation code, where the line names one. */
  readonly code: string | undefined;
  readonly text: string;
  readonly span: Span;
}

export interface ModelCheck {
  readonly cond: CondSpec;
  readonly text: string;
  readonly span: Span;
}

export interface ScenarioModel {
  readonly name: string;
  readonly nameSpan: Span;
  design: Design;
  arch: Arch;
  rcuTableFree: boolean;
  reuse: ReuseRule;
  readonly mms: ModelMm[];
  readonly frames: ModelFrame[];
  readonly tlbs: { cpu: number; addr: number; frame: number; writable: boolean; span: Span }[];
  readonly threads: ModelThread[];
  readonly expectations: Expectation[];
  readonly checks: ModelCheck[];
  readonly limits: { states?: number; ms?: number };
}

export interface CheckedScenario {
  readonly ast: A.ScenarioNode;
  readonly model: ScenarioModel;
  readonly diagnostics: LangDiagnostic[];
}

// The interleaving view's data: one column per thread, one row per micro-step, the locks each
// thread holds after each step, the machine after each step, and the same trace as a
// CPU-column text table ready to paste into a mail.
import { Exec } from '../engine/exec';
import type { Design } from '../engine/settings';
import type { ScenarioSpec } from '../engine/scenario';
import { explore } from '../explore/explore';
import { snapshot, type MachineSnapshot } from '../explore/snapshot';
import { lowerScenario } from '../lang/lower';
import { isExplorable, type CheckedFile } from './check-file';
import { footprintText } from './expansion';

export interface TraceViewStep {
  readonly thread: number;
  readonly text: string;
  readonly kernel: string;
  /** What the micro-step reads and writes of the shared state (its semantics entry's footprint). */
  readonly footprint: string;
  readonly line: number;
  readonly col: number;
  /** The machine after this step. */
  readonly machine: MachineSnapshot;
  /** In the finding's slice: the finding depends on this step (explore/slice.ts). */
  readonly inSlice: boolean;
}

export interface TraceView {
  readonly scenario: string;
  readonly design: Design;
  readonly finding: { readonly type: string; readonly code: string; readonly message: string; readonly line: number };
  readonly threads: readonly { readonly name: string; readonly cpu: number; readonly mm: string }[];
  readonly initial: MachineSnapshot;
  readonly steps: readonly TraceViewStep[];
  /** The slice (the steps the finding depends on) as a CPU-column plain-text table: what "Copy as text" copies. */
  readonly text: string;
  /** Every step of the interleaving as the same table. */
  readonly fullText: string;
}

export interface TraceRequest {
  readonly scenario: string;
  readonly design?: Design;
  /** Index into the scenario's findings (races first, then violations, as analyze() lists them). */
  readonly finding?: number;
  readonly maxStates?: number;
  readonly maxBytes?: number;
}

/** Explore one scenario and build the view of one of its findings' interleavings (`cancelled` stops the search: the budget's check). */
export function traceView(file: CheckedFile, req: TraceRequest, cancelled?: () => boolean): TraceView | { error: string } {
  const sc = file.scenarios.find((s) => s.model.name === req.scenario);
  if (!sc) return { error: `no scenario '${req.scenario}'` };
  if (!isExplorable(file, sc)) return { error: `scenario '${req.scenario}' has errors` };
  let spec: ScenarioSpec;
  try {
    spec = { ...lowerScenario(sc.model), ...(req.design ? { design: req.design } : {}) };
  } catch (e) {
    return { error: (e as Error).message };
  }
  const res = explore(spec, { maxStates: req.maxStates ?? 500_000, ...(req.maxBytes !== undefined ? { maxBytes: req.maxBytes } : {}), ...(cancelled ? { cancelled } : {}) });
  if (res.error) return { error: res.error };
  const ordered = [...res.findings.filter((f) => f.type === 'race'), ...res.findings.filter((f) => f.type === 'violation')];
  const f = ordered[req.finding ?? 0];
  if (!f) return { error: `scenario '${req.scenario}' has no finding${req.finding ? ` #${req.finding}` : ''}` };
  const spanOf = (thread: number, step: number): { line: number; col: number } => {
    const node = sc.model.threads[thread]?.steps[step]?.node;
    return node ? { line: node.span.line, col: node.span.col } : { line: sc.ast.headSpan.line, col: 1 };
  };
  // replay micro-step by micro-step (the trace lists every one) for per-step snapshots
  const exec = new Exec(spec, { reduce: false });
  const s = exec.initial();
  const initial = snapshot(exec, s);
  const steps: TraceViewStep[] = [];
  const inSlice = new Set(f.slice);
  f.trace.forEach((st, i) => {
    exec.step(s, st.thread);
    steps.push({ thread: st.thread, text: st.text, kernel: st.kernel, footprint: footprintText(st.kind), ...spanOf(st.thread, st.step), machine: snapshot(exec, s), inSlice: inSlice.has(i) });
  });
  const threads = spec.threads.map((t) => ({ name: t.name, cpu: t.cpu, mm: spec.mms[t.mm]!.name }));
  const findingLine = f.place.thread >= 0 ? spanOf(f.place.thread, f.place.step).line : (sc.model.checks[f.place.step]?.span.line ?? sc.ast.headSpan.line);
  return {
    scenario: spec.name,
    design: spec.design,
    finding: { type: f.type, code: f.code, message: f.message, line: findingLine },
    threads,
    initial,
    steps,
    text: traceText(threads, steps.filter((x) => x.inSlice), `${f.type} ${f.code}: ${f.message}`),
    fullText: traceText(threads, steps, `${f.type} ${f.code}: ${f.message}`),
  };
}

/** CPU columns, one micro-step a row, in the style of an LKML race diagram. */
export function traceText(threads: TraceView['threads'], steps: readonly Pick<TraceViewStep, 'thread' | 'text'>[], title: string): string {
  const width = Math.min(48, Math.max(24, ...steps.map((s) => s.text.length + 2)));
  const head = threads.map((t) => `CPU${t.cpu} (${t.name})`.padEnd(width)).join('').trimEnd();
  const rule = threads.map(() => '-'.repeat(width - 2).padEnd(width)).join('').trimEnd();
  const rows = steps.map((s) => (' '.repeat(width * s.thread) + s.text).trimEnd());
  return [title, '', head, rule, ...rows].join('\n') + '\n';
}

// The micro-step expansion of one step of a scenario, as rows for hover and docs: read from
// the engine's op expansion (engine/expand.ts), never a second copy.
import { designFor } from '../engine/designs/index';
import { compileThread, END, SEGV, type Instr } from '../engine/expand';
import { buildLayout } from '../engine/layout';
import type { MicroKind } from '../engine/instr';
import { SCOPE_DOC, type Access } from '../engine/micro-sem';
import type { ScenarioSpec } from '../engine/scenario';
import { SEMANTICS } from '../engine/semantics';

export interface ExpansionRow {
  /** 1-based position in the thread's program. */
  readonly n: number;
  /** The micro-step kind (its entry in the engine's semantics table). */
  readonly kind: MicroKind;
  readonly text: string;
  readonly kernel: string;
  /** Where control goes when it does not fall through, e.g. "copy → 12; next → end". */
  readonly flow: string;
}

function target(n: number): string {
  if (n === END) return 'end';
  if (n === SEGV) return 'SIGSEGV';
  return String(n + 1);
}

export function expansionRows(instrs: readonly Instr[], step: number): ExpansionRow[] {
  const rows: ExpansionRow[] = [];
  instrs.forEach((ins, i) => {
    if (ins.step !== step) return;
    const jumps = Object.entries(ins.jumps).map(([k, v]) => `${k} → ${target(v)}`);
    if (ins.next !== i + 1) jumps.push(`next → ${target(ins.next)}`);
    rows.push({ n: i + 1, kind: ins.kind, text: ins.text, kernel: ins.kernel, flow: jumps.join(', ') });
  });
  return rows;
}

/** Rows of step `step` of thread `thread` in a lowered scenario. */
export function expansionOf(spec: ScenarioSpec, thread: number, step: number): ExpansionRow[] {
  const prog = compileThread(buildLayout(spec), spec, thread, designFor(spec.design));
  return expansionRows(prog.instrs, step);
}

/** "pte (its page), ptl (its page table, the mm)": accesses grouped by resource. */
export function accessesText(list: readonly Access[]): string {
  const byResource = new Map<string, string[]>();
  for (const a of list) {
    const scopes = byResource.get(a.resource) ?? [];
    if (!scopes.includes(SCOPE_DOC[a.scope])) scopes.push(SCOPE_DOC[a.scope]);
    byResource.set(a.resource, scopes);
  }
  return [...byResource].map(([r, scopes]) => `${r} (${scopes.join(', ')})`).join(', ') || 'nothing shared';
}

/** What a micro-step kind reads and writes, in one line. */
export function footprintText(kind: MicroKind): string {
  const fp = SEMANTICS[kind].footprint;
  return `reads ${accessesText(fp.reads)}; writes ${accessesText(fp.writes)}`;
}

export function expansionMarkdown(rows: readonly ExpansionRow[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  const table = ['| # | micro-step | kernel | flow |', '|---|---|---|---|', ...rows.map((r) => `| ${r.n} | ${esc(r.text)} | \`${esc(r.kernel)}\` | ${esc(r.flow)} |`)].join('\n');
  const kinds = [...new Set(rows.map((r) => r.kind))];
  return `${table}\n\n**Footprints** (shared state each micro-step reads and writes):\n\n${kinds.map((k) => `- \`${k}\`: ${footprintText(k)}`).join('\n')}`;
}

// Hover: on an op, what it does and its micro-step expansion under the scenario's design; on an
// option, what each value means; on a design, reuse rule or arch, its meaning; on a finding
// code (or a step with a finding), the rule and the kernel source it comes from. Everything is
// read from the engine's tables.
import { findingSpec } from '../engine/findings';
import { findOp, type OpSpec } from '../engine/ops';
import { ARCH_OPTIONS, ARCHES, DESIGNS, REUSE_RULES } from '../engine/settings';
import type * as A from '../lang/ast';
import { lowerScenario } from '../lang/lower';
import type { Span } from '../lang/span';
import type { FindingView } from './views';
import { isExplorable, type CheckedFile } from './check-file';
import { expansionMarkdown, expansionOf } from './expansion';

export interface Hover {
  readonly markdown: string;
  readonly span: Span;
}

export function within(s: Pick<Span, 'line' | 'col' | 'endLine' | 'endCol'>, line: number, col: number): boolean {
  if (line < s.line || line > s.endLine) return false;
  if (line === s.line && col < s.col) return false;
  if (line === s.endLine && col > s.endCol) return false;
  return true;
}

function optionsMarkdown(op: OpSpec, chosen?: ReadonlyMap<string, string>): string {
  if (op.options.length === 0) return '';
  const lines = ['**Options** (default first):'];
  for (const o of op.options) {
    lines.push(`- \`${o.key}\` — ${o.doc}`);
    for (const v of o.values) lines.push(`  - \`${v.value}\`${chosen?.get(o.key) === v.value ? ' *(here)*' : ''}: ${v.doc}`);
  }
  return lines.join('\n');
}

function opMarkdown(op: OpSpec): string {
  const parts = [`**${op.name}** — ${op.summary}`, op.forms.map((f) => `\`${f.synopsis}\``).join('  \n')];
  if (op.flags.length) parts.push(['**Flags:**', ...op.flags.map((f) => `- \`${f.name}\`: ${f.doc}`)].join('\n'));
  return parts.join('\n\n');
}

function findingMarkdown(code: string): string | undefined {
  const f = findingSpec(code);
  return f ? `**${code}** — ${f.summary}\n\n*Kernel rule and source:* ${f.source}` : undefined;
}

/** Hover at a 1-based position. `findings` are the explored findings of the file, if any. */
export function hoverAt(file: CheckedFile, line: number, col: number, findings: readonly FindingView[] = []): Hover | undefined {
  const here = findings.filter((f) => within(f, line, col) || (f.line === line && col >= f.col && col <= f.endCol));
  const extra = here.length ? `\n\n---\n\n${here.map((f) => `**${f.type} ${f.code}**: ${f.message}\n\n${findingSpec(f.code)?.source ? `*Rule and source:* ${findingSpec(f.code)!.source}` : ''}`).join('\n\n')}` : '';
  for (const [si, sc] of file.scenarios.entries()) {
    if (!within(sc.ast.span, line, col)) continue;
    const h = hoverInScenario(file, si, sc.ast.items, line, col);
    if (h) return { ...h, markdown: h.markdown + extra };
    if (extra && here[0]) return { markdown: extra.slice(7), span: { start: 0, end: 0, line: here[0].line, col: here[0].col, endLine: here[0].endLine, endCol: here[0].endCol } };
  }
  return undefined;
}

function hoverInScenario(file: CheckedFile, si: number, items: readonly A.DeclNode[], line: number, col: number): Hover | undefined {
  for (const d of items) {
    if (!within(d.span, line, col)) continue;
    switch (d.kind) {
      case 'mm':
        return hoverInScenario(file, si, d.items, line, col);
      case 'locking': {
        const v = DESIGNS.find((x) => x.value === d.design?.text);
        return v && d.design ? { markdown: `**locking ${v.value}** — ${v.doc}`, span: d.design.span } : { markdown: `**locking** — the kernel locking design: ${DESIGNS.map((x) => `\`${x.value}\``).join(', ')}`, span: d.span };
      }
      case 'reuse': {
        const v = REUSE_RULES.find((x) => x.value === d.rule?.text);
        return v && d.rule ? { markdown: `**reuse ${v.value}** — ${v.doc}`, span: d.rule.span } : { markdown: `**reuse** — when a write fault may reuse a read-only anonymous page:\n\n${REUSE_RULES.map((x) => `- \`${x.value}\`: ${x.doc}`).join('\n')}`, span: d.span };
      }
      case 'arch': {
        for (const o of d.options) {
          if (within(o.span, line, col)) {
            const spec = ARCH_OPTIONS.find((x) => x.key === o.key.text);
            if (spec) return { markdown: `**${spec.key}** — ${spec.doc}\n\n${spec.values.map((v) => `- \`${v.value}\`: ${v.doc}`).join('\n')}`, span: o.span };
          }
        }
        const v = ARCHES.find((x) => x.value === d.arch?.text);
        return v && d.arch ? { markdown: `**arch ${v.value}** — ${v.doc}`, span: d.arch.span } : undefined;
      }
      case 'expect': {
        for (const w of d.words) {
          if (!within(w.span, line, col)) continue;
          const md = findingMarkdown(w.text);
          if (md) return { markdown: md, span: w.span };
        }
        return { markdown: '**expect** — what exploring the scenario must show: `race KIND`, `no race [KIND]`, `violation CODE`, `no violation [CODE]`, `deadlock`, `no deadlock`, `clean`. A cut-short exploration makes `no …` and `clean` inconclusive.', span: d.span };
      }
      case 'thread':
        for (const [k, st] of d.steps.entries()) {
          if (within(st.span, line, col)) return hoverStep(file, si, d, k, st, line, col);
        }
        return undefined;
      default:
        return undefined;
    }
  }
  return undefined;
}

function hoverStep(file: CheckedFile, si: number, thread: A.ThreadDecl, _k: number, st: A.StepNode, line: number, col: number): Hover | undefined {
  const op = findOp(st.op.text);
  if (!op) return undefined;
  const checked = file.scenarios[si];
  const model = checked?.model;
  const ti = model ? model.threads.findIndex((t) => t.name === thread.name?.text) : -1;
  const shaped = ti >= 0 ? model!.threads[ti]!.steps.find((s) => s.node === st) : undefined;
  for (const a of st.args) {
    if (!within(a.span, line, col)) continue;
    if (a.kind === 'option') {
      const spec = op.options.find((o) => o.key === a.option.key.text);
      if (!spec) return undefined;
      const onValue = a.option.value && within(a.option.value.span, line, col);
      const value = spec.values.find((v) => v.value === a.option.value?.text);
      if (onValue && value) return { markdown: `**${spec.key}=${value.value}** — ${value.doc}\n\n*${spec.key}:* ${spec.doc}`, span: a.option.value!.span };
      return { markdown: `**${spec.key}** — ${spec.doc}\n\n${spec.values.map((v, i) => `- \`${v.value}\`${i === 0 ? ' (default)' : ''}: ${v.doc}`).join('\n')}`, span: a.span };
    }
    if (a.kind === 'word') {
      const flag = op.flags.find((f) => f.name === a.name.text);
      if (flag) return { markdown: `**${flag.name}** — ${flag.doc}`, span: a.span };
    }
  }
  // on the op (or anywhere else on the step): what it does and its expansion
  let md = opMarkdown(op);
  const opts = optionsMarkdown(op, shaped?.options);
  if (opts) md += `\n\n${opts}`;
  if (checked && shaped && ti >= 0 && isExplorable(file, checked)) {
    try {
      const spec = lowerScenario(checked.model);
      const stepIndex = model!.threads[ti]!.steps.indexOf(shaped);
      md += `\n\n**Micro-steps** (locking ${spec.design}):\n\n${expansionMarkdown(expansionOf(spec, ti, stepIndex))}`;
    } catch {
      // a scenario the engine cannot build yet: the description above is all we show
    }
  }
  return { markdown: md, span: st.op.span };
}

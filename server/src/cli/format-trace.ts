// An interleaving as text, one micro-step a line: a finding's, or an outcome's.
import type { TraceStepView } from '../analysis/views';

export function formatFindingTrace(f: { readonly trace: readonly TraceStepView[] }, indent = '    '): string[] {
  if (f.trace.length === 0) return [];
  const tw = Math.max(6, ...f.trace.map((t) => t.thread.length));
  const sw = Math.max(...f.trace.map((t) => t.step.length));
  const nw = String(f.trace.length).length;
  const out = [`${indent}interleaving (${f.trace.length} step${f.trace.length === 1 ? '' : 's'}):`];
  f.trace.forEach((t, i) => {
    out.push(`${indent}  ${String(i + 1).padStart(nw)}  ${t.thread.padEnd(tw)}  line ${String(t.line).padEnd(4)} ${t.step.padEnd(sw)}  ${t.kernel}`);
  });
  return out;
}

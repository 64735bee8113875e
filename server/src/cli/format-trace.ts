// An interleaving as text, one micro-step a line: a finding's (its slice, unless `full`), or an
// outcome's (every step is in its slice).
import type { TraceStepView } from '../analysis/views';

/**
 * A finding's interleaving, one micro-step a line numbered by its place in the interleaving:
 * its slice (the steps the finding depends on), or with `full` every step.
 */
export function formatFindingTrace(f: { readonly trace: readonly TraceStepView[] }, indent = '    ', full = false): string[] {
  if (f.trace.length === 0) return [];
  const sliced = full ? 0 : f.trace.length - f.trace.filter((t) => t.inSlice).length;
  const shown = f.trace.map((t, i) => ({ t, n: i + 1 })).filter(({ t }) => !sliced || t.inSlice);
  const tw = Math.max(6, ...f.trace.map((t) => t.thread.length));
  const sw = Math.max(0, ...shown.map(({ t }) => t.step.length));
  const nw = String(f.trace.length).length;
  const steps = `${f.trace.length} step${f.trace.length === 1 ? '' : 's'}`;
  const out = [`${indent}interleaving (${sliced ? `${shown.length} of ${steps}: its slice, the steps the finding depends on; --full shows all` : steps}):`];
  for (const { t, n } of shown) out.push(`${indent}  ${String(n).padStart(nw)}  ${t.thread.padEnd(tw)}  line ${String(t.line).padEnd(4)} ${t.step.padEnd(sw)}  ${t.kernel}`);
  return out;
}

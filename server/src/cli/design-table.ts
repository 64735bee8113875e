// The design x findings table printed by `vmscen check --designs …`.
import type { FileAnalysis } from '../analysis/views';
import type { Design } from '../engine/settings';

export function designTable(results: readonly { file: string; fa: FileAnalysis }[], designs: readonly Design[]): string[] {
  const rows: string[][] = [['scenario', ...designs]];
  for (const { file, fa } of results) {
    const names = [...new Set(fa.scenarios.map((s) => s.name))];
    for (const name of names) {
      const row = [`${file}:${name}`];
      for (const d of designs) {
        const sc = fa.scenarios.find((s) => s.name === name && s.locking === d);
        if (!sc || !sc.explored) row.push('-');
        else if (sc.error) row.push('error');
        else {
          const codes = [...new Set([...sc.races, ...sc.violations].map((f) => f.code))];
          const verdict = codes.length ? codes.join(', ') : 'clean';
          row.push(sc.complete ? verdict : `${verdict} (incomplete)`);
        }
      }
      rows.push(row);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string => r.map((x, c) => x.padEnd(widths[c]!)).join(' | ').trimEnd();
  return ['', 'design x findings:', line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)];
}

// The machine the server replayed, as the debugger's variables: one node per snapshot section
// (locks, address spaces, VMAs, page tables, PTEs, TLBs, frames, threads), one per row, one per
// cell; and what changed between two stops, row by row. No semantics: the server's snapshot
// tables are only arranged here.
import type { TraceView } from '../../../server/src/protocol';

export type MachineSnapshot = TraceView['initial'];
type Section = MachineSnapshot['sections'][number];
type Row = Section['rows'][number];

/** A variable and, lazily, its children. */
export interface VarNode {
  readonly name: string;
  readonly value: string;
  readonly children?: () => readonly VarNode[];
}

/** How many leading cells name each row: the first, or the first two where the first is shared. */
function nameWidth(section: Section): number {
  const firsts = section.rows.map((r) => r.cells[0] ?? '');
  return new Set(firsts).size < firsts.length && section.columns.length > 2 ? 2 : 1;
}

function rowName(row: Row, width: number): string {
  return row.cells.slice(0, width).filter(Boolean).join(' ') || row.key;
}

function cellText(section: Section, i: number, cell: string): string {
  const col = section.columns[i] ?? '';
  return col ? `${col}: ${cell}` : cell;
}

function rowValue(section: Section, row: Row, width: number): string {
  const parts = row.cells.map((c, i) => (i >= width && c !== '' ? cellText(section, i, c) : '')).filter(Boolean);
  return parts.join(', ') || '-';
}

function rowNode(section: Section, row: Row, width: number): VarNode {
  return {
    name: rowName(row, width),
    value: rowValue(section, row, width),
    children: () => row.cells.map((c, i) => ({ name: section.columns[i] || `(${i + 1})`, value: c || '-' })),
  };
}

function sectionNode(section: Section): VarNode {
  const width = nameWidth(section);
  const n = section.rows.length;
  return { name: section.title, value: n === 0 ? 'none' : `${n} row${n === 1 ? '' : 's'}`, children: () => section.rows.map((r) => rowNode(section, r, width)) };
}

/** The locks each thread holds, by thread name. */
function locksNode(machine: MachineSnapshot, threads: TraceView['threads']): VarNode {
  return {
    name: 'Locks held',
    value: `${machine.locks.reduce((n, l) => n + l.length, 0)} held`,
    children: () => threads.map((t, i) => ({ name: t.name, value: machine.locks[i]?.join(', ') || '-' })),
  };
}

/** The machine as variables: the locks held, then every section of the snapshot. */
export function machineNodes(machine: MachineSnapshot, threads: TraceView['threads']): VarNode[] {
  return [locksNode(machine, threads), ...machine.sections.map(sectionNode)];
}

/** One thread's row of the Threads section, cell by cell (its state, next micro-step, locks, registers). */
export function threadNodes(machine: MachineSnapshot, thread: string): VarNode[] {
  const section = machine.sections.find((s) => s.title === 'Threads');
  const row = section?.rows.find((r) => r.key === thread);
  if (!section || !row) return [];
  return row.cells.map((c, i) => ({ name: section.columns[i] || `(${i + 1})`, value: c || '-' }));
}

/** What changed from `before` to `after`: each row added, removed or with cells changed, as `old → new`. */
export function changeNodes(before: MachineSnapshot, after: MachineSnapshot): VarNode[] {
  const out: VarNode[] = [];
  for (const section of after.sections) {
    const old = before.sections.find((s) => s.title === section.title);
    const oldRows = new Map((old?.rows ?? []).map((r) => [r.key, r]));
    const width = nameWidth(section);
    for (const row of section.rows) {
      const prev = oldRows.get(row.key);
      oldRows.delete(row.key);
      if (!prev) {
        out.push({ name: `${section.title}: ${rowName(row, width)}`, value: `new: ${rowValue(section, row, width)}` });
        continue;
      }
      const diffs = row.cells.map((c, i) => (c !== (prev.cells[i] ?? '') ? `${section.columns[i] || `(${i + 1})`}: ${prev.cells[i] || '-'} → ${c || '-'}` : '')).filter(Boolean);
      if (diffs.length) out.push({ name: `${section.title}: ${rowName(row, width)}`, value: diffs.join('; ') });
    }
    if (old) {
      const oldWidth = nameWidth(old);
      for (const gone of oldRows.values()) out.push({ name: `${section.title}: ${rowName(gone, oldWidth)}`, value: `gone (was ${rowValue(old, gone, oldWidth)})` });
    }
  }
  return out;
}

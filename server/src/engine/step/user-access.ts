// User loads and stores (kernel-rules R22): the MMU looks in the CPU's TLB; a hit with the
// needed permission completes the access; a miss walks the page table with no lock and fills
// the TLB; a missing or insufficient PTE raises a page fault (the fault path, fault.ts).
import type { ExecContext } from '../context';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import type { State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { checkStaleEntry, landWrite, readFrame } from '../rules/races';
import { dropEntry } from '../tlb';
import { ptePeek } from '../page-tables';

const F = L.PTE_FRAME_MASK;

function access(cx: ExecContext, s: State, t: number, ins: InstrOf<'user-store'> | InstrOf<'user-load'>): Next {
  const m = cx.m;
  const mm = cx.tMm[t]!;
  const cpu = cx.tCpu[t]!;
  const p = ins.page;
  const isStore = ins.kind === 'user-store';
  const o = m.tlb(cpu, p);
  const e = s[o]!;
  if ((e & F) !== 0 && (!isStore || (e & L.PTE_W) !== 0)) {
    const f = (e & F) - 1;
    if (isStore) {
      checkStaleEntry(cx, s, t, cpu, p, f);
      landWrite(cx, s, t, f, mm, p, m.storedValueIndex(ins.op.value), true);
    } else loadInto(cx, s, t, ins.op, f);
    return ins.next;
  }
  // x86 drops a TLB entry that caused a page fault
  if ((e & F) !== 0) dropEntry(cx, s, cpu, p);
  const pte = ptePeek(cx, s, mm, p);
  const ptPresent = s[m.pt(mm, cx.L.pageRegion[p]!, L.PT_STATE)] === L.PT_PRESENT;
  if (ptPresent && (pte & F) !== 0 && (pte & L.PTE_PROTNONE) === 0 && (!isStore || (pte & L.PTE_W) !== 0)) {
    const f = (pte & F) - 1;
    s[o] = (pte & F) | (pte & L.PTE_W);
    if (isStore) landWrite(cx, s, t, f, mm, p, m.storedValueIndex(ins.op.value), true);
    else loadInto(cx, s, t, ins.op, f);
    return ins.next;
  }
  return ins.jumps.fault;
}

function loadInto(cx: ExecContext, s: State, t: number, op: InstrOf<'user-load'>['op'] | InstrOf<'user-store'>['op'], f: number): void {
  const v = readFrame(cx, s, t, f, 'the load');
  if (op.op === 'load' && op.reg !== undefined && cx.m.loadsKeepValues) s[cx.m.reg(t, op.reg)] = v;
}

export const USER_ACCESS: SemanticsPart<'user-store' | 'user-load'> = {
  'user-store': {
    kernel: 'store (MMU)',
    doc: 'TLB hit with W: the store lands; miss: hardware walk with no lock, fill the TLB and store; no W or no PTE: page fault',
    source: 'kernel-rules R22',
    mover: 'N',
    run: access,
    // the store lands in a frame a COW fault may have copied (fault-work: lost-write), and
    // names the op that made its TLB entry stale if that op returned (thread-control)
    footprint: fp(
      ['tlb:cpu', 'pte:page', 'page-table:table', 'frame:any', 'page-refs:any', 'fault-work:any', 'thread-control:any', 'pte:any', 'mm:any', 'gup-refs:any'],
      ['tlb:cpu', 'frame:any', 'fault-work:mm'],
    ),
  },
  'user-load': {
    kernel: 'load (MMU)',
    doc: 'TLB hit: read; miss: hardware walk with no lock and fill; no PTE: page fault',
    source: 'kernel-rules R22',
    mover: 'N',
    run: access,
    footprint: fp(['tlb:cpu', 'pte:page', 'page-table:table', 'frame:any', 'page-refs:any'], ['tlb:cpu']),
  },
};

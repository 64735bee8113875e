// The kernel's own accesses through a page reference GUP handed out (DMA, O_DIRECT, ptrace):
// writes and reads that bypass the page tables and TLBs, and the put that drops the reference.
import type { ExecContext } from '../context';
import { clearRef, putRef } from '../frames';
import type { InstrOf } from '../instr';
import { R_FRAME, R_PAGE, R_PIN, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { landWrite, readFrame } from '../rules/races';

function kwrite(cx: ExecContext, s: State, t: number, ins: InstrOf<'kwrite'>): Next {
  const m = cx.m;
  const o = ins.op;
  const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
  if (f >= 0) landWrite(cx, s, t, f, cx.tMm[t]!, s[m.ref(t, o.ref, R_PAGE)]! - 1, m.valueIndex(o.value), false);
  return ins.next;
}

function kread(cx: ExecContext, s: State, t: number, ins: InstrOf<'kread'>): Next {
  const m = cx.m;
  const o = ins.op;
  const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
  if (f >= 0) {
    const v = readFrame(cx, s, t, f, 'kread');
    if (o.reg !== undefined) s[m.reg(t, o.reg)] = v;
  }
  return ins.next;
}

function put(cx: ExecContext, s: State, t: number, ins: InstrOf<'put'>): Next {
  const m = cx.m;
  const o = ins.op;
  const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
  if (f >= 0) putRef(cx, s, f, s[m.ref(t, o.ref, R_PIN)] === 1);
  clearRef(cx, s, t, o.ref);
  return ins.next;
}

export const KERNEL_ACCESS: SemanticsPart<'kwrite' | 'kread' | 'put'> = {
  kwrite: {
    kernel: 'kernel write through a page reference',
    doc: 'write the referenced frame directly (DMA, O_DIRECT)',
    source: 'SPEC §4',
    mover: 'N',
    run: kwrite,
    footprint: fp(['frame:any', 'page-refs:any', 'pte:any', 'mm:any', 'gup-refs:any', 'thread-control:any'], ['frame:any']),
  },
  kread: {
    kernel: 'kernel read through a page reference',
    doc: 'read the referenced frame directly',
    source: 'SPEC §4',
    mover: 'N',
    run: kread,
    footprint: fp(['frame:any', 'page-refs:any', 'gup-refs:own'], []),
  },
  put: {
    kernel: 'put_page() / unpin_user_page()',
    doc: 'drop the reference or pin; the frame is freed with its last reference',
    source: 'kernel-paths §12.2',
    mover: 'N',
    run: put,
    footprint: fp(['page-refs:any', 'tlb:any', 'gup-refs:own'], ['page-refs:any', 'gup-refs:own']),
  },
};

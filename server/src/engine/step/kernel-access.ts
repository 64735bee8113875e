// The kernel's own accesses through a page reference GUP handed out (DMA, O_DIRECT, ptrace):
// writes and reads that bypass the page tables and TLBs, and the put that drops the reference.
// A reference used after its put (kernel-paths §12.2): folio_put() in include/linux/mm.h says
// "Do not access the memory or the struct folio after calling folio_put() unless you can be
// sure that it wasn't the last reference". When it was the last one the frame is freed and the
// use is a use-after-free; otherwise the frame lives on only through references the thread
// does not own (the mapping, another thread's), and the use is a reference-counting bug
// (use-after-put). A put whose reference is used again keeps the frame in the slot, marked.
import type { ExecContext } from '../context';
import { clearRef, frameFlags, putRef } from '../frames';
import type { InstrOf } from '../instr';
import * as L from '../layout';
import { R_FRAME, R_PAGE, R_PIN, REF_PUT, type State } from '../machine';
import { fp, type Next, type SemanticsPart } from '../micro-sem';
import { landWrite, readFrame } from '../rules/races';

/** A use of reference `ref` (frame f) after its put: use-after-put unless the frame was freed (the access reports that) or t holds it through another reference. */
function checkAfterPut(cx: ExecContext, s: State, t: number, ref: number, f: number, what: string): void {
  const m = cx.m;
  if ((s[m.ref(t, ref, R_PIN)]! & REF_PUT) === 0 || frameFlags(cx, s, f) & L.FR_FREED) return;
  for (let r = 0; r < cx.L.nRefs; r++) if (r !== ref && s[m.ref(t, r, R_FRAME)] === f + 1 && (s[m.ref(t, r, R_PIN)]! & REF_PUT) === 0) return;
  const name = cx.spec.threads[t]!.refs[ref];
  cx.violation('use-after-put', `${what} by ${cx.tn(t)} uses frame ${m.frameName(f)} through '${name}' after 'put ${name}' dropped that reference: only references ${cx.tn(t)} does not own keep the frame allocated (folio_put(): do not access the folio unless you can be sure that it wasn't the last reference)`);
}

function kwrite(cx: ExecContext, s: State, t: number, ins: InstrOf<'kwrite'>): Next {
  const m = cx.m;
  const o = ins.op;
  const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
  if (f < 0) return ins.next;
  checkAfterPut(cx, s, t, o.ref, f, 'the kernel write');
  landWrite(cx, s, t, f, cx.tMm[t]!, s[m.ref(t, o.ref, R_PAGE)]! - 1, m.storedValueIndex(o.value), false);
  return ins.next;
}

function kread(cx: ExecContext, s: State, t: number, ins: InstrOf<'kread'>): Next {
  const m = cx.m;
  const o = ins.op;
  const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
  if (f < 0) return ins.next;
  checkAfterPut(cx, s, t, o.ref, f, 'the kernel read');
  const v = readFrame(cx, s, t, f, 'kread');
  if (o.reg !== undefined && m.loadsKeepValues) s[m.reg(t, o.reg)] = v;
  return ins.next;
}

function put(cx: ExecContext, s: State, t: number, ins: InstrOf<'put'>): Next {
  const m = cx.m;
  const o = ins.op;
  const f = s[m.ref(t, o.ref, R_FRAME)]! - 1;
  const pin = s[m.ref(t, o.ref, R_PIN)]!;
  if (f >= 0 && pin & REF_PUT) {
    // put_page() again: it drops a reference the thread does not own, or touches a freed page
    if (frameFlags(cx, s, f) & L.FR_FREED) cx.race('use-after-free', `put by ${cx.tn(t)} drops a reference on frame ${m.frameName(f)}, which was freed`);
    else {
      checkAfterPut(cx, s, t, o.ref, f, 'put');
      putRef(cx, s, f, (pin & 1) === 1);
    }
    return ins.next;
  }
  if (f >= 0) putRef(cx, s, f, pin === 1);
  if (f >= 0 && ins.keepRef) s[m.ref(t, o.ref, R_PIN)] = pin | REF_PUT;
  else clearRef(cx, s, t, o.ref);
  return ins.next;
}

export const KERNEL_ACCESS: SemanticsPart<'kwrite' | 'kread' | 'put'> = {
  kwrite: {
    kernel: 'kernel write through a page reference',
    doc: 'write the referenced frame directly (DMA, O_DIRECT); after `put` of the reference, use-after-put (or use-after-free when the frame was freed)',
    source: 'SPEC §4; kernel-paths §12.2 (folio_put(), include/linux/mm.h)',
    mover: 'N',
    run: kwrite,
    footprint: fp(['frame:any', 'page-refs:any', 'pte:any', 'mm:any', 'gup-refs:any', 'thread-control:any'], ['frame:any']),
  },
  kread: {
    kernel: 'kernel read through a page reference',
    doc: 'read the referenced frame directly; after `put` of the reference, use-after-put (or use-after-free when the frame was freed)',
    source: 'SPEC §4; kernel-paths §12.2 (folio_put(), include/linux/mm.h)',
    mover: 'N',
    run: kread,
    footprint: fp(['frame:any', 'page-refs:any', 'gup-refs:own'], []),
  },
  put: {
    kernel: 'put_page() / unpin_user_page()',
    doc: 'drop the reference or pin; the frame is freed with its last reference. A second put drops a reference the thread does not own (use-after-put), or touches a freed frame (use-after-free)',
    source: 'kernel-paths §12.2 (folio_put(), include/linux/mm.h)',
    mover: 'N',
    run: put,
    footprint: fp(['page-refs:any', 'tlb:any', 'gup-refs:own'], ['page-refs:any', 'gup-refs:own']),
  },
};

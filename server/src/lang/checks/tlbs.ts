// TLB lines: what a CPU caches when the scenario starts, warned about when the PTE disagrees.
import type * as A from '../ast';
import { checkAddress, hex } from './addresses';
import { mapProt } from './address-spaces';
import { diagnostic } from './codes';
import type { CheckContext } from './context';
import { frameIndex } from './frames';
import { cpuNumber } from './threads';

export function checkTlb(cx: CheckContext, d: A.TlbDecl): void {
  if (!d.cpu) return;
  const cpu = cpuNumber(cx, d.cpu);
  const addr = d.addr ? checkAddress(d.addr, cx.out) : undefined;
  const frame = frameIndex(cx, d.frame);
  const prot = mapProt(cx, d.prot);
  if (cpu === undefined || addr === undefined || frame === undefined || prot === undefined) return;
  const dup = cx.lookup.tlb(cpu, addr);
  if (dup) {
    cx.out.push(diagnostic('duplicate', d.span, `cpu${cpu} already caches ${hex(addr)} on line ${dup.span.line}`));
    return;
  }
  const thread = cx.lookup.threadOnCpu(cpu);
  const mm = thread?.mm ?? 0;
  const pte = cx.lookup.pte(mm, addr);
  const writable = prot === 'rw';
  if (!pte || pte.frame !== frame || (writable && !pte.writable)) {
    const mmName = cx.model.mms[mm]?.name ?? 'main';
    const now = pte ? `the PTE maps ${cx.model.frames[pte.frame]!.name} ${pte.writable ? 'rw' : 'r'}` : `${hex(addr)} has no PTE in mm ${mmName}`;
    cx.out.push(diagnostic('stale-tlb', d.span, `this TLB entry is stale from before the scenario (${now}): a store through it counts as after the op that changed the PTE`));
  }
  cx.lookup.addTlb({ cpu, addr, frame, writable, span: d.span });
}

// A readable picture of one machine state: VMAs, page tables and PTEs, each CPU's TLB,
// frames with their counts, threads with their locks. Rows have stable keys so a view can
// highlight what changed from one step to the next.
import type { Exec } from '../engine/exec';
import { hex } from '../engine/expand';
import * as L from '../engine/layout';
import { L_FLAGS, L_VMA, LF_SPEC, R_FRAME, R_PAGE, R_PIN, REF_PUT, type State } from '../engine/machine';
import { PT_SPAN } from '../engine/scenario';

export interface SnapshotSection {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly { readonly key: string; readonly cells: readonly string[] }[];
}

export interface MachineSnapshot {
  readonly sections: readonly SnapshotSection[];
  /** Per thread, the locks it holds (for the interleaving view's lock bars). */
  readonly locks: readonly (readonly string[])[];
}

const PROT = ['none', 'r', 'rw'];

export function snapshot(exec: Exec, s: State): MachineSnapshot {
  const m = exec.m;
  const Ly = exec.L;
  const spec = exec.spec;
  const traits = exec.cx.design.traits;
  const tname = (t: number): string => spec.threads[t]?.name ?? `#${t}`;
  const frame = (v: number): string => ((v & L.PTE_FRAME_MASK) === 0 ? '-' : m.frameName((v & L.PTE_FRAME_MASK) - 1));
  const sections: SnapshotSection[] = [];

  // reclaim: mm->tlb_flush_batched is shown only in scenarios that reclaim
  const reclaims = spec.threads.some((t) => t.steps.some((x) => x.op === 'reclaim'));
  // mms: locks and VMAs
  const mmRows: { key: string; cells: string[] }[] = [];
  const vmaRows: { key: string; cells: string[] }[] = [];
  const rangeRows: { key: string; cells: string[] }[] = [];
  for (let mm = 0; mm < Ly.nMm; mm++) {
    const name = spec.mms[mm]!.name;
    if (s[m.mm(mm, L.M_EXISTS)] === 0) {
      mmRows.push({ key: name, cells: [name, 'not created yet', '', '', ''] });
      continue;
    }
    const w = s[m.mm(mm, L.M_WRITER)]!;
    const r = s[m.mm(mm, L.M_READERS)]!;
    const q: string[] = [];
    for (let i = 0; i < Ly.nThread; i++) {
      const e = s[m.mm(mm, L.M_QUEUE) + i]!;
      if (e === 0) break;
      q.push(`${tname(Math.abs(e) - 1)} (${e < 0 ? 'write' : 'read'})`);
    }
    let held = 0;
    for (let i = 0; i < Ly.nRangeSlots && s[m.rangeSlot(mm, i, L.RS_INFO)] !== 0; i++) held++;
    const lock = traits.rangeLocks ? (held ? `${held} held or queued` : 'free') : w ? `write: ${tname(w - 1)}` : r ? `read ×${r}` : 'free';
    mmRows.push({ key: name, cells: [name, lock, q.join(', ') || '-', String(s[m.mm(mm, L.M_PENDING)]), String(s[m.mm(mm, L.M_WPSEQ)]), ...(reclaims ? [String(s[m.mm(mm, L.M_BATCHED)])] : [])] });
    for (let v = 0; v < Ly.nVma; v++) {
      const st = s[m.vma(mm, v, L.V_STATE)]!;
      if (st === L.VMA_FREE) continue;
      const start = Ly.bounds[s[m.vma(mm, v, L.V_START)]!]!;
      const end = Ly.bounds[s[m.vma(mm, v, L.V_END)]!]!;
      const fl = s[m.vma(mm, v, L.V_FLAGS)]!;
      const kind = `${fl & L.VF_FILE ? 'file' : 'anon'} ${fl & L.VF_SHARED ? 'shared' : 'private'}${fl & L.VF_UFFD ? ' uffd' : ''}${fl & L.VF_GROWSDOWN ? ' growsdown' : ''}${fl & L.VF_ANONVMA ? ' (anon_vma)' : ''}`;
      const wr = s[m.vma(mm, v, L.V_WRITER)]!;
      const rd = s[m.vma(mm, v, L.V_READERS)]!;
      const seq = s[m.vma(mm, v, L.V_SEQ)]!;
      const vlock = traits.vmaSequence ? `seq ${seq}${wr ? ` (vm_write_begin: ${tname(wr - 1)})` : ''}` : wr ? `write: ${tname(wr - 1)}` : rd ? `read ×${rd}` : '-';
      vmaRows.push({ key: `${name}:${start}`, cells: [name, `${hex(start)}..${hex(end)}`, PROT[s[m.vma(mm, v, L.V_PROT)]!]!, kind, st === L.VMA_LIVE ? 'live' : st === L.VMA_DETACHED ? 'detached' : 'freed', vlock] });
    }
    for (let i = 0; i < Ly.nRangeSlots; i++) {
      const info = s[m.rangeSlot(mm, i, L.RS_INFO)]!;
      if (info === 0) break;
      const range = `${hex(Ly.rangePoints[s[m.rangeSlot(mm, i, L.RS_LO)]!]!)}..${hex(Ly.rangePoints[s[m.rangeSlot(mm, i, L.RS_HI)]!]!)}`;
      rangeRows.push({ key: `${name}:${i}`, cells: [name, range, info & L.RI_WRITE ? 'write' : 'read', tname((info & L.RI_THREAD) - 1), info & L.RI_HELD ? 'held' : 'waiting'] });
    }
  }
  const locking = traits.rangeLocks ? 'range locks' : 'mmap_lock';
  sections.push({ title: 'Address spaces', columns: ['mm', locking, 'queued', 'tlb_flush_pending', 'write_protect_seq', ...(reclaims ? ['tlb_flush_batched'] : [])], rows: mmRows });
  if (traits.rangeLocks) sections.push({ title: 'Range locks (in arrival order)', columns: ['mm', 'range', 'mode', 'thread', 'state'], rows: rangeRows });
  sections.push({ title: 'VMAs', columns: ['mm', 'range', 'prot', 'kind', 'state', traits.vmaSequence ? 'vm_sequence' : 'VMA lock'], rows: vmaRows });

  // page tables and PTEs
  const ptRows: { key: string; cells: string[] }[] = [];
  const pteRows: { key: string; cells: string[] }[] = [];
  for (let mm = 0; mm < Ly.nMm; mm++) {
    if (s[m.mm(mm, L.M_EXISTS)] === 0) continue;
    const name = spec.mms[mm]!.name;
    for (let r = 0; r < Ly.nRegion; r++) {
      const base = Ly.regions[r]! * PT_SPAN;
      const ptl = s[m.pt(mm, r, L.PT_PTL)]!;
      const present = s[m.pt(mm, r, L.PT_STATE)] === L.PT_PRESENT;
      const old = s[m.pt(mm, r, L.PT_OLD)]!;
      const gen = s[m.pt(mm, r, L.PT_GEN)]!;
      ptRows.push({ key: `${name}:${base}`, cells: [name, `${hex(base)}..${hex(base + PT_SPAN)}`, present ? 'present' : 'none', gen > 0 ? (old === L.OLD_RCU ? 'previous table: waiting for RCU' : old === 3 ? 'previous table: freed after flush' : 'previous table: freed') : '-', ptl ? tname(ptl - 1) : '-'] });
    }
    for (let p = 0; p < Ly.nPage; p++) {
      const v = s[m.pte(mm, p)]!;
      const flags = [v & L.PTE_W ? 'W' : '', v & L.PTE_DIRTY ? 'D' : '', v & L.PTE_UFFD ? 'uffd-wp' : '', v & L.PTE_PROTNONE ? 'prot-none' : '', v & L.PTE_MODIFYING ? 'cleared (ptep_modify_prot_start: none to walkers)' : ''].filter(Boolean).join(' ');
      if ((v & L.PTE_SWAP) !== 0) {
        // reclaim: a swap entry, its page under reclaim or written out
        const field = (v >>> L.PTE_SWAP_SHIFT) & ((1 << (31 - L.PTE_SWAP_SHIFT)) - 1);
        const what = (v & L.PTE_SWAPCACHE) !== 0 ? `swap entry (page under reclaim by ${tname(field)})` : `swap entry (value ${Ly.values[field]})`;
        pteRows.push({ key: `${name}:${Ly.pages[p]}`, cells: [name, hex(Ly.pages[p]!), '-', what] });
        continue;
      }
      // numa, migrate (issue 10): a migration entry has no frame; it names the migrating thread
      const mig = (v & L.PTE_MIGRATION) !== 0 ? `migration entry${v & L.PTE_W ? ' (writable)' : ''}, ${tname(((v >> L.PTE_MIG_OWNER_SHIFT) & 0x3f) - 1)} migrating` : '';
      pteRows.push({ key: `${name}:${Ly.pages[p]}`, cells: [name, hex(Ly.pages[p]!), frame(v), (v & L.PTE_FRAME_MASK) === 0 ? mig : flags || 'RO'] });
    }
  }
  sections.push({ title: 'Page tables', columns: ['mm', 'span', 'table', 'freed earlier', 'PTL held by'], rows: ptRows });
  sections.push({ title: 'PTEs', columns: ['mm', 'address', 'frame', 'bits'], rows: pteRows });

  // TLBs
  const tlbRows: { key: string; cells: string[] }[] = [];
  for (let c = 0; c < Ly.nCpu; c++) {
    const t = Ly.threadOnCpu[c]!;
    for (let p = 0; p < Ly.nPage; p++) {
      const o = m.tlb(c, p);
      const e = s[o]!;
      if ((e & L.PTE_FRAME_MASK) === 0) continue;
      let stale = false;
      for (let w = 0; w < Ly.tagWords; w++) if (s[o + 2 + w] !== 0) stale = true;
      tlbRows.push({ key: `${c}:${Ly.pages[p]}`, cells: [`cpu${c}${t >= 0 ? ` (${tname(t)})` : ''}`, hex(Ly.pages[p]!), frame(e), e & L.PTE_W ? 'rw' : 'r', stale ? 'stale' : ''] });
    }
  }
  sections.push({ title: 'TLBs', columns: ['cpu', 'address', 'frame', 'perm', ''], rows: tlbRows });

  // frames
  const frameRows: { key: string; cells: string[] }[] = [];
  for (let f = 0; f < Ly.nFrame; f++) {
    const fl = s[m.fr(f, L.F_FLAGS)]!;
    if (fl === 0 || f === Ly.zeroFrame) continue;
    const names = [fl & L.FR_FREED ? 'FREED' : '', fl & L.FR_EXCL ? 'exclusive' : '', fl & L.FR_CACHE ? 'page cache' : '', fl & L.FR_RDONLY ? 'read-only file' : '', fl & L.FR_SHARED ? 'shared' : '', fl & L.FR_TRUNCATED ? 'truncated' : '', fl & L.FR_INCACHE_GONE ? 'out of the page cache' : ''].filter(Boolean).join(', ');
    frameRows.push({ key: m.frameName(f), cells: [m.frameName(f), String(Ly.values[s[m.fr(f, L.F_VALUE)]!]), String(s[m.fr(f, L.F_REFS)]), String(s[m.fr(f, L.F_PINS)]), String(m.mapcount(s, f)), names] });
  }
  sections.push({ title: 'Frames', columns: ['frame', 'value', 'refcount', 'pins', 'mapcount', 'flags'], rows: frameRows });

  // threads
  const threadRows: { key: string; cells: string[] }[] = [];
  const locks: string[][] = [];
  for (let t = 0; t < Ly.nThread; t++) {
    const held: string[] = [];
    if (s[m.th(t, L.T_MMAP_W)] === 1) held.push('mmap W');
    const rd = s[m.th(t, L.T_MMAP_R)]!;
    if (rd > 0) held.push(rd > 1 ? `mmap R×${rd}` : 'mmap R');
    const ptls = s[m.th(t, L.T_PTLS)]!;
    for (let i = 0; i < Ly.nMm * Ly.nRegion; i++) if (ptls & (1 << i)) held.push(`ptl ${hex(Ly.regions[i % Ly.nRegion]! * PT_SPAN)}${Ly.nMm > 1 ? `@${spec.mms[Math.floor(i / Ly.nRegion)]!.name}` : ''}`);
    if (m.holdsVmaRead(s, t)) held.push('vma R');
    const mm = spec.threads[t]!.mm;
    if (Ly.nLocals > L_VMA && s[m.loc(t, L_VMA)] !== 0) held.push(traits.faultVmaLabel);
    else if ((s[m.loc(t, L_FLAGS)]! & LF_SPEC) !== 0) held.push('speculative');
    for (let v = 0; v < Ly.nVma; v++) if (s[m.vma(mm, v, L.V_WRITER)] === t + 1) held.push(traits.vmaSequence ? 'vm_write_begin' : 'vma W');
    for (let i = 0; i < Ly.nRangeSlots; i++) {
      const info = s[m.rangeSlot(mm, i, L.RS_INFO)]!;
      if (info === 0) break;
      if ((info & L.RI_THREAD) === t + 1 && (info & L.RI_HELD) !== 0) held.push(`range ${info & L.RI_WRITE ? 'W' : 'R'} ${hex(Ly.rangePoints[s[m.rangeSlot(mm, i, L.RS_LO)]!]!)}..${hex(Ly.rangePoints[s[m.rangeSlot(mm, i, L.RS_HI)]!]!)}`);
    }
    if (s[m.th(t, L.T_IRQ)] === 1) held.push('irq off');
    locks.push(held);
    const st = s[m.th(t, L.T_STATUS)]!;
    const status = st === L.DONE ? 'done' : st === L.SEGV ? 'SIGSEGV' : st === L.WAIT_MMAP ? 'waits for mmap_lock' : st === L.WAIT_UFFD ? 'waits in userfaultfd' : st === L.WAIT_RANGE ? 'waits for a range lock' : 'running';
    const ins = exec.instr(s, t);
    const regs = spec.threads[t]!.registers.map((r, i) => `${r}=${Ly.values[s[m.reg(t, i)]!]}`);
    const refs = spec.threads[t]!.refs.map((r, i) => {
      const f = s[m.ref(t, i, R_FRAME)]!;
      const pin = s[m.ref(t, i, R_PIN)]!;
      return f ? `${r}→${m.frameName(f - 1)}${pin & 1 ? ' (pin)' : ''}${pin & REF_PUT ? ' (put)' : ''}@${hex(Ly.pages[s[m.ref(t, i, R_PAGE)]! - 1] ?? 0)}` : `${r}: empty`;
    });
    threadRows.push({ key: tname(t), cells: [tname(t), `cpu${spec.threads[t]!.cpu}`, status, st === L.DONE || st === L.SEGV ? '' : (ins?.text ?? ''), held.join(', ') || '-', [...regs, ...refs].join(', ')] });
  }
  sections.push({ title: 'Threads', columns: ['thread', 'cpu', 'state', 'next micro-step', 'locks held', 'registers, references'], rows: threadRows });
  return { sections, locks };
}

// Lowering: a checked ScenarioModel (names resolved, shapes checked) becomes the engine's
// ScenarioSpec. Pure data mapping; every decision about validity was made in checks.ts.
import type { ScenarioSpec, StepSpec } from '../engine/scenario';
import type { ScenarioModel } from './checks';
import type { ShapedStep, SlotValue } from './checks/step-shapes';

export function lowerScenario(m: ScenarioModel): ScenarioSpec {
  // A fork with no `-> MM` still creates a child address space: give it a name.
  const implicit: { name: string; forkedBy: { thread: number; step: number } }[] = [];
  m.threads.forEach((t, ti) =>
    t.steps.forEach((s, si) => {
      if (s.op.name === 'fork' && !s.target) implicit.push({ name: `child of ${t.name}#${si + 1}`, forkedBy: { thread: ti, step: si } });
    }),
  );
  const mms = [...m.mms, ...implicit.map((c) => ({ name: c.name, span: undefined, forkedBy: c.forkedBy, vmas: [], ptes: [] }))];
  const model: ScenarioModel = { ...m, mms };
  return lowerModel(model, implicit);
}

function lowerModel(m: ScenarioModel, implicit: { name: string; forkedBy: { thread: number; step: number } }[]): ScenarioSpec {
  void implicit;
  return {
    name: m.name,
    design: m.design,
    arch: m.arch,
    rcuTableFree: m.rcuTableFree,
    reuse: m.reuse,
    mms: m.mms.map((mm) => ({
      name: mm.name,
      ...(mm.forkedBy ? { forkedBy: mm.forkedBy } : {}),
      vmas: mm.vmas.map((v) => ({ start: v.start, end: v.end, prot: v.prot, file: v.file, shared: v.shared, growsdown: v.growsdown, uffd: v.uffd, cache: v.cache })),
      ptes: mm.ptes.map((p) => ({ addr: p.addr, frame: p.frame, writable: p.writable })),
    })),
    frames: m.frames.map((f) => ({ name: f.name, value: f.value, shared: f.shared, readonly: f.readonly, refs: f.refs, pageCache: f.pageCache })),
    tlbs: m.tlbs.map((t) => ({ cpu: t.cpu, mm: m.threads.find((th) => th.cpu === t.cpu)?.mm ?? 0, addr: t.addr, frame: t.frame, writable: t.writable })),
    threads: m.threads.map((t) => ({
      name: t.name,
      cpu: t.cpu,
      mm: t.mm,
      registers: t.registers,
      refs: t.refs,
      steps: t.steps.map((s, i) => lowerStep(s, i, t.registers, t.refs, m)),
    })),
    checks: m.checks.map((c, i) => ({ origin: i, cond: c.cond })),
    limits: { ...m.limits },
  };
}

function slot<K extends SlotValue['kind']>(s: ShapedStep, kind: K, n = 0): Extract<SlotValue, { kind: K }> {
  const found = s.slots.filter((x) => x.kind === kind)[n];
  if (!found) throw new Error(`lowering ${s.op.name}: missing ${kind} slot (checks.ts should have rejected this step)`);
  return found as Extract<SlotValue, { kind: K }>;
}

function word(s: ShapedStep, n = 0): string {
  return slot(s, 'word', n).text;
}

function lowerStep(s: ShapedStep, origin: number, registers: readonly string[], refs: readonly string[], m: ScenarioModel): StepSpec {
  const opt = (k: string): string => s.options.get(k)!;
  const reg = (): number | undefined => (s.target ? registers.indexOf(s.target.text) : undefined);
  const refTarget = (): number | undefined => (s.target ? refs.indexOf(s.target.text) : undefined);
  const refSlot = (): number => refs.indexOf(slot(s, 'ref').name.text);
  const range = (): { start: number; end: number } => {
    const r = slot(s, 'range');
    return { start: r.start, end: r.end };
  };
  // `OP ADDR` or `OP FRAME` (reclaim, migrate): the form that matched says which
  const addrOrFrame = (): { addr: number | undefined; frame: number | undefined } => {
    const a = s.slots[0];
    if (a?.kind === 'addr') return { addr: a.addr, frame: undefined };
    const f = a?.kind === 'frame' ? m.frames.findIndex((x) => x.name === a.name.text) : -1;
    return { addr: undefined, frame: f >= 0 ? f : undefined };
  };
  switch (s.op.name) {
    case 'load':
      return { origin, op: 'load', addr: slot(s, 'addr').addr, reg: reg() };
    case 'store':
      return { origin, op: 'store', addr: slot(s, 'addr').addr, value: s.assign! };
    case 'fault':
    case 'cow':
      return {
        origin,
        op: s.op.name,
        write: s.op.name === 'cow' || word(s) === 'write',
        addr: slot(s, 'addr').addr,
        copy: opt('copy') as 'unlocked' | 'ptl',
        pending: opt('pending') as 'ignore' | 'flush' | 'flush-any',
        stack: opt('stack') as 'write' | 'read',
      };
    case 'gup':
      return {
        origin,
        op: 'gup',
        addr: slot(s, 'addr').addr,
        write: s.flags.has('write'),
        force: s.flags.has('force'),
        pin: s.flags.has('pin'),
        fast: s.flags.has('fast'),
        retry: opt('retry') as 'keep-write' | 'drop-write',
        seqcheck: opt('seqcheck') === 'on',
        stack: opt('stack') as 'write' | 'read',
        ref: refTarget(),
      };
    case 'kwrite':
      return { origin, op: 'kwrite', ref: refSlot(), value: s.assign! };
    case 'kread':
      return { origin, op: 'kread', ref: refSlot(), reg: reg() };
    case 'put':
      return { origin, op: 'put', ref: refSlot() };
    case 'mprotect':
      return {
        origin,
        op: 'mprotect',
        ...range(),
        prot: slot(s, 'prot').prot,
        lock: opt('lock') as 'read' | 'write',
        flush: opt('flush') as 'deferred' | 'ptl',
        vmalock: opt('vmalock') === 'on',
        batched: opt('batched') === 'check',
      };
    case 'wrprotect':
      return {
        origin,
        op: 'wrprotect',
        ...range(),
        lock: opt('lock') as 'read' | 'write',
        flush: opt('flush') as 'deferred' | 'ptl',
        pending: opt('pending') === 'on',
        marker: opt('marker') === 'uffd',
        vmalock: opt('vmalock') === 'on',
      };
    case 'unprotect':
      return { origin, op: 'unprotect', ...range(), lock: opt('lock') as 'read' | 'write', flush: opt('flush') as 'deferred' | 'ptl' };
    case 'munmap':
      return { origin, op: 'munmap', ...range(), downgrade: opt('downgrade') !== 'off', downgradeCheck: opt('downgrade') === 'check', batched: opt('batched') === 'check' };
    case 'madvise':
      return { origin, op: 'madvise', ...range(), nested: opt('nested') as 'flush' | 'ignore', batched: opt('batched') === 'check' };
    case 'fork': {
      const thread = m.threads.findIndex((t) => t.steps.includes(s));
      const child = s.target
        ? m.mms.findIndex((mm) => mm.name === s.target!.text)
        : m.mms.findIndex((mm) => mm.forkedBy?.thread === thread && mm.forkedBy.step === origin);
      return {
        origin,
        op: 'fork',
        child: child >= 0 ? child : undefined,
        vmalock: opt('vmalock') === 'on',
        pinned: opt('pinned') as 'copy' | 'share',
        wpseq: opt('wpseq') === 'on',
      };
    }
    case 'tlbi': {
      const all = s.slots.some((x) => x.kind === 'all');
      const r = all ? { start: 0, end: 0 } : range();
      return { origin, op: 'tlbi', ...r, all, local: s.flags.has('local') };
    }
    case 'lock':
    case 'unlock': {
      const which = word(s, 0) as 'mmap' | 'ptl' | 'range' | 'vma';
      const mode = (): 'read' | 'write' => word(s, 1) as 'read' | 'write';
      if (s.op.name === 'lock') {
        switch (which) {
          case 'mmap':
            return { origin, op: 'lock', lock: 'mmap', mode: mode() };
          case 'ptl':
            return { origin, op: 'lock', lock: 'ptl', addr: slot(s, 'addr').addr };
          case 'range':
            return { origin, op: 'lock', lock: 'range', ...range(), mode: mode() };
          case 'vma':
            return { origin, op: 'lock', lock: 'vma', addr: slot(s, 'addr').addr, mode: mode() };
        }
      }
      switch (which) {
        case 'mmap':
          return { origin, op: 'unlock', lock: 'mmap' };
        case 'ptl':
          return { origin, op: 'unlock', lock: 'ptl', addr: slot(s, 'addr').addr };
        case 'range':
          return { origin, op: 'unlock', lock: 'range', ...range() };
        case 'vma':
          return { origin, op: 'unlock', lock: 'vma', addr: slot(s, 'addr').addr };
      }
      break;
    }
    case 'irq':
      return { origin, op: 'irq', on: word(s) === 'on' };
    // reclaim
    case 'reclaim':
      return { origin, op: 'reclaim', ...addrOrFrame(), batch: opt('batch') === 'on' };
    // numa, migrate (issue 10)
    case 'numa':
      return { origin, op: 'numa', ...range(), migrate: opt('migrate') === 'on' };
    case 'migrate':
      return { origin, op: 'migrate', ...addrOrFrame(), pending: opt('pending') as 'check' | 'ignore' };
    // mremap and truncate (issue 10)
    case 'mremap':
      return { origin, op: 'mremap', ...range(), dest: s.targetAddr!, flush: opt('flush') as 'ptl' | 'dirty' | 'deferred', batched: opt('batched') === 'check' };
    case 'truncate':
      return { origin, op: 'truncate', frames: slot(s, 'frames').names.map((n) => m.frames.findIndex((f) => f.name === n.text)) };
  }
  throw new Error(`lowering: unknown op ${s.op.name}`);
}

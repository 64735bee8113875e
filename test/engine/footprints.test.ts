// Every micro-step's footprint (its semantics entry's `footprint`) is conservative: on the
// reachable states of random scenarios of every design and of the examples, each state field a
// step's `enabled` or `run` reads is declared in its reads or writes, and each field it writes
// is declared in its writes, with a scope that covers it. The state fields are classified by an
// oracle written here from the layout (not from the step code): which resource a field is, and
// whose (which mm, page, table, CPU, thread). Thread-private fields (the thread's own pc,
// status, op-local registers, gather list and registers) are not shared state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fc from 'fast-check';
import type { ExecContext } from '../../server/src/engine/context';
import { Exec } from '../../server/src/engine/exec';
import type { Instr } from '../../server/src/engine/instr';
import * as L from '../../server/src/engine/layout';
import { L_COPY, L_DIRTY, L_OLD, L_VMA, type State } from '../../server/src/engine/machine';
import type { Access, Resource, Scope } from '../../server/src/engine/micro-sem';
import type { ScenarioSpec } from '../../server/src/engine/scenario';
import { SEM_BY_CODE, SEMANTICS } from '../../server/src/engine/semantics';
import { exampleFiles, specsOf } from '../helpers';
import { scenarioArb } from '../explore/scenario-gen';

/** A state field as the oracle sees it: its resource and whose it is. */
interface Field {
  readonly resource: Resource | 'private';
  readonly mm?: number;
  readonly page?: number;
  readonly region?: number;
  readonly cpu?: number;
  readonly thread?: number;
}

/** Classify every index of the state vector of a scenario. */
function classify(cx: ExecContext): Field[] {
  const Ly = cx.L;
  const m = cx.m;
  const out: Field[] = new Array(Ly.size);
  const set = (i: number, f: Field): void => {
    out[i] = f;
  };
  // a VMA-locked fault's L_VMA is a read lock others see (pervma); spf's is a private snapshot
  const readLock = cx.design.traits.faultReadLocksVma;
  for (let t = 0; t < Ly.nThread; t++) {
    const mm = cx.tMm[t]!;
    const cpu = cx.tCpu[t]!;
    set(m.th(t, L.T_PC), { resource: 'thread-control', thread: t, mm });
    set(m.th(t, L.T_STATUS), { resource: 'thread-control', thread: t, mm });
    set(m.th(t, L.T_MMAP_R), { resource: 'mmap-lock', thread: t, mm });
    set(m.th(t, L.T_MMAP_W), { resource: 'mmap-lock', thread: t, mm });
    set(m.th(t, L.T_PTLS), { resource: 'ptl', thread: t, mm });
    set(m.th(t, L.T_IRQ), { resource: 'irq', thread: t, mm, cpu });
    for (let k = 0; k < Ly.nLocals; k++) {
      const fault = k === L_COPY || k === L_OLD || k === L_DIRTY;
      set(m.loc(t, k), { resource: k === L_VMA && readLock ? 'vma-lock' : fault ? 'fault-work' : 'private', thread: t, mm });
    }
    for (let g = 0; g < Ly.nGather; g++) set(m.gather(t, g), { resource: 'private', thread: t, mm });
    for (let r = 0; r < Ly.nRegs; r++) set(m.reg(t, r), { resource: 'private', thread: t, mm });
    for (let r = 0; r < Ly.nRefs; r++) for (let k = 0; k < 3; k++) set(m.ref(t, r, k), { resource: 'gup-refs', thread: t, mm });
    for (let v = 0; v < Ly.nVmaReadFields; v++) set(m.vmaRead(t, v), { resource: 'vma-lock', thread: t, mm });
    void cpu;
  }
  for (let mm = 0; mm < Ly.nMm; mm++) {
    set(m.mm(mm, L.M_EXISTS), { resource: 'mm', mm });
    set(m.mm(mm, L.M_READERS), { resource: 'mmap-lock', mm });
    set(m.mm(mm, L.M_WRITER), { resource: 'mmap-lock', mm });
    set(m.mm(mm, L.M_PENDING), { resource: 'flush-pending', mm });
    set(m.mm(mm, L.M_WPSEQ), { resource: 'wp-seq', mm });
    set(m.mm(mm, L.M_BATCHED), { resource: 'flush-batched', mm });
    for (let i = 0; i < Ly.nThread; i++) set(m.mm(mm, L.M_QUEUE) + i, { resource: 'mmap-lock', mm });
    for (let i = 0; i < Ly.nRangeSlots; i++) for (let k = 0; k < L.RS_SIZE; k++) set(m.rangeSlot(mm, i, k), { resource: 'range-lock', mm });
    for (let v = 0; v < Ly.nVma; v++) {
      for (const k of [L.V_STATE, L.V_START, L.V_END, L.V_PROT, L.V_FLAGS]) set(m.vma(mm, v, k), { resource: 'vma', mm });
      set(m.vma(mm, v, L.V_READERS), { resource: 'vma-lock', mm });
      set(m.vma(mm, v, L.V_WRITER), { resource: 'vma-lock', mm });
      set(m.vma(mm, v, L.V_SEQ), { resource: 'vma-seq', mm });
    }
    for (let r = 0; r < Ly.nRegion; r++) {
      for (const k of [L.PT_STATE, L.PT_GEN, L.PT_OLD, L.PT_RCUMASK]) set(m.pt(mm, r, k), { resource: 'page-table', mm, region: r });
      set(m.pt(mm, r, L.PT_PTL), { resource: 'ptl', mm, region: r });
    }
    for (let p = 0; p < Ly.nPage; p++) set(m.pte(mm, p), { resource: 'pte', mm, page: p, region: Ly.pageRegion[p]! });
  }
  for (let f = 0; f < Ly.nFrame; f++) {
    set(m.fr(f, L.F_VALUE), { resource: 'frame' });
    for (let k = 1; k < Ly.off.frameSize; k++) set(m.fr(f, k), { resource: 'page-refs' });
  }
  for (let c = 0; c < Ly.nCpu; c++) for (let p = 0; p < Ly.nPage; p++) for (let k = 0; k < Ly.off.tlbEntrySize; k++) set(m.tlb(c, p) + k, { resource: 'tlb', cpu: c, mm: Ly.cpuMm[c]!, page: p });
  for (let i = Ly.off.global; i < Ly.size; i++) set(i, { resource: 'ptl' }); // the record of PTL nesting orders
  for (let i = 0; i < Ly.size; i++) if (!out[i]) throw new Error(`oracle: state field ${i} unclassified`);
  return out;
}

/** Does a declared scope cover this field for thread t running `ins`? */
function covers(cx: ExecContext, scope: Scope, f: Field, t: number, ins: Instr): boolean {
  const mm = cx.tMm[t]!;
  const child = ins.op.op === 'fork' ? (ins.op.child ?? 0) : -1;
  const region = ins.region >= 0 ? ins.region : ins.page >= 0 ? cx.L.pageRegion[ins.page]! : -1;
  // the record of PTL nesting orders belongs to every PTL
  if (f.resource === 'ptl' && f.mm === undefined) return true;
  switch (scope) {
    case 'any':
      return true;
    case 'child':
      return f.mm === child;
    case 'mm':
    case 'range':
    case 'mm-cpus':
      return f.mm === undefined || f.mm === mm;
    case 'table':
      return f.mm === mm && (f.region === undefined || f.region === region);
    case 'page':
      return f.mm === mm && (f.page === undefined || f.page === ins.page) && (f.region === undefined || f.region === region);
    case 'cpu':
      return f.cpu === cx.tCpu[t] || f.thread === t;
    case 'own':
      return f.thread === t;
  }
}

function declared(cx: ExecContext, list: readonly Access[], f: Field, t: number, ins: Instr): boolean {
  return list.some((a) => a.resource === f.resource && covers(cx, a.scope, f, t, ins));
}

/** An Int32Array that records the indices read and written through it. */
function recording(s: State): { proxy: State; reads: Set<number>; writes: Set<number> } {
  const reads = new Set<number>();
  const writes = new Set<number>();
  const proxy = new Proxy(s, {
    get(target, prop) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) {
        reads.add(Number(prop));
        return target[Number(prop)];
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(target, prop, value) {
      if (typeof prop === 'string' && /^\d+$/.test(prop)) writes.add(Number(prop));
      return Reflect.set(target, prop, value, target);
    },
  });
  return { proxy, reads, writes };
}

/** Is this field thread t's own private state? */
function isPrivate(f: Field, t: number): boolean {
  if (f.resource === 'private') return true;
  return f.thread === t && (f.resource === 'thread-control' || f.resource === 'fault-work');
}

type Violation = string;

/** Explore (unreduced) up to `limit` states; check every micro-step run from them. */
function checkFootprints(spec: ScenarioSpec, limit: number, problems: Map<string, Violation>, seen: Set<string>): void {
  const exec = new Exec(spec, { reduce: false });
  exec.setSink(() => {});
  const cx = exec.cx;
  const fields = classify(cx);
  const start = exec.initial();
  const visited = new Set<string>([start.join(',')]);
  const queue: State[] = [start];
  const check = (what: 'enabled' | 'run', t: number, ins: Instr, reads: Set<number>, writes: Set<number>): void => {
    const fpr = SEM_BY_CODE[ins.code]!.footprint;
    seen.add(ins.kind);
    for (const i of writes) {
      const f = fields[i]!;
      if (isPrivate(f, t) || declared(cx, fpr.writes, f, t, ins)) continue;
      problems.set(`${ins.kind} writes ${f.resource}`, `${ins.kind} (${what}) writes ${f.resource} ${JSON.stringify(f)} as thread ${t} (mm ${cx.tMm[t]}, cpu ${cx.tCpu[t]}): not in its footprint's writes\n${spec.name}`);
    }
    for (const i of reads) {
      const f = fields[i]!;
      if (isPrivate(f, t) || declared(cx, fpr.reads, f, t, ins) || declared(cx, fpr.writes, f, t, ins)) continue;
      problems.set(`${ins.kind} reads ${f.resource}`, `${ins.kind} (${what}) reads ${f.resource} ${JSON.stringify(f)} as thread ${t} (mm ${cx.tMm[t]}, cpu ${cx.tCpu[t]}): not in its footprint\n${spec.name}`);
    }
  };
  for (let n = 0; n < queue.length && visited.size < limit; n++) {
    const s = queue[n]!;
    for (let t = 0; t < spec.threads.length; t++) {
      const ins = exec.instr(s, t);
      if (!ins || s[cx.m.th(t, L.T_STATUS)] !== L.RUN) continue;
      const sem = SEM_BY_CODE[ins.code]!;
      if (sem.enabled) {
        const r = recording(s.slice());
        sem.enabled(cx, r.proxy, t, ins);
        check('enabled', t, ins, r.reads, r.writes);
      }
      if (!exec.enabled(s, t)) continue;
      const r = recording(s.slice());
      cx.curThread = t;
      cx.curStep0 = ins.step;
      sem.run(cx, r.proxy, t, ins);
      check('run', t, ins, r.reads, r.writes);
    }
    for (let t = 0; t < spec.threads.length; t++) {
      if (!exec.enabled(s, t)) continue;
      const next = s.slice();
      exec.step(next, t);
      const key = next.join(',');
      if (visited.has(key)) continue;
      visited.add(key);
      queue.push(next);
    }
  }
}

test('footprints are conservative: every field a step reads or writes is declared (random scenarios of every design, and the examples)', () => {
  const problems = new Map<string, Violation>();
  const seen = new Set<string>();
  for (const file of exampleFiles()) for (const spec of specsOf(fs.readFileSync(file, 'utf8'))) checkFootprints(spec, 3_000, problems, seen);
  for (const text of fc.sample(scenarioArb, { numRuns: Number(process.env.VMSCEN_PROP_RUNS ?? 150), seed: 20261203 })) {
    for (const spec of specsOf(text)) checkFootprints(spec, 1_500, problems, seen);
  }
  assert.deepEqual([...problems.values()].sort(), []);
  // the check ran every kind at least once (a kind it never ran would be unchecked)
  const never = Object.keys(SEMANTICS).filter((k) => !seen.has(k));
  assert.deepEqual(never, [], 'kinds never run by the footprint check');
});

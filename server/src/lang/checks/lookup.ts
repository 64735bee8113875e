// Indexes over the model the checks build, so that every check of a declaration or a step is a
// map lookup or a binary search, never a scan of everything declared so far: a file of n VMAs,
// maps, frames, TLB lines, threads or steps is checked in O(n log n) (issue 14: a hostile file
// of 64k VMAs took 47 s with scans).
import type { ModelFrame, ModelMm, ModelThread, ModelVma, ScenarioModel } from './model';

type Pte = ModelMm['ptes'][number];
type Tlb = ScenarioModel['tlbs'][number];

export class ModelLookup {
  private readonly frames = new Map<string, number>();
  private readonly mms = new Map<string, number>();
  private readonly threads = new Map<string, number>();
  private readonly threadsOnCpu = new Map<number, ModelThread>();
  private readonly ptes: Map<number, Pte>[] = [];
  private readonly tlbs = new Map<string, Tlb>();

  constructor(private readonly model: ScenarioModel) {
    model.mms.forEach((m, i) => this.mms.set(m.name, i));
  }

  addFrame(f: ModelFrame): void {
    this.frames.set(f.name, this.model.frames.length);
    this.model.frames.push(f);
  }

  frameIndex(name: string): number | undefined {
    return this.frames.get(name);
  }

  addMm(m: ModelMm): number {
    this.mms.set(m.name, this.model.mms.length);
    this.model.mms.push(m);
    return this.model.mms.length - 1;
  }

  mmIndex(name: string): number | undefined {
    return this.mms.get(name);
  }

  addThread(t: ModelThread): number {
    const i = this.model.threads.length;
    this.model.threads.push(t);
    if (!this.threads.has(t.name)) this.threads.set(t.name, i);
    if (!this.threadsOnCpu.has(t.cpu)) this.threadsOnCpu.set(t.cpu, t);
    return i;
  }

  threadIndex(name: string): number | undefined {
    return this.threads.get(name);
  }

  threadOnCpu(cpu: number): ModelThread | undefined {
    return this.threadsOnCpu.get(cpu);
  }

  addPte(mm: number, p: Pte): void {
    (this.ptes[mm] ??= new Map()).set(p.addr, p);
    this.model.mms[mm]!.ptes.push(p);
  }

  pte(mm: number, addr: number): Pte | undefined {
    return this.ptes[mm]?.get(addr);
  }

  addTlb(t: Tlb): void {
    this.tlbs.set(`${t.cpu}:${t.addr}`, t);
    this.model.tlbs.push(t);
  }

  tlb(cpu: number, addr: number): Tlb | undefined {
    return this.tlbs.get(`${cpu}:${addr}`);
  }

  /** The VMA of `vmas` (sorted by start, not overlapping: checkOverlaps' result) containing addr. */
  static vmaAt(vmas: readonly ModelVma[], addr: number): ModelVma | undefined {
    const i = ModelLookup.firstEndingAfter(vmas, addr);
    const v = vmas[i];
    return v && v.start <= addr ? v : undefined;
  }

  /** The first VMA of sorted `vmas` overlapping [start, end). */
  static firstOverlapping(vmas: readonly ModelVma[], start: number, end: number): ModelVma | undefined {
    const v = vmas[ModelLookup.firstEndingAfter(vmas, start)];
    return v && v.start < end ? v : undefined;
  }

  /** The VMAs of sorted `vmas` overlapping [start, end), in address order. */
  static overlapping(vmas: readonly ModelVma[], start: number, end: number): ModelVma[] {
    const out: ModelVma[] = [];
    for (let i = ModelLookup.firstEndingAfter(vmas, start); i < vmas.length && vmas[i]!.start < end; i++) out.push(vmas[i]!);
    return out;
  }

  /** Index of the first VMA whose end is after addr (binary search; sorted, non-overlapping VMAs). */
  private static firstEndingAfter(vmas: readonly ModelVma[], addr: number): number {
    let lo = 0;
    let hi = vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (vmas[mid]!.end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

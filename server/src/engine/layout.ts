// The static layout of a scenario's machine state: which pages, page tables, VMA slots,
// frame slots and values exist, and where each field lives in the flat state vector
// (machine.ts). Computed once per scenario; everything dynamic is in the vector.
import { DESIGN_TRAITS } from './designs/traits';
import { F_SHAREDBY, M_QUEUE, PTE_SWAP_SHIFT, PT_SIZE, RANGE_TOP, RS_SIZE, TAG_BITS_PER_WORD, T_LOCALS, V_SIZE, ptlOrderBits } from './fields';
import { PAGE_SIZE, PT_SPAN, type ScenarioSpec, type StepSpec } from './scenario';

// the encodings and field offsets are read through the layout module (L.T_PC, L.PTE_W, …)
export * from './fields';

export interface Layout {
  readonly spec: ScenarioSpec;
  /** Tracked page addresses, sorted: the only pages that can ever have a PTE. */
  readonly pages: readonly number[];
  /** 2 MiB regions with tracked pages, sorted (region index = addr / PT_SPAN). */
  readonly regions: readonly number[];
  /** Region slot of each page. */
  readonly pageRegion: readonly number[];
  /** VMA boundary addresses, sorted; VMA slots store indices into this. */
  readonly bounds: readonly number[];
  /** Address -> index into `pages` and `bounds`; region number -> index into `regions`; value -> index into `values`. */
  readonly pageIndex: ReadonlyMap<number, number>;
  readonly regionIndex: ReadonlyMap<number, number>;
  readonly boundIndex: ReadonlyMap<number, number>;
  readonly valueIndex: ReadonlyMap<number, number>;
  readonly nMm: number;
  readonly nPage: number;
  readonly nRegion: number;
  readonly nVma: number; // slots per mm
  readonly nCpu: number;
  readonly nThread: number;
  readonly nFrame: number; // total frame slots
  readonly nFixedFrames: number; // declared frames + the zero page; the rest are fresh
  readonly zeroFrame: number;
  readonly nRegs: number; // per thread
  readonly nRefs: number; // per thread
  readonly nLocals: number; // per thread
  /** Per-thread explicit VMA read-lock counts, one per VMA slot (0 fields without `lock vma` steps). */
  readonly nVmaReadFields: number;
  /** Range-lock slots per mm (0 unless `locking range`). */
  readonly nRangeSlots: number;
  /** Addresses a range lock can start or end at, sorted; range slots store indices into this. */
  readonly rangePoints: readonly number[];
  readonly nGather: number; // per thread: zapped pages whose references wait for the flush
  readonly tagWords: number;
  /** Values that frames and registers can hold; fields store indices into this. */
  readonly values: readonly number[];
  /** Per op instance bit: its thread and step (ops that change PTEs or share frames). */
  readonly tagOps: readonly { readonly thread: number; readonly step: number }[];
  /** tagBit[thread][step] = bit index or -1. */
  readonly tagBit: readonly (readonly number[])[];
  /** Page-cache frame slot for (mm, page), or -1. */
  readonly cacheFrame: readonly (readonly number[])[];

  /** CPU of each thread, thread on each CPU (-1 if none). */
  readonly threadOnCpu: readonly number[];
  /** mm whose translations each CPU caches. */
  readonly cpuMm: readonly number[];
  readonly size: number;
  readonly off: Offsets;
}

export interface Offsets {
  readonly thread: number;
  /** Thread fields (pc, locks, locals, gather, registers, refs). */
  readonly threadSize: number;
  /** A thread's block: its fields, then its CPU's TLB row. */
  readonly threadStride: number;
  readonly mm: number;
  readonly mmSize: number;
  readonly frame: number;
  readonly frameSize: number;
  /** TLB rows of CPUs that run no thread (the others live in their thread's block). */
  readonly tlb: number;
  readonly tlbEntrySize: number;
  readonly global: number;
  /** Offset of each CPU's TLB row. */
  readonly tlbRow: readonly number[];
  /** Contiguous component ranges for the state store: one per thread, then the mms, then frames and the rest. */
  readonly components: readonly (readonly [number, number])[];
}

/** Ops that can change PTEs or share frames get a tag bit. */
function isTagging(s: StepSpec): boolean {
  switch (s.op) {
    case 'load':
    case 'kwrite':
    case 'kread':
    case 'put':
    case 'tlbi':
    case 'lock':
    case 'unlock':
    case 'irq':
      return false;
    default:
      return true;
  }
}

function stepPages(s: StepSpec): number[] {
  switch (s.op) {
    case 'load':
    case 'store':
    case 'fault':
    case 'cow':
    case 'gup':
      return [s.addr];
    case 'migrate':
      return s.addr !== undefined ? [s.addr] : [];
    case 'lock':
    case 'unlock':
      return s.lock === 'ptl' || s.lock === 'vma' ? [s.addr] : [];
    case 'reclaim':
      return s.addr !== undefined ? [s.addr] : [];
    default:
      return [];
  }
}

function stepBounds(s: StepSpec): number[] {
  switch (s.op) {
    case 'mremap':
      return [s.start, s.end, s.dest, s.dest + (s.end - s.start)];
    case 'mprotect':
    case 'munmap':
    case 'wrprotect':
    case 'unprotect':
    case 'madvise':
    case 'numa':
      return [s.start, s.end];
    default:
      return [];
  }
}

export function buildLayout(spec: ScenarioSpec): Layout {
  const pageSet = new Set<number>();
  for (const mm of spec.mms) for (const p of mm.ptes) pageSet.add(p.addr);
  for (const t of spec.tlbs) pageSet.add(t.addr);
  for (const th of spec.threads) for (const s of th.steps) for (const a of stepPages(s)) pageSet.add(a);
  const visitCond = (c: ScenarioSpec['checks'][number]['cond']): void => {
    if (c.kind === 'cmp') {
      for (const o of [c.left, c.right]) if (o.kind === 'mem') pageSet.add(o.addr);
    } else {
      visitCond(c.left);
      visitCond(c.right);
    }
  };
  for (const c of spec.checks) visitCond(c.cond);
  // mremap: a tracked page of the source is tracked at the destination too (in step order)
  for (const th of spec.threads)
    for (const s of th.steps) if (s.op === 'mremap') for (const a of [...pageSet]) if (a >= s.start && a < s.end) pageSet.add(a - s.start + s.dest);
  const pages = [...pageSet].sort((a, b) => a - b);
  const regionSet = new Set(pages.map((p) => Math.floor(p / PT_SPAN)));
  const regions = [...regionSet].sort((a, b) => a - b);
  const regionIndex = new Map(regions.map((r, i) => [r, i]));
  const pageRegion = pages.map((p) => regionIndex.get(Math.floor(p / PT_SPAN))!);

  const boundSet = new Set<number>();
  for (const mm of spec.mms) for (const v of mm.vmas) boundSet.add(v.start).add(v.end);
  for (const th of spec.threads) for (const s of th.steps) for (const b of stepBounds(s)) boundSet.add(b);
  // stack growth (issue 10): a growsdown VMA may come to start at any page an access touches
  if (spec.mms.some((mm) => mm.vmas.some((v) => v.growsdown))) for (const p of pages) boundSet.add(p);
  const bounds = [...boundSet].sort((a, b) => a - b);

  // VMA slots: the most VMAs any mm can have = initial VMAs of all mms (fork copies) plus
  // two per splitting op.
  let splits = 0;
  for (const th of spec.threads) for (const s of th.steps) if (s.op === 'mprotect' || s.op === 'munmap') splits += 2;
  // mremap: the new VMA, and two more if unmapping the source splits its VMA
  for (const th of spec.threads) for (const s of th.steps) if (s.op === 'mremap') splits += 3;
  const maxInitial = Math.max(1, ...spec.mms.map((m) => m.vmas.length));
  const nVma = maxInitial + splits;

  const nCpu = Math.max(0, ...spec.threads.map((t) => t.cpu + 1), ...spec.tlbs.map((t) => t.cpu + 1));
  const threadOnCpu = new Array<number>(nCpu).fill(-1);
  spec.threads.forEach((t, i) => (threadOnCpu[t.cpu] = i));
  const cpuMm = threadOnCpu.map((t) => (t >= 0 ? spec.threads[t]!.mm : 0));

  const nMm = spec.mms.length;
  const nPage = pages.length;
  const nRegion = regions.length;
  const nThread = spec.threads.length;
  // Frame slots: declared frames, the zero page, then fresh frames (copies, anonymous fills).
  const zeroFrame = spec.frames.length;
  const nFixedFrames = spec.frames.length + 1;
  const nFresh = nMm * nPage + 2 * nThread + 2;
  const nFrame = nFixedFrames + nFresh;

  const values = [...new Set([0, ...spec.frames.map((f) => f.value), ...spec.threads.flatMap((t) => t.steps.flatMap((s) => (s.op === 'store' || s.op === 'kwrite' ? [s.value] : [])))])].sort((a, b) => a - b);
  // a swap entry keeps its value index in the PTE above PTE_SWAP_SHIFT
  if (values.length > 1 << (31 - PTE_SWAP_SHIFT) && spec.threads.some((t) => t.steps.some((s) => s.op === 'reclaim'))) throw new Error(`a scenario with reclaim may use at most ${1 << (31 - PTE_SWAP_SHIFT)} distinct values`);

  const tagOps: { thread: number; step: number }[] = [];
  const tagBit = spec.threads.map((t, ti) =>
    t.steps.map((s, si) => {
      if (!isTagging(s)) return -1;
      tagOps.push({ thread: ti, step: si });
      return tagOps.length - 1;
    }),
  );
  const tagWords = Math.max(1, Math.ceil(tagOps.length / TAG_BITS_PER_WORD));

  // Page-cache frames per (mm, page): from the file VMAs of each mm; a forked mm inherits
  // its parent's.
  const cacheFrame: number[][] = spec.mms.map(() => new Array<number>(nPage).fill(-1));
  const pageIndexOf = new Map(pages.map((a, i) => [a, i]));
  spec.mms.forEach((mm, mi) => {
    for (const v of mm.vmas) {
      if (!v.file) continue;
      pages.forEach((p, pi) => {
        if (p >= v.start && p < v.end) {
          const f = v.cache[(p - v.start) / PAGE_SIZE];
          if (f !== undefined) cacheFrame[mi]![pi] = f;
        }
      });
    }
  });
  // mremap moves a file VMA: its destination pages are backed by the source pages' cache frames
  spec.threads.forEach((th) => {
    for (const s of th.steps) {
      if (s.op !== 'mremap') continue;
      pages.forEach((p, pi) => {
        if (p < s.start || p >= s.end) return;
        const di = pageIndexOf.get(p - s.start + s.dest);
        if (di !== undefined && cacheFrame[th.mm]![pi]! >= 0) cacheFrame[th.mm]![di] = cacheFrame[th.mm]![pi]!;
      });
    }
  });
  spec.mms.forEach((mm, mi) => {
    if (mm.forkedBy) {
      const parent = spec.threads[mm.forkedBy.thread]!.mm;
      cacheFrame[mi] = [...cacheFrame[parent]!];
    }
  });

  const nRegs = Math.max(0, ...spec.threads.map((t) => t.registers.length));
  const nRefs = Math.max(0, ...spec.threads.map((t) => t.refs.length));
  const nGather = Math.max(
    1,
    ...spec.threads.flatMap((t) => t.steps.map((s) => (s.op === 'munmap' || s.op === 'madvise' ? pages.filter((p) => p >= s.start && p < s.end).length : 0))),
    // truncate zaps, table by table, every page of every mm its frames back
    ...spec.threads.flatMap((t) => t.steps.map((s) => (s.op === 'truncate' ? cacheFrame.reduce((n, row) => n + row.filter((f) => s.frames.includes(f)).length, 0) : 0))),
  );
  const traits = DESIGN_TRAITS[spec.design];
  // spf and pervma faults remember the VMA slot they locked or snapshotted (L_VMA).
  const nLocals = traits.faultVma ? 11 : 10;

  // Range locks: one op-level slot per thread plus one per explicit lock step.
  let nRangeSlots = 0;
  const pointSet = new Set<number>([0, RANGE_TOP]);
  if (traits.rangeLocks) {
    for (const th of spec.threads) nRangeSlots += 1 + th.steps.filter((s) => s.op === 'lock' && (s.lock === 'range' || s.lock === 'mmap')).length;
    for (const b of bounds) pointSet.add(b);
    for (const p of pages) pointSet.add(p).add(p + PAGE_SIZE);
    for (const th of spec.threads)
      for (const s of th.steps) {
        if (s.op === 'lock' && s.lock === 'range') pointSet.add(s.start).add(s.end);
        if (s.op === 'unlock' && s.lock === 'range') pointSet.add(s.start).add(s.end);
        if (s.op === 'munmap') pointSet.add(Math.floor(s.start / PT_SPAN) * PT_SPAN).add(Math.ceil(s.end / PT_SPAN) * PT_SPAN);
        if (s.op === 'mremap') pointSet.add(Math.floor(s.start / PT_SPAN) * PT_SPAN).add(Math.ceil(s.end / PT_SPAN) * PT_SPAN);
      }
  }
  const rangePoints = [...pointSet].sort((a, b) => a - b);

  const nVmaReadFields = spec.threads.some((th) => th.steps.some((s) => s.op === 'lock' && s.lock === 'vma')) ? nVma : 0;
  const nPt = nMm * nRegion;
  if (nPt > 31) throw new Error(`the scenario needs ${nPt} page tables (mms x 2 MiB regions); the model supports at most 31`); // PTLs held: a bitmask

  const threadSize = T_LOCALS + nLocals + nGather + nRegs + nRefs * 3 + nVmaReadFields;
  const mmSize = M_QUEUE + nThread + nRangeSlots * RS_SIZE + nVma * V_SIZE + nRegion * PT_SIZE + nPage;
  const frameSize = F_SHAREDBY + tagWords;
  const tlbEntrySize = 2 + tagWords;
  const tlbRowSize = nPage * tlbEntrySize;
  const threadStride = threadSize + tlbRowSize;
  const thread = 0;
  const mm = thread + nThread * threadStride;
  const frame = mm + nMm * mmSize;
  const tlb = frame + nFrame * frameSize;
  const freeCpus = threadOnCpu.map((t, c) => (t < 0 ? c : -1)).filter((c) => c >= 0);
  const tlbRow = threadOnCpu.map((t, c) => (t >= 0 ? thread + t * threadStride + threadSize : tlb + freeCpus.indexOf(c) * tlbRowSize));
  const global = tlb + freeCpus.length * tlbRowSize;
  const orderWords = Math.max(1, Math.ceil((nPt * nPt) / Math.floor(31 / ptlOrderBits(nPt))));
  const size = global + orderWords;
  const components: [number, number][] = [];
  for (let t = 0; t < nThread; t++) components.push([t * threadStride, (t + 1) * threadStride]);
  // the shared rest in two parts that change at different steps: mms (locks, VMAs, PTEs) and
  // frames with the TLB rows of idle CPUs and the global fields
  components.push([mm, frame], [frame, size]);

  return {
    spec,
    pages,
    regions,
    pageRegion,
    bounds,
    pageIndex: new Map(pages.map((a, i) => [a, i])),
    regionIndex,
    boundIndex: new Map(bounds.map((a, i) => [a, i])),
    valueIndex: new Map(values.map((v, i) => [v, i])),
    nMm,
    nPage,
    nRegion,
    nVma,
    nCpu,
    nThread,
    nFrame,
    nFixedFrames,
    zeroFrame,
    nRegs,
    nRefs,
    nLocals,
    nVmaReadFields,
    nRangeSlots,
    rangePoints,
    nGather,
    tagWords,
    values,
    tagOps,
    tagBit,
    cacheFrame,
    threadOnCpu,
    cpuMm,
    size,
    off: { thread, threadSize, threadStride, mm, mmSize, frame, frameSize, tlb, tlbEntrySize, global, tlbRow, components },
  };
}

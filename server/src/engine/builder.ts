// Builds a thread's program: drafts of typed instructions with symbolic labels for jumps,
// resolved into indices (or END) when the program is finished.
import { semanticsOf } from './semantics';
import { END, FLAG_DEFAULTS, KIND_OPS, MICRO_CODES, type Ctx, type FlagsOf, type Instr, type JumpsOf, type MicroKind } from './instr';
import type { StepSpec } from './scenario';

export interface Label {
  readonly id: number;
}

export type Target = Label | number;

/** The fields every draft carries (the op's context, set once per op by expand.ts). */
export interface DraftBase {
  readonly step: number;
  readonly op: StepSpec;
  readonly ctx: Ctx;
  readonly page: number;
  readonly region: number;
  /** The mm of page/region when not the thread's (the rmap walks of truncate, migrate); default -1. */
  readonly mm?: number;
  readonly inheritMmap: boolean;
  readonly inheritPtl: boolean;
}

type DraftJumps<K extends MicroKind> = [keyof JumpsOf<K>] extends [never] ? { readonly jumps?: undefined } : { readonly jumps: { readonly [N in keyof JumpsOf<K>]: Target } };

/** A micro-step to emit: its kind, its flags (absent = false) and its jumps as labels. */
export type Draft<K extends MicroKind> = DraftBase & {
  readonly kind: K;
  readonly text: string;
  /** The kernel function(s), when more specific than the semantics table's. */
  readonly kernel?: string;
  readonly next?: Target;
} & Partial<FlagsOf<K>> &
  DraftJumps<K>;

interface Stored {
  readonly d: DraftBase & { kind: MicroKind; text: string; kernel?: string; next?: Target; jumps?: Readonly<Record<string, Target>> } & Partial<Record<keyof typeof FLAG_DEFAULTS, boolean>>;
}

export class Builder {
  private readonly drafts: Stored[] = [];
  private readonly positions = new Map<number, number>();
  private nextLabel = 0;

  get length(): number {
    return this.drafts.length;
  }

  label(): Label {
    return { id: this.nextLabel++ };
  }

  place(l: Label): void {
    this.positions.set(l.id, this.drafts.length);
  }

  emit<K extends MicroKind>(d: Draft<K>): void {
    if (!(KIND_OPS[d.kind] as readonly string[]).includes(d.op.op)) throw new Error(`internal: micro-step ${d.kind} emitted for op ${d.op.op}`);
    this.drafts.push({ d: d as Stored['d'] });
  }

  private resolve(x: Target | undefined, fallthrough: number): number {
    if (x === undefined) return fallthrough;
    if (typeof x === 'number') return x;
    const p = this.positions.get(x.id);
    if (p === undefined) throw new Error('unplaced label');
    return p >= this.drafts.length ? END : p;
  }

  /**
   * The program. Every instruction has the same fields in the same order (flags a kind does
   * not have are false), so the explorer's hot loop reads them from one object shape.
   */
  finish(): Instr[] {
    return this.drafts.map(({ d }, i) => {
      const fall = i + 1 >= this.drafts.length ? END : i + 1;
      const jumps: Record<string, number> = {};
      for (const [k, v] of Object.entries(d.jumps ?? {})) jumps[k] = this.resolve(v, fall);
      const ins = {
        kind: d.kind,
        code: MICRO_CODES[d.kind],
        step: d.step,
        op: d.op,
        ctx: d.ctx,
        page: d.page,
        region: d.region,
        mm: d.mm ?? -1,
        inheritMmap: d.inheritMmap,
        inheritPtl: d.inheritPtl,
        write: d.write ?? FLAG_DEFAULTS.write,
        copyUnderPtl: d.copyUnderPtl ?? FLAG_DEFAULTS.copyUnderPtl,
        flushPending: d.flushPending ?? FLAG_DEFAULTS.flushPending,
        flushPendingAny: d.flushPendingAny ?? FLAG_DEFAULTS.flushPendingAny,
        unshare: d.unshare ?? FLAG_DEFAULTS.unshare,
        ptlHeld: d.ptlHeld ?? FLAG_DEFAULTS.ptlHeld,
        efault: d.efault ?? FLAG_DEFAULTS.efault,
        fellBack: d.fellBack ?? FLAG_DEFAULTS.fellBack,
        keepPtl: d.keepPtl ?? FLAG_DEFAULTS.keepPtl,
        lastTable: d.lastTable ?? FLAG_DEFAULTS.lastTable,
        keepRef: d.keepRef ?? FLAG_DEFAULTS.keepRef,
        next: this.resolve(d.next, fall),
        jumps,
        text: d.text,
        kernel: d.kernel ?? semanticsOf(d.kind).kernel,
      };
      // the kind decides the fields' types: checked by emit() (op) and Draft<K> (flags, jumps)
      return ins as unknown as Instr;
    });
  }
}
